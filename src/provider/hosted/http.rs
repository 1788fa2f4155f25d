//! The one HTTP client every hosted service goes through: blocking (reqwest's blocking
//! client, the HTTP stack the remote cache's `object_store` already brings), authenticated
//! with the key from the environment, inside the provider's rate limit, retrying what may
//! be retried and stopping the provider's submissions on 402/403.
//!
//! Policy, in order, for every request:
//! 1. a provider stopped by an earlier 402/403 submits nothing more; polls and downloads
//!    of tasks it already accepted (and may have billed) go on, since quotas and credits
//!    are documented as applying to submissions;
//! 2. the rate limiter admits the request (sliding window, see `limits`);
//! 3. 429: wait `Retry-After` (seconds or an HTTP date; backoff if absent), pause the whole
//!    provider for that long, retry (up to `MAX_429` times);
//! 4. 5xx or a connection error: retry after capped exponential backoff with jitter, up to
//!    `Backoff::retries` times, except a connection error of a [`Repeat::Submission`] that
//!    may have reached the service (see below);
//! 5. 402/403: stop the provider's submissions (every later new figure fails at once) and
//!    fail;
//! 6. any other status ≥ 400: fail with the service's own error text.
//!
//! A download ([`Client::get_bytes`]) that fails with a status is a [`HostedError::Download`]:
//! the image may live on another host (a storage bucket whose link expired), so its 403 is
//! not the service refusing the key, and its 404 is not the service forgetting the task.
//!
//! A figure's requests go through [`Client::bounded`], which carries the figure's
//! [`Deadline`] (`timeout` in `[providers.X]`): each exchange gets the time left as its own
//! timeout (connecting to the last byte of the answer), and every wait (the rate limiter,
//! a `Retry-After` pause, backoff before a retry) must end by the deadline. A wait that would
//! not is not begun: the request fails at once with [`HostedError::Timeout`], saying what
//! asked for the wait and how much time was left. A request without an answer when the
//! deadline comes fails with the step it was in (submitting, polling, downloading), and a
//! submission's unanswered request is [`HostedError::Lost`] like any other that may have
//! arrived (below). Requests outside a figure have only the client's own timeout.
//!
//! Every request says whether sending it twice is harmless ([`Repeat`]). A connection error
//! is classified by how far the exchange got ([`may_have_arrived`]): a connection that
//! could not be made (refused, unknown host, no route, connect timeout, failed TLS
//! handshake) certainly sent nothing, so any request is retried; a reset or dropped
//! connection, a protocol error, or a timeout while sending or waiting for the answer may
//! come after the service received the request.
//! A submission is then not sent again (that could start, and bill, the work twice): it
//! fails with [`HostedError::Lost`], and the service either finds the task another way
//! (Papermill lists tasks by name) or fails the figure with that message.
//!
//! 5xx answers are retried for submissions too: the service answered, and no service doc
//! says a 5xx may have queued work (Papermill's 500 is "Failed to enqueue task"; the others
//! document 500/503 as internal errors or outages).
//!
//! The key never leaves this file except in the `Authorization` header or the query
//! parameter the service documents: URLs are never printed, and every answer has every
//! configured secret cut out as it arrives (`Secrets::redact_body` in `once`), before any
//! part of it is read; markers are put back only in URLs to the base URL's own origin.

use std::sync::Arc;
use std::time::Duration;

use super::limits::{Backoff, Deadline, Held, RateLimiter, StopSwitch, secs};
use super::secrets::Secrets;

/// How a service takes its key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// `Authorization: Bearer KEY`.
    Bearer,
    /// `?NAME=KEY` on every request URL.
    Query(&'static str),
    /// Both: a service whose document shows the key in the query in every example but
    /// names the `Authorization: Bearer` header as its authentication.
    QueryAndBearer(&'static str),
}

impl Auth {
    fn query(self) -> Option<&'static str> {
        match self {
            Auth::Query(name) | Auth::QueryAndBearer(name) => Some(name),
            Auth::Bearer => None,
        }
    }

    fn bearer(self) -> bool {
        matches!(self, Auth::Bearer | Auth::QueryAndBearer(_))
    }
}

