//! Hosted figure providers: services on the network that draw a figure from a request
//! (PaperBanana, AutoFigureEdit, ...), wrapped as ordinary `Provider`s so that caching,
//! the lockfile and error reporting work as for builtin figures.
//!
//! # Shape
//!
//! | file | what |
//! |---|---|
//! | `mod.rs` | `HostedProvider`: a configured service as a `Provider` (journal, client, polling) |
//! | `service.rs` | `Service` (one per API), `ServiceSpec` (its documented facts) |
//! | `services.rs` | `SERVICES`, the catalogue, and the check of `[providers.X]` tables against it |
//! | `config.rs` | `ProviderConfig`: a checked `[providers.X]` table |
//! | `http.rs` | `Client`: auth, rate limit, 429/5xx/connection retries, 402/403 stop, the figure's deadline, `HostedError` |
//! | `secrets.rs` | `Secrets`: every configured key, cut out of whatever a service sends |
//! | `limits.rs` | `RateLimiter`, `Semaphore`, `Backoff`, `StopSwitch`, `Deadline` |
//! | `journal.rs` | submitted task ids by figure key, for exactly-once submission |
//! | `webhook.rs` | task callbacks: a listener whose signed callbacks wake a task's poll (PaperBanana) |
//! | `drafts.rs` | `input=` drafts: read at plan time, put in the remote cache and presigned at submission |
//! | `cost.rs` | `Cost`, `Totals` (per unit) |
//! | `image.rs` | a service's PNG (or JPEG/WebP, decoded to PNG) → the requested SVG/PDF/PNG artifacts, within size limits |
//! | one file per service | `paperbanana.rs`, `autofigureedit.rs`, `banana/`, `papermill/` |
//!
//! Build policy (`--offline`, cost estimates, `--max-cost`, the account checks before a
//! batch) is not here: it is `crate::preflight`, which asks these providers questions.
//! The providers are built from `paperfig.toml` by `crate::plan::registry`.
//!
//! # Adding a service (the stable API)
//!
//! 1. Write `NAME.rs` with a `pub static SPEC: ServiceSpec` and a type implementing
//!    [`service::Service`]; add `mod NAME;` below and `&NAME::SPEC` to
//!    [`services::SERVICES`]. Nothing else changes: `[providers.X] type = "NAME"` is then
//!    checked (`services::parse`), built (`plan::registry`), run concurrently up to its
//!    limit (`run`), journaled and costed.
//! 2. [`service::ServiceSpec`] holds what the service's documentation says: default base URL,
//!    how the key is sent ([`http::Auth`]), how to read error bodies and what each status
//!    means ([`http::ErrorDoc`]), the per-key rate limit, default concurrency, the allowed
//!    poll cadence ([`service::Cadence`]), its cost unit, and the extra config keys it reads
//!    (`options`, checked by `check`).
//! 3. `Service::prepare` validates the directive at plan time and adds every effective
//!    option (defaults included) to `req.extra`, so it is in the key.
//!    `Service::submit` sends the request and returns `Submitted::Task` (an id to poll)
//!    or `Submitted::Done` (a synchronous API's image). `Service::poll` returns
//!    `Poll::Running` (with the remote stage, shown in progress lines), `Poll::Done`
//!    with PNG bytes, or `Poll::Failed`. `Service::cost` estimates one figure;
//!    `Service::preflight` may check an account balance before a batch;
//!    `Service::check` answers `status --check` with free requests only (online, key
//!    accepted, what the account has left);
//!    `Service::release` may delete, after a batch, what its stored figures no longer need
//!    on the account (returning warnings, never failing a figure).
//! 4. All requests go through the [`http::Client`] passed in (`get_json`, `post_json` for
//!    submissions, `get_bytes`, `send` with a [`http::Repeat`]): it already applies auth,
//!    the rate limit, retries (never resending a submission that may have arrived) and the
//!    402/403 stop; a service only maps answers to `Poll`/`Submitted` and turns wrong
//!    answers into [`http::HostedError`]s. The client handed to `submit` and `poll` is
//!    bounded by the figure's deadline ([`http::Client::bounded`]): a service that waits
//!    on its own before retrying uses `Client::pause_before_retry`, never a bare sleep.
//!
//! # Keys
//!
//! The key covers the provider name (`provider=`), the service version, the directive's
//! attributes and body, its files, the caption when the service draws from it, the
//! output size and formats, the contents of `input=` drafts in their order (not their paths,
//! and never the presigned URLs they are sent as, `drafts.rs`), and every effective service option (`Request::extra`:
//! `service`, model, resolution, iterations, ...). `base_url` is deliberately **not** in
//! the key: it says where the request goes, not what is asked, so moving between a proxy,
//! a mirror or a self-hosted deployment of the same service keeps the cache (and does not
//! pay again). The journal does record the base URL, since a task id is only valid on the
//! server that issued it. The API key and its variable's value are never in the key.

