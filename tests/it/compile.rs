//! `paperfig build`: papers compiled to PDF by the embedded engine, offline, reproducibly,
//! with TeX's errors located in the user's files. PDFs are checked with poppler-utils.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{PaperTest, Run, pdf_text, poppler};

const EPOCH: (&str, &str) = ("SOURCE_DATE_EPOCH", "1700000000");

/// One format and TeX Live index for all tests (the cache is safe to share).
pub(crate) fn shared_cache() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("compile-cache")
}

pub(crate) fn with_shared_cache(t: PaperTest) -> PaperTest {
    let toml = format!("[cache]\ndir = \"{}\"\n", shared_cache().display());
    t.file("paperfig.toml", &toml)
}

fn latex_paper() -> PaperTest {
    with_shared_cache(PaperTest::copy_of("fixtures/latex"))
}

fn build(t: &PaperTest, args: &[&str]) -> Run {
    let mut all = vec!["build"];
    all.extend_from_slice(args);
    t.run_env(&all, &[EPOCH])
}

/// Text with every run of white space as one space (pdftotext breaks lines anywhere).
fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A one-file LaTeX paper (with the shared cache).
fn tex(text: &str) -> PaperTest {
    with_shared_cache(PaperTest::new().file("paper.tex", text))
}

#[test]
fn latex_paper_compiles_with_figures_citations_and_table() {
    let t = latex_paper();
    build(&t, &["paper.tex"]).ok().stderr_has("wrote build/paper.pdf");
    let pdf = t.path("build/paper.pdf");
    let text = words(&pdf_text(&pdf));
    for want in ["Small Models, Honest Figures", "Figure 1: Top-1 accuracy", "Figure 2: Training loss", "Epoch"] {
        assert!(text.contains(want), "PDF lacks {want:?}:\n{text}");
    }
    // The citation and the bibliography were resolved by BibTeX, references by reruns.
    assert!(text.contains("Scaling laws for neural language models"), "{text}");
    assert!(text.contains("predict [1]"), "{text}");
    assert!(text.contains("(Figure 2, Table 1)"), "{text}");
    assert!(!text.contains("??"), "unresolved reference:\n{text}");
    assert!(!text.contains("not been generated"), "{text}");
    // The plots' own font is embedded with the paper's Latin Modern.
    let fonts = poppler("pdffonts", &[], &pdf);
    assert!(fonts.contains("LiberationSans") && fonts.contains("LMRoman"), "{fonts}");
    assert!(t.path("build/paper.log").is_file(), "the .log is kept");
    // The .tex is never rewritten.
    assert_eq!(
        std::fs::read_to_string(t.path("paper.tex")).unwrap(),
        std::fs::read_to_string(crate::util::repo().join("fixtures/latex/paper.tex")).unwrap()
    );
}

#[test]
fn latexmk_compiles_the_same_paper_after_gen() {
    if Command::new("latexmk").arg("-v").output().is_err() {
        eprintln!("skipped: latexmk is not installed (scripts/setup installs it)");
        return;
    }
    let t = latex_paper();
    t.run(&["gen"]).ok();
    assert!(t.path("paperfig.sty").is_file(), "gen puts paperfig.sty beside the paper");
    let out = Command::new("latexmk")
        .args(["-pdf", "-interaction=nonstopmode", "paper.tex"])
        .current_dir(&t.root)
        .output()
        .unwrap();
    assert!(out.status.success(), "latexmk failed:\n{}", String::from_utf8_lossy(&out.stdout));
    let text = pdf_text(&t.path("paper.pdf"));
    assert!(text.contains("Figure 1: Top-1 accuracy") && text.contains("Epoch"), "{text}");
    assert!(!text.contains("not been generated"), "{text}");
    assert!(text.contains("Scaling laws"), "{text}");
    let fonts = poppler("pdffonts", &[], &t.path("paper.pdf"));
    assert!(fonts.contains("LiberationSans"), "the figures are embedded: {fonts}");
}

#[test]
fn a_figure_not_generated_shows_a_placeholder_naming_the_command() {
    if Command::new("pdflatex").arg("-version").output().is_err() {
        eprintln!("skipped: pdflatex is not installed");
        return;
    }
    // paperfig.sty alone (no gen yet): plain pdflatex shows placeholders.
    let t = latex_paper();
    std::fs::write(t.path("paperfig.sty"), paperfig::emit::PAPERFIG_STY).unwrap();
    let out = Command::new("pdflatex")
        .args(["-interaction=nonstopmode", "-halt-on-error", "paper.tex"])
        .current_dir(&t.root)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let text = pdf_text(&t.path("paper.pdf"));
    assert!(text.contains("fig:acc has not been generated yet"), "{text}");
    assert!(text.contains("Run paperfig gen"), "{text}");
}

