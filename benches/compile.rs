//! Benchmark of `paperfig build` (embedded engine, warm format) against `latexmk -pdf`
//! (pdflatex + bibtex) on the same `.tex`, as fresh processes, like for like:
//!
//! - **from scratch**: neither has last build's `.aux`/`.bbl` (paperfig's kept files in
//!   its cache are deleted, latexmk's beside the `.tex`), so both run TeX, BibTeX and TeX
//!   until the references settle. This is the comparison the target (≤ 0.8 × latexmk)
//!   refers to.
//! - **incremental**: both keep last build's files; both sources get a new comment line
//!   before each run so that TeX runs again (a build with nothing changed runs no TeX).
//!
//! - **a new project**: the LaTeX fixture copied to a new folder (no `.paperfig`, no
//!   `build/`) and built once: its figures are made and the paper compiled with the
//!   format already in the user's cache (as after any earlier project), against `latexmk
//!   -pdf` from scratch. Target ≤ 1.0 × latexmk.
//!
//! - **engines**: the same paper built by `paperfig build` with the embedded engine and
//!   with `--engine pdflatex` (the installed pdfLaTeX through latexmk), from scratch (the
//!   kept files of both deleted) and after an edit (both keep theirs), interleaved.
//!
//! Papers: the example Markdown paper (`examples/paper`; latexmk gets the `.tex` paperfig
//! wrote for it) and the LaTeX fixture (`fixtures/latex`: two figures, a citation, a
//! table, math). Prints medians and ratios. Run with `scripts/bench` (release build);
//! `PAPERFIG_TIMINGS=1 paperfig build` shows where one build's time goes.

mod support;

use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_paperfig");
const RUNS: usize = 7;

/// A comment line for TeX at the end of a source: raw LaTeX in a Markdown paper.
fn comment(main: &str, i: usize) -> String {
    if main.ends_with(".md") { format!("\n```{{=latex}}\n% edit {i}\n```\n") } else { format!("% edit {i}\n") }
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
    // latexmk works beside the .tex (as users run it). paperfig's own files there are kept.
    let stem = tex.trim_end_matches(".tex");
    let latexmk = || {
        let mut c = Command::new("latexmk");
        c.args(["-pdf", "-interaction=nonstopmode", "-halt-on-error", "-quiet", tex]).current_dir(tex_dir);
        c
    };
    let clean = || {
        for ext in ["aux", "bbl", "blg", "log", "out", "fls", "fdb_latexmk", "toc", "pdf"] {
            let _ = std::fs::remove_file(tex_dir.join(format!("{stem}.{ext}")));
        }
    };
    let aux = root.join(".paperfig/tex/aux");
    let tex_path = tex_dir.join(tex);

    // Warm-up: figures generated, TeX Live indexed, format built and cached.
    let cold = support::timed(&mut paperfig());
    support::timed(&mut paperfig());
    let original = std::fs::read_to_string(&tex_path).unwrap();
    support::timed(&mut latexmk());
    // The four measurements interleaved, so that a busy machine slows all of them alike.
    let (mut scratch, mut kept, mut their_scratch, mut their_kept) = (vec![], vec![], vec![], vec![]);
    let source = root.join(main);
    let source_text = std::fs::read_to_string(&source).unwrap();
    for i in 0..RUNS {
        let _ = std::fs::remove_dir_all(&aux);
        scratch.push(support::timed(&mut paperfig()));
        // An edit TeX sees (a comment), as latexmk's below: with nothing changed paperfig
        // would not run TeX at all.
        std::fs::write(&source, format!("{source_text}{}", comment(main, i))).unwrap();
        kept.push(support::timed(&mut paperfig()));
        clean();
        their_scratch.push(support::timed(&mut latexmk()));
        // Last run's files kept, the .tex edited (a comment) so that latexmk reruns. (For a
        // LaTeX paper the .tex is paperfig's source too: a comment unlike the one paperfig's
        // build just saw, or latexmk would find the file as its last run left it.)
        std::fs::write(&tex_path, format!("{original}% latexmk edit {i}\n")).unwrap();
        their_kept.push(support::timed(&mut latexmk()));
    }
    std::fs::write(&tex_path, original).unwrap();
    std::fs::write(&source, source_text).unwrap();

    let (ps, pk, ls, lk) =
        (support::median(scratch), support::median(kept), support::median(their_scratch), support::median(their_kept));
    println!("{name}: first paperfig build (format, figures) {:.0} ms", cold.as_secs_f64() * 1000.0);
    println!("{name}: from scratch  paperfig {ps:.0} ms, latexmk {ls:.0} ms (medians of {RUNS})");
    println!("{name}: incremental   paperfig {pk:.0} ms, latexmk {lk:.0} ms");
    println!(
        "{name}: ratio from scratch {:.2} (the target, <= 0.80); incremental {:.2}; paperfig incremental / latexmk from scratch {:.2}",
        ps / ls,
        pk / lk,
        pk / ls
    );
    println!("summary: build from scratch / latexmk ({name}) = {:.2} (target <= 0.80)", ps / ls);
    println!("summary: build incremental / latexmk ({name}) = {:.2} (target <= 0.80)", pk / lk);
}

