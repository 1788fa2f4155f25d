//! Papermill (`../shared/api/papermill.txt`): `kind=extract` figures taken out of a PDF.
//! `POST /tasks` uploads the PDF (multipart `file`), `GET /tasks/{id}` is polled until `DONE`
//! or `FAILED`, `GET /tasks/{id}/figures` lists the extracted figures (paginated) and
//! `GET /tasks/{id}/figures/{n}/download` streams figure N as PNG.
//!
//! One upload per PDF: every figure of the same document (same contents) uses one task. The
//! PDF is uploaded under a name made of its SHA-256, so before uploading the client looks
//! for a task of that name among the key's recent tasks (`GET /tasks`) and reuses it: a
//! figure added later, or a build killed between upload and journal, does not upload again.
//! A task still `PENDING` is not reused: a 500 "Failed to enqueue task" may leave one that
//! never runs. Within one build, figures of one PDF wait for one upload.
//!
//! An upload whose answer is lost (the connection failed after the PDF may have reached
//! Papermill) is not sent again: the client lists the tasks once more and takes the task of
//! that name. The name is the PDF's digest and the listing just before the upload had no
//! usable task of that name, so a task of that name listed now is this upload (or another
//! build's upload of the same bytes, which serves equally well); no clock comparison with
//! `created_at` is needed. If none is listed, the figure fails and nothing is re-uploaded.
//!
//! Documented facts used here: Bearer `pmk_…` API keys (guest sessions are not used: their
//! tasks could not be resumed by a later build); FastAPI error bodies `{"detail": …}`; 409
//! "Task result not ready" means "poll again"; pagination by `limit`/`offset`/`has_more`. The
//! docs state no rate limit, poll cadence or price.
//!
//! A task is journaled as `"TASK_ID#figure=N"`.
//!
//! After a batch (`Service::release`) each task whose figures this build polled are all in
//! the store is deleted (`DELETE /tasks/{id}`), so the PDF does not stay on the account;
//! a task with a figure that failed is kept, so fixing the figure does not upload again.
//! `keep_uploads = true` keeps every task. A failed delete (409 "Cannot delete task while
//! processing", a 5xx after retries) is a warning; a 404 means it is gone already.

mod figure;
mod wire;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::config::ProviderConfig;
use super::cost::Cost;
use super::http::{Body, Client, ErrorDoc, HostedError, Repeat};
use super::service::{Cadence, Documented, Image, OptionError, Poll, Released, Service, ServiceSpec, Submitted};
use crate::digest::Digest;
use crate::model::{InputFile, Kind, ProviderError, Request, note};
use wire::{Figure, Page, Status, Task};

pub static SPEC: ServiceSpec = ServiceSpec {
    service: "papermill",
    default_base_url: "https://papermill.akl773.com",
    doc: Documented {
        auth: super::http::Auth::Bearer,
        errors: ErrorDoc { message: wire::error_detail, status: status_meaning },
        rate_per_min: None,
        concurrency: 4,
        poll: Cadence { min_secs: 0.01, max_secs: 60.0, default_secs: 2.0 },
        cost_unit: "unpriced tasks",
    },
    options: &["keep_uploads"],
    check,
    make,
};

const VERSION: &str = "papermill/1";
/// Page size for listing tasks and figures (the documented default).
const PAGE: usize = 50;
/// Recent tasks searched for an earlier upload of the same PDF.
const TASKS_SEARCHED: usize = 200;
/// Listed tasks without a `file_name` whose name is asked for one by one (`GET /tasks/{id}`).
const NAMES_ASKED: usize = 50;

fn check(cfg: &ProviderConfig) -> Result<(), OptionError> {
    match cfg.options.get("keep_uploads") {
        Some(v) if !v.is_bool() => Err((
            "keep_uploads",
            format!("keep_uploads = {v} is not true or false"),
            "true keeps each uploaded PDF's task on Papermill after its figures are stored",
        )),
        _ => Ok(()),
    }
}

