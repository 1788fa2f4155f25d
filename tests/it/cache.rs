//! The local store as users meet it: two builds at once, damage detected and healed,
//! `cache verify` and `cache gc`.

use std::process::Command;

use crate::util::{BIN, PaperTest};

/// A paper with `n` small plots, all reading one data file.
fn many_figures(n: usize) -> PaperTest {
    let mut paper = String::from("# Many\n\n");
    for i in 0..n {
        paper.push_str(&format!(
            "```{{paperfig #fig:p{i} kind=plot data=data/d.csv title=\"Plot {i}\"}}\nBar chart\n```\n\n"
        ));
    }
    PaperTest::new().file("paper.md", &paper).file("data/d.csv", "model,acc\nA,1\nB,2\nC,3\n")
}

fn objects(t: &PaperTest) -> Vec<std::path::PathBuf> {
    crate::util::files_under(&t.path(".paperfig/objects"))
}

#[test]
fn two_processes_building_at_once_leave_a_sound_store() {
    let t = many_figures(24);
    let spawn = || Command::new(BIN).args(["gen", "-q", "-j", "2"]).current_dir(&t.root).spawn().unwrap();
    let (mut a, mut b) = (spawn(), spawn());
    assert!(a.wait().unwrap().success());
    assert!(b.wait().unwrap().success());
    t.run(&["cache", "verify"]).ok();
    let third = t.build().ok();
    assert_eq!(third.with_status("cached").len(), 24);
    assert!(third.with_status("generated").is_empty());
}

#[test]
fn damaged_object_is_found_by_verify_and_rebuilt() {
    let t = many_figures(2);
    t.build().ok();
    let victim = objects(&t).into_iter().next().unwrap();
    let mut bytes = std::fs::read(&victim).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    std::fs::write(&victim, &bytes).unwrap();
    let verify = t.run(&["cache", "verify"]).code(1);
    let name = victim.file_name().unwrap().to_string_lossy().to_string();
    assert!(
        verify.stdout.contains(&name) || verify.stderr.contains(&name),
        "verify does not name {name}:\n{}{}",
        verify.stdout,
        verify.stderr
    );
    // With the outputs gone, the next build needs the object, sees the damage, and rebuilds.
    std::fs::remove_dir_all(t.path("build")).unwrap();
    let run = t.build().ok();
    assert_eq!(run.with_status("generated").len() + run.with_status("cached").len(), 2);
    assert!(!run.with_status("generated").is_empty(), "damaged object was served");
    for f in run.json()["figures"].as_array().unwrap() {
        let pdf = std::fs::read(t.path(f["outputs"]["pdf"].as_str().unwrap())).unwrap();
        assert!(pdf.starts_with(b"%PDF"));
    }
    t.run(&["cache", "verify", "--repair"]).ok();
    t.run(&["cache", "verify"]).ok();
}

/// Builtin figures are stored without fsync; a power cut may leave their files named but
/// empty. Such a store is never served from: the next build makes the figures again.
#[test]
fn builtin_figures_a_power_cut_emptied_are_made_again() {
    let t = many_figures(3);
    t.build().ok();
    let entries = crate::util::files_under(&t.path(".paperfig/actions"));
    assert_eq!(entries.len(), 3);
    for f in objects(&t).iter().chain(&entries) {
        std::fs::write(f, b"").unwrap();
    }
    std::fs::remove_dir_all(t.path("build")).unwrap();
    let run = t.build().ok();
    assert_eq!(run.with_status("generated").len(), 3, "an emptied entry or object was served");
    for f in run.json()["figures"].as_array().unwrap() {
        let pdf = std::fs::read(t.path(f["outputs"]["pdf"].as_str().unwrap())).unwrap();
        assert!(pdf.starts_with(b"%PDF") && pdf.len() > 500);
    }
    t.run(&["cache", "verify"]).ok();
}

