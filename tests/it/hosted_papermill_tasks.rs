//! Papermill tasks after their figures are stored: deleted at the end of the build
//! (`DELETE /tasks/{id}`), kept with `keep_uploads = true` or while a figure of theirs fails,
//! and a delete the service refuses is a warning while the figures are built and cached.

use paperfig_fakes::support::FaultKind;

use crate::hosted_banana_papermill::{assert_no_keys, build, extract, png_size, setup};

fn append_config(s: &crate::hosted_banana_papermill::Setup, extra: &str) {
    let config = std::fs::read_to_string(s.t.path("paperfig.toml")).unwrap();
    s.t.write("paperfig.toml", &format!("{config}{extra}"));
}

#[test]
fn a_task_is_deleted_once_its_figures_are_stored_and_a_cached_build_sends_nothing() {
    let s = setup(&format!("{}{}", extract("a", 1), extract("b", 2)));
    let first = build(&s.t).ok();
    assert_eq!(s.papermill.submissions(), 1);
    assert_eq!(s.papermill.requests("delete"), 1, "one task, deleted once");
    assert_eq!(s.papermill.tasks(), 0, "the uploaded PDF's task is gone");
    assert_eq!(png_size(&s.t.path("build/figures/fig-a.png")), (200, 140));
    let requests = s.papermill.requests("all");
    let second = build(&s.t).ok();
    assert_eq!(s.papermill.requests("all"), requests, "a cached build sends nothing");
    assert!(!second.stderr.contains("warning"), "{}", second.stderr);
    assert_no_keys(&s.t, &[&first, &second]);
}

#[test]
fn keep_uploads_keeps_the_task() {
    let s = setup(&extract("a", 1));
    append_config(&s, "keep_uploads = true\n");
    build(&s.t).ok();
    assert_eq!((s.papermill.requests("delete"), s.papermill.tasks()), (0, 1));
}

#[test]
fn keep_uploads_must_be_a_boolean() {
    let s = setup(&extract("a", 1));
    append_config(&s, "keep_uploads = \"yes\"\n");
    build(&s.t).code(2).stderr_has("paperfig.toml:").stderr_has("keep_uploads");
    assert_eq!(s.papermill.requests("all"), 0);
}

#[test]
fn a_task_with_a_failed_figure_is_kept_so_the_fix_does_not_upload_again() {
    let s = setup(&format!("{}{}", extract("a", 1), extract("nine", 9)));
    build(&s.t).code(1).stderr_has("Figure not found");
    assert_eq!((s.papermill.requests("delete"), s.papermill.tasks()), (0, 1));
    s.t.write("paper.md", &format!("# Paper\n\n{}{}", extract("a", 1), extract("nine", 3)));
    build(&s.t).ok();
    assert_eq!(s.papermill.submissions(), 1, "the kept task served the fixed figure");
    assert_eq!((s.papermill.requests("delete"), s.papermill.tasks()), (1, 0));
}

/// A delete refused (409) or failing (5xx after retries) warns; the figure is built and
/// cached, so the next build sends nothing at all.
#[test]
fn a_refused_or_failing_delete_is_a_warning_and_the_figure_is_cached() {
    for (status, times, expect) in [(409, 1, "Cannot delete task while processing"), (503, 100, "503")] {
        let s = setup(&extract("a", 1));
        s.papermill.faults().inject(FaultKind::Status(status), times, Some("DELETE /tasks/"));
        let first = build(&s.t).ok().stderr_has("was not deleted").stderr_has(expect).stderr_has("keep_uploads");
        assert_eq!(s.papermill.tasks(), 1, "{status}: the task is still there");
        assert_eq!(png_size(&s.t.path("build/figures/fig-a.png")), (200, 140));
        let requests = s.papermill.requests("all");
        let second = build(&s.t).ok();
        assert_eq!(s.papermill.requests("all"), requests, "{status}: cached, nothing sent");
        assert_no_keys(&s.t, &[&first, &second]);
    }
}