fn make(cfg: &ProviderConfig) -> Arc<dyn Service> {
    let keep_uploads = cfg.options.get("keep_uploads").and_then(toml::Value::as_bool).unwrap_or(false);
    Arc::new(Papermill { uploads: Mutex::new(HashMap::new()), keep_uploads })
}

/// The status tables of the docs: meaning and hint per status.
fn status_meaning(status: u16) -> Option<(&'static str, &'static str)> {
    Some(match status {
        400 => ("Bad Request", "Papermill refused the upload"),
        401 => ("Unauthorized", "the API key is missing, invalid or revoked"),
        404 => ("Not Found", "the task or figure is not there for this key"),
        409 => ("Conflict", "the task is still processing"),
        422 => ("Validation error", "Papermill refused a parameter"),
        500 => ("Server error", "Papermill failed; try again later"),
        502 => ("Bad Gateway", "Papermill's file storage failed; try again later"),
        _ => return None,
    })
}

struct Papermill {
    /// The task of each PDF uploaded or found in this process, by the PDF's digest; the
    /// inner lock makes figures of one PDF wait for one upload.
    uploads: Mutex<HashMap<Digest, Arc<Mutex<Option<String>>>>>,
    /// `keep_uploads`: never delete a task.
    keep_uploads: bool,
}

impl Papermill {
    /// The task of `pdf`: this process's, an earlier upload of the same name, or a new one.
    fn task_for(&self, client: &Client, pdf: &InputFile) -> Result<String, HostedError> {
        let slot = self.uploads.lock().unwrap_or_else(|p| p.into_inner()).entry(pdf.digest).or_default().clone();
        let mut slot = slot.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(id) = slot.as_ref() {
            return Ok(id.clone());
        }
        let name = upload_name(&pdf.digest);
        // A PENDING task was never queued ("Failed to enqueue task"): it is uploaded again.
        let id = match find_task(client, &name, &[Status::Queued, Status::Processing, Status::Done])? {
            Some(id) => id,
            None => match upload(client, &name, &pdf.bytes) {
                Err(HostedError::Lost(why)) => recover(client, &name, &why)?,
                other => other?,
            },
        };
        *slot = Some(id.clone());
        Ok(id)
    }
}

impl Papermill {
    /// Drops a task the service no longer knows from this process's uploads.
    fn forget(&self, id: &str) {
        for slot in self.uploads.lock().unwrap_or_else(|p| p.into_inner()).values() {
            let mut slot = slot.lock().unwrap_or_else(|p| p.into_inner());
            if slot.as_deref() == Some(id) {
                *slot = None;
            }
        }
    }
}

/// `DELETE /tasks/{id}`: `None` when the task is gone (404 included), else why not.
fn delete(client: &Client, id: &str) -> Option<String> {
    match client.send("DELETE", &format!("tasks/{id}"), Body::Empty, Repeat::Idempotent) {
        Ok(_) => None,
        Err(e) if e.status() == Some(404) => None,
        Err(e) => Some(format!(
            "{}: task {id} (an uploaded PDF) was not deleted: {e}; it stays on the account until deleted \
             there (keep_uploads = true in [providers.{}] keeps tasks on purpose)",
            client.name, client.name
        )),
    }
}

/// The file name a PDF is uploaded under: its digest, so a later build can find the task.
fn upload_name(digest: &Digest) -> String {
    format!("paperfig-{}.pdf", &digest.hex()[..32])
}

fn malformed(client: &Client, what: &str, e: impl std::fmt::Display) -> HostedError {
    HostedError::Malformed(format!("{}: unreadable {what}: {e}", client.name))
}

