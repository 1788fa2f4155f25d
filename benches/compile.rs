//! Benchmark of `paperfig build` (embedded engine, warm format) against `latexmk -pdf`
//! (pdflatex + bibtex) compiling the same `.tex` from scratch, as fresh processes.
//!
//! The paper is the LaTeX fixture (`fixtures/latex`: two figures, a citation, a table,
//! math). Each latexmk run starts from an empty output folder, as each paperfig build
//! does (paperfig keeps no `.aux` between builds). Prints medians and the ratio; the
//! target is ≤ 0.8 × latexmk. Run with `scripts/bench` (release build).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_paperfig");
const RUNS: usize = 7;

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1000.0
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from).into_iter().filter_map(Result::ok) {
        let rel = entry.path().strip_prefix(from).unwrap();
        if rel.components().any(|c| matches!(c.as_os_str().to_str(), Some("build" | ".paperfig"))) {
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

fn timed(cmd: &mut Command) -> Duration {
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

/// Times `paperfig build <main>` and `latexmk -pdf <tex>` (in `tex_dir`).
fn compare(name: &str, root: &Path, main: &str, tex_dir: &Path, tex: &str) {
    let paperfig = || {
        let mut c = Command::new(BIN);
        c.args(["build", "-q", main]).current_dir(root).env("SOURCE_DATE_EPOCH", "1700000000");
        c
    };
    // Warm-up: figures generated, TeX Live indexed, format built and cached.
    let cold = timed(&mut paperfig());
    let ours: Vec<Duration> = (0..RUNS).map(|_| timed(&mut paperfig())).collect();

    let out: PathBuf = tex_dir.join("latexmk-out");
    let latexmk = || {
        let _ = std::fs::remove_dir_all(&out);
        let mut c = Command::new("latexmk");
        c.args(["-pdf", "-interaction=nonstopmode", "-halt-on-error", "-quiet"])
            .arg(format!("-outdir={}", out.display()))
            .arg(tex)
            .current_dir(tex_dir);
        c
    };
    timed(&mut latexmk());
    let theirs: Vec<Duration> = (0..RUNS).map(|_| timed(&mut latexmk())).collect();
    let (a, b) = (median(ours), median(theirs));
    println!("{name}: first paperfig build (format, figures) {:.0} ms", cold.as_secs_f64() * 1000.0);
    println!("{name}: paperfig build (warm format)  median {a:.0} ms over {RUNS} runs");
    println!("{name}: latexmk -pdf (from scratch)   median {b:.0} ms over {RUNS} runs");
    println!("{name}: ratio paperfig / latexmk = {:.2} (target <= 0.80)", a / b);
}

fn main() {
    if Command::new("latexmk").arg("-v").output().is_err() {
        println!("latexmk is not installed (scripts/setup installs it); nothing to compare");
        return;
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let latex = dir.path().join("latex");
    copy_dir(&repo.join("fixtures/latex"), &latex);
    compare("fixtures/latex/paper.tex", &latex, "paper.tex", &latex, "paper.tex");
}
