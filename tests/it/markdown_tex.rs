//! The example Markdown paper written as LaTeX by `texwriter` after `paperfig gen`: every
//! figure included as vector PDF, citations, the table and equation present; when XeLaTeX
//! is installed, the `.tex` compiles (with BibTeX) into a PDF whose text has the numbered
//! figures, the table and resolved references.

use std::path::{Path, PathBuf};
use std::process::Command;

use paperfig::emit::Manifest;
use paperfig::texwriter::{WriteOptions, figure_files, write_paper};

use crate::util::PaperTest;

fn on_path(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().is_ok_and(|o| o.status.success())
}

/// Writes `paper.md` of the project as `build/<name>.tex`, figures from the manifest.
fn write_tex_as(t: &PaperTest, name: &str) -> (PathBuf, paperfig::texwriter::TexPaper) {
    let md = t.path("paper.md");
    let scan = paperfig::scan::scan_files(&t.root, std::slice::from_ref(&md));
    assert!(scan.diagnostics.is_empty(), "{:?}", scan.diagnostics);
    let fig_dir = t.path("build/figures");
    let figure_file = figure_files(&Manifest::read(&fig_dir), &fig_dir);
    let out_dir = t.path("build");
    let paper = write_paper(&scan.files[0], &scan.directives, &figure_file, &WriteOptions::new(&t.root, &out_dir))
        .unwrap_or_else(|e| panic!("{e:?}"));
    let tex = out_dir.join(format!("{name}.tex"));
    std::fs::create_dir_all(&out_dir).unwrap();
    std::fs::write(&tex, &paper.tex).unwrap();
    if let Some(keep) = std::env::var_os("PAPERFIG_KEEP_TEX") {
        std::fs::write(PathBuf::from(keep).join(format!("{name}.tex")), &paper.tex).unwrap();
    }
    (tex, paper)
}

fn write_tex(t: &PaperTest) -> (PathBuf, paperfig::texwriter::TexPaper) {
    write_tex_as(t, "paper")
}

/// Compiles `<name>.tex` in `dir` with XeLaTeX and BibTeX; returns the PDF's text.
fn compile(dir: &Path, name: &str) -> String {
    let tex = format!("{name}.tex");
    let xe = || run_in(dir, "xelatex", &["-interaction=nonstopmode", "-halt-on-error", &tex]);
    let first = xe();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stdout));
    let bibtex = run_in(dir, "bibtex", &[name]);
    assert!(bibtex.status.success(), "{}", String::from_utf8_lossy(&bibtex.stdout));
    xe();
    let last = xe();
    assert!(last.status.success());
    let log = std::fs::read_to_string(dir.join(format!("{name}.log"))).unwrap();
    assert!(!log.contains("undefined"), "undefined references or citations in the log of {name}");
    let text = run_in(dir, "pdftotext", &["-layout", &format!("{name}.pdf"), "-"]);
    String::from_utf8_lossy(&text.stdout).into_owned()
}

fn run_in(dir: &Path, cmd: &str, args: &[&str]) -> std::process::Output {
    Command::new(cmd).args(args).current_dir(dir).output().unwrap()
}

#[test]
fn example_paper_becomes_latex_and_compiles() {
    let t = PaperTest::copy_of("examples/paper");
    t.build().ok();
    let (tex_path, paper) = write_tex(&t);
    let tex = &paper.tex;
    assert_eq!(tex.matches("\\includegraphics").count(), crate::example::FIGURES.len(), "every figure is included");
    assert!(!tex.contains("paperfig gen"), "no placeholder is left");
    assert!(tex.contains("\\includegraphics{figures/fig-acc.pdf}"));
    assert!(tex.contains("\\begin{figure*}"), "size=wide figures span both columns");
    assert!(tex.contains("\\begin{table}") && tex.contains("\\label{tbl:results}") && tex.contains("\\toprule"));
    assert!(tex.contains("\\label{eq:loss}") && tex.contains("Equation~\\eqref{eq:loss}"));
    assert!(tex.contains("\\footnote{"));
    assert!(tex.contains("\\bibliography{../refs}"));
    assert!(paper.warnings.is_empty(), "{:?}", paper.warnings);
    let keys: std::collections::BTreeSet<_> = paper.citations.iter().map(|(k, _)| k.as_str()).collect();
    let bib = std::fs::read_to_string(t.path("refs.bib")).unwrap();
    for key in &keys {
        assert!(bib.contains(&format!("{{{key},")), "`{key}` is cited but not in refs.bib");
    }
    assert!(keys.len() >= 10, "{keys:?}");

    if !(on_path("xelatex") && on_path("bibtex")) {
        eprintln!("xelatex not installed: compiling skipped");
        return;
    }
    let dir = tex_path.parent().unwrap();
    let text = compile(dir, "paper");
    assert!(text.contains(&format!("Figure {}", crate::example::FIGURES.len())), "every figure is numbered");
    assert!(text.contains("Table 1"));
    assert!(text.contains("References"));
    assert!(!text.contains("??"), "a reference did not resolve");
    // The same paper in the one-column template.
    let md = std::fs::read_to_string(t.path("paper.md")).unwrap();
    t.write("paper.md", &md.replace("template: conference", "template: article"));
    let (_, article) = write_tex_as(&t, "article");
    assert!(!article.tex.contains("twocolumn"));
    let text = compile(dir, "article");
    assert!(
        text.contains(&format!("Figure {}", crate::example::FIGURES.len()))
            && text.contains("Table 1")
            && !text.contains("??")
    );
}

