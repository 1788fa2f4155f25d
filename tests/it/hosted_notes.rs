//! What services say about a figure besides its image, end to end against the fakes:
//! Papermill's figure title as the caption of a figure without one, PaperBanana's
//! description as the alt text (mdBook `<img alt>`, `\includegraphics[alt=…]` in the paper's
//! LaTeX), PaperBanana images downloaded from `image_url` when a task carries no
//! `image_base64`; the notes in the manifest and the lockfile, also after a cached build.

use std::io::Write as _;
use std::process::Stdio;
use std::sync::atomic::Ordering;

use paperfig_fakes::{paperbanana as pb, papermill};
use serde_json::{Value, json};

use crate::hosted::{Hosted, fig, pb_diagram};
use crate::hosted_banana_papermill::{build, extract, setup};
use crate::util::Run;

fn manifest(root: &std::path::Path) -> Value {
    serde_json::from_slice(&std::fs::read(root.join("build/figures/manifest.json")).unwrap()).unwrap()
}

#[test]
fn papermill_title_is_the_caption_of_a_figure_without_one() {
    let s = setup(&format!(
        "{}```{{paperfig #fig:own kind=extract provider=papermill pdf=papers/related.pdf figure=3 caption=\"Mine\"}}\n```\n\n",
        extract("two", 2)
    ));
    build(&s.t).ok();
    let m = manifest(&s.t.root);
    let two = &m["figures"]["fig:two"];
    assert_eq!(two["notes"]["title"], json!(papermill::title(2)));
    // The document's own numbering ("Figure 2.") is dropped; the provenance line follows.
    let fake_title = papermill::title(2);
    let words = fake_title.split_once(". ").unwrap().1;
    assert_eq!(two["caption"], json!(format!("{words}. Reproduced from `related.pdf`, Fig. 2.")));
    assert!(m["figures"]["fig:own"]["caption"].as_str().unwrap().starts_with("Mine."));
    // The lockfile keeps the title, so a --locked build writes the same caption.
    let lock = std::fs::read_to_string(s.t.path("paperfig.lock")).unwrap();
    assert!(lock.contains(&format!("title = \"{fake_title}\"")), "{lock}");
    std::fs::remove_dir_all(s.t.path("build")).unwrap();
    crate::hosted_banana_papermill::run_with(&s.t, &["gen", "--locked"], false).ok();
    assert_eq!(manifest(&s.t.root)["figures"]["fig:two"]["caption"], two["caption"]);
    // The paper's LaTeX takes the title as the caption too (image links go to Papermill).
    let config = std::fs::read_to_string(s.t.path("paperfig.toml")).unwrap();
    s.t.write("paperfig.toml", &format!("[defaults]\nextract = \"papermill\"\n\n{config}"));
    s.t.write("paper.md", &format!("# Paper\n\n{}![](papers/related.pdf#figure=1)\n", extract("two", 2)));
    let run = crate::hosted_banana_papermill::run_with(&s.t, &["build", "paper.md"], true).ok();
    let tex = std::fs::read_to_string(s.t.path("build/paper.tex")).unwrap();
    assert!(tex.contains(&format!("\\caption{{{words}}}")), "{tex}\n{}", run.stderr);
    let one = papermill::title(1);
    assert!(tex.contains(&format!("\\caption{{{}}}", one.split_once(". ").unwrap().1)), "{tex}");
}

/// PaperBanana's `description` is the figure's alt text, whether the image came as
/// `image_base64` or had to be downloaded from `image_url` (with the key).
#[test]
fn paperbanana_description_is_the_alt_text_and_image_url_is_downloaded() {
    for url_only in [false, true] {
        let h = Hosted::new();
        h.pb.state.image_url_only.store(url_only, Ordering::SeqCst);
        h.paper(&pb_diagram("d"));
        h.build().ok();
        let downloads = h.pb.state.downloads.load(Ordering::SeqCst);
        assert_eq!(downloads, usize::from(url_only), "image_url_only = {url_only}");
        let png = std::fs::read(h.t.path("build/figures/fig-d.png")).unwrap();
        assert!(png.starts_with(b"\x89PNG"));
        let m = manifest(&h.t.root);
        assert_eq!(m["figures"]["fig:d"]["notes"]["alt"], json!(pb::description("generate")));
        // A cached build keeps the notes and sends nothing.
        let polls = h.pb.state.polls.load(Ordering::SeqCst);
        h.build().ok();
        assert_eq!(h.pb.state.polls.load(Ordering::SeqCst), polls);
        assert_eq!(manifest(&h.t.root)["figures"]["fig:d"]["notes"], m["figures"]["fig:d"]["notes"]);
    }
}

