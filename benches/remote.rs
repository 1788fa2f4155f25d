//! Benchmark of the shared remote cache on the example paper: a cold `paperfig gen` (every
//! figure generated, no caches) against a warm-remote one (a fresh checkout whose only cache
//! is a WebDAV remote, nginx on 127.0.0.1, filled by an earlier build; `--locked`, so nothing
//! is generated), measured in the same run, with the ratio.
//!
//! Run with `scripts/bench` or `cargo bench --bench remote` (needs nginx; scripts/setup).

#[allow(dead_code)]
#[path = "../tests/it/servers.rs"]
mod servers;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_paperfig");

fn run(dir: &Path, args: &[&str]) -> Duration {
    let start = Instant::now();
    let out = Command::new(BIN).args(args).current_dir(dir).output().expect("run paperfig");
    let took = start.elapsed();
    assert!(out.status.success(), "paperfig {args:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    took
}

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1000.0
}

fn copy_example(to: &Path, remote: &str) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/paper");
    for e in walkdir::WalkDir::new(&from) {
        let e = e.unwrap();
        let rel = e.path().strip_prefix(&from).unwrap();
        if rel.components().any(|c| matches!(c.as_os_str().to_str(), Some("build" | ".paperfig"))) {
            continue;
        }
        if e.file_type().is_dir() {
            std::fs::create_dir_all(to.join(rel)).unwrap();
        } else {
            std::fs::copy(e.path(), to.join(rel)).unwrap();
        }
    }
    let toml = std::fs::read_to_string(to.join("paperfig.toml")).unwrap();
    std::fs::write(to.join("paperfig.toml"), format!("{toml}\n[cache]\nremote = \"{remote}\"\n")).unwrap();
}

fn fresh(dir: &Path) {
    std::fs::remove_dir_all(dir.join(".paperfig")).ok();
    std::fs::remove_dir_all(dir.join("build")).ok();
}

fn main() {
    let reps: usize = std::env::var("BENCH_REPS").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
    let tmp = tempfile::tempdir().unwrap();
    let server = servers::Nginx::start();

    // Cold: no local cache, and a remote that is empty (a new prefix each time).
    let mut cold = Vec::new();
    for rep in 0..reps {
        let dir = tmp.path().join(format!("cold{rep}"));
        copy_example(&dir, &server.url(&format!("cold{rep}")));
        cold.push(run(&dir, &["gen", "-q"]));
    }
    // Warm remote: the first cold run filled `cold0`; fresh checkouts read it, --locked.
    let warm_dir = tmp.path().join("warm");
    copy_example(&warm_dir, &server.url("cold0"));
    std::fs::copy(tmp.path().join("cold0/paperfig.lock"), warm_dir.join("paperfig.lock")).unwrap();
    let warm: Vec<Duration> = (0..reps)
        .map(|_| {
            fresh(&warm_dir);
            run(&warm_dir, &["gen", "-q", "--locked"])
        })
        .collect();
    let (cold_ms, warm_ms) = (median(cold), median(warm));
    println!("paperfig gen of the example paper (medians of {reps}; nginx WebDAV on 127.0.0.1)");
    println!("  cold (everything generated, uploaded):   {cold_ms:8.1} ms");
    println!("  warm remote (fresh checkout, --locked):  {warm_ms:8.1} ms");
    println!("  ratio cold / warm remote:                {:8.1}x", cold_ms / warm_ms);
}
