//! `PaperTest`: a project in a temporary folder, the `paperfig` binary run on it, and
//! chainable checks on what it printed and wrote.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_paperfig");

/// The repository's folder (for fixtures and the example).
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The user cache of every run (TeX's index and formats, shared by projects as a user's
/// are); a test that needs its own sets `XDG_CACHE_HOME` itself.
pub fn user_cache() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("user-cache")
}

pub struct PaperTest {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
    /// Environment of every run (API keys of the example's hosted providers).
    env: Vec<(String, String)>,
    /// Fake hosted services this project talks to; stopped with the test.
    _fakes: Vec<Box<dyn std::any::Any>>,
}

impl PaperTest {
    /// An empty project.
    pub fn new() -> PaperTest {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("paper");
        std::fs::create_dir_all(&root).unwrap();
        PaperTest { _dir: dir, root, env: Vec::new(), _fakes: Vec::new() }
    }

    /// A copy of a folder of the repository (`examples/paper`, `fixtures/latex`).
    /// The example's hosted providers are pointed at fakes started for this test.
    pub fn copy_of(rel: &str) -> PaperTest {
        let mut t = PaperTest::new();
        copy_repo_dir(&repo().join(rel), &t.root);
        if rel == "examples/paper" {
            t.start_example_fakes();
        }
        t
    }

    /// Starts the PaperBanana and AutoFigureEdit fakes on free ports with the example's keys
    /// and rewrites the fixed ports of `paperfig.toml` (those of `paperfig-fakes`) to them.
    fn start_example_fakes(&mut self) {
        use paperfig_fakes::{autofigureedit as afe, paperbanana as pb};
        let latency = std::time::Duration::from_millis(300);
        let pb = pb::Fake::start(
            pb::Config { keys: vec![("pb_example_key".into(), None)], latency, ..pb::Config::default() },
            0,
        )
        .unwrap();
        let afe = afe::Fake::start(
            afe::Config { keys: vec!["sk-team-example".into()], latency, ..afe::Config::default() },
            0,
        )
        .unwrap();
        let toml = std::fs::read_to_string(self.path("paperfig.toml")).unwrap();
        let toml = toml
            .replace("http://127.0.0.1:47811", &pb.base_url())
            .replace("http://127.0.0.1:47812/api/v1", &afe.base_url());
        self.write("paperfig.toml", &toml);
        self.env.push(("PAPERBANANA_API_KEY".into(), "pb_example_key".into()));
        self.env.push(("AUTOFIGUREEDIT_API_KEY".into(), "sk-team-example".into()));
        self._fakes.push(Box::new(pb));
        self._fakes.push(Box::new(afe));
    }

    pub fn file(self, rel: &str, text: &str) -> PaperTest {
        self.write(rel, text);
        self
    }

    pub fn write(&self, rel: &str, text: &str) {
        let p = self.root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// Runs `paperfig ARGS` in the project folder.
    pub fn run(&self, args: &[&str]) -> Run {
        let out = Command::new(BIN)
            .args(args)
            .current_dir(&self.root)
            .env("XDG_CACHE_HOME", user_cache())
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .env_remove("RUST_BACKTRACE")
            .output()
            .unwrap();
        Run::from(out)
    }

    /// `paperfig ARGS` in the project folder with the project's environment, not started
    /// (for long-running commands such as `watch`).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .current_dir(&self.root)
            .env("XDG_CACHE_HOME", user_cache())
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .env_remove("RUST_BACKTRACE")
            .env_remove("SOURCE_DATE_EPOCH");
        cmd
    }

    /// Runs `paperfig ARGS` in the project folder with extra environment variables.
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = Command::new(BIN);
        cmd.args(args).current_dir(&self.root).env_remove("RUST_BACKTRACE").env_remove("SOURCE_DATE_EPOCH");
        cmd.env("XDG_CACHE_HOME", user_cache());
        for (k, v) in env {
            cmd.env(k, v);
        }
        Run::from(cmd.output().unwrap())
    }

    /// `paperfig gen --json`, whose report must parse.
    pub fn build(&self) -> Run {
        self.run(&["gen", "--json"])
    }
}

/// What a run of paperfig leaves in a project (`scripts/example` leaves them in
/// `examples/paper`): never copied from the repository, so that tests see its files only.
pub const RUN_OUTPUTS: &[&str] = &["build", ".paperfig", "paperfig.lock"];

/// Copies a project as a second checkout does: without its build and cache folders (its
/// committed `paperfig.lock` goes along).
pub fn copy_dir(from: &Path, to: &Path) {
    copy_skipping(from, to, &["build", ".paperfig"]);
}

/// Copies a folder of the repository: its files only, none of [`RUN_OUTPUTS`].
pub fn copy_repo_dir(from: &Path, to: &Path) {
    copy_skipping(from, to, RUN_OUTPUTS);
}

fn copy_skipping(from: &Path, to: &Path, skip: &[&str]) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        if rel.components().any(|c| c.as_os_str().to_str().is_some_and(|c| skip.contains(&c))) {
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

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    pub fn code(self, code: i32) -> Run {
        assert_eq!(self.code, code, "exit code\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }

    pub fn ok(self) -> Run {
        self.code(0)
    }

    pub fn stderr_has(self, text: &str) -> Run {
        assert!(self.stderr.contains(text), "stderr lacks {text:?}:\n{}", self.stderr);
        self
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\nstderr:\n{}", self.stdout, self.stderr))
    }

    /// Figure ids whose gen status is `status` (`generated` / `cached`), sorted.
    pub fn with_status(&self, status: &str) -> Vec<String> {
        let mut ids: Vec<String> = self.json()["figures"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["status"] == status)
            .map(|f| f["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    }
}

/// Runs a poppler tool on a file and returns its stdout; fails the test if it fails.
pub fn poppler(tool: &str, args: &[&str], file: &Path) -> String {
    let out = Command::new(tool)
        .args(args)
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("{tool} not runnable ({e}); run scripts/setup"));
    assert!(out.status.success(), "{tool} {} failed: {}", file.display(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Width and height in points of a PDF's first page, as `pdfinfo` reads them.
pub fn pdf_page_size(file: &Path) -> (f64, f64) {
    let info = poppler("pdfinfo", &[], file);
    let size: Vec<f64> = info
        .lines()
        .find_map(|l| l.strip_prefix("Page size:"))
        .unwrap_or_else(|| panic!("no page size in pdfinfo's output: {info}"))
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    assert!(size.len() >= 2, "{info}");
    (size[0], size[1])
}

/// The text of a PDF, as `pdftotext` reads it.
pub fn pdf_text(file: &Path) -> String {
    let out = Command::new("pdftotext").arg(file).arg("-").output().expect("pdftotext not runnable; run scripts/setup");
    assert!(out.status.success(), "pdftotext {} failed: {}", file.display(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect()
}

/// `latexmk -pdf ARGS` in `dir` (the test fails with its output if it fails); `false`
/// when latexmk is not installed.
pub fn latexmk(dir: &Path, args: &[&str]) -> bool {
    if Command::new("latexmk").arg("-v").output().is_err() {
        eprintln!("skipped: latexmk is not installed (scripts/setup installs it)");
        return false;
    }
    let out = Command::new("latexmk")
        .arg("-pdf")
        .args(["-interaction=nonstopmode", "-halt-on-error"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "latexmk failed:\n{}", String::from_utf8_lossy(&out.stdout));
    true
}
