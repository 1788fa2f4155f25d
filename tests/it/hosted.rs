//! Hosted providers against the in-repo fakes of PaperBanana and AutoFigureEdit (started
//! in this process on free loopback ports): real builds by the real binary, counted by the
//! fakes, with every documented error status turned into the message the user reads.

use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use paperfig_fakes::{autofigureedit as afe, paperbanana as pb};
use serde_json::Value;

use crate::util::{BIN, PaperTest, Run, poppler};

/// Key values chosen to be unique, so a leak is found by searching for them.
pub(crate) const PB_KEY: &str = "pb_live_7f3a9c0e5d2b4a61";
pub(crate) const AFE_KEY: &str = "sk-team-51b2e8d4c7a90f36";

pub(crate) struct Hosted {
    pub(crate) t: PaperTest,
    pub(crate) pb: pb::Fake,
    pub(crate) afe: afe::Fake,
    pub(crate) pb_key: String,
    pub(crate) afe_key: String,
}

pub(crate) fn pb_config() -> pb::Config {
    pb::Config { keys: vec![(PB_KEY.into(), None)], latency: Duration::from_millis(500), ..pb::Config::default() }
}

/// The documented limits are per minute; tests run many builds against one fake, so the
/// fake and the client allow more (the 429 test sets its own).
pub(crate) fn afe_config() -> afe::Config {
    afe::Config {
        keys: vec![AFE_KEY.into()],
        latency: Duration::from_millis(600),
        key_rpm: 100_000,
        team_rpm: 100_000,
        ip_rpm: 100_000,
        ..afe::Config::default()
    }
}

impl Hosted {
    pub(crate) fn new() -> Hosted {
        Hosted::with(pb_config(), afe_config(), "")
    }

    /// Fakes with these configs; `extra` is appended to both providers' tables... as
    /// whole lines after the `[providers.*]` tables (use `[providers.pb]` keys by name).
    pub(crate) fn with(pbc: pb::Config, afec: afe::Config, pb_extra: &str) -> Hosted {
        let pb = pb::Fake::start(pbc, 0).unwrap();
        let afe = afe::Fake::start(afec, 0).unwrap();
        let t = PaperTest::new();
        let h = Hosted { t, pb, afe, pb_key: PB_KEY.into(), afe_key: AFE_KEY.into() };
        h.config(pb_extra, "");
        h
    }

    pub(crate) fn config(&self, pb_extra: &str, afe_extra: &str) {
        self.t.write(
            "paperfig.toml",
            &format!(
                "[output]\nformats = [\"svg\", \"pdf\", \"png\"]\n\n[providers.pb]\ntype = \"paperbanana\"\nbase_url = \"{}\"\napi_key_env = \"PB_TOKEN\"\nbackoff = 0.01\n{pb_extra}\n\n[providers.afe]\ntype = \"autofigureedit\"\nbase_url = \"{}\"\napi_key_env = \"AFE_TOKEN\"\npoll_interval = 0.1\nbackoff = 0.01\nrate_limit = 100000\n{afe_extra}\n",
                self.pb.base_url(),
                self.afe.base_url()
            ),
        );
    }

    pub(crate) fn paper(&self, figures: &str) {
        self.t.write("paper.md", &format!("# Paper\n\n{figures}"));
    }

    pub(crate) fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args)
            .current_dir(&self.t.root)
            .env("PB_TOKEN", &self.pb_key)
            .env("AFE_TOKEN", &self.afe_key)
            .env_remove("RUST_BACKTRACE");
        c
    }

    pub(crate) fn run(&self, args: &[&str]) -> Run {
        Run::from(self.command(args).output().unwrap())
    }

    pub(crate) fn build(&self) -> Run {
        self.run(&["gen", "--json"])
    }
}

pub(crate) fn fig(id: &str, attrs: &str, body: &str) -> String {
    format!("```{{paperfig #fig:{id} {attrs}}}\n{body}\n```\n\n")
}

pub(crate) fn pb_diagram(id: &str) -> String {
    fig(id, "kind=diagram provider=pb caption=\"Figure 1: Encoder\"", &format!("A 6-layer encoder ({id})."))
}

