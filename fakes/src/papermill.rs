//! Fake of the Papermill REST API (../shared/api/papermill.txt): PDF upload, task lifecycle
//! (`QUEUED` → `PROCESSING` → `DONE` | `FAILED`), parsed-document download, assets JSON,
//! extracted figures with pre-signed URLs (served here under `/minio/`), API keys, health and
//! metadata. Errors are FastAPI bodies `{"detail": "…"}` with the documented statuses and
//! messages; validation errors (422) carry FastAPI's list form.
//!
//! Auth: `Authorization: Bearer <pmk_… key or session JWT>`; task and figure routes fall back
//! to a `guest_session` cookie (set by the fake when absent), and every task is visible only
//! to the user or guest that created it. `/public/tasks` ignores Bearer headers.
//!
//! A task advances one step per `GET /tasks/{id}`: the first poll sees `QUEUED`, later ones
//! `PROCESSING`, until `polls_until_done` polls and `processing_time` have passed. A file that
//! is not a PDF ends `FAILED`. A finished document has `figures_per_document` figures, each a
//! real PNG seeded by the PDF's bytes and the figure index.
//!
//! Readings of the docs a client must survive, each behind a switch: `GET /tasks` items as
//! bare as the docs' list example (`id`, `status`, `created_at`), the list oldest first
//! ("ordered by creation time" says no direction), and a 500 "Failed to enqueue task" that
//! leaves its row `PENDING`, never to run.

// Handlers answer errors as ready responses, as axum handlers do.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::support::{self, Counters, Faults, Gate};

mod figures;
mod keys;
#[cfg(test)]
mod tests;

use figures::{download_figure, get_figure, list_figures, presigned};
use keys::{create_key, list_keys, revoke_key};

/// Who a request acts for.
#[derive(Clone, Debug, PartialEq)]
struct Owner(String);

struct Task {
    id: String,
    owner: Owner,
    file_name: String,
    created_at: String,
    updated_at: String,
    started: Instant,
    polls: u32,
    status: &'static str,
    pdf_seed: u64,
    is_pdf: bool,
}

struct ApiKey {
    id: String,
    user: String,
    name: String,
    token: String,
    created_at: String,
    revoked_at: Option<String>,
}

/// Failure switches for single endpoints, besides the generic `Faults`.
#[derive(Default)]
struct Switches {
    enqueue_fails: AtomicBool,
    /// The failed enqueue leaves its row `PENDING` for good.
    enqueue_leaves_pending: AtomicBool,
    /// `GET /tasks` items as the docs' list example shows them: `id`, `status`, `created_at`.
    bare_list_items: AtomicBool,
    /// `GET /tasks` oldest first ("ordered by creation time" either way).
    oldest_first: AtomicBool,
    output_missing: AtomicBool,
    assets_invalid: AtomicBool,
    figure_file_missing: AtomicBool,
    storage_fails: AtomicBool,
    processing_fails: Mutex<Option<String>>,
}

struct Inner {
    /// Bearer token → user id (API keys made through `/api-keys` join this list).
    tokens: Mutex<HashMap<String, String>>,
    keys: Mutex<Vec<ApiKey>>,
    tasks: Mutex<Vec<Task>>,
    polls_until_done: AtomicU32,
    processing_ms: AtomicU64,
    figures_per_document: AtomicU32,
    switches: Switches,
    submissions: AtomicU64,
    figure_downloads: AtomicU64,
    counters: Counters,
    faults: Faults,
}

/// The fake service; cheap to clone (shared state). `router()` gives the axum app.
#[derive(Clone)]
pub struct Papermill {
    inner: Arc<Inner>,
}

