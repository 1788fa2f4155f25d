//! Tests of the whole writer: Markdown in, the meaningful pieces of the LaTeX out.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::*;
use crate::scan::scan_text;

fn source(text: &str) -> Arc<SourceFile> {
    Arc::new(SourceFile::new("paper.md".into(), "/proj/paper.md".into(), text.into()))
}

/// Writes `text` with no figures generated.
fn write(text: &str) -> TexPaper {
    let file = source(text);
    write_paper(&file, &[], &|_| None, &WriteOptions::new("/proj", "/proj/build")).unwrap()
}

fn body(text: &str) -> String {
    let tex = write(text).tex;
    let start = tex.find("\\begin{document}").unwrap();
    tex[start..].to_string()
}

#[test]
fn headings_get_sections_and_labels() {
    let tex = body("# Intro {#sec:intro}\n\n## Sub part\n\n### Deep\n\n# Thanks {.unnumbered}\n");
    assert!(tex.contains("\\section{Intro}\\label{sec:intro}"), "{tex}");
    assert!(tex.contains("\\subsection{Sub part}"));
    assert!(tex.contains("\\subsubsection{Deep}"));
    assert!(tex.contains("\\section*{Thanks}"));
}

#[test]
fn text_is_escaped_and_math_is_verbatim() {
    let tex = body("Costs 5$ & 10% of a_b, see $a_{i}^2 + \\alpha$ and\n\n$$\n\\sum_{i=1}^n x_i\n$$\n");
    assert!(tex.contains("Costs 5\\$ \\& 10\\% of a\\_b"), "{tex}");
    assert!(tex.contains("$a_{i}^2 + \\alpha$"), "{tex}");
    assert!(tex.contains("\\[\n\\sum_{i=1}^n x_i\n\\]"), "{tex}");
}

#[test]
fn labelled_equations_are_numbered_and_referable() {
    let paper = write("$$ E = mc^2 $$ {#eq:energy}\n\nSee @eq:energy.\n");
    assert!(paper.tex.contains("\\begin{equation}\nE = mc^2\n\\label{eq:energy}\n\\end{equation}"), "{}", paper.tex);
    assert!(paper.tex.contains("See Equation~\\eqref{eq:energy}."));
    assert!(paper.warnings.is_empty(), "{:?}", paper.warnings);
}

#[test]
fn lists_nest_and_ordered_lists_keep_their_start() {
    let tex = body("- a\n- b\n  1. x\n  2. y\n\n3. three\n4. four\n");
    assert!(tex.contains("\\begin{itemize}\n\\item a\n\\item b\n\\begin{enumerate}\n\\item x"), "{tex}");
    assert!(tex.contains("\\setcounter{enumi}{2}\n\\item three"), "{tex}");
    assert_eq!(tex.matches("\\begin{enumerate}").count(), tex.matches("\\end{enumerate}").count());
}

#[test]
fn footnotes_are_written_where_they_are_referenced() {
    let tex = body("Text.[^n] More.\n\n[^n]: The *note* 50%.\n");
    assert!(tex.contains("Text.\\footnote{The \\emph{note} 50\\%.} More."), "{tex}");
}

#[test]
fn links_code_and_quotes() {
    let tex = body(
        "See [the site](https://ex.org/a_b#x), <https://ex.org/~u>, `a_b{}`.\n\n> quoted\n\n```python\nx = {'a': 1}  # %\n```\n",
    );
    assert!(tex.contains("\\href{https://ex.org/a_b\\#x}{the site}"), "{tex}");
    assert!(tex.contains("\\url{https://ex.org/~u}"), "{tex}");
    assert!(tex.contains("\\texttt{a\\_b\\{\\}}"), "{tex}");
    assert!(tex.contains("\\begin{quote}\nquoted\n\\end{quote}"), "{tex}");
    assert!(tex.contains("\\begin{lstlisting}[language=Python]\nx = {'a': 1}  # %\n\\end{lstlisting}"), "{tex}");
}

