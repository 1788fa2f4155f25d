//! Hosted providers at their hard edges, against the in-repo fakes: concurrent builds of
//! one project submit each figure once, a key the service echoes is never printed or
//! written, and a cache that cannot record a task stops the build before anything is paid.

use std::process::Stdio;

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
