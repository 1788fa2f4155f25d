//! The bundled example paper: everything builds, a second run builds nothing, and editing
//! one data file rebuilds exactly that figure.

use crate::util::PaperTest;

pub(crate) const FIGURES: [&str; 15] = [
    "fig:ablation",
    "fig:acc",
    "fig:calibration",
    "fig:crossover",
    "fig:latency",
    "fig:lengths",
    "fig:memory",
    "fig:overview",
    "fig:pipeline",
    "fig:robustness",
    "fig:scaling",
    "fig:teaser",
    "fig:throughput",
    "fig:tradeoff",
    "fig:training",
];

#[test]
fn builds_every_figure_then_nothing() {
    let t = PaperTest::copy_of("examples/paper");
    let first = t.build().ok();
    assert_eq!(first.with_status("generated"), FIGURES);
    for f in first.json()["figures"].as_array().unwrap() {
        for (format, path) in f["outputs"].as_object().unwrap() {
            let path = t.path(path.as_str().unwrap());
            assert!(path.is_file(), "{format} output of {} missing: {}", f["id"], path.display());
        }
        assert!(f["key"].as_str().unwrap().starts_with("sha256:"));
    }
    let second = t.build().ok();
    assert!(second.with_status("generated").is_empty());
    assert_eq!(second.with_status("cached"), FIGURES);
}

#[test]
fn editing_one_csv_regenerates_exactly_that_figure() {
    let t = PaperTest::copy_of("examples/paper");
    t.build().ok();
    let csv = std::fs::read_to_string(t.path("data/accuracy.csv")).unwrap();
    t.write("data/accuracy.csv", &csv.replace("83.4", "83.9"));
    let run = t.build().ok();
    assert_eq!(run.with_status("generated"), ["fig:acc"]);
    assert_eq!(run.with_status("cached").len(), FIGURES.len() - 1);
    // Putting the old contents back finds the old figure in the cache.
    t.write("data/accuracy.csv", &csv);
    assert!(t.build().ok().with_status("generated").is_empty());
}

#[test]
fn editing_a_script_input_reruns_exactly_that_script() {
    let t = PaperTest::copy_of("examples/paper");
    t.build().ok();
    let csv = std::fs::read_to_string(t.path("data/memory.csv")).unwrap();
    t.write("data/memory.csv", &csv.replace("301.5", "299.0"));
    let run = t.build().ok();
    assert_eq!(run.with_status("generated"), ["fig:memory"]);
    let csv = std::fs::read_to_string(t.path("data/robustness.csv")).unwrap();
    t.write("data/robustness.csv", &csv.replace("41.2", "42.0"));
    assert_eq!(t.build().ok().with_status("generated"), ["fig:robustness"]);
}

#[test]
fn caption_edits_do_not_regenerate_but_attribute_edits_do() {
    let t = PaperTest::copy_of("examples/paper");
    t.build().ok();
    let paper = std::fs::read_to_string(t.path("paper.md")).unwrap();
    t.write("paper.md", &paper.replace("Inference latency on one GPU.", "Latency on an A100."));
    assert!(t.build().ok().with_status("generated").is_empty());
    t.write("paper.md", &paper.replace("bins=30", "bins=20"));
    assert_eq!(t.build().ok().with_status("generated"), ["fig:lengths"]);
}

#[test]
fn status_lists_each_figure_with_its_location_and_state() {
    let t = PaperTest::copy_of("examples/paper");
    let before = t.run(&["status", "--json"]).ok().json();
    let figs = before["figures"].as_array().unwrap();
    assert_eq!(figs.len(), FIGURES.len());
    assert!(figs.iter().all(|f| f["state"] == "missing"));
    let acc = figs.iter().find(|f| f["id"] == "fig:acc").unwrap();
    assert_eq!(acc["kind"], "plot");
    assert_eq!(acc["provider"], "builtin");
    assert!(acc["source"].as_str().unwrap().starts_with("paper.md:"), "{}", acc["source"]);
    t.build().ok();
    let after = t.run(&["status", "--json"]).ok().json();
    assert!(after["figures"].as_array().unwrap().iter().all(|f| f["state"] == "cached"));
    let table = t.run(&["status"]).ok().stdout;
    assert!(table.contains("fig:acc") && table.contains("cached"), "{table}");
}

