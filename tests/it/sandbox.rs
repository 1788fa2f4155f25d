//! `[runners] sandbox = true`: scripts under bubblewrap write only their working copy and
//! reach no network; without a working `bwrap` such a figure fails (it never runs
//! unsandboxed). The tests that need a working `bwrap` skip, saying so, where it is not
//! installed or cannot build a sandbox (a container without user namespaces).

use std::path::Path;
use std::process::Command;

use crate::util::PaperTest;

const SANDBOXED: &str = "[runners]\nallow = true\nsandbox = true\n";

/// A valid SVG into the script's first output.
const DRAW: &str = "echo '<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"3.3in\" height=\"2in\" viewBox=\"0 0 330 200\"><rect x=\"10\" y=\"10\" width=\"100\" height=\"50\"/></svg>' > \"$1\"\n";

fn fig(id: &str, runner: &str, attrs: &str, body: &str) -> String {
    format!("```{{paperfig #fig:{id} kind=command runner={runner} {attrs}}}\n{body}```\n\n")
}

fn paper(config: &str, figures: &str) -> PaperTest {
    PaperTest::new().file("paperfig.toml", config).file("paper.md", &format!("# Paper\n\n{figures}"))
}

/// Whether bubblewrap can build the sandbox paperfig builds (the same namespaces and mounts).
fn bwrap_works() -> bool {
    let args = ["--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL", "--ro-bind", "/", "/"];
    let out =
        Command::new("bwrap").args(args).args(["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "true"]).output();
    match out {
        Ok(o) if o.status.success() => true,
        Ok(o) => {
            eprintln!("skipped: bwrap cannot build a sandbox here: {}", String::from_utf8_lossy(&o.stderr).trim());
            false
        }
        Err(e) => {
            eprintln!("skipped: bwrap is not installed ({e}); scripts/setup installs bubblewrap");
            false
        }
    }
}

#[test]
fn a_sandboxed_script_writes_only_its_working_copy() {
    if !bwrap_works() {
        return;
    }
    // A folder outside /tmp (the sandbox's /tmp is its own): visible, and read-only.
    let outside = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let leak = outside.path().join("leak");
    let tmp_marker = format!("/tmp/paperfig-sandbox-{}", outside.path().file_name().unwrap().to_string_lossy());
    let writes = format!("echo leaked > {}\n", leak.display());
    let ok =
        format!("set -e\ncat data/a.csv > /dev/null\necho scratch > {tmp_marker}\necho scratch > scratch.txt\n{DRAW}");
    let t =
        paper(SANDBOXED, &format!("{}{}", fig("writes", "sh", "", &writes), fig("ok", "sh", "inputs=data/a.csv", &ok)))
            .file("data/a.csv", "x\n1\n");
    let run = t.run(&["gen"]).code(1);
    let run = run.stderr_has("paper.md:4:1").stderr_has("Read-only file system").stderr_has("runs in a sandbox");
    assert!(!leak.exists(), "a sandboxed script wrote outside its working copy");
    assert!(!Path::new(&tmp_marker).exists(), "the sandbox's /tmp is the machine's");
    // The other figure was made, in the same sandbox.
    assert!(t.path("build/figures/fig-ok.svg").is_file(), "{}", run.stderr);
    assert!(run.stderr.contains("generated fig:ok"), "{}", run.stderr);
    // Its declared inputs are read-only too (in its working copy; the project's are never touched).
    let t =
        paper(SANDBOXED, &fig("input", "sh", "inputs=data/a.csv", "echo 2 >> data/a.csv\n")).file("data/a.csv", "x\n");
    t.run(&["gen"]).code(1).stderr_has("data/a.csv: Read-only file system");
}

#[test]
fn a_sandboxed_script_reaches_no_network() {
    if !bwrap_works() {
        return;
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let body = format!(
        "import socket, sys\nsocket.create_connection(('127.0.0.1', {port}), timeout=5).close()\nopen(sys.argv[1], 'w').write(open('draw.svg').read())\n"
    );
    let svg =
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><rect width=\"5\" height=\"5\"/></svg>";
    let figure = fig("net", "python", "inputs=draw.svg", &body);
    let config =
        |sandbox: bool| format!("[runners]\nallow = true\nsandbox = {sandbox}\n[runners.python]\npackages = []\n");
    // Unsandboxed, the script connects (so the sandbox is what stops it below).
    let t = paper(&config(false), &figure).file("draw.svg", svg);
    t.run(&["gen"]).ok();
    assert!(listener.accept().is_ok(), "the unsandboxed script did not connect");
    // A second project: the sandbox is not part of the key, so this one would be cached.
    let t = paper(&config(true), &figure).file("draw.svg", svg);
    t.run(&["gen"]).code(1).stderr_has("paper.md:5:1").stderr_has("create_connection").stderr_has("has no network");
    assert!(listener.accept().is_err(), "the sandboxed script connected");
}

#[test]
fn a_sandboxed_figure_without_bubblewrap_fails_and_never_runs() {
    let t = PaperTest::new();
    let marker = t.path("../ran");
    let t = t.file("paperfig.toml", SANDBOXED).file(
        "paper.md",
        &format!("# Paper\n\n{}", fig("s", "sh", "", &format!("touch {}\n{DRAW}", marker.display()))),
    );
    // A PATH with `sh` and no `bwrap`.
    let bin = t.path("../bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink("/bin/sh", bin.join("sh")).unwrap();
    let path = bin.display().to_string();
    t.run_env(&["gen"], &[("PATH", &path)])
        .code(1)
        .stderr_has("paper.md:3:")
        .stderr_has("needs bubblewrap (`bwrap`), and it is not installed")
        .stderr_has("apt-get install bubblewrap");
    assert!(!marker.exists(), "the script ran without its sandbox");
    // A `bwrap` that cannot build a sandbox (as in a container without user namespaces).
    std::fs::write(bin.join("bwrap"), "#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
        .unwrap();
    let mut perms = std::fs::metadata(bin.join("bwrap")).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(bin.join("bwrap"), perms).unwrap();
    t.run_env(&["gen"], &[("PATH", &path)])
        .code(1)
        .stderr_has("bubblewrap cannot build one here")
        .stderr_has("No permissions to create new namespace")
        .stderr_has("user namespaces")
        .stderr_has("sandbox = false");
    assert!(!marker.exists(), "the script ran without its sandbox");
}

#[test]
fn a_sandboxed_script_makes_the_same_bytes_and_is_stopped_at_its_timeout() {
    if !bwrap_works() {
        return;
    }
    // Why the sandbox is not part of the key: matplotlib writes the same files in it.
    let script = "import sys\nimport matplotlib.pyplot as plt\nfig, ax = plt.subplots(figsize=(3.3, 2))\nax.plot([1, 2, 3], [3, 1, 2], label='a')\nax.legend()\nfor p in sys.argv[1:]:\n    fig.savefig(p)\n";
    let figure = fig("m", "python", "outputs=svg,pdf,png", script);
    let open = paper("[runners]\nallow = true\n", &figure);
    let sandboxed = paper(SANDBOXED, &figure);
    open.build().ok();
    sandboxed.build().ok();
    for ext in ["svg", "pdf", "png"] {
        let a = std::fs::read(open.path(&format!("build/figures/fig-m.{ext}"))).unwrap();
        let b = std::fs::read(sandboxed.path(&format!("build/figures/fig-m.{ext}"))).unwrap();
        assert!(a == b, "fig-m.{ext} differs in the sandbox");
    }
    // The timeout ends the whole sandbox, background processes included.
    let start = std::time::Instant::now();
    let config = format!("{SANDBOXED}[runners.sh]\ntimeout = 1\n");
    let t = paper(&config, &fig("slow", "sh", "", "sleep 60 &\nsleep 60\n"));
    t.run(&["gen"]).code(1).stderr_has("ran longer than 1 s");
    assert!(start.elapsed().as_secs() < 30, "took {:?}", start.elapsed());
}
