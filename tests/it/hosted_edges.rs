//! Hosted providers at their hard edges, against the in-repo fakes: a key the service
//! echoes is never printed or written, a cache that cannot record a task stops the build
//! before anything is paid, the figure's `timeout` ends every wait, and an image too large
//! to decode fails its figure alone. (Concurrent builds and kills: `faults::money`.)

use std::process::Stdio;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use paperfig_fakes::autofigureedit as afe;

use crate::hosted::{AFE_KEY, Hosted, PB_KEY, afe_config, afe_image, errors, fig, one_error, pb_config, pb_diagram};
use crate::util::{Run, files_under};

/// Replaces a cache folder by a file: nothing can be created in it, whoever runs the test
/// (root writes into read-only folders).
fn block(h: &Hosted, rel: &str) {
    let path = h.t.path(rel);
    if path.is_dir() {
        std::fs::remove_dir_all(&path).unwrap();
    }
    h.t.write(rel, "not a folder\n");
}

#[test]
fn an_unwritable_cache_stops_the_build_before_anything_is_sent() {
    let h = Hosted::new();
    h.paper(&format!("{}{}", pb_diagram("w1"), afe_image("w2")));
    let sent = |h: &Hosted| {
        h.pb.state.knobs.requests.load(Ordering::SeqCst) + h.afe.state.knobs.requests.load(Ordering::SeqCst)
    };
    // A provider's journal folder.
    block(&h, ".paperfig/hosted/pb");
    let run = h.run(&["gen"]).code(2);
    assert!(
        run.stderr.contains("the journal of provider `pb` cannot be written (")
            && run.stderr.contains(&format!("{}: ", h.t.path(".paperfig/hosted/pb").display()))
            && run.stderr.contains("nothing was submitted or paid for; make"),
        "{}",
        run.stderr
    );
    assert_eq!(sent(&h), 0, "no submission, not even a credit check");
    std::fs::remove_file(h.t.path(".paperfig/hosted/pb")).unwrap();
    // The cache's objects.
    block(&h, ".paperfig/objects");
    let run = h.run(&["gen"]).code(2);
    assert!(run.stderr.contains("the cache cannot be written, so hosted figures were not submitted"), "{}", run.stderr);
    assert!(run.stderr.contains(".paperfig/objects"), "{}", run.stderr);
    assert_eq!(sent(&h), 0);
    std::fs::remove_file(h.t.path(".paperfig/objects")).unwrap();
    // Writable again: built; then a cached build needs no writable cache.
    h.run(&["gen"]).ok();
    assert_eq!((h.pb.submissions(), h.afe.submissions()), (1, 1));
    block(&h, ".paperfig/hosted");
    block(&h, ".paperfig/tmp");
    h.run(&["gen"]).ok();
    assert_eq!((h.pb.submissions(), h.afe.submissions()), (1, 1));
}

/// Neither key in what the runs printed or in any file of the project (cache and journal
/// included).
fn assert_no_key(h: &Hosted, runs: &[&Run]) {
    for key in [PB_KEY, AFE_KEY] {
        for run in runs {
            assert!(
                !run.stdout.contains(key) && !run.stderr.contains(key),
                "{key} printed:\n{}\n{}",
                run.stdout,
                run.stderr
            );
        }
        for file in files_under(&h.t.root) {
            let bytes = std::fs::read(&file).unwrap();
            assert!(!bytes.windows(key.len()).any(|w| w == key.as_bytes()), "{key} written to {}", file.display());
        }
    }
}

#[test]
fn a_key_the_service_echoes_in_a_stage_is_not_printed() {
    let h = Hosted::new();
    h.afe.state.knobs.echo_key.store(true, Ordering::SeqCst);
    h.paper(&fig(
        "s",
        "kind=diagram provider=afe caption=\"Transformer architecture\"",
        "This paper presents a novel transformer.",
    ));
    let run = h.run(&["gen"]).ok();
    assert!(run.stderr.contains(" for [$AFE_TOKEN]"), "{}", run.stderr);
    assert_no_key(&h, &[&run]);
}