#[test]
fn builds_work_without_network() {
    let probe = Command::new("unshare").args(["-n", "true"]).output();
    if !probe.as_ref().is_ok_and(|o| o.status.success()) {
        eprintln!("skipped: `unshare -n` is not available here (needs root or user namespaces)");
        return;
    }
    let t = latex_paper();
    let out = Command::new("unshare")
        .args(["-n", crate::util::BIN, "build", "paper.tex"])
        .current_dir(&t.root)
        .env(EPOCH.0, EPOCH.1)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(pdf_text(&t.path("build/paper.pdf")).contains("Scaling laws"));
}

#[test]
fn two_builds_in_different_folders_are_byte_identical() {
    let a = latex_paper();
    let b = latex_paper();
    build(&a, &[]).ok();
    build(&b, &["paper.tex"]).ok();
    let pa = std::fs::read(a.path("build/paper.pdf")).unwrap();
    let pb = std::fs::read(b.path("build/paper.pdf")).unwrap();
    assert_ne!(a.root, b.root);
    assert!(pa == pb, "PDFs differ ({} vs {} bytes)", pa.len(), pb.len());
    // Another date gives another PDF: the epoch is really used.
    b.run_env(&["build", "--source-date-epoch", "1600000000"], &[]).ok();
    assert_ne!(pa, std::fs::read(b.path("build/paper.pdf")).unwrap());
}

#[test]
fn missing_package_names_it_and_the_debian_package() {
    let t = tex("\\documentclass{article}\n\\usepackage{siunitx}\n\\begin{document}\nx\n\\end{document}\n");
    let run = build(&t, &[]).code(1);
    let run =
        run.stderr_has("LaTeX package `siunitx.sty` not found").stderr_has("paper.tex:2").stderr_has("texlive-science");
    assert!(!run.stderr.contains("terminal input forbidden"), "{}", run.stderr);
    assert!(t.path("build/paper.log").is_file(), "the log is kept on failure");
}

/// fontspec naming a font (fontconfig finds its file): a build with nothing changed runs no
/// TeX, and a font folder that changed (a font installed in `~/.fonts`) makes TeX run.
#[test]
fn a_font_found_by_name_is_in_the_record_and_a_new_font_folder_reruns_tex() {
    let t = tex("\\documentclass{article}\n\\usepackage{fontspec}\n\\setmainfont{TeX Gyre Termes}\n\
         \\begin{document}\nHello.\n\\end{document}\n");
    let home = t.path("../home");
    std::fs::create_dir_all(&home).unwrap();
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache"));
    let run = |t: &PaperTest| {
        let env = [EPOCH, ("HOME", home.to_str().unwrap()), ("XDG_CACHE_HOME", cache.to_str().unwrap())];
        let run = t.run_env(&["build", "--json", "paper.tex"], &env).ok();
        run.json()["compile"]["tex"].as_str().unwrap_or_default().to_string()
    };
    assert_eq!(run(&t), "ran");
    let fonts = poppler("pdffonts", &[], &t.path("build/paper.pdf"));
    assert!(fonts.to_lowercase().contains("termes"), "the font by name was used: {fonts}");
    assert_eq!(run(&t), "unchanged", "nothing changed");
    std::fs::create_dir_all(home.join(".fonts")).unwrap();
    assert_eq!(run(&t), "ran", "a font folder appeared where fontconfig looks");
}

/// Two projects sharing a cache folder outside both, each with its `paper.tex`: each keeps
/// its own intermediate files (one project's failed build no longer deletes the other's).
#[test]
fn projects_sharing_a_cache_keep_their_own_intermediate_files() {
    let shared = tempfile::tempdir().unwrap();
    let toml = format!("[cache]\ndir = \"{}\"\n", shared.path().display());
    let doc = "\\documentclass{article}\n\\begin{document}\nSee \\ref{s}.\n\\section{S}\\label{s}\n\\end{document}\n";
    for _ in 0..2 {
        let t = PaperTest::new().file("paperfig.toml", &toml).file("paper.tex", doc);
        build(&t, &["paper.tex"]).ok();
    }
    let folders = std::fs::read_dir(shared.path().join("tex/aux")).unwrap().count();
    assert_eq!(folders, 2, "one folder of intermediate files per project");
}

