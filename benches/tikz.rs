//! Benchmark of `kind=tikz` figures: `paperfig build` of a LaTeX paper with 50 pgfplots
//! figures (`paperfigure` environments, each reading its CSV) against TikZ's own cache,
//! `\tikzexternalize` under `latexmk -pdf -shell-escape` (the installed pdfLaTeX), on the
//! same 50 pictures and data, as fresh processes, measured in the same run:
//!
//! - **cold**: neither has anything of an earlier build (paperfig: no `.paperfig/`,
//!   `build/` or kept `.aux`; the user's cache keeps the engine's format, as after any
//!   earlier project. externalize: no figure PDFs, no `.aux`). Target ≤ 0.5×.
//! - **no-op**: a second build with nothing changed. Target ≤ 0.1×. Measured twice: the
//!   first no-op after the cold build, and the next one ("again"). paperfig's first no-op
//!   digests the files TeX read and records their stamps (they had not settled when the
//!   cold build wrote them, see `fsutil::Fingerprint`); later ones only `stat` them. Both
//!   tools get the same extra run.
//! - **one edited**: one picture's body changed (another line colour); both make that
//!   figure again and the paper. Target ≤ 1.0×.
//!
//! Prints medians and the ratios as `summary:` lines (`scripts/bench` gathers them).

#[allow(dead_code)]
mod support;

use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_paperfig");
const FIGURES: usize = 50;
const RUNS: usize = 5;

/// Figure `i`'s data: 20 points of a curve of its own.
fn csv(i: usize) -> String {
    let mut s = String::from("x,y\n");
    for x in 0..20 {
        let y = ((x as f64) * 0.3 + i as f64).sin() * (1.0 + i as f64 / 10.0) + x as f64 / 10.0;
        s.push_str(&format!("{x},{y:.4}\n"));
    }
    s
}

/// Figure `i`'s picture, drawn in `color`.
fn picture(i: usize, color: &str) -> String {
    format!(
        "\\begin{{tikzpicture}}
\\begin{{axis}}[width=7cm, height=4.5cm, xlabel={{Step}}, ylabel={{Value {i}}}, grid=major]
\\addplot[{color}, mark=*, mark size=1pt] table[col sep=comma, x=x, y=y] {{data/f{i}.csv}};
\\end{{axis}}
\\end{{tikzpicture}}"
    )
}

fn color(i: usize, edited: usize, round: usize) -> &'static str {
    const EDITS: [&str; 4] = ["red", "teal", "orange", "violet"];
    if i == edited && round > 0 { EDITS[round % EDITS.len()] } else { "blue" }
}

/// The paperfig paper: each picture in a `paperfigure`.
fn paperfig_tex(edited: usize, round: usize) -> String {
    let mut s = String::from("\\documentclass{article}\n\\usepackage{paperfig}\n\\begin{document}\n");
    for i in 0..FIGURES {
        s.push_str(&format!(
            "\\begin{{paperfigure}}[id=fig:f{i}, kind=tikz, data=data/f{i}.csv]{{Figure {i}}}\n{}\n\\end{{paperfigure}}\n",
            picture(i, color(i, edited, round))
        ));
    }
    s.push_str("\\end{document}\n");
    s
}

/// The same paper for TikZ's externalize library.
fn externalize_tex(edited: usize, round: usize) -> String {
    let mut s = String::from(
        "\\documentclass{article}\n\\usepackage{pgfplots}\n\\pgfplotsset{compat=newest}\n\
         \\usetikzlibrary{external}\n\\tikzexternalize[prefix=tikz/]\n\\begin{document}\n",
    );
    for i in 0..FIGURES {
        s.push_str(&format!(
            "\\begin{{figure}}[tbp]\n\\centering\n{}\n\\caption{{Figure {i}}}\n\\end{{figure}}\n",
            picture(i, color(i, edited, round))
        ));
    }
    s.push_str("\\end{document}\n");
    s
}

fn write_data(dir: &Path) {
    std::fs::create_dir_all(dir.join("data")).unwrap();
    for i in 0..FIGURES {
        std::fs::write(dir.join(format!("data/f{i}.csv")), csv(i)).unwrap();
    }
}

fn main() {
    if Command::new("latexmk").arg("-v").output().is_err()
        || Command::new("pdflatex").arg("--version").output().is_err()
    {
        println!("latexmk or pdflatex is not installed (scripts/setup installs them); nothing to compare");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ours = dir.path().join("paperfig");
    let theirs = dir.path().join("externalize");
    write_data(&ours);
    write_data(&theirs);
    let edited = FIGURES / 2;

    let paperfig = || {
        let mut c = Command::new(BIN);
        c.args(["build", "-q", "paper.tex"]).current_dir(&ours).env("SOURCE_DATE_EPOCH", "1700000000");
        c
    };
    let latexmk = || {
        let mut c = Command::new("latexmk");
        c.args(["-pdf", "-shell-escape", "-interaction=nonstopmode", "-halt-on-error", "-quiet", "paper.tex"])
            .current_dir(&theirs);
        c
    };
    let clean_ours = || {
        for d in ["build", ".paperfig"] {
            let _ = std::fs::remove_dir_all(ours.join(d));
        }
        let _ = std::fs::remove_file(ours.join("paperfig.lock"));
    };
    let clean_theirs = || {
        let _ = std::fs::remove_dir_all(theirs.join("tikz"));
        std::fs::create_dir_all(theirs.join("tikz")).unwrap();
        for ext in ["aux", "log", "fls", "fdb_latexmk", "pdf", "auxlock"] {
            let _ = std::fs::remove_file(theirs.join(format!("paper.{ext}")));
        }
    };
    let write = |round: usize| {
        std::fs::write(ours.join("paper.tex"), paperfig_tex(edited, round)).unwrap();
        std::fs::write(theirs.join("paper.tex"), externalize_tex(edited, round)).unwrap();
    };

    // Warm-up: the engine's format and the TeX index in the user's cache; the installed
    // TeX's files in the page cache.
    write(0);
    clean_ours();
    clean_theirs();
    support::timed(&mut paperfig());
    support::timed(&mut latexmk());

    let (mut cold, mut noop, mut again, mut edit) =
        ((vec![], vec![]), (vec![], vec![]), (vec![], vec![]), (vec![], vec![]));
    for run in 0..RUNS {
        write(0);
        clean_ours();
        clean_theirs();
        cold.0.push(support::timed(&mut paperfig()));
        cold.1.push(support::timed(&mut latexmk()));
        noop.0.push(support::timed(&mut paperfig()));
        noop.1.push(support::timed(&mut latexmk()));
        again.0.push(support::timed(&mut paperfig()));
        again.1.push(support::timed(&mut latexmk()));
        write(run + 1);
        edit.0.push(support::timed(&mut paperfig()));
        edit.1.push(support::timed(&mut latexmk()));
    }
    let cases = [("cold", cold, 0.5), ("no-op", noop, 0.1), ("no-op again", again, 0.1), ("one edited", edit, 1.0)];
    for (name, (o, t), target) in cases {
        let (o, t) = (support::median(o), support::median(t));
        println!(
            "tikz {name}: paperfig build {o:.0} ms, externalize + latexmk {t:.0} ms (medians of {RUNS}); ratio {:.3} (target <= {target:.1})",
            o / t
        );
        println!(
            "summary: tikz {name} / externalize ({FIGURES} pgfplots figures) = {:.3} (target <= {target:.1})",
            o / t
        );
    }
}