#[test]
fn tables_become_booktabs_with_caption_and_label() {
    let paper =
        write("| Model | Acc |\n|:--|--:|\n| A_1 | 9% |\n\nTable: Results on *val*. {#tbl:res}\n\nSee @tbl:res.\n");
    let tex = &paper.tex;
    assert!(
        tex.contains("\\begin{table}[tbp]\n\\centering\n\\caption{Results on \\emph{val}.}\\label{tbl:res}"),
        "{tex}"
    );
    assert!(
        tex.contains("\\begin{tabular}{lr}\n\\toprule\nModel & Acc \\\\\n\\midrule\nA\\_1 & 9\\% \\\\\n\\bottomrule"),
        "{tex}"
    );
    assert!(tex.contains("See Table~\\ref{tbl:res}."));
    assert!(!tex.contains("Table:"));
    assert!(paper.warnings.is_empty(), "{:?}", paper.warnings);
}

#[test]
fn caption_before_the_table_works_too() {
    let tex = body("Table: Before. {#tbl:b}\n\n| a |\n|---|\n| 1 |\n");
    assert!(tex.contains("\\caption{Before.}\\label{tbl:b}"), "{tex}");
}

#[test]
fn citations_are_natbib_and_listed() {
    let paper = write("---\nbibliography: []\n---\nAs @knuth84 says [see @lamport94, p. 7; @a].\n");
    assert!(paper.tex.contains("As \\citet{knuth84} says \\citep[see][p.~7]{lamport94,a}."), "{}", paper.tex);
    let keys: Vec<_> = paper.citations.iter().map(|(k, l)| (k.as_str(), l.display())).collect();
    assert_eq!(
        keys,
        vec![("knuth84", "paper.md:4:4".into()), ("lamport94", "paper.md:4:23".into()), ("a", "paper.md:4:41".into())]
    );
}

#[test]
fn unknown_cross_reference_is_a_warning() {
    let paper = write("# A {#sec:a}\n\nSee @sec:a and @fig:nope.\n");
    assert_eq!(paper.warnings.len(), 1, "{:?}", paper.warnings);
    assert!(paper.warnings[0].message.contains("`fig:nope`"));
    assert_eq!(paper.warnings[0].location().unwrap(), "paper.md:3:16");
}

#[test]
fn raw_latex_blocks_pass_through_and_map_to_their_lines() {
    let text = "# T\n\nText.\n\n```{=latex}\n\\newcommand{\\x}{1}\n\\badcommand{a}\n```\n\nAfter `\\LaTeX`{=latex}.\n";
    let paper = write(text);
    let tex_line = paper.tex.lines().position(|l| l == "\\badcommand{a}").unwrap() + 1;
    assert_eq!(paper.line_map.markdown_line(tex_line), Some(7));
    assert!(paper.tex.contains("After \\LaTeX."), "{}", paper.tex);
    let text_line = paper.tex.lines().position(|l| l == "Text.").unwrap() + 1;
    assert_eq!(paper.line_map.markdown_line(text_line), Some(3));
}

#[test]
fn paragraph_lines_map_one_to_one() {
    let text = "---\ntitle: T\n---\n\nLine one\nline two \\oops{x}\nline three\n";
    let paper = write(text);
    let l = paper.tex.lines().position(|l| l.contains("\\oops{x}")).unwrap() + 1;
    assert_eq!(paper.line_map.markdown_line(l), Some(6));
    assert_eq!(paper.line_map.markdown_line(l + 1), Some(7));
}

