//! `provider=banana` (kind=image) and `provider=papermill` (kind=extract) end to end against
//! the in-repo fakes: real PNG/PDF outputs, exactly-once submission (a second build and a
//! resumed build submit nothing), every documented error status with the message the user
//! sees, retries through the fakes' fault knobs, and keys that never appear in any output.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use paperfig_fakes::banana::{Banana, Model, Output};
use paperfig_fakes::papermill::Papermill;
use paperfig_fakes::support::{FaultKind, RateLimit};
use paperfig_fakes::{Running, serve};

use crate::util::{BIN, PaperTest, Run, poppler};

pub(crate) const BANANA_KEY: &str = "bk_live_SECRET_9f8e7d6c5b4a";
pub(crate) const PAPERMILL_KEY: &str = "pmk_SECRET_2fd2058f53cd84ce3f0ff8f8db3f587";
pub(crate) const BANANA_ENV: &str = "PAPERFIG_TEST_BANANA_KEY";
pub(crate) const PAPERMILL_ENV: &str = "PAPERFIG_TEST_PAPERMILL_KEY";

/// `[providers.*]` for both services at the fakes' addresses; polls and retry delays are short.
pub(crate) fn config(banana: &Running, papermill: &Running) -> String {
    format!(
        "[providers.banana]\ntype = \"banana\"\nbase_url = \"{}/bananadev\"\napi_key_env = \"{BANANA_ENV}\"\n\
         poll_interval = 0.02\nbackoff = 0.01\n\n\
         [providers.papermill]\ntype = \"papermill\"\nbase_url = \"{}\"\napi_key_env = \"{PAPERMILL_ENV}\"\n\
         poll_interval = 0.02\nbackoff = 0.01\n",
        banana.base_url(),
        papermill.base_url()
    )
}

pub(crate) struct Setup {
    pub(crate) t: PaperTest,
    pub(crate) banana: Banana,
    pub(crate) papermill: Papermill,
    _servers: (Running, Running),
}

pub(crate) fn setup(paper: &str) -> Setup {
    let banana = Banana::new(BANANA_KEY);
    let papermill = Papermill::new(PAPERMILL_KEY);
    let b = serve(banana.router(), 0).unwrap();
    let p = serve(papermill.router(), 0).unwrap();
    let t = PaperTest::new().file("paperfig.toml", &config(&b, &p)).file("paper.md", &format!("# Paper\n\n{paper}"));
    write_pdf(&t.path("papers/related.pdf"));
    Setup { t, banana, papermill, _servers: (b, p) }
}

/// A real one-page PDF (drawn by paperfig's own renderer).
pub(crate) fn write_pdf(path: &Path) {
    let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"4in\" height=\"3in\" viewBox=\"0 0 400 300\">\
               <rect x=\"20\" y=\"20\" width=\"200\" height=\"100\" fill=\"#36c\"/></svg>";
    let pdf = paperfig::render::to_pdf(&paperfig::render::parse(svg).unwrap()).unwrap();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, pdf).unwrap();
}

/// `paperfig ARGS` with both keys in the environment (or `keys = false`: none).
pub(crate) fn run_with(t: &PaperTest, args: &[&str], keys: bool) -> Run {
    let mut cmd = Command::new(BIN);
    cmd.args(args).current_dir(&t.root).env_remove("RUST_BACKTRACE").env_remove(BANANA_ENV).env_remove(PAPERMILL_ENV);
    if keys {
        cmd.env(BANANA_ENV, BANANA_KEY).env(PAPERMILL_ENV, PAPERMILL_KEY);
    }
    Run::from(cmd.output().unwrap())
}

pub(crate) fn build(t: &PaperTest) -> Run {
    run_with(t, &["gen"], true)
}

pub(crate) fn image(id: &str, attrs: &str, body: &str) -> String {
    format!("```{{paperfig #fig:{id} kind=image provider=banana {attrs}}}\n{body}\n```\n\n")
}

pub(crate) fn extract(id: &str, n: u32) -> String {
    format!("```{{paperfig #fig:{id} kind=extract provider=papermill pdf=papers/related.pdf figure={n}}}\n```\n\n")
}

pub(crate) fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().unwrap();
    (reader.info().width, reader.info().height)
}