/// The TeX line of the first error in a log (`l.42 ...`).
fn error_line(log: &str) -> Option<usize> {
    log.lines().find_map(|l| l.strip_prefix("l.")?.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok())
}

#[test]
fn tex_errors_in_raw_latex_map_to_the_markdown_line() {
    if !on_path("xelatex") {
        eprintln!("xelatex not installed: skipped");
        return;
    }
    // Markdown lines: the raw block's bad command is on line 11, the inline one on 13.
    let block = "---\ntitle: T\n---\n\n# Intro\n\nSome text.\n\n```{=latex}\n\\begin{center}\n\\undefinedblockmacro\n\\end{center}\n```\n\n";
    for (md, want) in [
        (format!("{block}Fine.\n"), 11),
        ("---\ntitle: T\n---\n\n# Intro\n\nSome text\nover lines,\n\nthen more\nlines of text,\nand a bad\n\\undefinedinline{x} command.\n".to_string(), 13),
        // An error in the title shows at \maketitle, which maps to the title's line.
        ("---\nauthor: A\ntitle: A \\undefinedtitle{} title\n---\n\nText.\n".to_string(), 3),
    ] {
        let t = PaperTest::new().file("paper.md", &md);
        let (tex_path, paper) = write_tex(&t);
        let dir = tex_path.parent().unwrap();
        let out = run_in(dir, "xelatex", &["-interaction=nonstopmode", "-halt-on-error", "paper.tex"]);
        assert!(!out.status.success());
        let log = std::fs::read_to_string(dir.join("paper.log")).unwrap();
        assert!(log.contains("Undefined control sequence"), "{log}");
        let tex_line = error_line(&log).expect("an l.N line in the log");
        assert_eq!(paper.line_map.lookup(tex_line), Some(want), "TeX line {tex_line}:\n{}", paper.tex);
    }
}

/// Every construct in one paper: it compiles, and the specials print as themselves.
#[test]
fn every_construct_compiles_and_specials_print_literally() {
    if !on_path("xelatex") {
        eprintln!("xelatex not installed: skipped");
        return;
    }
    let md = r##"---
title: "Specials: # $ % & ~ _ ^ \ { } < > | and “quotes”"
authors:
  - name: Zoë Ünal
    affiliation: Café & Co.
    email: zoe_u@example.org
abstract: An abstract with $x_1$ math.
keywords: [a_b, c&d]
template: article
---

# Escaping {#sec:esc}

SPECIALS # $ % & ~ _ ^ \ { } < > | "q" [b] --- end.
Path C:\\temp\\x and 50% off, ada@example.org, and \textsc{Small Caps}.

Inline math $\alpha_i^2 \le \frac{1}{2}$ and display:

$$ \int_0^1 f(x)\,dx = 1 $$ {#eq:int}

Cross-references: @sec:esc, @eq:int, @fig:box, @tbl:t.

- item with a [link](https://example.org/a_b?x=1&y=2#frag)
- nested:
  1. one
  2. two with `code_{x}`

     ```{paperfig #fig:box kind=plot data=d.csv caption="A figure in a list (not generated)."}
     bars
     ```

> A quote with a footnote.[^f]

[^f]: Footnote with 100% and $y$.

| Left | Right |
|:-----|------:|
| a_1  | 10%   |

Table: A table. {#tbl:t}

| Method | What it does |
|--------|--------------|
| Wrap   | A description long enough that it cannot be set on one line of a column, so the column wraps it as a paragraph instead. |

```python
print("# % & ~ _ ^ \\ { }")
```

```{=latex}
\begin{center}\fbox{raw}\end{center}
```
"##;
    let t = PaperTest::new().file("paper.md", md);
    let (tex_path, paper) = write_tex(&t);
    assert!(paper.warnings.is_empty(), "{:?}", paper.warnings);
    let dir = tex_path.parent().unwrap();
    let xe = || run_in(dir, "xelatex", &["-interaction=nonstopmode", "-halt-on-error", "paper.tex"]);
    let out = xe();
    assert!(out.status.success(), "{}\n{}", String::from_utf8_lossy(&out.stdout), paper.tex);
    xe();
    let log = std::fs::read_to_string(dir.join("paper.log")).unwrap();
    let undefined: Vec<&str> = log.lines().filter(|l| l.contains("undefined")).collect();
    assert!(undefined.is_empty(), "{undefined:?}");
    assert!(!log.contains("Missing character"), "a character is missing from the fonts");
    let text = run_in(dir, "pdftotext", &["paper.pdf", "-"]);
    let text = String::from_utf8_lossy(&text.stdout);
    let squashed: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(squashed.contains(r#"SPECIALS # $ % & ~ _ ^ \ { } < > | “q” [b] — end."#), "{squashed}");
    assert!(squashed.contains(r"C:\temp\x and 50% off, ada@example.org"), "{squashed}");
    assert!(squashed.contains("Zoë Ünal") && squashed.contains("Café & Co."), "{squashed}");
    assert!(squashed.contains("Section 1") && squashed.contains("Equation (1)"), "{squashed}");
    assert!(squashed.contains("Figure 1") && squashed.contains("Table 1"), "{squashed}");
    assert!(squashed.contains(r##"print("# % & ~ _ ^ \\ { }")"##), "{squashed}");
    assert!(squashed.contains("paperfig gen") && squashed.contains("raw"), "{squashed}");
    assert!(squashed.contains("so the column wraps it as a paragraph instead."), "{squashed}");
    assert!(!log.contains("Overfull \\hbox"), "a line sticks out of the text");
}