#[test]
fn paperfig_figures_use_the_generated_file_or_a_placeholder() {
    let text = "# R\n\n```{paperfig #fig:acc kind=plot data=a.csv size=wide caption=\"Top-1 ± std [@k]\"}\nbars\n```\n\n```{paperfig #fig:b kind=plot data=b.csv width=80%}\nbars\n```\n\n@fig:acc and @fig:b.\n";
    let scan = scan_text("paper.md", text);
    assert!(scan.diagnostics.is_empty(), "{:?}", scan.diagnostics);
    let file = Arc::clone(&scan.files[0]);
    let file_for =
        |d: &crate::scan::Directive| (d.name == "fig:acc").then(|| PathBuf::from("/proj/build/figures/fig-acc.pdf"));
    let paper = write_paper(&file, &scan.directives, &file_for, &WriteOptions::new("/proj", "/proj/build")).unwrap();
    let tex = &paper.tex;
    assert!(tex.contains("\\begin{figure*}[tbp]"), "{tex}");
    assert!(tex.contains("\\includegraphics{figures/fig-acc.pdf}"), "{tex}");
    assert!(tex.contains("\\caption{Top-1 ± std \\citep{k}}\\label{fig:acc}"), "{tex}");
    assert!(tex.contains("not generated yet") && tex.contains("paperfig gen"), "{tex}");
    assert!(tex.contains("\\label{fig:b}"));
    assert!(tex.contains("Figure~\\ref{fig:acc} and Figure~\\ref{fig:b}."));
    assert_eq!(paper.citations.len(), 1);
    assert!(paper.warnings.iter().all(|w| !w.message.contains("unknown label")), "{:?}", paper.warnings);
}

#[test]
fn a_failed_figure_placeholder_says_why() {
    let text = "```{paperfig #fig:bad kind=plot}\nbars\n```\n\n```{paperfig #fig:new kind=plot}\nbars\n```\n";
    let scan = scan_text("paper.md", text);
    let mut opts = WriteOptions::new("/proj", "/proj/build");
    opts.failed.insert("fig:bad".into(), "invalid value `pie` for chart= & 50%".into());
    let tex = write_paper(&scan.files[0], &scan.directives, &|_| None, &opts).unwrap().tex;
    assert!(
        tex.contains("Figure \\texttt{fig:bad} failed to build:\\\\ invalid value \\texttt{pie} for chart= \\& 50\\%"),
        "{tex}"
    );
    assert!(tex.contains("Figure \\texttt{fig:new} is not generated yet"), "{tex}");
    assert_eq!(tex.matches("not generated yet").count(), 1, "{tex}");
}

/// A paper citing `a` with the bibliography `refs.bib` in a temporary folder.
fn write_with_bibliography(body: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("refs.bib"), "@misc{a, title={A}}\n").unwrap();
    let text = format!("---\nbibliography: refs.bib\n---\n{body}");
    let file = Arc::new(SourceFile::new("paper.md".into(), dir.path().join("paper.md"), text));
    write_paper(&file, &[], &|_| None, &WriteOptions::new(dir.path(), dir.path().join("build"))).unwrap().tex
}

#[test]
fn a_last_references_heading_holds_the_bibliography() {
    const NO_HEADING: &str = "\\renewcommand{\\bibsection}{}";
    for heading in ["# References", "## bibliography", "# References {#sec:refs}", "# Works cited {#refs}"] {
        let tex = write_with_bibliography(&format!("# Intro\n\nAs [@a].\n\n{heading}\n"));
        assert_eq!(tex.matches(NO_HEADING).count(), 1, "{heading}: {tex}");
        let at = tex.find(NO_HEADING).unwrap();
        assert!(tex[..at].trim_end().ends_with('}'), "right after the heading: {tex}");
        assert!(at < tex.find("\\bibliography{").unwrap());
    }
    // Not the last heading, another title, or no bibliography: the heading is only a heading.
    let later = write_with_bibliography("# References\n\nAs [@a].\n\n# Appendix\n");
    let other = write_with_bibliography("# Intro\n\nAs [@a].\n\n# Related references\n");
    let no_bib = write("# References\n").tex;
    for tex in [later, other, no_bib] {
        assert!(!tex.contains("bibsection"), "{tex}");
    }
}

