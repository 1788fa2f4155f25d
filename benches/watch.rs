//! Benchmark of `paperfig watch`: save-to-new-PDF latency on a generated ~10-page
//! Markdown paper (8 plot figures from data files, text with citations, a bibliography),
//! over repeated edits of one data file. Latency = from the write of the data file to
//! watch's status line for the rebuild that regenerated its figure and wrote the new PDF.
//! Each edit must regenerate exactly one figure, replaced in the last PDF without TeX
//! (`tex=patched`). Then text edits (a word added to a paragraph), which run TeX.
//!
//! For comparison, `latexmk -pdf -pvc` (Debian's, pdflatex) on the same generated `.tex`,
//! with the figure's PDF replaced by the two versions paperfig made in turn; latency =
//! from the replacement to latexmk's "Watching for updated files" after the rebuild.
//! latexmk does not make the figure, only recompiles; it polls for changes, at best once a
//! second (`$sleep_time = 1`, its minimum). tectonic's own CLI (`-X watch`) is
//! not installed here, so it is not compared. Run with `scripts/bench` (release build).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_paperfig");
const EDITS: usize = 15;
const FIGURES: usize = 8;
const EDITED: usize = 3;
const WAIT: Duration = Duration::from_secs(300);

const WORDS: &[&str] = &[
    "model",
    "training",
    "accuracy",
    "data",
    "results",
    "baseline",
    "method",
    "network",
    "layer",
    "attention",
    "convolution",
    "budget",
    "improves",
    "shows",
    "compared",
    "across",
    "scales",
    "error",
    "robust",
    "latency",
    "the",
    "of",
    "and",
    "with",
    "under",
    "for",
    "we",
    "our",
    "this",
    "each",
];

/// Deterministic filler text: sentences of 12–20 words.
fn paragraph(seed: usize, sentences: usize) -> String {
    let mut x = (seed as u64).wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    let mut next = || {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (x >> 33) as usize
    };
    let mut out = Vec::new();
    for _ in 0..sentences {
        let n = 12 + next() % 9;
        let mut s: Vec<&str> = (0..n).map(|_| WORDS[next() % WORDS.len()]).collect();
        let first = s[0].to_string();
        let cap = first[..1].to_uppercase() + &first[1..];
        s.remove(0);
        out.push(format!("{cap} {}.", s.join(" ")));
    }
    out.join(" ")
}

fn data(fig: usize, version: usize) -> String {
    let mut s = String::from("x,y\n");
    for i in 0..30 {
        let y = ((i * (fig + 3) + version * 7) % 50) as f64 / 2.0 + version as f64;
        s.push_str(&format!("{i},{y}\n"));
    }
    s
}

fn write_project(root: &Path) {
    std::fs::create_dir_all(root.join("data")).unwrap();
    let mut md = String::from(
        "---\ntitle: \"A Ten-Page Paper for the Watch Benchmark\"\nauthors:\n  - name: A. Writer\nbibliography: refs.bib\n---\n\n",
    );
    let mut bib = String::new();
    for k in 0..10 {
        bib.push_str(&format!(
            "@article{{ref{k},\n  author = {{Author, A{k} and Other, B}},\n  title = {{Study number {k} of things}},\n  journal = {{Journal of Examples}},\n  year = {{20{:02}}}\n}}\n\n",
            10 + k
        ));
    }
    for sec in 0..FIGURES {
        md.push_str(&format!("# Section {}\n\n", sec + 1));
        for p in 0..5 {
            md.push_str(&paragraph(sec * 10 + p, 7));
            md.push_str(&format!(" As shown before [@ref{}].\n\n", (sec + p) % 10));
        }
        md.push_str(&format!(
            "```{{paperfig #fig:f{sec} kind=plot data=data/f{sec}.csv x=x y=y xlabel=Step ylabel=Value caption=\"Figure of section {}.\"}}\nLine of value by step\n```\n\n",
            sec + 1
        ));
        std::fs::write(root.join(format!("data/f{sec}.csv")), data(sec, 0)).unwrap();
        md.push_str(&paragraph(sec * 10 + 7, 6));
        md.push_str("\n\n");
    }
    std::fs::write(root.join("paper.md"), md).unwrap();
    std::fs::write(root.join("refs.bib"), bib).unwrap();
}

fn lines_of(child: &mut Child) -> Receiver<String> {
    let (tx, rx) = channel();
    let out = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for l in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    rx
}

fn field<'a>(line: &'a str, key: &str) -> &'a str {
    line.split(' ').find_map(|kv| kv.strip_prefix(key).and_then(|v| v.strip_prefix('='))).unwrap_or("")
}

