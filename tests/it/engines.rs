//! `[build] engine`: the same papers built by the embedded engine and by the installed
//! pdfLaTeX, LuaLaTeX and XeLaTeX (through latexmk), checked with poppler; an engine that
//! is not installed is skipped with a message saying so.

use std::process::Command;

use crate::compile::with_shared_cache;
use crate::util::{PaperTest, Run, pdf_text, poppler};

const EPOCH: (&str, &str) = ("SOURCE_DATE_EPOCH", "1700000000");

/// Every engine, with what its PDFs name as their producer.
const ENGINES: [(&str, &str); 4] =
    [("embedded", "xdvipdfmx"), ("pdflatex", "pdfTeX"), ("lualatex", "LuaTeX"), ("xelatex", "xdvipdfmx")];

/// Whether `engine` can run here; prints why a test skips it when not.
fn available(engine: &str) -> bool {
    if engine == "embedded" {
        return true;
    }
    for program in ["latexmk", engine] {
        let ok = Command::new(program).arg("--version").output().is_ok_and(|o| o.status.success());
        if !ok {
            eprintln!("SKIPPED engine {engine}: `{program}` is not installed (scripts/setup installs TeX Live)");
            return false;
        }
    }
    true
}

/// [`available`], and able to print any text: Debian's lualatex runs without luaotfload
/// (package texlive-luatex) in 8-bit fonts, fine for a T1 document but not for Unicode.
fn available_for_unicode(engine: &str) -> bool {
    if !available(engine) {
        return false;
    }
    if engine == "lualatex" {
        let found = Command::new("kpsewhich").arg("luaotfload-main.lua").output();
        if !found.is_ok_and(|o| o.status.success() && !o.stdout.is_empty()) {
            eprintln!(
                "SKIPPED engine lualatex for Unicode text: luaotfload is not installed (Debian: texlive-luatex; \
                 scripts/setup installs it)"
            );
            return false;
        }
    }
    true
}

fn build(t: &PaperTest, args: &[&str]) -> Run {
    let mut all = vec!["build"];
    all.extend_from_slice(args);
    t.run_env(&all, &[EPOCH])
}

/// `build` with the project's own environment (the example's API keys).
fn build_example(t: &PaperTest, args: &[&str]) -> Run {
    let mut all = vec!["build"];
    all.extend_from_slice(args);
    Run::from(t.command(&all).env(EPOCH.0, EPOCH.1).output().unwrap())
}

fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn producer(pdf: &std::path::Path) -> String {
    poppler("pdfinfo", &[], pdf).lines().find(|l| l.starts_with("Producer:")).unwrap_or("").to_string()
}

#[test]
fn the_latex_fixture_builds_under_every_engine() {
    let t = with_shared_cache(PaperTest::copy_of("fixtures/latex"));
    for (engine, made_by) in ENGINES {
        if !available(engine) {
            continue;
        }
        build(&t, &["--engine", engine, "paper.tex"]).ok().stderr_has("wrote build/paper.pdf");
        let pdf = t.path("build/paper.pdf");
        assert!(producer(&pdf).contains(made_by), "{engine}: {}", producer(&pdf));
        let text = words(&pdf_text(&pdf));
        for want in ["Small Models, Honest Figures", "Figure 1: Top-1 accuracy", "Figure 2: Training loss", "Epoch"] {
            assert!(text.contains(want), "{engine}: the PDF lacks {want:?}:\n{text}");
        }
        // BibTeX ran and the references settled.
        assert!(text.contains("Scaling laws for neural language models") && text.contains("predict [1]"), "{text}");
        assert!(text.contains("(Figure 2, Table 1)") && !text.contains("??"), "{engine}: {text}");
        assert!(t.path("build/paper.log").is_file() && t.path("build/paper.synctex.gz").is_file(), "{engine}");
        let fonts = poppler("pdffonts", &[], &pdf);
        assert!(fonts.contains("LiberationSans"), "{engine}: the figures are embedded: {fonts}");
        let raw = std::fs::read(&pdf).unwrap();
        let root = t.root.to_string_lossy().into_owned();
        assert!(!raw.windows(root.len()).any(|w| w == root.as_bytes()), "{engine}: the project's path is in the PDF");
    }
}

