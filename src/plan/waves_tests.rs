//! The planner's waves: a figure naming others (`input=#fig:x`) is planned once they are
//! built, from their PNG outputs' bytes; it fails naming a figure that failed or makes no
//! PNG; it waits for one left for later; planned ahead, it is exact only from stored outputs.

use std::sync::Arc;

use super::*;
use crate::model::{Artifact, Kind};
use crate::provider::plot::PlotProvider;
use crate::provider::{figure_ref, list_entries};

/// A provider of edits of other figures: each figure `input=` names becomes `draft:NN`.
struct Edit;

impl Provider for Edit {
    fn id(&self) -> &'static str {
        "edit"
    }
    fn version(&self) -> &'static str {
        "1"
    }
    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Image]
    }
    fn attrs(&self, _: Kind) -> &'static [&'static str] {
        &["input"]
    }
    fn file_attrs(&self) -> &'static [&'static str] {
        &[]
    }
    fn figure_attr(&self) -> Option<&'static str> {
        Some("input")
    }
    fn prepare(&self, req: &mut Request, ctx: &PrepareContext<'_>) -> Result<(), ProviderError> {
        let value = req.attrs.remove("input").unwrap_or_default();
        for (i, id) in list_entries(&value).filter_map(figure_ref).enumerate() {
            let png = ctx.figure(id).ok_or_else(|| ProviderError::new(format!("no output of {id}")))?;
            req.files.insert(format!("draft:{:02}", i + 1), png);
        }
        Ok(())
    }
    fn generate(&self, _: &Request, _: &Digest) -> Result<Vec<Artifact>, ProviderError> {
        unreachable!("planning only")
    }
}

fn planner_for<'a>(
    root: &'a Path,
    config: &'a Config,
    registry: &'a Registry,
    scan: &'a [Arc<Directive>],
) -> Planner<'a> {
    Planner::new(root, config, registry, scan)
}

fn paper(figures: &[(&str, &str)]) -> (tempfile::TempDir, Vec<Arc<Directive>>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("acc.csv"), "model,acc\nA,0.9\nB,0.8\n").unwrap();
    let text: String = figures
        .iter()
        .map(|(id, attrs)| format!("```{{paperfig #{id} {attrs}}}\nBar chart of accuracy\n```\n\n"))
        .collect();
    std::fs::write(dir.path().join("paper.md"), text).unwrap();
    let scan = crate::scan::scan_files(dir.path(), &[dir.path().join("paper.md")]);
    assert!(scan.diagnostics.is_empty(), "{:?}", scan.diagnostics);
    (dir, scan.directives)
}

fn png(tail: &str) -> InputFile {
    InputFile::new("png", [b"\x89PNG\r\n\x1a\n".as_slice(), tail.as_bytes()].concat())
}

fn names(jobs: &[Job]) -> Vec<&str> {
    jobs.iter().map(|j| j.directive.name.as_str()).collect()
}

#[test]
fn a_figure_is_planned_after_the_figures_it_names_from_their_outputs_bytes() {
    let (dir, directives) = paper(&[
        ("fig:edit", "kind=image input=#fig:sketch"),
        ("fig:sketch", "kind=plot data=acc.csv"),
        ("fig:both", "kind=image input=\"#fig:edit,@fig:sketch\""),
        ("fig:alone", "kind=plot data=acc.csv"),
    ]);
    let config = Config::defaults(dir.path());
    let registry = Registry::new(vec![Arc::new(PlotProvider::new()), Arc::new(Edit)]);
    let mut planner = planner_for(dir.path(), &config, &registry, &directives);
    assert!(planner.is_named("fig:sketch") && planner.is_named("fig:edit") && !planner.is_named("fig:alone"));

    let first = planner.next(&|_| panic!("nothing was built before the first wave"));
    assert!(first.diagnostics.is_empty(), "{:?}", first.diagnostics);
    assert_eq!(names(&first.jobs), ["fig:sketch", "fig:alone"]);
    let waiting: Vec<_> = planner.waiting().iter().map(|w| (w.directive.name.clone(), w.inputs.clone())).collect();
    assert_eq!(
        waiting,
        [("fig:edit".to_string(), vec!["fig:sketch"]), ("fig:both".to_string(), vec!["fig:edit", "fig:sketch"])]
    );
    // Not known yet: they wait.
    assert!(planner.next(&|_| None).jobs.is_empty());

    let second = planner.next(&|job| (job.directive.name == "fig:sketch").then(|| Upstream::Built(png("sketch"))));
    assert_eq!(names(&second.jobs), ["fig:edit"]);
    let edit = &second.jobs[0];
    assert_eq!(edit.request.files["draft:01"].bytes.as_slice(), png("sketch").bytes.as_slice());
    assert!(edit.request.attrs.is_empty(), "the ids stay out of the key");

    let built = |job: &Job| Some(Upstream::Built(png(&job.directive.name)));
    let third = planner.next(&built);
    assert_eq!(names(&third.jobs), ["fig:both"]);
    let files = &third.jobs[0].request.files;
    assert_eq!(files["draft:01"].digest, png("fig:edit").digest);
    assert_eq!(files["draft:02"].digest, png("fig:sketch").digest);
    assert!(planner.next(&built).jobs.is_empty() && planner.waiting().is_empty());

    // Another output of the same upstream (an AI service drew it again): another key.
    let mut again = planner_for(dir.path(), &config, &registry, &directives);
    again.next(&|_| None);
    let other = again.next(&|_| Some(Upstream::Built(png("sketch, drawn again"))));
    assert_ne!(other.jobs[0].key, edit.key);
}

