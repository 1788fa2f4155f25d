//! LaTeX sources: the `paperfigure` environment builds like a Markdown directive.

use crate::util::PaperTest;

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