/// A thesis's habit: chapters `\include`d from a subfolder, referring to each other. TeX
/// writes `chapters/a.aux` beside the main `.aux` (it cannot make the folder itself), and
/// an edit of a chapter must not lose the other chapter's labels.
#[test]
fn included_chapters_in_subfolders_build_under_every_engine() {
    let main = "\\documentclass{article}\n\\begin{document}\n\\include{chapters/a}\n\\include{b}\n\\end{document}\n";
    let a = |said: &str| format!("\\section{{A}}\\label{{sec:a}}\nSee Section~\\ref{{sec:b}}. {said}\n");
    for (engine, _) in ENGINES {
        if !available(engine) {
            continue;
        }
        let t = PaperTest::new()
            .file("paper.tex", main)
            .file("chapters/a.tex", &a("first"))
            .file("b.tex", "\\section{B}\\label{sec:b}\nSee Section~\\ref{sec:a}.\n");
        for said in ["first", "second", "third"] {
            t.write("chapters/a.tex", &a(said));
            build(&t, &["--engine", engine, "paper.tex"]).ok();
            let text = words(&pdf_text(&t.path("build/paper.pdf")));
            assert!(text.contains(&format!("See Section 2. {said}")), "{engine}, {said}: {text}");
            assert!(text.contains("See Section 1.") && !text.contains("??"), "{engine}, {said}: {text}");
        }
    }
}

/// latexmk trusts a file's size and time to the second: an edit that keeps the size (a
/// typo fixed), saved within the second of a build, was "Nothing to do" for it, and the PDF
/// kept the old text. Each edit here keeps the size, right after a build from scratch.
#[test]
fn an_edit_that_keeps_the_size_reaches_the_pdf_under_latexmk() {
    if !available("pdflatex") {
        return;
    }
    let body =
        |n: usize| format!("\\documentclass{{article}}\n\\begin{{document}}\nEdit number {n}.\n\\end{{document}}\n");
    let t = PaperTest::new().file("paper.tex", &body(0));
    for n in (1..8).step_by(2) {
        let _ = std::fs::remove_dir_all(t.path(".paperfig/tex/aux"));
        t.write("paper.tex", &body(n));
        build(&t, &["--engine", "embedded", "paper.tex"]).ok();
        build(&t, &["--engine", "pdflatex", "paper.tex"]).ok();
        t.write("paper.tex", &body(n + 1));
        build(&t, &["--engine", "embedded", "paper.tex"]).ok();
        build(&t, &["--engine", "pdflatex", "paper.tex"]).ok();
        let text = words(&pdf_text(&t.path("build/paper.pdf")));
        assert!(text.contains(&format!("Edit number {}.", n + 1)), "the edit did not reach the PDF: {text}");
    }
}

#[test]
fn the_example_markdown_paper_builds_under_every_engine() {
    let t = PaperTest::copy_of("examples/paper");
    let figures = crate::example::FIGURES.len();
    for (engine, made_by) in ENGINES {
        if !available_for_unicode(engine) {
            continue;
        }
        build_example(&t, &["--engine", engine]).ok().stderr_has("wrote build/paper.pdf");
        let pdf = t.path("build/paper.pdf");
        assert!(producer(&pdf).contains(made_by), "{engine}: {}", producer(&pdf));
        let text = pdf_text(&pdf);
        assert!(text.contains(&format!("Figure {figures}")), "{engine}: every figure is numbered");
        assert!(text.contains("Table 1") && text.contains("References"), "{engine}");
        assert!(!text.contains("??"), "{engine}: a reference did not resolve");
        assert!(!text.contains("not been generated"), "{engine}");
        // Non-ASCII text prints as itself: each engine has the template's fonts for it.
        assert!(words(&text).contains("(mean ± std over 3 seeds)"), "{engine}: {text}");
        let log = std::fs::read_to_string(t.path("build/paper.log")).unwrap();
        assert!(!log.contains("Missing character") && !log.contains("Error in luaotfload"), "{engine}:\n{log}");
    }
}

