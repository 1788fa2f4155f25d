//! `kind=command` figures end to end: the permission gate, every way a script can fail
//! (each reported at the directive's file:line with the script's stderr), and caching by
//! content: a second build runs no script, editing one input reruns only its script.

use crate::util::PaperTest;

const ALLOW: &str = "[runners]\nallow = true\n";

/// A project with `paper.md` = a title line, a blank line, then `figures`.
fn paper(config: &str, figures: &str) -> PaperTest {
    PaperTest::new().file("paperfig.toml", config).file("paper.md", &format!("# Paper\n\n{figures}"))
}

/// A sh figure whose script is `body`.
fn sh(id: &str, attrs: &str, body: &str) -> String {
    format!("```{{paperfig #fig:{id} kind=command runner=sh {attrs}}}\n{body}```\n\n")
}

/// A script that draws a small valid SVG into its first output.
const DRAW: &str = "echo '<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"3.3in\" height=\"2in\" viewBox=\"0 0 330 200\"><rect x=\"10\" y=\"10\" width=\"100\" height=\"50\"/></svg>' > \"$1\"\n";

#[test]
fn without_permission_nothing_runs_and_the_directive_is_the_error() {
    let t = PaperTest::new();
    let marker = t.path("../ran");
    let body = format!("touch {}\n{DRAW}", marker.display());
    let t = t.file("paper.md", &format!("# Paper\n\n{}", sh("s", "", &body)));
    t.run(&["gen"])
        .code(1)
        .stderr_has("paperfig.toml does not allow runners")
        .stderr_has("paper.md:3:26")
        .stderr_has("allow = true");
    assert!(!marker.exists(), "the script ran without permission");
    t.write("paperfig.toml", "[runners.sh]\nallow = true\n");
    t.run(&["gen"]).ok();
    assert!(marker.exists());
}

#[test]
fn non_zero_exit_shows_stderr_at_the_directive() {
    let t = paper(ALLOW, &sh("s", "", "echo 'plot.sh: column \"acc\" missing' >&2\nexit 3\n"));
    t.run(&["gen"])
        .code(1)
        .stderr_has("paper.md:3:")
        .stderr_has("exited with status 3")
        .stderr_has("column \"acc\" missing");
    assert!(!t.path("build/figures/fig-s.svg").exists());
}

#[test]
fn a_failing_line_of_a_body_script_is_located() {
    let t = paper(ALLOW, &sh("s", "", "true\nnosuchcommand-paperfig\n"));
    t.run(&["gen"]).code(1).stderr_has("paper.md:5:1").stderr_has("nosuchcommand-paperfig");
}

#[test]
fn timeout_stops_the_script() {
    let start = std::time::Instant::now();
    let t = paper("[runners]\nallow = true\n[runners.sh]\ntimeout = 1\n", &sh("s", "", "echo started >&2\nsleep 60\n"));
    t.run(&["gen"])
        .code(1)
        .stderr_has("paper.md:3:")
        .stderr_has("ran longer than 1 s")
        .stderr_has("started")
        .stderr_has("timeout");
    assert!(start.elapsed().as_secs() < 30, "took {:?}", start.elapsed());
}