/// The PDF is valid (pdfinfo) and holds exactly one embedded image (pdfimages).
pub(crate) fn check_pdf_with_one_image(path: &Path) {
    let info = poppler("pdfinfo", &[], path);
    let pages = info.lines().find_map(|l| l.strip_prefix("Pages:")).map(str::trim);
    assert_eq!(pages, Some("1"), "{info}");
    let list = poppler("pdfimages", &["-list"], path);
    assert_eq!(list.lines().count(), 3, "one image row after the header:\n{list}");
}

/// Every byte paperfig wrote or printed, for the key-leak check.
pub(crate) fn everything_written(t: &PaperTest, runs: &[&Run]) -> Vec<u8> {
    let mut all = Vec::new();
    for r in runs {
        all.extend_from_slice(r.stdout.as_bytes());
        all.extend_from_slice(r.stderr.as_bytes());
    }
    for file in crate::util::files_under(&t.root) {
        all.extend(std::fs::read(file).unwrap());
    }
    all
}

pub(crate) fn assert_no_keys(t: &PaperTest, runs: &[&Run]) {
    let all = everything_written(t, runs);
    for key in [BANANA_KEY, PAPERMILL_KEY, "SECRET"] {
        assert!(!all.windows(key.len()).any(|w| w == key.as_bytes()), "`{key}` leaked into an output");
    }
}

#[test]
fn banana_images_as_base64_and_url_then_nothing_is_submitted_again() {
    let s = setup(&format!(
        "{}{}",
        image("b64", "model=stable-diffusion-xl input.width=64 input.height=48", "A watercolour cat"),
        image("url", "model=sdxl-url", "{\"prompt\": \"a lab\", \"width\": 80, \"height\": 40}"),
    ));
    let first = build(&s.t).ok();
    assert_eq!(png_size(&s.t.path("build/figures/fig-b64.png")), (64, 48));
    assert_eq!(png_size(&s.t.path("build/figures/fig-url.png")), (80, 40));
    check_pdf_with_one_image(&s.t.path("build/figures/fig-b64.pdf"));
    let svg = std::fs::read_to_string(s.t.path("build/figures/fig-url.svg")).unwrap();
    assert!(svg.contains("data:image/png;base64,"));
    assert_eq!(s.banana.submissions(), 2);
    assert!(s.banana.requests("check") >= 2, "start-only runs are polled with /v1/check");
    assert_eq!(s.banana.requests("file"), 1, "the URL image was downloaded");
    let second = run_with(&s.t, &["gen", "--json"], true).ok();
    assert_eq!(second.with_status("cached").len(), 2);
    assert_eq!(s.banana.submissions(), 2, "a second build submits nothing");
    let status = run_with(&s.t, &["status"], true).ok();
    assert_no_keys(&s.t, &[&first, &second, &status]);
}

#[test]
fn banana_run_endpoint_is_one_blocking_call() {
    let s = setup(&image("r", "model=stable-diffusion-xl endpoint=run input.width=32 input.height=32", "x"));
    build(&s.t).ok();
    assert_eq!((s.banana.requests("run"), s.banana.requests("start")), (1, 0));
    assert_eq!(png_size(&s.t.path("build/figures/fig-r.png")), (32, 32));
}

#[test]
fn banana_output_without_an_image_is_a_clear_error() {
    let s = setup(&image("t", "model=llama-2-7b", "Write a haiku"));
    build(&s.t).code(1).stderr_has("paper.md:3:").stderr_has("modelOutputs has no image").stderr_has("fields message");
}

#[test]
fn papermill_extracts_figure_n_and_shares_one_upload_per_pdf() {
    let s = setup(&format!("{}{}![Overview](papers/related.pdf#figure=1)\n", extract("two", 2), extract("three", 3)));
    s.t.write(
        "paperfig.toml",
        &format!(
            "{}\n[defaults]\nextract = \"papermill\"\n",
            std::fs::read_to_string(s.t.path("paperfig.toml")).unwrap()
        ),
    );
    let first = build(&s.t).ok();
    assert_eq!(s.papermill.submissions(), 1, "three figures of one PDF, one upload");
    // The fake draws figure n at (160 + 40n) × (120 + 20n) pixels.
    assert_eq!(png_size(&s.t.path("build/figures/fig-two.png")), (240, 160));
    assert_eq!(png_size(&s.t.path("build/figures/fig-three.png")), (280, 180));
    check_pdf_with_one_image(&s.t.path("build/figures/fig-three.pdf"));
    let second = build(&s.t).ok();
    assert_eq!(s.papermill.submissions(), 1);
    assert_no_keys(&s.t, &[&first, &second]);
}

