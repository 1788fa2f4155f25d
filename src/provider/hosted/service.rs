//! What a hosted service is to paperfig: the [`Service`] trait (one implementation per API,
//! one file each) and its [`ServiceSpec`], the facts its documentation fixes.

use std::sync::Arc;

use super::config::ProviderConfig;
use super::cost::Cost;
use super::http::{Auth, Client, ErrorDoc, HostedError};
use crate::model::{Kind, Notes, ProviderError, Request};

/// How often a service may be polled, in seconds, from its documentation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cadence {
    pub min_secs: f64,
    pub max_secs: f64,
    pub default_secs: f64,
}

/// What a service's documentation fixes about talking to it.
#[derive(Clone, Copy)]
pub struct Documented {
    pub auth: Auth,
    pub errors: ErrorDoc,
    /// Requests per minute per key; `None` = the documentation states no limit.
    pub rate_per_min: Option<u32>,
    /// Figures in flight per provider unless configured.
    pub concurrency: usize,
    pub poll: Cadence,
    /// Plural cost unit (`credits`).
    pub cost_unit: &'static str,
}

/// A problem in a service's own config keys: (key, message, hint).
pub type OptionError = (&'static str, String, &'static str);

/// A service type, as `[providers.X] type = "…"` names it.
pub struct ServiceSpec {
    pub service: &'static str,
    pub default_base_url: &'static str,
    pub doc: Documented,
    /// Extra keys of `[providers.X]` the service reads.
    pub options: &'static [&'static str],
    /// Checks those keys at config time.
    pub check: fn(&ProviderConfig) -> Result<(), OptionError>,
    /// Builds the service from a checked config.
    pub make: fn(&ProviderConfig) -> Arc<dyn Service>,
}

/// A finished image and what the service said about it.
#[derive(Debug, Default)]
pub struct Image {
    /// The image file as the service sent it (PNG, JPEG or WebP).
    pub bytes: Vec<u8>,
    /// The task's other images, in the service's order (`figure=N` picks among them all).
    pub more: Vec<Vec<u8>>,
    /// The service's title, description, charge (`model::note`).
    pub notes: Notes,
}

impl Image {
    /// An image the service said nothing about.
    pub fn bare(bytes: Vec<u8>) -> Image {
        Image { bytes, more: Vec::new(), notes: Notes::new() }
    }

    /// Every image of a task, in the service's order (the first is `bytes`).
    pub fn several(mut all: Vec<Vec<u8>>) -> Image {
        let bytes = if all.is_empty() { Vec::new() } else { all.remove(0) };
        Image { bytes, more: all, notes: Notes::new() }
    }

    /// Every image, the first one first.
    pub fn all(self) -> Vec<Vec<u8>> {
        std::iter::once(self.bytes).chain(self.more).collect()
    }

    /// The image with one more note, when the service gave one (blank text is no note).
    pub fn noted(mut self, name: &str, text: Option<&str>) -> Image {
        if let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) {
            self.notes.insert(name.to_string(), t.to_string());
        }
        self
    }
}

/// What a submission returned.
#[derive(Debug)]
pub enum Submitted {
    /// A task id to poll.
    Task(String),
    /// The finished image right away (synchronous APIs).
    Done(Image),
}

/// What a poll found.
#[derive(Debug)]
pub enum Poll {
    /// Still queued or running; `stage` is the service's name for the current step, if it
    /// tells (AutoFigureEdit's `current_stage`).
    Running { stage: Option<String> },
    /// Finished: the image.
    Done(Image),
    /// Failed or canceled at the service; the message says which and why.
    Failed(String),
}

/// One hosted API.
pub trait Service: Send + Sync {
    /// Version of this client; part of every key (bump when the same directive would be
    /// sent differently).
    fn version(&self) -> &'static str;
    fn kinds(&self) -> &'static [Kind];
    /// Attributes the service reads (see `Provider::attrs`).
    fn attrs(&self) -> &'static [&'static str];
    fn file_attrs(&self) -> &'static [&'static str] {
        &["data"]
    }
    fn uses_caption(&self) -> bool {
        false
    }
    /// Whether a task may finish with several images, of which `figure=N` picks one (the
    /// service lists `figure` in its `attrs`; `HostedProvider` checks and applies it).
    fn numbered_outputs(&self) -> bool {
        false
    }
    /// Where the service calls back when a task ends (`webhook_*` in its config), if it can
    /// and is configured to; the callback only wakes the poll of its task.
    fn webhook(&self) -> Option<&super::webhook::WebhookConfig> {
        None
    }
    /// The attribute listing local draft images the service fetches by URL (`input`), if it
    /// takes any: `HostedProvider` reads them at plan time into `req.files` (`drafts.rs`)
    /// and hands `submit` their presigned URLs.
    fn draft_attr(&self) -> Option<&'static str> {
        None
    }
    /// Validates the request and adds effective options to `req.extra` (for the key).
    fn prepare(&self, req: &mut Request) -> Result<(), ProviderError>;
    /// The estimated cost of making `req`.
    fn cost(&self, req: &Request) -> Cost;
    /// What `paperfig status --check`, and every build before it submits a batch, learns with requests that cost nothing: that the
    /// service answers, that it takes the key, and what the account has left against
    /// `total`, the estimated cost of what a build would submit. Each finding is a short
    /// phrase; anything that would make the build fail is the error.
    fn check(&self, client: &Client, total: Cost) -> Result<Vec<String>, HostedError>;
    /// Sends the request. `drafts` are the presigned URLs of the request's drafts
    /// (`draft_attr`), in order; they are credentials, never to be put in an error.
    fn submit(&self, client: &Client, req: &Request, drafts: &[String]) -> Result<Submitted, HostedError>;
    fn poll(&self, client: &Client, task: &str) -> Result<Poll, HostedError>;
    /// Called once after a batch with every task this process polled, as journaled, and
    /// whether its figure is now in the store. A service that keeps something on the
    /// account per task (Papermill's uploaded PDFs) may delete it here; each failure is
    /// returned as a warning, never a failed figure.
    fn release(&self, _client: &Client, _tasks: &[Released]) -> Vec<String> {
        Vec::new()
    }
}

/// `figure=N` of a service with numbered outputs: a whole number from 1 (`None` if absent).
pub fn figure_number(req: &Request) -> Result<Option<usize>, ProviderError> {
    let Some(raw) = req.attr("figure") else { return Ok(None) };
    match raw.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(Some(n)),
        _ => Err(ProviderError::new(format!("figure `{raw}` is not a whole number from 1"))
            .at_attr("figure")
            .hint("figure=N picks the Nth image the service returns; without it, the first")),
    }
}

/// A task polled in a batch, as [`Service::release`] gets it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Released {
    /// The task as journaled (`Submitted::Task`).
    pub task: String,
    /// Whether the figure made from it is in the store.
    pub stored: bool,
}