/// A request body.
pub enum Body<'a> {
    Empty,
    /// Serialized with `serde_json`; sent with `Content-Type: application/json` and a
    /// `Content-Length`.
    Json(&'a serde_json::Value),
    /// Raw bytes with their content type (multipart forms are built by the caller).
    Bytes {
        content_type: &'a str,
        bytes: &'a [u8],
    },
}

/// Whether sending a request twice is harmless; decides its retries after a connection error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Repeat {
    /// Reads and status checks: retried after any connection error.
    Idempotent,
    /// Starts (and may bill) work: retried only when the request certainly did not reach
    /// the service; otherwise the call fails with [`HostedError::Lost`].
    Submission,
}

/// What a figure's requests are doing, for the message when its time runs out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Checking the account before a batch (`Service::preflight`).
    Checking,
    /// Sending the work (and anything a service does to find an earlier submission).
    Submitting,
    /// Asking how the task is doing.
    Polling,
    /// Fetching the finished image ([`Client::get_bytes`]).
    Downloading,
    /// Deleting what finished figures no longer need (`Service::release`).
    Releasing,
}

impl Phase {
    fn doing(self) -> &'static str {
        match self {
            Phase::Checking => "checking the account",
            Phase::Submitting => "submitting",
            Phase::Polling => "polling",
            Phase::Downloading => "downloading the image",
            Phase::Releasing => "deleting finished tasks",
        }
    }
}

/// A response that passed the status policy (2xx or 3xx).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    /// The `Retry-After` header, if any.
    pub retry_after: Option<String>,
    pub body: Vec<u8>,
}

impl Reply {
    /// The body as JSON.
    pub fn json(&self) -> Result<serde_json::Value, HostedError> {
        serde_json::from_slice(&self.body).map_err(|e| HostedError::Malformed(format!("the answer is not JSON ({e})")))
    }
}

/// Retries on 429 before giving up.
pub const MAX_429: u32 = 20;
/// Largest answer read (images included).
const MAX_BODY: u64 = 64 * 1024 * 1024;

/// A configured, authenticated client for one provider. Clones share the rate limiter, the
/// stop switch and the connection pool.
#[derive(Clone)]
pub struct Client {
    /// The provider's name in `paperfig.toml`, for messages.
    pub name: String,
    /// Without a trailing slash.
    pub base_url: String,
    key: String,
    /// Every configured secret, this key's value included.
    secrets: Secrets,
    auth: Auth,
    errors: ErrorDoc,
    agent: reqwest::blocking::Client,
    pub limiter: Arc<RateLimiter>,
    pub backoff: Backoff,
    pub stop: Arc<StopSwitch>,
    /// The deadline of the figure these requests are for, and what they are doing.
    bound: Option<(Deadline, Phase)>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("name", &self.name).field("base_url", &self.base_url).finish_non_exhaustive()
    }
}