impl Papermill {
    /// A fake where `api_key` (a `pmk_…` key) belongs to user `user_1`; tasks finish on the
    /// second poll with three figures each.
    pub fn new(api_key: &str) -> Papermill {
        let inner = Inner {
            tokens: Mutex::new(HashMap::from([(api_key.to_string(), "user_1".to_string())])),
            keys: Mutex::new(Vec::new()),
            tasks: Mutex::new(Vec::new()),
            polls_until_done: AtomicU32::new(2),
            processing_ms: AtomicU64::new(0),
            figures_per_document: AtomicU32::new(3),
            switches: Switches::default(),
            submissions: AtomicU64::new(0),
            figure_downloads: AtomicU64::new(0),
            counters: Counters::default(),
            faults: Faults::default(),
        };
        Papermill { inner: Arc::new(inner) }
    }
    /// Another accepted Bearer token (an API key or a session JWT) for `user`.
    pub fn add_token(&self, token: &str, user: &str) {
        self.inner.tokens.lock().unwrap().insert(token.into(), user.into());
    }
    /// Polls of `GET /tasks/{id}` before a task is finished (the first one sees `QUEUED`).
    pub fn set_polls_until_done(&self, n: u32) {
        self.inner.polls_until_done.store(n, Ordering::SeqCst);
    }
    /// Minimum processing time of a task.
    pub fn set_processing_time(&self, d: Duration) {
        self.inner.processing_ms.store(d.as_millis() as u64, Ordering::SeqCst);
    }
    pub fn set_figures_per_document(&self, n: u32) {
        self.inner.figures_per_document.store(n, Ordering::SeqCst);
    }
    /// `POST /tasks` answers 500 "Failed to enqueue task".
    pub fn set_enqueue_fails(&self, on: bool) {
        self.inner.switches.enqueue_fails.store(on, Ordering::SeqCst);
    }
    /// With `set_enqueue_fails`: the task row is made first and stays `PENDING` (never queued).
    pub fn set_enqueue_leaves_pending(&self, on: bool) {
        self.inner.switches.enqueue_leaves_pending.store(on, Ordering::SeqCst);
    }
    /// `GET /tasks` items carry only `id`, `status` and `created_at`, like the docs' example.
    pub fn set_bare_list_items(&self, on: bool) {
        self.inner.switches.bare_list_items.store(on, Ordering::SeqCst);
    }
    /// `GET /tasks` lists the oldest task first.
    pub fn set_oldest_first(&self, on: bool) {
        self.inner.switches.oldest_first.store(on, Ordering::SeqCst);
    }
    /// Processing ends `FAILED` with this `error_message`.
    pub fn set_processing_fails(&self, message: Option<&str>) {
        *self.inner.switches.processing_fails.lock().unwrap() = message.map(str::to_string);
    }
    /// Finished tasks lack their markdown output (404 "Task output file missing").
    pub fn set_output_missing(&self, on: bool) {
        self.inner.switches.output_missing.store(on, Ordering::SeqCst);
    }
    /// `/assets` answers 500 "Task assets file is invalid".
    pub fn set_assets_invalid(&self, on: bool) {
        self.inner.switches.assets_invalid.store(on, Ordering::SeqCst);
    }
    /// Figure downloads answer 404 "Figure file not found".
    pub fn set_figure_file_missing(&self, on: bool) {
        self.inner.switches.figure_file_missing.store(on, Ordering::SeqCst);
    }
    /// Figure downloads answer 502 "Failed to fetch figure file".
    pub fn set_storage_fails(&self, on: bool) {
        self.inner.switches.storage_fails.store(on, Ordering::SeqCst);
    }
    /// Tasks that exist (any owner): a deleted task is gone.
    pub fn tasks(&self) -> usize {
        self.inner.tasks.lock().unwrap().len()
    }
    /// Forgets every task, as if deleted: task routes then answer 404 Task not found.
    pub fn forget_tasks(&self) {
        self.inner.tasks.lock().unwrap().clear();
    }
    pub fn faults(&self) -> &Faults {
        &self.inner.faults
    }
    /// Tasks created by `POST /tasks`.
    pub fn submissions(&self) -> u64 {
        self.inner.submissions.load(Ordering::SeqCst)
    }
    /// Figure images served (through `/download` or a pre-signed URL).
    pub fn figure_downloads(&self) -> u64 {
        self.inner.figure_downloads.load(Ordering::SeqCst)
    }
    /// Requests per route: `create`, `list`, `public`, `task`, `delete`, `download`, `assets`,
    /// `figures`, `figure`, `figure_download`, `presigned`, `health`, `meta`, `api_keys`, `all`.
    pub fn requests(&self, route: &str) -> u64 {
        self.inner.counters.get(route)
    }

