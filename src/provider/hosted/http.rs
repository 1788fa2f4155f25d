//! The one HTTP client every hosted service goes through: blocking (reqwest's blocking
//! client, the HTTP stack the remote cache's `object_store` already brings), authenticated
//! with the key from the environment, inside the provider's rate limit, retrying what may
//! be retried and stopping the provider on 402/403.
//!
//! Policy, in order, for every request:
//! 1. a provider stopped by an earlier 402/403 sends nothing;
//! 2. the rate limiter admits the request (sliding window, see `limits`);
//! 3. 429: wait `Retry-After` (seconds or an HTTP date; backoff if absent), pause the whole
//!    provider for that long, retry (up to `MAX_429` times);
//! 4. 5xx or a connection error: retry after capped exponential backoff with jitter, up to
//!    `Backoff::retries` times, except a connection error of a [`Repeat::Submission`] that
//!    may have reached the service (see below);
//! 5. 402/403: stop the provider (every later figure fails at once) and fail;
//! 6. any other status ≥ 400: fail with the service's own error text.
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

use std::time::Duration;

use super::limits::{Backoff, RateLimiter, StopSwitch};
use super::secrets::Secrets;

/// How a service takes its key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// `Authorization: Bearer KEY`.
    Bearer,
    /// `?NAME=KEY` on every request URL.
    Query(&'static str),
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

/// Why a request (or a task) failed, as the user will read it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HostedError {
    /// 402/403: credits or quota exhausted, key disabled. The provider is stopped.
    #[error("{message}")]
    Stop { status: u16, message: String },
    /// Any other status ≥ 400 (5xx only after the retries ran out).
    #[error("{message}")]
    Status { status: u16, message: String },
    /// Connection errors after the retries ran out.
    #[error("{0}")]
    Network(String),
    /// The connection failed after a submission may have reached the service; it was not
    /// sent again.
    #[error("{0}")]
    Lost(String),
    /// A 2xx answer we cannot read.
    #[error("{0}")]
    Malformed(String),
    /// The service ran the task and reports failure (or cancelation).
    #[error("{0}")]
    Task(String),
}

