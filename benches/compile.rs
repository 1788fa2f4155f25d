//! Benchmark of `paperfig build` (embedded engine, warm format) against `latexmk -pdf`
//! (pdflatex + bibtex) compiling the same `.tex` from scratch, as fresh processes.
//!
//! Papers: the example Markdown paper (`examples/paper`; latexmk gets the `.tex` paperfig
//! wrote for it) and the LaTeX fixture (`fixtures/latex`: two figures, a citation, a
//! table, math). Each latexmk run starts without its `.aux`/`.bbl` files; paperfig
//! keeps its own between builds in its cache (one TeX pass fewer when nothing changed). Prints medians and the ratio; the
//! target is ≤ 0.8 × latexmk. Run with `scripts/bench` (release build).

use std::path::Path;
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
        // The example's hosted figures: keys of the fakes started in `main`.
        c.env("PAPERBANANA_API_KEY", "pb_example_key").env("AUTOFIGUREEDIT_API_KEY", "sk-team-example");
        c
    };
    // Warm-up: figures generated, TeX Live indexed, format built and cached.
    let cold = timed(&mut paperfig());
    let ours: Vec<Duration> = (0..RUNS).map(|_| timed(&mut paperfig())).collect();
    // The same without last build's .aux/.bbl (kept in the cache): every pass from scratch.
    let aux = root.join(".paperfig/tex/aux");
    let scratch: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let _ = std::fs::remove_dir_all(&aux);
            timed(&mut paperfig())
        })
        .collect();

    // latexmk works beside the .tex (as users run it); its files are deleted before each
    // run so that it compiles from scratch. paperfig's own files there are kept.
    let stem = tex.trim_end_matches(".tex");
    let latexmk = || {
        for ext in ["aux", "bbl", "blg", "log", "out", "fls", "fdb_latexmk", "toc"] {
            let _ = std::fs::remove_file(tex_dir.join(format!("{stem}.{ext}")));
        }
        let _ = std::fs::remove_file(tex_dir.join(format!("{stem}.pdf")));
        let mut c = Command::new("latexmk");
        c.args(["-pdf", "-interaction=nonstopmode", "-halt-on-error", "-quiet", tex]).current_dir(tex_dir);
        c
    };
    timed(&mut latexmk());
    let theirs: Vec<Duration> = (0..RUNS).map(|_| timed(&mut latexmk())).collect();
    let (a, s, b) = (median(ours), median(scratch), median(theirs));
    println!("{name}: first paperfig build (format, figures) {:.0} ms", cold.as_secs_f64() * 1000.0);
    println!("{name}: paperfig build (warm format, kept .aux)  median {a:.0} ms over {RUNS} runs");
    println!("{name}: paperfig build (warm format, no .aux)    median {s:.0} ms");
    println!("{name}: latexmk -pdf (no .aux)                   median {b:.0} ms");
    println!("{name}: ratio paperfig / latexmk = {:.2} (target <= 0.80); from scratch {:.2}", a / b, s / b);
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
    // The example Markdown paper: latexmk compiles the .tex that paperfig wrote (its PDF
    // replaces paperfig's build/paper.pdf, which is no longer needed by then).
    // The example's hosted figures come from the fakes, on the ports its paperfig.toml names
    // (generated once in the warm-up build, cached after).
    let pb = paperfig_fakes::paperbanana::Config {
        keys: vec![("pb_example_key".into(), Some(1000))],
        ..paperfig_fakes::paperbanana::Config::default()
    };
    let afe = paperfig_fakes::autofigureedit::Config {
        keys: vec!["sk-team-example".into()],
        credits: 12_000,
        ..paperfig_fakes::autofigureedit::Config::default()
    };
    let _fakes = (
        paperfig_fakes::paperbanana::Fake::start(pb, 47811).expect("port 47811 for the PaperBanana fake"),
        paperfig_fakes::autofigureedit::Fake::start(afe, 47812).expect("port 47812 for the AutoFigureEdit fake"),
    );
    let example = dir.path().join("example");
    copy_dir(&repo.join("examples/paper"), &example);
    compare("examples/paper/paper.md", &example, "paper.md", &example.join("build"), "paper.tex");
    compare("fixtures/latex/paper.tex", &latex, "paper.tex", &latex, "paper.tex");
}