#[test]
fn a_figure_naming_one_that_failed_or_makes_no_png_fails_naming_it_and_one_left_for_later_waits() {
    let (dir, directives) = paper(&[
        ("fig:broken", "kind=plot data=missing.csv"),
        ("fig:after", "kind=image input=#fig:broken"),
        ("fig:later", "kind=image input=#fig:after"),
        ("fig:vector", "kind=plot data=acc.csv formats=svg,pdf"),
        ("fig:raster", "kind=image input=#fig:vector"),
        ("fig:slow", "kind=plot data=acc.csv"),
        ("fig:waits", "kind=image input=#fig:slow"),
    ]);
    let config = Config::defaults(dir.path());
    let registry = Registry::new(vec![Arc::new(PlotProvider::new()), Arc::new(Edit)]);
    let mut planner = planner_for(dir.path(), &config, &registry, &directives);
    let first = planner.next(&|_| None);
    assert_eq!(names(&first.jobs), ["fig:vector", "fig:slow"]);
    let msgs: Vec<(Option<&str>, &str)> =
        first.diagnostics.iter().map(|d| (d.figure.as_deref(), d.message.as_str())).collect();
    assert_eq!(msgs.len(), 4, "{msgs:?}");
    assert!(msgs[0].1.contains("missing.csv"), "{msgs:?}");
    assert_eq!(
        msgs[1],
        (
            Some("fig:after"),
            "figure `fig:after` is not made: figure `fig:broken`, whose output its input= names, failed"
        )
    );
    assert_eq!(
        msgs[2],
        (Some("fig:raster"), "figure `fig:vector`, whose output input= names, makes no PNG (formats: svg, pdf)")
    );
    assert_eq!(msgs[3].0, Some("fig:later"), "down the chain in the same call");
    let after = &first.diagnostics[1];
    assert_eq!(after.location().unwrap(), "paper.md:5:42");
    assert!(after.hints[0].contains("nothing was sent"), "{:?}", after.hints);

    // Left for later: it waits, and stays waiting.
    assert!(planner.next(&|_| Some(Upstream::Later)).jobs.is_empty());
    assert_eq!(planner.waiting().len(), 1);
    assert_eq!(planner.waiting()[0].directive.name, "fig:waits");
    // Failed in the run: the figure naming it fails.
    let failed = planner.next(&|_| Some(Upstream::Failed));
    assert!(failed.jobs.is_empty());
    assert_eq!(failed.diagnostics[0].figure.as_deref(), Some("fig:waits"));
    assert!(failed.diagnostics[0].message.contains("figure `fig:slow`"));
}

#[test]
fn figures_planned_ahead_are_exact_only_from_stored_outputs() {
    let (dir, directives) = paper(&[
        ("fig:sketch", "kind=plot data=acc.csv"),
        ("fig:edit", "kind=image input=#fig:sketch"),
        ("fig:again", "kind=image input=#fig:edit"),
    ]);
    let config = Config::defaults(dir.path());
    let registry = Registry::new(vec![Arc::new(PlotProvider::new()), Arc::new(Edit)]);
    let mut planner = planner_for(dir.path(), &config, &registry, &directives);
    planner.next(&|_| None);
    // Nothing stored: stand-ins, the keys are not the figures'.
    let ahead = planner.foresee(&|_| None);
    assert_eq!(names(&ahead.iter().map(|f| f.job.clone()).collect::<Vec<_>>()), ["fig:edit", "fig:again"]);
    assert!(ahead.iter().all(|f| !f.exact));
    // Everything stored: planned as the waves will plan them.
    let ahead = planner.foresee(&|job| Some(png(&job.directive.name)));
    assert!(ahead.iter().all(|f| f.exact));
    let edit = planner.next(&|job| Some(Upstream::Built(png(&job.directive.name))));
    assert_eq!(edit.jobs[0].key, ahead[0].job.key);
    let again = planner.next(&|job| Some(Upstream::Built(png(&job.directive.name))));
    assert_eq!(again.jobs[0].key, ahead[1].job.key);
}
