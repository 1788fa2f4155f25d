//! Benchmark of `paperfig gen` on a generated 200-figure paper: the cold build (per
//! figure), the no-op build (everything cached) against `make -j2` and `sha256sum` over
//! the same figures' inputs, and one bar chart as a fresh process against the same chart
//! drawn by a fresh `python3` matplotlib process, with ratios.
//!
//! Run with `scripts/bench` (release build; installs matplotlib from PyPI if missing).
//! Prints medians over repeated runs; the machine is shared, so compare the ratios.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_paperfig");
const FIGURES: usize = 200;

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

const BAR_CSV: &str = "model,top1\nResNet-50,76.1\nViT-B/16,81.8\nConvNeXt-T,82.1\nSwin-T,81.3\nOurs,83.4\n";

/// A paper with `n` figures cycling through every chart type, each with its own data.
fn write_paper(dir: &Path, n: usize) {
    std::fs::create_dir_all(dir.join("data")).unwrap();
    let mut paper = String::from("# Generated paper\n\n");
    for i in 0..n {
        let (attrs, data) = match i % 5 {
            0 => ("chart=bar labels=true", format!("model,acc\nA,{}\nB,{}\nC,{}\nD,{}\n", 70 + i % 7, 75, 80, 85)),
            1 => (
                "chart=line",
                (0..20).fold("epoch,loss,val\n".to_string(), |s, e| {
                    s + &format!("{e},{},{}\n", 2.0 / (1.0 + e as f64 + i as f64 * 0.01), 2.2 / (1.0 + e as f64))
                }),
            ),
            2 => (
                "chart=scatter fit=linear",
                (0..40).fold("x,y\n".to_string(), |s, k| s + &format!("{k},{}\n", (k * 7 + i) % 23)),
            ),
            3 => (
                "chart=histogram bins=20",
                (0..200).fold("v\n".to_string(), |s, k| s + &format!("{}\n", (k * k + i) % 97)),
            ),
            _ => ("chart=barh", format!("model,ms\nA,{}\nB,5\nC,7\n", 3 + i % 5)),
        };
        std::fs::write(dir.join(format!("data/d{i}.csv")), data).unwrap();
        paper.push_str(&format!(
            "```{{paperfig #fig:f{i} kind=plot data=data/d{i}.csv {attrs} title=\"Figure {i}\"}}\nA figure\n```\n\n"
        ));
    }
    std::fs::write(dir.join("paper.md"), paper).unwrap();
}

const MATPLOTLIB: &str = r##"
import sys, csv
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
rows = list(csv.DictReader(open(sys.argv[1])))
fig, ax = plt.subplots(figsize=(3.3, 2.376))
bars = ax.bar([r["model"] for r in rows], [float(r["top1"]) for r in rows], color="#0072B2")
ax.bar_label(bars, fmt="%.1f", fontsize=7)
ax.set_ylabel("top1")
for ext in ("svg", "pdf", "png"):
    fig.savefig(sys.argv[2] + "." + ext, dpi=192)
"##;

