//! What hosted figures send and keep, end to end against the fakes: PaperBanana plot data
//! inline in the body (after a line `---`), in the key like the rest of the body, and
//! located errors; every image of an AutoFigureEdit task or a Banana run kept, `figure=N`
//! picking the one the figure shows.

use std::sync::atomic::Ordering;

use serde_json::{Value, json};

use crate::hosted::{Hosted, fig};

fn plot(data: &str) -> String {
    fig("p", "kind=plot provider=pb caption=\"Accuracy\"", &format!("Bar chart of accuracy per model\n---\n{data}"))
}

#[test]
fn paperbanana_plot_data_inline_is_sent_and_keyed() {
    let h = Hosted::new();
    h.paper(&plot("model,acc\nResNet,76.1\nViT,81.8"));
    h.build().ok();
    let sent = |i: usize| h.pb.state.bodies.lock().unwrap()[i].clone();
    let first = sent(0);
    let data: Value = serde_json::from_str(first["data_json"].as_str().unwrap()).unwrap();
    assert_eq!(data, json!({"model": ["ResNet", "ViT"], "acc": [76.1, 81.8]}));
    assert_eq!(first["intent"], json!("Bar chart of accuracy per model"));
    assert!(h.t.path("build/figures/fig-p.png").is_file());
    // The same data again is cached; other data is a new figure.
    h.build().ok();
    assert_eq!(h.pb.state.submissions.load(Ordering::SeqCst), 1);
    h.paper(&plot("{\"model\": [\"ResNet\"], \"acc\": [77.0]}"));
    h.build().ok();
    assert_eq!(h.pb.state.submissions.load(Ordering::SeqCst), 2);
    let data: Value = serde_json::from_str(sent(1)["data_json"].as_str().unwrap()).unwrap();
    assert_eq!(data, json!({"model": ["ResNet"], "acc": [77.0]}));
}

#[test]
fn paperbanana_bad_inline_data_is_located_and_nothing_is_sent() {
    let h = Hosted::new();
    h.t.write("data/acc.csv", "model,acc\nA,1\n");
    h.paper(&format!(
        "{}{}",
        plot("{\"model\": [\"ResNet\""),
        fig("q", "kind=plot provider=pb data=data/acc.csv", "Bars\n---\nmodel,acc\nB,2")
    ));
    let run = h.run(&["gen"]).code(1);
    // The body starts on line 4; the data after `---` on line 6.
    let run = run.stderr_has("paper.md:6:").stderr_has("inline data is not valid JSON");
    run.stderr_has("both a data= file and inline data");
    assert_eq!(h.pb.state.submissions.load(Ordering::SeqCst), 0);
}

fn png_width(path: &std::path::Path) -> u32 {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    png::Decoder::new(std::io::Cursor::new(bytes)).read_info().unwrap().info().width
}

/// A task with several images: the first is the figure unless `figure=N` picks another;
/// every other image is kept in the cache and listed in the manifest; a number beyond
/// them fails naming how many there were.
#[test]
fn autofigureedit_every_image_is_kept_and_figure_n_picks_one() {
    let h = Hosted::new();
    h.afe.state.images_per_task.store(3, Ordering::SeqCst);
    let image = |id: &str, attrs: &str| fig(id, &format!("kind=image provider=afe {attrs}"), "A red apple");
    h.paper(&format!("{}{}", image("first", ""), image("third", "figure=3")));
    h.build().ok();
    // The fake draws image k of a task 128 + 16k pixels wide.
    assert_eq!(png_width(&h.t.path("build/figures/fig-first.png")), 128);
    assert_eq!(png_width(&h.t.path("build/figures/fig-third.png")), 128 + 16 * 2);
    let m: Value = serde_json::from_slice(&std::fs::read(h.t.path("build/figures/manifest.json")).unwrap()).unwrap();
    for (id, widths) in [("fig:first", [144, 160]), ("fig:third", [128, 144])] {
        let others = m["figures"][id]["others"].as_array().unwrap();
        let kept: Vec<u32> = others
            .iter()
            .map(|o| {
                let hex = o["digest"].as_str().unwrap().trim_start_matches("sha256:").to_string();
                png_width(&h.t.path(&format!(".paperfig/objects/{}/{}", &hex[..2], &hex[2..])))
            })
            .collect();
        assert_eq!(kept, widths, "{id}: the other images, in the service's order");
    }
    assert_eq!(h.afe.state.submissions.load(Ordering::SeqCst), 2);
    // A cached build sends nothing and keeps the list.
    h.build().ok();
    assert_eq!(h.afe.state.submissions.load(Ordering::SeqCst), 2);

    // figure= is in the key, checked before anything is sent, and bounded by the images.
    h.paper(&image("zero", "figure=0"));
    h.run(&["gen"]).code(1).stderr_has("paper.md:3:").stderr_has("not a whole number from 1");
    assert_eq!(h.afe.state.submissions.load(Ordering::SeqCst), 2);
    h.paper(&image("four", "figure=4"));
    h.run(&["gen"]).code(1).stderr_has("paper.md:3:").stderr_has("figure=4, but afe returned 3 images");
}

