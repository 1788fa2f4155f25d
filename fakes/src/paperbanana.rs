//! Fake of PaperBanana (`../shared/api/paperbanana.txt`): `/api/health`, `/api/generate`,
//! `/api/plot`, `/api/tasks/{id}`, `/api/tasks/{id}/image`, and the admin key endpoints.
//!
//! Behaviour as documented: Bearer keys (`pb_…`) created by the admin (or `Config::keys`);
//! 401 for a missing or unknown key, 403 for a disabled key or an exhausted quota (one unit
//! taken when a task is accepted, answered 202), 404 for unknown tasks or an image that is
//! not ready, 422 for missing fields, out-of-range iterations or a `data_json` that is not a
//! JSON string, 500 from the failure knob. Errors are `{"detail": "…"}`. A task is
//! `pending` for the first quarter of `latency`, `running` until `latency`, then `completed`
//! with a real PNG in `image_base64` (or `failed` when `fail_next_tasks` was set). With
//! `image_url_only` a completed task carries `image_url` (its `/image` path) and a null
//! `image_base64`, as the docs allow when `webhook_include_image` is not set; with
//! `image_not_ready` set to N, the next N `/image` requests of completed tasks still answer
//! the documented 404 "image is not available yet".
//!
//! With `knobs.echo_key` the fake repeats the caller's key where the API leaves a free string:
//! in task ids, in the `detail` of 401/403 answers and in a failed task's `error`. With
//! `knobs.huge_images` the next images sent are 20000 × 20000 pixels.
//!
//! Webhooks as documented (`crate::webhook`): a task submitted with a `webhook_url` (or by
//! a key with a default one, set through the admin endpoints or `State::set_webhook`) is
//! POSTed to it when it ends, signed with the key's `webhook_secret`, retried after 5, 15 and
//! 60 s (`State::webhooks.delay_scale` shrinks them); `image_base64` only with
//! `webhook_include_image`.
//!
//! The documentation states no rate limit; `Config::rate_limit` adds a per-key sliding
//! window answering 429 with `Retry-After` for benchmarks and tests.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State as AxState};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use base64::Engine as _;
use serde_json::{Value, json};

use crate::knobs::{self, Knobs, RateWindow};
use crate::webhook::{self, Deliveries};

/// How the fake starts.
#[derive(Clone, Debug)]
pub struct Config {
    /// Valid API keys with their quota (`None` = unlimited).
    pub keys: Vec<(String, Option<i64>)>,
    pub admin_key: String,
    /// Time from submission to `completed`.
    pub latency: Duration,
    /// Per-key limit: requests per window.
    pub rate_limit: Option<(usize, Duration)>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            keys: vec![("pb_test_key".into(), None)],
            admin_key: "pb_admin".into(),
            latency: Duration::from_millis(200),
            rate_limit: None,
        }
    }
}

struct Key {
    name: String,
    quota_remaining: Option<i64>,
    quota_total: Option<i64>,
    total_used: i64,
    active: bool,
    usage: Vec<Value>,
    /// The key's default webhook and its signing secret.
    webhook_url: Option<String>,
    webhook_secret: Option<String>,
}

struct Task {
    key: String,
    created: Instant,
    endpoint: &'static str,
    fails: bool,
    seed: u64,
}

/// The fake's state; tests read the counters and turn the knobs.
pub struct State {
    pub knobs: Knobs,
    pub rate: RateWindow,
    pub latency: Mutex<Duration>,
    /// The next N accepted tasks end `failed`.
    pub fail_next_tasks: AtomicUsize,
    /// Accepted submissions (`/api/generate` + `/api/plot`, answered 202).
    pub submissions: AtomicUsize,
    /// `GET /api/tasks/{id}` requests.
    pub polls: AtomicUsize,
    /// `GET /api/tasks/{id}/image` requests.
    pub downloads: AtomicUsize,
    /// Bodies of accepted submissions, in order.
    pub bodies: Mutex<Vec<Value>>,
    /// Completed tasks give `image_url` instead of `image_base64`.
    pub image_url_only: std::sync::atomic::AtomicBool,
    /// The next N `/image` requests of completed tasks answer 404 (not available yet).
    pub image_not_ready: AtomicUsize,
    /// Webhook deliveries made, and the scale of their retry delays.
    pub webhooks: Deliveries,
    admin_key: String,
    keys: Mutex<HashMap<String, Key>>,
    tasks: Mutex<HashMap<String, Task>>,
    next: AtomicUsize,
}