#[test]
fn front_matter_fills_the_template() {
    let paper = write(
        "---\ntitle: Fast & *Small*\nauthors:\n  - name: Ada L.\n    affiliation: Uni\n    email: ada@uni.org\nabstract: We show $x^2$.\nkeywords: [a, b]\ndate: 2026-01-02\n---\nBody.\n",
    );
    let tex = &paper.tex;
    assert!(tex.contains("\\title{Fast \\& \\emph{Small}}"), "{tex}");
    assert!(tex.contains("Ada L.\\\\\n{\\small Uni}"), "{tex}");
    assert!(tex.contains("\\href{mailto:ada@uni.org}"), "{tex}");
    assert!(tex.contains("\\begin{abstract}\nWe show $x^2$."), "{tex}");
    assert!(tex.contains("a, b"));
    assert!(tex.contains("\\date{2026-01-02}"));
    assert!(tex.contains("\\maketitle"));
    let title_line = tex.lines().position(|l| l.starts_with("\\title")).unwrap() + 1;
    assert_eq!(paper.line_map.markdown_line(title_line), Some(2), "the title's front matter line");
}

#[test]
fn unknown_template_points_at_the_front_matter() {
    let file = source("---\ntitle: T\ntemplate: ieee\n---\n");
    let errs = write_paper(&file, &[], &|_| None, &WriteOptions::new("/proj", "/proj/build")).unwrap_err();
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].message, "unknown template `ieee`");
    assert_eq!(errs[0].location().unwrap(), "paper.md:3:1");
    assert!(errs[0].hints[0].contains("article, conference"));
}

#[test]
fn conference_template_is_two_columns() {
    let tex = write("---\ntemplate: conference\n---\nx\n").tex;
    assert!(tex.contains("twocolumn"));
}

#[test]
fn missing_bibliography_is_an_error_at_its_line() {
    let file = source("---\ntitle: T\nbibliography: nowhere.bib\n---\n[@a]\n");
    let errs = write_paper(&file, &[], &|_| None, &WriteOptions::new("/proj", "/proj/build")).unwrap_err();
    assert!(errs[0].message.contains("`nowhere.bib` not found"), "{:?}", errs);
    assert_eq!(errs[0].location().unwrap(), "paper.md:3:1");
}

#[test]
fn existing_bibliography_is_relative_to_the_tex() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("refs.bib"), "@misc{a, title={A}}\n").unwrap();
    let md = dir.path().join("paper.md");
    let file = Arc::new(SourceFile::new("paper.md".into(), md, "---\nbibliography: refs.bib\n---\n[@a]\n".into()));
    let opts = WriteOptions::new(dir.path(), dir.path().join("build"));
    let paper = write_paper(&file, &[], &|_| None, &opts).unwrap();
    assert_eq!(paper.bibliography, vec![std::path::absolute(dir.path().join("refs.bib")).unwrap()]);
    assert!(paper.tex.contains("\\bibliography{../refs}"), "{}", paper.tex);
    assert!(paper.warnings.is_empty());
}

#[test]
fn citations_without_bibliography_warn() {
    let paper = write("Text [@a].\n");
    assert!(paper.warnings[0].message.contains("no bibliography"));
}

#[test]
fn relative_paths() {
    assert_eq!(relative_to(Path::new("/a/b/c.pdf"), Path::new("/a/d")), PathBuf::from("../b/c.pdf"));
    assert_eq!(relative_to(Path::new("/a/b/c.pdf"), Path::new("/a/b")), PathBuf::from("c.pdf"));
}

#[test]
fn dollar_amounts_are_not_math() {
    let tex = body("It costs $5 and $10 a month.\n");
    assert!(tex.contains("It costs \\$5 and \\$10 a month."), "{tex}");
}

#[test]
fn html_comments_vanish_and_other_html_warns_once() {
    let text = "Text <!-- hidden --> here.\n\n<!--\nblock\nremark\n-->\n\n<div>x</div>\n\nA <b>bold</b> word.\n";
    let paper = write(text);
    assert!(!paper.tex.contains("hidden") && !paper.tex.contains("remark"), "{}", paper.tex);
    assert!(body(text).contains("Text  here.\n\nA bold word."));
    assert_eq!(paper.warnings.len(), 1, "{:?}", paper.warnings);
    assert!(paper.warnings[0].message.contains("HTML"));
    assert_eq!(paper.warnings[0].location().unwrap(), "paper.md:8:1");
}

