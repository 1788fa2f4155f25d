//! Snapshots of what users read: `gen --json`, `status --json`, the command line's error
//! output, and the Markdown → LaTeX writer, on `fixtures/snapshot/`. Changing values
//! (timings, temporary folders) are filtered out; everything else is compared whole.
//!
//! A change shows as a diff. To accept it: `INSTA_UPDATE=always cargo test --test it
//! snapshots` (or `cargo insta review`), then read the `.snap` diff before committing.

use paperfig::emit::Manifest;
use paperfig::texwriter::{WriteOptions, figure_files, write_paper};

use crate::util::PaperTest;

/// Timings, the project's temporary folder and the TeX trees, which differ between runs
/// and machines.
fn filters(t: &PaperTest) -> Vec<(String, String)> {
    vec![
        (r#""ms": [0-9.]+"#.to_string(), r#""ms": "[ms]""#.to_string()),
        (r"\([0-9]+ ms\)".to_string(), "([ms] ms)".to_string()),
        (regex_escape(&t.root.display().to_string()), "[project]".to_string()),
        // The machine's TeX installation.
        (r#""found_by": "[^"]*""#.to_string(), r#""found_by": "[tex]""#.to_string()),
        (r#""origin": "[^"]*""#.to_string(), r#""origin": "[origin]""#.to_string()),
        (r#""trees": \[[^\]]*\]"#.to_string(), r#""trees": "[trees]""#.to_string()),
    ]
}

/// `s` as a regular expression matching itself.
fn regex_escape(s: &str) -> String {
    s.chars().map(|c| if "\\.+*?()|[]{}^$".contains(c) { format!("\\{c}") } else { c.to_string() }).collect()
}

macro_rules! snapshot {
    ($t:expr, $name:expr, $value:expr) => {
        let owned = filters($t);
        let filters: Vec<(&str, &str)> = owned.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        insta::with_settings!({ filters => filters, prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!($name, $value);
        })
    };
}

/// The fixture with one broken directive added, so reports carry an error too.
fn project() -> PaperTest {
    let t = PaperTest::copy_of("fixtures/snapshot");
    let paper = std::fs::read_to_string(t.path("paper.md")).unwrap();
    t.file("paper.md", &format!("{paper}\n```{{paperfig #fig:broken kind=pie}}\nx\n```\n"))
}

#[test]
fn gen_and_status_json_reports() {
    let t = project();
    let first = t.run(&["gen", "--json"]).code(1);
    snapshot!(&t, "gen_json_first", first.stdout.as_str());
    let again = t.run(&["gen", "--json"]).code(1);
    snapshot!(&t, "gen_json_again", again.stdout.as_str());
    let status = t.run(&["status", "--json"]).code(1);
    snapshot!(&t, "status_json", status.stdout.as_str());
}

#[test]
fn error_output() {
    let t = project();
    // One figure at a time, so the progress lines come in source order.
    let run = t.run(&["gen", "-j", "1"]).code(1);
    snapshot!(&t, "gen_errors", run.stderr.as_str());
    // A fatal error: a bad value in paperfig.toml, pointed at by toml's own spans.
    t.write("paperfig.toml", "[output]\nformats = [\"svg\"]\n\n[providers.pb]\ntype = \"paperbanana\"\napi_key_env = \"PB\"\nconcurrency = 0\n");
    let run = t.run(&["gen"]).code(2);
    snapshot!(&t, "gen_fatal_config", run.stderr.as_str());
}

#[test]
fn markdown_paper_as_latex() {
    let t = PaperTest::copy_of("fixtures/snapshot");
    t.run(&["gen"]).ok();
    let md = t.path("paper.md");
    let scan = paperfig::scan::scan_files(&t.root, std::slice::from_ref(&md));
    let fig_dir = t.path("build/figures");
    let figure_file = figure_files(&Manifest::read(&fig_dir), &fig_dir);
    let paper =
        write_paper(&scan.files[0], &scan.directives, &figure_file, &WriteOptions::new(&t.root, t.path("build")))
            .unwrap_or_else(|e| panic!("{e:?}"));
    snapshot!(&t, "paper_tex", paper.tex.as_str());
}
