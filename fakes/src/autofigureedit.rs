//! Fake of AutoFigureEdit (`../shared/api/autofigureedit.txt`), served under `/api/v1`:
//! `GET /credits`, `POST /generate`, `GET /tasks` (pages, status filter), `GET /task/{id}`,
//! plus `GET /files/{id}-{k}.{ext}` standing in for the storage host of
//! `output.images[].url` (`images_per_task` images per task, image k 128 + 16k pixels wide,
//! in the task's `options.output_format`: PNG, JPEG or lossless WebP).
//!
//! Behaviour as documented: Bearer `sk-team-…` keys (401 unknown or missing; 403 for legacy
//! personal `sk-` keys); 411 without `Content-Length` on POST; 413 over 1 MB; 400 for
//! missing or malformed parameters (type, scene, model, prompt, options.content, resolution,
//! output_format, image_input https-only and ≤ 10, prompt ≤ 10 000 and content ≤ 100 000
//! characters); 402 when the team's credits are below the task's cost (credits are taken
//! only when the task succeeds); 404 for unknown tasks or tasks of another team; 429 with
//! `Retry-After` past 60 requests/min per key, 120 per team (Basic) and 120 per IP; 500/503
//! from the failure knob. Errors are `{"success": false, "error": {"message": "…"}}`.
//! Pipeline tasks walk through `current_stage` retriever → planner → stylist → visualizer →
//! critic_round_0 over `latency`, then `success` with one PNG; `fail_next_tasks` and
//! `cancel_next_tasks` end tasks `failed` or `canceled`. With `knobs.echo_key` the fake
//! repeats the caller's key in `current_stage` (documented as an open list of names); with
//! `knobs.huge_images` the next images downloaded are 20000 × 20000 pixels.
//!
//! Source images (`options.image_input`): refused with 400 unless `https://` on the standard
//! port and a public host, as documented. In test mode (`Config::loopback_inputs`) plain
//! `http://127.0.0.1:PORT/…` URLs are accepted too, and those are fetched while the task runs
//! (`fetch.rs`: one GET, 10 s, 64 MiB); the document says nothing about inputs the service
//! cannot fetch, so the fake does what it documents for any task that goes wrong: the task
//! ends `failed` (no credits taken) with an `error` naming the input by index, never its
//! URL. `https://` inputs stand for public images and are not fetched (no TLS here, and
//! tests never leave 127.0.0.1). Every image fetched is kept in `State::fetched`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State as AxState};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::knobs::{self, Knobs, RateWindow};

pub const STAGES: &[&str] = &["retriever", "planner", "stylist", "visualizer", "critic_round_0"];

#[derive(Clone, Debug)]
pub struct Config {
    /// Team API keys (`sk-team-…`); all share one credit pool.
    pub keys: Vec<String>,
    pub credits: i64,
    pub latency: Duration,
    /// Requests per minute: per key, per team, per IP (documented 60 / 120 / 120).
    pub key_rpm: usize,
    pub team_rpm: usize,
    pub ip_rpm: usize,
    /// The window the limits count in (documented: one minute).
    pub window: Duration,
    /// Test mode: accept `http://127.0.0.1:PORT/…` source images (which the real service
    /// blocks) and fetch them.
    pub loopback_inputs: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            keys: vec!["sk-team-test".into()],
            credits: 450,
            latency: Duration::from_millis(200),
            key_rpm: 60,
            team_rpm: 120,
            ip_rpm: 120,
            window: Duration::from_secs(60),
            loopback_inputs: false,
        }
    }
}

struct Task {
    /// The key that submitted it.
    key: String,
    created: Instant,
    /// The image depends on the request only, like a deterministic service.
    seed: u64,
    body: Value,
    cost: i64,
    end: End,
    charged: bool,
    /// The source images being fetched: `None` while running, then what came of it.
    inputs: Arc<Mutex<Option<Result<(), String>>>>,
}

#[derive(Clone, Copy, PartialEq)]
enum End {
    Success,
    Failed,
    Canceled,
}