impl State {
    pub fn new(cfg: &Config) -> Arc<State> {
        let keys = cfg
            .keys
            .iter()
            .map(|(k, q)| {
                let key = Key {
                    name: k.clone(),
                    quota_remaining: *q,
                    quota_total: *q,
                    total_used: 0,
                    active: true,
                    usage: Vec::new(),
                    webhook_url: None,
                    webhook_secret: None,
                };
                (k.clone(), key)
            })
            .collect();
        Arc::new(State {
            knobs: Knobs::default(),
            rate: RateWindow::new(cfg.rate_limit),
            latency: Mutex::new(cfg.latency),
            fail_next_tasks: AtomicUsize::new(0),
            submissions: AtomicUsize::new(0),
            polls: AtomicUsize::new(0),
            downloads: AtomicUsize::new(0),
            bodies: Mutex::new(Vec::new()),
            image_url_only: std::sync::atomic::AtomicBool::new(false),
            image_not_ready: AtomicUsize::new(0),
            webhooks: Deliveries::default(),
            admin_key: cfg.admin_key.clone(),
            keys: Mutex::new(keys),
            tasks: Mutex::new(HashMap::new()),
            next: AtomicUsize::new(1),
        })
    }

    /// Sets a key's remaining quota (`None` = unlimited).
    pub fn set_quota(&self, key: &str, quota: Option<i64>) {
        if let Some(k) = self.keys.lock().unwrap().get_mut(key) {
            k.quota_remaining = quota;
        }
    }

    /// Enables or disables a key.
    pub fn set_active(&self, key: &str, active: bool) {
        if let Some(k) = self.keys.lock().unwrap().get_mut(key) {
            k.active = active;
        }
    }

    /// Sets a key's default webhook URL and signing secret (what the admin endpoints set).
    pub fn set_webhook(&self, key: &str, url: Option<&str>, secret: Option<&str>) {
        if let Some(k) = self.keys.lock().unwrap().get_mut(key) {
            k.webhook_url = url.map(str::to_string);
            k.webhook_secret = secret.map(str::to_string);
        }
    }

    /// Forgets every task (a server restart that lost its queue).
    pub fn forget_tasks(&self) {
        self.tasks.lock().unwrap().clear();
    }
}

/// A running fake with its state.
pub struct Fake {
    pub state: Arc<State>,
    pub server: crate::Running,
}

impl Fake {
    /// Starts on `127.0.0.1:port` (0 = any free port).
    pub fn start(cfg: Config, port: u16) -> std::io::Result<Fake> {
        let state = State::new(&cfg);
        let server = crate::serve(router(state.clone()), port)?;
        Ok(Fake { state, server })
    }

    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    pub fn submissions(&self) -> usize {
        self.state.submissions.load(Ordering::SeqCst)
    }
}

/// The PaperBanana routes over `state`.
pub fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/api/health", get(health))
        .route("/api/generate", post(generate))
        .route("/api/plot", post(plot))
        .route("/api/tasks/{id}", get(task))
        .route("/api/tasks/{id}/image", get(image))
        .route("/api/admin/keys", post(admin_create).get(admin_list))
        .route("/api/admin/keys/{key}", get(admin_get).patch(admin_patch).delete(admin_delete))
        .with_state(state)
}

fn detail(status: u16, msg: &str) -> (u16, Value) {
    (status, json!({"detail": msg}))
}

/// The documented error body for a status (`{"detail": …}`).
fn error_body(status: u16) -> Value {
    let msg = match status {
        401 => "Invalid API key",
        403 => "API key disabled or quota exhausted",
        404 => "Task not found",
        422 => "Validation error: invalid JSON in data_json",
        429 => "Rate limit exceeded",
        500 => "Internal server error",
        _ => "Service unavailable",
    };
    json!({ "detail": msg })
}

type S = AxState<Arc<State>>;

/// Knobs, then the key: 401 unknown/missing, 429 over the limit, 403 disabled.
async fn authorize(s: &State, headers: &HeaderMap) -> Result<String, Response> {
    if let Some(r) = s.knobs.intercept(error_body).await {
        return Err(r);
    }
    let Some(key) = knobs::bearer(headers) else {
        let (st, b) = detail(401, "Not authenticated");
        return Err(s.knobs.json(st, &b));
    };
    let echo = |msg: &str| if s.knobs.echoes() { format!("{msg}: {key}") } else { msg.to_string() };
    let active = s.keys.lock().unwrap().get(&key).map(|k| k.active);
    let Some(active) = active else {
        let (st, b) = detail(401, &echo("Invalid API key"));
        return Err(s.knobs.json(st, &b));
    };
    if let Err(wait) = s.rate.check(&key) {
        return Err(knobs::too_many(wait, &json!({"detail": "Rate limit exceeded"})));
    }
    if !active {
        let (st, b) = detail(403, &echo("API key is disabled"));
        return Err(s.knobs.json(st, &b));
    }
    Ok(key)
}