#[test]
fn lockfile_names_every_figure_and_is_stable() {
    let t = PaperTest::copy_of("examples/paper");
    t.build().ok();
    let lock = std::fs::read_to_string(t.path("paperfig.lock")).unwrap();
    for id in FIGURES {
        assert!(lock.contains(&format!("id = \"{id}\"")), "{id} not in lockfile:\n{lock}");
    }
    let parsed: toml::Value = toml::from_str(&lock).unwrap();
    assert_eq!(parsed["figure"].as_array().unwrap().len(), FIGURES.len());
    // Both the store and the placed outputs gone: every figure is made again.
    std::fs::remove_dir_all(t.path(".paperfig")).unwrap();
    std::fs::remove_dir_all(t.path("build")).unwrap();
    let again = t.build().ok();
    assert_eq!(again.with_status("generated").len(), FIGURES.len());
    assert_eq!(std::fs::read_to_string(t.path("paperfig.lock")).unwrap(), lock, "regenerating gives the same lockfile");
}

#[test]
fn building_one_file_keeps_the_other_files_figures() {
    let t = PaperTest::copy_of("examples/paper")
        .file("appendix.md", "```{paperfig #fig:extra kind=plot}\nBar chart\n---\nmodel,acc\nA,1\nB,2\n```\n");
    std::fs::write(
        t.path("paperfig.toml"),
        std::fs::read_to_string(t.path("paperfig.toml"))
            .unwrap()
            .replace("sources = [\"paper.md\"]", "sources = [\"*.md\"]"),
    )
    .unwrap();
    let all = t.build().ok();
    assert_eq!(all.with_status("generated").len(), FIGURES.len() + 1);
    let lock = std::fs::read_to_string(t.path("paperfig.lock")).unwrap();
    let one = t.run(&["gen", "--json", "appendix.md"]).ok();
    assert_eq!(one.with_status("cached"), ["fig:extra"]);
    assert_eq!(std::fs::read_to_string(t.path("paperfig.lock")).unwrap(), lock, "the other file's figures stay locked");
    assert!(t.path("build/figures/fig-acc.pdf").is_file(), "the other file's outputs stay");
    // Removing a figure from a scanned file drops it.
    t.write("appendix.md", "No figures any more.\n");
    t.run(&["gen", "-q", "appendix.md"]).ok();
    assert!(!std::fs::read_to_string(t.path("paperfig.lock")).unwrap().contains("fig:extra"));
    assert!(!t.path("build/figures/fig-extra.pdf").exists());
}

/// `scripts/example` leaves `examples/paper/paperfig.lock` (with the book's figures too):
/// tests copy the repository's files only, so the README's two commands pass in either
/// order on one clone.
#[test]
fn what_a_run_leaves_in_a_project_is_not_copied_into_tests() {
    let dir = tempfile::tempdir().unwrap();
    let from = dir.path().join("from");
    for f in ["paper.md", "paperfig.lock", "build/paper.pdf", ".paperfig/x", "data/a.csv"] {
        std::fs::create_dir_all(from.join(f).parent().unwrap()).unwrap();
        std::fs::write(from.join(f), "x").unwrap();
    }
    let to = dir.path().join("to");
    crate::util::copy_repo_dir(&from, &to);
    let mut copied: Vec<String> = crate::util::files_under(&to)
        .iter()
        .map(|p| p.strip_prefix(&to).unwrap().to_string_lossy().into_owned())
        .collect();
    copied.sort();
    assert_eq!(copied, ["data/a.csv", "paper.md"]);
}
