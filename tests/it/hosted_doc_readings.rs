//! Readings of the service documents that the in-repo fakes did not make by default, each
//! switched on in the fake: a Banana deployment that answers model details only in the
//! "Old Format", takes the key only as `Authorization: Bearer` and returns JPEG; Papermill
//! task lists as bare as its docs' example, oldest first, and a failed enqueue that leaves a
//! `PENDING` row behind.

use paperfig_fakes::banana::{Model, Output};

use crate::hosted_banana_papermill::{build, extract, image, png_size, run_with, setup};

#[test]
fn banana_old_format_model_details_bearer_only_keys_and_jpeg_outputs() {
    let s = setup(&image("jpeg", "model=sdxl-jpeg input.width=40 input.height=30", "A cat"));
    s.banana.add_model(Model::new("sdxl-jpeg", Output::Jpeg { field: "image_base64".into() }));
    s.banana.set_old_format_only(true);
    s.banana.set_bearer_only(true);
    build(&s.t).ok();
    // The new format's 404 sent the client to the old one before anything was run.
    assert_eq!(s.banana.requests("model"), 2);
    assert_eq!(s.banana.submissions(), 1);
    assert_eq!(png_size(&s.t.path("build/figures/fig-jpeg.png")), (40, 30), "the JPEG became a PNG");
}

#[test]
fn banana_model_missing_in_both_formats_is_still_named() {
    let s = setup(&image("x", "model=no-such-model", "x"));
    s.banana.set_old_format_only(true);
    build(&s.t).code(1).stderr_has("the account has no model `no-such-model` (it has ").stderr_has("nothing was run");
    assert_eq!(s.banana.submissions(), 0);
}

/// Only `id`, `status` and `created_at` in the list, oldest first: an earlier upload of the
/// same PDF is still found (each listed task asked for by id), not uploaded again.
#[test]
fn papermill_finds_an_earlier_upload_in_a_bare_oldest_first_list() {
    let s = setup(&extract("one", 1));
    let config = std::fs::read_to_string(s.t.path("paperfig.toml")).unwrap();
    s.t.write("paperfig.toml", &format!("{config}keep_uploads = true\n"));
    s.papermill.set_bare_list_items(true);
    s.papermill.set_oldest_first(true);
    build(&s.t).ok();
    assert_eq!(s.papermill.submissions(), 1);
    s.t.write("paper.md", &format!("# Paper\n\n{}{}", extract("one", 1), extract("two", 2)));
    build(&s.t).ok();
    assert_eq!(s.papermill.submissions(), 1, "figure 2 came from the task of the first build");
    assert_eq!(png_size(&s.t.path("build/figures/fig-two.png")), (240, 160));
}

/// A 500 "Failed to enqueue task" may leave a row that never runs: the next build uploads
/// again instead of waiting on it until the figure's timeout.
#[test]
fn papermill_never_waits_on_a_task_left_pending_by_a_failed_enqueue() {
    let s = setup(&extract("one", 1));
    let config = std::fs::read_to_string(s.t.path("paperfig.toml")).unwrap();
    s.t.write("paperfig.toml", &format!("{config}timeout = 20\n"));
    s.papermill.set_enqueue_fails(true);
    s.papermill.set_enqueue_leaves_pending(true);
    build(&s.t).code(1).stderr_has("Failed to enqueue task");
    s.papermill.set_enqueue_fails(false);
    // Waiting on the PENDING row would end in the figure's timeout, exit 1.
    run_with(&s.t, &["gen"], true).ok();
    assert_eq!(png_size(&s.t.path("build/figures/fig-one.png")), (200, 140));
}