async fn health(AxState(s): S) -> Response {
    if let Some(r) = s.knobs.intercept(error_body).await {
        return r;
    }
    s.knobs.json(200, &json!({"status": "ok", "version": "0.1.2"}))
}

fn iterations(body: &Value) -> Result<i64, String> {
    match body.get("iterations") {
        None | Some(Value::Null) => Ok(3),
        Some(v) => {
            v.as_i64().filter(|n| (1..=10).contains(n)).ok_or_else(|| "iterations must be between 1 and 10".into())
        }
    }
}

fn required_str<'a>(body: &'a Value, field: &str) -> Result<&'a str, String> {
    match body.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
        Some(Value::String(_)) | None | Some(Value::Null) => Err(format!("Field required: {field}")),
        Some(_) => Err(format!("{field} must be a string")),
    }
}

async fn generate(AxState(s): S, headers: HeaderMap, body: Bytes) -> Response {
    submit(&s, &headers, &body, "generate").await
}

async fn plot(AxState(s): S, headers: HeaderMap, body: Bytes) -> Response {
    submit(&s, &headers, &body, "plot").await
}

async fn submit(s: &Arc<State>, headers: &HeaderMap, raw: &[u8], endpoint: &'static str) -> Response {
    let key = match authorize(s, headers).await {
        Ok(k) => k,
        Err(r) => return r,
    };
    s.knobs.submit_stall().await;
    if let Some(r) = s.knobs.forced_submit(error_body) {
        return r;
    }
    let invalid = |msg: String| s.knobs.json(422, &json!({"detail": msg}));
    let Ok(body) = serde_json::from_slice::<Value>(raw) else {
        return invalid("Request body is not valid JSON".into());
    };
    let checked = if endpoint == "generate" {
        required_str(&body, "source_context").and(required_str(&body, "caption")).map(|_| ())
    } else {
        required_str(&body, "data_json")
            .and_then(|d| serde_json::from_str::<Value>(d).map_err(|e| format!("data_json is not valid JSON: {e}")))
            .and(required_str(&body, "intent"))
            .map(|_| ())
    };
    if let Err(msg) = checked.and(iterations(&body).map(|_| ())) {
        return invalid(msg);
    }
    // The request's webhook_url overrides the key's default; the key's secret signs.
    let (id, hook) = {
        let mut keys = s.keys.lock().unwrap();
        let k = keys.get_mut(&key).expect("authorized key exists");
        if k.quota_remaining.is_some_and(|q| q <= 0) {
            drop(keys);
            return s.knobs.json(403, &json!({"detail": "Quota exhausted for this API key"}));
        }
        if let Some(q) = &mut k.quota_remaining {
            *q -= 1;
        }
        k.total_used += 1;
        let n = s.next.fetch_add(1, Ordering::SeqCst);
        let mut id = format!("{:016x}{n:08x}", knobs::hash(&format!("{key}/{n}")));
        if s.knobs.echoes() {
            id = format!("{key}-{id}");
        }
        k.usage.push(json!({"id": k.usage.len() + 1, "task_id": id, "endpoint": endpoint, "created_at": "2026-02-15T11:00:00+00:00"}));
        let url = body.get("webhook_url").and_then(Value::as_str).filter(|u| !u.is_empty()).map(str::to_string);
        let hook = url.or_else(|| k.webhook_url.clone()).map(|u| (u, k.webhook_secret.clone()));
        (id, hook)
    };
    let fails = knobs::take(&s.fail_next_tasks);
    s.tasks
        .lock()
        .unwrap()
        // The image depends on the request only, like a deterministic service.
        .insert(
            id.clone(),
            Task { key, created: Instant::now(), endpoint, fails, seed: knobs::hash(&body.to_string()) },
        );
    s.submissions.fetch_add(1, Ordering::SeqCst);
    if let Some((url, secret)) = hook {
        let include_image = body.get("webhook_include_image").and_then(Value::as_bool).unwrap_or(false);
        let host =
            headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1").to_string();
        tokio::spawn(call_back(s.clone(), id.clone(), url, secret, include_image, host));
    }
    s.bodies.lock().unwrap().push(body);
    s.knobs.json(202, &json!({"task_id": id, "status": "pending"}))
}

