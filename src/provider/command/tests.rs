//! The command provider's key inputs, one test each, through `plan` on files on disk: what
//! must change the key does, and what must not (secrets, timeouts, paths outside the
//! declared inputs) does not. Plus running a script end to end in-process.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::*;
use crate::config::Config;
use crate::diag::SourceFile;
use crate::digest::Digest;
use crate::plan::{Plan, Registry, plan};
use crate::scan::scan_files;

struct Proj {
    _dir: tempfile::TempDir,
    root: PathBuf,
    /// The fake environment declared variables are read from.
    env: Arc<Mutex<HashMap<String, String>>>,
    /// The cache folder for probe results, if probes are cached.
    probe_cache: Option<PathBuf>,
}

const CONFIG: &str = "[runners]\nallow = true\n";

impl Proj {
    fn new() -> Proj {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("proj");
        std::fs::create_dir_all(root.join("data")).unwrap();
        let p = Proj { _dir: dir, root, env: Arc::default(), probe_cache: None };
        p.write("data/a.csv", "x,y\n1,2\n");
        p.write("data/b.csv", "x,y\n3,4\n");
        p
    }
    fn write(&self, rel: &str, text: &str) {
        let path = self.root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    /// Plans `paper.md` holding one directive with `attrs` and `body`, under `config`.
    fn plan(&self, config: &str, attrs: &str, body: &str) -> Plan {
        self.write("paper.md", &format!("# P\n\n```{{paperfig #fig:s kind=command {attrs}}}\n{body}```\n"));
        self.write("paperfig.toml", config);
        let file = Arc::new(SourceFile::new("paperfig.toml".into(), self.root.join("paperfig.toml"), config.into()));
        let config = Config::parse(&self.root, &file).unwrap();
        let env = self.env.clone();
        let mut provider =
            CommandProvider::with_env(config.runners.clone(), Arc::new(move |n| env.lock().unwrap().get(n).cloned()));
        if let Some(dir) = &self.probe_cache {
            provider = provider.with_probe_cache(dir.clone());
        }
        let registry = Registry::new(vec![Arc::new(provider)]);
        let scan = scan_files(&self.root, &[self.root.join("paper.md")]);
        assert!(scan.diagnostics.is_empty());
        plan(&self.root, &config, &registry, &scan.directives)
    }
    fn key(&self, config: &str, attrs: &str, body: &str) -> Digest {
        let p = self.plan(config, attrs, body);
        assert!(
            p.diagnostics.is_empty(),
            "{}",
            p.diagnostics.iter().map(|d| d.render()).collect::<Vec<_>>().join("\n")
        );
        p.jobs[0].key
    }
    fn error(&self, config: &str, attrs: &str, body: &str) -> String {
        let p = self.plan(config, attrs, body);
        assert!(p.jobs.is_empty(), "planned, expected an error");
        let d = &p.diagnostics[0];
        format!("{} at {} hint {}", d.message, d.location().unwrap_or_default(), d.hints.join(" "))
    }
}

const SH: &str = "runner=sh inputs=data/a.csv";
const BODY: &str = "cat data/a.csv > /dev/null\n";

#[test]
fn without_permission_a_command_figure_is_an_error_at_its_kind() {
    let p = Proj::new();
    let e = p.error("", SH, BODY);
    assert!(e.contains("does not allow runners") && e.contains("paper.md:3:26") && e.contains("allow = true"), "{e}");
    // Allowing another runner does not allow this one; allowing this one does.
    assert!(p.error("[runners.python]\nallow = true\n", SH, BODY).contains("does not allow runners"));
    p.key("[runners.sh]\nallow = true\n", SH, BODY);
}

#[test]
fn runner_and_script_are_required_and_checked() {
    let p = Proj::new();
    assert!(p.error(CONFIG, "", BODY).contains("need runner="));
    assert!(p.error(CONFIG, "runner=perl", BODY).contains("unknown runner `perl`"));
    assert!(p.error(CONFIG, "runner=sh", "").contains("without a script"));
    p.write("s.sh", "true\n");
    assert!(p.error(CONFIG, "runner=sh script=s.sh", BODY).contains("both a script= file"));
    assert!(p.error(CONFIG, "runner=sh outputs=gif", BODY).contains("`gif`"));
    assert!(p.error(CONFIG, "runner=sh inputs=data/nope.csv", BODY).contains("cannot read input `data/nope.csv`"));
    assert!(p.error(CONFIG, "runner=sh inputs=data/*.json", BODY).contains("matches no file"));
    assert!(p.error(CONFIG, "runner=sh inputs=../x.csv", BODY).contains("not inside the folder"));
    // A folder named as an input is refused by the read, with the same message as before.
    let e = p.error(CONFIG, "runner=sh inputs=data", BODY);
    assert!(e.contains("input `data` is not a file") && e.contains("glob such as data/*.csv"), "{e}");
}

#[test]
fn runner_not_installed_names_the_program() {
    let p = Proj::new();
    let cfg = "[runners.mytool]\nallow = true\ncommand = [\"paperfig-no-such-tool\", \"{script}\"]\n";
    let e = p.error(cfg, "runner=mytool", BODY);
    assert!(e.contains("`paperfig-no-such-tool`, which is not installed") && e.contains("paper.md:3:"), "{e}");
}

#[test]
fn script_text_and_script_file_contents_are_inputs() {
    let p = Proj::new();
    let k = p.key(CONFIG, SH, BODY);
    assert_ne!(p.key(CONFIG, SH, "cat data/a.csv >/dev/null\n"), k);
    p.write("s.sh", "echo 1\n");
    let k1 = p.key(CONFIG, "runner=sh script=s.sh", "");
    p.write("s.sh", "echo 2\n");
    assert_ne!(p.key(CONFIG, "runner=sh script=s.sh", ""), k1);
    // The script file's own path is not an input: a script runs as paperfig-script.sh.
    p.write("other.sh", "echo 2\n");
    assert_eq!(p.key(CONFIG, "runner=sh script=other.sh", ""), p.key(CONFIG, "runner=sh script=s.sh", ""));
}

#[test]
fn declared_input_contents_are_inputs() {
    let p = Proj::new();
    let k = p.key(CONFIG, SH, BODY);
    p.write("data/a.csv", "x,y\n1,3\n");
    assert_ne!(p.key(CONFIG, SH, BODY), k);
    // A file that is not declared is not an input.
    let k = p.key(CONFIG, SH, BODY);
    p.write("data/c.txt", "unrelated");
    assert_eq!(p.key(CONFIG, SH, BODY), k);
}

#[test]
fn glob_inputs_key_each_match_by_path_and_contents() {
    let p = Proj::new();
    let attrs = "runner=sh inputs=\"data/*.csv\"";
    let k = p.key(CONFIG, attrs, BODY);
    let job = &p.plan(CONFIG, attrs, BODY).jobs[0];
    let names: Vec<&String> = job.request.files.keys().collect();
    assert_eq!(names, ["input:data/a.csv", "input:data/b.csv"]);
    // A new match, a changed match, and a renamed match (same contents) all change the key:
    // the script opens files by path, so here the path is a genuine input.
    p.write("data/c.csv", "x\n");
    let k_added = p.key(CONFIG, attrs, BODY);
    assert_ne!(k_added, k);
    std::fs::rename(p.root.join("data/c.csv"), p.root.join("data/d.csv")).unwrap();
    let k_renamed = p.key(CONFIG, attrs, BODY);
    assert_ne!(k_renamed, k_added);
    // Planning again changes nothing; hidden files are not matched.
    p.write("data/.hidden.csv", "x\n");
    assert_eq!(p.key(CONFIG, attrs, BODY), k_renamed);
    // A symlinked file is matched and keyed by its contents.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(p.root.join("data/a.csv"), p.root.join("data/link.csv")).unwrap();
        let job = &p.plan(CONFIG, attrs, BODY).jobs[0];
        assert_eq!(job.request.files["input:data/link.csv"].digest, job.request.files["input:data/a.csv"].digest);
    }
}