pub struct State {
    pub knobs: Knobs,
    pub key_rate: RateWindow,
    pub team_rate: RateWindow,
    pub ip_rate: RateWindow,
    pub latency: Mutex<Duration>,
    pub credits: Mutex<i64>,
    pub fail_next_tasks: AtomicUsize,
    pub cancel_next_tasks: AtomicUsize,
    /// Accepted `POST /generate`.
    pub submissions: AtomicUsize,
    pub polls: AtomicUsize,
    pub downloads: AtomicUsize,
    pub credit_checks: AtomicUsize,
    /// Bodies of accepted submissions.
    pub bodies: Mutex<Vec<Value>>,
    /// Credits a task costs instead of the documented table's (the docs: the amount charged
    /// varies with the subscription tier).
    pub plan_cost: Mutex<Option<i64>>,
    /// Images a successful task lists in `output.images` (each its own picture).
    pub images_per_task: AtomicUsize,
    /// Source images fetched from `options.image_input`, in order (test mode).
    pub fetched: Mutex<Vec<Vec<u8>>>,
    loopback_inputs: bool,
    keys: Vec<String>,
    tasks: Mutex<HashMap<String, Task>>,
    order: Mutex<Vec<String>>,
    next: AtomicUsize,
}

impl State {
    pub fn new(cfg: &Config) -> Arc<State> {
        let minute = cfg.window;
        Arc::new(State {
            knobs: Knobs::default(),
            key_rate: RateWindow::new(Some((cfg.key_rpm, minute))),
            team_rate: RateWindow::new(Some((cfg.team_rpm, minute))),
            ip_rate: RateWindow::new(Some((cfg.ip_rpm, minute))),
            latency: Mutex::new(cfg.latency),
            credits: Mutex::new(cfg.credits),
            fail_next_tasks: AtomicUsize::new(0),
            cancel_next_tasks: AtomicUsize::new(0),
            submissions: AtomicUsize::new(0),
            polls: AtomicUsize::new(0),
            downloads: AtomicUsize::new(0),
            credit_checks: AtomicUsize::new(0),
            bodies: Mutex::new(Vec::new()),
            plan_cost: Mutex::new(None),
            images_per_task: AtomicUsize::new(1),
            fetched: Mutex::new(Vec::new()),
            loopback_inputs: cfg.loopback_inputs,
            keys: cfg.keys.clone(),
            tasks: Mutex::new(HashMap::new()),
            order: Mutex::new(Vec::new()),
            next: AtomicUsize::new(1),
        })
    }

    /// Forgets every task (a server that lost its queue).
    pub fn forget_tasks(&self) {
        self.tasks.lock().unwrap().clear();
    }

    pub fn credits(&self) -> i64 {
        *self.credits.lock().unwrap()
    }
}

pub struct Fake {
    pub state: Arc<State>,
    pub server: crate::Running,
}

impl Fake {
    pub fn start(cfg: Config, port: u16) -> std::io::Result<Fake> {
        let state = State::new(&cfg);
        let server = crate::serve(router(state.clone()), port)?;
        Ok(Fake { state, server })
    }

    /// `http://127.0.0.1:PORT/api/v1`
    pub fn base_url(&self) -> String {
        format!("{}/api/v1", self.server.base_url())
    }

    pub fn submissions(&self) -> usize {
        self.state.submissions.load(Ordering::SeqCst)
    }
}

pub fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/api/v1/credits", get(credits))
        .route("/api/v1/generate", post(generate))
        .route("/api/v1/tasks", get(list))
        .route("/api/v1/task/{id}", get(task))
        .route("/files/{file}", get(file))
        .with_state(state)
}

type S = AxState<Arc<State>>;

fn error(status: u16, msg: &str) -> (u16, Value) {
    (status, json!({"success": false, "error": {"message": msg}}))
}

/// The documented error body for a status.
fn error_body(status: u16) -> Value {
    let msg = match status {
        400 => "Bad request: parameters are missing or malformed",
        401 => "Invalid API key",
        402 => "Insufficient credits",
        403 => "API access is restricted to Team plans",
        404 => "Task not found",
        411 => "Content-Length header is required",
        413 => "Request body exceeds 1 MB",
        429 => "Too many requests",
        503 => "Upstream provider temporarily unavailable",
        _ => "Internal server error",
    };
    json!({"success": false, "error": {"message": msg}})
}

async fn authorize(s: &State, headers: &HeaderMap) -> Result<String, Response> {
    if let Some(r) = s.knobs.intercept(error_body).await {
        return Err(r);
    }
    let fail = |(st, b): (u16, Value)| s.knobs.json(st, &b);
    if let Err(wait) = s.ip_rate.check("127.0.0.1") {
        return Err(knobs::too_many(wait, &error(429, "Too many requests from this IP").1));
    }
    let Some(key) = knobs::bearer(headers) else { return Err(fail(error(401, "Missing API key"))) };
    if !s.keys.contains(&key) {
        if key.starts_with("sk-") && !key.starts_with("sk-team-") {
            return Err(fail(error(403, "Personal API keys are no longer valid; use a team key (sk-team-)")));
        }
        return Err(fail(error(401, "Invalid API key")));
    }
    if let Err(wait) = s.key_rate.check(&key) {
        return Err(knobs::too_many(wait, &error(429, "Rate limit exceeded for this API key").1));
    }
    if let Err(wait) = s.team_rate.check("team") {
        return Err(knobs::too_many(wait, &error(429, "Rate limit exceeded for this team").1));
    }
    Ok(key)
}

