//! `--locked` / `--frozen` without a remote: figures come only from the cache with the locked
//! outputs; a changed input fails naming the figure and the input; a missing lock entry is
//! reported separately.

use crate::util::PaperTest;

fn paper() -> PaperTest {
    PaperTest::new()
        .file(
            "paper.md",
            "# Locked\n\n```{paperfig #fig:a kind=plot chart=bar data=data/a.csv x=model y=acc}\nplot a\n```\n\n\
             ```{paperfig #fig:b kind=plot chart=line data=data/b.csv x=model y=acc}\nplot b\n```\n",
        )
        .file("data/a.csv", "model,acc\n1,1\n2,2\n")
        .file("data/b.csv", "model,acc\n1,3\n2,1\n")
}

#[test]
fn locked_rebuilds_from_the_cache_and_calls_no_provider() {
    let t = paper();
    t.build().ok();
    let lock = std::fs::read(t.path("paperfig.lock")).unwrap();
    std::fs::remove_dir_all(t.path("build")).unwrap();
    let run = t.run(&["gen", "--locked", "--json"]).ok();
    assert!(run.with_status("generated").is_empty());
    assert!(t.path("build/figures/fig-a.svg").is_file());
    assert_eq!(std::fs::read(t.path("paperfig.lock")).unwrap(), lock, "--locked never rewrites the lockfile");
}

#[test]
fn a_changed_data_file_fails_locked_naming_the_figure_and_the_input() {
    let t = paper();
    t.build().ok();
    t.write("data/a.csv", "model,acc\n1,1\n2,5\n");
    let run = t.run(&["gen", "--locked"]).code(1);
    assert!(run.stderr.contains("`fig:a` would change"), "{}", run.stderr);
    assert!(run.stderr.contains("file `data` (data/a.csv) changed"), "{}", run.stderr);
    assert!(!run.stderr.contains("`fig:b` would change"), "{}", run.stderr);
    // Nothing was made: the old output stays, the new one is not in the cache.
    assert!(run.stderr.contains("paper.md:3:"), "points at the attribute: {}", run.stderr);
    // The body and the attributes are named too.
    let t2 = paper();
    t2.build().ok();
    t2.write(
        "paper.md",
        &std::fs::read_to_string(t2.path("paper.md"))
            .unwrap()
            .replace("plot b", "plot B")
            .replace("chart=bar", "chart=barh"),
    );
    let run = t2.run(&["gen", "--frozen"]).code(1);
    assert!(run.stderr.contains("`fig:b` would change (--locked): body changed"), "{}", run.stderr);
    assert!(run.stderr.contains("`fig:a` would change (--locked): attributes changed"), "{}", run.stderr);
}