    pub fn router(&self) -> Router {
        Router::new()
            .route("/tasks", get(list_tasks).post(create_task))
            .route("/public/tasks", get(public_tasks))
            .route("/tasks/{task_id}", get(get_task).delete(delete_task))
            .route("/tasks/{task_id}/download", get(download))
            .route("/tasks/{task_id}/assets", get(assets))
            .route("/tasks/{task_id}/figures", get(list_figures))
            .route("/tasks/{task_id}/figures/{n}", get(get_figure))
            .route("/tasks/{task_id}/figures/{n}/download", get(download_figure))
            .route("/minio/papermill/{task_id}/figures/{file}", get(presigned))
            .route("/api-keys", get(list_keys).post(create_key))
            .route("/api-keys/{api_key_id}", delete(revoke_key))
            .route("/health", get(health))
            .route("/api/v1/meta", get(meta))
            .layer(middleware::from_fn_with_state(self.inner.clone(), gate))
            .with_state(self.inner.clone())
    }
}

type St = State<Arc<Inner>>;

fn detail(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "detail": message }))).into_response()
}

/// FastAPI's request-validation error.
fn invalid(loc: [&str; 2], kind: &str, msg: &str, input: Value) -> Response {
    let body = json!({ "detail": [{ "type": kind, "loc": loc, "msg": msg, "input": input }] });
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "))
}

fn guest_cookie(headers: &HeaderMap) -> Option<String> {
    let cookies = headers.get(header::COOKIE)?.to_str().ok()?;
    cookies.split(';').find_map(|c| c.trim().strip_prefix("guest_session=")).map(str::to_string)
}