/// A font that is not installed, asked for while `\XeTeXtracingfonts` is on (the `dtk`
/// class does this): TeX's error at the line, not a crash of the whole process.
#[test]
fn a_missing_font_traced_by_xetex_is_an_error_not_a_crash() {
    let t = tex("\\documentclass{article}\n\\XeTeXtracingfonts=1\n\\font\\x=\"No Such Font Paperfig\" at 10pt\n\
         \\begin{document}\nHello.\n\\end{document}\n");
    let run = build(&t, &[]).code(1);
    run.stderr_has("paper.tex:3").stderr_has("No Such Font Paperfig");
}

#[test]
fn tex_error_points_at_the_users_line_with_context() {
    let t = tex(
        "\\documentclass{article}\n\\begin{document}\nFine text.\n\nBroken \\undefinedmacro here.\n\\end{document}\n",
    );
    build(&t, &[])
        .code(1)
        .stderr_has("Undefined control sequence")
        .stderr_has("paper.tex:5")
        .stderr_has("\\undefinedmacro");
}

#[test]
fn undefined_citation_is_one_warning_listing_the_keys() {
    let t = tex(
        "\\documentclass{article}\n\\begin{document}\nSee \\cite{ghost} and \\cite{phantom}.\n\\bibliographystyle{plain}\n\\bibliography{refs}\n\\end{document}\n",
    )
    .file("refs.bib", "@misc{real, title={Real}, year={2020}}\n");
    let run = build(&t, &[]).ok();
    let run = run.stderr_has("undefined citations: `ghost`, `phantom`").stderr_has("paper.tex:3");
    assert_eq!(run.stderr.matches("warning: undefined citation").count(), 1, "{}", run.stderr);
    assert!(t.path("build/paper.pdf").is_file());
}

#[test]
fn a_markdown_papers_unknown_citation_is_reported_once_at_the_citation() {
    let t = with_shared_cache(
        PaperTest::new()
            .file("paper.md", "---\ntitle: Cites\nbibliography: refs.bib\n---\n\nKnown [@real], unknown [@ghost].\n"),
    )
    .file("refs.bib", "@misc{real, title={Real}, author={A. Author}, year={2020}}\n");
    let run = build(&t, &["paper.md"]).ok();
    let run = run.stderr_has("citation `@ghost` is not in the bibliography").stderr_has("paper.md:6:");
    assert_eq!(run.stderr.matches("is not in the bibliography").count(), 1, "{}", run.stderr);
    assert!(!run.stderr.contains("undefined citation"), "TeX's log repeats it:\n{}", run.stderr);
    assert!(t.path("build/paper.pdf").is_file());
}

#[test]
fn missing_bibliography_file_is_an_error() {
    let t = tex(
        "\\documentclass{article}\n\\begin{document}\nSee \\cite{x}.\n\\bibliographystyle{plain}\n\\bibliography{nowhere}\n\\end{document}\n",
    );
    build(&t, &[]).code(1).stderr_has("bibliography file `nowhere.bib` not found").stderr_has("paper.tex:5");
}

#[test]
fn a_folder_with_several_papers_asks_which() {
    let t = tex("\\documentclass{article}\n\\begin{document}a\\end{document}\n")
        .file("other.tex", "\\documentclass{article}\n\\begin{document}b\\end{document}\n")
        .file("chapter.tex", "\\section{Only a chapter}\n");
    build(&t, &[]).code(2).stderr_has("several papers").stderr_has("other.tex, paper.tex").stderr_has("[build] main");
    let t = t.file(
        "paperfig.toml",
        &format!("[cache]\ndir = \"{}\"\n[build]\nmain = \"other.tex\"\n", shared_cache().display()),
    );
    build(&t, &[]).ok().stderr_has("wrote build/other.pdf");
}

