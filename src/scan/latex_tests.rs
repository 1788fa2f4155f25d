//! Tests of the LaTeX syntax (`latex.rs`), through the whole scan (`scan_text`).

use super::scan_text;
use crate::model::Kind;

const PAPER: &str = r"\documentclass{article}
\usepackage{paperfig}
\begin{document}
\begin{paperfigure}[id=fig:acc, kind=plot, data=data/acc.csv, width=.8\linewidth]
  {Top-1 accuracy}  % caption
  Bar chart comparing model accuracy with value labels
\end{paperfigure}
% \begin{paperfigure}[kind=nonsense]{commented out}
% \end{paperfigure}
\paperfigextract[figure=3]{vaswani2017}{Attention maps, reproduced from \cite{vaswani2017}}
\end{document}
";

#[test]
fn finds_environment_and_extract_macro() {
    let scan = scan_text("paper.tex", PAPER);
    assert!(scan.diagnostics.is_empty(), "{:?}", scan.diagnostics);
    assert_eq!(scan.directives.len(), 2);
    let acc = &scan.directives[0];
    assert_eq!(acc.name, "fig:acc");
    assert_eq!(acc.kind, Kind::Plot);
    assert_eq!(acc.caption.as_deref(), Some("Top-1 accuracy"));
    assert_eq!(acc.body, "Bar chart comparing model accuracy with value labels\n");
    assert_eq!(acc.attr("width").unwrap().value, r".8\linewidth");
    assert_eq!(acc.loc.display(), "paper.tex:4:1");
    assert_eq!(acc.attr_loc("data").display(), "paper.tex:4:49");

    let ex = &scan.directives[1];
    assert_eq!(ex.kind, Kind::Extract);
    assert_eq!(ex.attr("cite").unwrap().value, "vaswani2017");
    assert_eq!(ex.attr("figure").unwrap().value, "3");
    assert_eq!(ex.caption.as_deref(), Some(r"Attention maps, reproduced from \cite{vaswani2017}"));
}

#[test]
fn missing_end_and_bad_options_are_located() {
    let scan = scan_text(
        "p.tex",
        "x\n\\begin{paperfigure}[kind=plot, draft]{c}\nbody\n\\end{paperfigure}\n\\begin{paperfigure}[kind=plot]{c}\nno end\n",
    );
    assert!(scan.directives.is_empty());
    assert_eq!(scan.diagnostics.len(), 2, "{:?}", scan.diagnostics);
    assert!(scan.diagnostics[0].message.contains("`draft` has no value"));
    assert_eq!(scan.diagnostics[0].location().unwrap(), "p.tex:2:32");
    assert!(scan.diagnostics[1].message.contains("no matching"));
    assert_eq!(scan.diagnostics[1].location().unwrap(), "p.tex:5:1");
}

#[test]
fn body_ranges_map_to_source_lines_and_columns() {
    let scan =
        scan_text("p.tex", "\\begin{paperfigure}[kind=diagram]{Cap}\n    a -> b\n    b -> c\n\\end{paperfigure}\n");
    let d = &scan.directives[0];
    assert_eq!(d.body, "a -> b\nb -> c\n");
    let at = d.body.rfind("c").unwrap();
    assert_eq!(d.body_loc(at..at + 1).display(), "p.tex:3:10");
}

#[test]
fn unknown_kind_in_latex_points_at_value() {
    let scan = scan_text("p.tex", "\\begin{paperfigure}[kind=pie]{c}\n\\end{paperfigure}\n");
    assert_eq!(scan.diagnostics[0].location().unwrap(), "p.tex:1:26");
}
