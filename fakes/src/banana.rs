//! Fake of Banana.dev through LowCodeAPI (../shared/api/banana-dev.txt), served under
//! `/bananadev` like `https://api.lowcodeapi.com/bananadev`.
//!
//! Every documented endpoint: `POST /v1/start` (with `startOnly`), `POST /v1/check`,
//! `POST /v1/run`, `GET /v1/models`, `GET /v1/models/{model_key}` (and the old format
//! `/v1/models/modelkey?model_key=`), `GET /v1/account`, `GET /v1/usage`, `POST /v1/deploy`.
//! Successful bodies are wrapped in `{"data": …}`. The key is accepted as
//! `Authorization: Bearer KEY` or `?api_token=KEY` (only the header after
//! `set_bearer_only`); `set_old_format_only` answers model details only in the "Old Format".
//!
//! Errors use the documented statuses (400, 401, 404, 429, 500, 503) and messages
//! ("Invalid API Key", "Model Not Found", "Run Not Found", "Rate Limit Exceeded",
//! "Deployment Failed"). The docs do not fix an error body, so the fake answers
//! `{"error": "<documented message>", "message": "<detail>"}`.
//!
//! Image models return a real PNG in `modelOutputs[0]`, as base64 (`image_base64`), as a data
//! URL, or as a URL that this fake serves under `/bananadev/files/` (no key needed, and the
//! fake counts downloads that carried one). Runs finish after `checks_until_done` calls of
//! `/v1/check` and `run_time`; `/v1/run` and `/v1/start` without `startOnly` wait for the end.

// Handlers answer errors as ready responses, as axum handlers do.
#![allow(clippy::result_large_err)]

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use serde_json::{Value, json};

use crate::support::{self, Counters, Faults, Gate};

mod catalog;

use catalog::{account, deploy, model, models, usage};

/// How a model returns its image in `modelOutputs[0]`.
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    /// `{"<field>": "<base64 PNG>"}`
    Base64 { field: String },
    /// `{"<field>": "<base64 JPEG>"}` (the docs fix no image format).
    Jpeg { field: String },
    /// `{"<field>": "data:image/png;base64,…"}`
    DataUrl { field: String },
    /// `{"<field>": "http://…/bananadev/files/run_….png"}`, served by the fake.
    Url { field: String },
    /// `{"<field>": ["<base64 PNG>", …]}`: `n` images, image k `width + 8k` pixels wide.
    Batch { field: String, n: u32 },
    /// `{"message": "<text>"}`: a text model, no image.
    Message,
}

/// A deployed model.
#[derive(Clone, Debug)]
pub struct Model {
    pub key: String,
    pub name: String,
    pub output: Output,
    /// `/v1/check` calls answered `finished: false` before the run finishes.
    pub checks_until_done: u32,
    /// Minimum run duration; `/v1/run` sleeps this long.
    pub run_time: Duration,
    /// Cost of one call in dollars and its compute time in ms (reported by `/v1/usage`).
    pub cost_per_call: f64,
    pub compute_ms: u64,
    /// Every run of this model fails with 500.
    pub crash: bool,
}

impl Model {
    pub fn new(key: &str, output: Output) -> Model {
        Model {
            key: key.into(),
            name: key.into(),
            output,
            checks_until_done: 1,
            run_time: Duration::ZERO,
            cost_per_call: 0.0375,
            compute_ms: 375,
            crash: false,
        }
    }
}

struct Run {
    model: String,
    created: u64,
    started: Instant,
    checks: u32,
    outputs: Value,
}

#[derive(Default)]
struct Inner {
    keys: Mutex<Vec<String>>,
    models: Mutex<BTreeMap<String, Model>>,
    runs: Mutex<HashMap<String, Run>>,
    files: Mutex<HashMap<String, Vec<u8>>>,
    quota: Mutex<Option<u64>>,
    runs_by_key: Mutex<HashMap<String, u64>>,
    submissions: AtomicU64,
    file_downloads_with_key: AtomicU64,
    /// Only the "Old Format" answers `GET /v1/models/modelkey?model_key=`; the new one is 404.
    old_format_only: std::sync::atomic::AtomicBool,
    /// Only `Authorization: Bearer` is taken (the docs' "Authentication"), not `?api_token=`.
    bearer_only: std::sync::atomic::AtomicBool,
    counters: Counters,
    faults: Faults,
}