impl Client {
    /// `key` is the value of the configured environment variable; `secrets` are every
    /// configured secret, cut out of the answers (the key is always among them). `timeout` bounds each
    /// exchange of a client not [`bounded`](Client::bounded) by a figure's deadline, from
    /// connecting to the last byte of the answer; connecting alone may take 10 s. Fails only
    /// when the HTTP stack cannot start (no TLS roots, no thread).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        name: &str,
        base_url: &str,
        key: String,
        secrets: Secrets,
        auth: Auth,
        errors: ErrorDoc,
        limiter: RateLimiter,
        backoff: Backoff,
        timeout: Duration,
    ) -> Result<Client, HostedError> {
        let agent = reqwest::blocking::Client::builder()
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::limited(5))
            .user_agent(concat!("paperfig/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                HostedError::Network(format!("{name}: cannot start the HTTP client ({})", describe_net(&e)))
            })?;
        Ok(Client {
            name: name.to_string(),
            base_url: base_url.trim_end_matches('/').to_string(),
            secrets: secrets.with(&key),
            key,
            auth,
            errors,
            agent,
            limiter: Arc::new(limiter),
            backoff,
            stop: Arc::default(),
            bound: None,
        })
    }

    /// This client for the requests of one figure (or one account check): every wait ends
    /// at `deadline` (see the module docs), and a request that runs out of time says it was
    /// in `phase`.
    pub fn bounded(&self, deadline: Deadline, phase: Phase) -> Client {
        Client { bound: Some((deadline, phase)), ..self.clone() }
    }

    /// Sleeps the backoff delay before retry `attempt` (0-based) and returns true, or
    /// returns false at once when the delay would end after the deadline.
    pub fn pause_before_retry(&self, attempt: u32) -> bool {
        let delay = self.backoff.delay(attempt);
        if self.bound.is_some_and(|(d, _)| !d.allows(delay)) {
            return false;
        }
        std::thread::sleep(delay);
        true
    }

    /// Keeps a credential paperfig made for this provider's requests (a presigned URL) out of
    /// everything redacted from now on, by every clone of this client (`Secrets::issue`).
    pub fn issue_secret(&self, signed_url: &str) {
        self.secrets.issue(signed_url);
    }

    /// Removes every configured secret from a text (answers are redacted as they arrive;
    /// this is for texts put together from other parts).
    pub fn redact(&self, text: &str) -> String {
        self.secrets.redact(text)
    }

    /// `GET path` → JSON. Idempotent, so an unreadable answer is retried like a 5xx.
    pub fn get_json(&self, path: &str) -> Result<serde_json::Value, HostedError> {
        let mut attempt = 0;
        loop {
            let reply = self.send("GET", path, Body::Empty, Repeat::Idempotent)?;
            match reply.json() {
                Ok(v) => return Ok(v),
                Err(e) => {
                    if attempt >= self.backoff.retries || !self.pause_before_retry(attempt) {
                        return Err(self.malformed(e));
                    }
                    attempt += 1;
                }
            }
        }
    }

    /// `POST path` submitting work, with a JSON body → JSON. Never sent again once it may
    /// have reached the service ([`Repeat::Submission`]), and an unreadable 2xx answer is an
    /// error, not a reason to submit twice.
    pub fn post_json(&self, path: &str, body: &serde_json::Value) -> Result<serde_json::Value, HostedError> {
        let reply = self.send("POST", path, Body::Json(body), Repeat::Submission)?;
        reply.json().map_err(|e| self.malformed(e))
    }

    /// `GET` of raw bytes (an image). `url` is a path under the base URL or an absolute
    /// URL; the key is sent only to the base URL's own origin, never to other hosts.
    pub fn get_bytes(&self, url: &str) -> Result<Reply, HostedError> {
        self.send_in(Phase::Downloading, "GET", url, Body::Empty, Repeat::Idempotent)
    }

    fn malformed(&self, e: HostedError) -> HostedError {
        HostedError::Malformed(format!("{}: {e}", self.name))
    }

    /// One logical request with the whole retry policy (see the module docs).
    pub fn send(&self, method: &str, url: &str, body: Body<'_>, repeat: Repeat) -> Result<Reply, HostedError> {
        let phase = self.bound.map_or(Phase::Polling, |(_, phase)| phase);
        self.send_in(phase, method, url, body, repeat)
    }

    /// `send`, naming `phase` if the figure's time runs out.
    fn send_in(
        &self,
        phase: Phase,
        method: &str,
        url: &str,
        body: Body<'_>,
        repeat: Repeat,
    ) -> Result<Reply, HostedError> {
        let (full, authed) = self.url(url);
        // A task id the service built from the key comes back to that service whole.
        let full = if authed { self.secrets.reveal(&full) } else { full };
        let deadline = self.bound.map(|(d, _)| d);
        // The deadline that a wait of `wait` from now would carry past, if any.
        let past = |wait: Duration| deadline.filter(|d| !d.allows(wait));
        let mut retries_5xx = 0u32;
        let mut retries_429 = 0u32;
        loop {
            if let Some(why) = self.stop.stopped().filter(|_| repeat == Repeat::Submission) {
                return Err(HostedError::Stop { status: 0, message: why });
            }
            self.limiter.acquire(deadline.as_ref()).map_err(|held| self.held(held, deadline))?;
            let timeout = deadline.map(|d| d.left());
            if let (Some(d), Some(Duration::ZERO)) = (deadline, timeout) {
                return Err(HostedError::Timeout(format!(
                    "{}: {}, so the next request ({}) was not sent",
                    self.name,
                    d.describe(),
                    phase.doing()
                )));
            }
            let wait = match self.once(method, &full, authed, &body, timeout) {
                Ok(reply) if reply.status < 400 => return Ok(reply),
                Ok(reply) if reply.status == 429 => {
                    if retries_429 >= MAX_429 {
                        return Err(self.status_error(&reply, phase, authed));
                    }
                    let asked = reply_retry_after(&reply);
                    let wait = asked.unwrap_or_else(|| self.backoff.delay(retries_429));
                    retries_429 += 1;
                    self.limiter.pause(wait);
                    if let Some(d) = past(wait) {
                        let what = match asked {
                            Some(_) => format!("asked to wait {} (Retry-After)", secs(wait)),
                            None => format!("answered 429 Too Many Requests; the retry would come in {}", secs(wait)),
                        };
                        return Err(HostedError::Timeout(format!("{} {what} but {}", self.name, d.describe())));
                    }
                    wait
                }
                Ok(reply) if reply.status >= 500 => {
                    if retries_5xx >= self.backoff.retries {
                        return Err(self.status_error(&reply, phase, authed));
                    }
                    let delay = self.backoff.delay(retries_5xx);
                    if let Some(d) = past(delay) {
                        return Err(no_time_to_retry(self.status_error(&reply, phase, authed), &d));
                    }
                    retries_5xx += 1;
                    delay
                }
                Ok(reply) => {
                    let err = self.status_error(&reply, phase, authed);
                    if let HostedError::Stop { message, .. } = &err {
                        self.stop.stop(message);
                    }
                    return Err(err);
                }
                Err(net) if repeat == Repeat::Submission && net.may_have_arrived => {
                    let what = match deadline.filter(|d| d.left().is_zero()) {
                        Some(d) => self.no_answer(phase, &d),
                        None => format!("the connection failed after the submission was sent ({})", net.text),
                    };
                    return Err(HostedError::Lost(format!(
                        "{}: {what}; the service may have accepted it, so it was not sent again to avoid paying twice",
                        self.name
                    )));
                }
                Err(net) => {
                    if let Some(d) = deadline.filter(|d| d.left().is_zero()) {
                        return Err(HostedError::Timeout(format!("{}: {}", self.name, self.no_answer(phase, &d))));
                    }
                    let failed = || {
                        HostedError::Network(format!(
                            "{}: cannot reach the service after {} attempts: {}",
                            self.name,
                            retries_5xx + 1,
                            net.text
                        ))
                    };
                    if retries_5xx >= self.backoff.retries {
                        return Err(failed());
                    }
                    let delay = self.backoff.delay(retries_5xx);
                    if let Some(d) = past(delay) {
                        return Err(no_time_to_retry(failed(), &d));
                    }
                    retries_5xx += 1;
                    delay
                }
            };
            std::thread::sleep(wait);
        }
    }

    /// `no complete answer while polling within the figure's timeout (8 s)`.
    fn no_answer(&self, phase: Phase, deadline: &Deadline) -> String {
        format!("no complete answer while {} within the figure's timeout ({})", phase.doing(), secs(deadline.timeout))
    }

    /// The error for a request the rate limiter would have held past the deadline.
    fn held(&self, held: Held, deadline: Option<Deadline>) -> HostedError {
        let ends = deadline.map_or_else(String::new, |d| d.describe());
        HostedError::Timeout(match held {
            Held::Paused(wait) => format!(
                "{} asked to wait (Retry-After) and the pause lasts another {}, but {ends}",
                self.name,
                secs(wait)
            ),
            Held::Window(wait) => format!(
                "the rate limit of {} ({} requests/min) holds the next request for another {}, but {ends}",
                self.name,
                self.limiter.limit(),
                secs(wait)
            ),
        })
    }

    /// The full URL and whether the key goes with it (same origin as the base URL).
    fn url(&self, url: &str) -> (String, bool) {
        if url.starts_with("http://") || url.starts_with("https://") {
            let origin = |u: &str| {
                let rest = u.split_once("://").map_or("", |(_, r)| r);
                let host = rest.split('/').next().unwrap_or("");
                format!("{}://{host}", u.split("://").next().unwrap_or(""))
            };
            let same = origin(url) == origin(&self.base_url);
            (url.to_string(), same)
        } else {
            (format!("{}/{}", self.base_url, url.trim_start_matches('/')), true)
        }
    }

    /// One HTTP exchange, within `timeout` if given (else the client's). The error text
    /// never contains the URL (it may carry the key).
    fn once(
        &self,
        method: &str,
        url: &str,
        authed: bool,
        body: &Body<'_>,
        timeout: Option<Duration>,
    ) -> Result<Reply, NetError> {
        let mut url = url.to_string();
        if let (true, Some(param)) = (authed, self.auth.query()) {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(param);
            url.push('=');
            url.push_str(&encode_query(&self.key));
        }
        let mut r = match method {
            "POST" => self.agent.post(&url),
            "DELETE" => self.agent.delete(&url),
            _ => self.agent.get(&url),
        };
        if let Some(timeout) = timeout {
            // Covers the whole exchange, the answer's body included.
            r = r.timeout(timeout);
        }
        if authed && self.auth.bearer() {
            let mut bearer = reqwest::header::HeaderValue::from_str(&format!("Bearer {}", self.key)).map_err(|_| {
                NetError { text: "the API key is not a valid header value".into(), may_have_arrived: false }
            })?;
            bearer.set_sensitive(true);
            r = r.header(reqwest::header::AUTHORIZATION, bearer);
        }
        r = match body {
            Body::Empty => r,
            Body::Json(v) => {
                let bytes = serde_json::to_vec(v).unwrap_or_default();
                r.header(reqwest::header::CONTENT_TYPE, "application/json").body(bytes)
            }
            Body::Bytes { content_type, bytes } => {
                r.header(reqwest::header::CONTENT_TYPE, *content_type).body(bytes.to_vec())
            }
        };
        let resp = r.send().map_err(|e| NetError { text: describe_net(&e), may_have_arrived: may_have_arrived(&e) })?;
        let status = resp.status().as_u16();
        let header = |name: reqwest::header::HeaderName| {
            resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
        };
        let content_type = header(reqwest::header::CONTENT_TYPE).unwrap_or_default();
        let retry_after = header(reqwest::header::RETRY_AFTER);
        // The answer's head arrived, so the service has the request whatever failed next.
        let mut body = Vec::new();
        std::io::Read::read_to_end(&mut std::io::Read::take(resp, MAX_BODY + 1), &mut body)
            .map_err(|e| NetError { text: describe_io(&e), may_have_arrived: true })?;
        if body.len() as u64 > MAX_BODY {
            return Err(NetError { text: format!("answer larger than {MAX_BODY} bytes"), may_have_arrived: true });
        }
        self.secrets.redact_body(&mut body);
        Ok(Reply { status, content_type, retry_after, body })
    }

    /// The user-facing error for a status ≥ 400 ([`ErrorDoc::status_error`]).
    fn status_error(&self, reply: &Reply, phase: Phase, authed: bool) -> HostedError {
        self.errors.status_error(&self.name, reply.status, &reply.body, phase == Phase::Downloading, authed)
    }
}

/// `Retry-After` as a delay: delta-seconds or an HTTP date.
fn reply_retry_after(reply: &Reply) -> Option<Duration> {
    parse_retry_after(reply.retry_after.as_deref()?, std::time::SystemTime::now())
}

/// Percent-encodes a query value.
fn encode_query(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The errors a request ends with, and how a service's error answer is told.
#[path = "http_errors.rs"]
mod errors;

/// Connection failures in words, and `Retry-After`.
#[path = "http_net.rs"]
mod net;

use errors::no_time_to_retry;
pub use errors::{ErrorDoc, HostedError};
pub use net::parse_retry_after;
use net::{NetError, describe_io, describe_net, may_have_arrived};

#[cfg(test)]
#[path = "http_tests.rs"]
mod tests;