#[test]
fn specials_in_headings_captions_and_cells_are_escaped() {
    let tex = body("# 100% of #1 & C_2 {#sec:x}\n\n| a&b | 50% |\n|---|---|\n| ~ | ^ |\n");
    assert!(tex.contains("\\section{100\\% of \\#1 \\& C\\_2}\\label{sec:x}"), "{tex}");
    assert!(tex.contains("a\\&b & 50\\% \\\\"), "{tex}");
    assert!(tex.contains("\\textasciitilde{} & \\textasciicircum{} \\\\"), "{tex}");
}

#[test]
fn raw_environment_paragraphs_pass_through() {
    let paper = write("Before.\n\n\\begin{tabular}{ll}\na & b_1 \\\\\n\\end{tabular}\n\nAfter.\n");
    assert!(paper.tex.contains("\\begin{tabular}{ll}\na & b_1 \\\\\n\\end{tabular}"), "{}", paper.tex);
    let l = paper.tex.lines().position(|l| l == "a & b_1 \\\\").unwrap() + 1;
    assert_eq!(paper.line_map.markdown_line(l), Some(4));
}

#[test]
fn hard_breaks_emails_and_undefined_footnotes() {
    let paper = write("one  \ntwo <ada@ex.org> and ada@ex.org[^nope]\n");
    assert!(paper.tex.contains("one\\\\\ntwo"), "{}", paper.tex);
    assert!(paper.tex.contains("\\href{mailto:ada@ex.org}{ada@ex.org} and ada@ex.org"), "{}", paper.tex);
    assert!(paper.warnings.iter().any(|w| w.message.contains("`[^nope]` is not defined")), "{:?}", paper.warnings);
}

#[test]
fn image_links_become_figures_with_attributes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("img")).unwrap();
    std::fs::write(dir.path().join("img/a.png"), b"png").unwrap();
    std::fs::write(dir.path().join("img/b.pdf"), b"pdf").unwrap();
    let text = "![The *A* image.](img/a.png){#fig:a width=50%}\n\n![Vector](img/b.svg){.wide}\n\n![Gone](img/c.png)\n\nSee @fig:a.\n";
    let file = Arc::new(SourceFile::new("paper.md".into(), dir.path().join("paper.md"), text.into()));
    let paper = write_paper(&file, &[], &|_| None, &WriteOptions::new(dir.path(), dir.path().join("build"))).unwrap();
    let tex = &paper.tex;
    assert!(tex.contains("\\includegraphics[width=0.5\\linewidth]{../img/a.png}"), "{tex}");
    assert!(tex.contains("\\caption{The \\emph{A} image.}\\label{fig:a}"), "{tex}");
    assert!(tex.contains("\\begin{figure*}") && tex.contains("{../img/b.pdf}"), "an SVG is replaced by its PDF: {tex}");
    assert!(tex.contains("image not found"), "{tex}");
    assert_eq!(paper.warnings.len(), 1, "{:?}", paper.warnings);
    assert!(paper.warnings[0].message.contains("`img/c.png` not found"));
    assert_eq!(paper.warnings[0].location().unwrap(), "paper.md:5:1");
}

#[test]
fn pdf_extract_links_use_the_extracted_figure() {
    let text = "![Attention maps from @vaswani2017](cite:vaswani2017#figure=3){#fig:attn}\n\n@fig:attn.\n";
    let scan = scan_text("paper.md", text);
    assert_eq!(scan.directives.len(), 1, "{:?}", scan.diagnostics);
    let file = Arc::clone(&scan.files[0]);
    let got = |d: &crate::scan::Directive| Some(PathBuf::from(format!("/proj/build/figures/{}.pdf", d.stem())));
    let paper = write_paper(&file, &scan.directives, &got, &WriteOptions::new("/proj", "/proj/build")).unwrap();
    assert!(paper.tex.contains("\\includegraphics{figures/fig-attn.pdf}"), "{}", paper.tex);
    assert!(
        paper.tex.contains("\\caption{Attention maps from \\citet{vaswani2017}}\\label{fig:attn}"),
        "{}",
        paper.tex
    );
    let none = write_paper(&file, &scan.directives, &|_| None, &WriteOptions::new("/proj", "/proj/build")).unwrap();
    assert!(none.tex.contains("not extracted yet") && none.tex.contains("paperfig gen"), "{}", none.tex);
}