async fn credits(AxState(s): S, headers: HeaderMap) -> Response {
    if let Err(r) = authorize(&s, &headers).await {
        return r;
    }
    s.credit_checks.fetch_add(1, Ordering::SeqCst);
    let remaining = s.credits();
    s.knobs.json(200, &json!({"success": true, "data": {"remaining_credits": remaining}}))
}

/// The documented credit table (API: base rate, no resolution discount).
pub fn cost(body: &Value) -> i64 {
    let mult = match body.pointer("/options/resolution").and_then(Value::as_str).unwrap_or("1K") {
        "2K" => 2,
        "4K" => 4,
        _ => 1,
    };
    match (body["type"].as_str(), body["model"].as_str()) {
        (Some("pipeline"), _) => 6 * mult,
        (_, Some("nano-banana-2")) => 5 * mult,
        _ => 10 * mult,
    }
}

/// The documented parameter rules; `Err` is the 400 message. `loopback_ok`: test mode.
fn validate(body: &Value, loopback_ok: bool) -> Result<(), String> {
    let typ = body.get("type").and_then(Value::as_str).ok_or("type is required")?;
    let scene = body.get("scene").and_then(Value::as_str).ok_or("scene is required")?;
    if !matches!(typ, "standard" | "pipeline") {
        return Err("type must be \"standard\" or \"pipeline\"".into());
    }
    if !matches!(scene, "text-to-image" | "image-to-image") {
        return Err("scene must be \"text-to-image\" or \"image-to-image\"".into());
    }
    let options = body.get("options").cloned().unwrap_or(json!({}));
    if !options.is_object() {
        return Err("options must be an object".into());
    }
    let prompt = body.get("prompt");
    if let Some(p) = prompt {
        let p = p.as_str().ok_or("prompt must be a string")?;
        if p.chars().count() > 10_000 {
            return Err("prompt exceeds 10000 characters".into());
        }
    }
    if let Some(r) = options.get("resolution")
        && !matches!(r.as_str(), Some("1K" | "2K" | "4K"))
    {
        return Err("options.resolution must be 1K, 2K or 4K".into());
    }
    if let Some(f) = options.get("output_format")
        && !matches!(f.as_str(), Some("png" | "jpg" | "jpeg" | "webp"))
    {
        return Err("options.output_format must be png, jpg, jpeg or webp".into());
    }
    let images = match options.get("image_input") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or("options.image_input must be an array of URLs")?,
        Some(_) => return Err("options.image_input must be an array of URLs".into()),
    };
    if images.len() > 10 {
        return Err("options.image_input accepts at most 10 items".into());
    }
    if let Some(refusal) = images.iter().find_map(|u| crate::fetch::refusal(u, loopback_ok)) {
        return Err(refusal);
    }
    if scene == "image-to-image" && images.is_empty() {
        return Err("options.image_input is required for image-to-image".into());
    }
    if typ == "standard" {
        match body.get("model").and_then(Value::as_str) {
            Some("nano-banana-pro" | "nano-banana-2") => {}
            Some(m) => return Err(format!("unknown model: {m}")),
            None => return Err("model is required in standard mode".into()),
        }
        if prompt.is_none() {
            return Err("prompt is required".into());
        }
        if options.get("google_search").is_some() && body["model"] != "nano-banana-2" {
            return Err("options.google_search is only available with nano-banana-2".into());
        }
    } else {
        let content =
            options.get("content").and_then(Value::as_str).ok_or("options.content is required in pipeline mode")?;
        if content.chars().count() > 100_000 {
            return Err("options.content exceeds 100000 characters".into());
        }
        if scene == "text-to-image" && prompt.is_none() {
            return Err("prompt is required for text-to-image".into());
        }
        if let Some(t) = options.get("task_name")
            && !matches!(t.as_str(), Some("diagram" | "plot"))
        {
            return Err("options.task_name must be \"diagram\" or \"plot\"".into());
        }
    }
    Ok(())
}

