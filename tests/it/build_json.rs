//! `paperfig build --json`: one JSON document on stdout, the figures as `gen --json` reports
//! them and the compile result (PDF, log, whether the format was built, TeX's diagnostics
//! with their codes); progress stays on stderr.

use serde_json::Value;

use crate::compile::with_shared_cache;
use crate::util::PaperTest;

const EPOCH: (&str, &str) = ("SOURCE_DATE_EPOCH", "1700000000");

fn paper(body: &str) -> String {
    format!(
        "\\documentclass{{article}}\n\\usepackage{{paperfig}}\n\\begin{{document}}\n\
         \\begin{{paperfigure}}[id=fig:a, kind=plot]{{Bars}}\nBars\n---\nname,value\na,1\n\\end{{paperfigure}}\n\
         {body}\n\\end{{document}}\n"
    )
}

/// The report without what differs between two runs (timings) and without `compile`.
fn figures_part(report: &Value) -> Value {
    let mut v = report.clone();
    v.as_object_mut().unwrap().remove("compile");
    for f in v["figures"].as_array_mut().unwrap() {
        f.as_object_mut().unwrap().remove("ms");
    }
    v
}

#[test]
fn build_json_is_the_gen_report_with_the_compile_result() {
    let t = with_shared_cache(PaperTest::new().file("paper.tex", &paper("See Figure~\\ref{fig:nowhere}.")));
    t.run(&["gen"]).ok();
    // Both cached now, so the two reports say the same.
    let gen_report = t.run(&["gen", "--json"]).ok().json();
    let run = t.run_env(&["build", "paper.tex", "--json"], &[EPOCH]).ok();
    assert!(run.stderr.contains("wrote build/paper.pdf"), "progress stays on stderr: {}", run.stderr);
    let report = run.json();
    assert_eq!(figures_part(&report), figures_part(&gen_report));
    let compile = &report["compile"];
    assert_eq!(compile["document"], "paper.tex");
    assert_eq!(compile["pdf"], "build/paper.pdf");
    assert_eq!(compile["log"], "build/paper.log");
    assert!(compile["built_format"].is_boolean(), "{compile}");
    assert_eq!(compile["errors"], 0);
    let diags = compile["diagnostics"].as_array().unwrap();
    let undefined = diags.iter().find(|d| d["message"].as_str().unwrap().contains("fig:nowhere")).unwrap();
    assert_eq!(undefined["severity"], "warning");
    assert_eq!(undefined["code"], "tex");
    assert_eq!(undefined["file"], "paper.tex");
    assert_eq!(undefined["line"], 10);
}

#[test]
fn build_json_reports_a_failed_compile_and_a_locked_build_that_compiled_nothing() {
    let t = with_shared_cache(PaperTest::new().file("paper.tex", &paper("Broken \\undefinedmacro here.")));
    let report = t.run_env(&["build", "paper.tex", "--json"], &[EPOCH]).code(1).json();
    let compile = &report["compile"];
    assert!(compile["pdf"].is_null(), "{compile}");
    assert_eq!(compile["log"], "build/paper.log");
    assert!(compile["errors"].as_u64().unwrap() >= 1, "{compile}");
    let first = &compile["diagnostics"][0];
    assert_eq!((first["severity"].as_str(), first["code"].as_str()), (Some("error"), Some("tex")), "{first}");
    assert_eq!(first["location"].as_str().map(|l| l.starts_with("paper.tex:10:")), Some(true), "{first}");
    assert_eq!(report["summary"]["errors"], 0, "the figures were fine");

    // --locked with a figure that no longer matches paperfig.lock: no compile at all.
    t.write("paper.tex", &paper("Fine.").replace("a,1", "a,2"));
    let report = t.run_env(&["build", "paper.tex", "--json", "--locked"], &[EPOCH]).code(1).json();
    assert!(report["compile"].is_null(), "{report}");
    assert_eq!(report["errors"][0]["code"], "locked", "{report}");
}
