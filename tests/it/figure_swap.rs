//! Builds without TeX (`compile::swap`): when only PDF figures changed, each at its size,
//! they are replaced in the last PDF; when nothing TeX reads changed, the PDF stands.
//! The replaced PDF is checked against a full build of the same sources by rendering
//! both with poppler and comparing the pixels; anything else must run TeX.

use std::path::Path;
use std::process::Command;

use crate::compile::with_shared_cache;
use crate::util::{PaperTest, Run, pdf_text};

const EPOCH: (&str, &str) = ("SOURCE_DATE_EPOCH", "1700000000");

const PAPER: &str = "---
title: Figures in place
author: A. Writer
---

# Results

Accuracy grows with the budget (@fig:acc), and latency per system is in @fig:lat.

```{paperfig #fig:acc kind=plot data=acc.csv x=budget y=accuracy caption=\"Accuracy.\"}
Accuracy against budget
```

```{paperfig #fig:lat kind=plot chart=bar data=lat.csv x=system y=ms size=5in caption=\"Latency.\"}
Latency per system
```

Closing words after the figures.
";

fn acc(scale: f64) -> String {
    let mut s = String::from("budget,accuracy\n");
    for i in 1..=8 {
        s.push_str(&format!("{i},{:.3}\n", scale * (1.0 - 1.0 / (i as f64 + 1.0))));
    }
    s
}

const LAT: &str = "system,ms\nalpha,12\nbeta,30\ngamma,21\n";

fn paper(acc_scale: f64) -> PaperTest {
    with_shared_cache(PaperTest::new()).file("paper.md", PAPER).file("acc.csv", &acc(acc_scale)).file("lat.csv", LAT)
}

fn build(t: &PaperTest) -> Run {
    t.run_env(&["build", "paper.md", "--json"], &[EPOCH]).ok()
}

/// What TeX did, from `build --json`.
fn tex(run: &Run) -> String {
    run.json()["compile"]["tex"].as_str().unwrap_or_default().to_string()
}

/// Each page of `pdf` rendered by poppler at 72 dpi, as raw pixels.
fn pixels(pdf: &Path) -> Vec<Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("page");
    let out = Command::new("pdftoppm").args(["-r", "72"]).arg(pdf).arg(&prefix).output().unwrap();
    assert!(out.status.success(), "pdftoppm failed on {}: {}", pdf.display(), String::from_utf8_lossy(&out.stderr));
    let mut pages: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().path()).collect();
    pages.sort();
    pages.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

#[test]
fn a_changed_figure_is_replaced_in_the_pdf_and_it_draws_what_tex_would() {
    let t = paper(1.0);
    assert_eq!(tex(&build(&t)), "ran");
    let pdf = t.path("build/paper.pdf");
    let first = std::fs::read(&pdf).unwrap();
    let first_pixels = pixels(&pdf);

    // Nothing changed: TeX does not run and the PDF stays as it is.
    let again = build(&t);
    assert_eq!(tex(&again), "unchanged", "{}", again.stderr);
    assert_eq!(std::fs::read(&pdf).unwrap(), first);

    // New data for one figure: only that figure is regenerated, and replaced in place.
    t.write("acc.csv", &acc(0.5));
    let run = t.run_env(&["build", "paper.md"], &[EPOCH]).ok();
    run.stderr_has("updated build/paper.pdf: 1 figure replaced in place");
    let patched = pixels(&pdf);
    assert_ne!(patched, first_pixels, "the figure did not change in the PDF");
    let text = pdf_text(&pdf);
    assert!(text.contains("Closing words after the figures") && text.contains("Figure 2"), "{text}");

    // A full build of the same sources draws the same pages.
    let full = paper(0.5);
    assert_eq!(tex(&build(&full)), "ran");
    assert_eq!(patched, pixels(&full.path("build/paper.pdf")), "the replaced figure is not drawn as TeX draws it");

    // Back to the first data: the PDF draws the first build's pages again.
    t.write("acc.csv", &acc(1.0));
    assert_eq!(tex(&build(&t)), "figures-replaced");
    assert_eq!(pixels(&pdf), first_pixels);
}

#[test]
fn text_edits_a_pdf_changed_by_hand_and_new_files_run_tex() {
    let t = paper(1.0);
    assert_eq!(tex(&build(&t)), "ran");
    t.write("paper.md", &PAPER.replace("Closing words", "Final words"));
    assert_eq!(tex(&build(&t)), "ran");
    assert!(pdf_text(&t.path("build/paper.pdf")).contains("Final words"));

    // The PDF is not what paperfig wrote: it is made again.
    std::fs::write(t.path("build/paper.pdf"), b"%PDF-1.5\nnot a PDF\n").unwrap();
    assert_eq!(tex(&build(&t)), "ran");
    assert!(pdf_text(&t.path("build/paper.pdf")).contains("Final words"));
}