#[test]
fn gc_keeps_live_figures_and_drops_dead_entries() {
    let t = many_figures(3);
    t.build().ok();
    // Change one figure: its old entry is dead.
    let paper = std::fs::read_to_string(t.path("paper.md")).unwrap();
    t.write("paper.md", &paper.replace("Plot 0", "Plot zero"));
    t.build().ok();
    let gc = t.run(&["cache", "gc", "--max-age", "0"]).ok();
    assert!(gc.stderr.contains("removed 1 action"), "{}", gc.stderr);
    let again = t.build().ok();
    assert_eq!(again.with_status("cached").len(), 3, "gc removed a live figure");
}

#[test]
fn a_no_op_build_trusts_placed_outputs_only_while_they_are_as_written() {
    let t = many_figures(2);
    t.build().ok();
    let pdf = t.path("build/figures/fig-p0.pdf");
    let good = std::fs::read(&pdf).unwrap();
    // The store emptied: outputs still as written are hits without it.
    for d in ["actions", "objects"] {
        std::fs::remove_dir_all(t.path(&format!(".paperfig/{d}"))).unwrap();
    }
    let noop = t.build().ok();
    assert_eq!(noop.with_status("cached").len(), 2, "{}", noop.stdout);
    assert!(objects(&t).is_empty(), "a no-op wrote to the store");
    // An output changed by hand is no longer trusted: with the store empty, it is made again.
    std::fs::write(&pdf, b"%PDF-1.7 not the figure").unwrap();
    let run = t.build().ok();
    assert_eq!(run.with_status("generated"), ["fig:p0"]);
    assert_eq!(std::fs::read(&pdf).unwrap(), good);
    // With the store back, a damaged output is placed again from it.
    std::fs::write(&pdf, b"%PDF-1.7 damaged again").unwrap();
    let run = t.build().ok();
    assert_eq!(run.with_status("cached").len(), 2);
    assert_eq!(std::fs::read(&pdf).unwrap(), good);
}

#[test]
fn inputs_unchanged_since_an_earlier_build_are_not_reread_but_any_change_is_seen() {
    let t = PaperTest::new()
        .file("paper.md", "```{paperfig #fig:a kind=plot data=data/a.csv}\nBar chart\n```\n\n```{paperfig #fig:b kind=plot data=data/b.csv}\nBar chart\n```\n")
        .file("data/a.csv", "model,acc\nA,1\nB,2\n")
        .file("data/b.csv", "model,acc\nA,5\nB,6\n");
    // Files younger than a second are never remembered (a change in the same clock tick
    // could not be told apart): let them age. The first build makes the cache folder, the
    // second fills the memo in it.
    std::thread::sleep(std::time::Duration::from_millis(1200));
    t.build().ok();
    t.build().ok();
    let memo = std::fs::read_to_string(t.path(".paperfig/digests")).unwrap();
    assert!(memo.contains("/data/a.csv") && memo.contains("/data/b.csv"), "{memo}");
    let good = std::fs::read(t.path("build/figures/fig-a.svg")).unwrap();

    // The store and outputs gone: the figures are made from files the plan did not read.
    std::fs::remove_dir_all(t.path(".paperfig/actions")).unwrap();
    std::fs::remove_dir_all(t.path(".paperfig/objects")).unwrap();
    std::fs::remove_dir_all(t.path("build")).unwrap();
    let again = t.build().ok();
    assert_eq!(again.with_status("generated"), ["fig:a", "fig:b"]);
    assert_eq!(std::fs::read(t.path("build/figures/fig-a.svg")).unwrap(), good);

    // Same size, same modification time, other contents: still seen (the change time moved).
    let a = t.path("data/a.csv");
    let mtime = std::fs::metadata(&a).unwrap().modified().unwrap();
    std::fs::write(&a, "model,acc\nA,3\nB,2\n").unwrap();
    std::fs::File::options().write(true).open(&a).unwrap().set_modified(mtime).unwrap();
    let changed = t.build().ok();
    assert_eq!(changed.with_status("generated"), ["fig:a"]);
    assert_eq!(changed.with_status("cached"), ["fig:b"]);
    assert_ne!(std::fs::read(t.path("build/figures/fig-a.svg")).unwrap(), good);
}
