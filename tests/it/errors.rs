//! Bad input: each malformed directive gets its own located message with the source line
//! and a hint, the exit code is 1, and every valid figure is still built and stored.

use crate::util::PaperTest;

const GOOD: &str = "```{paperfig #fig:good kind=plot caption=\"Fine\"}\nBar chart\n---\nmodel,acc\nA,1\nB,2\n```\n";

/// A paper with one broken directive (on line 3) and one good one.
fn paper_with(broken: &str) -> PaperTest {
    PaperTest::new().file("paper.md", &format!("# Paper\n\n{broken}\n\n{GOOD}")).file("data/ok.csv", "model,acc\nA,1\n")
}

fn check(broken: &str, message: &str, location: &str, hint: &str) {
    let t = paper_with(broken);
    let run = t.run(&["gen"]).code(1);
    let first_line = broken.lines().next().unwrap();
    run.stderr_has(message).stderr_has(location).stderr_has(first_line).stderr_has(hint);
    // The good figure was generated and stored: the next run finds it cached.
    assert!(t.path("build/figures/fig-good.pdf").is_file());
    let again = t.build().code(1);
    assert_eq!(again.with_status("cached"), ["fig:good"]);
    let errors = again.json()["errors"].as_array().unwrap().clone();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["file"], "paper.md");
    assert_eq!(errors[0]["line"], 3);
}

#[test]
fn unclosed_attribute_quote() {
    check(
        "```{paperfig #fig:x kind=plot caption=\"Top-1}\n```",
        "unclosed quote in the value of `caption`",
        "paper.md:3:39",
        "add a closing \"",
    );
}

/// A file whose first bytes are a byte order mark (as Windows editors save it) with a
/// directive right after: the figure is found, and its location counts no BOM.
#[test]
fn a_byte_order_mark_before_the_first_directive_hides_nothing() {
    let t = PaperTest::new();
    let text = format!("\u{feff}{GOOD}\n```{{paperfig #fig:bad kind=plot chart=pie}}\nA,B\n1,2\n```\n");
    t.write("paper.md", &text);
    let run = t.run(&["gen"]).code(1).stderr_has("paper.md:9:");
    assert!(t.path("build/figures/fig-good.pdf").is_file(), "{}", run.stderr);
}

#[test]
fn unknown_kind() {
    check(
        "```{paperfig #fig:x kind=chart}\n```",
        "unknown figure kind `chart`",
        "paper.md:3:26",
        "kind is one of: plot, diagram",
    );
}

#[test]
fn missing_required_attribute() {
    check(
        "```{paperfig #fig:x data=data/ok.csv}\n```",
        "missing the required attribute `kind`",
        "paper.md:3:4",
        "add kind=plot",
    );
}

#[test]
fn unreadable_data_file() {
    check(
        "```{paperfig #fig:x kind=plot data=data/nope.csv}\nBar chart\n```",
        "cannot read data file `data/nope.csv`: no such file",
        "paper.md:3:36",
        "relative to the folder of paper.md",
    );
}

#[test]
fn ambiguous_columns_name_the_available_ones() {
    let broken = "```{paperfig #fig:x kind=plot chart=scatter data=data/wide.csv}\nScatter\n```";
    let t = paper_with(broken).file("data/wide.csv", "a,b,c,d\n1,2,3,4\n5,6,7,8\n");
    let run = t.run(&["gen"]).code(1);
    run.stderr_has("paper.md:3").stderr_has("a, b, c, d");
    assert!(t.path("build/figures/fig-good.pdf").is_file());
}

#[test]
fn bad_value_of_a_known_attribute() {
    check("```{paperfig #fig:x kind=plot chart=pie}\nA,B\n1,2\n```", "pie", "paper.md:3:", "bar");
}

#[test]
fn duplicate_ids_and_kinds_without_provider_are_reported() {
    let t = PaperTest::new().file(
        "paper.md",
        &format!("{GOOD}\n```{{paperfig #fig:good kind=plot}}\nx\n```\n\n```{{paperfig kind=image}}\n```\n"),
    );
    let run = t.run(&["gen"]).code(1);
    run.stderr_has("figure id `fig:good` is used twice")
        .stderr_has("paper.md:9:4")
        .stderr_has("no provider in this build makes kind `image` figures");
}

#[test]
fn invalid_config_stops_with_exit_code_2() {
    let t = PaperTest::new().file("paperfig.toml", "[output]\nformat = [\"svg\"]\n").file("paper.md", GOOD);
    t.run(&["gen"]).code(2).stderr_has("unknown field `format`").stderr_has("paperfig.toml:2:1");
}

#[test]
fn no_panic_on_hostile_input() {
    let nasty = [
        "```{paperfig}\n```",
        "```{paperfig #}\n```",
        "```{paperfig kind=plot data=}\n```",
        "```{paperfig kind=plot data=.}\n```",
        "```{paperfig kind=plot chart=bar}\n---\n\n```",
        "```{paperfig kind=plot}\n[]\n```",
        "```{paperfig kind=plot}\n{\"a\": []}\n```",
        "```{paperfig kind=plot chart=histogram bins=0}\nx\n1\n```",
        "```{paperfig kind=plot size=0in}\nx,y\n1,2\n```",
        "```{paperfig kind=plot logy=true}\nx,y\n1,-2\n2,0\n```",
        "```{paperfig kind=plot}\nx,y\n1,NaN\n2,inf\n```",
        "```{paperfig kind=plot ylim=5,1}\nx,y\n1,2\n```",
    ];
    for (i, n) in nasty.iter().enumerate() {
        let t = PaperTest::new().file("paper.md", n);
        let run = t.run(&["gen"]);
        assert!(run.code == 0 || run.code == 1, "case {i} {n:?}: exit {}\n{}", run.code, run.stderr);
        assert!(!run.stderr.contains("panicked"), "case {i} {n:?} panicked:\n{}", run.stderr);
    }
}