fn percentile(v: &[f64], p: f64) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    // PAPERFIG_BENCH_KEEP=1 keeps the projects for a look afterwards.
    let (_cleanup, dir) = if std::env::var_os("PAPERFIG_BENCH_KEEP").is_some() {
        let kept = dir.keep();
        println!("projects kept in {}", kept.display());
        (None, kept)
    } else {
        let path = dir.path().to_path_buf();
        (Some(dir), path)
    };
    let root = dir.join("paper");
    write_project(&root);
    let mut child = Command::new(BIN)
        .args(["watch", "paper.md"])
        .current_dir(&root)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let rx = lines_of(&mut child);
    let status = |rx: &Receiver<String>| loop {
        let l = rx.recv_timeout(WAIT).expect("a status line from paperfig watch");
        if l.starts_with("[watch] #") {
            return l;
        }
    };
    let first = status(&rx);
    assert_eq!(field(&first, "output"), "updated", "first build: {first}");
    let pages = Command::new("pdfinfo").arg(root.join("build/paper.pdf")).output().map(|o| {
        String::from_utf8_lossy(&o.stdout).lines().find_map(|l| l.strip_prefix("Pages:").map(|p| p.trim().to_string()))
    });
    println!("generated paper: {} pages, {FIGURES} figures", pages.ok().flatten().unwrap_or_else(|| "?".into()));

    let edited = format!("data/f{EDITED}.csv");
    let fig_pdf = root.join(format!("build/figures/fig-f{EDITED}.pdf"));
    let mut versions = Vec::new();
    let mut lat = Vec::new();
    let mut split = Vec::new();
    for i in 1..=EDITS {
        std::thread::sleep(Duration::from_millis(300));
        let start = Instant::now();
        std::fs::write(root.join(&edited), data(EDITED, i)).unwrap();
        let line = status(&rx);
        let took = start.elapsed().as_secs_f64();
        split.push((field(&line, "figures").to_string(), field(&line, "compile").to_string()));
        assert_eq!(field(&line, "changed"), edited, "{line}");
        assert_eq!(field(&line, "regenerated"), format!("fig:f{EDITED}"), "exactly one figure: {line}");
        assert_eq!(field(&line, "output"), "updated", "{line}");
        assert_eq!(field(&line, "tex"), "patched", "only a figure changed, at its size: {line}");
        lat.push(took);
        if versions.len() < 2 {
            versions.push(std::fs::read(&fig_pdf).unwrap());
        }
    }
    println!("per rebuild (figures, compile) as watch reports them: {split:?}");
    // Text edits: a word changed in a paragraph; TeX runs, no figure is regenerated.
    let paper = std::fs::read_to_string(root.join("paper.md")).unwrap();
    let mut text_lat = Vec::new();
    for i in 1..=EDITS {
        std::thread::sleep(Duration::from_millis(300));
        let start = Instant::now();
        std::fs::write(root.join("paper.md"), paper.replace("# Section 4\n\n", &format!("# Section 4\n\nEdit {i}. ")))
            .unwrap();
        let line = status(&rx);
        text_lat.push(start.elapsed().as_secs_f64());
        assert_eq!((field(&line, "regenerated"), field(&line, "tex")), ("-", "ran"), "{line}");
    }
    std::fs::write(root.join("paper.md"), &paper).unwrap();
    let _ = status(&rx);
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let _ = child.wait();
    println!(
        "paperfig watch: save → new PDF over {EDITS} edits of {edited}: p50 {:.0} ms, p90 {:.0} ms (target p50 <= 1500 ms); each regenerated exactly 1 figure",
        percentile(&lat, 0.5) * 1000.0,
        percentile(&lat, 0.9) * 1000.0
    );
    let noisy = with_noise(&root, &edited);
    println!(
        "paperfig watch > watch.log inside the project, and another file written every 100 ms: p50 {:.0} ms, p90 {:.0} ms (quiet project above: p50 {:.0} ms); no rebuild but the edits'",
        percentile(&noisy, 0.5) * 1000.0,
        percentile(&noisy, 0.9) * 1000.0,
        percentile(&lat, 0.5) * 1000.0
    );

    // latexmk -pvc on the same .tex (in a copy of build/ so the two never share files).
    if Command::new("latexmk").arg("-v").output().is_err() {
        println!("latexmk is not installed; nothing to compare");
        return;
    }
    // The generated .tex names its bibliography `../refs.bib`, as from paperfig's build folder.
    let tex_dir = dir.join("latexmk").join("build");
    copy(&root.join("build"), &tex_dir);
    std::fs::copy(root.join("refs.bib"), dir.join("latexmk/refs.bib")).unwrap();
    let tex_fig = tex_dir.join(format!("figures/fig-f{EDITED}.pdf"));
    let mut mk = Command::new("latexmk")
        // latexmk is Perl, which holds back what it prints into a pipe: `$| = 1` lets each
        // "Watching for updated files" through as it is printed.
        .args(["-pdf", "-pvc", "-view=none", "-interaction=nonstopmode", "-e", "$sleep_time=1; $| = 1", "paper.tex"])
        .current_dir(&tex_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let rx = lines_of(&mut mk);
    // Up to the next "Watching for updated files": the programs latexmk ran meanwhile.
    let watching = |rx: &Receiver<String>| -> Vec<String> {
        let mut seen: Vec<String> = Vec::new();
        loop {
            match rx.recv_timeout(WAIT) {
                Ok(l) if l.contains("Watching for updated files") => {
                    return seen.iter().filter_map(|l| ran(l)).collect();
                }
                Ok(l) => seen.push(l),
                Err(e) => {
                    panic!("latexmk -pvc: {e:?}; its last lines:\n{}", seen[seen.len().saturating_sub(30)..].join("\n"))
                }
            }
        }
    };
    watching(&rx);
    let mut theirs = Vec::new();
    let mut their_runs = Vec::new();
    for i in 1..=EDITS {
        std::thread::sleep(Duration::from_millis(300));
        while rx.try_recv().is_ok() {}
        let start = Instant::now();
        std::fs::write(&tex_fig, &versions[i % 2]).unwrap();
        their_runs.push(watching(&rx).join("+"));
        theirs.push(start.elapsed().as_secs_f64());
    }
    // The same text edits in latexmk's .tex.
    let tex = std::fs::read_to_string(tex_dir.join("paper.tex")).unwrap();
    let anchor =
        tex.find("Section 4").and_then(|i| tex[i..].find("}\n").map(|j| i + j + 2)).expect("section 4 in the .tex");
    let mut their_text = Vec::new();
    for i in 1..=EDITS {
        std::thread::sleep(Duration::from_millis(300));
        while rx.try_recv().is_ok() {}
        let start = Instant::now();
        std::fs::write(tex_dir.join("paper.tex"), format!("{}Edit {i}. {}", &tex[..anchor], &tex[anchor..])).unwrap();
        their_runs.push(watching(&rx).join("+"));
        their_text.push(start.elapsed().as_secs_f64());
    }
    println!("what latexmk ran per edit (figure edits, then text edits): {their_runs:?}");
    let _ = mk.kill();
    let _ = mk.wait();
    let (a, b) = (percentile(&lat, 0.5), percentile(&theirs, 0.5));
    let (c, d) = (percentile(&text_lat, 0.5), percentile(&their_text, 0.5));
    println!(
        "latexmk -pdf -pvc (recompile only, figure file replaced): p50 {:.0} ms, p90 {:.0} ms",
        b * 1000.0,
        percentile(&theirs, 0.9) * 1000.0
    );
    println!(
        "text edit → new PDF: paperfig watch p50 {:.0} ms, p90 {:.0} ms; latexmk -pvc p50 {:.0} ms, p90 {:.0} ms",
        c * 1000.0,
        percentile(&text_lat, 0.9) * 1000.0,
        d * 1000.0,
        percentile(&their_text, 0.9) * 1000.0
    );
    println!("ratio paperfig watch / latexmk -pvc (p50) = {:.2}", a / b);
    println!("summary: watch data save / latexmk -pvc = {:.2} (target <= 0.30)", a / b);
    println!("summary: watch text edit / latexmk -pvc = {:.2} (target <= 1.00)", c / d);
}