#[test]
fn a_key_the_service_echoes_in_a_task_id_is_not_journaled_and_the_task_still_resumes() {
    let mut pbc = pb_config();
    pbc.latency = Duration::from_secs(5);
    let h = Hosted::with(pbc, afe_config(), "");
    h.pb.state.knobs.echo_key.store(true, Ordering::SeqCst);
    h.paper(&pb_diagram("j"));
    let mut child = h.command(&["gen"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let start = Instant::now();
    let entry = loop {
        let found = files_under(&h.t.path(".paperfig/hosted/pb"))
            .into_iter()
            .find(|f| f.extension().is_some_and(|e| e == "json"));
        if let Some(text) = found.and_then(|f| std::fs::read_to_string(f).ok()) {
            break text;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "nothing journaled");
        std::thread::sleep(Duration::from_millis(20));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!entry.contains(PB_KEY) && entry.contains("\"task_id\": \"[$PB_TOKEN]-"), "{entry}");
    // The next build resumes the task under its real id.
    let rerun = h.run(&["gen"]).ok();
    assert!(rerun.stderr.contains("resuming task [$PB_TOKEN]-"), "{}", rerun.stderr);
    assert!(rerun.stderr.contains("1 generated"), "{}", rerun.stderr);
    assert_eq!(h.pb.submissions(), 1, "resumed, not submitted again");
    assert_no_key(&h, &[&rerun]);
}

#[test]
fn a_key_the_service_echoes_in_errors_is_not_printed() {
    let h = Hosted::new();
    h.pb.state.knobs.echo_key.store(true, Ordering::SeqCst);
    h.paper(&pb_diagram("e"));
    h.pb.state.fail_next_tasks.store(1, Ordering::SeqCst);
    let failed = h.build().code(1);
    let msg = one_error(&failed);
    assert!(
        msg.contains("pb: task [$PB_TOKEN]-") && msg.contains("failed: Pipeline failed for [$PB_TOKEN]: no candidate"),
        "{msg}"
    );
    h.pb.state.set_active(PB_KEY, false);
    let stopped = h.build().code(1);
    let msg = one_error(&stopped);
    assert!(msg.contains("403 Forbidden: API key is disabled: [$PB_TOKEN]"), "{msg}");
    assert_no_key(&h, &[&failed, &stopped]);
}

/// The `hints` of a build's only error, joined.
fn one_hint(run: &Run) -> String {
    let errors = run.json()["errors"].as_array().unwrap().clone();
    assert_eq!(errors.len(), 1, "{errors:?}");
    errors[0]["hints"].as_array().unwrap().iter().filter_map(|h| h.as_str()).collect::<Vec<_>>().join("; ")
}

/// A journal entry of `provider` is on disk.
fn journaled(h: &Hosted, provider: &str) -> bool {
    files_under(&h.t.path(&format!(".paperfig/hosted/{provider}")))
        .iter()
        .any(|f| f.extension().is_some_and(|e| e == "json"))
}

/// Well beyond every `timeout` these tests set, far below the HTTP client's own 120 s.
const PROMPTLY: Duration = Duration::from_secs(15);

#[test]
fn a_retry_after_beyond_the_timeout_fails_at_once_and_the_task_resumes_later() {
    // Two requests per key per hour: the credit check and the submission; the first poll
    // is answered 429 with `Retry-After` of about an hour.
    let afec = afe::Config { key_rpm: 2, window: Duration::from_secs(3600), ..afe_config() };
    let h = Hosted::with(pb_config(), afec, "");
    h.config("", "timeout = 2");
    h.paper(&afe_image("ra"));
    let t = Instant::now();
    let run = h.build().code(1);
    assert!(t.elapsed() < PROMPTLY, "waited {:?}", t.elapsed());
    let msg = one_error(&run);
    assert!(
        msg.contains("afe asked to wait 3") && msg.contains(" s (Retry-After) but the figure's timeout (2 s) ends in "),
        "{msg}"
    );
    assert!(
        one_hint(&run).contains("raise `timeout` in [providers.afe] (now 2 s), or run gen again later"),
        "{}",
        one_hint(&run)
    );
    assert_eq!(h.afe.submissions(), 1);
    assert!(journaled(&h, "afe"), "the submitted task is kept for the next build");
    // The limit lifted: the next build polls the same task instead of paying again.
    *h.afe.state.key_rate.limit.lock().unwrap() = None;
    let rerun = h.run(&["gen"]).ok();
    assert!(rerun.stderr.contains("resuming task"), "{}", rerun.stderr);
    assert_eq!(h.afe.submissions(), 1);
}

#[test]
fn a_retry_after_within_the_timeout_is_waited_out() {
    let mut pbc = pb_config();
    pbc.rate_limit = Some((1, Duration::from_secs(2)));
    let h = Hosted::with(pbc, afe_config(), "timeout = 30");
    h.paper(&format!("{}{}", pb_diagram("w1"), pb_diagram("w2")));
    let run = h.build().ok();
    assert_eq!(run.with_status("generated").len(), 2);
    assert!(h.pb.state.rate.refused.load(Ordering::SeqCst) >= 1, "the fake never limited");
    assert_eq!(h.pb.submissions(), 2);
}

#[test]
fn a_service_that_stops_answering_fails_at_the_timeout_and_nothing_is_paid_twice() {
    let mut pbc = pb_config();
    pbc.latency = Duration::from_secs(3600);
    let h = Hosted::with(pbc, afe_config(), "timeout = 2");
    h.paper(&pb_diagram("n"));
    // PaperBanana is polled every 3 s: the first poll would come after the timeout.
    let run = h.build().code(1);
    assert!(one_error(&run).contains("did not finish within 2 s"), "{}", one_error(&run));
    assert_eq!(h.pb.submissions(), 1);
    assert!(journaled(&h, "pb"));
    // The service stops answering: the resumed task's poll fails when the time is up.
    *h.pb.state.knobs.stall.lock().unwrap() = Duration::from_secs(3600);
    let t = Instant::now();
    let run = h.build().code(1);
    assert!(t.elapsed() < PROMPTLY, "waited {:?}", t.elapsed());
    let msg = one_error(&run);
    assert!(
        msg.contains("did not finish within 2 s (no complete answer while polling within the figure's timeout (2 s))"),
        "{msg}"
    );
    assert!(journaled(&h, "pb"), "the task is still the one to resume");
    // Answering again, with the drawing done: resumed, not paid again.
    *h.pb.state.knobs.stall.lock().unwrap() = Duration::ZERO;
    *h.pb.state.latency.lock().unwrap() = Duration::ZERO;
    let rerun = h.run(&["gen"]).ok();
    assert!(rerun.stderr.contains("resuming task"), "{}", rerun.stderr);
    assert_eq!(h.pb.submissions(), 1);
    // A submission without an answer may have arrived: lost, never sent a second time.
    h.paper(&format!("{}{}", pb_diagram("n"), pb_diagram("m")));
    // (Submissions only: a service that answers nothing at all is found by the account
    // check before the batch, below.)
    *h.pb.state.knobs.stall_submit.lock().unwrap() = Duration::from_secs(3600);
    let sent = h.pb.state.knobs.requests.load(Ordering::SeqCst);
    let t = Instant::now();
    let run = h.build().code(1);
    assert!(t.elapsed() < PROMPTLY, "waited {:?}", t.elapsed());
    let msg = one_error(&run);
    assert!(
        msg.starts_with(
            "pb: no complete answer while submitting within the figure's timeout (2 s); the service may have \
             accepted it, so it was not sent again"
        ),
        "{msg}"
    );
    assert!(one_hint(&run).contains("dashboard"), "{}", one_hint(&run));
    // The account check before the batch (health, a task nobody made), then the submission.
    assert_eq!(h.pb.state.knobs.requests.load(Ordering::SeqCst), sent + 2 + 1, "sent once");
    // A service that answers nothing at all: the account check before the batch finds it
    // within the timeout, and nothing is submitted.
    *h.pb.state.knobs.stall_submit.lock().unwrap() = Duration::ZERO;
    *h.pb.state.knobs.stall.lock().unwrap() = Duration::from_secs(3600);
    h.paper(&format!("{}{}{}", pb_diagram("n"), pb_diagram("m"), pb_diagram("o")));
    let submitted = h.pb.submissions();
    let t = Instant::now();
    let run = h.build().code(1);
    assert!(t.elapsed() < PROMPTLY, "waited {:?}", t.elapsed());
    let e = errors(&run);
    assert!(e.iter().any(|m| m.contains("no complete answer while checking the account")), "{e:?}");
    assert_eq!(h.pb.submissions(), submitted, "nothing was submitted");
}

#[test]
fn an_image_too_large_to_decode_fails_its_figure_alone() {
    let h = Hosted::new();
    h.paper(&format!("{}{}", pb_diagram("h1"), pb_diagram("h2")));
    h.pb.state.knobs.huge_images.store(1, Ordering::SeqCst);
    let t = Instant::now();
    let run = h.build().code(1);
    assert!(t.elapsed() < PROMPTLY, "took {:?}", t.elapsed());
    assert_eq!(
        one_error(&run),
        "pb returned a 20000 × 20000 image (400.0 megapixels; paperfig takes at most 50 from a hosted service)"
    );
    assert!(one_hint(&run).contains("smaller image"), "{}", one_hint(&run));
    assert_eq!(run.with_status("generated").len(), 1, "the other figure is built");
}