#[test]
fn papermill_figure_beyond_the_document_is_located() {
    let s = setup(&extract("nine", 9));
    build(&s.t).code(1).stderr_has("paper.md:3:").stderr_has("Figure not found").stderr_has("3 figures");
}

#[test]
fn retries_ride_out_5xx_bursts_dropped_connections_malformed_json_and_429() {
    let s = setup(&format!(
        "{}{}",
        image("c", "model=stable-diffusion-xl input.width=16 input.height=16", "x"),
        extract("e", 1)
    ));
    let bf = s.banana.faults();
    bf.inject(FaultKind::Status(503), 2, Some("/v1/start"));
    bf.inject(FaultKind::Status(500), 1, Some("/v1/check"));
    bf.inject(FaultKind::Drop, 1, Some("/v1/check"));
    bf.inject(FaultKind::Malformed, 1, Some("/v1/check"));
    let pf = s.papermill.faults();
    pf.inject(FaultKind::Status(500), 1, Some("POST /tasks"));
    pf.inject(FaultKind::Drop, 1, Some("/download"));
    pf.set_rate_limit(Some(RateLimit { requests: 3, per: Duration::from_secs(1) }));
    pf.set_slow_body(Duration::from_millis(20));
    let run = build(&s.t).ok();
    assert_eq!(s.banana.submissions(), 1, "retries never submit twice");
    assert_eq!(s.papermill.submissions(), 1);
    assert!(bf.injected() >= 5 && pf.injected() >= 2, "every fault was met");
    assert!(pf.rate_limited() >= 1, "the 3/s limit was hit and waited out");
    assert_eq!(png_size(&s.t.path("build/figures/fig-c.png")), (16, 16));
    assert_no_keys(&s.t, &[&run]);
}

/// One figure, one injected status: the message the user sees.
fn banana_status(status: u16, expect: &[&str]) {
    let s = setup(&image("x", "model=stable-diffusion-xl", "x"));
    s.banana.faults().inject(FaultKind::Status(status), 100, None);
    s.banana.faults().set_injected_retry_after(Some(0)); // 429s are retried at once (20 times)
    let run = build(&s.t).code(1);
    for e in expect {
        assert!(run.stderr.contains(e), "status {status}: stderr lacks {e:?}:\n{}", run.stderr);
    }
    assert_no_keys(&s.t, &[&run]);
}

#[test]
fn banana_documented_errors_reach_the_user() {
    banana_status(400, &["banana answered 400 Bad Request: Invalid parameters or malformed request"]);
    banana_status(500, &["banana answered 500 Internal Server Error: Banana.dev service error"]);
    banana_status(503, &["banana answered 503 Service Unavailable: Temporary service outage"]);
    banana_status(429, &["banana answered 429 Too Many Requests: Rate Limit Exceeded"]);
}

#[test]
fn banana_wrong_key_unknown_model_and_missing_key() {
    let s = setup(&format!("{}{}", image("x", "model=no-such-model", "x"), image("y", "model=no-such-model", "y")));
    // Looked up once in the account, before anything is run: both figures fail, naming
    // the models the account has.
    let run = build(&s.t)
        .code(1)
        .stderr_has("the account has no model `no-such-model` (it has ")
        .stderr_has("stable-diffusion-xl")
        .stderr_has("nothing was run")
        .stderr_has("paper.md:3:");
    assert_eq!(run.stderr.matches("has no model").count(), 2, "{}", run.stderr);
    // Asked in both URL formats (the docs' fallback), listed by the account check before
    // the batch, then for the figures' models.
    assert_eq!((s.banana.requests("model"), s.banana.requests("models")), (2, 2));
    assert_eq!(s.banana.requests("start") + s.banana.requests("run"), 0, "a run was paid for");
    s.banana.add_key("another");
    let mut cmd = Command::new(BIN);
    cmd.args(["gen"]).current_dir(&s.t.root).env(BANANA_ENV, "bk_wrong_SECRET").env(PAPERMILL_ENV, PAPERMILL_KEY);
    let wrong = Run::from(cmd.output().unwrap());
    assert_eq!(wrong.code, 1);
    assert!(wrong.stderr.contains("Invalid API Key") && wrong.stderr.contains(BANANA_ENV), "{}", wrong.stderr);
    let none = run_with(&s.t, &["gen"], false).code(1).stderr_has(BANANA_ENV);
    assert_no_keys(&s.t, &[&run, &wrong, &none]);
}