/// Auth (Bearer, else guest cookie), faults and counters around every route.
async fn gate(State(s): St, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let route = format!("{} {path}", req.method());
    s.counters.bump("all");
    let public = path == "/health" || path == "/api/v1/meta" || path.starts_with("/minio/");
    let token = bearer(req.headers()).map(str::to_string);
    let guest = guest_cookie(req.headers());
    let mut new_guest = None;
    let owner = if public {
        Owner(String::new())
    } else if path.starts_with("/api-keys") {
        let user = token.as_deref().and_then(|t| s.tokens.lock().unwrap().get(t).cloned());
        match user {
            Some(u) => Owner(format!("user:{u}")),
            None => return detail(StatusCode::UNAUTHORIZED, "Authentication required"),
        }
    } else if let Some(t) = token.as_deref().filter(|_| path != "/public/tasks") {
        match s.tokens.lock().unwrap().get(t) {
            Some(u) => Owner(format!("user:{u}")),
            None => return detail(StatusCode::UNAUTHORIZED, "Invalid authentication credentials"),
        }
    } else {
        let g = guest.unwrap_or_else(|| {
            let g = format!("guest_{}", support::uuid().replace('-', ""));
            new_guest = Some(g.clone());
            g
        });
        Owner(format!("guest:{g}"))
    };
    let limit_key = token.unwrap_or_else(|| owner.0.clone());
    match s.faults.before(&limit_key, &route).await {
        Gate::Pass => {}
        Gate::RateLimited { retry_after } => {
            let mut resp = detail(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests");
            resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            return resp;
        }
        Gate::ServerError(code) => {
            let mut resp = injected(code, req.method().as_str(), &path);
            if let (429, Some(secs)) = (code, s.faults.injected_retry_after()) {
                resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            return resp;
        }
    }
    req.extensions_mut().insert(owner);
    let mut resp = next.run(req).await;
    if let Some(v) = new_guest
        .and_then(|g| HeaderValue::from_str(&format!("guest_session={g}; Path=/; HttpOnly; SameSite=Lax")).ok())
    {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    s.faults.after(&route, resp).await
}

/// An injected status with the body the docs give for it on this route.
fn injected(code: u16, method: &str, path: &str) -> Response {
    let post = method == "POST";
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let message = match code {
        400 => "Uploaded file must have a filename",
        401 => "Authentication required",
        404 if path.contains("/figures/") => "Figure not found",
        404 => "Task not found",
        409 if method == "DELETE" => "Cannot delete task while processing",
        409 => "Task result not ready",
        422 => {
            return invalid(
                ["path", "n"],
                "greater_than_equal",
                "Input should be greater than or equal to 1",
                json!(0),
            );
        }
        500 if post => "Failed to enqueue task",
        500 if path.ends_with("/assets") => "Task assets file is invalid",
        502 => "Failed to fetch figure file",
        _ => status.canonical_reason().unwrap_or("Internal Server Error"),
    };
    detail(status, message)
}

#[derive(serde::Deserialize)]
struct Page {
    limit: Option<String>,
    offset: Option<String>,
}

impl Page {
    /// `limit` (default 50, at least 1) and `offset` (default 0), or FastAPI's 422.
    fn parse(&self) -> Result<(usize, usize), Response> {
        let num = |name: &str, v: &Option<String>, default: usize, min: usize| match v {
            None => Ok(default),
            Some(text) => match text.parse::<usize>() {
                Ok(n) if n >= min => Ok(n),
                _ => Err(invalid(
                    ["query", name],
                    "int_parsing",
                    &format!("Input should be a valid integer greater than or equal to {min}"),
                    json!(text),
                )),
            },
        };
        Ok((num("limit", &self.limit, 50, 1)?, num("offset", &self.offset, 0, 0)?))
    }
}

fn page_of(items: Vec<Value>, limit: usize, offset: usize) -> Response {
    let total = items.len();
    let page: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
    Json(json!({ "items": page, "total": total, "limit": limit, "offset": offset,
                 "has_more": offset + limit < total }))
    .into_response()
}

fn task_view(t: &Task, s: &Inner) -> Value {
    let done = t.status == "DONE";
    let failed = t.status == "FAILED";
    let error_message = if failed { Some(failure_message(t, s)) } else { None };
    json!({
        "id": t.id,
        "file_name": t.file_name,
        "status": t.status,
        "input_path": format!("uploads/{}/input.pdf", t.id),
        "output_path": if done { Some(format!("outputs/{}/result.md", t.id)) } else { None },
        "error_message": error_message,
        "created_at": t.created_at,
        "updated_at": t.updated_at,
    })
}

fn failure_message(t: &Task, s: &Inner) -> String {
    if !t.is_pdf {
        return "Document conversion failed: the uploaded file is not a PDF".into();
    }
    s.switches.processing_fails.lock().unwrap().clone().unwrap_or_else(|| "Document conversion failed".into())
}

/// One poll: moves a task along its lifecycle.
fn advance(t: &mut Task, s: &Inner) {
    // A PENDING row was never queued: nothing will process it.
    if matches!(t.status, "DONE" | "FAILED" | "PENDING") {
        return;
    }
    t.polls += 1;
    let enough_polls = t.polls >= s.polls_until_done.load(Ordering::SeqCst);
    let enough_time = t.started.elapsed() >= Duration::from_millis(s.processing_ms.load(Ordering::SeqCst));
    let next = if enough_polls && enough_time {
        let fails = !t.is_pdf || s.switches.processing_fails.lock().unwrap().is_some();
        if fails { "FAILED" } else { "DONE" }
    } else if t.polls <= 1 {
        "QUEUED"
    } else {
        "PROCESSING"
    };
    if next != t.status {
        t.status = next;
        t.updated_at = support::now_rfc3339();
    }
}

fn parse_task_id(raw: &str) -> Result<String, Response> {
    let hex = raw.replace('-', "");
    let ok = raw.len() == 36 && hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit());
    if ok {
        Ok(raw.to_ascii_lowercase())
    } else {
        Err(invalid(["path", "task_id"], "uuid_parsing", "Input should be a valid UUID", json!(raw)))
    }
}

/// Runs `f` on the caller's task, or answers 404 "Task not found" / 422.
fn with_task<R>(s: &Inner, owner: &Owner, raw: &str, f: impl FnOnce(&mut Task) -> R) -> Result<R, Response> {
    let id = parse_task_id(raw)?;
    let mut tasks = s.tasks.lock().unwrap();
    match tasks.iter_mut().find(|t| t.id == id && &t.owner == owner) {
        Some(t) => Ok(f(t)),
        None => Err(detail(StatusCode::NOT_FOUND, "Task not found")),
    }
}

/// The caller's finished task's (figure count, pdf seed), or the documented 404/409.
fn finished(s: &Inner, owner: &Owner, raw: &str) -> Result<(u32, u64), Response> {
    let (status, seed) = with_task(s, owner, raw, |t| (t.status, t.pdf_seed))?;
    match status {
        "DONE" => Ok((s.figures_per_document.load(Ordering::SeqCst), seed)),
        "FAILED" => Err(detail(StatusCode::NOT_FOUND, "Task output file missing")),
        _ => Err(detail(StatusCode::CONFLICT, "Task result not ready")),
    }
}

async fn create_task(State(s): St, Extension(owner): Extension<Owner>, headers: HeaderMap, body: Bytes) -> Response {
    s.counters.bump("create");
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let parts = support::multipart(content_type, &body).unwrap_or_default();
    let Some(file) = parts.into_iter().find(|p| p.name == "file") else {
        return invalid(["body", "file"], "missing", "Field required", Value::Null);
    };
    let Some(file_name) = file.filename.filter(|f| !f.is_empty()) else {
        return detail(StatusCode::BAD_REQUEST, "Uploaded file must have a filename");
    };
    let enqueue_fails = s.switches.enqueue_fails.load(Ordering::SeqCst);
    if enqueue_fails && !s.switches.enqueue_leaves_pending.load(Ordering::SeqCst) {
        return detail(StatusCode::INTERNAL_SERVER_ERROR, "Failed to enqueue task");
    }
    let now = support::now_rfc3339();
    let mut task = Task {
        id: support::uuid(),
        owner,
        file_name,
        created_at: now.clone(),
        updated_at: now,
        started: Instant::now(),
        polls: 0,
        status: "QUEUED",
        pdf_seed: support::hash64(&file.bytes),
        is_pdf: file.bytes.starts_with(b"%PDF-"),
    };
    if enqueue_fails {
        task.status = "PENDING";
        s.tasks.lock().unwrap().push(task);
        return detail(StatusCode::INTERNAL_SERVER_ERROR, "Failed to enqueue task");
    }
    let view = task_view(&task, &s);
    s.tasks.lock().unwrap().push(task);
    s.submissions.fetch_add(1, Ordering::SeqCst);
    (StatusCode::CREATED, Json(view)).into_response()
}

fn tasks_of(s: &Inner, owner: &Owner) -> Vec<Value> {
    let tasks = s.tasks.lock().unwrap();
    let mut mine: Vec<&Task> = tasks.iter().filter(|t| &t.owner == owner).collect();
    if !s.switches.oldest_first.load(Ordering::SeqCst) {
        mine.reverse(); // newest first
    }
    let bare = s.switches.bare_list_items.load(Ordering::SeqCst);
    let view = |t: &Task| match bare {
        true => json!({ "id": t.id, "status": t.status, "created_at": t.created_at }),
        false => task_view(t, s),
    };
    mine.into_iter().map(view).collect()
}

async fn list_tasks(State(s): St, Extension(owner): Extension<Owner>, Query(p): Query<Page>) -> Response {
    s.counters.bump("list");
    match p.parse() {
        Ok((limit, offset)) => page_of(tasks_of(&s, &owner), limit, offset),
        Err(r) => r,
    }
}

async fn public_tasks(State(s): St, Extension(owner): Extension<Owner>, Query(p): Query<Page>) -> Response {
    s.counters.bump("public");
    match p.parse() {
        Ok((limit, offset)) => page_of(tasks_of(&s, &owner), limit, offset),
        Err(r) => r,
    }
}

async fn get_task(State(s): St, Extension(owner): Extension<Owner>, Path(id): Path<String>) -> Response {
    s.counters.bump("task");
    match with_task(&s, &owner, &id, |t| {
        advance(t, &s);
        task_view(t, &s)
    }) {
        Ok(v) => Json(v).into_response(),
        Err(r) => r,
    }
}

async fn delete_task(State(s): St, Extension(owner): Extension<Owner>, Path(id): Path<String>) -> Response {
    s.counters.bump("delete");
    let status = match with_task(&s, &owner, &id, |t| t.status) {
        Ok(st) => st,
        Err(r) => return r,
    };
    if matches!(status, "PENDING" | "QUEUED" | "PROCESSING") {
        return detail(StatusCode::CONFLICT, "Cannot delete task while processing");
    }
    s.tasks.lock().unwrap().retain(|t| !(t.id == id.to_ascii_lowercase() && t.owner == owner));
    Json(json!({ "deleted": true })).into_response()
}

async fn download(State(s): St, Extension(owner): Extension<Owner>, Path(id): Path<String>) -> Response {
    s.counters.bump("download");
    let (figures, _) = match finished(&s, &owner, &id) {
        Ok(f) => f,
        Err(r) => return r,
    };
    if s.switches.output_missing.load(Ordering::SeqCst) {
        return detail(StatusCode::NOT_FOUND, "Task output file missing");
    }
    let name = with_task(&s, &owner, &id, |t| t.file_name.clone()).unwrap_or_default();
    let mut md = format!("# {name}\n\nGenerated content...\n");
    for n in 1..=figures {
        md.push_str(&format!("\n![{}](figures/picture-{n}.png)\n", title(n)));
    }
    ([(header::CONTENT_TYPE, "text/markdown; charset=utf-8")], md).into_response()
}

/// The title the fake gives figure `n` of every document.
pub fn title(n: u32) -> String {
    format!("Figure {n}. Extracted figure {n}")
}

async fn assets(State(s): St, Extension(owner): Extension<Owner>, Path(id): Path<String>) -> Response {
    s.counters.bump("assets");
    let (figures, _) = match finished(&s, &owner, &id) {
        Ok(f) => f,
        Err(r) => return r,
    };
    if s.switches.output_missing.load(Ordering::SeqCst) {
        return detail(StatusCode::NOT_FOUND, "Task output file missing");
    }
    if s.switches.assets_invalid.load(Ordering::SeqCst) {
        return detail(StatusCode::INTERNAL_SERVER_ERROR, "Task assets file is invalid");
    }
    let figs: Vec<Value> =
        (1..=figures).map(|n| json!({ "index": n, "page": n + 1, "bbox": [110, 210, 430, 512] })).collect();
    Json(json!({ "figures": figs })).into_response()
}

async fn health(State(s): St) -> Response {
    s.counters.bump("health");
    Json(json!({ "status": "ok" })).into_response()
}

async fn meta(State(s): St) -> Response {
    s.counters.bump("meta");
    Json(json!({ "app_name": "Document Task Queue Service", "environment": "development", "version": "0.1.0",
                 "debug": false, "queue": "document_tasks", "placeholder_processing": false }))
    .into_response()
}