#[test]
fn runner_command_is_an_input_but_timeout_limits_and_sandbox_are_not() {
    let p = Proj::new();
    let k = p.key(CONFIG, SH, BODY);
    assert_ne!(
        p.key("[runners]\nallow = true\n[runners.sh]\ncommand = [\"sh\", \"-e\", \"{script}\", \"{out}\"]\n", SH, BODY),
        k
    );
    assert_eq!(p.key("[runners]\nallow = true\n[runners.sh]\ntimeout = 5\nmax_output_mb = 2\n", SH, BODY), k);
    // The sandbox can make a script fail, never write other bytes.
    assert_eq!(p.key("[runners]\nallow = true\nsandbox = true\n", SH, BODY), k);
    // The same script under another runner is another figure.
    let bash =
        "[runners]\nallow = true\n[runners.sh2]\ncommand = [\"sh\", \"{script}\", \"{outputs}\"]\nextension = \"sh\"\n";
    assert_ne!(p.key(bash, "runner=sh2 inputs=data/a.csv", BODY), k);
}

#[test]
fn runner_and_package_versions_are_inputs() {
    let p = Proj::new();
    let v = p.root.parent().unwrap().join("version.txt");
    let pkg = p.root.parent().unwrap().join("pkg.txt");
    std::fs::write(&v, "tool 1.0\n").unwrap();
    std::fs::write(&pkg, "2.0\n").unwrap();
    let cfg = format!(
        "[runners]\nallow = true\n[runners.tool]\ncommand = [\"sh\", \"{{script}}\"]\nversion = [\"cat\", \"{}\"]\npackage_version = [\"sh\", \"-c\", \"cat {} # {{package}}\"]\npackages = [\"numpy\"]\n",
        v.display(),
        pkg.display()
    );
    let k = p.key(&cfg, "runner=tool", BODY);
    let extra = &p.plan(&cfg, "runner=tool", BODY).jobs[0].request.extra;
    assert_eq!(extra["runner.version"], "tool 1.0");
    assert_eq!(extra["runner.package.numpy"], "2.0");
    std::fs::write(&v, "tool 1.1\n").unwrap();
    let k2 = p.key(&cfg, "runner=tool", BODY);
    assert_ne!(k2, k, "runner version");
    std::fs::write(&pkg, "2.1\n").unwrap();
    assert_ne!(p.key(&cfg, "runner=tool", BODY), k2, "package version");
    // A listed package that is missing is an error naming it.
    let bad = cfg.replace(&format!("cat {} #", pkg.display()), "exit 1 #");
    assert!(p.error(&bad, "runner=tool", BODY).contains("version of package `numpy`"));
}