/// The program a latexmk line says it is running (`Running 'pdflatex …'` → pdflatex).
fn ran(line: &str) -> Option<String> {
    let rest = line.split("Running '").nth(1)?;
    Some(rest.split([' ', '\'']).next().unwrap_or("").to_string())
}

/// The same edits with `paperfig watch > watch.log` in the project and a tool writing
/// another file of the project every 100 ms (a notebook's checkpoints, a logger): each
/// edit's latency, with every status line checked to be an edit's rebuild.
fn with_noise(root: &Path, edited: &str) -> Vec<f64> {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let log = root.join("watch.log");
    let mut child = Command::new(BIN)
        .args(["watch", "paper.md"])
        .current_dir(root)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .stdout(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let (tx, rx) = channel();
    let stop = Arc::new(AtomicBool::new(false));
    let tail_stop = Arc::clone(&stop);
    std::thread::spawn(move || {
        let mut done = 0;
        while !tail_stop.load(Ordering::Relaxed) {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            for l in text.get(done..).unwrap_or("").split_inclusive('\n').filter(|l| l.ends_with('\n')) {
                done += l.len();
                let _ = tx.send(l.trim_end().to_string());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    });
    let noise_stop = Arc::clone(&stop);
    let noise = root.join("notes.log");
    std::thread::spawn(move || {
        let mut n = 0u64;
        while !noise_stop.load(Ordering::Relaxed) {
            n += 1;
            let _ = std::fs::write(&noise, format!("checkpoint {n}\n"));
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    let status = || loop {
        let l = rx.recv_timeout(WAIT).expect("a status line from paperfig watch");
        if l.starts_with("[watch] #") {
            return l;
        }
    };
    let first = status();
    assert_eq!(field(&first, "output"), "updated", "first build: {first}");
    let mut lat = Vec::new();
    for i in 1..=EDITS {
        std::thread::sleep(Duration::from_millis(300));
        let start = Instant::now();
        std::fs::write(root.join(edited), data(EDITED, 100 + i)).unwrap();
        let line = status();
        lat.push(start.elapsed().as_secs_f64());
        assert_eq!(field(&line, "changed"), edited, "only the edit starts a rebuild: {line}");
        assert_eq!(field(&line, "regenerated"), format!("fig:f{EDITED}"), "{line}");
    }
    stop.store(true, Ordering::Relaxed);
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let _ = child.wait();
    lat
}

fn copy(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from).into_iter().filter_map(Result::ok) {
        let dest = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}
