//! 40 PaperBanana figures against the in-repo fake with 2 s task latency and a 60
//! requests/min per-key limit, built by the release `paperfig gen`. Prints the wall time,
//! the minimum the limits allow and their ratio (target ≤ 1.15).
//!
//! The minimum: each figure costs one submission and ⌈latency / poll⌉ polls at the
//! documented fastest cadence (3 s); the completed poll carries the image (`image_base64`),
//! so no download. With R requests and at most L in any 60 s window, request number
//! L·k + 1 cannot be sent before 60·k s after the first, so the build needs at least
//! max(60 s · ⌊(R − 1) / L⌋, ⌈latency / poll⌉ · poll) after its first request.
//!
//! `cargo bench --bench hosted [-- --figures 40]`

use std::process::Command;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use paperfig_fakes::paperbanana as pb;

const KEY: &str = "pb_bench_key";
const LATENCY: Duration = Duration::from_secs(2);
const LIMIT_PER_MIN: usize = 60;
/// The documented cadence: every 3 to 5 s; the fastest allowed.
const POLL_SECS: f64 = 3.0;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let figures: usize = args
        .iter()
        .position(|a| a == "--figures")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    let fake = pb::Fake::start(
        pb::Config {
            keys: vec![(KEY.into(), None)],
            latency: LATENCY,
            rate_limit: Some((LIMIT_PER_MIN, Duration::from_secs(60))),
            ..pb::Config::default()
        },
        0,
    )
    .expect("fake");
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::write(
        root.join("paperfig.toml"),
        format!(
            "[output]\nformats = [\"png\"]\n\n[providers.pb]\ntype = \"paperbanana\"\nbase_url = \"{}\"\napi_key_env = \"PB_BENCH_KEY\"\nconcurrency = {figures}\nrate_limit = {LIMIT_PER_MIN}\npoll_interval = {POLL_SECS}\n",
            fake.base_url()
        ),
    )
    .expect("config");
    let mut paper = String::from("# Bench\n\n");
    for i in 0..figures {
        paper += &format!(
            "```{{paperfig #fig:f{i} kind=diagram provider=pb caption=\"Figure {i}: pipeline\"}}\nStage {i} of the method: encoder, decoder, loss.\n```\n\n"
        );
    }
    std::fs::write(root.join("paper.md"), paper).expect("paper");

    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_paperfig"))
        .args(["gen", "-q"])
        .current_dir(root)
        .env("PB_BENCH_KEY", KEY)
        .output()
        .expect("paperfig runs");
    let actual = start.elapsed().as_secs_f64();
    assert!(out.status.success(), "gen failed:\n{}", String::from_utf8_lossy(&out.stderr));

    let polls_per_figure = (LATENCY.as_secs_f64() / POLL_SECS).ceil();
    let requests = figures as f64 * (1.0 + polls_per_figure);
    let windows = ((requests - 1.0) / LIMIT_PER_MIN as f64).floor();
    let minimum = (60.0 * windows).max(polls_per_figure * POLL_SECS);
    let s = &fake.state;
    println!(
        "hosted: {figures} figures, {} submissions, {} polls, {} downloads, {} refused with 429",
        s.submissions.load(Ordering::SeqCst),
        s.polls.load(Ordering::SeqCst),
        s.downloads.load(Ordering::SeqCst),
        s.rate.refused.load(Ordering::SeqCst),
    );
    println!("hosted: {requests} requests needed at {LIMIT_PER_MIN}/min and one poll every {POLL_SECS} s");
    println!("hosted: actual {actual:.2} s, minimum {minimum:.2} s, ratio {:.3} (target ≤ 1.15)", actual / minimum);
}
