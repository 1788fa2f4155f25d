//! Local drafts for AutoFigureEdit image-to-image (`input=FILE`): uploaded to a real Garage
//! S3 remote cache and handed to the fake service as presigned URLs, which the fake (in its
//! test mode, allowed plain `http://127.0.0.1`) fetches; the key follows the drafts'
//! contents; the signed URLs never reach the user's screen, the journal or the lockfile; a
//! remote that cannot sign is refused at plan time; the fake by default refuses what the
//! real service documents it refuses.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use paperfig_fakes::autofigureedit as afe;
use serde_json::{Value, json};

use crate::hosted::{AFE_KEY, Hosted, afe_config, afe_image, errors, fig, pb_config};
use crate::servers::{Garage, garage_or_skip};
use crate::util::{Run, files_under};

/// A small valid PNG, `w` pixels wide, its pixels from `seed`.
pub(crate) fn png(w: u32, seed: u8) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, 4);
    enc.set_color(png::ColorType::Grayscale);
    let mut writer = enc.write_header().unwrap();
    let data: Vec<u8> = (0..w * 4).map(|i| (i as u8).wrapping_mul(seed)).collect();
    writer.write_image_data(&data).unwrap();
    drop(writer);
    out
}

fn draft_fig(input: &str) -> String {
    fig("edit", &format!("kind=image provider=afe input={input}"), "Make this sketch look professional")
}

/// Fakes in test mode (loopback inputs fetched) and the remote cache in `garage`.
pub(crate) fn hosted_with(garage: &Garage) -> Hosted {
    let h = Hosted::with(pb_config(), afe::Config { loopback_inputs: true, ..afe_config() }, "");
    let toml = std::fs::read_to_string(h.t.path("paperfig.toml")).unwrap();
    h.t.write("paperfig.toml", &format!("{toml}\n{}", garage.cache_config("team")));
    h
}

pub(crate) fn run_with(h: &Hosted, garage_env: &[(String, String)], args: &[&str]) -> Run {
    let mut c = h.command(args);
    for v in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT"] {
        c.env_remove(v);
    }
    c.envs(garage_env.iter().map(|(k, v)| (k, v)));
    Run::from(c.output().unwrap())
}

pub(crate) fn sent_images(h: &Hosted, i: usize) -> Vec<String> {
    let bodies = h.afe.state.bodies.lock().unwrap();
    bodies[i]["options"]["image_input"].as_array().unwrap().iter().map(|u| u.as_str().unwrap().to_string()).collect()
}

/// Everything paperfig wrote for the user and kept: output, lockfile, journal, manifest.
pub(crate) fn everything_shown_and_kept(h: &Hosted, runs: &[&Run]) -> String {
    let mut all: String = runs.iter().map(|r| format!("{}\n{}\n", r.stdout, r.stderr)).collect();
    for dir in [".paperfig/hosted", "build"] {
        if h.t.path(dir).exists() {
            for f in files_under(&h.t.path(dir)) {
                all.push_str(&String::from_utf8_lossy(&std::fs::read(&f).unwrap()));
            }
        }
    }
    all.push_str(&std::fs::read_to_string(h.t.path("paperfig.lock")).unwrap_or_default());
    all
}