#[test]
fn diagram_syntax_errors_point_into_the_body() {
    let broken = "```{paperfig #fig:d kind=diagram}\na -> b\nb [shape=star]\n```";
    let t = paper_with(broken);
    t.run(&["gen"])
        .code(1)
        .stderr_has("unknown shape `star`")
        .stderr_has("paper.md:5:4")
        .stderr_has("b [shape=star]")
        .stderr_has("shapes: rounded, box, diamond, ellipse, circle, cylinder");
    assert!(t.path("build/figures/fig-good.pdf").is_file());
}

/// `paperfig status | head -1`: the reader goes away; paperfig stops quietly (exit 0, no
/// panic), as cargo and ripgrep do. The read end is closed before paperfig writes, so every
/// write meets a closed pipe.
#[test]
fn a_closed_stdout_ends_the_command_quietly() {
    let t = paper_with("");
    t.run(&["gen"]).ok();
    for args in [&["status"][..], &["gen", "--json"], &["status", "--json"]] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = std::process::Command::new(crate::util::BIN)
            .args(args)
            .current_dir(&t.root)
            .env_remove("RUST_BACKTRACE")
            .stdout(writer)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "paperfig {args:?}: {stderr}");
        assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "paperfig {args:?}: {stderr}");
    }
}

/// A FIFO named as `data=` would block a read forever: refused at once as not a file.
#[cfg(unix)]
#[test]
fn a_pipe_as_a_data_file_is_refused_without_blocking() {
    let t = crate::util::PaperTest::new().file(
        "paper.md",
        "```{paperfig #fig:p kind=plot data=data/pipe.csv}\nBar chart\n```\n\n```{paperfig #fig:ok kind=diagram}\na -> b\n```\n",
    );
    std::fs::create_dir_all(t.path("data")).unwrap();
    let made = std::process::Command::new("mkfifo").arg(t.path("data/pipe.csv")).status().unwrap();
    assert!(made.success());
    let mut child = t.command(&["gen"]).stderr(std::process::Stdio::piped()).spawn().unwrap();
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > std::time::Duration::from_secs(30) {
            let _ = child.kill();
            panic!("gen blocked on a FIFO");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("not a regular file") && stderr.contains("paper.md:1:"), "{stderr}");
    assert!(t.path("build/figures/fig-ok.svg").is_file(), "the other figure is built");
}

/// `paperfig ARGS` on a copy of the project in a tmpfs of `size` of its own, mounted in a
/// private user and mount namespace (so it needs no root, and nothing outlives the run).
/// `None` where this machine allows no such namespace.
fn run_on_tmpfs(t: &PaperTest, size: &str, args: &[&str]) -> Option<crate::util::Run> {
    let disk = t.path("../disk");
    std::fs::create_dir_all(&disk).unwrap();
    let unshare = |script: &str, rest: &[&str]| {
        std::process::Command::new("unshare")
            .args(["--user", "--map-root-user", "--mount", "sh", "-c", script, "sh"])
            .arg(&disk)
            .args(rest)
            .env("XDG_CACHE_HOME", crate::util::user_cache())
            .env_remove("RUST_BACKTRACE")
            .output()
    };
    let mount = format!("mount -t tmpfs -o size={size} paperfig-test \"$1\"");
    match unshare(&mount, &[]) {
        Ok(o) if o.status.success() => {}
        other => {
            eprintln!("skipped: cannot mount a tmpfs in a user namespace here ({other:?})");
            return None;
        }
    }
    let script = format!("{mount} && cp -R \"$2\"/. \"$1\"/ && cd \"$1\" && shift 2 && exec \"$@\"");
    let mut rest = vec![t.root.to_str().unwrap(), crate::util::BIN];
    rest.extend(args);
    Some(crate::util::Run::from(unshare(&script, &rest).unwrap()))
}

#[test]
fn on_a_full_disk_every_failed_figure_says_why() {
    let figure = |i: usize| {
        format!("```{{paperfig #fig:p{i} kind=plot chart=bar x=a y=b}}\nbars\n---\na,b\nx,{i}\ny,2\n```\n\n")
    };
    let t = PaperTest::new().file("paper.md", &(1..=10).map(figure).collect::<String>());
    // Two pages: paper.md takes one, the cache's VERSION file the other.
    let Some(run) = run_on_tmpfs(&t, "8k", &["gen"]) else { return };
    let run = run.code(1);
    for i in 1..=10 {
        // Each figure's error, shown with its directive's line.
        assert!(run.stderr.contains(&format!("failed    fig:p{i}\n")), "{}", run.stderr);
        assert!(run.stderr.contains(&format!("#fig:p{i} kind=plot")), "fig:p{i} has no located error:\n{}", run.stderr);
    }
    let full = run.stderr.matches("error: no space left on device while writing ").count();
    assert_eq!(full, 12, "ten figures, the lockfile and the manifest:\n{}", run.stderr);
    run.stderr_has("/disk/paperfig.lock")
        .stderr_has("/.paperfig/objects/")
        .stderr_has("hint: free space on that disk")
        .stderr_has("[cache] dir");
}