#[test]
fn a_users_template_file_is_used() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("mine.tex"),
        "\\documentclass{report}\n\\title{<<title>>}\n\\begin{document}\n<<body>>\n\\end{document}\n",
    )
    .unwrap();
    let file = Arc::new(SourceFile::new(
        "paper.md".into(),
        dir.path().join("paper.md"),
        "---\ntitle: Mine\ntemplate: mine.tex\n---\nHello.\n".into(),
    ));
    let paper = write_paper(&file, &[], &|_| None, &WriteOptions::new(dir.path(), dir.path())).unwrap();
    assert!(
        paper.tex.starts_with("\\documentclass{report}\n\\title{Mine}\n\\begin{document}\nHello."),
        "{}",
        paper.tex
    );
    let l = paper.tex.lines().position(|l| l == "Hello.").unwrap() + 1;
    assert_eq!(paper.line_map.markdown_line(l), Some(5));
}

#[test]
fn front_matter_errors_come_back_located() {
    let file = source("---\ntitle: [a\n---\ntext\n");
    let errs = write_paper(&file, &[], &|_| None, &WriteOptions::new("/proj", "/proj/build")).unwrap_err();
    assert!(errs[0].message.starts_with("invalid front matter"), "{:?}", errs);
    assert!(errs[0].location().unwrap().starts_with("paper.md:"), "{:?}", errs[0].location());
}

#[test]
fn inline_raw_latex_and_code() {
    let tex = body("Use `\\newpage`{=latex} and `\\newpage` and \\textsc{Caps}.\n");
    assert!(tex.contains("Use \\newpage and \\texttt{\\textbackslash{}newpage} and \\textsc{Caps}."), "{tex}");
}

#[test]
fn unnumbered_shorthand_and_internal_links() {
    let tex = body("# Intro {#sec:intro}\n\n# Notes {-}\n\nBack to [the start](#sec:intro).\n");
    assert!(tex.contains("\\section*{Notes}"), "{tex}");
    assert!(tex.contains("\\hyperref[sec:intro]{the start}"), "{tex}");
}

#[test]
fn citations_missing_from_the_bibliography_warn_once_each() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("refs.bib"), "@article{known,\n title={K}}\n").unwrap();
    let text = "---\nbibliography: refs.bib\n---\n[@known; @nope] and @nope, @other.\n";
    let file = Arc::new(SourceFile::new("paper.md".into(), dir.path().join("paper.md"), text.into()));
    let paper = write_paper(&file, &[], &|_| None, &WriteOptions::new(dir.path(), dir.path())).unwrap();
    let got: Vec<_> = paper.warnings.iter().map(|w| (w.message.as_str(), w.location().unwrap())).collect();
    assert_eq!(
        got,
        vec![
            ("citation `@nope` is not in the bibliography", "paper.md:4:10".to_string()),
            ("citation `@other` is not in the bibliography", "paper.md:4:28".to_string()),
        ]
    );
}