#[test]
fn two_builds_with_the_same_epoch_are_byte_identical_under_each_installed_engine() {
    for engine in ["pdflatex", "lualatex", "xelatex"] {
        if !available(engine) {
            continue;
        }
        let (a, b) = (PaperTest::copy_of("fixtures/latex"), PaperTest::copy_of("fixtures/latex"));
        build(&a, &["--engine", engine]).ok();
        build(&b, &["--engine", engine, "paper.tex"]).ok();
        let read = |t: &PaperTest| std::fs::read(t.path("build/paper.pdf")).unwrap();
        let (pa, pb) = (read(&a), read(&b));
        assert!(pa == pb, "{engine}: PDFs of two folders differ ({} vs {} bytes)", pa.len(), pb.len());
        let info = poppler("pdfinfo", &["-isodates"], &a.path("build/paper.pdf"));
        assert!(info.contains("2023-11-14T22:13:20"), "{engine}: the dates are SOURCE_DATE_EPOCH's:\n{info}");
        // Another date gives another PDF: the epoch is really used (and latexmk runs again).
        b.run_env(&["build", "--engine", engine, "--source-date-epoch", "1600000000"], &[]).ok();
        assert_ne!(pa, read(&b), "{engine}");
        let info = poppler("pdfinfo", &["-isodates"], &b.path("build/paper.pdf"));
        assert!(info.contains("2020-09-13T12:26:40"), "{engine}: {info}");
    }
}

/// A document that only pdfTeX compiles: a pdfTeX driver option and primitives.
const PDFTEX_ONLY: &str = "\\pdfoutput=1\n\\documentclass{article}\n\\usepackage[pdftex]{hyperref}\n\
    \\pdfinfo{/Subject (Engines)}\n\\begin{document}\nWritten for pdfTeX \\the\\pdftexversion.\n\\end{document}\n";

#[test]
fn a_pdftex_only_document_needs_the_pdflatex_engine_and_the_embedded_one_says_so() {
    let t = with_shared_cache(PaperTest::new()).file("paper.tex", PDFTEX_ONLY);
    let failed = build(&t, &[]).code(1);
    let err = &failed.stderr;
    assert!(err.contains("paper.tex:"), "the error is located: {err}");
    assert!(err.contains("[build] engine = \"pdflatex\""), "the hint names the engine: {err}");
    assert!(!t.path("build/paper.pdf").exists());
    if !available("pdflatex") {
        return;
    }
    t.write(
        "paperfig.toml",
        &(std::fs::read_to_string(t.path("paperfig.toml")).unwrap() + "[build]\nengine = \"pdflatex\"\n"),
    );
    build(&t, &[]).ok().stderr_has("compiling paper.tex with pdflatex");
    assert!(words(&pdf_text(&t.path("build/paper.pdf"))).contains("Written for pdfTeX 140"));
}

#[test]
fn tex_errors_and_warnings_of_an_installed_engine_point_into_the_markdown() {
    if !available("pdflatex") {
        return;
    }
    let md = "---\ntitle: T\nbibliography: refs.bib\n---\n\n# Intro\n\nText [@kaplan2020] and\n\
              a bad \\undefinedinline{x} command.\n";
    let t = PaperTest::new()
        .file("paper.md", md)
        .file("refs.bib", &std::fs::read_to_string(crate::util::repo().join("fixtures/latex/refs.bib")).unwrap());
    let run = build(&t, &["--engine", "pdflatex"]).code(1);
    assert!(run.stderr.contains("TeX: Undefined control sequence"), "{}", run.stderr);
    assert!(run.stderr.contains("paper.md:9:"), "located at the Markdown line: {}", run.stderr);
    // Fixed, with a citation not in the bibliography and a label that does not exist: each
    // reported once (the citation by the writer at its place, the reference from TeX's log).
    let fixed = md.replace("\\undefinedinline{x}", "good \\ref{sec:nosuch}").replace("and\n", "and [@nosuchkey]\n");
    t.write("paper.md", &fixed);
    let run = build(&t, &["--engine", "pdflatex"]).ok();
    assert_eq!(run.stderr.matches("warning: citation `@nosuchkey`").count(), 1, "{}", run.stderr);
    assert!(!run.stderr.contains("undefined citation"), "{}", run.stderr);
    assert_eq!(run.stderr.matches("undefined reference: `sec:nosuch`").count(), 1, "{}", run.stderr);
}