/// A fake interpreter: `sh tool.sh --version` prints the version written in the script,
/// `--package P` the version in the name of `site/P-*.dist-info`, `--paths` the files and
/// folders those depend on; every run appends a line to `runs.log`.
struct FakeRunner {
    dir: PathBuf,
}

impl FakeRunner {
    fn new(p: &Proj) -> FakeRunner {
        let dir = p.root.parent().unwrap().join("fake-runner");
        std::fs::create_dir_all(dir.join("site/pkg-2.0.dist-info")).unwrap();
        let f = FakeRunner { dir };
        f.set_version("1.0");
        f
    }
    fn script(&self) -> PathBuf {
        self.dir.join("tool.sh")
    }
    /// Replaces the script (a new file, as an upgrade installs it) by one printing `v`.
    fn set_version(&self, v: &str) {
        let d = self.dir.display();
        let text = format!(
            "echo run >> {d}/runs.log\ncase \"$1\" in\n  --version) echo \"tool {v}\" ;;\n  --package) ls {d}/site | sed -n \"s/^$2-\\(.*\\)\\.dist-info$/\\1/p\" ;;\n  --paths) echo {d}/tool.sh; echo {d}/site ;;\nesac\n"
        );
        std::fs::write(self.dir.join("tool.new"), text).unwrap();
        std::fs::rename(self.dir.join("tool.new"), self.script()).unwrap();
    }
    fn runs(&self) -> usize {
        std::fs::read_to_string(self.dir.join("runs.log")).map_or(0, |t| t.lines().count())
    }
    fn config(&self) -> String {
        let s = self.script().display().to_string();
        format!(
            "[runners]\nallow = true\n[runners.tool]\ncommand = [\"sh\", \"{{script}}\"]\nversion = [\"sh\", \"{s}\", \"--version\"]\npackage_version = [\"sh\", \"{s}\", \"--package\", \"{{package}}\"]\npackages = [\"pkg\"]\nprobe_paths = [\"sh\", \"{s}\", \"--paths\"]\n"
        )
    }
}