/// A task of this key named `name` in one of the states `usable`, among the most recent
/// ones. The list is "ordered by creation time": newest first as the document's example
/// shows, or oldest first (then its last rows are read). A listed task without its
/// `file_name` (the document's list example has none) is asked for by id.
fn find_task(client: &Client, name: &str, usable: &[Status]) -> Result<Option<String>, HostedError> {
    let page = |offset: usize| -> Result<Page<Task>, HostedError> {
        let v = client.get_json(&format!("tasks?limit={PAGE}&offset={offset}"))?;
        serde_json::from_value(v).map_err(|e| malformed(client, "task list", e))
    };
    let first = page(0)?;
    let oldest_first = match (first.items.first(), first.items.last()) {
        (Some(a), Some(b)) => a.created_at.is_some() && b.created_at.is_some() && a.created_at < b.created_at,
        _ => false,
    };
    let total = usize::try_from(first.total).unwrap_or(usize::MAX);
    let mut offset = if oldest_first && first.has_more { total.saturating_sub(TASKS_SEARCHED) } else { 0 };
    let mut current = if offset == 0 { Some(first) } else { None };
    let mut asked = 0;
    let mut searched = 0;
    while searched < TASKS_SEARCHED {
        let rows = match current.take() {
            Some(rows) => rows,
            None => page(offset)?,
        };
        for t in rows.items.iter().filter(|t| usable.contains(&t.status)) {
            let named = match &t.file_name {
                Some(n) => n == name,
                None if asked < NAMES_ASKED => {
                    asked += 1;
                    let v = client.get_json(&format!("tasks/{}", t.id))?;
                    serde_json::from_value::<Task>(v).is_ok_and(|full| full.file_name.as_deref() == Some(name))
                }
                None => false,
            };
            if named {
                return Ok(Some(t.id.clone()));
            }
        }
        if !rows.has_more || rows.items.is_empty() {
            break;
        }
        searched += rows.items.len();
        offset += rows.items.len();
    }
    Ok(None)
}

/// `POST /tasks` with the PDF as the multipart `file` field; the new task's id.
fn upload(client: &Client, name: &str, bytes: &[u8]) -> Result<String, HostedError> {
    let (content_type, body) = wire::multipart_file(name, bytes);
    let body = Body::Bytes { content_type: &content_type, bytes: &body };
    let reply = client.send("POST", "tasks", body, Repeat::Submission)?;
    let task: Task = serde_json::from_slice(&reply.body).map_err(|e| malformed(client, "upload answer", e))?;
    Ok(task.id)
}

/// The task of an upload whose answer was lost (`why`), found by its name in the task list.
fn recover(client: &Client, name: &str, why: &str) -> Result<String, HostedError> {
    let any = [Status::Pending, Status::Queued, Status::Processing, Status::Done];
    match find_task(client, name, &any) {
        Ok(Some(id)) => Ok(id),
        Ok(None) => Err(HostedError::Lost(format!(
            "{why}; no task named `{name}` is listed yet (the next build looks for it again before uploading)"
        ))),
        Err(e) => Err(HostedError::Lost(format!("{why}; listing the tasks to find it failed too: {e}"))),
    }
}

/// 409 "Task result not ready" means: poll again.
fn not_ready(e: &HostedError) -> bool {
    e.status() == Some(409)
}