#[test]
fn figure_files_come_from_the_manifest() {
    let manifest: crate::emit::Manifest = serde_json::from_value(serde_json::json!({
        "version": 1,
        "figures": {
            "fig:a": {"label": "fig:a", "caption": null, "kind": "plot", "source": "paper.md:1", "key": format!("sha256:{}", "0".repeat(64)),
                "outputs": {
                    "svg": {"file": "fig-a.svg", "digest": format!("sha256:{}", "1".repeat(64)), "size": 1, "mtime_ns": 0},
                    "png": {"file": "fig-a.png", "digest": format!("sha256:{}", "2".repeat(64)), "size": 1, "mtime_ns": 0}
                }}
        }
    }))
    .unwrap();
    let scan = scan_text(
        "paper.md",
        "```{paperfig #fig:a kind=plot data=a.csv}\n```\n\n```{paperfig #fig:b kind=plot data=b.csv}\n```\n",
    );
    let files = figure_files(&manifest, Path::new("/p/build/figures"));
    assert_eq!(
        files(&scan.directives[0]),
        Some(PathBuf::from("/p/build/figures/fig-a.png")),
        "PNG when there is no PDF"
    );
    assert_eq!(files(&scan.directives[1]), None);
}

#[test]
fn figures_and_tables_in_lists_are_set_in_place() {
    let text = "1. Step one:\n\n   ```{paperfig #fig:s kind=plot data=a.csv caption=\"Inside.\"}\n   x\n   ```\n\n   | a |\n   |---|\n   | 1 |\n\n   Table: In a list. {#tbl:l}\n\n2. Done.\n\n```{paperfig #fig:t kind=plot data=a.csv caption=\"Outside.\"}\nx\n```\n";
    let scan = scan_text("paper.md", text);
    assert_eq!(scan.directives.len(), 2, "{:?}", scan.diagnostics);
    let file = Arc::clone(&scan.files[0]);
    let paper = write_paper(&file, &scan.directives, &|_| None, &WriteOptions::new("/proj", "/proj/build")).unwrap();
    let tex = &paper.tex;
    assert!(tex.contains("\\captionof{figure}{Inside.}\\label{fig:s}"), "{tex}");
    assert!(tex.contains("\\captionof{table}{In a list.}\\label{tbl:l}"), "{tex}");
    assert_eq!(tex.matches("\\begin{figure}").count(), 1, "only the figure outside the list floats: {tex}");
    assert!(!tex.contains("\\begin{table}"));
}

#[test]
fn an_escaped_backslash_is_text() {
    let tex = body("C:\\\\temp and \\emph{raw}\n");
    assert!(tex.contains("C:\\textbackslash{}temp and \\emph{raw}"), "{tex}");
}

/// Broken and odd input never panics; the LaTeX stays balanced in braces.
#[test]
fn odd_input_never_panics() {
    let cases = [
        "",
        "@",
        "[@",
        "[@a",
        "@a;",
        "\\",
        "a\\",
        "[^",
        "[^x]",
        "$",
        "$$",
        "$$\n",
        "{#eq:x}",
        "Table:",
        "Table: x {#tbl:",
        "Table: é {#tbl:é}\n\n|a|\n|-|\n|1|\n",
        "| a |\n|---|\n",
        "![](x.png)",
        "![é](\u{e9}.png){#fig:é width=}",
        "# {#sec:}",
        "#",
        "- ",
        "1. ",
        "> ",
        "```",
        "```{=latex}",
        "```{paperfig",
        "[x](#)",
        "<https://a>",
        "<a@b>",
        "[^1]: only a definition",
        "text[^1][^1]\n\n[^1]: twice",
        "\u{feff}---\n---\n",
        "---\n---",
        "+++\n+++\n",
        "**[@a]**",
        "`code`{=latex",
        "ä@b",
        "@fig:",
        "[-@]",
        "[see @]",
        "\\begin{x}",
        "\\begin{x}\\end{x}",
        "a  \n",
        "***",
        "<!--",
        "<div>",
    ];
    for text in cases {
        let file = source(text);
        if let Ok(paper) = write_paper(&file, &[], &|_| None, &WriteOptions::new("/proj", "/proj/build")) {
            let body = &paper.tex[paper.tex.find("\\begin{document}").unwrap()..];
            let unescaped = body.replace("\\\\", "").replace("\\{", "").replace("\\}", "");
            let depth = unescaped.chars().fold(0i32, |d, c| d + (c == '{') as i32 - (c == '}') as i32);
            let raw = text.contains("\\begin") || text.contains("=latex");
            assert!(depth == 0 || raw, "unbalanced braces for {text:?}:\n{body}");
            assert!(paper.line_map.len() >= paper.tex.lines().count(), "{text:?}");
        }
    }
}

