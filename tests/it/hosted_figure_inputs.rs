//! Another figure's output as an AutoFigureEdit draft (`input=#fig:sketch`): the build makes
//! the named figure first, then sends the bytes of its PNG output as stored, through a real
//! Garage S3 server's presigned URL, to the fake service (test mode: it fetches loopback
//! URLs). The dependent figure's key follows those bytes: an unchanged build pays nothing, a
//! changed upstream makes both again and pays once. `--locked`, `status` and `--max-cost`
//! never pay for what they cannot see; unknown ids, cycles, figures without PNG and failed
//! upstreams are errors at the attribute that spare every other figure.

use crate::hosted::{Hosted, afe_image, errors, fig};
use crate::hosted_drafts::{everything_shown_and_kept, hosted_with, run_with, sent_images};
use crate::servers::garage_or_skip;
use crate::util::Run;

const DATA: &str = "model,accuracy\nResNet-50,76.1\nViT-B/16,81.8\n";

fn sketch() -> String {
    fig("sketch", "kind=plot data=data/acc.csv", "Bar chart comparing model accuracy")
}

fn edit(input: &str) -> String {
    fig("edit", &format!("kind=image provider=afe input={input}"), "Restyle this chart for the paper")
}

/// A figure of a `gen --json` report, by id.
fn figure<'a>(run: &'a Run, json: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    json["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in the report:\n{}\n{}", run.stdout, run.stderr))
}

#[test]
fn a_figure_id_as_input_sends_the_bytes_of_that_figures_stored_png_and_follows_them() {
    let test = "a_figure_id_as_input_sends_the_bytes_of_that_figures_stored_png_and_follows_them";
    let Some(garage) = garage_or_skip(test) else { return };
    let h = hosted_with(&garage);
    let env = garage.env();
    h.t.write("data/acc.csv", DATA);
    h.paper(&format!("{}{}", edit("#fig:sketch"), sketch()));

    // Before anything is built: the dependent waits, with its cost; --max-cost counts it and
    // refuses the whole build, the free plot included.
    let status = run_with(&h, &env, &["status", "--json"]).ok();
    let json = status.json();
    let by_id = |id: &str| json["figures"].as_array().unwrap().iter().find(|f| f["id"] == id).unwrap().clone();
    assert_eq!(by_id("fig:sketch")["state"], "missing");
    let waiting = by_id("fig:edit");
    assert_eq!(
        (&waiting["state"], &waiting["key"], &waiting["cost"]),
        (&"waiting".into(), &().into(), &"10 credits".into())
    );
    assert_eq!(json["cost"]["credits"], 10.0);
    let refused = run_with(&h, &env, &["gen", "--max-cost", "5"]).code(2);
    refused.stderr_has("this build would cost 10 credits, more than --max-cost 5");
    assert!(!h.t.path("build/figures/fig-sketch.png").exists(), "nothing was made");
    assert_eq!(h.afe.submissions(), 0);

    // One build makes both, the plot first; the service fetched exactly its PNG output.
    let first = run_with(&h, &env, &["gen", "--json"]).ok();
    assert_eq!(first.with_status("generated"), ["fig:edit", "fig:sketch"]);
    let json = first.json();
    let ids: Vec<&str> = json["figures"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["fig:edit", "fig:sketch"], "the report is in source order");
    let png_path = figure(&first, &json, "fig:sketch")["outputs"]["png"].as_str().unwrap().to_string();
    assert_eq!(png_path, "build/figures/fig-sketch.png");
    let v1 = std::fs::read(h.t.path(&png_path)).unwrap();
    assert_eq!(h.afe.submissions(), 1);
    assert_eq!(*h.afe.state.fetched.lock().unwrap(), std::slice::from_ref(&v1));
    assert_eq!(h.afe.state.bodies.lock().unwrap()[0]["scene"], "image-to-image");
    // Published as an ordinary object of the remote cache.
    let url = sent_images(&h, 0).remove(0);
    assert!(url.contains("/paperfig-v1/objects/"), "{url}");
    let edit_key = figure(&first, &json, "fig:edit")["key"].as_str().unwrap().to_string();

    // Unchanged: both cached, nothing asked of the service.
    let requests = h.afe.state.knobs.requests.load(std::sync::atomic::Ordering::SeqCst);
    let again = run_with(&h, &env, &["gen", "--json"]).ok();
    assert_eq!(again.with_status("cached"), ["fig:edit", "fig:sketch"]);
    assert_eq!(figure(&again, &again.json(), "fig:edit")["key"], edit_key.as_str());
    assert_eq!(h.afe.state.knobs.requests.load(std::sync::atomic::Ordering::SeqCst), requests);
    // --locked: the dependent's key still comes from the plot's stored output.
    run_with(&h, &env, &["gen", "--locked", "--json"]).ok();
    let status = run_with(&h, &env, &["status", "--json"]).ok().json();
    let edit_row = status["figures"].as_array().unwrap().iter().find(|f| f["id"] == "fig:edit").unwrap().clone();
    assert_eq!(
        (&edit_row["state"], &edit_row["key"], &edit_row["lock"]),
        (&"cached".into(), &edit_key.clone().into(), &"locked".into())
    );

    // New data: --locked makes nothing and pays nothing; the dependent fails naming the plot.
    h.t.write("data/acc.csv", &DATA.replace("81.8", "84.2"));
    let locked = run_with(&h, &env, &["gen", "--locked", "--json"]).code(1);
    let msgs = errors(&locked);
    assert!(
        msgs.iter()
            .any(|m| m == "figure `fig:edit` is not made: figure `fig:sketch`, whose output its input= names, failed"),
        "{msgs:?}"
    );
    assert_eq!(h.afe.submissions(), 1);
    let status = run_with(&h, &env, &["status", "--json"]).ok().json();
    let edit_row = status["figures"].as_array().unwrap().iter().find(|f| f["id"] == "fig:edit").unwrap().clone();
    assert_eq!((&edit_row["state"], &edit_row["lock"]), (&"waiting".into(), &"unknown".into()));

    // Built: both again, one new paid submission with the new PNG's bytes.
    let changed = run_with(&h, &env, &["gen", "--json"]).ok();
    assert_eq!(changed.with_status("generated"), ["fig:edit", "fig:sketch"]);
    let v2 = std::fs::read(h.t.path(&png_path)).unwrap();
    assert_ne!(v2, v1);
    assert_eq!(h.afe.submissions(), 2);
    assert_eq!(h.afe.state.fetched.lock().unwrap()[1], v2);
    assert_ne!(figure(&changed, &changed.json(), "fig:edit")["key"], edit_key.as_str());

    let kept = everything_shown_and_kept(&h, &[&first, &again, &locked, &changed]);
    assert!(!kept.contains("X-Amz-Signature"), "a signed URL leaked");
}

