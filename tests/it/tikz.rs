//! `kind=tikz` figures, made by the embedded engine: pgfplots from a CSV (an edit of the
//! CSV makes exactly that figure again), TeX errors at the body's or the preamble's line,
//! a picture that never finishes stopped alone, and the same picture in a Markdown paper,
//! a LaTeX paper and an mdBook chapter. Outputs are checked with poppler.

use std::process::Command;

use crate::util::{BIN, PaperTest, Run, poppler};

const CSV: &str = "epoch,loss\n1,2.3\n2,1.4\n3,0.9\n4,0.7\n";

/// A pgfplots picture reading `data/loss.csv`.
const LOSS: &str = "\\begin{tikzpicture}
\\begin{axis}[width=6cm, xlabel=Epoch, ylabel=Loss]
\\addplot table[col sep=comma, x=epoch, y=loss] {data/loss.csv};
\\end{axis}
\\end{tikzpicture}";

/// A plain TikZ picture.
const ARROWS: &str = "\\begin{tikzpicture}
\\node[draw] (a) {Encoder};
\\node[draw, right=of a] (b) {Decoder};
\\draw[->] (a) -- (b);
\\end{tikzpicture}";

fn md_paper(loss_attrs: &str) -> String {
    format!(
        "# Results\n\n```{{paperfig #fig:loss kind=tikz {loss_attrs} caption=\"Training loss.\"}}\n{LOSS}\n```\n\n\
         ```{{paperfig #fig:arch kind=tikz preamble=pre.tex caption=\"Model.\"}}\n{ARROWS}\n```\n"
    )
}

/// A project with a cache of its own (a shared one would have the figures of other tests).
fn project() -> PaperTest {
    PaperTest::new()
        .file("paper.md", &md_paper("data=data/loss.csv"))
        .file("data/loss.csv", CSV)
        .file("pre.tex", "\\usetikzlibrary{positioning}\n")
}