/// The fake service; cheap to clone (shared state). `router()` gives the axum app.
#[derive(Clone, Default)]
pub struct Banana {
    inner: Arc<Inner>,
}

impl Banana {
    /// A fake that accepts `key`, with three models: `stable-diffusion-xl` (base64 in
    /// `image_base64`), `sdxl-url` (a URL in `image_url`) and `llama-2-7b` (text).
    pub fn new(key: &str) -> Banana {
        let fake = Banana::default();
        fake.add_key(key);
        let mut sdxl = Model::new("stable-diffusion-xl", Output::Base64 { field: "image_base64".into() });
        sdxl.name = "Stable Diffusion XL".into();
        fake.add_model(sdxl);
        fake.add_model(Model::new("sdxl-url", Output::Url { field: "image_url".into() }));
        let mut llama = Model::new("llama-2-7b", Output::Message);
        llama.name = "Llama 2 7B".into();
        llama.cost_per_call = 0.0344;
        fake.add_model(llama);
        fake
    }
    pub fn add_key(&self, key: &str) {
        self.inner.keys.lock().unwrap().push(key.into());
    }
    pub fn add_model(&self, model: Model) {
        self.inner.models.lock().unwrap().insert(model.key.clone(), model);
    }
    /// At most `runs` runs per key; further starts get 429.
    pub fn set_quota(&self, runs: Option<u64>) {
        *self.inner.quota.lock().unwrap() = runs;
    }
    /// Answers model details only in the documented "Old Format" (a LowCodeAPI deployment
    /// where the new format fails: the docs tell clients to fall back then).
    pub fn set_old_format_only(&self, on: bool) {
        self.inner.old_format_only.store(on, Ordering::SeqCst);
    }
    /// Takes the key only as `Authorization: Bearer`, as the docs' "Authentication" says.
    pub fn set_bearer_only(&self, on: bool) {
        self.inner.bearer_only.store(on, Ordering::SeqCst);
    }
    /// Forgets every run, as if they had expired: `/v1/check` then answers 404 Run Not Found.
    pub fn forget_runs(&self) {
        self.inner.runs.lock().unwrap().clear();
    }
    pub fn faults(&self) -> &Faults {
        &self.inner.faults
    }
    /// Runs created by `/v1/start` and `/v1/run`.
    pub fn submissions(&self) -> u64 {
        self.inner.submissions.load(Ordering::SeqCst)
    }
    /// Requests per route: `start`, `check`, `run`, `models`, `model`, `account`, `usage`,
    /// `deploy`, `file`, and `all`.
    pub fn requests(&self, route: &str) -> u64 {
        self.inner.counters.get(route)
    }
    /// Image downloads from `/bananadev/files/` that carried an API key (should be 0).
    pub fn file_downloads_with_key(&self) -> u64 {
        self.inner.file_downloads_with_key.load(Ordering::SeqCst)
    }

    pub fn router(&self) -> Router {
        let v1 = Router::new()
            .route("/v1/start", post(start))
            .route("/v1/check", post(check))
            .route("/v1/run", post(run))
            .route("/v1/models", get(models))
            .route("/v1/models/{model_key}", get(model))
            .route("/v1/account", get(account))
            .route("/v1/usage", get(usage))
            .route("/v1/deploy", post(deploy))
            .route("/files/{name}", get(file));
        Router::new()
            .nest("/bananadev", v1)
            .layer(middleware::from_fn_with_state(self.inner.clone(), gate))
            .with_state(self.inner.clone())
    }
}

type St = State<Arc<Inner>>;

fn error(status: StatusCode, error: &str, message: &str) -> Response {
    (status, axum::Json(json!({ "error": error, "message": message }))).into_response()
}

fn data(v: Value) -> Response {
    axum::Json(json!({ "data": v })).into_response()
}

fn presented_key(req: &Request, bearer_only: bool) -> Option<String> {
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    let query =
        req.uri().query().and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("api_token=")).map(str::to_string));
    if bearer_only { bearer } else { bearer.or(query) }
}