/// The documented 404 of `/image` ("the image is not available yet") after the task says
/// `completed`: polled again, not failed and not submitted twice.
#[test]
fn paperbanana_image_not_available_yet_is_polled_again() {
    let h = Hosted::new();
    h.pb.state.image_url_only.store(true, Ordering::SeqCst);
    h.pb.state.image_not_ready.store(2, Ordering::SeqCst);
    h.paper(&pb_diagram("late"));
    h.build().ok();
    assert!(std::fs::read(h.t.path("build/figures/fig-late.png")).unwrap().starts_with(b"\x89PNG"));
    assert_eq!(h.pb.state.downloads.load(Ordering::SeqCst), 3, "two 404s, then the image");
    assert_eq!(h.pb.submissions(), 1);
}

#[test]
fn paperbanana_alt_text_reaches_latex_and_mdbook_html() {
    let h = Hosted::new();
    h.paper(&pb_diagram("d"));
    let run = h.run(&["build", "paper.md"]).ok();
    let tex = std::fs::read_to_string(h.t.path("build/paper.tex")).unwrap();
    // The fake's description has `&` and `<`: escaped for LaTeX.
    let alt = pb::description("generate");
    let escaped = alt.replace('&', "\\&").replace('<', "\\textless{}").replace('>', "\\textgreater{}");
    assert!(tex.contains(&format!("alt={{{escaped}}}")), "{tex}\n{}", run.stderr);
    assert!(h.t.path("build/paper.pdf").is_file(), "the PDF compiles with alt=: {}", run.stderr);

    // mdBook: the preprocessor's chapter shows the description as <img alt>.
    h.t.write("book.toml", "[book]\ntitle = \"B\"\n");
    let chapter = fig("m", "kind=diagram provider=pb caption=\"Figure 1: Encoder\"", "A 6-layer encoder (d).");
    h.t.write("src/a.md", &chapter);
    let input = json!([
        {"root": h.t.root, "renderer": "html", "mdbook_version": "0.5.4", "config": {"book": {"src": "src"}}},
        {"items": [{"Chapter": {"name": "A", "content": chapter, "number": [1], "path": "a.md",
            "source_path": "a.md", "parent_names": [], "sub_items": []}}]}
    ]);
    let mut cmd = h.command(&["mdbook"]);
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(input.to_string().as_bytes()).unwrap();
    let out = Run::from(child.wait_with_output().unwrap()).ok();
    let book: Value = serde_json::from_str(&out.stdout).unwrap();
    let html = book["items"][0]["Chapter"]["content"].as_str().unwrap();
    let html_alt = alt.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    assert!(html.contains(&format!("alt=\"{html_alt}\"")), "{html}");
    assert!(html.contains("<figcaption><strong>Figure 1.</strong> Figure 1: Encoder</figcaption>"), "{html}");
}

/// AutoFigureEdit reports what it charged (`cost_credits`), which may differ from the
/// documented table the estimate comes from: both are kept, in the manifest and the lock.
#[test]
fn autofigureedit_charge_is_recorded_beside_the_estimate() {
    let h = Hosted::new();
    let table = paperfig_fakes::autofigureedit::cost(&json!({"type": "standard", "model": "nano-banana-pro"}));
    let charged = table - 3;
    *h.afe.state.plan_cost.lock().unwrap() = Some(charged);
    h.paper(&crate::hosted::afe_image("a"));
    h.build().ok();
    let notes = &manifest(&h.t.root)["figures"]["fig:a"]["notes"];
    assert_eq!(notes["cost_charged"], json!(format!("{charged} credits")));
    assert_eq!(notes["cost_estimate"], json!(format!("{table} credits")));
    let lock = std::fs::read_to_string(h.t.path("paperfig.lock")).unwrap();
    let line = lock.lines().find(|l| l.starts_with("notes")).unwrap();
    assert_eq!(
        line,
        format!("notes = {{ cost_charged = \"{charged} credits\", cost_estimate = \"{table} credits\" }}")
    );
}