#[test]
fn cached_probes_are_reused_until_the_runner_or_a_package_folder_changes() {
    let mut p = Proj::new();
    p.probe_cache = Some(p.root.join(".paperfig"));
    let fake = FakeRunner::new(&p);
    let cfg = fake.config();
    // Files younger than the racy window are never trusted: let them age.
    std::thread::sleep(crate::fsutil::RACY + Duration::from_millis(100));
    let k = p.key(&cfg, "runner=tool", BODY);
    let extra = &p.plan(&cfg, "runner=tool", BODY).jobs[0].request.extra;
    assert_eq!((extra["runner.version"].as_str(), extra["runner.package.pkg"].as_str()), ("tool 1.0", "2.0"));
    let runs = fake.runs();
    assert!(runs >= 3, "paths, version and package probed: {runs} runs");
    // Every plan builds a new provider (a new process, as far as probing goes).
    assert_eq!(p.key(&cfg, "runner=tool", BODY), k);
    assert_eq!(fake.runs(), runs, "an unchanged runner is not probed again");

    fake.set_version("1.1");
    let k2 = p.key(&cfg, "runner=tool", BODY);
    assert_ne!(k2, k, "a changed interpreter file is probed again");
    assert!(fake.runs() > runs);

    std::fs::rename(fake.dir.join("site/pkg-2.0.dist-info"), fake.dir.join("site/pkg-2.1.dist-info")).unwrap();
    let before = fake.runs();
    let k3 = p.key(&cfg, "runner=tool", BODY);
    assert_ne!(k3, k2, "a replaced package folder is probed again");
    assert!(fake.runs() > before);
    assert_eq!(p.plan(&cfg, "runner=tool", BODY).jobs[0].request.extra["runner.package.pkg"], "2.1");

    // Without a cache every process probes.
    p.probe_cache = None;
    let before = fake.runs();
    assert_eq!(p.key(&cfg, "runner=tool", BODY), k3);
    assert!(fake.runs() > before);
}

#[test]
fn declared_env_values_are_inputs_and_secret_values_are_not() {
    let p = Proj::new();
    let cfg = "[runners]\nallow = true\n[runners.sh]\nenv = [\"SEED\"]\nsecret_env = [\"TOKEN\"]\n";
    let k_unset = p.key(cfg, SH, BODY);
    p.env.lock().unwrap().insert("SEED".into(), "".into());
    let k_empty = p.key(cfg, SH, BODY);
    assert_ne!(k_empty, k_unset, "empty differs from unset");
    p.env.lock().unwrap().insert("SEED".into(), "1".into());
    let k1 = p.key(cfg, SH, BODY);
    assert_ne!(k1, k_empty);
    p.env.lock().unwrap().insert("TOKEN".into(), "hunter2".into());
    assert_eq!(p.key(cfg, SH, BODY), k1, "a secret's value never changes the key");
    let extra = &p.plan(cfg, SH, BODY).jobs[0].request.extra;
    assert!(!extra.values().any(|v| v.contains("hunter2")));
    // Declaring a secret at all does change it (the script sees another environment).
    assert_ne!(p.key("[runners]\nallow = true\n[runners.sh]\nenv = [\"SEED\"]\n", SH, BODY), k1);
    // Undeclared variables are not inputs.
    p.env.lock().unwrap().insert("OTHER".into(), "x".into());
    assert_eq!(p.key(cfg, SH, BODY), k1);
}

fn generate(p: &Proj, config: &str, attrs: &str, body: &str) -> Result<Vec<Artifact>, ProviderError> {
    let plan = p.plan(config, attrs, body);
    assert!(
        plan.diagnostics.is_empty(),
        "{}",
        plan.diagnostics.iter().map(|d| d.render()).collect::<Vec<_>>().join("\n")
    );
    let job = &plan.jobs[0];
    job.provider.generate(&job.request, &job.key)
}

const SVG: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" width="3.3in" height="2in" viewBox="0 0 330 200"><rect x="10" y="10" width="100" height="50" fill="black"/></svg>"#;