/// Auth, faults and counters around every route.
async fn gate(State(s): St, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let route = format!("{} {path}", req.method());
    s.counters.bump("all");
    let key = presented_key(&req, s.bearer_only.load(Ordering::SeqCst));
    if path.starts_with("/bananadev/files/") {
        if key.is_some() {
            s.file_downloads_with_key.fetch_add(1, Ordering::SeqCst);
        }
    } else if !key.as_ref().is_some_and(|k| s.keys.lock().unwrap().contains(k)) {
        return error(StatusCode::UNAUTHORIZED, "Invalid API Key", "The provided API key is invalid or expired");
    }
    match s.faults.before(key.as_deref().unwrap_or(""), &route).await {
        Gate::Pass => {}
        Gate::RateLimited { retry_after } => {
            let mut resp =
                error(StatusCode::TOO_MANY_REQUESTS, "Rate Limit Exceeded", "You have exceeded your API rate limit");
            resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            return resp;
        }
        Gate::ServerError(code) => {
            let mut resp = injected(code, &path);
            if let (429, Some(secs)) = (code, s.faults.injected_retry_after()) {
                resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            return resp;
        }
    }
    let resp = next.run(req).await;
    s.faults.after(&route, resp).await
}

/// An injected status with the documented meaning as its body.
fn injected(code: u16, path: &str) -> Response {
    let (error_name, message) = match code {
        400 => ("Bad Request", "Invalid parameters or malformed request"),
        401 => ("Invalid API Key", "The provided API key is invalid or expired"),
        404 if path.ends_with("/check") => ("Run Not Found", "The specified run ID does not exist"),
        404 => ("Model Not Found", "The specified modelKey does not exist"),
        429 => ("Rate Limit Exceeded", "You have exceeded your API rate limit"),
        503 => ("Service Unavailable", "Temporary service outage"),
        _ => ("Internal Server Error", "Banana.dev service error"),
    };
    error(StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), error_name, message)
}

/// The JSON object of a POST body, or the documented 400.
fn body_object(body: &Bytes) -> Result<serde_json::Map<String, Value>, Response> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(error(StatusCode::BAD_REQUEST, "Bad Request", "Malformed request: the body must be a JSON object")),
    }
}

fn required_str<'a>(m: &'a serde_json::Map<String, Value>, field: &str) -> Result<&'a str, Response> {
    match m.get(field).and_then(Value::as_str) {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(error(StatusCode::BAD_REQUEST, "Bad Request", &format!("Invalid parameters: `{field}` is required"))),
    }
}

fn run_view(id: &str, message: &str, created: u64, finished: bool, outputs: &Value) -> Value {
    json!({
        "id": id,
        "message": message,
        "created": created,
        "api": {
            "callID": id,
            "finished": finished,
            "modelOutputs": if finished { outputs.clone() } else { Value::Null },
        }
    })
}