/// The `.tex` depends on the paper, not on where the project is: paths are relative.
#[test]
fn same_paper_in_two_folders_gives_the_same_tex() {
    let write_in = |dir: &Path| {
        std::fs::write(dir.join("refs.bib"), "@misc{a, title={A}}\n").unwrap();
        std::fs::create_dir_all(dir.join("img")).unwrap();
        std::fs::write(dir.join("img/p.png"), b"png").unwrap();
        let text = "---\ntitle: T\nbibliography: refs.bib\n---\n# A {#sec:a}\n\n![P](img/p.png){#fig:p}\n\n```{paperfig #fig:q kind=plot data=d.csv}\n```\n\n[@a], @fig:p, @fig:q, @sec:a.\n";
        let scan = scan_text("paper.md", text);
        let file = Arc::new(SourceFile::new("paper.md".into(), dir.join("paper.md"), text.into()));
        let directives: Vec<_> = scan
            .directives
            .into_iter()
            .map(|d| {
                let mut d = Arc::unwrap_or_clone(d);
                d.loc.file = Arc::clone(&file);
                Arc::new(d)
            })
            .collect();
        let fig = |d: &crate::scan::Directive| Some(dir.join("build/figures").join(format!("{}.pdf", d.stem())));
        write_paper(&file, &directives, &fig, &WriteOptions::new(dir, dir.join("build"))).unwrap().tex
    };
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (ta, tb) = (write_in(a.path()), write_in(b.path()));
    assert!(
        ta.contains("{figures/fig-q.pdf}") && ta.contains("{../img/p.png}") && ta.contains("\\bibliography{../refs}"),
        "{ta}"
    );
    assert_eq!(ta, tb);
}

#[test]
fn tables_with_long_text_get_paragraph_columns() {
    let long = "a sentence that is much too long to be set on one line of a table cell in a paper";
    let tex = body(&format!("| Name | Description |\n|---|---|\n| A | {long} |\n| B | short |\n"));
    let spec = tex.split("\\begin{tabular}{").nth(1).unwrap().split('}').next().unwrap().to_string();
    assert!(spec.starts_with("lp{0.") && spec.ends_with("\\linewidth"), "{spec}");
    let short = body("| a | b |\n|---|--:|\n| 1 | 2 |\n");
    assert!(short.contains("\\begin{tabular}{lr}"), "{short}");
}

#[test]
fn an_id_defined_twice_warns_at_the_second() {
    let paper = write("# A {#sec:a}\n\n# B {#sec:a}\n\n$$ x $$ {#eq:x}\n\n$$ y $$ {#eq:x}\n");
    let got: Vec<_> = paper.warnings.iter().map(|w| (w.message.as_str(), w.location().unwrap())).collect();
    assert_eq!(
        got,
        vec![
            ("id `sec:a` is defined twice", "paper.md:3:1".to_string()),
            ("id `eq:x` is defined twice", "paper.md:7:1".to_string())
        ]
    );
}

#[test]
fn display_math_environments() {
    let tex =
        body("$$\n\\begin{align}\na &= b\n\\end{align}\n$$\n\n$$\n\\begin{aligned}\na &= b\n\\end{aligned}\n$$\n");
    assert!(tex.contains("\n\\begin{align}\na &= b\n\\end{align}\n"), "{tex}");
    assert!(!tex.contains("\\[\n\\begin{align}"), "{tex}");
    assert!(tex.contains("\\[\n\\begin{aligned}"), "an inner environment needs display math: {tex}");
}

#[test]
fn ordered_lists_may_start_at_zero() {
    assert!(body("0. zero\n1. one\n").contains("\\setcounter{enumi}{-1}"));
}
