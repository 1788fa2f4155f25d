//! `paperfig watch` as a writer uses it: a real process on a project in a temporary folder,
//! edited while it runs. Each rebuild prints one status line (`[watch] #N changed=…
//! regenerated=… pending=… output=… errors=… time=…`); the tests read those lines and the
//! files the rebuilds wrote. Waits are generous timeouts, never timing assertions.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::util::{PaperTest, files_under, pdf_text};

const WAIT: Duration = Duration::from_secs(300);

/// One parsed status line.
#[derive(Debug, Clone)]
struct Status {
    fields: BTreeMap<String, String>,
}

impl Status {
    fn parse(line: &str) -> Option<Status> {
        let rest = line.strip_prefix("[watch] #")?;
        let fields = rest.split(' ').skip(1).filter_map(|kv| kv.split_once('=')).map(|(k, v)| (k.into(), v.into()));
        Some(Status { fields: fields.collect() })
    }
    fn list(&self, key: &str) -> BTreeSet<String> {
        match self.fields.get(key).map(String::as_str) {
            None | Some("-") => BTreeSet::new(),
            Some(v) => v.split(',').map(String::from).collect(),
        }
    }
    fn get(&self, key: &str) -> &str {
        self.fields.get(key).map_or("", String::as_str)
    }
    fn errors(&self) -> usize {
        self.get("errors").parse().unwrap()
    }
}

/// Standard error of `child`, gathered by its own thread as it arrives.
fn collect_stderr(child: &mut Child) -> Arc<Mutex<String>> {
    let stderr = Arc::new(Mutex::new(String::new()));
    let mut err = child.stderr.take().unwrap();
    let sink = Arc::clone(&stderr);
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = err.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    stderr
}

/// A running `paperfig watch`, its stdout lines arriving on a channel.
struct Watching {
    child: Child,
    lines: Receiver<String>,
    stdout: Vec<String>,
    stderr: Arc<Mutex<String>>,
}

impl Watching {
    fn start(t: &PaperTest, args: &[&str]) -> Watching {
        let mut all = vec!["watch"];
        all.extend_from_slice(args);
        let mut child = t.command(&all).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let (tx, lines) = channel();
        let out = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = collect_stderr(&mut child);
        Watching { child, lines, stdout: Vec::new(), stderr }
    }