pub(crate) fn afe_image(id: &str) -> String {
    fig(id, "kind=image provider=afe caption=\"A photo\"", &format!("A red apple on a white background ({id})"))
}

/// Error messages of a failed build, by figure id.
pub(crate) fn errors(run: &Run) -> Vec<String> {
    run.json()["errors"].as_array().unwrap().iter().map(|e| e["message"].as_str().unwrap().to_string()).collect()
}

pub(crate) fn one_error(run: &Run) -> String {
    let e = errors(run);
    assert_eq!(e.len(), 1, "{e:?}\n{}", run.stderr);
    e[0].clone()
}

fn check_png(path: &std::path::Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    let mut r = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().unwrap();
    let mut buf = vec![0; r.output_buffer_size()];
    let info = r.next_frame(&mut buf).unwrap();
    (info.width, info.height)
}

#[test]
fn builds_valid_figures_then_submits_nothing() {
    let h = Hosted::new();
    h.t.write("data/acc.json", "{\"models\": [\"A\", \"B\"], \"accuracy\": [76.1, 81.8]}");
    h.paper(&format!(
        "{}{}{}{}",
        pb_diagram("pbd"),
        fig(
            "pbp",
            "kind=plot provider=pb data=data/acc.json caption=\"Accuracy\"",
            "Bar chart comparing model accuracy"
        ),
        fig(
            "afed",
            "kind=diagram provider=afe caption=\"Transformer architecture\" resolution=2K",
            "This paper presents a novel transformer."
        ),
        afe_image("afei"),
    ));
    let first = h.run(&["gen"]).ok();
    assert!(first.stderr.contains("4 figures: 4 generated, 0 cached"), "{}", first.stderr);
    let (pb_requests, afe_requests) =
        (h.pb.state.knobs.requests.load(Ordering::SeqCst), h.afe.state.knobs.requests.load(Ordering::SeqCst));
    let second = h.build().ok();
    assert_eq!(second.with_status("cached"), ["fig:afed", "fig:afei", "fig:pbd", "fig:pbp"]);
    for f in second.json()["figures"].as_array().unwrap() {
        let outputs = f["outputs"].as_object().unwrap();
        let (w, hgt) = check_png(&h.t.path(outputs["png"].as_str().unwrap()));
        assert!(w > 0 && hgt > 0);
        let pdf = h.t.path(outputs["pdf"].as_str().unwrap());
        assert!(poppler("pdfinfo", &[], &pdf).contains("Pages:"));
        assert!(poppler("pdfimages", &["-list"], &pdf).lines().count() >= 3, "{} has no image", pdf.display());
        let svg = std::fs::read_to_string(h.t.path(outputs["svg"].as_str().unwrap())).unwrap();
        assert!(svg.contains("data:image/png;base64,"));
    }
    // What the services received, field by field as their docs say.
    let pb_bodies = h.pb.state.bodies.lock().unwrap().clone();
    let plot = pb_bodies.iter().find(|b| b.get("data_json").is_some()).unwrap();
    let data: Value = serde_json::from_str(plot["data_json"].as_str().expect("data_json is a string")).unwrap();
    assert_eq!(data["accuracy"][1], 81.8);
    assert_eq!(plot["intent"], "Bar chart comparing model accuracy");
    let diagram = pb_bodies.iter().find(|b| b.get("source_context").is_some()).unwrap();
    assert_eq!(diagram["caption"], "Figure 1: Encoder");
    assert_eq!(diagram["iterations"], 3);
    let afe_bodies = h.afe.state.bodies.lock().unwrap().clone();
    let pipe = afe_bodies.iter().find(|b| b["type"] == "pipeline").unwrap();
    assert_eq!(pipe["scene"], "text-to-image");
    assert_eq!(pipe["options"]["content"], "This paper presents a novel transformer.");
    assert_eq!(pipe["options"]["task_name"], "diagram");
    assert_eq!(pipe["options"]["resolution"], "2K");
    assert_eq!(pipe["prompt"], "Transformer architecture");
    let std = afe_bodies.iter().find(|b| b["type"] == "standard").unwrap();
    assert_eq!(std["model"], "nano-banana-pro");
    assert_eq!(std["options"]["output_format"], "png");
    // Remote stages were shown while polling; credits went as the table says (12 + 10).
    assert!(afe::STAGES.iter().any(|s| first.stderr.contains(&format!(": {s}"))), "{}", first.stderr);
    assert_eq!(h.afe.state.credits(), 450 - 12 - 10);
    assert_eq!(h.afe.state.credit_checks.load(Ordering::SeqCst), 1, "credits are checked once per batch");
    assert_eq!((h.pb.submissions(), h.afe.submissions()), (2, 2));
    assert_eq!(h.pb.state.knobs.requests.load(Ordering::SeqCst), pb_requests, "a cached build talks to nobody");
    assert_eq!(h.afe.state.knobs.requests.load(Ordering::SeqCst), afe_requests);
    // The journal is empty once everything is stored.
    let journal = h.t.path(".paperfig/hosted/pb");
    assert_eq!(std::fs::read_dir(journal).map_or(0, |d| d.count()), 0);
}