#[test]
fn missing_lock_entries_are_reported_apart_from_changed_figures() {
    let t = paper();
    t.build().ok();
    // Drop fig:b's entry from the lockfile; add a new figure c.
    let lock = std::fs::read_to_string(t.path("paperfig.lock")).unwrap();
    let start = lock.find("[[figure]]\nid = \"fig:b\"").unwrap();
    t.write("paperfig.lock", &lock[..start]);
    let text = std::fs::read_to_string(t.path("paper.md")).unwrap();
    t.write(
        "paper.md",
        &format!("{text}\n```{{paperfig #fig:c kind=plot chart=bar data=data/b.csv x=model y=acc}}\nplot c\n```\n"),
    );
    let run = t.run(&["gen", "--locked"]).code(1);
    assert!(
        run.stderr.contains("`fig:b` has no entry in paperfig.lock, though its inputs are unchanged"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("`fig:c` is a new figure with no entry in paperfig.lock"), "{}", run.stderr);
    assert!(!run.stderr.contains("would change"), "{}", run.stderr);
    assert!(t.path("build/figures/fig-a.svg").is_file());
}

#[test]
fn locked_needs_a_lockfile() {
    let t = paper();
    t.run(&["gen", "--locked"]).code(2).stderr_has("--locked needs paperfig.lock");
}

#[test]
fn lock_entries_record_per_input_digests() {
    let t = paper();
    t.build().ok();
    let lock = std::fs::read_to_string(t.path("paperfig.lock")).unwrap();
    let line = lock.lines().find(|l| l.starts_with("inputs = ")).unwrap();
    for part in ["attrs = ", "body = ", "extra = ", "\"file:data\" = ", "output = "] {
        assert!(line.contains(part), "{line}");
    }
}

#[test]
fn a_lockfile_with_a_merge_conflict_is_reported_beside_the_figures_and_left_alone() {
    let t = paper();
    t.build().ok();
    // what `git merge` leaves when two branches rebuilt a figure
    let lock = std::fs::read_to_string(t.path("paperfig.lock")).unwrap();
    let conflicted = format!("<<<<<<< HEAD\n{lock}=======\n{lock}>>>>>>> other\n");
    t.write("paperfig.lock", &conflicted);
    t.write("data/a.csv", "model,acc\n1,5\n2,2\n");
    t.write("data/b.csv", "model,acc\n1,x\n");
    let run = t.run(&["gen", "--json"]).code(1);
    assert_eq!(run.with_status("generated"), ["fig:a"], "the other figures are built");
    let errors = run.json()["errors"].as_array().unwrap().clone();
    let codes: Vec<&str> = errors.iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"lockfile") && errors.len() == 2, "the figure's error and the lockfile's: {errors:?}");
    let lockfile_error = errors.iter().find(|e| e["code"] == "lockfile").unwrap();
    assert!(lockfile_error["message"].as_str().unwrap().contains("paperfig.lock:1:"), "{lockfile_error}");
    assert!(lockfile_error["hints"][0].as_str().unwrap().contains("merge conflict"), "{lockfile_error}");
    assert_eq!(std::fs::read_to_string(t.path("paperfig.lock")).unwrap(), conflicted, "left as it was");
    // resolved: the next gen writes it
    t.write("paperfig.lock", &lock);
    t.write("data/b.csv", "model,acc\n1,3\n2,1\n");
    t.run(&["gen"]).ok();
    assert_ne!(std::fs::read_to_string(t.path("paperfig.lock")).unwrap(), lock, "fig:a's new key is recorded");
}

/// A build with nothing new skips reading the lockfile (it remembers its last merge); a
/// lockfile changed since, by hand or by a checkout, is merged again all the same.
#[test]
fn a_lockfile_changed_after_a_build_is_merged_again() {
    let t = paper();
    t.build().ok();
    let lock = std::fs::read_to_string(t.path("paperfig.lock")).unwrap();
    t.build().ok();
    assert_eq!(std::fs::read_to_string(t.path("paperfig.lock")).unwrap(), lock);
    // fig:b's entry removed by hand: the next build puts it back.
    let b = lock.find("id = \"fig:b\"").expect("fig:b in the lockfile");
    let start = lock[..b].rfind("[[figure]]").unwrap();
    let end = lock[b..].find("[[figure]]").map_or(lock.len(), |e| b + e);
    std::fs::write(t.path("paperfig.lock"), format!("{}{}", &lock[..start], &lock[end..])).unwrap();
    t.build().ok();
    assert_eq!(std::fs::read_to_string(t.path("paperfig.lock")).unwrap(), lock);
    // New data: the figure's entry changes.
    t.write("data/a.csv", "model,acc\n1,1\n2,9\n");
    t.build().ok();
    let changed = std::fs::read_to_string(t.path("paperfig.lock")).unwrap();
    assert_ne!(changed, lock);
    // And back: the first lockfile again.
    t.write("data/a.csv", "model,acc\n1,1\n2,2\n");
    t.build().ok();
    assert_eq!(std::fs::read_to_string(t.path("paperfig.lock")).unwrap(), lock);
}