#[test]
fn a_local_draft_reaches_autofigureedit_through_a_garage_presigned_url() {
    let Some(garage) = garage_or_skip("a_local_draft_reaches_autofigureedit_through_a_garage_presigned_url") else {
        return;
    };
    let h = hosted_with(&garage);
    let env = garage.env();
    let (v1, v2) = (png(40, 3), png(48, 7));
    std::fs::create_dir_all(h.t.path("drafts")).unwrap();
    std::fs::write(h.t.path("drafts/sketch.png"), &v1).unwrap();
    h.paper(&draft_fig("drafts/sketch.png"));

    let first = run_with(&h, &env, &["gen", "--json"]).ok();
    assert_eq!(first.with_status("generated"), ["fig:edit"]);
    assert_eq!(h.afe.submissions(), 1);
    // The fake fetched the draft's bytes through the presigned URL it was given.
    assert_eq!(*h.afe.state.fetched.lock().unwrap(), std::slice::from_ref(&v1));
    let urls = sent_images(&h, 0);
    assert_eq!(urls.len(), 1);
    let url = &urls[0];
    assert!(
        url.starts_with(&format!("http://127.0.0.1:{}/paperfig/team/paperfig-v1/objects/", garage.s3_port)),
        "{url}"
    );
    let signature = url.split("X-Amz-Signature=").nth(1).expect("a SigV4 presigned URL").to_string();
    assert_eq!(h.afe.state.bodies.lock().unwrap()[0]["scene"], json!("image-to-image"));
    // The real service would refuse a plain-http loopback URL: one warning says so.
    assert_eq!(first.stderr.matches("is not https").count(), 1, "{}", first.stderr);

    // Unchanged: cached. The same contents at another path: the same figure, nothing paid.
    let again = run_with(&h, &env, &["gen", "--json"]).ok();
    assert_eq!(again.with_status("cached"), ["fig:edit"]);
    std::fs::create_dir_all(h.t.path("old")).unwrap();
    std::fs::rename(h.t.path("drafts/sketch.png"), h.t.path("old/v1.png")).unwrap();
    h.paper(&draft_fig("old/v1.png"));
    let moved = run_with(&h, &env, &["gen", "--json"]).ok();
    assert_eq!(moved.with_status("cached"), ["fig:edit"]);
    assert_eq!(h.afe.submissions(), 1);

    // A changed draft is a new figure, and the service gets the new bytes.
    std::fs::write(h.t.path("old/v1.png"), &v2).unwrap();
    let changed = run_with(&h, &env, &["gen", "--json"]).ok();
    assert_eq!(changed.with_status("generated"), ["fig:edit"]);
    assert_eq!(h.afe.submissions(), 2);
    assert_eq!(h.afe.state.fetched.lock().unwrap()[1], v2);
    assert_ne!(sent_images(&h, 1)[0], *url);

    // The signed URLs are credentials: never shown, journaled or locked.
    let kept = everything_shown_and_kept(&h, &[&first, &again, &moved, &changed]);
    assert!(!kept.contains(&signature), "a signature leaked");
    assert!(!kept.contains("X-Amz-Signature"), "a signed URL leaked");
}

/// The fake as the document describes the real service (no test mode) refuses the
/// plain-http loopback URL with 400, repeating it: the user reads why, without the signature.
#[test]
fn the_documented_refusal_of_a_loopback_draft_reaches_the_user_without_the_signature() {
    let Some(garage) =
        garage_or_skip("the_documented_refusal_of_a_loopback_draft_reaches_the_user_without_the_signature")
    else {
        return;
    };
    let h = Hosted::new();
    let toml = std::fs::read_to_string(h.t.path("paperfig.toml")).unwrap();
    h.t.write("paperfig.toml", &format!("{toml}\n{}", garage.cache_config("team")));
    std::fs::write(h.t.path("sketch.png"), png(32, 9)).unwrap();
    h.paper(&draft_fig("sketch.png"));
    let run = run_with(&h, &garage.env(), &["gen", "--json"]).code(1);
    let msgs = errors(&run);
    let refused =
        format!("afe answered 400 Bad request: image URL must use https: http://127.0.0.1:{}/", garage.s3_port);
    let msg = msgs.iter().find(|m| m.contains(&refused)).unwrap_or_else(|| panic!("{msgs:?}"));
    assert!(msg.contains("?[signed]"), "{msg}");
    let kept = everything_shown_and_kept(&h, &[&run]);
    assert!(!kept.contains("X-Amz-Signature") && !kept.contains("X-Amz-Credential"), "a signed URL leaked");
    assert_eq!(h.afe.submissions(), 0);
    assert!(h.afe.state.fetched.lock().unwrap().is_empty());
}

#[test]
fn a_draft_that_cannot_be_uploaded_fails_its_figure_only_before_anything_is_paid() {
    let Some(garage) = garage_or_skip("a_draft_that_cannot_be_uploaded_fails_its_figure_only_before_anything_is_paid")
    else {
        return;
    };
    let h = hosted_with(&garage);
    std::fs::write(h.t.path("sketch.png"), png(32, 5)).unwrap();
    h.paper(&format!("{}{}", draft_fig("sketch.png"), afe_image("plain")));
    let wrong = vec![
        ("AWS_ACCESS_KEY_ID".to_string(), garage.key_id.clone()),
        ("AWS_SECRET_ACCESS_KEY".to_string(), "0".repeat(64)),
    ];
    let run = run_with(&h, &wrong, &["gen", "--json"]).code(1);
    let msgs = errors(&run);
    assert!(msgs.iter().any(|m| m.contains("afe: cannot put draft 1 of input= in the remote cache")), "{msgs:?}");
    assert_eq!(run.with_status("generated"), ["fig:plain"]);
    assert_eq!(h.afe.submissions(), 1, "only the figure without a draft was submitted");
    assert!(h.afe.state.fetched.lock().unwrap().is_empty());
}

