//! `paperfig mdbook` under the real `mdbook` 0.5 binary: `mdbook build` and `mdbook serve`
//! on copies of `fixtures/book/` (a plain book a user adds three lines to), and on the guide.
//! Tests that need mdbook print a loud SKIPPED line when it is not installed
//! (`scripts/setup` installs it; CI runs the setup).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::util::{BIN, PaperTest, Run, copy_dir, repo};

/// The real mdbook: on PATH, or where `cargo install` puts it.
pub(crate) fn mdbook() -> Option<PathBuf> {
    let candidates = [PathBuf::from("mdbook"), home::cargo_bin("mdbook")];
    let found = candidates.into_iter().find(|p| {
        Command::new(p).arg("--version").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("0.5."))
    });
    if found.is_none() {
        eprintln!("\n*** SKIPPED: mdbook 0.5 is not installed; run scripts/setup to run the mdBook tests ***\n");
    }
    found
}

mod home {
    pub fn cargo_bin(name: &str) -> std::path::PathBuf {
        let cargo_home = std::env::var_os("CARGO_HOME")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| std::path::PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo"));
        cargo_home.join("bin").join(name)
    }
}

/// The three lines a user adds to `book.toml`, with this build's paperfig.
fn three_lines() -> String {
    format!("[preprocessor.paperfig]\ncommand = \"{BIN} mdbook\"\nafter = [\"links\"]\n")
}

/// A copy of `fixtures/book` with paperfig enabled (plus `extra` lines in its table).
fn fixture_book(extra: &str) -> PaperTest {
    let t = PaperTest::copy_of("fixtures/book");
    let toml = std::fs::read_to_string(t.path("book.toml")).unwrap();
    std::fs::write(t.path("book.toml"), format!("{toml}\n{}{extra}", three_lines())).unwrap();
    t
}

pub(crate) fn build(mdbook: &Path, book: &Path) -> Run {
    Run::from(Command::new(mdbook).arg("build").current_dir(book).env_remove("RUST_LOG").output().unwrap())
}

pub(crate) fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `<figure id="ID" …>…</figure>` element of a page.
pub(crate) fn figure<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html.find(&format!("<figure id=\"{id}\"")).unwrap_or_else(|| panic!("no figure {id} in the page"));
    let end = html[start..].find("</figure>").unwrap() + start + "</figure>".len();
    &html[start..end]
}

/// The image bytes of a figure element's data URI, with its MIME type.
pub(crate) fn image(figure: &str) -> (String, Vec<u8>) {
    let start = figure.find("src=\"data:").unwrap() + "src=\"data:".len();
    let (mime, rest) = figure[start..].split_once(";base64,").unwrap();
    let data = &rest[..rest.find('"').unwrap()];
    (mime.to_string(), base64_decode(data))
}

fn base64_decode(s: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {}", c as char),
    };
    let mut out = Vec::new();
    for chunk in s.as_bytes().chunks(4) {
        let digits: Vec<u8> = chunk.iter().filter(|&&c| c != b'=').map(|&c| value(c)).collect();
        let n = digits.iter().enumerate().fold(0u32, |n, (i, &d)| n | (u32::from(d) << (18 - 6 * i)));
        out.extend_from_slice(&n.to_be_bytes()[1..digits.len()]);
    }
    out
}

/// Parses an SVG with usvg (the parser resvg uses) and returns its size in px.
fn svg_size(bytes: &[u8]) -> (f32, f32) {
    let tree = resvg::usvg::Tree::from_data(bytes, &resvg::usvg::Options::default()).expect("a valid SVG");
    assert!(tree.root().has_children(), "the SVG draws something");
    (tree.size().width(), tree.size().height())
}

