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
    crate::hosted_banana_papermill::png_size(path).0
}

/// A task with several images: the first is the figure unless `figure=N` picks another;
/// every image is kept in the cache and listed in the manifest; another `figure=` of the
/// same request is made from them without asking the service again; a number beyond them
/// fails naming how many there were.
#[test]
fn autofigureedit_every_image_is_kept_and_figure_n_picks_one() {
    let h = Hosted::new();
    h.afe.state.images_per_task.store(3, Ordering::SeqCst);
    let image = |id: &str, attrs: &str| fig(id, &format!("kind=image provider=afe {attrs}"), "A red apple");
    let submissions = || h.afe.state.submissions.load(Ordering::SeqCst);
    h.paper(&image("first", ""));
    h.build().ok();
    // The fake draws image k of a task 128 + 16k pixels wide.
    assert_eq!(png_width(&h.t.path("build/figures/fig-first.png")), 128);
    let m: Value = serde_json::from_slice(&std::fs::read(h.t.path("build/figures/manifest.json")).unwrap()).unwrap();
    let kept: Vec<u32> = m["figures"]["fig:first"]["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            let hex = o["digest"].as_str().unwrap().trim_start_matches("sha256:").to_string();
            png_width(&h.t.path(&format!(".paperfig/objects/{}/{}", &hex[..2], &hex[2..])))
        })
        .collect();
    assert_eq!(kept, [128, 144, 160], "every image, in the service's order");
    assert_eq!(submissions(), 1);

    // figure= is in the key, but the same request's images serve it: nothing is sent,
    // and nothing is owed: status says so, and a build allowed to spend nothing goes ahead.
    h.paper(&format!("{}{}", image("first", ""), image("third", "figure=3")));
    let status = h.run(&["status"]).ok();
    let row = status.stdout.lines().find(|l| l.starts_with("fig:third")).unwrap_or_default().to_string();
    assert!(row.ends_with("kept images"), "{}", status.stdout);
    assert!(
        status.stdout.contains(
            "hosted: 0 figures to submit, estimated cost nothing (1 made from images kept from an earlier task)"
        ),
        "{}",
        status.stdout
    );
    h.run(&["gen", "--max-cost", "0"]).ok();
    assert_eq!(png_width(&h.t.path("build/figures/fig-third.png")), 128 + 16 * 2);
    assert_eq!(submissions(), 1, "made from the first task's images");
    let m: Value = serde_json::from_slice(&std::fs::read(h.t.path("build/figures/manifest.json")).unwrap()).unwrap();
    assert_ne!(m["figures"]["fig:third"]["key"], m["figures"]["fig:first"]["key"]);
    assert_eq!(m["figures"]["fig:third"]["notes"]["cost_estimate"], json!("0 credits"));
    // Another request (another body) is asked for.
    h.paper(&fig("other", "kind=image provider=afe figure=2", "A green apple"));
    h.build().ok();
    assert_eq!((submissions(), png_width(&h.t.path("build/figures/fig-other.png"))), (2, 144));

    // figure= is checked before anything is sent, and bounded by the images.
    h.paper(&image("zero", "figure=0"));
    h.run(&["gen"]).code(1).stderr_has("paper.md:3:").stderr_has("not a whole number from 1");
    h.paper(&image("four", "figure=4"));
    h.run(&["gen"]).code(1).stderr_has("paper.md:3:").stderr_has("figure=4, but afe returned 3 images");
    assert_eq!(submissions(), 2);
}

/// A Banana model returning a list of images: `figure=N` picks one, all are kept, and
/// another number of the same run's inputs is made from them without running again.
#[test]
fn banana_figure_n_picks_one_of_a_batch() {
    use crate::hosted_banana_papermill::{build, image, setup};
    use paperfig_fakes::banana::{Model, Output};
    let a = image("a", "model=batch input.width=16 input.height=16", "x");
    let s = setup(&a);
    s.banana.add_model(Model::new("batch", Output::Batch { field: "images".into(), n: 2 }));
    build(&s.t).ok();
    // The fake draws image k of a batch 16 + 8k pixels wide.
    assert_eq!(png_width(&s.t.path("build/figures/fig-a.png")), 16);
    let m: Value = serde_json::from_slice(&std::fs::read(s.t.path("build/figures/manifest.json")).unwrap()).unwrap();
    assert_eq!(m["figures"]["fig:a"]["images"].as_array().map(Vec::len), Some(2));
    s.t.write(
        "paper.md",
        &format!("# Paper\n\n{a}{}", image("b", "model=batch input.width=16 input.height=16 figure=2", "x")),
    );
    build(&s.t).ok();
    assert_eq!(png_width(&s.t.path("build/figures/fig-b.png")), 24);
    assert_eq!(s.banana.submissions(), 1, "fig:b is made from fig:a's run");
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