fn main() {
    let reps: usize = std::env::var("BENCH_REPS").ok().and_then(|s| s.parse().ok()).unwrap_or(11);
    let tmp = tempfile::tempdir().unwrap();
    let big = tmp.path().join("big");
    write_paper(&big, FIGURES);

    // Cold: every figure generated. Measured with -j1 (cost per figure on one core) and
    // with all cores (wall time per figure as users see it).
    let mut cold_j1 = Vec::new();
    let mut cold_all = Vec::new();
    for rep in 0..3 {
        std::fs::remove_dir_all(big.join(".paperfig")).ok();
        std::fs::remove_dir_all(big.join("build")).ok();
        let d = run(&big, &["gen", "-q", "-j", "1"]);
        cold_j1.push(d);
        std::fs::remove_dir_all(big.join(".paperfig")).ok();
        std::fs::remove_dir_all(big.join("build")).ok();
        cold_all.push(run(&big, &["gen", "-q"]));
        eprintln!("cold run {rep}: -j1 {:.0} ms", d.as_secs_f64() * 1e3);
    }
    // No-op: paperfig, and two peers over the same 200 figures in the same run: `make -j2`
    // (each figure a target depending on its data file and the paper, mtimes only, as a
    // Makefile of plotting scripts would be) and `sha256sum` of those inputs (the floor of
    // any tool that looks at contents), each a fresh process, interleaved.
    std::fs::write(big.join("Makefile"), MAKEFILE).unwrap();
    let mut inputs = vec!["paper.md".to_string()];
    inputs.extend((0..FIGURES).map(|i| format!("data/d{i}.csv")));
    let (mut noop, mut make, mut sha) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..reps {
        noop.push(run(&big, &["gen", "-q"]));
        make.push(peer(&big, "make", &["-j2", "-s"]));
        sha.push(peer(&big, "sha256sum", &inputs.iter().map(String::as_str).collect::<Vec<_>>()));
    }

    // One bar chart, fresh process each time, against a fresh python3 matplotlib process.
    let one = tmp.path().join("one");
    std::fs::create_dir_all(one.join("data")).unwrap();
    std::fs::write(one.join("data/acc.csv"), BAR_CSV).unwrap();
    std::fs::write(
        one.join("paper.md"),
        "```{paperfig #fig:acc kind=plot chart=bar labels=true data=data/acc.csv}\nBar chart\n```\n",
    )
    .unwrap();
    let single: Vec<Duration> = (0..reps)
        .map(|_| {
            std::fs::remove_dir_all(one.join(".paperfig")).ok();
            std::fs::remove_dir_all(one.join("build")).ok();
            run(&one, &["gen", "-q"])
        })
        .collect();
    std::fs::write(tmp.path().join("bar.py"), MATPLOTLIB).unwrap();
    let mpl_ok = Command::new("python3").args(["-c", "import matplotlib"]).status().is_ok_and(|s| s.success());
    let mpl: Vec<Duration> = if mpl_ok {
        (0..reps)
            .map(|_| {
                let start = Instant::now();
                let st = Command::new("python3")
                    .arg(tmp.path().join("bar.py"))
                    .arg(one.join("data/acc.csv"))
                    .arg(tmp.path().join("mpl"))
                    .status()
                    .unwrap();
                assert!(st.success());
                start.elapsed()
            })
            .collect()
    } else {
        Vec::new()
    };

    let cold_all_s = median(cold_all.clone()) / 1000.0;
    let cold_fig_j1 = median(cold_j1) / FIGURES as f64;
    let cold_fig_all = median(cold_all) / FIGURES as f64;
    let noop_ms = median(noop);
    let single_ms = median(single);
    println!("paperfig gen on a {FIGURES}-figure paper (medians; {reps} no-op runs, 3 cold runs)");
    println!(
        "  no-op gen (all cached), wall:            {noop_ms:8.1} ms   target <= 50 ms   {}",
        verdict(noop_ms <= 50.0)
    );
    println!(
        "  cold, per figure, one core (-j1):        {cold_fig_j1:8.2} ms   target <= 20 ms   {}",
        verdict(cold_fig_j1 <= 20.0)
    );
    let (make_ms, sha_ms) = (median(make), median(sha));
    println!("  make -j2, nothing to do (mtimes):        {make_ms:8.1} ms");
    println!("  sha256sum of the 201 inputs:             {sha_ms:8.1} ms");
    println!("  cold, per figure, all cores (wall):      {cold_fig_all:8.2} ms");
    println!("summary: gen no-op / make -j2 no-op = {:.2} (target <= 0.35)", noop_ms / make_ms);
    println!("summary: gen no-op / sha256sum of the inputs = {:.2} (target <= 4.00)", noop_ms / sha_ms);
    println!("summary: gen cold, {FIGURES} plots, all cores = {cold_all_s:.2} s (target <= 2.00)");
    println!("  one bar chart, fresh paperfig process:   {single_ms:8.1} ms");
    if mpl.is_empty() {
        println!("  python3 + matplotlib: not installed (scripts/bench installs it)");
    } else {
        let mpl_ms = median(mpl);
        println!("  same chart, fresh python3 matplotlib:    {mpl_ms:8.1} ms");
        println!("  ratio matplotlib / paperfig:             {:8.1}x", mpl_ms / single_ms);
    }
}

/// Every figure a target of its data file and the paper: up to date after a cold `gen`
/// (a stale one fails, so the peer is measured doing nothing, as paperfig is).
const MAKEFILE: &str = "FIGS := $(patsubst data/d%.csv,build/figures/fig-f%.pdf,$(wildcard data/d*.csv))
all: $(FIGS)
build/figures/fig-f%.pdf: data/d%.csv paper.md
\t@echo stale $@; false
";

/// Times a fresh process of a peer tool in `dir`, which must succeed.
fn peer(dir: &Path, tool: &str, args: &[&str]) -> Duration {
    let start = Instant::now();
    let out = Command::new(tool).args(args).current_dir(dir).output().unwrap_or_else(|e| panic!("{tool}: {e}"));
    let took = start.elapsed();
    assert!(out.status.success(), "{tool} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    took
}

fn verdict(ok: bool) -> &'static str {
    if ok { "ok" } else { "OVER" }
}