/// Figure `n` of a finished task: listed (to know it exists, and its title), then
/// downloaded; the title is noted (`note::TITLE`).
fn figure(client: &Client, id: &str, n: u32) -> Result<Poll, HostedError> {
    let mut offset = 0;
    let mut title = None;
    let total = loop {
        let page: Page<Figure> = match client.get_json(&format!("tasks/{id}/figures?limit={PAGE}&offset={offset}")) {
            Ok(v) => serde_json::from_value(v).map_err(|e| malformed(client, "figure list", e))?,
            Err(e) if not_ready(&e) => return Ok(Poll::Running { stage: Some("result not ready".into()) }),
            Err(e) => return Err(e),
        };
        if let Some(f) = page.items.iter().find(|f| f.figure_index == n) {
            title = f.title.clone();
            break None;
        }
        if !page.has_more || page.items.is_empty() {
            break Some(page.total);
        }
        offset += page.items.len();
    };
    if let Some(total) = total {
        return Ok(Poll::Failed(format!(
            "has no figure {n}: Figure not found (Papermill found {total} figures in the document)"
        )));
    }
    match client.get_bytes(&format!("tasks/{id}/figures/{n}/download")) {
        Ok(reply) => Ok(Poll::Done(Image::bare(reply.body).noted(note::TITLE, title.as_deref()))),
        Err(e) if not_ready(&e) => Ok(Poll::Running { stage: Some("result not ready".into()) }),
        // A missing figure file is final for this task; not a reason to upload again.
        Err(HostedError::Download { status: 404, message }) => Ok(Poll::Failed(format!("figure {n}: {message}"))),
        Err(e) => Err(e),
    }
}

impl Service for Papermill {
    fn check(&self, client: &Client, _total: Cost) -> Result<Vec<String>, HostedError> {
        client.get_json("health")?;
        client.get_json("tasks?limit=1&offset=0")?;
        Ok(vec!["online".into(), "key accepted".into()])
    }
    fn version(&self) -> &'static str {
        VERSION
    }
    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Extract]
    }
    fn attrs(&self) -> &'static [&'static str] {
        figure::OWN_ATTRS
    }
    fn file_attrs(&self) -> &'static [&'static str] {
        &["pdf"]
    }
    fn prepare(&self, req: &mut Request) -> Result<(), ProviderError> {
        figure::figure_and_pdf(req).map(|_| ())
    }
    fn cost(&self, _req: &Request) -> Cost {
        Cost::new(0.0, SPEC.doc.cost_unit)
    }
    fn submit(&self, client: &Client, req: &Request, _drafts: &[String]) -> Result<Submitted, HostedError> {
        let (n, pdf) = figure::figure_and_pdf(req).map_err(|e| HostedError::Task(e.message))?;
        let id = self.task_for(client, pdf)?;
        Ok(Submitted::Task(format!("{id}#figure={n}")))
    }
    fn poll(&self, client: &Client, task: &str) -> Result<Poll, HostedError> {
        let (id, n) = task
            .split_once("#figure=")
            .and_then(|(id, n)| Some((id, n.parse::<u32>().ok()?)))
            .ok_or_else(|| HostedError::Malformed(format!("{}: journal entry `{task}` is not a task", client.name)))?;
        let v = client.get_json(&format!("tasks/{id}")).inspect_err(|e| {
            if e.status() == Some(404) {
                self.forget(id);
            }
        })?;
        let t: Task = serde_json::from_value(v).map_err(|e| malformed(client, "task", e))?;
        match t.status {
            Status::Pending | Status::Queued | Status::Processing => {
                Ok(Poll::Running { stage: Some(format!("{:?}", t.status).to_uppercase()) })
            }
            Status::Failed => {
                let why = t.error_message.clone().unwrap_or_else(|| "no reason given".into());
                Ok(Poll::Failed(format!("FAILED: {why}")))
            }
            Status::Done => figure(client, id, n),
        }
    }
    fn release(&self, client: &Client, tasks: &[Released]) -> Vec<String> {
        if self.keep_uploads {
            return Vec::new();
        }
        let id_of = |t: &Released| t.task.split_once("#figure=").map_or(t.task.clone(), |(id, _)| id.to_string());
        let mut all_stored: std::collections::BTreeMap<String, bool> = std::collections::BTreeMap::new();
        for t in tasks {
            *all_stored.entry(id_of(t)).or_insert(true) &= t.stored;
        }
        let mut warnings = Vec::new();
        for (id, _) in all_stored.into_iter().filter(|(_, stored)| *stored) {
            match delete(client, &id) {
                None => self.forget(&id),
                Some(why) => warnings.push(why),
            }
        }
        warnings
    }
}