#[test]
fn without_a_remote_that_can_sign_input_is_refused_where_it_is_written() {
    let h = Hosted::new();
    std::fs::write(h.t.path("sketch.png"), png(32, 5)).unwrap();
    h.paper(&draft_fig("sketch.png"));
    // No remote cache at all.
    let run = h.run(&["gen"]).code(1);
    let run = run.stderr_has("paper.md:3:").stderr_has("input= drafts need a remote cache that can sign URLs");
    run.stderr_has("remote = \"s3://bucket/prefix\"");
    // A remote that cannot sign: a folder (WebDAV is the same).
    let folder = tempfile::tempdir().unwrap();
    let toml = std::fs::read_to_string(h.t.path("paperfig.toml")).unwrap();
    let url = url::Url::from_directory_path(folder.path()).unwrap();
    h.t.write("paperfig.toml", &format!("{toml}\n[cache]\nremote = \"{url}\"\n"));
    let run = h.run(&["gen"]).code(1);
    run.stderr_has("paper.md:3:").stderr_has("cannot (WebDAV and folders have no presigned URLs)");
    // A figure id must name a figure of the build (hosted_figure_inputs.rs has the rest);
    // other services have no input= at all.
    h.paper(&draft_fig("#fig:sketch"));
    h.run(&["gen"]).code(1).stderr_has("input= names figure `fig:sketch`, and no figure of this build has that id");
    h.paper(&fig("pb", "kind=diagram provider=pb input=sketch.png", "Encoder"));
    h.run(&["gen"]).code(1).stderr_has("input");
    assert_eq!(h.afe.submissions() + h.pb.submissions(), 0);
}

/// `POST /generate` to the fake, as a client would send it.
fn submit(fake: &afe::Fake, images: &[&str]) -> (u16, Value) {
    let body = json!({"type": "standard", "scene": "image-to-image", "prompt": "Restyle", "model": "nano-banana-2",
        "options": {"image_input": images}});
    let r = reqwest::blocking::Client::new()
        .post(format!("{}/generate", fake.base_url()))
        .bearer_auth(AFE_KEY)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .unwrap();
    (r.status().as_u16(), serde_json::from_slice(&r.bytes().unwrap()).unwrap())
}

fn task_end(fake: &afe::Fake, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = reqwest::blocking::Client::new()
            .get(format!("{}/task/{id}", fake.base_url()))
            .bearer_auth(AFE_KEY)
            .send()
            .unwrap();
        let v: Value = serde_json::from_slice(&r.bytes().unwrap()).unwrap();
        if !matches!(v["data"]["status"].as_str(), Some("pending" | "processing")) {
            return v["data"].clone();
        }
        assert!(Instant::now() < deadline, "task {id} never ended");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_fake_refuses_http_and_private_inputs_unless_in_test_mode_and_fails_tasks_it_cannot_fetch() {
    let strict = afe::Fake::start(afe_config(), 0).unwrap();
    for (url, why) in [
        ("http://127.0.0.1:9/x.png", "image URL must use https"),
        ("http://example.com/x.png", "image URL must use https"),
        ("https://10.0.0.1/x.png", "private address"),
        ("https://example.com:8443/x.png", "non-standard port"),
    ] {
        let (status, v) = submit(&strict, &[url]);
        assert_eq!(status, 400, "{url}");
        assert!(v["error"]["message"].as_str().unwrap().contains(why), "{url}: {v}");
    }
    assert_eq!(strict.submissions(), 0);

    let lenient =
        afe::Fake::start(afe::Config { loopback_inputs: true, latency: Duration::from_millis(50), ..afe_config() }, 0)
            .unwrap();
    // Still only loopback: other plain-http hosts are refused as documented.
    assert_eq!(submit(&lenient, &["http://example.com/x.png"]).0, 400);
    let credits = lenient.state.credits();
    // Nothing listens there: the task fails, nothing is charged, the URL is not repeated.
    let closed = format!("http://127.0.0.1:{}/x.png?X-Amz-Signature=abc", crate::servers::free_port());
    // An answer that is not an image (the fake's own API, without a key: 401).
    let not_image = format!("{}/credits", lenient.base_url());
    for (url, why) in [(&closed, "cannot connect"), (&not_image, "HTTP 401")] {
        let (status, v) = submit(&lenient, &[url]);
        assert_eq!(status, 200, "{v}");
        let end = task_end(&lenient, v["data"]["task_id"].as_str().unwrap());
        assert_eq!(end["status"], "failed", "{end}");
        let error = end["error"].as_str().unwrap();
        assert!(error.contains("image_input[0] could not be fetched") && error.contains(why), "{error}");
        assert!(!error.contains("X-Amz") && !error.contains("/credits"), "{error}");
        assert_eq!(end["cost_credits"], 0);
    }
    assert_eq!(lenient.state.credits(), credits);
    assert!(lenient.state.fetched.lock().unwrap().is_empty());
    assert_eq!(lenient.state.submissions.load(Ordering::SeqCst), 2);
}
