//! `paperfig status --check` against the fakes: each configured service asked with requests
//! that cost nothing, and a non-zero exit naming the service when a build would fail.

use paperfig_fakes::autofigureedit as afe;

use crate::hosted::{AFE_KEY, Hosted, afe_config, afe_image, pb_config, pb_diagram};
use crate::util::Run;

#[test]
fn status_check_asks_every_service_and_says_which_would_fail() {
    // Two AutoFigureEdit figures (at least 6 credits each, the documented table) against 5 left.
    let h = Hosted::with(pb_config(), afe::Config { credits: 5, ..afe_config() }, "");
    h.paper(&format!("{}{}{}", pb_diagram("d"), afe_image("a"), afe_image("b")));
    let run = h.run(&["status", "--check"]);
    let run = run.code(1);
    assert!(run.stdout.contains("check pb: online (version"), "{}", run.stdout);
    assert!(run.stdout.contains("key accepted"), "{}", run.stdout);
    assert!(run.stdout.contains("check afe: would fail"), "{}", run.stdout);
    assert!(run.stderr.contains("5 credits left"), "{}", run.stderr);
    // Asked, never submitted: no figure was made or paid for.
    assert_eq!((h.pb.submissions(), h.afe.submissions()), (0, 0));
    assert_eq!(h.afe.state.credits(), 5);

    // Enough credits: the same check passes, saying what is left and needed.
    let h = Hosted::new();
    h.paper(&format!("{}{}", pb_diagram("d"), afe_image("a")));
    let run = h.run(&["status", "--check", "--json"]);
    let run = run.code(0);
    let services = run.json()["services"].as_array().unwrap().clone();
    assert_eq!(services.len(), 2);
    let afe_found = services.iter().find(|s| s["provider"] == "afe").unwrap();
    assert_eq!(afe_found["ok"], true);
    assert!(afe_found["found"].to_string().contains("450 credits left"), "{afe_found}");

    // A key the service refuses, and a key's variable that is not set: both name the
    // provider, and the key itself is never printed.
    let mut h = Hosted::new();
    h.paper(&pb_diagram("d"));
    h.pb_key = "pb_live_not_a_key_4e1d".into();
    let run = h.run(&["status", "--check"]);
    let run = run.code(1);
    assert!(run.stderr.contains("pb") && run.stderr.contains("401"), "{}", run.stderr);
    assert!(!run.stderr.contains("pb_live_not_a_key_4e1d") && !run.stdout.contains("pb_live_not_a_key_4e1d"));
    let run = Run::from(h.command(&["status", "--check"]).env_remove("AFE_TOKEN").output().unwrap());
    let run = run.code(1);
    assert!(run.stderr.contains("AFE_TOKEN"), "{}", run.stderr);
    assert!(!run.stderr.contains(AFE_KEY));

    // --check needs the network.
    let run = h.run(&["status", "--check", "--offline"]);
    run.code(2);
}

#[test]
fn status_check_covers_banana_and_papermill() {
    use crate::hosted_banana_papermill::{BANANA_KEY, PAPERMILL_KEY, extract, image, run_with, setup};
    let s = setup(&format!("{}{}", image("b", "model=stable-diffusion-xl", "a cat"), extract("p", 1)));
    let run = run_with(&s.t, &["status", "--check"], true).ok();
    assert!(run.stdout.contains("check banana: key accepted;"), "{}", run.stdout);
    assert!(run.stdout.contains("models in the account"), "{}", run.stdout);
    assert!(run.stdout.contains("check papermill: online; key accepted"), "{}", run.stdout);
    // Without keys both would fail; neither key value is ever printed.
    let run = run_with(&s.t, &["status", "--check"], false).code(1);
    assert!(run.stdout.contains("check banana: would fail") && run.stdout.contains("check papermill: would fail"));
    for key in [BANANA_KEY, PAPERMILL_KEY] {
        assert!(!run.stdout.contains(key) && !run.stderr.contains(key));
    }
}