pub mod config;
pub mod cost;
pub mod drafts;
pub mod http;
pub mod image;
pub mod journal;
pub mod limits;
pub mod secrets;
pub mod service;
pub mod services;
pub mod webhook;

mod autofigureedit;
mod banana;
mod paperbanana;
mod papermill;
mod task;

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use super::{PrepareContext, Provider};
use crate::digest::Digest;
use crate::model::{Kind, Made, ProviderError, Request, note};
use config::ProviderConfig;
use cost::Cost;
use http::{Client, HostedError, Phase};
use journal::{Entry, Journal};
use limits::{Backoff, Deadline, RateLimiter, Semaphore, secs};
use secrets::Secrets;
use service::{Image, Service, ServiceSpec, Submitted};

/// Names of configured providers live as long as the process (`Provider::id` is
/// `&'static str`); each distinct name is stored once.
fn intern(name: &str) -> &'static str {
    static NAMES: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
    let mut names = NAMES.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(n) = names.iter().find(|n| **n == name) {
        return n;
    }
    let n: &'static str = Box::leak(name.to_string().into_boxed_str());
    names.push(n);
    n
}

/// The key of `req` without its `figure=`: names the images of one request to a service
/// with numbered outputs, whichever of them a figure shows.
fn base_key(req: &Request) -> Digest {
    let mut r = req.clone();
    r.attrs.remove("figure");
    crate::key::key_of(&r)
}

/// Reads an environment variable (the process's, or a fake in tests).
pub type EnvLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Tasks polled in a batch (figure key, task as journaled) and the keys stored since.
type Batch = (Vec<(Digest, String)>, std::collections::HashSet<Digest>);

/// A configured hosted provider.
pub struct HostedProvider {
    name: &'static str,
    pub config: ProviderConfig,
    pub spec: &'static ServiceSpec,
    service: Arc<dyn Service>,
    journal: Journal,
    env: EnvLookup,
    /// Every `api_key_env` of the project: their values are cut out of what services send.
    secret_vars: Vec<String>,
    client: OnceLock<Result<Client, ProviderError>>,
    permits: Semaphore,
    /// What `Service::release` gets at the end of the batch.
    batch: Mutex<Batch>,
    /// The listener for the service's task callbacks, once started (`None`: not configured,
    /// or it could not start and the figures are polled).
    callbacks: OnceLock<Option<Arc<webhook::Listener>>>,
    /// Warnings for the end of the batch (a webhook listener that could not start).
    notices: Mutex<Vec<String>>,
    /// Where `input=` drafts are published (the project's remote cache, if it can sign).
    drafts: Arc<drafts::DraftHost>,
    /// Whether the warning about draft URLs the real service cannot fetch was given.
    warned_drafts: std::sync::atomic::AtomicBool,
    /// Whether the notice about rejected callbacks was given.
    warned_callbacks: std::sync::atomic::AtomicBool,
    /// Delay before retries of 5xx and connection errors (tests shorten it).
    pub backoff: Backoff,
}