    /// `paperfig watch ARGS > LOG`: standard output redirected into a file of the project
    /// (read back line by line as it grows), as a writer keeping a log would.
    fn start_logged(t: &PaperTest, args: &[&str], log: &str) -> Watching {
        let mut all = vec!["watch"];
        all.extend_from_slice(args);
        let path = t.path(log);
        let file = std::fs::File::create(&path).unwrap();
        let mut child = t.command(&all).stdout(file).stderr(Stdio::piped()).spawn().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            let (mut done, mut partial) = (0usize, String::new());
            loop {
                let text = std::fs::read(&path).unwrap_or_default();
                if text.len() > done {
                    partial.push_str(&String::from_utf8_lossy(&text[done..]));
                    done = text.len();
                    while let Some(i) = partial.find('\n') {
                        let line: String = partial.drain(..=i).collect();
                        if tx.send(line.trim_end().to_string()).is_err() {
                            return;
                        }
                    }
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        let stderr = collect_stderr(&mut child);
        Watching { child, lines, stdout: Vec::new(), stderr }
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits until standard error (read by its own thread, so it may lag behind the status
    /// line on standard output) contains `text`.
    fn stderr_gets(&self, text: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if self.stderr().contains(text) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    fn next_line(&mut self, until: Instant) -> Option<String> {
        let left = until.saturating_duration_since(Instant::now());
        match self.lines.recv_timeout(left) {
            Ok(l) => {
                self.stdout.push(l.clone());
                Some(l)
            }
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => {
                panic!("paperfig watch exited\nstdout:\n{}\nstderr:\n{}", self.stdout.join("\n"), self.stderr())
            }
        }
    }

    /// Status lines until one satisfies `done` (an edit may be seen in more than one batch).
    fn until(&mut self, what: &str, done: impl Fn(&Status) -> bool) -> Vec<Status> {
        let deadline = Instant::now() + WAIT;
        let mut seen = Vec::new();
        loop {
            let Some(line) = self.next_line(deadline) else {
                panic!("no status with {what}\nstdout:\n{}\nstderr:\n{}", self.stdout.join("\n"), self.stderr())
            };
            if let Some(s) = Status::parse(&line) {
                let stop = done(&s);
                seen.push(s);
                if stop {
                    return seen;
                }
            }
        }
    }

    /// Statuses until one names `file` as changed; returns them all.
    fn after_change(&mut self, file: &str) -> Vec<Status> {
        self.until(&format!("changed={file}"), |s| s.list("changed").contains(file))
    }

    /// Every stdout line printed within `d` (used to check that nothing happens).
    fn lines_during(&mut self, d: Duration) -> Vec<String> {
        let until = Instant::now() + d;
        let mut out = Vec::new();
        while let Some(l) = self.next_line(until) {
            out.push(l);
        }
        out
    }

    /// Sends SIGINT (Ctrl-C) and waits for the process to exit.
    fn interrupt(mut self) -> (std::process::ExitStatus, Vec<String>) {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGINT) };
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                while let Ok(l) = self.lines.recv_timeout(Duration::from_secs(5)) {
                    self.stdout.push(l);
                }
                return (status, self.stdout.clone());
            }
            assert!(Instant::now() < deadline, "paperfig watch did not stop on SIGINT");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn regenerated(statuses: &[Status]) -> BTreeSet<String> {
    statuses.iter().flat_map(|s| s.list("regenerated")).collect()
}

fn figure(id: &str, data: &str) -> String {
    format!("```{{paperfig #{id} kind=plot data={data} x=x y=y caption=\"Figure {id}.\"}}\nBars of y by x\n```\n\n")
}

fn paper(word: &str, extra: &str) -> String {
    format!(
        "---\ntitle: Watch test\n---\n\n# Intro\n\nThe word is {word}.\n\n{}{}{extra}",
        figure("fig:a", "data/a.csv"),
        figure("fig:b", "data/b.csv")
    )
}

fn project() -> PaperTest {
    PaperTest::new()
        .file("paper.md", &paper("ALPHA", ""))
        .file("data/a.csv", "x,y\n1,2\n2,3\n")
        .file("data/b.csv", "x,y\n1,5\n2,1\n")
}

fn manifest_ids(t: &PaperTest) -> BTreeSet<String> {
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(t.path("build/figures/manifest.json")).unwrap()).unwrap();
    m["figures"].as_object().unwrap().keys().cloned().collect()
}

fn pdf(t: &PaperTest) -> String {
    pdf_text(&t.path("build/paper.pdf"))
}

fn no_temp_files(dir: &Path) {
    let temps: Vec<_> =
        files_under(dir).into_iter().filter(|p| p.to_string_lossy().ends_with(paperfig::fsutil::TEMP_SUFFIX)).collect();
    assert!(temps.is_empty(), "half-written files left: {temps:?}");
}

#[test]
fn edits_rebuild_only_what_they_reach_and_errors_recover() {
    let t = project();
    let mut w = Watching::start(&t, &[]);
    let first = w.until("the first build", |_| true).remove(0);
    assert_eq!(first.get("output"), "updated", "{}", w.stderr());
    assert_eq!(first.errors(), 0, "{}", w.stderr());
    assert_eq!(first.list("regenerated"), ["fig:a", "fig:b"].map(String::from).into());
    assert!(pdf(&t).contains("ALPHA"));

    // A data file: only its figure is regenerated, and the PDF is compiled again.
    let pdf_before = std::fs::read(t.path("build/paper.pdf")).unwrap();
    t.write("data/a.csv", "x,y\n1,7\n2,3\n3,9\n");
    let s = w.after_change("data/a.csv");
    assert_eq!(regenerated(&s), ["fig:a".to_string()].into());
    assert_eq!(s.last().unwrap().get("output"), "updated");
    // Only a figure changed, at its size: it is replaced in the PDF without TeX.
    assert_eq!(s.last().unwrap().get("tex"), "patched", "{s:?}");
    assert_ne!(std::fs::read(t.path("build/paper.pdf")).unwrap(), pdf_before, "the PDF shows the new figure");

    // Text only: no figure is regenerated, the PDF has the new text.
    t.write("paper.md", &paper("BRAVO", ""));
    let s = w.after_change("paper.md");
    assert!(regenerated(&s).is_empty(), "{s:?}");
    assert_eq!(s.last().unwrap().get("output"), "updated");
    assert_eq!(s.last().unwrap().get("tex"), "ran");
    assert!(pdf(&t).contains("BRAVO"));

    // An editor's save: new contents written to a temporary file renamed over the original.
    t.write("data/b.csv.tmp", "x,y\n1,1\n2,2\n3,3\n");
    std::fs::rename(t.path("data/b.csv.tmp"), t.path("data/b.csv")).unwrap();
    let s = w.after_change("data/b.csv");
    assert_eq!(regenerated(&s), ["fig:b".to_string()].into());

    // A directive added, with its new data file.
    t.write("data/c.csv", "x,y\n1,4\n2,4\n");
    t.write("paper.md", &paper("BRAVO", &figure("fig:c", "data/c.csv")));
    let s = w.until("fig:c regenerated", |s| s.list("regenerated").contains("fig:c"));
    assert_eq!(s.last().unwrap().errors(), 0, "{}", w.stderr());
    assert!(manifest_ids(&t).contains("fig:c"));

    // A broken directive: the error is shown at its line, the watcher keeps running.
    let broken = paper("BRAVO", &figure("fig:c", "data/c.csv").replace("kind=plot", "kind=plott"));
    let line = broken.lines().position(|l| l.contains("kind=plott")).unwrap() + 1;
    t.write("paper.md", &broken);
    let s = w.after_change("paper.md");
    assert!(s.last().unwrap().errors() >= 1, "{s:?}");
    let at = format!("paper.md:{line}:");
    assert!(w.stderr_gets(&at), "error not located at line {line}:\n{}", w.stderr());
    // Fixing it recovers.
    t.write("paper.md", &paper("CHARLIE", &figure("fig:c", "data/c.csv")));
    let s = w.after_change("paper.md");
    assert_eq!(s.last().unwrap().errors(), 0, "{}", w.stderr());
    assert_eq!(s.last().unwrap().get("output"), "updated");
    assert!(pdf(&t).contains("CHARLIE"));

    // A data file deleted: its figure fails with a located error, the others still build;
    // putting it back recovers.
    std::fs::remove_file(t.path("data/c.csv")).unwrap();
    let s = w.after_change("data/c.csv");
    assert!(s.last().unwrap().errors() >= 1);
    t.write("data/c.csv", "x,y\n1,8\n2,8\n");
    let s = w.after_change("data/c.csv");
    assert_eq!(s.last().unwrap().errors(), 0, "{}", w.stderr());
    assert_eq!(regenerated(&s), ["fig:c".to_string()].into());

    // The directive removed: its figure leaves the manifest.
    t.write("paper.md", &paper("DELTA", ""));
    let s = w.after_change("paper.md");
    assert_eq!(s.last().unwrap().errors(), 0, "{}", w.stderr());
    assert!(!manifest_ids(&t).contains("fig:c"));

    // A new source file with a figure, then the file renamed and deleted.
    t.write("data/d.csv", "x,y\n1,6\n2,9\n");
    t.write("notes.md", &figure("fig:d", "data/d.csv"));
    let s = w.after_change("notes.md");
    assert!(regenerated(&s).contains("fig:d"), "{s:?}");
    std::fs::rename(t.path("notes.md"), t.path("more.md")).unwrap();
    w.until("more.md", |s| s.list("changed").contains("more.md"));
    std::fs::remove_file(t.path("more.md")).unwrap();
    w.after_change("more.md");
    assert!(!manifest_ids(&t).contains("fig:d"));

    // Saving without changes, and paperfig's own writes, start nothing (no loop).
    t.write("paper.md", &paper("DELTA", ""));
    let quiet = w.lines_during(Duration::from_secs(4));
    assert!(quiet.iter().all(|l| Status::parse(l).is_none()), "unexpected rebuilds: {quiet:?}");

    let (status, out) = w.interrupt();
    assert!(status.success(), "exit status {status:?}");
    assert_eq!(out.last().map(String::as_str), Some("[watch] stopped"));
    no_temp_files(&t.root);
}

#[test]
fn a_data_file_changed_during_a_build_is_picked_up() {
    let t = project();
    let mut w = Watching::start(&t, &[]);
    w.until("the first build", |_| true);
    // The second write lands while the rebuild for the first one runs (it compiles).
    t.write("data/a.csv", "x,y\n1,1\n");
    std::thread::sleep(Duration::from_millis(400));
    t.write("data/a.csv", "x,y\n1,1\n2,2\n3,3\n4,4\n");
    // Wait until the watcher is idle again: a status, then a few quiet seconds.
    let mut statuses = w.after_change("data/a.csv");
    loop {
        let more = w.lines_during(Duration::from_secs(4));
        let parsed: Vec<Status> = more.iter().filter_map(|l| Status::parse(l)).collect();
        if parsed.is_empty() {
            break;
        }
        statuses.extend(parsed);
    }
    assert!(statuses.iter().all(|s| s.errors() == 0), "{}", w.stderr());
    assert_eq!(statuses.last().unwrap().get("output"), "updated");
    drop(w);
    // The figure placed is the one of the last contents: a fresh gen finds that key cached
    // and it is the key in the manifest watch wrote.
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(t.path("build/figures/manifest.json")).unwrap()).unwrap();
    let report = t.build().ok().json();
    let a = report["figures"].as_array().unwrap().iter().find(|f| f["id"] == "fig:a").unwrap().clone();
    assert_eq!(a["status"], "cached", "{report}");
    assert_eq!(m["figures"]["fig:a"]["key"], a["key"]);
}

#[test]
fn hosted_figures_arrive_in_the_background() {
    let t = PaperTest::copy_of("examples/paper");
    let mut w = Watching::start(&t, &[]);
    let first = w.until("the first build", |_| true).remove(0);
    // The rest of the paper is compiled while the hosted figures are still out.
    assert_eq!(first.get("output"), "updated", "{}", w.stderr());
    let pending = first.list("pending");
    assert!(!pending.is_empty(), "the example has uncached hosted figures: {first:?}");
    for id in &pending {
        assert!(!first.list("regenerated").contains(id));
    }
    // They arrive, the paper is compiled again with them, and nothing is pending.
    let s = w.until("hosted figures placed", |s| s.list("pending").is_empty());
    let last = s.last().unwrap();
    assert_eq!(last.get("output"), "updated", "{}", w.stderr());
    assert_eq!(last.errors(), 0, "{}", w.stderr());
    assert!(w.stdout.iter().any(|l| l.starts_with("[watch] hosted figures arrived")));
    let ids = manifest_ids(&t);
    for id in &pending {
        assert!(ids.contains(id), "{id} placed after it arrived");
    }
    let (status, _) = w.interrupt();
    assert!(status.success());
}

#[test]
fn mdbook_chapters_of_changed_figures_are_refreshed() {
    let chapter = format!("# Chapter\n\nText.\n\n{}", figure("fig:m", "../data/m.csv"));
    let t = PaperTest::new()
        .file("book.toml", "[book]\ntitle = \"B\"\n\n[preprocessor.paperfig]\ncommand = \"paperfig mdbook\"\n")
        .file("src/SUMMARY.md", "# Summary\n\n- [Chapter](chapter.md)\n- [Other](other.md)\n")
        .file("src/chapter.md", &chapter)
        .file("src/other.md", "# Other\n\nNo figures.\n")
        .file("data/m.csv", "x,y\n1,2\n");
    let mut w = Watching::start(&t, &["--mdbook"]);
    let first = w.until("the first build", |_| true).remove(0);
    assert_eq!(first.errors(), 0, "{}", w.stderr());
    assert_eq!(first.get("output"), "skipped");
    let mtime = |rel: &str| std::fs::metadata(t.path(rel)).unwrap().modified().unwrap();
    let (chapter_before, other_before) = (mtime("src/chapter.md"), mtime("src/other.md"));
    std::thread::sleep(Duration::from_millis(50));
    t.write("data/m.csv", "x,y\n1,2\n2,5\n");
    let s = w.after_change("data/m.csv");
    assert_eq!(regenerated(&s), ["fig:m".to_string()].into());
    assert_eq!(s.last().unwrap().get("output"), "touched");
    // The chapter holding the figure has a new modification time, its text unchanged; the
    // other chapter is left alone; and the touch does not start another rebuild.
    assert!(mtime("src/chapter.md") > chapter_before);
    assert_eq!(mtime("src/other.md"), other_before);
    assert_eq!(std::fs::read_to_string(t.path("src/chapter.md")).unwrap(), chapter);
    let quiet = w.lines_during(Duration::from_secs(3));
    assert!(quiet.iter().all(|l| Status::parse(l).is_none()), "unexpected rebuilds: {quiet:?}");
    let (status, _) = w.interrupt();
    assert!(status.success());
}

/// Watch uses the shared remote cache like `build`: a fresh checkout's first rebuild takes
/// the figures a coauthor uploaded instead of regenerating them.
#[test]
fn watch_takes_figures_from_the_remote_cache() {
    let server = crate::servers::Nginx::start();
    let a = project().file("paperfig.toml", &format!("[cache]\nremote = \"{}\"\n", server.url("team/watch")));
    a.run(&["gen"]).ok();
    assert!(!server.files().is_empty(), "the first checkout uploaded its figures");
    let b = PaperTest::new();
    crate::util::copy_dir(&a.root, &b.root);
    assert!(!b.path(".paperfig").exists() && !b.path("build").exists());
    let mut w = Watching::start(&b, &[]);
    let first = w.until("the first build", |_| true).remove(0);
    assert_eq!(first.errors(), 0, "{}", w.stderr());
    assert!(first.list("regenerated").is_empty(), "figures came from the remote cache: {first:?}");
    assert_eq!(manifest_ids(&b), ["fig:a".to_string(), "fig:b".to_string()].into());
    let (status, _) = w.interrupt();
    assert!(status.success());
}

#[test]
fn locked_and_frozen_are_refused_before_watching() {
    let t = PaperTest::new().file("paper.md", "# Paper\n");
    for flag in ["--locked", "--frozen"] {
        t.run(&["watch", flag]).code(2).stderr_has("--locked and --frozen are for one-shot builds");
    }
}

/// A 4×4 PNG of one grey.
fn png(grey: u8) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut enc = png::Encoder::new(&mut bytes, 4, 4);
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header().unwrap().write_image_data(&[grey; 16]).unwrap();
    bytes
}

#[test]
fn only_what_the_paper_reads_recompiles_and_its_own_log_never_does() {
    let tex = "\\documentclass{article}\n\\usepackage{graphicx}\n\\usepackage{paperfig}\n\\begin{document}\n\
               The word is ALPHA. \\input{chapter}\n\\includegraphics[width=1cm]{logo.png}\nSee \\cite{a}.\n\
               \\begin{paperfigure}[id=fig:a, kind=plot, data=data/a.csv, x=x, y=y]\n  {Bars}\n  Bars of y by x\n\\end{paperfigure}\n\
               \\bibliographystyle{plain}\n\\bibliography{refs}\n\\end{document}\n";
    let t = PaperTest::new()
        .file("paper.tex", tex)
        .file("chapter.tex", "The chapter says BRAVO.\n")
        .file("refs.bib", "@misc{a, title={First title}, year={2020}}\n")
        .file("data/a.csv", "x,y\n1,2\n2,3\n");
    std::fs::write(t.path("logo.png"), png(40)).unwrap();
    // `paperfig watch -v paper.tex > watch.log`, inside the project
    let mut w = Watching::start_logged(&t, &["-v", "paper.tex"], "watch.log");
    let first = w.until("the first build", |_| true).remove(0);
    assert_eq!((first.get("output"), first.errors()), ("updated", 0), "{}", w.stderr());
    let text = pdf_text(&t.path("build/paper.pdf"));
    assert!(text.contains("ALPHA") && text.contains("BRAVO") && text.contains("First title"), "{text}");

    // Its own status lines land in watch.log: no rebuild follows (it used to loop forever).
    let quiet = |w: &mut Watching, what: &str| {
        let lines = w.lines_during(Duration::from_secs(4));
        assert!(lines.iter().all(|l| Status::parse(l).is_none()), "{what} started a rebuild: {lines:?}");
        lines
    };
    quiet(&mut w, "the log");
    // A file nothing reads starts nothing; -v says so once.
    t.write("notes.txt", "to do\n");
    let said = quiet(&mut w, "notes.txt");
    assert!(said.iter().any(|l| l.contains("ignored notes.txt")), "{said:?}");
    t.write("notes.txt", "to do, again\n");
    let said = quiet(&mut w, "notes.txt again");
    assert!(!said.iter().any(|l| l.contains("ignored")), "said once: {said:?}");

    // Each file the paper reads starts exactly one rebuild, which shows the change.
    let edits: [(&str, &dyn Fn(), &str); 4] = [
        ("refs.bib", &|| t.write("refs.bib", "@misc{a, title={Second title}, year={2021}}\n"), "Second title"),
        ("chapter.tex", &|| t.write("chapter.tex", "The chapter says CHARLIE.\n"), "CHARLIE"),
        ("logo.png", &|| std::fs::write(t.path("logo.png"), png(200)).unwrap(), ""),
        ("data/a.csv", &|| t.write("data/a.csv", "x,y\n1,9\n2,1\n3,4\n"), ""),
    ];
    for (file, edit, shows) in edits {
        let pdf_before = std::fs::read(t.path("build/paper.pdf")).unwrap();
        edit();
        let s = w.after_change(file);
        let last = s.last().unwrap();
        assert_eq!((last.get("output"), last.errors()), ("updated", 0), "{file}: {}", w.stderr());
        assert_eq!(s.iter().filter(|s| s.get("output") == "updated").count(), 1, "{file}: {s:?}");
        assert_ne!(std::fs::read(t.path("build/paper.pdf")).unwrap(), pdf_before, "{file}: the PDF changed");
        if !shows.is_empty() {
            assert!(pdf_text(&t.path("build/paper.pdf")).contains(shows), "{file}");
        }
        if file == "data/a.csv" {
            assert_eq!(regenerated(&s), ["fig:a".to_string()].into());
        }
        quiet(&mut w, &format!("the rebuild after {file}"));
    }
    let (status, _) = w.interrupt();
    assert!(status.success());
}

#[test]
fn watch_compiles_with_an_installed_engine_too() {
    let ok = ["latexmk", "pdflatex"]
        .iter()
        .all(|p| std::process::Command::new(p).arg("--version").output().is_ok_and(|o| o.status.success()));
    if !ok {
        eprintln!("SKIPPED: latexmk or pdflatex is not installed");
        return;
    }
    let t = project();
    let mut w = Watching::start(&t, &["--engine", "pdflatex"]);
    let first = w.until("the first build", |_| true).remove(0);
    assert_eq!((first.get("output"), first.errors()), ("updated", 0), "{}", w.stderr());
    let info = crate::util::poppler("pdfinfo", &[], &t.path("build/paper.pdf"));
    assert!(info.contains("pdfTeX"), "{info}");
    assert!(pdf(&t).contains("ALPHA"));
    t.write("paper.md", &paper("BRAVO", ""));
    let s = w.after_change("paper.md");
    assert_eq!(s.last().unwrap().get("output"), "updated", "{}", w.stderr());
    assert!(pdf(&t).contains("BRAVO"));
    // A data file: its figure is regenerated and the PDF compiled again with it.
    t.write("data/a.csv", "x,y\n1,7\n2,3\n3,9\n");
    let s = w.after_change("data/a.csv");
    assert_eq!(regenerated(&s), ["fig:a".to_string()].into());
    assert_eq!(s.last().unwrap().get("output"), "updated", "{}", w.stderr());
    let (status, _) = w.interrupt();
    assert!(status.success());
    no_temp_files(&t.root);
}

/// The heights TeX measured for the two boxes of `fonts_in_order`, from the log.
fn measured(t: &PaperTest) -> (f64, f64) {
    let log = std::fs::read_to_string(t.path("build/paper.log")).unwrap();
    let at = log.find("[heights ").unwrap_or_else(|| panic!("no heights in the log:\n{log}")) + "[heights ".len();
    let pt = |s: &str| s.trim_end_matches("pt").parse::<f64>().unwrap();
    let mut it = log[at..].split(']').next().unwrap().split_whitespace().map(pt);
    (it.next().unwrap(), it.next().unwrap())
}

/// A paper that measures a 10 pt and a 9 pt typewriter `f`, loading the fonts in the
/// order given (`small_first`), and says the heights in its log.
fn fonts_in_order(small_first: bool, word: &str) -> String {
    let (normal, small) = ("\\setbox0\\hbox{\\texttt{f}}", "\\setbox2\\hbox{\\small\\texttt{f}}");
    let boxes = if small_first { format!("{small}{normal}") } else { format!("{normal}{small}") };
    format!(
        "---\ntitle: Fonts\n---\n\n# Fonts\n\nThe word is {word}.\n\n```{{=latex}}\n{boxes}\\message{{[heights \\the\\ht0 \\space\\the\\ht2]}}\n```\n"
    )
}

/// Each compile of a watch measures its words with its own fonts: TeX numbers fonts in
/// the order a run loads them, and the engine's glyph boxes, kept by that number, used to
/// outlive the run (the 9 pt `f` took the 10 pt one's height after the order changed).
#[test]
fn each_compile_measures_words_with_its_own_fonts() {
    let t = PaperTest::new().file("paper.md", &fonts_in_order(false, "ALPHA"));
    let mut w = Watching::start(&t, &[]);
    let first = w.until("the first build", |_| true).remove(0);
    assert_eq!((first.get("output"), first.errors()), ("updated", 0), "{}", w.stderr());
    let (normal, small) = measured(&t);
    assert!(small < normal, "a 9 pt f is lower than a 10 pt one: {small} < {normal}");
    for (i, small_first) in [true, false, true].into_iter().enumerate() {
        t.write("paper.md", &fonts_in_order(small_first, &format!("EDIT{i}")));
        let s = w.after_change("paper.md");
        assert_eq!(s.last().unwrap().get("output"), "updated", "{}", w.stderr());
        assert!(pdf(&t).contains(&format!("EDIT{i}")));
        assert_eq!(measured(&t), (normal, small), "compile {i} (small first: {small_first})");
    }
}