/// A Banana model returning a list of images: `figure=N` picks one, the others are kept.
#[test]
fn banana_figure_n_picks_one_of_a_batch() {
    use paperfig_fakes::banana::{Model, Output};
    let s = crate::hosted_banana_papermill::setup(&format!(
        "{}{}",
        crate::hosted_banana_papermill::image("a", "model=batch input.width=16 input.height=16", "x"),
        crate::hosted_banana_papermill::image("b", "model=batch input.width=16 input.height=16 figure=2", "x"),
    ));
    s.banana.add_model(Model::new("batch", Output::Batch { field: "images".into(), n: 2 }));
    crate::hosted_banana_papermill::build(&s.t).ok();
    // The fake draws image k of a batch 16 + 8k pixels wide.
    assert_eq!(png_width(&s.t.path("build/figures/fig-a.png")), 16);
    assert_eq!(png_width(&s.t.path("build/figures/fig-b.png")), 24);
    let m: Value = serde_json::from_slice(&std::fs::read(s.t.path("build/figures/manifest.json")).unwrap()).unwrap();
    assert_eq!(m["figures"]["fig:a"]["others"].as_array().map(Vec::len), Some(1));
    assert_eq!(s.banana.submissions(), 2, "figure= is in the key: each figure is its own run");
}

/// `output_format=` asks AutoFigureEdit for JPEG or WebP; the answer is decoded and the
/// figure's PNG, SVG and PDF are made from it as from a PNG answer.
#[test]
fn autofigureedit_jpeg_and_webp_answers_become_the_figure() {
    let h = Hosted::new();
    let image = |id: &str, format: &str| {
        fig(id, &format!("kind=image provider=afe output_format={format}"), &format!("A red apple ({format})"))
    };
    h.paper(&format!("{}{}{}", image("j", "jpg"), image("w", "webp"), image("p", "png")));
    h.build().ok();
    let sent: Vec<String> =
        h.afe.state.bodies.lock().unwrap().iter().map(|b| b["options"]["output_format"].to_string()).collect();
    for f in ["jpg", "webp", "png"] {
        assert!(sent.contains(&format!("\"{f}\"")), "{f} was asked for: {sent:?}");
    }
    for id in ["j", "w", "p"] {
        let path = h.t.path(&format!("build/figures/fig-{id}.png"));
        let reader = png::Decoder::new(std::io::Cursor::new(std::fs::read(&path).unwrap())).read_info().unwrap();
        assert_eq!((reader.info().width, reader.info().height), (128, 96), "fig:{id}");
        let pdf = h.t.path(&format!("build/figures/fig-{id}.pdf"));
        assert!(std::fs::read(pdf).unwrap().starts_with(b"%PDF-"), "fig:{id}");
    }
    // The format is in the key: another one is asked for anew.
    h.paper(&image("j", "jpeg"));
    h.build().ok();
    assert_eq!(h.afe.state.submissions.load(Ordering::SeqCst), 4);
    h.paper(&image("g", "gif"));
    h.run(&["gen"]).code(1).stderr_has("paper.md:3:").stderr_has("output_format `gif` is not offered");
    assert_eq!(h.afe.state.submissions.load(Ordering::SeqCst), 4);
}