#[test]
fn papermill_documented_errors_reach_the_user() {
    type Case = (&'static str, fn(&Papermill), &'static [&'static str]);
    let cases: [Case; 6] = [
        ("enqueue", |p| p.set_enqueue_fails(true), &["papermill answered 500", "Failed to enqueue task"]),
        (
            "file",
            |p| p.set_figure_file_missing(true),
            &["papermill: downloading the finished image answered 404", "Figure file not found"],
        ),
        (
            "storage",
            |p| p.set_storage_fails(true),
            &["papermill: downloading the finished image answered 502", "Failed to fetch figure file"],
        ),
        (
            "failed",
            |p| p.set_processing_fails(Some("Parser crashed on page 3")),
            &["FAILED", "Parser crashed on page 3"],
        ),
        (
            "400",
            |p| p.faults().inject(FaultKind::Status(400), 100, Some("POST /tasks")),
            &["papermill answered 400", "Uploaded file must have a filename"],
        ),
        (
            "422",
            |p| p.faults().inject(FaultKind::Status(422), 100, Some("/figures")),
            &["papermill answered 422", "greater than or equal to 1"],
        ),
    ];
    for (name, arrange, expect) in cases {
        let s = setup(&extract("x", 1));
        arrange(&s.papermill);
        let run = build(&s.t).code(1);
        for e in expect {
            assert!(run.stderr.contains(e), "{name}: stderr lacks {e:?}:\n{}", run.stderr);
        }
        assert!(run.stderr.contains("paper.md:3:"), "{name}: located:\n{}", run.stderr);
        assert_no_keys(&s.t, &[&run]);
    }
}

#[test]
fn papermill_wrong_key_and_not_ready_results() {
    let s = setup(&extract("x", 1));
    let mut cmd = Command::new(BIN);
    cmd.args(["gen"]).current_dir(&s.t.root).env(BANANA_ENV, BANANA_KEY).env(PAPERMILL_ENV, "pmk_wrong_SECRET");
    let wrong = Run::from(cmd.output().unwrap());
    assert_eq!(wrong.code, 1);
    assert!(wrong.stderr.contains("401") && wrong.stderr.contains(PAPERMILL_ENV), "{}", wrong.stderr);
    // 409 "Task result not ready" on the figure list: polled again, then it works.
    s.papermill.faults().inject(FaultKind::Status(409), 2, Some("/figures"));
    let ok = build(&s.t).ok();
    assert_eq!(s.papermill.submissions(), 1);
    assert_no_keys(&s.t, &[&wrong, &ok]);
}

/// Waits (up to 60 s) until `done` holds.
fn wait_for(what: &str, done: impl Fn() -> bool) {
    for _ in 0..6000 {
        if done() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("timed out waiting for {what}");
}

/// Starts `paperfig gen` and kills it with SIGKILL once `submitted` holds.
fn kill_mid_build(t: &PaperTest, submitted: impl Fn() -> bool) {
    let mut child = Command::new(BIN)
        .args(["gen"])
        .current_dir(&t.root)
        .env(BANANA_ENV, BANANA_KEY)
        .env(PAPERMILL_ENV, PAPERMILL_KEY)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_for("the submission", &submitted);
    child.kill().unwrap(); // SIGKILL on Unix: no cleanup runs
    child.wait().unwrap();
}

#[test]
fn a_killed_banana_build_resumes_its_run_instead_of_submitting_again() {
    let s = setup(&image("k", "model=slow input.width=20 input.height=10", "x"));
    let mut slow = Model::new("slow", Output::Base64 { field: "image_base64".into() });
    slow.checks_until_done = u32::MAX;
    s.banana.add_model(slow.clone());
    kill_mid_build(&s.t, || s.banana.submissions() == 1 && s.banana.requests("check") >= 1);
    slow.checks_until_done = 0;
    s.banana.add_model(slow);
    build(&s.t).ok();
    assert_eq!(s.banana.submissions(), 1, "the journaled run was resumed, not submitted again");
    assert_eq!(png_size(&s.t.path("build/figures/fig-k.png")), (20, 10));
}

#[test]
fn a_killed_papermill_build_resumes_its_task() {
    let s = setup(&extract("k", 2));
    s.papermill.set_polls_until_done(u32::MAX);
    kill_mid_build(&s.t, || s.papermill.submissions() == 1 && s.papermill.requests("task") >= 1);
    s.papermill.set_polls_until_done(0);
    build(&s.t).ok();
    assert_eq!(s.papermill.submissions(), 1);
    assert_eq!(png_size(&s.t.path("build/figures/fig-k.png")), (240, 160));
}

#[test]
fn a_journaled_run_or_task_the_service_no_longer_knows_is_submitted_afresh() {
    let s = setup(&format!("{}{}", image("k", "model=slow", "x"), extract("e", 1)));
    let mut slow = Model::new("slow", Output::Base64 { field: "image_base64".into() });
    slow.checks_until_done = u32::MAX;
    s.banana.add_model(slow.clone());
    s.papermill.set_polls_until_done(u32::MAX);
    kill_mid_build(&s.t, || s.banana.requests("check") >= 1 && s.papermill.requests("task") >= 1);
    s.banana.forget_runs();
    s.papermill.forget_tasks();
    slow.checks_until_done = 0;
    s.banana.add_model(slow);
    s.papermill.set_polls_until_done(0);
    let run = build(&s.t).ok();
    assert_eq!((s.banana.submissions(), s.papermill.submissions()), (2, 2), "submitted again, once each");
    assert_no_keys(&s.t, &[&run]);
}

#[test]
fn run_and_task_not_found_reach_the_user() {
    let s = setup(&format!("{}{}", image("k", "model=stable-diffusion-xl", "x"), extract("e", 1)));
    s.banana.faults().inject(FaultKind::Status(404), 100, Some("/v1/check"));
    s.papermill.faults().inject(FaultKind::Status(404), 100, Some("GET /tasks/"));
    let run = build(&s.t).code(1).stderr_has("Run Not Found").stderr_has("Task not found");
    assert_eq!((s.banana.submissions(), s.papermill.submissions()), (1, 1), "a fresh task's 404 is not resubmitted");
    assert_no_keys(&s.t, &[&run]);
}

#[test]
fn banana_costs_count_against_max_cost_before_anything_is_submitted() {
    let figs: String =
        (0..3).map(|i| image(&format!("c{i}"), "model=stable-diffusion-xl", &format!("cat {i}"))).collect();
    let s = setup(&figs);
    let config = std::fs::read_to_string(s.t.path("paperfig.toml")).unwrap();
    s.t.write("paperfig.toml", &config.replace("backoff = 0.01\n\n", "backoff = 0.01\ncost_per_run = 0.5\n\n"));
    let refused = run_with(&s.t, &["gen", "--max-cost", "1"], true).code(2).stderr_has("1.50 dollars");
    assert_eq!(s.banana.submissions(), 0, "a refused build submits nothing");
    run_with(&s.t, &["gen", "--max-cost", "1.5"], true).ok();
    assert_eq!(s.banana.submissions(), 3);
    assert_no_keys(&s.t, &[&refused]);
}

/// The service accepts a submission, then the connection drops before its answer arrives.
/// Nothing is sent twice: Papermill's task is found again by its name in the task list and
/// the figures are built from it; Banana.dev offers no way to find the run, so that figure
/// fails with a message saying why it was not resubmitted. Other figures are built.
#[test]
fn a_submission_whose_answer_is_lost_is_not_sent_twice() {
    let s = setup(&format!(
        "{}{}{}{}",
        image("c", "model=stable-diffusion-xl", "x"),
        image("r", "model=stable-diffusion-xl endpoint=run input.width=32 input.height=32", "y"),
        extract("e1", 1),
        extract("e2", 2)
    ));
    s.banana.faults().inject(FaultKind::Drop, 1, Some("POST /bananadev/v1/start"));
    s.papermill.faults().inject(FaultKind::Drop, 1, Some("POST /tasks"));
    let run = build(&s.t)
        .code(1)
        .stderr_has("paper.md:3:")
        .stderr_has("may have accepted it, so it was not sent again")
        .stderr_has("dashboard");
    assert_eq!((s.banana.submissions(), s.papermill.submissions()), (2, 1), "the run of fig:r, one upload");
    assert_eq!(s.banana.requests("start"), 1, "the lost start is not sent again");
    assert!(!s.t.path("build/figures/fig-c.png").exists(), "the figure whose run was lost is not built");
    assert_eq!(png_size(&s.t.path("build/figures/fig-r.png")), (32, 32));
    // The fake draws figure n at (160 + 40n) × (120 + 20n) pixels.
    assert_eq!(png_size(&s.t.path("build/figures/fig-e1.png")), (200, 140));
    assert_eq!(png_size(&s.t.path("build/figures/fig-e2.png")), (240, 160));
    // As the message says, a new build submits the lost figure again; the rest is cached.
    let again = build(&s.t).ok();
    assert_eq!((s.banana.requests("start"), s.papermill.submissions()), (2, 1));
    let (w, h) = png_size(&s.t.path("build/figures/fig-c.png"));
    assert!(w > 0 && h > 0);
    assert_no_keys(&s.t, &[&run, &again]);
}

/// The task found again after a lost upload answer is journaled like any submission: a
/// build that times out while it processes is resumed by the next build without a listing.
#[test]
fn a_papermill_task_found_after_a_lost_answer_is_journaled() {
    let s = setup(&extract("e", 1));
    let config = std::fs::read_to_string(s.t.path("paperfig.toml")).unwrap();
    // time enough, even on a loaded machine, to list, find the task and journal it
    s.t.write("paperfig.toml", &format!("{config}timeout = 4\n"));
    s.papermill.faults().inject(FaultKind::Drop, 1, Some("POST /tasks"));
    s.papermill.set_polls_until_done(u32::MAX);
    build(&s.t).code(1).stderr_has("did not finish within 4 s");
    // Listed by the account check (one task), then before and after the lost answer.
    assert_eq!((s.papermill.submissions(), s.papermill.requests("list")), (1, 3), "listed before and after");
    s.papermill.set_polls_until_done(1);
    build(&s.t).ok();
    // A resumed task costs nothing new: no account check either.
    assert_eq!((s.papermill.submissions(), s.papermill.requests("list")), (1, 3), "resumed from the journal");
    assert_eq!(png_size(&s.t.path("build/figures/fig-e.png")), (200, 140));
}

#[test]
fn papermill_results_that_stay_not_ready_are_shown_and_time_out() {
    let s = setup(&extract("x", 1));
    let config = std::fs::read_to_string(s.t.path("paperfig.toml")).unwrap();
    s.t.write("paperfig.toml", &format!("{config}timeout = 5\n"));
    s.papermill.faults().inject(FaultKind::Status(409), 100_000, Some("/figures"));
    let run = build(&s.t).code(1).stderr_has("result not ready").stderr_has("did not finish within 5 s");
    assert_eq!(s.papermill.submissions(), 1);
    assert_no_keys(&s.t, &[&run]);
}

#[test]
fn papermill_figures_from_latex_sources() {
    let s = setup("");
    s.t.write(
        "paper.tex",
        "\\documentclass{article}\n\\usepackage{paperfig}\n\\begin{document}\n\
         \\paperfigextract[figure=2, provider=papermill]{papers/related.pdf}{Reproduced from our earlier paper}\n\
         \\end{document}\n",
    );
    build(&s.t).ok();
    let pngs: Vec<_> = std::fs::read_dir(s.t.path("build/figures"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "png"))
        .collect();
    assert_eq!(pngs.len(), 1, "{pngs:?}");
    assert_eq!(png_size(&pngs[0]), (240, 160), "figure 2 as the fake draws it");
    assert_eq!(s.papermill.submissions(), 1);
}
