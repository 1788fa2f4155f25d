//! Hosted providers at their hard edges, against the in-repo fakes: concurrent builds of
//! one project submit each figure once, a key the service echoes is never printed or
//! written, and a cache that cannot record a task stops the build before anything is paid.

use std::process::Stdio;
use std::sync::atomic::Ordering;

use crate::hosted::{Hosted, afe_image, pb_diagram};
use crate::util::Run;

#[test]
fn concurrent_builds_submit_each_figure_once() {
    const BUILDS: usize = 4;
    const ROUNDS: usize = 5;
    for round in 0..ROUNDS {
        let h = Hosted::new();
        h.paper(&format!("{}{}{}", pb_diagram("c1"), afe_image("c2"), afe_image("c3")));
        let children: Vec<_> = (0..BUILDS)
            .map(|_| h.command(&["gen", "--json"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap())
            .collect();
        for child in children {
            let run = Run::from(child.wait_with_output().unwrap()).ok();
            let mut done = run.with_status("generated");
            done.extend(run.with_status("cached"));
            done.sort();
            assert_eq!(done, ["fig:c1", "fig:c2", "fig:c3"], "round {round}:\n{}", run.stderr);
        }
        assert_eq!(
            (h.pb.submissions(), h.afe.submissions()),
            (1, 2),
            "round {round}: {BUILDS} builds at once paid for a figure twice"
        );
        let left = crate::util::files_under(&h.t.path(".paperfig/hosted"));
        assert!(left.is_empty(), "round {round}: journal entries or claims left behind: {left:?}");
    }
}

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