impl HostedProvider {
    /// `None` when `cfg.service` is unknown (config parsing rejects that earlier).
    pub fn new(cfg: &ProviderConfig, cache_dir: &std::path::Path, env: EnvLookup) -> Option<HostedProvider> {
        let spec = services::spec(&cfg.service)?;
        let concurrency = cfg.concurrency.unwrap_or(spec.doc.concurrency);
        Some(HostedProvider {
            name: intern(&cfg.name),
            config: cfg.clone(),
            spec,
            service: (spec.make)(cfg),
            journal: Journal::new(cache_dir, &cfg.name),
            env,
            secret_vars: Vec::new(),
            client: OnceLock::new(),
            permits: Semaphore::new(concurrency),
            batch: Mutex::default(),
            callbacks: OnceLock::new(),
            notices: Mutex::default(),
            drafts: Arc::new(drafts::DraftHost::new(None, &Default::default())),
            warned_drafts: Default::default(),
            warned_callbacks: Default::default(),
            backoff: Backoff {
                base: Duration::from_secs_f64(cfg.backoff_secs),
                cap: Backoff::DEFAULT.cap,
                retries: cfg.retries,
            },
        })
    }

    /// Names the variables of every configured secret (all providers' `api_key_env`), so
    /// that a service echoing any of them is redacted too; its own is always included.
    pub fn with_secret_vars(mut self, vars: Vec<String>) -> HostedProvider {
        self.secret_vars = vars;
        self
    }

    /// Publishes `input=` drafts through `host` (the project's remote cache).
    pub fn with_drafts(mut self, host: Arc<drafts::DraftHost>) -> HostedProvider {
        self.drafts = host;
        self
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Figures of this provider in flight at once.
    pub fn concurrency(&self) -> usize {
        self.config.concurrency.unwrap_or(self.spec.doc.concurrency).max(1)
    }

    /// Requests per minute the client allows itself (`None` = no limit).
    pub fn rate_limit(&self) -> Option<u32> {
        self.config.rate_limit.or(self.spec.doc.rate_per_min)
    }

    /// How long one figure may take, all waits included (`timeout`).
    pub fn timeout(&self) -> Duration {
        Duration::from_secs_f64(self.config.timeout_secs)
    }

    /// Time between polls of one task: `webhook_poll` while callbacks are expected, else
    /// the configured or documented cadence.
    pub fn poll_interval(&self) -> Duration {
        match self.service.webhook() {
            Some(w) if self.callbacks.get().is_none_or(Option::is_some) => w.poll,
            _ => self.documented_poll_interval(),
        }
    }

    /// The configured or documented cadence (`poll_interval`).
    fn documented_poll_interval(&self) -> Duration {
        Duration::from_secs_f64(self.config.poll_interval.unwrap_or(self.spec.doc.poll.default_secs))
    }

    /// The unit its costs are counted in (`credits`).
    pub fn cost_unit(&self) -> &'static str {
        self.spec.doc.cost_unit
    }

    /// The estimated cost of one figure.
    pub fn cost(&self, req: &Request) -> Cost {
        self.service.cost(req)
    }

    /// The task already submitted for `key` on this base URL, if a build was interrupted.
    pub fn in_flight(&self, key: &Digest) -> Option<Entry> {
        self.journal.get(key, &self.config.base_url)
    }

    /// Where this provider journals its tasks.
    pub fn journal_dir(&self) -> &std::path::Path {
        self.journal.dir()
    }

    /// The figure of `key` is stored: forget its task.
    pub fn finished(&self, key: &Digest) {
        self.journal.remove(key);
        self.batch.lock().unwrap_or_else(|p| p.into_inner()).1.insert(*key);
    }

    /// Ends a batch: hands the service every task polled since the last batch and whether
    /// its figure was stored (`Service::release`, which may delete what the figures no
    /// longer need), within the provider's `timeout`. Returns the service's warnings,
    /// redacted; nothing is sent when no task was polled.
    pub fn end_batch(&self) -> Vec<String> {
        let (polled, stored) = std::mem::take(&mut *self.batch.lock().unwrap_or_else(|p| p.into_inner()));
        let notices = std::mem::take(&mut *self.notices.lock().unwrap_or_else(|p| p.into_inner()));
        if polled.is_empty() {
            return notices;
        }
        let tasks: Vec<service::Released> =
            polled.into_iter().map(|(key, task)| service::Released { task, stored: stored.contains(&key) }).collect();
        let Ok(client) = self.client() else { return notices };
        let bounded = client.bounded(Deadline::after(self.timeout()), Phase::Releasing);
        notices
            .into_iter()
            .chain(self.service.release(&bounded, &tasks).into_iter().map(|w| client.redact(&w)))
            .collect()
    }