/// Creates a run (the shared part of `/v1/start` and `/v1/run`); returns its id and model.
fn create_run(
    s: &Inner,
    headers: &HeaderMap,
    uri_key: Option<String>,
    body: &Bytes,
) -> Result<(String, Model), Response> {
    let m = body_object(body)?;
    let model_key = required_str(&m, "modelKey")?;
    let inputs = match m.get("modelInputs") {
        Some(Value::Object(i)) => i.clone(),
        _ => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "Bad Request",
                "Invalid parameters: `modelInputs` must be an object",
            ));
        }
    };
    let model = s.models.lock().unwrap().get(model_key).cloned().ok_or_else(|| {
        error(StatusCode::NOT_FOUND, "Model Not Found", &format!("The specified modelKey `{model_key}` does not exist"))
    })?;
    let key = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string)
        .or(uri_key)
        .unwrap_or_default();
    {
        let mut per_key = s.runs_by_key.lock().unwrap();
        let used = per_key.entry(key.clone()).or_default();
        if s.quota.lock().unwrap().is_some_and(|q| *used >= q) {
            return Err(error(
                StatusCode::TOO_MANY_REQUESTS,
                "Rate Limit Exceeded",
                "You have exceeded your API rate limit",
            ));
        }
        *used += 1;
    }
    if model.crash {
        return Err(error(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error", "Banana.dev service error"));
    }
    let id = format!("run_{}", &support::uuid().replace('-', "")[..12]);
    let outputs = model_outputs(s, &model, &inputs, &id, headers);
    s.submissions.fetch_add(1, Ordering::SeqCst);
    let run = Run { model: model.key.clone(), created: support::now_ms(), started: Instant::now(), checks: 0, outputs };
    s.runs.lock().unwrap().insert(id.clone(), run);
    Ok((id, model))
}

/// What the model answers for these inputs: a PNG sized by `width`/`height` (default 256),
/// its pixels seeded by the inputs, in the model's output shape.
fn model_outputs(
    s: &Inner,
    model: &Model,
    inputs: &serde_json::Map<String, Value>,
    id: &str,
    headers: &HeaderMap,
) -> Value {
    let dim = |k: &str| inputs.get(k).and_then(Value::as_u64).unwrap_or(256).clamp(1, 2048) as u32;
    let seed = support::hash64(Value::Object(inputs.clone()).to_string().as_bytes());
    let png = || crate::knobs::png(dim("width"), dim("height"), seed);
    let b64 = |bytes: Vec<u8>| base64::engine::general_purpose::STANDARD.encode(bytes);
    let one = match &model.output {
        Output::Base64 { field } => json!({ field.clone(): b64(png()) }),
        Output::Jpeg { field } => json!({ field.clone(): b64(crate::knobs::encoded(png(), "image/jpeg")) }),
        Output::DataUrl { field } => json!({ field.clone(): format!("data:image/png;base64,{}", b64(png())) }),
        Output::Url { field } => {
            let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
            s.files.lock().unwrap().insert(format!("{id}.png"), png());
            json!({ field.clone(): format!("http://{host}/bananadev/files/{id}.png") })
        }
        Output::Batch { field, n } => {
            let images: Vec<String> = (0..*n)
                .map(|k| b64(crate::knobs::png(dim("width") + 8 * k, dim("height"), seed ^ u64::from(k))))
                .collect();
            json!({ field.clone(): images })
        }
        Output::Message => {
            let prompt = inputs.get("prompt").and_then(Value::as_str).unwrap_or("");
            json!({ "message": format!("Completed: {prompt}") })
        }
    };
    json!([one])
}

#[derive(serde::Deserialize)]
struct TokenQuery {
    api_token: Option<String>,
}

async fn start(State(s): St, Query(q): Query<TokenQuery>, headers: HeaderMap, body: Bytes) -> Response {
    s.counters.bump("start");
    let start_only = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("startOnly").and_then(Value::as_bool))
        .unwrap_or(false);
    let (id, model) = match create_run(&s, &headers, q.api_token, &body) {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    if start_only {
        let created = s.runs.lock().unwrap()[&id].created;
        return data(run_view(&id, "Run created", created, false, &Value::Null));
    }
    tokio::time::sleep(model.run_time).await;
    finished_view(&s, &id, "Run created")
}

async fn run(State(s): St, Query(q): Query<TokenQuery>, headers: HeaderMap, body: Bytes) -> Response {
    s.counters.bump("run");
    match create_run(&s, &headers, q.api_token, &body) {
        Ok((id, model)) => {
            tokio::time::sleep(model.run_time).await;
            finished_view(&s, &id, "Run completed")
        }
        Err(resp) => resp,
    }
}

fn finished_view(s: &Inner, id: &str, message: &str) -> Response {
    let runs = s.runs.lock().unwrap();
    let r = &runs[id];
    data(run_view(id, message, r.created, true, &r.outputs))
}

async fn check(State(s): St, body: Bytes) -> Response {
    s.counters.bump("check");
    let m = match body_object(&body) {
        Ok(m) => m,
        Err(resp) => return resp,
    };
    let (id, model_key) = match (required_str(&m, "id"), required_str(&m, "modelKey")) {
        (Ok(i), Ok(k)) => (i.to_string(), k.to_string()),
        (Err(resp), _) | (_, Err(resp)) => return resp,
    };
    let models = s.models.lock().unwrap().clone();
    let mut runs = s.runs.lock().unwrap();
    let Some(r) = runs.get_mut(&id).filter(|r| r.model == model_key) else {
        return error(StatusCode::NOT_FOUND, "Run Not Found", &format!("The specified run ID `{id}` does not exist"));
    };
    r.checks += 1;
    let model = &models[&r.model];
    let finished = r.checks > model.checks_until_done && r.started.elapsed() >= model.run_time;
    let message = if finished { "Run completed" } else { "Run in progress" };
    data(run_view(&id, message, r.created, finished, &r.outputs))
}

async fn file(State(s): St, Path(name): Path<String>) -> Response {
    s.counters.bump("file");
    match s.files.lock().unwrap().get(&name) {
        Some(bytes) => ([(header::CONTENT_TYPE, "image/png")], bytes.clone()).into_response(),
        None => error(StatusCode::NOT_FOUND, "Not Found", "No such file"),
    }
}

#[cfg(test)]
mod tests;