async fn generate(AxState(s): S, headers: HeaderMap, raw: Bytes) -> Response {
    let key = match authorize(&s, &headers).await {
        Ok(k) => k,
        Err(r) => return r,
    };
    if let Some(r) = s.knobs.forced_submit(error_body) {
        return r;
    }
    let fail = |(st, b): (u16, Value)| s.knobs.json(st, &b);
    let Some(len) = headers.get("content-length").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok())
    else {
        return fail(error(411, "Content-Length header is required"));
    };
    if len > 1_000_000 || raw.len() > 1_000_000 {
        return fail(error(413, "Request body exceeds 1 MB"));
    }
    let Ok(body) = serde_json::from_slice::<Value>(&raw) else { return fail(error(400, "Body is not valid JSON")) };
    if let Err(msg) = validate(&body, s.loopback_inputs) {
        return fail(error(400, &msg));
    }
    let cost = s.plan_cost.lock().unwrap().unwrap_or_else(|| cost(&body));
    if s.credits() < cost {
        return fail(error(402, &format!("Insufficient credits: this task needs {cost}, {} remaining", s.credits())));
    }
    let n = s.next.fetch_add(1, Ordering::SeqCst);
    let h = knobs::hash(&format!("afe/{n}"));
    let id = format!("{:08x}-{:04x}-4{:03x}-9{:03x}-{:012x}", h >> 32, (h >> 16) & 0xffff, h & 0xfff, n & 0xfff, n);
    let end = if knobs::take(&s.fail_next_tasks) {
        End::Failed
    } else if knobs::take(&s.cancel_next_tasks) {
        End::Canceled
    } else {
        End::Success
    };
    let inputs = Arc::new(Mutex::new(None));
    let to_fetch: Vec<String> = body
        .pointer("/options/image_input")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).filter(|u| crate::fetch::loopback(u)).map(str::to_string).collect())
        .unwrap_or_default();
    let (st, done) = (s.clone(), inputs.clone());
    tokio::spawn(async move {
        let mut outcome = Ok(());
        for (i, url) in to_fetch.iter().enumerate() {
            match crate::fetch::image(url).await {
                Ok(bytes) => st.fetched.lock().unwrap().push(bytes),
                Err(why) => {
                    outcome = Err(format!("task failed: image_input[{i}] could not be fetched: {why}"));
                    break;
                }
            }
        }
        *done.lock().unwrap() = Some(outcome);
    });
    s.tasks.lock().unwrap().insert(
        id.clone(),
        Task {
            key,
            created: Instant::now(),
            seed: knobs::hash(&body.to_string()),
            body: body.clone(),
            cost,
            end,
            charged: false,
            inputs,
        },
    );
    s.order.lock().unwrap().push(id.clone());
    s.submissions.fetch_add(1, Ordering::SeqCst);
    s.bodies.lock().unwrap().push(body);
    s.knobs.json(200, &json!({"success": true, "data": {"task_id": id, "status": "pending", "cost_credits": cost}}))
}

/// The task as the API shows it, charging credits the first time it is seen finished.
fn task_json(s: &State, base: &str, id: &str, t: &mut Task) -> Value {
    let latency = *s.latency.lock().unwrap();
    let age = t.created.elapsed();
    let pipeline = t.body["type"] == "pipeline";
    // The source images decide the end once fetched; until then the task keeps running.
    let fetched = t.inputs.lock().unwrap().clone();
    let mut failure = None;
    let end = match &fetched {
        Some(Err(why)) => {
            failure = Some(why.clone());
            End::Failed
        }
        _ => t.end,
    };
    let (status, stage) = if age < latency / 5 {
        ("pending", None)
    } else if age < latency || fetched.is_none() {
        let i = ((age.as_secs_f64() / latency.as_secs_f64()) * STAGES.len() as f64) as usize;
        ("processing", Some(STAGES[i.min(STAGES.len() - 1)]))
    } else {
        match end {
            End::Success => ("success", None),
            End::Failed => ("failed", None),
            End::Canceled => ("canceled", None),
        }
    };
    if status == "success" && !t.charged {
        t.charged = true;
        *s.credits.lock().unwrap() -= t.cost;
    }
    let mut output = json!({"images": []});
    if status == "success" {
        let n = s.images_per_task.load(Ordering::SeqCst);
        let (ext, mime) = file_format(&t.body);
        output["images"] =
            (0..n).map(|k| json!({"url": format!("{base}/files/{id}-{k}.{ext}"), "type": mime})).collect();
    }
    if pipeline && status == "processing" {
        output["current_stage"] = match stage {
            Some(stage) if s.knobs.echoes() => json!(format!("{stage} for {}", t.key)),
            stage => json!(stage),
        };
    }
    json!({
        "task_id": id,
        "type": t.body["type"],
        "model": if pipeline { json!("pipeline") } else { t.body["model"].clone() },
        "scene": t.body["scene"],
        "status": status,
        "cost_credits": if status == "failed" || status == "canceled" { 0 } else { t.cost },
        "created_at": "2026-03-12T06:57:48.067Z",
        "output": output,
        "error": match (status, failure) {
            ("failed", Some(why)) => json!(why),
            ("failed", None) => json!("task failed"),
            _ => Value::Null,
        },
    })
}