#[test]
fn kill_9_mid_build_then_rerun_submits_nothing_twice() {
    let mut pbc = pb_config();
    pbc.latency = Duration::from_secs(8);
    let h = Hosted::with(pbc, afe_config(), "");
    h.paper(&format!("{}{}{}", pb_diagram("k1"), pb_diagram("k2"), pb_diagram("k3")));
    let mut child = h.command(&["gen"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let start = Instant::now();
    while h.pb.submissions() < 3 {
        assert!(start.elapsed() < Duration::from_secs(60), "the build never submitted");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Every task id is journaled before polling starts.
    let journaled = || {
        std::fs::read_dir(h.t.path(".paperfig/hosted/pb")).map_or(0, |d| {
            d.filter_map(Result::ok).filter(|e| e.file_name().to_string_lossy().ends_with(".json")).count()
        })
    };
    while journaled() < 3 {
        assert!(start.elapsed() < Duration::from_secs(60), "no journal entries");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    // The account check before the batch (health, a task nobody made), then three submissions.
    assert_eq!(h.pb.state.knobs.requests.load(Ordering::SeqCst), 2 + 3, "killed before any poll");
    let rerun = h.build().ok();
    assert_eq!(rerun.with_status("generated"), ["fig:k1", "fig:k2", "fig:k3"]);
    assert_eq!(h.pb.submissions(), 3, "the rerun resumed the three tasks instead of submitting again");
    for f in rerun.json()["figures"].as_array().unwrap() {
        check_png(&h.t.path(f["outputs"]["png"].as_str().unwrap()));
    }
}

#[test]
fn paperbanana_error_statuses_reach_the_user() {
    // 401: a key the service does not know.
    let mut h = Hosted::new();
    h.paper(&pb_diagram("a"));
    h.pb_key = "pb_wrong".into();
    let msg = one_error(&h.build().code(1));
    assert!(msg.contains("pb answered 401 Unauthorized: Invalid API key (missing or invalid API key)"), "{msg}");
    h.pb_key = PB_KEY.into();

    // 403 (key disabled): the provider stops, with no retry and nothing submitted.
    h.pb.state.set_active(PB_KEY, false);
    let before = h.pb.state.knobs.requests.load(Ordering::SeqCst);
    let msg = one_error(&h.build().code(1));
    assert!(msg.contains("pb answered 403 Forbidden: API key is disabled (API key disabled or quota exhausted); nothing more is submitted to pb"), "{msg}");
    // Found by the account check before the batch (its second request, after health).
    assert_eq!(h.pb.state.knobs.requests.load(Ordering::SeqCst), before + 2, "403 is not retried");
    h.pb.state.set_active(PB_KEY, true);

    // 422: a request the service finds invalid.
    h.pb.state.knobs.force_submit.lock().unwrap().push_back(422);
    let msg = one_error(&h.build().code(1));
    assert!(msg.contains("pb answered 422 Validation error: Validation error: invalid JSON in data_json"), "{msg}");

    // 500 that never ends: retried, then reported.
    h.pb.state.knobs.fail_5xx.store(1000, Ordering::SeqCst);
    let before = h.pb.state.knobs.requests.load(Ordering::SeqCst);
    let msg = one_error(&h.build().code(1));
    assert!(msg.contains("pb answered 500 Server error: Internal server error"), "{msg}");
    assert_eq!(h.pb.state.knobs.requests.load(Ordering::SeqCst) - before, 7, "one attempt and six retries");
    h.pb.state.knobs.fail_5xx.store(0, Ordering::SeqCst);
    assert_eq!(h.pb.submissions(), 0);

    // 404: the service lost the task between submission and the first poll.
    let state = h.pb.state.clone();
    let forget = std::thread::spawn(move || {
        while state.submissions.load(Ordering::SeqCst) == 0 {
            std::thread::sleep(Duration::from_millis(5));
        }
        state.forget_tasks();
    });
    let msg = one_error(&h.build().code(1));
    forget.join().unwrap();
    assert!(msg.contains("pb answered 404 Not found: Task not found (unknown task ID"), "{msg}");
}

#[test]
fn paperbanana_quota_exhausted_stops_the_provider_at_once() {
    let mut pbc = pb_config();
    pbc.keys = vec![(PB_KEY.into(), Some(0))];
    let h = Hosted::with(pbc, afe_config(), "concurrency = 1");
    h.paper(&format!("{}{}{}", pb_diagram("q1"), pb_diagram("q2"), afe_image("other")));
    let run = h.build().code(1);
    let e = errors(&run);
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(e.iter().all(|m| m.contains("403 Forbidden: Quota exhausted for this API key")), "{e:?}");
    // The account check (health, a task nobody made) cannot see the quota; the first
    // submission finds it.
    assert_eq!(h.pb.state.knobs.requests.load(Ordering::SeqCst), 2 + 1, "the second figure was never sent");
    assert_eq!(run.with_status("generated"), ["fig:other"], "other providers are unaffected");
}

/// The quota is spent as tasks are accepted (paperbanana.txt: "One quota unit is deducted
/// when the task is submitted"): once a submission finds it exhausted, nothing more is
/// submitted, but the task already accepted is still polled and its figure stored.
#[test]
fn paperbanana_quota_exhausted_mid_build_keeps_the_accepted_task() {
    let mut pbc = pb_config();
    pbc.keys = vec![(PB_KEY.into(), Some(1))];
    let h = Hosted::with(pbc, afe_config(), "concurrency = 2");
    h.paper(&format!("{}{}", pb_diagram("paid"), pb_diagram("over")));
    let run = h.build().code(1);
    let e = errors(&run);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].contains("403 Forbidden: Quota exhausted for this API key"), "{e:?}");
    assert_eq!(h.pb.submissions(), 1);
    assert_eq!(run.with_status("generated").len(), 1, "the accepted task's figure is stored: {}", run.stderr);
}

#[test]
fn paperbanana_failed_task_is_reported_and_resubmitted_next_time() {
    let h = Hosted::new();
    h.paper(&pb_diagram("f"));
    h.pb.state.fail_next_tasks.store(1, Ordering::SeqCst);
    let msg = one_error(&h.build().code(1));
    assert!(msg.contains("failed: Pipeline failed: the critic rejected every candidate"), "{msg}");
    h.build().ok();
    assert_eq!(h.pb.submissions(), 2, "a failed task is not resumed");
}

#[test]
fn rate_limit_429_honours_retry_after() {
    let mut pbc = pb_config();
    pbc.rate_limit = Some((1, Duration::from_secs(2)));
    let h = Hosted::with(pbc, afe_config(), "");
    h.paper(&format!("{}{}", pb_diagram("r1"), pb_diagram("r2")));
    let run = h.build().ok();
    assert_eq!(run.with_status("generated").len(), 2);
    assert!(h.pb.state.rate.refused.load(Ordering::SeqCst) >= 1, "the fake never limited");
    assert_eq!(h.pb.submissions(), 2);

    // With the limit known to the client (rate_limit), it never gets a 429.
    let mut pbc = pb_config();
    pbc.rate_limit = Some((3, Duration::from_secs(60)));
    let h = Hosted::with(pbc, afe_config(), "rate_limit = 3");
    h.paper(&pb_diagram("r3"));
    h.build().ok();
    assert_eq!(h.pb.state.rate.refused.load(Ordering::SeqCst), 0);
}

#[test]
fn transient_failures_are_retried() {
    let h = Hosted::new();
    h.paper(&format!("{}{}", pb_diagram("t1"), afe_image("t2")));
    h.pb.state.knobs.fail_5xx.store(3, Ordering::SeqCst);
    h.afe.state.knobs.fail_5xx.store(2, Ordering::SeqCst);
    h.afe.state.knobs.fail_status.store(503, Ordering::SeqCst);
    h.afe.state.knobs.drop_connections.store(2, Ordering::SeqCst);
    h.afe.state.knobs.malformed_json.store(1, Ordering::SeqCst); // the /credits answer
    *h.afe.state.knobs.slow_body.lock().unwrap() = Duration::from_millis(2);
    let run = h.build().ok();
    assert_eq!(run.with_status("generated").len(), 2);
    assert_eq!((h.pb.submissions(), h.afe.submissions()), (1, 1), "no retry submitted twice");
}

#[test]
fn autofigureedit_error_statuses_reach_the_user() {
    let mut h = Hosted::new();
    // 400 from the service's own checks: a private image address.
    h.paper(&fig("p", "kind=image provider=afe image_input=https://127.0.0.1/x.png", "Make this more professional"));
    let msg = one_error(&h.build().code(1));
    assert!(msg.contains("afe answered 400 Bad request: image URL points to a private address"), "{msg}");

    // 401 and 403 (a personal sk- key).
    h.paper(&afe_image("a"));
    h.afe_key = "sk-team-unknown".into();
    let msg = one_error(&h.build().code(1));
    assert!(msg.contains("afe answered 401 Unauthorized: Invalid API key"), "{msg}");
    h.afe_key = "sk-personal123".into();
    let msg = one_error(&h.build().code(1));
    assert!(msg.contains("afe answered 403 Forbidden: Personal API keys are no longer valid"), "{msg}");
    assert!(msg.contains("nothing more is submitted to afe"), "{msg}");
    h.afe_key = AFE_KEY.into();

    // Statuses a correct client cannot provoke (411: it always sends Content-Length),
    // answered to the submission with the documented body.
    let cases: [(u16, &str); 4] = [
        (400, "afe answered 400 Bad request: Bad request: parameters are missing or malformed"),
        (
            402,
            "afe answered 402 Payment required: Insufficient credits (the team's credit balance is too low); nothing more is submitted to afe",
        ),
        (411, "afe answered 411 Length required: Content-Length header is required"),
        (413, "afe answered 413 Payload too large: Request body exceeds 1 MB"),
    ];
    for (status, want) in cases {
        h.afe.state.knobs.force_submit.lock().unwrap().push_back(status);
        let msg = one_error(&h.build().code(1));
        assert!(msg.contains(want), "{status}: {msg}");
    }
    assert_eq!(h.afe.submissions(), 0);

    // 404: the task vanished before the first poll.
    let st = h.afe.state.clone();
    let forget = std::thread::spawn(move || {
        while st.submissions.load(Ordering::SeqCst) == 0 {
            std::thread::sleep(Duration::from_micros(200));
        }
        st.forget_tasks();
    });
    let msg = one_error(&h.build().code(1));
    forget.join().unwrap();
    assert!(msg.contains("afe answered 404 Not found: Task not found (the task does not exist"), "{msg}");

    // 500 and 503 that never end: retried, then reported.
    for (status, want) in [
        (500, "afe answered 500 Internal server error: Internal server error"),
        (503, "afe answered 503 Service unavailable: Upstream provider temporarily unavailable"),
    ] {
        h.afe.state.knobs.fail_status.store(status, Ordering::SeqCst);
        h.afe.state.knobs.fail_5xx.store(1000, Ordering::SeqCst);
        let msg = one_error(&h.build().code(1));
        assert!(msg.contains(want), "{msg}");
        h.afe.state.knobs.fail_5xx.store(0, Ordering::SeqCst);
    }
}

#[test]
fn autofigureedit_429_failed_and_canceled_tasks() {
    let mut c = afe_config();
    c.key_rpm = 3;
    c.window = Duration::from_secs(1);
    let h = Hosted::with(pb_config(), c, "");
    h.paper(&format!("{}{}", afe_image("x1"), afe_image("x2")));
    let run = h.build().ok();
    assert_eq!(run.with_status("generated").len(), 2);
    assert!(h.afe.state.key_rate.refused.load(Ordering::SeqCst) >= 1, "the fake never limited");
    assert_eq!(h.afe.submissions(), 2);

    h.paper(&afe_image("x3"));
    h.afe.state.fail_next_tasks.store(1, Ordering::SeqCst);
    let msg = one_error(&h.build().code(1));
    assert!(msg.contains("afe: task ") && msg.contains(" failed: task failed"), "{msg}");
    h.afe.state.cancel_next_tasks.store(1, Ordering::SeqCst);
    let msg = one_error(&h.build().code(1));
    assert!(msg.contains(" was canceled"), "{msg}");
}

#[test]
fn credits_are_checked_before_the_batch() {
    let mut c = afe_config();
    c.credits = 15;
    let h = Hosted::with(pb_config(), c, "");
    h.paper(&format!("{}{}", afe_image("c1"), afe_image("c2")));
    let run = h.build().code(1);
    let e = errors(&run);
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(
        e[0].contains("afe: this build needs about 20 credits but the team has 15 credits left; nothing was submitted"),
        "{e:?}"
    );
    assert_eq!(h.afe.submissions(), 0);
}

#[test]
fn status_shows_costs_and_max_cost_refuses() {
    let h = Hosted::new();
    h.paper(&format!(
        "{}{}{}",
        pb_diagram("s1"),
        afe_image("s2"),
        fig("s3", "kind=image provider=afe model=nano-banana-2 resolution=4K", "A diagram of a cell"),
    ));
    let status = h.run(&["status"]).ok();
    assert!(status.stdout.contains("1 quota units"), "{}", status.stdout);
    assert!(status.stdout.contains("10 credits") && status.stdout.contains("20 credits"), "{}", status.stdout);
    assert!(
        status.stdout.contains("hosted: 3 figures to submit, estimated cost 30 credits + 1 quota units"),
        "{}",
        status.stdout
    );
    let refused = h.run(&["gen", "--max-cost", "25"]).code(2);
    assert!(
        refused.stderr.contains("this build would cost 30 credits + 1 quota units, more than --max-cost 25"),
        "{}",
        refused.stderr
    );
    assert_eq!(h.afe.state.knobs.requests.load(Ordering::SeqCst) + h.pb.state.knobs.requests.load(Ordering::SeqCst), 0);
    h.run(&["gen", "--max-cost", "30"]).ok();
    let after = h.run(&["status"]).ok();
    assert!(!after.stdout.contains("hosted:"), "nothing left to pay for:\n{}", after.stdout);
}

#[test]
fn offline_names_the_figures_that_need_the_network() {
    let h = Hosted::new();
    h.paper(&format!("{}{}{}", pb_diagram("o1"), afe_image("o2"), fig("local", "kind=diagram", "a -> b")));
    let run = h.run(&["gen", "--offline", "--json"]).code(1);
    assert_eq!(run.with_status("generated"), ["fig:local"]);
    let e = errors(&run);
    assert_eq!(e.len(), 2);
    assert!(
        e.iter().any(|m| m.contains("--offline: figure `fig:o1` needs the network provider `pb` (paperbanana)")),
        "{e:?}"
    );
    assert!(run.stdout.contains("figures that need a network provider: fig:o1, fig:o2"), "{}", run.stdout);
    assert_eq!(h.afe.state.knobs.requests.load(Ordering::SeqCst) + h.pb.state.knobs.requests.load(Ordering::SeqCst), 0);
    let status = h.run(&["status", "--offline"]).code(1);
    assert!(status.stderr.contains("--offline: figure `fig:o2` needs the network provider `afe`"), "{}", status.stderr);
    // Once built, offline builds place them from the cache.
    h.build().ok();
    h.run(&["gen", "--offline"]).ok();
}

#[test]
fn missing_key_variable_is_named() {
    let h = Hosted::new();
    h.paper(&pb_diagram("m"));
    let run = Run::from(h.command(&["gen", "--json"]).env_remove("PB_TOKEN").output().unwrap()).code(1);
    let msg = one_error(&run);
    assert!(
        msg.contains("provider `pb` needs an API key in the environment variable PB_TOKEN, which is not set"),
        "{msg}"
    );
    assert_eq!(h.pb.state.knobs.requests.load(Ordering::SeqCst), 0);
}

#[test]
fn secrets_never_leak() {
    let mut h = Hosted::new();
    h.paper(&format!("{}{}", pb_diagram("k1"), afe_image("k2")));
    let mut outputs = Vec::new();
    outputs.push(h.run(&["gen", "-v"]).ok());
    outputs.push(h.run(&["status", "--json"]).ok());
    // Failing paths print errors: a rejected key, a server error, a quota stop.
    h.paper(&format!("{}{}", pb_diagram("k3"), afe_image("k4")));
    h.pb.state.knobs.fail_5xx.store(1000, Ordering::SeqCst);
    outputs.push(h.run(&["gen", "-v"]));
    h.pb.state.knobs.fail_5xx.store(0, Ordering::SeqCst);
    h.afe.state.knobs.force_submit.lock().unwrap().push_back(402);
    outputs.push(h.run(&["gen", "--json"]));
    h.pb.state.set_active(PB_KEY, false);
    outputs.push(h.run(&["gen"]));
    h.afe_key = "sk-team-not-a-key-3e9d".into();
    outputs.push(h.run(&["gen"]));
    for key in [PB_KEY, AFE_KEY, "sk-team-not-a-key-3e9d"] {
        for run in &outputs {
            assert!(
                !run.stdout.contains(key) && !run.stderr.contains(key),
                "{key} printed:\n{}\n{}",
                run.stdout,
                run.stderr
            );
        }
        for file in crate::util::files_under(&h.t.root) {
            let bytes = std::fs::read(&file).unwrap();
            assert!(!bytes.windows(key.len()).any(|w| w == key.as_bytes()), "{key} written to {}", file.display());
        }
    }
    assert!(h.t.path("paperfig.lock").is_file() && h.t.path(".paperfig").is_dir());
}

#[test]
fn base_url_is_not_in_the_key_but_options_are() {
    let h = Hosted::new();
    h.paper(&afe_image("k"));
    let key = |h: &Hosted| h.run(&["status", "--json"]).ok().json()["figures"][0]["key"].as_str().unwrap().to_string();
    let k0 = key(&h);
    h.t.write(
        "paperfig.toml",
        &std::fs::read_to_string(h.t.path("paperfig.toml"))
            .unwrap()
            .replace(&h.afe.base_url(), "http://127.0.0.1:9/api/v1"),
    );
    assert_eq!(key(&h), k0, "moving the service does not change what is asked");
    h.config("", "resolution = \"2K\"");
    let k2 = key(&h);
    assert_ne!(k2, k0, "the configured default resolution is an input");
    h.config("", "model = \"nano-banana-2\"");
    assert_ne!(key(&h), k0, "the configured default model is an input");
    h.config("", "");
    assert_eq!(key(&h), k0);
    h.paper(&fig(
        "k",
        "kind=image provider=afe caption=\"A photo\" aspect_ratio=16:9",
        "A red apple on a white background (k)",
    ));
    assert_ne!(key(&h), k0, "directive options are inputs");
}
