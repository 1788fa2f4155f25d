//! LaTeX sources: the `paperfigure` environment builds like a Markdown directive.

use crate::util::{PaperTest, pdf_text};

#[test]
fn latex_paper_figures_are_built() {
    let t = PaperTest::copy_of("fixtures/latex");
    let run = t.build().ok();
    assert_eq!(run.with_status("generated"), ["fig:acc", "fig:loss"]);
    let figs = run.json()["figures"].as_array().unwrap().clone();
    let acc = figs.iter().find(|f| f["id"] == "fig:acc").unwrap();
    assert!(acc["source"].as_str().unwrap().starts_with("paper.tex:"), "{}", acc["source"]);
    assert!(t.path("build/figures/fig-acc.pdf").is_file());
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(t.path("build/figures/manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["figures"]["fig:acc"]["caption"], "Top-1 accuracy");
    assert_eq!(manifest["figures"]["fig:acc"]["outputs"]["pdf"]["file"], "fig-acc.pdf");
}

/// A document's preamble format: the second build that sees a preamble makes it and
/// checks it against its own PDF, later builds use it; a file the preamble reads is part
/// of it (edited, the document compiles as before until the new state is seen twice);
/// the preamble's lines of the log are still in the log.
#[test]
fn the_preamble_format_is_used_only_while_what_the_preamble_read_is_unchanged() {
    let tex = |body: &str| {
        format!(
            "\\documentclass{{article}}\n\\usepackage{{booktabs}}\n\\input{{macros}}\n\
             \\PackageWarningNoLine{{demo}}{{said by the preamble}}\n\\begin{{document}}\n\\word{{}} {body}\n\\end{{document}}\n"
        )
    };
    let t = PaperTest::new().file("paper.tex", &tex("one")).file("macros.tex", "\\newcommand\\word{ALPHA}\n");
    // PAPERFIG_TIMINGS=1 names the path each build took (guide/building.md).
    let build = |body: &str| {
        t.write("paper.tex", &tex(body));
        let run = t.run_env(&["build", "paper.tex"], &[("PAPERFIG_TIMINGS", "1")]).ok();
        let path = if run.stderr.contains("the preamble's format is current") {
            "used"
        } else if run.stderr.contains("the preamble's format makes the same PDF") {
            "made"
        } else {
            "none"
        };
        let log = std::fs::read_to_string(t.path("build/paper.log")).unwrap();
        assert!(log.contains("Package demo Warning: said by the preamble"), "{body}: {log}");
        (path, pdf_text(&t.path("build/paper.pdf")))
    };
    let (path, text) = build("one");
    assert_eq!(path, "none");
    assert!(text.contains("ALPHA one"), "{text}");
    assert_eq!(build("two").0, "made");
    let (path, text) = build("three");
    assert_eq!(path, "used");
    assert!(text.contains("ALPHA three"), "{text}");

    t.write("macros.tex", "\\newcommand\\word{BRAVO}\n");
    let (path, text) = build("four");
    assert_eq!(path, "none", "a file the preamble read changed");
    assert!(text.contains("BRAVO four"), "{text}");
    assert_eq!(build("five").0, "made");
    let (path, text) = build("six");
    assert_eq!(path, "used");
    assert!(text.contains("BRAVO six"), "{text}");
}

/// `\include` writes an `.aux` for each included file (`chapters/a.aux` in its folder,
/// `b.aux` beside the main file), which the main `.aux` inputs: kept with it, the labels
/// defined in them are known to a build from last build's files, after an edit of the main
/// file or of an included one, with the preamble's format too (made by the second build,
/// used by the later ones), as to a build from scratch.
#[test]
fn labels_of_included_files_survive_an_edit() {
    let tex = |body: &str| {
        format!(
            "\\documentclass{{article}}\n\\begin{{document}}\n{body}\n\\include{{chapters/a}}\n\\include{{b}}\n\
             \\end{{document}}\n"
        )
    };
    let a = |said: &str| format!("\\section{{A}}\\label{{sec:a}}\nSee Section~\\ref{{sec:b}}. {said}\n");
    let t = PaperTest::new()
        .file("chapters/a.tex", &a("first"))
        .file("b.tex", "\\section{B}\\label{sec:b}\nSee Section~\\ref{sec:a}.\n");
    for (body, said, path) in
        [("one", "first", "none"), ("two", "first", "made"), ("three", "first", "used"), ("three", "second", "used")]
    {
        t.write("paper.tex", &tex(body));
        t.write("chapters/a.tex", &a(said));
        let run = t.run_env(&["build", "paper.tex"], &[("PAPERFIG_TIMINGS", "1")]).ok();
        let text = pdf_text(&t.path("build/paper.pdf"));
        assert!(text.contains(&format!("See Section 2. {said}")), "{body}, {said}: {text}");
        assert!(text.contains("See Section 1."), "{body}, {said}: {text}");
        assert!(!run.stderr.contains("undefined reference"), "{body}, {said}: {}", run.stderr);
        let took = if run.stderr.contains("the preamble's format is current") {
            "used"
        } else if run.stderr.contains("the preamble's format makes the same PDF") {
            "made"
        } else {
            "none"
        };
        assert_eq!(took, path, "{body}, {said}: {}", run.stderr);
    }
}

/// A preamble that writes a file (its stream would not survive a dump) never gets a
/// format; the file it writes is there for the document every time.
#[test]
fn a_preamble_that_writes_a_file_gets_no_format() {
    let tex = |body: &str| {
        format!(
            "\\documentclass{{article}}\n\\begin{{filecontents*}}[overwrite]{{note.tex}}\nWRITTEN\n\\end{{filecontents*}}\n\
             \\begin{{document}}\n\\input{{note}} {body}\n\\end{{document}}\n"
        )
    };
    let t = PaperTest::new().file("paper.tex", &tex("one"));
    for body in ["one", "two", "three"] {
        t.write("paper.tex", &tex(body));
        let run = t.run_env(&["build", "paper.tex"], &[("PAPERFIG_TIMINGS", "1")]).ok();
        assert!(!run.stderr.contains("the preamble's format is current"), "{}", run.stderr);
        let text = pdf_text(&t.path("build/paper.pdf"));
        assert!(text.contains(&format!("WRITTEN {body}")), "{text}");
    }
}

/// A preamble that measures text sets a length with the stand-in font's glyphs, not the
/// real font's: the check finds the PDF differs and the format is never used, so the
/// rule drawn at that length is the same in every build.
#[test]
fn a_preamble_that_measures_text_fails_the_check_and_gets_no_format() {
    let tex = |body: &str| {
        format!(
            "\\documentclass{{article}}\n\\newlength\\w\\settowidth\\w{{Hello World}}\n\
             \\begin{{document}}\n\\rule{{\\w}}{{4pt}} {body}\n\\end{{document}}\n"
        )
    };
    let t = PaperTest::new().file("paper.tex", &tex("one"));
    let mut boxes = Vec::new();
    for body in ["one", "two", "three"] {
        t.write("paper.tex", &tex(body));
        let run = t.run_env(&["build", "paper.tex"], &[("PAPERFIG_TIMINGS", "1")]).ok();
        assert!(!run.stderr.contains("the preamble's format is current"), "{}", run.stderr);
        if body == "two" {
            assert!(run.stderr.contains("the preamble's format makes another PDF"), "{}", run.stderr);
        }
        // The word after the rule starts where the rule ends.
        let pdf = t.path("build/paper.pdf");
        let out = std::process::Command::new("pdftotext").arg("-bbox").arg(&pdf).arg("-").output().unwrap();
        let bbox = String::from_utf8_lossy(&out.stdout);
        let x = bbox
            .lines()
            .find(|l| l.contains(&format!(">{body}<")))
            .and_then(|l| l.split('"').nth(1))
            .unwrap()
            .to_string();
        boxes.push(x);
    }
    assert!(boxes.windows(2).all(|w| w[0] == w[1]), "{boxes:?}");
}
