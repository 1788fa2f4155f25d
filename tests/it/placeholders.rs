//! What a document shows in place of a figure it has no file for: a figure whose build
//! failed says so, with the first line of its error (never a secret), under latexmk,
//! `paperfig build` and in Markdown papers; a figure not built yet keeps "has not been
//! generated yet" (see also `compile::a_figure_not_generated_shows_a_placeholder_naming_the_command`).

use crate::compile::with_shared_cache;
use crate::util::{PaperTest, pdf_text};

/// Text with every run of white space as one space.
fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

const EPOCH: (&str, &str) = ("SOURCE_DATE_EPOCH", "1700000000");

fn latex(chart: &str) -> String {
    format!(
        "\\documentclass{{article}}\n\\usepackage{{paperfig}}\n\\begin{{document}}\n\
         \\begin{{paperfigure}}[id=fig:bad, kind=plot, chart={chart}]{{Pie}}\nA chart\n---\nname,value\nslice,1\n\\end{{paperfigure}}\n\
         \\begin{{paperfigure}}[id=fig:good, kind=plot]{{Good}}\nBars\n---\nname,value\ngoodbar,1\n\\end{{paperfigure}}\n\
         \\end{{document}}\n"
    )
}

#[test]
fn a_failed_latex_figure_says_why_under_latexmk_and_paperfig_build() {
    let t = with_shared_cache(PaperTest::new().file("paper.tex", &latex("pie")));
    t.run(&["gen"]).code(1).stderr_has("invalid value `pie` for chart=");
    let manifest = std::fs::read_to_string(t.path("build/figures/paperfig-figures.tex")).unwrap();
    assert!(manifest.contains("\\paperfig@failed{fig:bad}{invalid value \\texttt{pie} for chart=}"), "{manifest}");
    let want = "Figure fig:bad failed to build: invalid value pie for chart=";

    if crate::util::latexmk(&t.root, &["paper.tex"]) {
        let text = words(&pdf_text(&t.path("paper.pdf")));
        assert!(text.contains(want) && text.contains("goodbar"), "{text}");
        assert!(!text.contains("not been generated"), "{text}");
    }

    // paperfig build compiles the paper anyway (exit 1 for the figure), with the same box.
    t.run_env(&["build", "paper.tex"], &[EPOCH]).code(1).stderr_has("wrote build/paper.pdf");
    let text = words(&pdf_text(&t.path("build/paper.pdf")));
    assert!(text.contains(want) && text.contains("goodbar"), "{text}");

    // Fixed: the figure, and no failure left in the manifests.
    t.write("paper.tex", &latex("bar"));
    t.run_env(&["build", "paper.tex"], &[EPOCH]).ok();
    let text = words(&pdf_text(&t.path("build/paper.pdf")));
    assert!(!text.contains("failed") && text.contains("slice"), "{text}");
    assert!(!std::fs::read_to_string(t.path("build/figures/manifest.json")).unwrap().contains("failed"));
}

#[test]
fn a_failed_markdown_figure_says_why_and_a_scripts_secret_stays_out() {
    let paper = "---\ntitle: Fails\n---\n\n# Intro\n\n\
        ```{paperfig #fig:bad kind=plot chart=pie}\nA chart\n---\nname,value\nslice,1\n```\n\n\
        ```{paperfig #fig:script kind=command runner=sh}\necho \"token is $TOKEN\" >&2\nexit 3\n```\n";
    let config = "[runners]\nallow = true\n[runners.sh]\nsecret_env = [\"TOKEN\"]\n";
    let t = with_shared_cache(PaperTest::new().file("paper.md", paper));
    let cache = std::fs::read_to_string(t.path("paperfig.toml")).unwrap();
    t.write("paperfig.toml", &format!("{cache}{config}"));
    let secret = "s3cr3t-value-42";
    let run = t.run_env(&["build", "paper.md"], &[EPOCH, ("TOKEN", secret)]).code(1);
    let run = run.stderr_has("exited with status 3").stderr_has("wrote build/paper.pdf");
    assert!(run.stderr.contains(secret), "the terminal shows the script's stderr, as before");
    let text = words(&pdf_text(&t.path("build/paper.pdf")));
    assert!(text.contains("Figure fig:bad failed to build: invalid value pie for chart="), "{text}");
    assert!(text.contains("Figure fig:script failed to build: the sh script exited with status 3"), "{text}");
    assert!(!text.contains("not generated") && !text.contains(secret), "{text}");
    for file in ["build/paper.tex", "build/figures/manifest.json", "build/figures/paperfig-figures.tex"] {
        let written = std::fs::read_to_string(t.path(file)).unwrap();
        assert!(!written.contains(secret), "the secret is in {file}: {written}");
    }
}