/// A LaTeX paper including a PDF it does not make: a figure of another size, or a file
/// TeX looked for and did not find, runs TeX.
#[test]
fn a_figure_of_another_size_or_a_file_that_appears_runs_tex() {
    let figures = paper(1.0);
    build(&figures);
    let fig = |name: &str| std::fs::read(figures.path(&format!("build/figures/{name}.pdf"))).unwrap();
    let (acc_pdf, lat_pdf) = (fig("fig-acc"), fig("fig-lat"));
    figures.write("acc.csv", &acc(0.5));
    figures.run(&["gen"]).ok();
    let acc_half = fig("fig-acc");
    assert_ne!(acc_pdf, acc_half);
    let tex_src = "\\documentclass{article}\n\\usepackage{graphicx}\n\\begin{document}\nBefore.\n\n\
                   \\includegraphics{own.pdf}\n\n\\IfFileExists{extra.tex}{\\input{extra.tex}}{}\nAfter.\n\\end{document}\n";
    let t = with_shared_cache(PaperTest::new()).file("paper.tex", tex_src);
    let latex = |t: &PaperTest| t.run_env(&["build", "paper.tex", "--json"], &[EPOCH]).ok();
    std::fs::write(t.path("own.pdf"), &acc_pdf).unwrap();
    assert_eq!(tex(&latex(&t)), "ran");

    // The user's own PDF redrawn at its size is replaced like paperfig's figures.
    std::fs::write(t.path("own.pdf"), &acc_half).unwrap();
    assert_eq!(tex(&latex(&t)), "figures-replaced");

    // A drawing of another size: the layout may move, so TeX runs.
    std::fs::write(t.path("own.pdf"), &lat_pdf).unwrap();
    let run = latex(&t);
    assert_eq!(run.json()["compile"]["tex"], "ran", "{}", run.stderr);

    // A file TeX looked for appears: TeX runs and reads it.
    t.write("extra.tex", "Text from a file that appeared.\n");
    assert_eq!(tex(&latex(&t)), "ran");
    assert!(pdf_text(&t.path("build/paper.pdf")).contains("Text from a file that appeared"));
}

/// A file TeX read is not read again while its stamp (length, inode, modification and
/// change times) is the one recorded, nor a file it looked for and did not find while its
/// folder's stamp is; an edit of the same length with its modification time set back, or a
/// file appearing in such a folder, still runs TeX.
#[test]
fn an_edit_that_keeps_the_size_and_the_modification_time_or_a_file_appearing_still_runs_tex() {
    let tex_src = "\\documentclass{article}\n\\begin{document}\n\\input{part.tex}\n\
                   \\IfFileExists{extra.tex}{\\input{extra.tex}}{}\n\\end{document}\n";
    let t = with_shared_cache(PaperTest::new()).file("paper.tex", tex_src).file("part.tex", "Old words.\n");
    let latex = |t: &PaperTest| t.run_env(&["build", "paper.tex", "--json"], &[EPOCH]).ok();
    // Stamps are kept only for files and folders that last changed a second or more before.
    let settle = || std::thread::sleep(paperfig::fsutil::RACY + std::time::Duration::from_millis(100));
    settle();
    assert_eq!(tex(&latex(&t)), "ran");
    settle();
    assert_eq!(tex(&latex(&t)), "unchanged");
    assert_eq!(tex(&latex(&t)), "unchanged");
    let part = t.path("part.tex");
    let mtime = std::fs::metadata(&part).unwrap().modified().unwrap();
    std::fs::write(&part, "New words.\n").unwrap();
    std::fs::File::options().write(true).open(&part).unwrap().set_modified(mtime).unwrap();
    assert_eq!(std::fs::metadata(&part).unwrap().modified().unwrap(), mtime);
    assert_eq!(tex(&latex(&t)), "ran");
    assert!(pdf_text(&t.path("build/paper.pdf")).contains("New words"));
    settle();
    assert_eq!(tex(&latex(&t)), "unchanged");
    assert_eq!(tex(&latex(&t)), "unchanged");
    t.write("extra.tex", "Text from a file that appeared.\n");
    assert_eq!(tex(&latex(&t)), "ran");
    assert!(pdf_text(&t.path("build/paper.pdf")).contains("Text from a file that appeared"));
}

/// The first build writes `paperfig.lock` (its `[engine]`) into the project folder after
/// TeX ran; the record still stands for that folder as the build left it (on a file
/// system stamped by the kernel's clock), so the next build looks for none of the files
/// TeX did not find there, one by one; a file appearing there still runs TeX.
#[test]
fn the_record_stands_for_the_project_folder_as_the_first_build_left_it() {
    use std::os::unix::fs::MetadataExt;
    let tex_src = "\\documentclass{article}\n\\begin{document}\nWords.\n\
                   \\IfFileExists{extra.tex}{\\input{extra.tex}}{}\n\\end{document}\n";
    let t = with_shared_cache(PaperTest::new()).file("paper.tex", tex_src);
    let latex = |t: &PaperTest| t.run_env(&["build", "paper.tex", "--json"], &[EPOCH]).ok();
    assert_eq!(tex(&latex(&t)), "ran");
    let lock = std::fs::read_to_string(t.path("paperfig.lock")).unwrap();
    assert!(lock.contains("[engine]"), "{lock}");
    let root = t.path("paper.tex").canonicalize().unwrap().parent().unwrap().to_path_buf();
    let meta = std::fs::metadata(&root).unwrap();
    if paperfig::fsutil::Fingerprint::of(&meta).kernel_clocked() {
        // This paper's record, in the cache folder the tests share.
        let pdf = serde_json::json!(root.join("build/paper.pdf"));
        let records: Vec<serde_json::Value> = walkdir::WalkDir::new(crate::compile::shared_cache().join("tex/aux"))
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".swap.json"))
            .filter_map(|e| serde_json::from_slice::<serde_json::Value>(&std::fs::read(e.path()).ok()?).ok())
            .filter(|r| r["pdf"] == pdf)
            .collect();
        assert_eq!(records.len(), 1);
        let record = &records[0];
        let stamp = &record["stamps"][root.to_str().unwrap()];
        let now = i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec());
        assert_eq!(stamp["mtime_ns"].as_i64().map(i128::from), Some(now), "{stamp}");
        assert_eq!(stamp["ino"].as_u64(), Some(meta.ino()), "{stamp}");
    }
    assert_eq!(tex(&latex(&t)), "unchanged");
    t.write("extra.tex", "Text from a file that appeared.\n");
    assert_eq!(tex(&latex(&t)), "ran");
    assert!(pdf_text(&t.path("build/paper.pdf")).contains("Text from a file that appeared"));
}