/// A new project's first `paperfig build` (a fresh copy of `src`, the user's cache warm)
/// against `latexmk -pdf` from scratch on the same `.tex`, interleaved.
fn new_project(name: &str, src: &Path, work: &Path) {
    let latexmk_dir = work.join("latexmk");
    support::copy_tree(src, &latexmk_dir, support::RUN_OUTPUTS);
    // latexmk needs the figures paperfig makes: one build there first (also warms the cache).
    let build = |dir: &Path| {
        let mut c = Command::new(BIN);
        c.args(["build", "-q", "paper.tex"]).current_dir(dir).env("SOURCE_DATE_EPOCH", "1700000000");
        c
    };
    support::timed(&mut build(&latexmk_dir));
    let latexmk = || {
        let mut c = Command::new("latexmk");
        c.args(["-pdf", "-interaction=nonstopmode", "-halt-on-error", "-quiet", "paper.tex"]).current_dir(&latexmk_dir);
        c
    };
    let (mut ours, mut theirs) = (vec![], vec![]);
    for i in 0..RUNS {
        let fresh = work.join(format!("new-{i}"));
        support::copy_tree(src, &fresh, support::RUN_OUTPUTS);
        ours.push(support::timed(&mut build(&fresh)));
        for ext in ["aux", "bbl", "blg", "log", "out", "fls", "fdb_latexmk", "pdf"] {
            let _ = std::fs::remove_file(latexmk_dir.join(format!("paper.{ext}")));
        }
        theirs.push(support::timed(&mut latexmk()));
    }
    let (o, t) = (support::median(ours), support::median(theirs));
    println!(
        "{name}: new project's first build  paperfig {o:.0} ms (figures made, format from the user cache), latexmk from scratch {t:.0} ms"
    );
    println!("{name}: ratio new project / latexmk from scratch {:.2} (the target, <= 1.00)", o / t);
    println!("summary: new project's first build / latexmk ({name}) = {:.2} (target <= 1.00)", o / t);
}

/// `paperfig build` with the embedded engine against `paperfig build --engine pdflatex`
/// on the same paper, from scratch and after an edit, interleaved.
fn engines(name: &str, root: &Path, main: &str) {
    if Command::new("pdflatex").arg("--version").output().is_err() {
        println!("{name}: pdflatex is not installed; engines not compared");
        return;
    }
    let build = |engine: &str| {
        let mut c = Command::new(BIN);
        c.args(["build", "-q", "--engine", engine, main]).current_dir(root).env("SOURCE_DATE_EPOCH", "1700000000");
        c.env("PAPERBANANA_API_KEY", "pb_example_key").env("AUTOFIGUREEDIT_API_KEY", "sk-team-example");
        c
    };
    let aux = root.join(".paperfig/tex/aux");
    let source = root.join(main);
    let text = std::fs::read_to_string(&source).unwrap();
    support::timed(&mut build("embedded"));
    support::timed(&mut build("pdflatex"));
    let (mut es, mut ek, mut ps, mut pk) = (vec![], vec![], vec![], vec![]);
    for i in 0..RUNS {
        let _ = std::fs::remove_dir_all(&aux);
        std::fs::write(&source, format!("{text}{}", comment(main, 2 * i))).unwrap();
        es.push(support::timed(&mut build("embedded")));
        ps.push(support::timed(&mut build("pdflatex")));
        std::fs::write(&source, format!("{text}{}", comment(main, 2 * i + 1))).unwrap();
        ek.push(support::timed(&mut build("embedded")));
        pk.push(support::timed(&mut build("pdflatex")));
    }
    std::fs::write(&source, text).unwrap();
    let (es, ek, ps, pk) = (support::median(es), support::median(ek), support::median(ps), support::median(pk));
    println!("{name}: from scratch  embedded {es:.0} ms, engine = \"pdflatex\" {ps:.0} ms (medians of {RUNS})");
    println!("{name}: after an edit embedded {ek:.0} ms, engine = \"pdflatex\" {pk:.0} ms");
    println!("summary: embedded / engine = \"pdflatex\", from scratch ({name}) = {:.2} (target none)", es / ps);
    println!("summary: embedded / engine = \"pdflatex\", after an edit ({name}) = {:.2} (target none)", ek / pk);
}

fn main() {
    if Command::new("latexmk").arg("-v").output().is_err() {
        println!("latexmk is not installed (scripts/setup installs it); nothing to compare");
        return;
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let latex = dir.path().join("latex");
    support::copy_tree(&repo.join("fixtures/latex"), &latex, support::RUN_OUTPUTS);
    // The example Markdown paper: latexmk compiles the .tex that paperfig wrote (its PDF
    // replaces paperfig's build/paper.pdf, which is no longer needed by then).
    // The example's hosted figures come from the fakes, on the ports its paperfig.toml names
    // (generated once in the warm-up build, cached after).
    let _fakes = support::example_fakes();
    let example = dir.path().join("example");
    support::copy_tree(&repo.join("examples/paper"), &example, support::RUN_OUTPUTS);
    compare("examples/paper/paper.md", &example, "paper.md", &example.join("build"), "paper.tex");
    compare("fixtures/latex/paper.tex", &latex, "paper.tex", &latex, "paper.tex");
    new_project("fixtures/latex/paper.tex", &repo.join("fixtures/latex"), dir.path());
    engines("examples/paper/paper.md", &example, "paper.md");
    engines("fixtures/latex/paper.tex", &latex, "paper.tex");
}
