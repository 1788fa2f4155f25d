//! Hosted providers at their hard edges, against the in-repo fakes: a key the service
//! echoes is never printed or written, and a cache that cannot record a task stops the
//! build before anything is paid. (Concurrent builds and kills: `faults::money`.)

use std::process::Stdio;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::hosted::{AFE_KEY, Hosted, PB_KEY, afe_config, afe_image, fig, one_error, pb_config, pb_diagram};
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