#[test]
fn a_script_sees_its_inputs_and_environment_and_its_svg_becomes_pdf_and_png() {
    let p = Proj::new();
    let cfg = "[runners]\nallow = true\n[runners.sh]\nenv = [\"SEED\"]\n";
    p.env.lock().unwrap().insert("SEED".into(), "42".into());
    let body = format!(
        "set -e\ntest \"$(cat data/a.csv | head -1)\" = x,y\ntest \"$SEED\" = 42\ntest \"$SOURCE_DATE_EPOCH\" = 0\ntest \"$MPLBACKEND\" = Agg\ntest \"$PAPERFIG_WIDTH_IN\" = 3.3\ntest \"$PAPERFIG_HEIGHT_IN\" = 2.376\ntest \"$PAPERFIG_DPI\" = 192\ntest ! -e paper.md\ntest -z \"$CARGO\"\necho '{SVG}' > \"$1\"\n"
    );
    let arts = generate(&p, cfg, SH, &body).unwrap();
    let formats: Vec<Format> = arts.iter().map(|a| a.format).collect();
    assert_eq!(formats, [Format::Svg, Format::Pdf, Format::Png]);
    assert!(arts[1].bytes.starts_with(b"%PDF-"));
}

#[test]
fn failures_say_what_happened() {
    let p = Proj::new();
    let e = generate(&p, CONFIG, SH, "echo 'boom: bad axis' >&2\nexit 3\n").unwrap_err();
    assert!(e.message.contains("exited with status 3") && e.message.contains("boom: bad axis"), "{}", e.message);
    let e = generate(&p, CONFIG, SH, "cat data/secret.csv\n").unwrap_err();
    assert!(e.hint.unwrap().contains("looked for `data/secret.csv`"));
    let e = generate(&p, CONFIG, SH, "true\n").unwrap_err();
    assert!(e.message.contains("wrote no svg output"), "{}", e.message);
    let e = generate(&p, CONFIG, SH, "echo 'not svg' > \"$1\"\n").unwrap_err();
    assert!(e.message.contains("not a valid svg"), "{}", e.message);
    let e = generate(&p, CONFIG, "runner=sh outputs=pdf", "echo '%PDF-1.4 but cut' > \"$1\"\n").unwrap_err();
    assert!(e.message.contains("not a valid pdf"), "{}", e.message);
    let e = generate(&p, CONFIG, "runner=sh outputs=png", "printf 'PNG?' > \"$1\"\n").unwrap_err();
    assert!(e.message.contains("not a valid png"), "{}", e.message);
    let e = generate(&p, "[runners]\nallow = true\n[runners.sh]\ntimeout = 0.3\n", SH, "sleep 30\n").unwrap_err();
    assert!(e.message.contains("longer than 0.3 s"), "{}", e.message);
    let e = generate(
        &p,
        "[runners]\nallow = true\n[runners.sh]\nmax_output_mb = 0.5\n",
        SH,
        "while true; do head -c 100000 /dev/zero >> \"$1\"; done\n",
    )
    .unwrap_err();
    assert!(e.message.contains("more than the limit"), "{}", e.message);
    // A PDF-only script cannot give the SVG the figure asks for.
    let e = generate(&p, CONFIG, "runner=sh outputs=pdf", "printf '%%PDF-1.4\\n%%%%EOF\\n' > \"$1\"\n").unwrap_err();
    assert!(e.message.contains("needs a svg file"), "{}", e.message);
}

