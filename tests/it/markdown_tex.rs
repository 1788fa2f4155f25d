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
    assert_eq!(tex.matches("\\includegraphics").count(), 12, "every figure is included");
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
    assert!(text.contains("Figure 12"), "twelve numbered figures");
    assert!(text.contains("Table 1"));
    assert!(text.contains("References"));
    assert!(!text.contains("??"), "a reference did not resolve");
    // The same paper in the one-column template.
    let md = std::fs::read_to_string(t.path("paper.md")).unwrap();
    t.write("paper.md", &md.replace("template: conference", "template: article"));
    let (_, article) = write_tex_as(&t, "article");
    assert!(!article.tex.contains("twocolumn"));
    let text = compile(dir, "article");
    assert!(text.contains("Figure 12") && text.contains("Table 1") && !text.contains("??"));
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
    // Markdown lines: the raw block's bad command is on line 11, the inline one on 15.
    let block = "---\ntitle: T\n---\n\n# Intro\n\nSome text.\n\n```{=latex}\n\\begin{center}\n\\undefinedblockmacro\n\\end{center}\n```\n\n";
    for (md, want) in [
        (format!("{block}Fine.\n"), 11),
        ("---\ntitle: T\n---\n\n# Intro\n\nSome text\nover lines,\n\nthen more\nlines of text,\nand a bad\n\\undefinedinline{x} command.\n".to_string(), 13),
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