/// When task `id` ends, delivers its webhook (`crate::webhook::deliver`).
async fn call_back(s: Arc<State>, id: String, url: String, secret: Option<String>, include_image: bool, host: String) {
    let latency = *s.latency.lock().unwrap();
    tokio::time::sleep(latency).await;
    let Some((fails, seed, endpoint)) = s.tasks.lock().unwrap().get(&id).map(|t| (t.fails, t.seed, t.endpoint)) else {
        return;
    };
    let (event, status) = if fails { ("task.failed", "failed") } else { ("task.completed", "completed") };
    let diagram_type = if endpoint == "plot" { "statistical_plot" } else { "methodology" };
    let image = (include_image && !fails)
        .then(|| base64::engine::general_purpose::STANDARD.encode(s.knobs.image(96, 64, seed)));
    let payload = json!({
        "event": event, "task_id": id, "status": status, "diagram_type": diagram_type,
        "description": (!fails).then(|| description(endpoint)),
        "image_url": (!fails).then(|| format!("http://{host}/api/tasks/{id}/image")),
        "image_base64": image,
        "error": fails.then_some("Pipeline failed: the critic rejected every candidate"),
        "created_at": "2026-02-15T10:30:00+00:00", "completed_at": "2026-02-15T10:31:25+00:00",
    });
    webhook::deliver(&s.webhooks, &url, secret.as_deref(), event, &id, &payload).await;
}

/// The task's status now, if `key` may see it.
fn status_of(s: &State, id: &str, key: &str) -> Option<(&'static str, u64, &'static str)> {
    let tasks = s.tasks.lock().unwrap();
    let t = tasks.get(id).filter(|t| t.key == key)?;
    let latency = *s.latency.lock().unwrap();
    let age = t.created.elapsed();
    let status = if age < latency / 4 {
        "pending"
    } else if age < latency {
        "running"
    } else if t.fails {
        "failed"
    } else {
        "completed"
    };
    Some((status, t.seed, t.endpoint))
}

async fn task(AxState(s): S, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let key = match authorize(&s, &headers).await {
        Ok(k) => k,
        Err(r) => return r,
    };
    s.polls.fetch_add(1, Ordering::SeqCst);
    let Some((status, seed, endpoint)) = status_of(&s, &id, &key) else {
        return s.knobs.json(404, &json!({"detail": "Task not found"}));
    };
    let diagram_type = if endpoint == "plot" { "statistical_plot" } else { "methodology" };
    let mut v = json!({"task_id": id, "status": status, "diagram_type": diagram_type, "image_base64": null, "description": null, "error": null});
    match status {
        "completed" if s.image_url_only.load(Ordering::SeqCst) => {
            let host = headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
            v["image_url"] = json!(format!("http://{host}/api/tasks/{id}/image"));
            v["description"] = json!(description(endpoint));
        }
        "completed" => {
            v["image_base64"] = json!(base64::engine::general_purpose::STANDARD.encode(s.knobs.image(96, 64, seed)));
            v["description"] = json!(description(endpoint));
        }
        "failed" if s.knobs.echoes() => v["error"] = json!(format!("Pipeline failed for {key}: no candidate")),
        "failed" => v["error"] = json!("Pipeline failed: the critic rejected every candidate"),
        _ => {}
    }
    s.knobs.json(200, &v)
}

/// What a completed task of `endpoint` (`generate`, `plot`) says its image shows.
pub fn description(endpoint: &str) -> &'static str {
    if endpoint == "plot" {
        "A chart of the data: bars for each model, accuracy on the y axis & values on top."
    } else {
        "The diagram shows the described method: an encoder <left> feeding a decoder."
    }
}

async fn image(AxState(s): S, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let key = match authorize(&s, &headers).await {
        Ok(k) => k,
        Err(r) => return r,
    };
    s.downloads.fetch_add(1, Ordering::SeqCst);
    match status_of(&s, &id, &key) {
        Some(("completed", _, _)) if knobs::take(&s.image_not_ready) => {
            s.knobs.json(404, &json!({"detail": "Image not available yet"}))
        }
        Some(("completed", seed, _)) => s.knobs.slow_bytes("image/png", s.knobs.image(96, 64, seed)),
        Some(_) => s.knobs.json(404, &json!({"detail": "Image not available yet"})),
        None => s.knobs.json(404, &json!({"detail": "Task not found"})),
    }
}