fn origin(headers: &HeaderMap) -> String {
    let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    format!("http://{host}")
}

async fn task(AxState(s): S, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if let Err(r) = authorize(&s, &headers).await {
        return r;
    }
    s.polls.fetch_add(1, Ordering::SeqCst);
    let base = origin(&headers);
    let mut tasks = s.tasks.lock().unwrap();
    let Some(t) = tasks.get_mut(&id) else {
        drop(tasks);
        let (st, b) = error(404, "Task not found");
        return s.knobs.json(st, &b);
    };
    let v = task_json(&s, &base, &id, t);
    drop(tasks);
    s.knobs.json(200, &json!({"success": true, "data": v}))
}

#[derive(serde::Deserialize)]
struct ListQuery {
    page: Option<usize>,
    limit: Option<usize>,
    status: Option<String>,
}

async fn list(AxState(s): S, headers: HeaderMap, Query(q): Query<ListQuery>) -> Response {
    if let Err(r) = authorize(&s, &headers).await {
        return r;
    }
    let limit = q.limit.unwrap_or(20);
    let page = q.page.unwrap_or(1);
    if !(1..=100).contains(&limit) || page == 0 {
        let (st, b) = error(400, "limit must be 1 to 100 and page at least 1");
        return s.knobs.json(st, &b);
    }
    if let Some(st) = &q.status
        && !matches!(st.as_str(), "pending" | "processing" | "success" | "failed" | "canceled")
    {
        let (code, b) = error(400, "unknown status filter");
        return s.knobs.json(code, &b);
    }
    let base = origin(&headers);
    let order = s.order.lock().unwrap().clone();
    let mut tasks = s.tasks.lock().unwrap();
    let mut all: Vec<Value> = order
        .iter()
        .rev()
        .filter_map(|id| tasks.get_mut(id).map(|t| task_json(&s, &base, id, t)))
        .filter(|v| q.status.as_deref().is_none_or(|st| v["status"] == st))
        .collect();
    drop(tasks);
    let total = all.len();
    let items: Vec<Value> = all.drain(..).skip((page - 1) * limit).take(limit).collect();
    let v = json!({"success": true, "data": {"tasks": items, "pagination": {
        "total": total, "page": page, "limit": limit, "total_pages": total.div_ceil(limit),
    }}});
    s.knobs.json(200, &v)
}

/// The storage host: no key needed.
async fn file(AxState(s): S, Path(file): Path<String>) -> Response {
    s.downloads.fetch_add(1, Ordering::SeqCst);
    // `{task id}-{k}.{ext}`: image k of the task, in its output_format.
    let found = file.rsplit_once('.').and_then(|(f, ext)| f.rsplit_once('-').map(|(id, k)| (id, k, ext))).and_then(
        |(id, k, ext)| {
            let k = k.parse::<u64>().ok()?;
            let tasks = s.tasks.lock().unwrap();
            let t = tasks.get(id).filter(|t| t.charged && file_format(&t.body).0 == ext)?;
            Some((t.seed, k, file_format(&t.body).1))
        },
    );
    let Some((seed, k, mime)) = found else {
        return s.knobs.json(404, &json!({"error": "not found"}));
    };
    // Later images of a task differ in size, so a test can tell which one it got.
    let k32 = u32::try_from(k).unwrap_or(0).min(64);
    let png = s.knobs.image(128 + 16 * k32, 96, seed ^ k);
    s.knobs.slow_bytes(mime, crate::knobs::encoded(png, mime))
}

/// The file extension and type of a task's images, from its `options.output_format`.
fn file_format(body: &Value) -> (&'static str, &'static str) {
    match body.pointer("/options/output_format").and_then(Value::as_str) {
        Some("jpg") => ("jpg", "image/jpeg"),
        Some("jpeg") => ("jpeg", "image/jpeg"),
        Some("webp") => ("webp", "image/webp"),
        _ => ("png", "image/png"),
    }
}
