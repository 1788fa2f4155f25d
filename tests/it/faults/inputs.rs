//! Bad input, each in a project beside a good figure: what once panicked, aborted the whole
//! process, hung or took minutes. Each must end by itself within its limit, with the bad
//! figure drawn or refused with a message saying why, and the good figure built.

use std::time::Duration;

use super::{Tally, scale, settled, tail};
use crate::util::{PaperTest, Run};

const GOOD: &str = "```{paperfig #fig:good kind=plot}\nBar chart\n---\nmodel,acc\nA,1\nB,2\n```\n\n";

/// What must become of the bad figure.
enum Expect {
    /// Drawn.
    Built,
    /// Refused with an error whose message or hint holds this text.
    Refused(&'static str),
    /// The whole run refused (a bad configuration) with this text, exit code 2.
    Whole(&'static str),
}

struct Case {
    name: String,
    /// `paper.md` after the good figure.
    bad: String,
    files: Vec<(&'static str, String)>,
    expect: Expect,
}

fn plot(attrs: &str, csv: String) -> String {
    format!("```{{paperfig #fig:bad kind=plot {attrs}}}\nA chart\n---\n{csv}```\n\n")
}

fn rows(n: usize, row: impl Fn(usize) -> String) -> String {
    (0..n).map(|i| row(i) + "\n").collect()
}

fn cases(full: bool) -> Vec<Case> {
    let big = |short: usize, long: usize| if full { long } else { short };
    let case = |name: String, bad: String, expect| Case { name, bad, files: vec![], expect };
    let (line_rows, categories, scatter_pts, errors) =
        (big(50_000, 1_000_000), big(20_000, 1_000_000), big(100_000, 1_000_000), big(2_000, 20_000));
    vec![
        case(
            "a 60-character title on a one-column plot".into(),
            plot(
                "chart=line title=\"Accuracy of every model on every benchmark we could run\"",
                "x,y\n1,2\n2,3\n".into(),
            ),
            Expect::Built,
        ),
        case(
            "values near ±1e308".into(),
            plot("chart=line", "x,y\n1,-1.7e308\n2,1.7e308\n3,0\n".into()),
            Expect::Built,
        ),
        case(
            "3,000 nested { } in a DOT body".into(),
            format!(
                "```{{paperfig #fig:bad kind=diagram syntax=dot}}\ndigraph {{ {} a -> b {} }}\n```\n\n",
                "subgraph { ".repeat(3000),
                "} ".repeat(3000)
            ),
            Expect::Refused("nested"),
        ),
        case(
            "3,000 nested groups".into(),
            format!(
                "```{{paperfig #fig:bad kind=diagram}}\n{}a -> b\n{}```\n\n",
                (0..3000).map(|i| format!("group g{i} {{\n")).collect::<String>(),
                "}\n".repeat(3000)
            ),
            Expect::Refused("nested"),
        ),
        case(
            format!("a line chart of {line_rows} rows"),
            plot(
                "chart=line x=x y=y",
                format!("x,y\n{}", rows(line_rows, |i| format!("{i},{}", (i % 977) as f64 * 0.5))),
            ),
            Expect::Built,
        ),
        case(
            format!("a bar chart of {categories} categories"),
            plot("chart=bar x=name y=v", format!("name,v\n{}", rows(categories, |i| format!("n{i},{}", i % 7)))),
            Expect::Refused("categories"),
        ),
        case(
            format!("a scatter of {scatter_pts} points"),
            plot(
                "chart=scatter x=x y=y",
                format!("x,y\n{}", rows(scatter_pts, |i| format!("{},{}", (i * 7919) % 10007, (i * 104_729) % 10009))),
            ),
            Expect::Built,
        ),
        case(
            "an xlabel of 100,000 words".into(),
            plot(&format!("chart=line xlabel=\"{}\"", "word ".repeat(100_000).trim()), "x,y\n1,2\n2,3\n".into()),
            Expect::Refused("characters"),
        ),
        case(
            format!("{errors} directive errors"),
            "```{paperfig kind=pie}\n```\n\n".repeat(errors),
            Expect::Refused("unknown figure kind"),
        ),
        case(
            "an unknown attribute".into(),
            plot("chart=line xlable=Epoch", "x,y\n1,2\n2,3\n".into()),
            Expect::Refused("did you mean `xlabel`"),
        ),
        Case {
            name: "a FIFO as data=".into(),
            bad: "```{paperfig #fig:bad kind=plot data=pipe.csv}\nA chart\n```\n\n".into(),
            files: vec![("pipe.csv", "FIFO".into())],
            expect: Expect::Refused("not a regular file"),
        },
        Case {
            name: "a source that is not UTF-8".into(),
            bad: String::new(),
            files: vec![("notes.md", "LATIN1".into())],
            expect: Expect::Refused("not UTF-8"),
        },
        Case {
            name: "a script output linked to a file outside".into(),
            bad: "```{paperfig #fig:bad kind=command runner=sh}\nln -s /etc/hostname \"$1\"\n```\n\n".into(),
            files: vec![("paperfig.toml", "[runners]\nallow = true\n".into())],
            expect: Expect::Refused("symbolic link"),
        },
        Case {
            name: "a script output that is a pipe".into(),
            bad: "```{paperfig #fig:bad kind=command runner=sh}\nmkfifo \"$1\"\n```\n\n".into(),
            files: vec![("paperfig.toml", "[runners]\nallow = true\n".into())],
            expect: Expect::Refused("not a regular file"),
        },
        Case {
            name: "formats = [] in paperfig.toml".into(),
            bad: String::new(),
            files: vec![("paperfig.toml", "[output]\nformats = []\n".into())],
            expect: Expect::Whole("formats"),
        },
    ]
}

fn write_files(t: &PaperTest, files: &[(&str, String)]) {
    for (rel, text) in files {
        match text.as_str() {
            "FIFO" => {
                let ok = std::process::Command::new("mkfifo").arg(t.path(rel)).status().unwrap().success();
                assert!(ok, "mkfifo failed");
            }
            "LATIN1" => std::fs::write(t.path(rel), b"# Caf\xe9\n").unwrap(),
            _ => t.write(rel, text),
        }
    }
}

/// Every message and hint of a run's `--json` errors, joined.
fn messages(run: &Run) -> String {
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap_or_default();
    let mut out = String::new();
    for e in v["errors"].as_array().into_iter().flatten() {
        out.push_str(e["message"].as_str().unwrap_or(""));
        for h in e["hints"].as_array().into_iter().flatten() {
            out.push_str(h.as_str().unwrap_or(""));
        }
        out.push('\n');
    }
    out
}

fn outcome(case: &Case, run: &Run) -> Result<(), String> {
    if let Expect::Whole(text) = case.expect {
        return match run.code == 2 && run.stderr.contains(text) {
            true => Ok(()),
            false => Err(format!("expected exit 2 naming `{text}`, got {}:\n{}", run.code, tail(&run.stderr))),
        };
    }
    let built = run.with_status("generated");
    if !built.iter().any(|id| id == "fig:good") {
        return Err(format!("the good figure was not built (exit {}):\n{}", run.code, tail(&run.stderr)));
    }
    match case.expect {
        Expect::Built if built.iter().any(|id| id == "fig:bad") => Ok(()),
        Expect::Built => Err(format!("not drawn:\n{}", tail(&run.stderr))),
        Expect::Refused(text) if run.code == 1 && messages(run).contains(text) => Ok(()),
        Expect::Refused(text) => {
            Err(format!("expected an error naming `{text}`, exit {}:\n{}", run.code, tail(&messages(run))))
        }
        Expect::Whole(_) => unreachable!(),
    }
}

#[test]
fn bad_input_fails_alone_fast_and_clearly() {
    let limit = Duration::from_secs(60);
    let mut tally = Tally::new("bad inputs beside a good figure");
    for case in cases(scale().full) {
        let t = PaperTest::new().file("paper.md", &format!("# Paper\n\n{GOOD}{}", case.bad));
        write_files(&t, &case.files);
        let started = std::time::Instant::now();
        let result = settled(t.command(&["gen", "--json"]), limit).and_then(|run| outcome(&case, &run));
        eprintln!(
            "faults:   {:<44} {:>6.2} s  {}",
            case.name,
            started.elapsed().as_secs_f64(),
            if result.is_ok() { "ok" } else { "FAILED" }
        );
        tally.trial(result.map_err(|e| format!("{}: {e}", case.name)));
    }
    tally.finish();
}