    /// The listener for task callbacks, started on first use when the service is configured
    /// for them (`webhook_*`); `None` when it is not, or when the secret's variable is unset
    /// or the address cannot be listened on (a warning says so, and the figures are polled).
    fn callbacks(&self) -> Option<&Arc<webhook::Listener>> {
        self.callbacks
            .get_or_init(|| {
                let cfg = self.service.webhook()?;
                let poll = secs(self.documented_poll_interval());
                let secret = (self.env)(&cfg.secret_env).map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
                let started = match secret {
                    None => Err(format!("webhook_secret_env names {}, which is not set", cfg.secret_env)),
                    Some(secret) => webhook::listener(&cfg.listen, secret.as_bytes()).map_err(|e| e.to_string()),
                };
                started
                    .map_err(|why| {
                        let notice = format!("{}: {why}; its figures are polled every {poll} instead", self.name);
                        self.notices.lock().unwrap_or_else(|p| p.into_inner()).push(notice);
                    })
                    .ok()
            })
            .as_ref()
    }

    /// The client, built on first use; fails when the key's variable is unset.
    pub fn client(&self) -> Result<&Client, ProviderError> {
        self.client
            .get_or_init(|| {
                let var = &self.config.api_key_env;
                let key = (self.env)(var).filter(|k| !k.trim().is_empty()).ok_or_else(|| {
                    ProviderError::new(format!(
                        "provider `{}` needs an API key in the environment variable {var}, which is not set",
                        self.name
                    ))
                    .hint(format!("export {var}=… before running paperfig (keys never go in paperfig.toml)"))
                })?;
                let vars = std::iter::once(var).chain(&self.secret_vars).map(String::as_str);
                Client::new(
                    self.name,
                    &self.config.base_url,
                    key.trim().to_string(),
                    Secrets::new(vars, &*self.env),
                    self.spec.doc.auth,
                    self.spec.doc.errors,
                    RateLimiter::per_minute(self.rate_limit()),
                    self.backoff,
                    Duration::from_secs(120),
                )
                .map_err(|e| ProviderError::new(e.to_string()).hint("check the machine's TLS certificates"))
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// `paperfig status --check`: what the service says with requests that cost nothing
    /// (online, key accepted, credits against `total`), within the provider's `timeout`; the
    /// error is why a build would fail (the key's variable unset, the service down, the key
    /// refused, too few credits).
    /// Bounded by 15 s or the provider's `timeout` if shorter: a service that is down is
    /// reported while retries would still be waiting.
    pub fn check(&self, total: Cost) -> Result<Vec<String>, ProviderError> {
        let bound = self.timeout().min(Duration::from_secs(15));
        let client = self.client()?.bounded(Deadline::after(bound), Phase::Checking);
        self.service.check(&client, total).map_err(|e| self.error(e))
    }

    /// Before a build submits a batch costing `total`: the same requests as [`check`]
    /// (the service answers, takes the key, has the credits), so that a wrong key or a
    /// service that is down stops the batch before anything is paid for.
    ///
    /// [`check`]: HostedProvider::check
    pub fn preflight(&self, total: Cost) -> Result<(), ProviderError> {
        self.check(total).map(|_| ())
    }

    /// Makes one figure: resumes the journaled task of `key` or submits, records the task
    /// id before polling, polls at the configured cadence (reporting remote stages through
    /// `on_stage`) and converts the image to the requested formats. Everything from here
    /// on, waits and requests, ends by one deadline, `timeout` from now (`Client::bounded`);
    /// a task submitted by then stays in the journal and the next build resumes it.
    ///
    /// A submission is claimed first (`Journal::claim`), so concurrent builds submit a
    /// figure once: a build that waited for the claim finds the other's task in the journal
    /// and polls it, or, when the other build already stored the figure and forgot its task,
    /// takes the outputs from `stored`. A figure whose request differs from an earlier one
    /// only in `figure=` is made from that task's images, read from the store by `object`,
    /// without asking the service.
    pub fn make(
        &self,
        req: &Request,
        key: &Digest,
        stored: &dyn Fn() -> Option<Made>,
        object: &dyn Fn(&Digest) -> Option<Vec<u8>>,
        on_stage: &dyn Fn(&str),
    ) -> Result<Made, ProviderError> {
        let _permit = self.permits.acquire();
        let client = self.client()?;
        let mut resumed = self.in_flight(key);
        // A stopped provider submits nothing, but a task it already accepted is polled.
        if let Some(why) = client.stop.stopped().filter(|_| resumed.is_none()) {
            return Err(ProviderError::new(why).hint(self.stop_hint()));
        }
        let deadline = Deadline::after(self.timeout());
        // Whether a callback said the task ended (then polls go at the documented cadence).
        let mut woken = false;
        loop {
            let was_resumed = resumed.is_some();
            let task = match resumed.take() {
                Some(entry) => {
                    on_stage(&format!("resuming task {}", entry.task_id));
                    entry.task_id
                }
                None => {
                    let claim = self.claim(key, deadline, on_stage)?;
                    if let Some(entry) = self.in_flight(key) {
                        drop(claim);
                        resumed = Some(entry);
                        continue;
                    }
                    if let Some(made) = stored() {
                        return Ok(made);
                    }
                    if let Some(made) = self.made_from_siblings(req, object) {
                        return made;
                    }
                    // Drafts go up before anything is paid for; a failure fails this figure only.
                    let (drafts, notice) = drafts::publish_all(
                        &self.drafts,
                        self.name,
                        client,
                        req,
                        deadline.left(),
                        &self.warned_drafts,
                    )?;
                    self.notices.lock().unwrap_or_else(|p| p.into_inner()).extend(notice);
                    // Listening before the service is told where to call.
                    self.callbacks();
                    let submitting = client.bounded(deadline, Phase::Submitting);
                    let id = match self.service.submit(&submitting, req, &drafts).map_err(|e| self.error(e))? {
                        Submitted::Done(image) => return self.finish(req, image),
                        Submitted::Task(id) => id,
                    };
                    self.record(key, &id)?;
                    drop(claim);
                    on_stage("submitted");
                    self.pause_between_polls(&id, &deadline, &mut woken).map_err(|e| self.error(e))?;
                    id
                }
            };
            self.batch.lock().unwrap_or_else(|p| p.into_inner()).0.push((*key, task.clone()));
            match self.wait(&client.bounded(deadline, Phase::Polling), &task, &deadline, on_stage, &mut woken) {
                Ok(image) => return self.finish(req, image),
                // A resumed task the server no longer knows: submit afresh, once.
                Err(HostedError::Status { status: 404, .. }) if was_resumed => {
                    self.journal.remove(key);
                }
                Err(e @ HostedError::Task(_)) => {
                    self.journal.remove(key);
                    return Err(self.error(e));
                }
                Err(e) => return Err(self.error(e)),
            }
        }
    }

    /// A finished image as the requested outputs, with the service's notes and the estimate.
    /// Of several images, `figure=N` picks one (the first without it); all are kept as they
    /// came, and recorded for the request without its `figure=` so that another number is
    /// made from them without asking the service again ([`HostedProvider::made_from_siblings`]).
    fn finish(&self, req: &Request, mut image: Image) -> Result<Made, ProviderError> {
        let mut notes = std::mem::take(&mut image.notes);
        let all = image.all();
        if all.len() > 1 && self.service.numbered_outputs() {
            let digests: Vec<Digest> = all.iter().map(|b| Digest::of(b)).collect();
            self.journal.record_images(&base_key(req), &digests);
        }
        let n = if self.service.numbered_outputs() { service::figure_number(req)?.unwrap_or(1) } else { 1 };
        if n > all.len() {
            let k = all.len();
            return Err(ProviderError::new(format!(
                "figure={n}, but {} returned {k} image{} for this figure",
                self.name,
                if k == 1 { "" } else { "s" }
            ))
            .at_attr("figure")
            .hint(format!("pick one of the images with figure=1 to figure={k}")));
        }
        let artifacts = image::artifacts(&all[n - 1], &req.output, self.name)?;
        notes.insert(note::COST_ESTIMATE.into(), self.cost(req).to_string());
        let images = if all.len() > 1 { all } else { Vec::new() };
        Ok(Made { artifacts, notes, images })
    }

    /// The figure made from the images an earlier task returned for the same request with
    /// another `figure=`, when they are all still in the store (`object`): nothing is sent.
    fn made_from_siblings(
        &self,
        req: &Request,
        object: &dyn Fn(&Digest) -> Option<Vec<u8>>,
    ) -> Option<Result<Made, ProviderError>> {
        if !self.service.numbered_outputs() {
            return None;
        }
        let digests = self.journal.images(&base_key(req))?;
        // The store checks each object against its digest as it reads it.
        let all = digests.iter().map(object).collect::<Option<Vec<_>>>()?;
        let mut made = self.finish(req, Image::several(all));
        if let Ok(m) = &mut made {
            m.notes.insert(note::COST_ESTIMATE.into(), Cost::new(0.0, self.cost_unit()).to_string());
        }
        Some(made)
    }

    /// Whether `req` would be made from the images an earlier task of the same request
    /// returned ([`HostedProvider::made_from_siblings`]): they are recorded and each is in
    /// the store (`has`). Nothing is read or sent.
    pub fn from_kept(&self, req: &Request, has: &dyn Fn(&Digest) -> bool) -> bool {
        self.service.numbered_outputs() && self.journal.images(&base_key(req)).is_some_and(|d| d.iter().all(has))
    }

    fn stop_hint(&self) -> String {
        format!("check the account of the key in {}; nothing more was submitted", self.config.api_key_env)
    }

    /// A `HostedError` as the user reads it.
    fn error(&self, e: HostedError) -> ProviderError {
        let hint = match &e {
            HostedError::Stop { .. } => self.stop_hint(),
            HostedError::Status { status: 401, .. } => {
                format!("check the key in the environment variable {}", self.config.api_key_env)
            }
            HostedError::Status { status, .. } if *status >= 500 => {
                "the service kept failing after retries; run gen again later".to_string()
            }
            HostedError::Network(_) => format!("check the network and base_url = \"{}\"", self.config.base_url),
            HostedError::Lost(_) => format!(
                "check {}'s dashboard for the task before running gen again: a new build submits it again",
                self.name
            ),
            HostedError::Malformed(_) => "the service answered something paperfig cannot read; try again later".into(),
            HostedError::Timeout(_) => format!(
                "raise `timeout` in [providers.{}] (now {} s), or run gen again later",
                self.name, self.config.timeout_secs
            ),
            HostedError::Task(_) => "the service could not draw this figure; rephrase the request or try again".into(),
            HostedError::Download { .. } => {
                "the task finished but its image could not be fetched; run gen again to fetch it (the task is kept, \
                 not submitted again)"
                    .into()
            }
            HostedError::Status { .. } => "fix the directive's attributes or body".into(),
        };
        let client_redact = |m: String| match self.client.get() {
            Some(Ok(c)) => c.redact(&m),
            _ => m,
        };
        ProviderError::new(client_redact(e.to_string())).hint(hint)
    }
}

impl Provider for HostedProvider {
    fn id(&self) -> &'static str {
        self.name
    }
    fn version(&self) -> &'static str {
        self.service.version()
    }
    fn kinds(&self) -> &'static [Kind] {
        self.service.kinds()
    }
    fn attrs(&self, _kind: Kind) -> &'static [&'static str] {
        self.service.attrs()
    }
    fn file_attrs(&self) -> &'static [&'static str] {
        self.service.file_attrs()
    }
    fn uses_caption(&self) -> bool {
        self.service.uses_caption()
    }
    fn figure_attr(&self) -> Option<&'static str> {
        self.service.draft_attr() // drafts may be other figures' outputs
    }
    fn reads_files_to_prepare(&self) -> bool {
        true // services check their inputs before anything is paid for
    }
    fn prepare(&self, req: &mut Request, ctx: &PrepareContext<'_>) -> Result<(), ProviderError> {
        req.extra.insert("service".into(), self.config.service.clone());
        if let Some(attr) = self.service.draft_attr() {
            drafts::read(req, ctx, attr, &self.drafts)?;
        }
        if self.service.numbered_outputs() {
            service::figure_number(req)?;
        }
        self.service.prepare(req)
    }
    fn generate(&self, req: &Request, key: &Digest) -> Result<Vec<crate::model::Artifact>, ProviderError> {
        self.make(req, key, &|| None, &|_| None, &|_| {}).map(|m| m.artifacts)
    }
}