#[test]
fn three_lines_in_book_toml_put_the_figures_in_mdbook_build() {
    let Some(mdbook) = mdbook() else { return };
    let book = fixture_book("");
    build(&mdbook, &book.root).ok().stderr_has("paperfig: 2 figures: 2 generated, 0 cached");

    let results = read(&book.path("book/results.html"));
    let fig = figure(&results, "fig:accuracy");
    assert!(fig.contains("<figcaption><strong>Figure 1.</strong> Top-1 accuracy by model</figcaption>"), "{fig}");
    let (mime, svg) = image(fig);
    assert_eq!(mime, "image/svg+xml", "SVG for html by default");
    let (w, h) = svg_size(&svg);
    assert!(w > 100.0 && h > 50.0, "{w}x{h}");
    let svg_text = String::from_utf8(svg).unwrap();
    for model in [">A<", ">B<", ">C<"] {
        assert!(svg_text.contains(model), "the chart labels the bars from the data file: {model}");
    }
    assert!(results.contains("(<a href=\"#fig:accuracy\">Figure 1</a>)"), "a same-page reference");
    assert!(results.contains("<a href=\"method/design.html#fig:pipeline\">Figure 2</a>"), "a link into a sub-chapter");

    let design = read(&book.path("book/method/design.html"));
    let fig = figure(&design, "fig:pipeline");
    let (_, svg) = image(fig);
    let svg_text = String::from_utf8(svg.clone()).unwrap();
    svg_size(&svg);
    assert!(svg_text.contains("batches") && svg_text.contains("metrics"), "the diagram's edge label and nodes");
    assert!(design.contains("<a href=\"../results.html#fig:accuracy\">Figure 1</a>"), "links climb out of folders");

    // Nothing was written into the book's source folder (what mdbook serve watches).
    let mut src_files: Vec<String> = walkdir::WalkDir::new(book.path("src"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(book.path("src")).unwrap().to_string_lossy().replace('\\', "/"))
        .collect();
    src_files.sort();
    assert_eq!(src_files, ["SUMMARY.md", "data/accuracy.csv", "intro.md", "method/design.md", "results.md"]);

    // A second build is served from the cache and gives the same pages.
    build(&mdbook, &book.root).ok().stderr_has("2 figures: 0 generated, 2 cached");
    assert_eq!(read(&book.path("book/results.html")), results);
}

#[test]
fn chapters_without_directives_come_back_byte_identical() {
    let Some(mdbook) = mdbook() else { return };
    // mdBook's markdown renderer writes each chapter as the preprocessors left it.
    let book = fixture_book("\n[output.html]\n\n[output.markdown]\n");
    build(&mdbook, &book.root).ok();
    let src = std::fs::read(book.path("src/intro.md")).unwrap();
    let out = std::fs::read(book.path("book/markdown/intro.md")).unwrap();
    assert!(src == out, "intro.md changed:\n{}", String::from_utf8_lossy(&out));
    // …while a chapter with a figure did change, and got PNG (the default for renderers other than html).
    let results = read(&book.path("book/markdown/results.md"));
    let (mime, png_bytes) = image(figure(&results, "fig:accuracy"));
    assert_eq!(mime, "image/png");
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let info = decoder.read_info().expect("a valid PNG").info().clone();
    assert!(info.width > 200 && info.height > 100, "{}x{}", info.width, info.height);
}

const BROKEN: &str = "# Method\n\nSome text.\n\n```{paperfig #fig:pipeline kind=diagram caption=\"The training pipeline\"}\ndata -> -> model\n```\n\nAccuracy is shown in @fig:accuracy.\n";

#[test]
fn an_error_in_one_chapter_stops_the_build_or_shows_a_box() {
    let Some(mdbook) = mdbook() else { return };
    // fail-on-error defaults to true: mdbook build fails and says where.
    let book = fixture_book("");
    book.write("src/method/design.md", BROKEN);
    let run = build(&mdbook, &book.root);
    assert_ne!(run.code, 0, "{}", run.stderr);
    let run = run.stderr_has("src/method/design.md:6:").stderr_has("fail-on-error = false");
    assert!(run.stderr.contains("hint:"), "{}", run.stderr);

    // fail-on-error = false: the book builds, the chapter shows the error, the others their figures.
    let book = fixture_book("fail-on-error = false\n");
    book.write("src/method/design.md", BROKEN);
    build(&mdbook, &book.root).ok().stderr_has("src/method/design.md:6:");
    let design = read(&book.path("book/method/design.html"));
    assert!(!design.contains("<figure"), "the broken figure is not shown");
    let start = design.find("<div class=\"paperfig-error\"").expect("an error box");
    let error_box = &design[start..start + design[start..].find("</div>").unwrap()];
    assert!(error_box.contains("<code>src/method/design.md:6:"), "{error_box}");
    assert!(error_box.contains("hint:"), "{error_box}");
    assert!(design.contains("<a href=\"../results.html#fig:accuracy\">Figure 1</a>"), "the rest of the chapter");
    let results = read(&book.path("book/results.html"));
    svg_size(&image(figure(&results, "fig:accuracy")).1);
}

/// Lines a child process writes to stderr, collected by a thread.
struct Lines(Arc<Mutex<Vec<String>>>);

impl Lines {
    fn count(&self, needle: &str) -> usize {
        self.0.lock().unwrap().iter().filter(|l| l.contains(needle)).count()
    }

    fn wait_for(&self, needle: &str, n: usize, child: &mut std::process::Child) {
        let deadline = Instant::now() + Duration::from_secs(120);
        while self.count(needle) < n {
            assert!(child.try_wait().unwrap().is_none(), "mdbook serve exited:\n{}", self.all());
            assert!(Instant::now() < deadline, "no {n}× {needle:?} from mdbook serve:\n{}", self.all());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn all(&self) -> String {
        self.0.lock().unwrap().join("\n")
    }
}

#[test]
fn mdbook_serve_rebuilds_once_per_data_edit_and_never_loops() {
    let Some(mdbook) = mdbook() else { return };
    let book = fixture_book("");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(&mdbook)
        .args(["serve", "-n", "127.0.0.1", "-p", &port.to_string()])
        .current_dir(&book.root)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = Lines(Arc::new(Mutex::new(Vec::new())));
    let sink = Arc::clone(&lines.0);
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        lines.wait_for("Serving on", 1, &mut child);
        lines.wait_for("HTML book written", 1, &mut child);
        let before = figure(&read(&book.path("book/results.html")), "fig:accuracy").to_string();
        // Let the first build's writes (cache, lockfile, figure files) settle, then edit once.
        std::thread::sleep(Duration::from_secs(2));
        assert_eq!(lines.count("Book building has started"), 1, "{}", lines.all());
        std::fs::write(book.path("src/data/accuracy.csv"), "model,accuracy\nA,0.71\nB,0.78\nC,0.99\n").unwrap();
        lines.wait_for("HTML book written", 2, &mut child);
        // A quiet period: a preprocessor that writes into watched folders would rebuild again here.
        std::thread::sleep(Duration::from_secs(5));
        assert_eq!(lines.count("Book building has started"), 2, "one rebuild per edit, no loop:\n{}", lines.all());
        assert_eq!(lines.count("Files changed"), 1, "{}", lines.all());
        let after = figure(&read(&book.path("book/results.html")), "fig:accuracy").to_string();
        assert_ne!(before, after, "the rebuilt page shows the new data");
        assert!(lines.all().contains("1 generated"), "{}", lines.all());
    }));
    let _ = child.kill();
    let _ = child.wait();
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

#[test]
fn malformed_json_on_stdin_is_a_clear_error_with_exit_code_2() {
    for (input, message) in [
        ("{\"not\": \"closed\"", "stdin is not JSON"),
        ("[{\"root\": \"/b\", \"renderer\": \"html\"}]", "expected 2 elements"),
        ("[{\"root\":\"/b\",\"renderer\":\"html\",\"mdbook_version\":\"0.4.40\"},{\"sections\":[]}]", "mdBook 0.4.40"),
    ] {
        let mut child = Command::new(BIN)
            .arg("mdbook")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        let run = Run::from(child.wait_with_output().unwrap()).code(2).stderr_has(message).stderr_has("hint:");
        assert!(run.stdout.is_empty(), "nothing on stdout for mdBook to read: {}", run.stdout);
    }
}

#[test]
fn supports_answers_by_exit_code_and_explains_unknown_renderers() {
    let t = PaperTest::new();
    for renderer in ["html", "markdown"] {
        t.run(&["mdbook", "supports", renderer]).ok();
    }
    let run = t.run(&["mdbook", "supports", "latex"]).code(1).stderr_has("renderer `latex` is not supported");
    assert!(run.stderr.contains("format = { latex = \"png\" }"), "{}", run.stderr);
    // A renderer named in `format` is supported; mdBook asks in the book's root.
    t.write("book.toml", "[book]\ntitle = \"x\"\n\n[preprocessor.paperfig]\nformat = { latex = \"png\" }\n");
    t.run(&["mdbook", "supports", "latex"]).ok();
}

#[test]
fn a_bad_option_fails_the_build_and_points_into_book_toml() {
    let Some(mdbook) = mdbook() else { return };
    // `supports` still says yes (mdBook would silently skip paperfig on any other answer)…
    let book = fixture_book("fail-on-eror = false\n");
    let run =
        Run::from(Command::new(BIN).args(["mdbook", "supports", "html"]).current_dir(&book.root).output().unwrap());
    run.ok();
    // …and the run reports the key where it is.
    let toml = read(&book.path("book.toml"));
    let line = toml.lines().position(|l| l.starts_with("fail-on-eror")).unwrap() + 1;
    let run = build(&mdbook, &book.root);
    assert_ne!(run.code, 0);
    run.stderr_has(&format!("book.toml:{line}:1")).stderr_has("unknown key `fail-on-eror`").stderr_has("fail-on-error");
}

#[test]
fn the_guide_builds_with_real_figures() {
    let Some(mdbook) = mdbook() else { return };
    // A copy, so the test writes no cache or lockfile into the repository.
    let t = PaperTest::new();
    copy_dir(&repo().join("guide"), &t.path("guide"));
    let toml = read(&repo().join("book.toml"));
    let command = toml.lines().find(|l| l.starts_with("command")).expect("book.toml runs paperfig");
    std::fs::write(t.path("book.toml"), toml.replace(command, &format!("command = \"{BIN} mdbook\""))).unwrap();
    let out = Command::new(&mdbook).args(["build", "-d", "out"]).current_dir(&t.root).output().unwrap();
    Run::from(out).ok();
    let mut figures = 0;
    for page in ["plots.html", "diagrams.html", "mdbook.html"] {
        let html = read(&t.path("out").join(page));
        let start = html.find("<figure id=").unwrap_or_else(|| panic!("{page} shows no figure"));
        let fig = &html[start..start + html[start..].find("</figure>").unwrap()];
        svg_size(&image(fig).1);
        figures += html.matches("<figure id=").count();
    }
    assert!(figures >= 3, "{figures}");
    assert!(!read(&t.path("out/index.html")).contains("paperfig-error"));
}