#[test]
fn outputs_are_regular_files_inside_the_working_copy() {
    let p = Proj::new();
    let outside = p.root.join("../outside.svg");
    std::fs::write(&outside, SVG).unwrap();
    let link = format!("ln -s {} \"$1\"\n", outside.display());
    let e = generate(&p, CONFIG, SH, &link).unwrap_err();
    assert!(e.message.contains("output `paperfig-out/figure.svg` is a symbolic link to"), "{}", e.message);
    assert!(e.message.contains("outside.svg"), "{}", e.message);
    // The folder of the outputs replaced by a link to a folder holding a figure.
    let dir = format!(
        "rm -r paperfig-out\nln -s {} paperfig-out\ncp {} paperfig-out/figure.svg\n",
        p.root.display(),
        outside.display()
    );
    let e = generate(&p, CONFIG, SH, &dir).unwrap_err();
    assert!(e.message.contains("is under `paperfig-out`, a symbolic link"), "{}", e.message);
    let start = std::time::Instant::now();
    let e = generate(&p, CONFIG, SH, "mkfifo \"$1\"\n").unwrap_err();
    assert!(e.message.contains("is a pipe, socket or device"), "{}", e.message);
    assert!(start.elapsed().as_secs() < 10, "reading a FIFO output blocked");
    let e = generate(&p, CONFIG, SH, "mkdir \"$1\"\n").unwrap_err();
    assert!(e.message.contains("is a folder"), "{}", e.message);
}

#[test]
fn path_helpers() {
    assert_eq!(patterns("a.csv, b/*.csv  c"), ["a.csv", "b/*.csv", "c"]);
    let argv = expand(
        &["x".into(), "{script}".into(), "{outputs}".into(), "--pdf={out.pdf}".into()],
        "s.py",
        &[Format::Svg, Format::Pdf],
    )
    .unwrap();
    assert_eq!(
        argv,
        ["x", "s.py", "paperfig-out/figure.svg", "paperfig-out/figure.pdf", "--pdf=paperfig-out/figure.pdf"]
    );
    assert!(expand(&["{out.png}".into()], "s", &[Format::Svg]).is_err());
    let _ = Path::new("");
}

#[test]
fn interpreter_errors_point_at_the_script_line() {
    let py = "Traceback (most recent call last):\n  File \"/tmp/x/paperfig-script.py\", line 7, in <module>\n    f()\n  File \"/tmp/x/paperfig-script.py\", line 3, in f\nValueError: x";
    assert_eq!(script_line(py, "paperfig-script.py"), Some(3));
    assert_eq!(script_line("paperfig-script.sh: 2: nosuch: not found", "paperfig-script.sh"), Some(2));
    assert_eq!(script_line("\"paperfig-script.gp\" line 4: undefined variable: y", "paperfig-script.gp"), Some(4));
    assert_eq!(script_line("Error in f(): paperfig-script.R:5:1", "paperfig-script.R"), Some(5));
    assert_eq!(script_line("boom", "paperfig-script.sh"), None);
    assert_eq!(line_range("a\nbc\r\nd", 2), Some(2..4));
    assert_eq!(line_range("a\n", 3), None);
    // End to end: the error lands on the body line.
    let p = Proj::new();
    let e = generate(&p, CONFIG, SH, "true\nnosuchcommand-paperfig\n").unwrap_err();
    assert_eq!(e.body, Some(5..27), "{}", e.message);
}

/// Declared inputs are read through the plan's digest memo: one that has settled and not
/// changed since the last plan is planned unread (its digest from the memo), with the same
/// key; a changed one is read again.
#[test]
fn a_settled_unchanged_input_is_planned_unread_with_the_same_key() {
    let p = Proj::new();
    // The memo lives in the cache folder, which a build creates.
    std::fs::create_dir_all(p.root.join(".paperfig")).unwrap();
    std::thread::sleep(crate::fsutil::RACY + Duration::from_millis(100));
    let input = |pl: &Plan| pl.jobs[0].request.files["input:data/a.csv"].clone();
    let first = p.plan(CONFIG, SH, BODY);
    let second = p.plan(CONFIG, SH, BODY);
    assert!(input(&first).unread.is_none(), "read in full the first time");
    assert!(input(&second).unread.is_some(), "left unread the second time");
    assert_eq!(input(&second).digest, input(&first).digest);
    assert_eq!(second.jobs[0].key, first.jobs[0].key);
    // Contents are back before the script runs.
    let full = second.jobs[0].request.with_contents().unwrap();
    assert_eq!(full.files["input:data/a.csv"].bytes.as_slice(), b"x,y\n1,2\n");
    p.write("data/a.csv", "x,y\n1,3\n");
    let third = p.plan(CONFIG, SH, BODY);
    assert!(input(&third).unread.is_none());
    assert_ne!(third.jobs[0].key, first.jobs[0].key);
}
