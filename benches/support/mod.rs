//! Pieces the benchmarks share (benches cannot use the integration tests' helpers).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// What a run of paperfig leaves in a project (`scripts/example` leaves them in
/// `examples/paper`): skipped to copy a bare checkout.
pub const RUN_OUTPUTS: &[&str] = &["build", ".paperfig", "paperfig.lock"];

/// Copies a folder tree, leaving out any path through a file or folder named in `skip`
/// (e.g. [`RUN_OUTPUTS`], for a bare checkout).
pub fn copy_tree(from: &Path, to: &Path, skip: &[&str]) {
    for entry in walkdir::WalkDir::new(from).into_iter().filter_map(Result::ok) {
        let rel = entry.path().strip_prefix(from).unwrap();
        if rel.components().any(|c| c.as_os_str().to_str().is_some_and(|c| skip.contains(&c))) {
            continue;
        }
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// The fakes the example paper's hosted figures talk to, on the ports its paperfig.toml
/// names, with the keys `scripts/example` uses.
pub fn example_fakes() -> (paperfig_fakes::paperbanana::Fake, paperfig_fakes::autofigureedit::Fake) {
    let pb = paperfig_fakes::paperbanana::Config {
        keys: vec![("pb_example_key".into(), Some(1000))],
        ..paperfig_fakes::paperbanana::Config::default()
    };
    let afe = paperfig_fakes::autofigureedit::Config {
        keys: vec!["sk-team-example".into()],
        credits: 12_000,
        ..paperfig_fakes::autofigureedit::Config::default()
    };
    (
        paperfig_fakes::paperbanana::Fake::start(pb, 47811).expect("port 47811 for the PaperBanana fake"),
        paperfig_fakes::autofigureedit::Fake::start(afe, 47812).expect("port 47812 for the AutoFigureEdit fake"),
    )
}

/// The median of `v`, in milliseconds.
pub fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1000.0
}

/// Runs `cmd` to its end and times it; the benchmark fails with its output if it fails.
pub fn timed(cmd: &mut Command) -> Duration {
    let start = Instant::now();
    let out = cmd.output().expect("run");
    let took = start.elapsed();
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    took
}