#[test]
fn build_and_figure_folders_outside_the_project_keep_the_figures() {
    let figure =
        "```{paperfig #fig:a kind=plot caption=\"Bars\"}\nBar chart\n---\nname,value\nalphabar,1\nbetabar,2\n```\n";
    let t = with_shared_cache(PaperTest::new())
        .file("paper.md", &format!("---\ntitle: Outside\n---\n\n# Intro\n\n{figure}"));
    let cache = format!("[cache]\ndir = \"{}\"\n", shared_cache().display());
    // Beside the project, written relative to it.
    t.write("paperfig.toml", &format!("{cache}[build]\ndir = \"../out\"\n"));
    build(&t, &["paper.md"]).ok().stderr_has("wrote ../out/paper.pdf");
    let text = pdf_text(&t.path("../out/paper.pdf"));
    assert!(text.contains("alphabar") && !text.contains("not generated"), "{text}");

    // Absolute, and the figures outside the project too (a LaTeX paper, and latexmk).
    let out = t.root.parent().unwrap().join("abs-out");
    let toml = format!("{cache}[output]\ndir = \"../figs\"\n[build]\ndir = \"{}\"\n", out.display());
    let t = t.file("paperfig.toml", &toml).file(
        "paper.tex",
        "\\documentclass{article}\n\\usepackage{paperfig}\n\\begin{document}\n\\begin{paperfigure}[id=fig:b, kind=plot]{Bars}\nBar chart\n---\nname,value\ngammabar,1\n\\end{paperfigure}\n\\end{document}\n",
    );
    std::fs::remove_file(t.path("paper.md")).unwrap();
    build(&t, &["paper.tex"]).ok();
    let text = pdf_text(&out.join("paper.pdf"));
    assert!(text.contains("gammabar") && !text.contains("not generated"), "{text}");
    assert!(t.path("../figs/fig-b.pdf").is_file());
    if Command::new("latexmk").arg("-v").output().is_ok() {
        let done = Command::new("latexmk")
            .args(["-pdf", "-interaction=nonstopmode", "paper.tex"])
            .current_dir(&t.root)
            .output()
            .unwrap();
        assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stdout));
        assert!(pdf_text(&t.path("paper.pdf")).contains("gammabar"));
    }
}

#[test]
fn a_markdown_papers_last_references_heading_holds_the_bibliography() {
    let bib = "@misc{real, title={A Real Reference}, author={A. Author}, year={2020}}\n";
    for (template, heading, want) in
        [("article", "# References", "2 References"), ("conference", "# Bibliography {-}", "Bibliography")]
    {
        let paper = format!(
            "---\ntitle: Cites\nbibliography: refs.bib\ntemplate: {template}\n---\n\n# Intro\n\nKnown [@real].\n\n{heading}\n"
        );
        let t = with_shared_cache(PaperTest::new().file("paper.md", &paper).file("refs.bib", bib));
        build(&t, &["paper.md"]).ok();
        let text = words(&pdf_text(&t.path("build/paper.pdf")));
        let title = heading.trim_start_matches("# ").trim_end_matches(" {-}");
        assert_eq!(text.matches(title).count(), 1, "{template}: one {title:?} heading: {text}");
        assert!(text.contains(&format!("{want} ")), "{template}: the heading as written: {text}");
        assert!(!text.contains("References") || title == "References", "{template}: {text}");
        let after = text.split(want).nth(1).unwrap_or("");
        assert!(after.contains("A. Author"), "{template}: the bibliography under it: {text}");
    }
}

/// An edit that moves a page reference: from last build's files, a second single TeX pass
/// from the files the first wrote settles it (no third pass after BibTeX), and the PDF is
/// the one a build from scratch makes.
#[test]
fn an_edit_that_moves_a_page_reference_settles_in_two_single_passes() {
    let doc = |filler: usize| {
        format!(
            "\\documentclass{{article}}\n\\begin{{document}}\nSee page \\pageref{{target}}.\n\n{}\n\n\
             \\section{{Target}}\\label{{target}}\nHere.\n\\end{{document}}\n",
            "Filler text for the page. ".repeat(filler)
        )
    };
    let t = tex(&doc(10));
    build(&t, &["paper.tex"]).ok();
    assert!(words(&pdf_text(&t.path("build/paper.pdf"))).contains("See page 1."));
    t.write("paper.tex", &doc(400));
    let run = t.run_env(&["build", "paper.tex"], &[EPOCH, ("PAPERFIG_TIMINGS", "1")]).ok();
    let singles = run.stderr.matches("one pass with kept files done").count();
    assert_eq!(singles, 2, "{}", run.stderr);
    assert!(!run.stderr.contains("passes done"), "tectonic's rerun logic was not needed: {}", run.stderr);
    let text = words(&pdf_text(&t.path("build/paper.pdf")));
    assert!(text.contains("See page 3."), "{text}");
    let scratch = tex(&doc(400));
    build(&scratch, &["paper.tex"]).ok();
    assert_eq!(
        std::fs::read(t.path("build/paper.pdf")).unwrap(),
        std::fs::read(scratch.path("build/paper.pdf")).unwrap()
    );
}