#[test]
fn bad_figure_inputs_are_errors_at_the_attribute_and_spare_every_other_figure() {
    let h = Hosted::new();
    h.t.write("data/acc.csv", DATA);
    // A plot whose data has no rows plans, and fails when it is drawn.
    h.t.write("data/empty.csv", "model,accuracy\n");
    let afe = |id: &str, input: &str| fig(id, &format!("kind=image provider=afe input={input}"), "Restyle");
    h.paper(
        &[
            afe("a", "#fig:b"),
            afe("b", "@fig:a"),
            afe("self", "#fig:self"),
            sketch(),
            afe("typo", "#fig:skecth"),
            fig("broken", "kind=plot data=data/empty.csv", "Bar chart"),
            afe("after", "#fig:broken"),
            fig("vector", "kind=plot data=data/acc.csv formats=svg,pdf", "Bar chart"),
            afe("raster", "#fig:vector"),
            afe_image("plain"),
        ]
        .concat(),
    );
    let run = h.build().code(1);
    let msgs = errors(&run);
    let has = |what: &str| assert!(msgs.iter().any(|m| m.contains(what)), "no {what:?} in {msgs:?}");
    has("figure `fig:a` takes its own output as input through a cycle: fig:a → fig:b → fig:a");
    has("figure `fig:b` takes its own output as input through a cycle: fig:b → fig:a → fig:b");
    has("figure `fig:self` names itself in input=");
    has("input= names figure `fig:skecth`, and no figure of this build has that id");
    has("figure `fig:after` is not made: figure `fig:broken`, whose output its input= names, failed");
    has("figure `fig:vector`, whose output input= names, makes no PNG (formats: svg, pdf)");
    assert_eq!(msgs.len(), 7, "{msgs:?}");
    // Unrelated figures are made, the one with no input paid for; nothing else was sent.
    assert_eq!(run.with_status("generated"), ["fig:plain", "fig:sketch", "fig:vector"]);
    assert_eq!(h.afe.submissions(), 1);

    // Shown as any directive error: file:line:col, the line, the hint.
    let text = h.run(&["gen"]).code(1).stderr;
    assert!(text.contains("paper.md:3:51"), "{text}");
    assert!(text.contains("```{paperfig #fig:a kind=image provider=afe input=#fig:b}"), "{text}");
    assert!(text.contains("remove one figure id of the cycle from input="), "{text}");
    assert!(text.contains("did you mean `#fig:sketch`?"), "{text}");
    assert_eq!(h.afe.submissions(), 1, "the second build had everything cached or refused");
}
