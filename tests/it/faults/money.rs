//! Money and crashes: builds killed with SIGKILL at random moments, and several builds of one
//! cold project at once, against the hosted fakes that count every paid submission.

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::Duration;

use super::{Rng, Tally, scale, settled, tail};
use crate::hosted::{Hosted, afe_config, afe_image, fig, pb_config, pb_diagram};
use crate::util::{Run, files_under};

/// Builtin figures beside two paid ones: what a killed build may leave half done.
fn mixed() -> String {
    let mut paper = String::new();
    for i in 0..4 {
        paper.push_str(&fig(
            &format!("p{i}"),
            &format!("kind=plot title=\"Plot {i}\""),
            &format!("Bar chart\n---\nmodel,acc\nA,{i}\nB,2\nC,3"),
        ));
    }
    paper.push_str(&fig("d", "kind=diagram", "load -> parse -> plan -> build"));
    paper.push_str(&pb_diagram("h1"));
    paper.push_str(&afe_image("h2"));
    paper
}

/// Each figure's output files, by figure id and format, as a finished build wrote them.
fn outputs(h: &Hosted, run: &Run) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for f in run.json()["figures"].as_array().unwrap() {
        for (format, path) in f["outputs"].as_object().unwrap() {
            let bytes = std::fs::read(h.t.path(path.as_str().unwrap())).unwrap_or_default();
            out.insert(format!("{} {format}", f["id"].as_str().unwrap()), bytes);
        }
    }
    out
}

fn fakes() -> Hosted {
    let mut pbc = pb_config();
    pbc.latency = Duration::from_millis(250);
    let mut afec = afe_config();
    afec.latency = Duration::from_millis(300);
    Hosted::with(pbc, afec, "")
}

#[test]
fn kill_9_mid_build_leaves_a_sound_cache_and_pays_once() {
    let limit = Duration::from_secs(120);
    let reference = fakes();
    reference.paper(&mixed());
    let first = settled(reference.command(&["gen", "--json"]), limit).expect("the reference build");
    let expected = outputs(&reference, &first.ok());
    let mut tally = Tally::new("kill -9 mid-gen/build, then rerun");
    for trial in 0..scale().kills {
        let mut rng = Rng::new(trial as u64);
        let h = fakes();
        h.paper(&mixed());
        let verb = if trial % 5 == 4 { "build" } else { "gen" };
        let mut child = h.command(&[verb]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(20 + rng.below(1400) as u64));
        child.kill().unwrap(); // SIGKILL: no cleanup runs
        child.wait().unwrap();
        tally.trial((|| {
            let rerun = settled(h.command(&["gen", "--json"]), limit)?;
            if rerun.code != 0 {
                return Err(format!("the rerun failed:\n{}", tail(&rerun.stderr)));
            }
            let verify = settled(h.command(&["cache", "verify"]), limit)?;
            if verify.code != 0 {
                return Err(format!("cache verify after the kill:\n{}{}", verify.stdout, tail(&verify.stderr)));
            }
            let got = outputs(&h, &rerun);
            for (name, bytes) in &expected {
                if got.get(name) != Some(bytes) {
                    return Err(format!("{name} differs from an uninterrupted build's"));
                }
            }
            match (h.pb.submissions(), h.afe.submissions()) {
                (1, 1) => Ok(()),
                (pb, afe) => Err(format!("paid submissions: PaperBanana {pb}, AutoFigureEdit {afe} (each must be 1)")),
            }
        })());
    }
    tally.finish();
}

#[test]
fn concurrent_builds_of_a_cold_project_pay_once() {
    const BUILDS: usize = 4;
    let limit = Duration::from_secs(120);
    let mut tally = Tally::new("4 concurrent gens of a cold project");
    for _ in 0..scale().rounds {
        let h = Hosted::new();
        h.paper(&format!("{}{}{}", pb_diagram("c1"), afe_image("c2"), afe_image("c3")));
        let runs: Vec<Result<Run, String>> = std::thread::scope(|s| {
            let builds: Vec<_> = (0..BUILDS)
                .map(|_| h.command(&["gen", "--json"]))
                .map(|cmd| s.spawn(move || settled(cmd, limit)))
                .collect();
            builds.into_iter().map(|b| b.join().unwrap()).collect()
        });
        tally.trial((|| {
            for run in runs {
                let run = run?;
                if run.code != 0 {
                    return Err(format!("a build failed:\n{}", tail(&run.stderr)));
                }
                let mut done = run.with_status("generated");
                done.extend(run.with_status("cached"));
                done.sort();
                if done != ["fig:c1", "fig:c2", "fig:c3"] {
                    return Err(format!("a build finished {done:?}"));
                }
            }
            if (h.pb.submissions(), h.afe.submissions()) != (1, 2) {
                return Err(format!(
                    "{BUILDS} builds at once paid {} + {} times for 1 + 2 figures",
                    h.pb.submissions(),
                    h.afe.submissions()
                ));
            }
            let left = files_under(&h.t.path(".paperfig/hosted"));
            if left.is_empty() { Ok(()) } else { Err(format!("journal entries or claims left behind: {left:?}")) }
        })());
    }
    tally.finish();
}