impl HostedError {
    pub fn status(&self) -> Option<u16> {
        match self {
            HostedError::Stop { status, .. } | HostedError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// What a service documents about its error answers: how to read the message from an error
/// body, and what each status means with a hint for the user.
#[derive(Clone, Copy)]
pub struct ErrorDoc {
    /// The human-readable message inside an error body (`{"detail": …}` and so on).
    pub message: fn(&[u8]) -> Option<String>,
    /// Meaning and hint of a status, from the service's error table.
    pub status: fn(u16) -> Option<(&'static str, &'static str)>,
}

/// Retries on 429 before giving up.
pub const MAX_429: u32 = 20;
/// Largest answer read (images included).
const MAX_BODY: u64 = 64 * 1024 * 1024;

/// A configured, authenticated client for one provider.
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
    pub limiter: RateLimiter,
    pub backoff: Backoff,
    pub stop: StopSwitch,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("name", &self.name).field("base_url", &self.base_url).finish_non_exhaustive()
    }
}

impl Client {
    /// `key` is the value of the configured environment variable; `secrets` are every
    /// configured secret, cut out of the answers (the key is always among them). `timeout` bounds each
    /// exchange, from connecting to the last byte of the answer; connecting alone may take
    /// 10 s. Fails only when the HTTP stack cannot start (no TLS roots, no thread).
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
            limiter,
            backoff,
            stop: StopSwitch::default(),
        })
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
                Err(e) if attempt < self.backoff.retries => {
                    let _ = e;
                    std::thread::sleep(self.backoff.delay(attempt));
                    attempt += 1;
                }
                Err(e) => return Err(self.malformed(e)),
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
        self.send("GET", url, Body::Empty, Repeat::Idempotent)
    }

    fn malformed(&self, e: HostedError) -> HostedError {
        HostedError::Malformed(format!("{}: {e}", self.name))
    }

    /// One logical request with the whole retry policy (see the module docs).
    pub fn send(&self, method: &str, url: &str, body: Body<'_>, repeat: Repeat) -> Result<Reply, HostedError> {
        let (full, authed) = self.url(url);
        // A task id the service built from the key comes back to that service whole.
        let full = if authed { self.secrets.reveal(&full) } else { full };
        let mut retries_5xx = 0u32;
        let mut retries_429 = 0u32;
        loop {
            if let Some(why) = self.stop.stopped() {
                return Err(HostedError::Stop { status: 0, message: why });
            }
            self.limiter.acquire();
            let wait = match self.once(method, &full, authed, &body) {
                Ok(reply) if reply.status < 400 => return Ok(reply),
                Ok(reply) if reply.status == 429 => {
                    if retries_429 >= MAX_429 {
                        return Err(self.status_error(&reply));
                    }
                    let wait = reply_retry_after(&reply).unwrap_or_else(|| self.backoff.delay(retries_429));
                    retries_429 += 1;
                    self.limiter.pause(wait);
                    wait
                }
                Ok(reply) if reply.status >= 500 => {
                    if retries_5xx >= self.backoff.retries {
                        return Err(self.status_error(&reply));
                    }
                    retries_5xx += 1;
                    self.backoff.delay(retries_5xx - 1)
                }
                Ok(reply) => {
                    let err = self.status_error(&reply);
                    if let HostedError::Stop { message, .. } = &err {
                        self.stop.stop(message);
                    }
                    return Err(err);
                }
                Err(net) if repeat == Repeat::Submission && net.may_have_arrived => {
                    return Err(HostedError::Lost(format!(
                        "{}: the connection failed after the submission was sent ({}); the service may have \
                         accepted it, so it was not sent again to avoid paying twice",
                        self.name, net.text
                    )));
                }
                Err(net) => {
                    if retries_5xx >= self.backoff.retries {
                        return Err(HostedError::Network(format!(
                            "{}: cannot reach the service after {} attempts: {}",
                            self.name,
                            retries_5xx + 1,
                            net.text
                        )));
                    }
                    retries_5xx += 1;
                    self.backoff.delay(retries_5xx - 1)
                }
            };
            std::thread::sleep(wait);
        }
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

    /// One HTTP exchange. The error text never contains the URL (it may carry the key).
    fn once(&self, method: &str, url: &str, authed: bool, body: &Body<'_>) -> Result<Reply, NetError> {
        let mut url = url.to_string();
        if let (true, Auth::Query(param)) = (authed, self.auth) {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(param);
            url.push('=');
            url.push_str(&encode_query(&self.key));
        }
        let mut r = match method {
            "POST" => self.agent.post(&url),
            _ => self.agent.get(&url),
        };
        if authed && self.auth == Auth::Bearer {
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

    /// The user-facing error for a status ≥ 400: provider name, status, the service's
    /// meaning, its own message, and the documented hint.
    fn status_error(&self, reply: &Reply) -> HostedError {
        let status = reply.status;
        let detail = (self.errors.message)(&reply.body);
        let (meaning, hint) = (self.errors.status)(status).unwrap_or(("", ""));
        let mut message = format!("{} answered {status}", self.name);
        if !meaning.is_empty() {
            message.push_str(&format!(" {meaning}"));
        }
        if let Some(d) = detail.filter(|d| !d.is_empty()) {
            message.push_str(&format!(": {d}"));
        }
        if !hint.is_empty() {
            message.push_str(&format!(" ({hint})"));
        }
        if status == 402 || status == 403 {
            message.push_str(&format!("; no more figures are sent to {} in this build", self.name));
            HostedError::Stop { status, message }
        } else {
            HostedError::Status { status, message }
        }
    }
}

/// `Retry-After` as a delay: delta-seconds or an HTTP date.
fn reply_retry_after(reply: &Reply) -> Option<Duration> {
    parse_retry_after(reply.retry_after.as_deref()?, std::time::SystemTime::now())
}

/// Parses a `Retry-After` value (RFC 9110: delay-seconds or an IMF-fixdate).
pub fn parse_retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    if let Ok(secs) = value.trim().parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(3600.0)));
    }
    let at = parse_http_date(value.trim())?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO).min(Duration::from_secs(3600)))
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` → time.
fn parse_http_date(s: &str) -> Option<std::time::SystemTime> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    if parts.len() != 6 || parts[5] != "GMT" {
        return None;
    }
    let day: i64 = parts[1].parse().ok()?;
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let month = months.iter().position(|m| *m == parts[2])? as i64 + 1;
    let year: i64 = parts[3].parse().ok()?;
    let hms: Vec<i64> = parts[4].split(':').map(|x| x.parse().ok()).collect::<Option<_>>()?;
    if hms.len() != 3 {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hms[0] * 3600 + hms[1] * 60 + hms[2];
    Some(std::time::UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).ok()?))
}

/// A failed exchange: in words (without the URL), and whether the service may have the request.
struct NetError {
    text: String,
    may_have_arrived: bool,
}

/// Whether the request may have reached the service before `e`. Only failures to make the
/// connection are certain not to: reqwest's connect step resolves the name, connects (or
/// times out connecting) and does the TLS handshake before a byte of the request is sent,
/// and a request that cannot be built is never sent. Everything else (a reset or dropped
/// connection, a timeout while sending or waiting, a protocol error, too many redirects)
/// may come after the service read the request.
fn may_have_arrived(e: &reqwest::Error) -> bool {
    !(e.is_connect() || e.is_builder())
}

/// A connection-level failure in words, without the URL (reqwest's own messages name it).
fn describe_net(e: &reqwest::Error) -> String {
    let io = std::iter::successors(std::error::Error::source(e), |s| s.source())
        .find_map(|s| s.downcast_ref::<std::io::Error>());
    if e.is_timeout() {
        "the request timed out".into()
    } else if e.is_redirect() {
        "too many redirects".into()
    } else if let Some(io) = io.filter(|io| io.kind() != std::io::ErrorKind::Other) {
        describe_io(io)
    } else if e.is_connect() {
        "connection failed (cannot connect: unknown host, no route, or TLS handshake failed)".into()
    } else if e.is_builder() {
        "the request could not be built".into()
    } else {
        "the server broke the HTTP protocol (connection dropped?)".into()
    }
}

/// An I/O failure in words.
fn describe_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::ConnectionRefused => "connection refused".into(),
        std::io::ErrorKind::TimedOut => "the request timed out".into(),
        kind => format!("connection failed ({kind})"),
    }
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

#[cfg(test)]
#[path = "http_tests.rs"]
mod tests;