/// A key as the admin endpoints show it (its webhook URL when set, never its secret).
fn key_json(key: &str, k: &Key) -> Value {
    let mut v = json!({
        "key": key, "name": k.name, "quota_remaining": k.quota_remaining, "quota_total": k.quota_total,
        "total_used": k.total_used, "active": k.active, "created_at": "2026-02-15T10:30:00+00:00",
    });
    if let Some(url) = &k.webhook_url {
        v["webhook_url"] = json!(url);
    }
    v
}

/// A string field; an empty string is none (the documented way to remove a webhook).
fn text_field(body: &Value, field: &str) -> Option<String> {
    body.get(field).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string)
}

#[allow(clippy::result_large_err)]
fn admin(s: &State, headers: &HeaderMap) -> Result<(), Response> {
    s.knobs.requests.fetch_add(1, Ordering::SeqCst);
    if knobs::bearer(headers).as_deref() != Some(s.admin_key.as_str()) {
        return Err(s.knobs.json(401, &json!({"detail": "Invalid admin key"})));
    }
    Ok(())
}

async fn admin_create(AxState(s): S, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(r) = admin(&s, &headers) {
        return r;
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return s.knobs.json(422, &json!({"detail": "Request body is not valid JSON"}));
    };
    let Ok(name) = required_str(&body, "name") else {
        return s.knobs.json(422, &json!({"detail": "Field required: name"}));
    };
    let quota = body.get("quota").and_then(Value::as_i64);
    let n = s.next.fetch_add(1, Ordering::SeqCst);
    let key = format!("pb_{:032x}", u128::from(knobs::hash(&format!("{name}/{n}"))) << 64 | n as u128);
    let k = Key {
        name: name.to_string(),
        quota_remaining: quota,
        quota_total: quota,
        total_used: 0,
        active: true,
        usage: Vec::new(),
        webhook_url: text_field(&body, "webhook_url"),
        webhook_secret: text_field(&body, "webhook_secret"),
    };
    let v = key_json(&key, &k);
    s.keys.lock().unwrap().insert(key, k);
    s.knobs.json(201, &v)
}

async fn admin_list(AxState(s): S, headers: HeaderMap) -> Response {
    if let Err(r) = admin(&s, &headers) {
        return r;
    }
    let list: Vec<Value> = s.keys.lock().unwrap().iter().map(|(key, k)| key_json(key, k)).collect();
    s.knobs.json(200, &json!(list))
}

async fn admin_get(AxState(s): S, headers: HeaderMap, Path(key): Path<String>) -> Response {
    if let Err(r) = admin(&s, &headers) {
        return r;
    }
    match s.keys.lock().unwrap().get(&key) {
        Some(k) => {
            let mut v = key_json(&key, k);
            v["usage_log"] = json!(k.usage);
            s.knobs.json(200, &v)
        }
        None => s.knobs.json(404, &json!({"detail": "API key not found"})),
    }
}

async fn admin_patch(AxState(s): S, headers: HeaderMap, Path(key): Path<String>, body: Bytes) -> Response {
    if let Err(r) = admin(&s, &headers) {
        return r;
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return s.knobs.json(422, &json!({"detail": "Request body is not valid JSON"}));
    };
    let mut keys = s.keys.lock().unwrap();
    let Some(k) = keys.get_mut(&key) else { return s.knobs.json(404, &json!({"detail": "API key not found"})) };
    for field in ["quota_remaining", "quota_total"] {
        if let Some(v) = body.get(field) {
            match v.as_i64().filter(|n| *n >= 0) {
                Some(n) if field == "quota_remaining" => k.quota_remaining = Some(n),
                Some(n) => k.quota_total = Some(n),
                None => return s.knobs.json(422, &json!({"detail": format!("{field} must be at least 0")})),
            }
        }
    }
    if let Some(a) = body.get("active").and_then(Value::as_bool) {
        k.active = a;
    }
    if body.get("webhook_url").is_some() {
        k.webhook_url = text_field(&body, "webhook_url");
    }
    if body.get("webhook_secret").is_some() {
        k.webhook_secret = text_field(&body, "webhook_secret");
    }
    let v = key_json(&key, k);
    s.knobs.json(200, &v)
}

async fn admin_delete(AxState(s): S, headers: HeaderMap, Path(key): Path<String>) -> Response {
    if let Err(r) = admin(&s, &headers) {
        return r;
    }
    match s.keys.lock().unwrap().remove(&key) {
        Some(_) => axum::response::IntoResponse::into_response(axum::http::StatusCode::NO_CONTENT),
        None => s.knobs.json(404, &json!({"detail": "API key not found"})),
    }
}