/// A build stopped by SIGTERM or SIGINT (CI cancelling a job, an IDE's stop button: the
/// signal reaches paperfig only) stops the script it ran and removes its working copy.
#[test]
fn an_interrupted_build_leaves_no_script_running_and_no_working_copy() {
    for signal in [libc::SIGTERM, libc::SIGINT] {
        let t = PaperTest::new();
        let tmp = t.path("../tmp");
        std::fs::create_dir_all(&tmp).unwrap();
        let pid_file = t.path("../script.pid");
        let body = format!("echo $$ > {}\nsleep 60\n{DRAW}", pid_file.display());
        let t = t.file("paperfig.toml", ALLOW).file("paper.md", &format!("# Paper\n\n{}", sh("s", "", &body)));
        let mut child = t.command(&["gen"]).env("TMPDIR", &tmp).spawn().unwrap();
        let started = std::time::Instant::now();
        while std::fs::read_to_string(&pid_file).map_or(true, |p| p.trim().is_empty()) {
            assert!(started.elapsed().as_secs() < 60, "the script never started");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let script: i32 = std::fs::read_to_string(&pid_file).unwrap().trim().parse().unwrap();
        // SAFETY: kill(2) to a process this test started.
        unsafe { libc::kill(child.id() as i32, signal) };
        let status = child.wait().unwrap();
        assert_eq!(std::os::unix::process::ExitStatusExt::into_raw(status) >> 8, 128 + signal, "{status:?}");
        // Killed: gone, or a zombie until init reaps it (within moments, not the 60 s it sleeps).
        let running = || {
            let stat = std::fs::read_to_string(format!("/proc/{script}/stat")).unwrap_or_default();
            let state = stat.rsplit_once(") ").and_then(|(_, rest)| rest.chars().next());
            state.is_some_and(|s| s != 'Z' && s != 'X')
        };
        let killed = std::time::Instant::now();
        while running() && killed.elapsed().as_secs() < 20 {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert!(!running(), "the script (pid {script}) outlived the build");
        let left: Vec<_> = std::fs::read_dir(&tmp).unwrap().filter_map(Result::ok).map(|e| e.file_name()).collect();
        assert!(left.is_empty(), "working copies left behind: {left:?}");
        assert!(!t.path("build/figures/fig-s.svg").exists());
    }
}

#[test]
fn missing_output_is_named() {
    let t = paper(ALLOW, &sh("s", "outputs=svg", "echo wrote nothing\n"));
    t.run(&["gen"]).code(1).stderr_has("paper.md:3:").stderr_has("wrote no svg output").stderr_has("PAPERFIG_OUT_SVG");
}

#[test]
fn garbage_output_is_rejected_and_never_stored() {
    for (outputs, garbage) in [
        ("svg", "echo 'Traceback: oops' > \"$1\"\n"),
        ("pdf", "head -c 300 /dev/urandom > \"$1\"\n"),
        ("png", "echo '%PNG' > \"$1\"\n"),
    ] {
        let t = paper(ALLOW, &sh("s", &format!("outputs={outputs} formats={outputs}"), garbage));
        t.run(&["gen"]).code(1).stderr_has("paper.md:3:").stderr_has(&format!("not a valid {outputs} file"));
        assert!(!t.path(&format!("build/figures/fig-s.{outputs}")).exists());
        // Nothing in the store: no object, no action entry naming one.
        let stored = ["objects", "actions"].map(|d| crate::util::files_under(&t.path(&format!(".paperfig/{d}"))).len());
        assert_eq!(stored, [0, 0], "{outputs}: something was stored");
    }
    // The same figure drawn properly is stored there.
    let t = paper(ALLOW, &sh("s", "outputs=svg formats=svg", DRAW));
    t.run(&["gen"]).ok();
    let stored = ["objects", "actions"].map(|d| crate::util::files_under(&t.path(&format!(".paperfig/{d}"))).len());
    assert!(stored.iter().all(|&n| n > 0), "a good figure is stored: {stored:?}");
}

#[test]
fn runner_not_installed_is_a_clear_message() {
    let config = "[runners.plotit]\nallow = true\ncommand = [\"paperfig-plotit-missing\", \"{script}\", \"{out}\"]\n";
    let t = paper(config, "```{paperfig #fig:s kind=command runner=plotit}\nplot\n```\n");
    t.run(&["gen"])
        .code(1)
        .stderr_has("paper.md:3:41")
        .stderr_has("runner `plotit` needs `paperfig-plotit-missing`, which is not installed");
}

#[test]
fn undeclared_input_is_reported() {
    let t =
        paper(ALLOW, &sh("s", "inputs=data/a.csv", &format!("set -e\ncat data/a.csv data/b.csv > /dev/null\n{DRAW}")))
            .file("data/a.csv", "x\n1\n")
            .file("data/b.csv", "x\n2\n");
    t.run(&["gen"]).code(1).stderr_has("looked for `data/b.csv`").stderr_has("inputs=");
    // Declared, it runs: the glob brings both files into the working copy.
    let paper =
        std::fs::read_to_string(t.path("paper.md")).unwrap().replace("inputs=data/a.csv", "inputs=\"data/*.csv\"");
    t.write("paper.md", &paper);
    t.run(&["gen"]).ok();
}

#[test]
fn second_build_runs_no_script_and_an_input_edit_reruns_only_its_script() {
    let t = PaperTest::new();
    let log = t.path("../runs.log");
    let fig = |id: &str, input: &str| {
        sh(id, &format!("inputs={input}"), &format!("echo {id} >> {}\ncat {input} > /dev/null\n{DRAW}", log.display()))
    };
    let t = t
        .file("paperfig.toml", ALLOW)
        .file("paper.md", &format!("# Paper\n\n{}{}", fig("a", "data/a.csv"), fig("b", "data/b.csv")))
        .file("data/a.csv", "x\n1\n")
        .file("data/b.csv", "x\n2\n");
    let runs = || std::fs::read_to_string(&log).unwrap_or_default().lines().map(String::from).collect::<Vec<_>>();
    assert_eq!(t.build().ok().with_status("generated"), ["fig:a", "fig:b"]);
    assert_eq!(runs().len(), 2);
    let again = t.build().ok();
    assert_eq!(again.with_status("cached"), ["fig:a", "fig:b"]);
    assert_eq!(runs().len(), 2, "a cached build ran a script");
    t.write("data/b.csv", "x\n3\n");
    assert_eq!(t.build().ok().with_status("generated"), ["fig:b"]);
    // The first build ran both in parallel, in either order; then only b ran.
    let log = runs();
    let mut first = log[..2].to_vec();
    first.sort();
    assert_eq!((first, &log[2..]), (vec!["a".to_string(), "b".to_string()], &["b".to_string()][..]));
    // The script ran in a copy: nothing was written into the project.
    assert!(!t.path("paperfig-out").exists() && !t.path("matplotlibrc").exists());
}

#[test]
fn matplotlib_figure_is_byte_stable() {
    let script = "import sys\nimport matplotlib.pyplot as plt\nfig, ax = plt.subplots(figsize=(3.3, 2))\nax.plot([1, 2, 3], [3, 1, 2], label='a')\nax.legend()\nfor p in sys.argv[1:]:\n    fig.savefig(p)\n";
    let fig = format!("```{{paperfig #fig:m kind=command runner=python outputs=svg,pdf,png}}\n{script}```\n");
    let a = paper(ALLOW, &fig);
    let b = paper(ALLOW, &fig);
    a.build().ok();
    b.build().ok();
    for ext in ["svg", "pdf", "png"] {
        let fa = std::fs::read(a.path(&format!("build/figures/fig-m.{ext}"))).unwrap();
        let fb = std::fs::read(b.path(&format!("build/figures/fig-m.{ext}"))).unwrap();
        assert!(fa == fb, "fig-m.{ext} differs between two builds");
    }
    let lock = std::fs::read_to_string(a.path("paperfig.lock")).unwrap();
    assert!(lock.contains("provider = \"command\""), "{lock}");
}

#[test]
fn gnuplot_figure_from_a_script_file() {
    let t = paper(ALLOW, "```{paperfig #fig:g kind=command runner=gnuplot script=plot.gp inputs=d.dat}\n```\n")
        .file(
            "plot.gp",
            "set terminal svg size 317,228\nset output ARG1\nplot 'd.dat' using 1:2 with lines title 'gp-series'\n",
        )
        .file("d.dat", "1 2\n2 4\n3 3\n");
    t.build().ok();
    let svg = std::fs::read_to_string(t.path("build/figures/fig-g.svg")).unwrap();
    assert!(svg.contains("gp-series"));
    assert!(crate::util::pdf_text(&t.path("build/figures/fig-g.pdf")).contains("gp-series"));
}

#[test]
fn an_output_linked_out_of_the_working_copy_is_refused_and_never_stored() {
    let t = PaperTest::new();
    // A valid figure outside the project: followed, it would pass every check.
    let outside = t.path("../outside.svg");
    let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><text>outside-secret</text></svg>";
    std::fs::write(&outside, svg).unwrap();
    let t = t
        .file("paperfig.toml", ALLOW)
        .file("paper.md", &format!("# Paper\n\n{}", sh("s", "", &format!("ln -s {} \"$1\"\n", outside.display()))));
    t.run(&["gen"])
        .code(1)
        .stderr_has("paper.md:3:")
        .stderr_has("output `paperfig-out/figure.svg` is a symbolic link to")
        .stderr_has("outputs are regular files");
    assert!(!t.path("build/figures/fig-s.svg").exists());
    assert_eq!(crate::util::files_under(&t.path(".paperfig/objects")).len(), 0, "something was stored");
}

#[test]
fn a_fifo_output_fails_at_once() {
    let start = std::time::Instant::now();
    let t = paper(ALLOW, &sh("s", "", "mkfifo \"$1\"\n"));
    t.run(&["gen"]).code(1).stderr_has("paper.md:3:").stderr_has("is a pipe, socket or device, not a regular file");
    assert!(start.elapsed().as_secs() < 20, "took {:?}", start.elapsed());
}