#[test]
fn a_pgfplots_figure_from_a_csv_is_made_again_exactly_when_the_csv_changes() {
    let t = project();
    let run = t.build().ok();
    assert_eq!(run.with_status("generated"), ["fig:arch", "fig:loss"]);
    let pdf = t.path("build/figures/fig-loss.pdf");
    assert_eq!(
        poppler("pdfinfo", &[], &pdf).lines().find(|l| l.starts_with("Pages:")).unwrap().trim(),
        "Pages:           1"
    );
    // Vector text with its font embedded: every font line of pdffonts says `yes` under emb.
    let fonts = poppler("pdffonts", &[], &pdf);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty(), "no fonts in the pgfplots figure:\n{fonts}");
    assert!(rows.iter().all(|r| r.split_whitespace().rev().nth(3) == Some("yes")), "{fonts}");
    let text = crate::util::pdf_text(&pdf);
    assert!(text.contains("Epoch") && text.contains("Loss"), "{text}");
    let (w, h) = crate::util::pdf_page_size(&pdf);
    assert!(w > 100.0 && w < 260.0 && h > 80.0 && h < 260.0, "not cropped to the picture: {w} x {h}");
    let png = std::fs::read(t.path("build/figures/fig-loss.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    let svg = std::fs::read_to_string(t.path("build/figures/fig-loss.svg")).unwrap();
    assert!(svg.contains("<svg"), "{svg}");

    t.build().ok();
    let again = t.build().ok();
    assert_eq!(again.with_status("cached"), ["fig:arch", "fig:loss"]);

    let before = std::fs::read(&pdf).unwrap();
    t.write("data/loss.csv", &CSV.replace("0.7", "0.2"));
    let edited = t.build().ok();
    assert_eq!(edited.with_status("generated"), ["fig:loss"]);
    assert_eq!(edited.with_status("cached"), ["fig:arch"]);
    assert_ne!(before, std::fs::read(&pdf).unwrap(), "the plot did not change with its data");

    // The preamble is an input too.
    t.write("pre.tex", "\\usetikzlibrary{positioning}\n\\tikzset{every node/.style={font=\\small}}\n");
    let restyled = t.build().ok();
    assert_eq!(restyled.with_status("generated"), ["fig:arch"]);
}

#[test]
fn a_data_file_the_figure_does_not_declare_is_not_there() {
    let t = PaperTest::new()
        .file("paper.md", &md_paper(""))
        .file("data/loss.csv", CSV)
        .file("pre.tex", "\\usetikzlibrary{positioning}\n");
    let run = t.build().code(1);
    assert_eq!(run.with_status("generated"), ["fig:arch"]);
    assert!(run.stdout.contains("data/loss.csv"), "{}", run.stdout);
}

/// The `file:line:col` of the first error of a `--json` report that names `file`.
fn located(run: &Run, file: &str) -> String {
    let errors = run.json()["errors"].as_array().unwrap().clone();
    errors
        .iter()
        .filter_map(|e| e["location"].as_str())
        .find(|at| at.starts_with(file))
        .unwrap_or_else(|| panic!("no error located in {file}: {errors:#?}"))
        .to_string()
}

#[test]
fn a_tex_error_is_reported_at_its_line_of_the_body_and_the_others_are_built() {
    // The broken picture has no preamble, as `fig:loss`: both go into one document first,
    // which fails; then each is compiled alone.
    let broken = "\\begin{tikzpicture}\n\\fill (0,0) circle (1);\n\\drawx (0,0) -- (1,1);\n\\end{tikzpicture}";
    let paper = format!("{}\n```{{paperfig #fig:bad kind=tikz}}\n{broken}\n```\n", md_paper("data=data/loss.csv"));
    let t = project().file("paper.md", &paper);
    let run = t.build().code(1);
    assert_eq!(run.with_status("generated"), ["fig:arch", "fig:loss"]);
    let line = paper.lines().position(|l| l.starts_with("\\drawx")).unwrap() + 1;
    assert_eq!(located(&run, "paper.md"), format!("paper.md:{line}:1"), "{}", run.stdout);
    let text = run.stdout.clone();
    assert!(text.contains("Undefined control sequence"), "{text}");
    // As printed on the terminal: the file, line and column, the line, and TeX's context.
    let printed = t.run(&["gen"]).code(1);
    assert!(printed.stderr.contains(&format!("paper.md:{line}:1")), "{}", printed.stderr);
    assert!(
        printed.stderr.contains("\\drawx (0,0) -- (1,1);") && printed.stderr.contains("TeX's context"),
        "{}",
        printed.stderr
    );
}

#[test]
fn an_error_in_the_preamble_is_reported_in_the_preamble_file() {
    let t = project().file("pre.tex", "\\usetikzlibrary{positioning}\n\n\\pgfplotsunknowncommand\n");
    let run = t.build().code(1);
    assert_eq!(located(&run, "pre.tex"), "pre.tex:3:1", "{}", run.stdout);
}

#[test]
fn a_picture_that_never_ends_is_stopped_and_fails_alone() {
    let paper =
        md_paper("data=data/loss.csv").replace(ARROWS, "\\begin{tikzpicture}\\loop\\iftrue\\repeat\\end{tikzpicture}");
    let t = project().file("paper.md", &paper);
    let start = std::time::Instant::now();
    let run = t.run_env(&["gen", "--json"], &[("PAPERFIG_TIKZ_TIMEOUT", "4")]).code(1);
    assert!(start.elapsed().as_secs() < 40, "took {:?}", start.elapsed());
    assert_eq!(run.with_status("generated"), ["fig:loss"]);
    assert!(run.stderr.contains("ran longer than"), "{}", run.stderr);
}

/// A LaTeX paper with the same picture in a `paperfigure` environment.
const LATEX: &str = "\\documentclass{article}
\\usepackage{paperfig}
\\begin{document}
\\begin{paperfigure}[id=fig:loss, kind=tikz, data=data/loss.csv]{Training loss}
\\begin{tikzpicture}
\\begin{axis}[width=6cm, xlabel=Epoch, ylabel=Loss]
\\addplot table[col sep=comma, x=epoch, y=loss] {data/loss.csv};
\\end{axis}
\\end{tikzpicture}
\\end{paperfigure}
\\end{document}
";

/// The key of `fig:loss` in a `--json` report.
fn loss_key(run: &Run) -> String {
    let figs = run.json()["figures"].as_array().unwrap().clone();
    let f = figs.iter().find(|f| f["id"] == "fig:loss").unwrap();
    f["key"].as_str().unwrap_or_else(|| panic!("no key: {f}")).to_string()
}

#[test]
fn the_same_picture_in_markdown_latex_and_an_mdbook_chapter() {
    let md = project().file("paper.md", &format!("---\ntitle: T\n---\n\n{}", md_paper("data=data/loss.csv")));
    let md_run = md.run_env(&["build", "paper.md", "--json"], &[("SOURCE_DATE_EPOCH", "1700000000")]).ok();
    assert!(crate::util::pdf_text(&md.path("build/paper.pdf")).contains("Epoch"));

    let tex = PaperTest::new().file("paper.tex", LATEX).file("data/loss.csv", CSV);
    let tex_gen = tex.build().ok();
    assert_eq!(loss_key(&md_run), loss_key(&tex_gen), "one picture, one key");
    tex.run_env(&["build", "paper.tex"], &[("SOURCE_DATE_EPOCH", "1700000000")]).ok();
    let text = crate::util::pdf_text(&tex.path("build/paper.pdf"));
    assert!(text.contains("Epoch") && text.contains("Training loss"), "{text}");

    let Some(mdbook) = crate::mdbook::mdbook() else { return };
    let book = PaperTest::new()
        .file(
            "book.toml",
            &format!("[book]\ntitle = \"T\"\nsrc = \"src\"\n\n[preprocessor.paperfig]\ncommand = \"{BIN} mdbook\"\n"),
        )
        .file("src/SUMMARY.md", "# Summary\n\n- [Results](results.md)\n")
        .file("src/results.md", &md_paper("data=data/loss.csv"))
        .file("src/data/loss.csv", CSV)
        .file("src/pre.tex", "\\usetikzlibrary{positioning}\n");
    let out = Command::new(mdbook).arg("build").current_dir(&book.root).env_remove("RUST_LOG").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let html = crate::mdbook::read(&book.path("book/results.html"));
    let (mime, bytes) = crate::mdbook::image(crate::mdbook::figure(&html, "fig:loss"));
    assert!(mime.starts_with("image/"), "{mime}");
    assert!(bytes.len() > 500, "an empty image");
}

#[test]
fn a_picture_compiled_with_others_is_drawn_as_when_compiled_alone() {
    let circle = "\\begin{tikzpicture}\n\\draw[thick] (0,0) circle (1) node {$\\alpha$};\n\\end{tikzpicture}";
    let block = |head: &str, body: &str| format!("```{{paperfig {head} kind=tikz}}\n{body}\n```\n\n");
    // Each project has its own cache: the second must make the picture itself.
    let together = PaperTest::new()
        .file("paper.md", &format!("{}{}", block("#fig:c", circle), block("#fig:l data=data/loss.csv", LOSS)))
        .file("data/loss.csv", CSV);
    let alone = PaperTest::new().file("paper.md", &block("#fig:c", circle));
    assert_eq!(together.build().ok().with_status("generated"), ["fig:c", "fig:l"]);
    assert_eq!(alone.build().ok().with_status("generated"), ["fig:c"]);
    for ext in ["png", "svg"] {
        let a = std::fs::read(together.path(&format!("build/figures/fig-c.{ext}"))).unwrap();
        let b = std::fs::read(alone.path(&format!("build/figures/fig-c.{ext}"))).unwrap();
        assert!(a == b, "the {ext} differs between a shared document and one of its own");
    }
    let size = |t: &PaperTest| crate::util::pdf_page_size(&t.path("build/figures/fig-c.pdf"));
    assert_eq!(size(&together), size(&alone));
}
