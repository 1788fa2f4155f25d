//! What hosted figures send, end to end against the fakes: PaperBanana plot data inline in
//! the body (after a line `---`), in the key like the rest of the body, and located errors.

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