#[test]
fn installed_engines_read_only_the_project_unless_trusted() {
    if !available("pdflatex") {
        return;
    }
    let doc = "\\documentclass{article}\n\\begin{document}\nHost: \\input{/etc/hostname}\n\\end{document}\n";
    let t = with_shared_cache(PaperTest::new()).file("paper.tex", doc);
    let run = build(&t, &["--engine", "pdflatex"]).code(1);
    assert!(run.stderr.contains("TeX may not read `/etc/hostname`"), "{}", run.stderr);
    assert!(run.stderr.contains("paper.tex:3:"), "{}", run.stderr);
    assert!(!t.path("build/paper.pdf").exists() && !t.path("build/paper.log").exists(), "nothing of the run is kept");
    build(&t, &["--engine", "pdflatex", "--trust-all"]).ok();
    assert!(pdf_text(&t.path("build/paper.pdf")).contains("Host:"));
}

#[test]
fn the_lockfile_records_the_engine_and_a_locked_build_keeps_to_it() {
    if !available("pdflatex") {
        return;
    }
    let t = with_shared_cache(PaperTest::copy_of("fixtures/latex"));
    let json = build(&t, &["--engine", "pdflatex", "--json"]).ok().json();
    assert_eq!(json["compile"]["engine"], "pdflatex", "{json}");
    let lock = std::fs::read_to_string(t.path("paperfig.lock")).unwrap();
    assert!(lock.contains("[engine]\nname = \"pdflatex\"\nversion = \"pdfTeX "), "{lock}");
    let refused = build(&t, &["--locked"]).code(1);
    assert!(refused.stderr.contains("records the TeX engine `pdflatex`"), "{}", refused.stderr);
    assert!(refused.stderr.contains("--engine pdflatex"), "{}", refused.stderr);
    build(&t, &["--locked", "--engine", "pdflatex"]).ok().stderr_has("wrote build/paper.pdf");
    // A build without --locked records the engine it used.
    build(&t, &[]).ok();
    assert!(std::fs::read_to_string(t.path("paperfig.lock")).unwrap().contains("name = \"embedded\""));
}

#[test]
fn lualatex_without_luaotfload_is_a_warning_naming_the_package() {
    let lualatex = Command::new("lualatex").arg("--version").output().is_ok_and(|o| o.status.success());
    let luaotfload = Command::new("kpsewhich").arg("luaotfload-main.lua").output();
    if !lualatex || luaotfload.is_ok_and(|o| o.status.success() && !o.stdout.is_empty()) {
        eprintln!("SKIPPED: needs a lualatex without luaotfload");
        return;
    }
    let t = with_shared_cache(PaperTest::new())
        .file("paper.tex", "\\documentclass{article}\n\\begin{document}\nx\n\\end{document}\n");
    build(&t, &["--engine", "lualatex"]).ok().stderr_has("could not load luaotfload").stderr_has("texlive-luatex");
}

#[test]
fn an_engine_that_is_not_installed_is_named_with_what_to_install() {
    let t = with_shared_cache(PaperTest::copy_of("fixtures/latex"));
    let mut cmd = t.command(&["build", "--engine", "lualatex"]);
    let out = cmd.env("PATH", "/nonexistent").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("needs `latexmk`, which is not installed"), "{err}");
    assert!(err.contains("--engine embedded"), "{err}");
}

#[test]
fn biblatex_with_biber_builds_with_an_installed_engine() {
    let biber = Command::new("biber").arg("--version").output().is_ok_and(|o| o.status.success());
    if !available("pdflatex") || !biber {
        eprintln!("SKIPPED: biber is not installed");
        return;
    }
    let doc = "\\documentclass{article}\n\\usepackage[backend=biber]{biblatex}\n\\addbibresource{refs.bib}\n\
               \\begin{document}\nCite \\cite{kaplan2020}.\n\\printbibliography\n\\end{document}\n";
    let bib = std::fs::read_to_string(crate::util::repo().join("fixtures/latex/refs.bib")).unwrap();
    let t = PaperTest::new().file("paper.tex", doc).file("refs.bib", &bib);
    build(&t, &["--engine", "pdflatex"]).ok();
    let text = words(&pdf_text(&t.path("build/paper.pdf")));
    assert!(text.contains("Cite [1]") && text.contains("Scaling Laws for Neural Language Models"), "{text}");
}
