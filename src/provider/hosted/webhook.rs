//! Task callbacks (PaperBanana's webhooks, `../shared/api/paperbanana.txt`): a small HTTP
//! listener that a service POSTs to when a task ends, so that the figure is fetched at once
//! instead of at the next poll.
//!
//! ```toml
//! [providers.pb]
//! type = "paperbanana"
//! webhook_listen = "0.0.0.0:8787"                         # where paperfig listens
//! webhook_url = "https://lab.example.org:8787/paperbanana" # what the service is told to call
//! webhook_secret_env = "PAPERBANANA_WEBHOOK_SECRET"       # the key's webhook_secret
//! webhook_poll = 60                                       # seconds between fallback polls
//! ```
//!
//! A callback is only a wake-up: it must carry a valid `X-PaperBanana-Signature`
//! (`sha256=` and the hex HMAC-SHA256 of the raw body under the secret), and then the task
//! named in it is polled with the key like any other. Nothing in a callback is stored or
//! shown, so a forged or replayed one can at most cause one early poll. Polling stays: a
//! callback that never comes (the service cannot reach the machine, every retry failed)
//! costs one `webhook_poll` interval.
//!
//! Bounds: a request head of 16 KiB, a body of 1 MiB, 10 s to send it, 32 connections at
//! once; the listener lives as long as the process (`watch` keeps it between builds) and
//! one listener serves every provider configured with the same address.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// A bad `webhook_*` option: (key, message, hint), the shape of `service::OptionError`
/// (spelled out here so the listener does not import the service layer above it).
type OptionError = (&'static str, String, &'static str);

/// The header the signature comes in.
pub const SIGNATURE_HEADER: &str = "x-paperbanana-signature";
const MAX_HEAD: usize = 16 * 1024;
const MAX_BODY: usize = 1024 * 1024;
const IO_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_CONNECTIONS: usize = 32;
/// Ended tasks remembered at once (a callback may come before its figure waits for it).
const MAX_REMEMBERED: usize = 4096;
/// Seconds between polls while callbacks are expected, unless `webhook_poll` says.
pub const DEFAULT_POLL_SECS: f64 = 60.0;

/// `webhook_*` of a `[providers.X]` table, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct WebhookConfig {
    pub listen: String,
    pub url: String,
    pub secret_env: String,
    pub poll: Duration,
}

/// The config keys read here.
pub const OPTIONS: [&str; 4] = ["webhook_listen", "webhook_url", "webhook_secret_env", "webhook_poll"];

impl WebhookConfig {
    /// The webhook keys of `options`: none of them, or `webhook_listen`, `webhook_url` and
    /// `webhook_secret_env` together (`webhook_poll` optional, at least `min_poll` seconds).
    pub fn from_options(options: &toml::Table, min_poll: f64) -> Result<Option<WebhookConfig>, OptionError> {
        let text = |k: &'static str| -> Result<Option<String>, OptionError> {
            match options.get(k) {
                None => Ok(None),
                Some(toml::Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.trim().to_string())),
                Some(v) => Err((k, format!("{k} = {v} is not a non-empty string"), "give a string")),
            }
        };
        let (listen, url, secret_env) = (text("webhook_listen")?, text("webhook_url")?, text("webhook_secret_env")?);
        let poll = options.get("webhook_poll");
        let (listen, url, secret_env) = match (listen, url, secret_env) {
            (None, None, None) if poll.is_none() => return Ok(None),
            (Some(l), Some(u), Some(s)) => (l, u, s),
            _ => {
                return Err((
                    "webhook_listen",
                    "webhooks need webhook_listen, webhook_url and webhook_secret_env together".into(),
                    "webhook_listen = \"0.0.0.0:8787\", webhook_url = the address the service can reach, webhook_secret_env = the variable holding the key's webhook_secret",
                ));
            }
        };
        if listen.parse::<std::net::SocketAddr>().is_err() {
            return Err((
                "webhook_listen",
                format!("webhook_listen = \"{listen}\" is not an address and port"),
                "write IP:PORT, e.g. \"0.0.0.0:8787\" or \"127.0.0.1:8787\"",
            ));
        }
        if !(url.starts_with("https://") || url.starts_with("http://")) || url::Url::parse(&url).is_err() {
            return Err((
                "webhook_url",
                format!("webhook_url = \"{url}\" is not an http(s) URL"),
                "give the URL the service calls, e.g. \"https://lab.example.org:8787/paperbanana\"",
            ));
        }
        let poll = match poll {
            None => DEFAULT_POLL_SECS,
            Some(v) => match v.as_float().or_else(|| v.as_integer().map(|n| n as f64)) {
                Some(p) if p.is_finite() && p >= min_poll && p <= 3600.0 => p,
                _ => {
                    return Err((
                        "webhook_poll",
                        format!("webhook_poll = {v} is out of range"),
                        "give the seconds between fallback polls, from the service's shortest poll interval to 3600",
                    ));
                }
            },
        };
        Ok(Some(WebhookConfig { listen, url, secret_env, poll: Duration::from_secs_f64(poll) }))
    }
}

/// Why a listener could not start.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("cannot listen for webhooks on {addr}: {source}")]
    Bind { addr: String, source: std::io::Error },
}

/// Whether `signature` (`sha256=HEX`) is the HMAC-SHA256 of `body` under `secret`,
/// compared in constant time.
pub fn verify(secret: &[u8], body: &[u8], signature: &str) -> bool {
    let Some(hex_sig) = signature.trim().strip_prefix("sha256=") else { return false };
    let Ok(bytes) = hex::decode(hex_sig) else { return false };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else { return false };
    mac.update(body);
    mac.verify_slice(&bytes).is_ok()
}

/// The signature header's value for `body` under `secret` (for fakes and tests).
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// What callbacks have said so far.
#[derive(Default)]
struct Heard {
    /// Tasks a verified callback said ended, with when it came.
    ended: HashMap<String, Instant>,
    /// Accepted and rejected callbacks (for status lines and tests).
    accepted: usize,
    rejected: usize,
}

struct Shared {
    secrets: Mutex<Vec<Vec<u8>>>,
    heard: Mutex<Heard>,
    changed: Condvar,
    connections: AtomicUsize,
}

/// A running listener.
pub struct Listener {
    pub addr: std::net::SocketAddr,
    shared: Arc<Shared>,
}

/// The listener on `listen`, started on first use (and kept for the process), accepting
/// callbacks signed with `secret` as well as any secret it already had.
pub fn listener(listen: &str, secret: &[u8]) -> Result<Arc<Listener>, WebhookError> {
    static RUNNING: Mutex<Vec<(String, Arc<Listener>)>> = Mutex::new(Vec::new());
    let mut running = RUNNING.lock().unwrap_or_else(|p| p.into_inner());
    let l = match running.iter().find(|(a, _)| a == listen) {
        Some((_, l)) => l.clone(),
        None => {
            let l = Arc::new(Listener::start(listen)?);
            running.push((listen.to_string(), l.clone()));
            l
        }
    };
    l.add_secret(secret);
    Ok(l)
}

impl Listener {
    fn start(listen: &str) -> Result<Listener, WebhookError> {
        let bind = |e| WebhookError::Bind { addr: listen.to_string(), source: e };
        let socket = TcpListener::bind(listen).map_err(bind)?;
        let addr = socket.local_addr().map_err(bind)?;
        let shared = Arc::new(Shared {
            secrets: Mutex::new(Vec::new()),
            heard: Mutex::new(Heard::default()),
            changed: Condvar::new(),
            connections: AtomicUsize::new(0),
        });
        let s = shared.clone();
        std::thread::Builder::new()
            .name("paperfig-webhooks".into())
            .spawn(move || {
                for stream in socket.incoming().flatten() {
                    if s.connections.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
                        s.connections.fetch_sub(1, Ordering::SeqCst);
                        let _ = respond(&stream, 503, "too many connections");
                        continue;
                    }
                    let s = s.clone();
                    let spawned = std::thread::Builder::new().name("paperfig-webhook".into()).spawn({
                        let s = s.clone();
                        move || {
                            serve(&s, stream);
                            s.connections.fetch_sub(1, Ordering::SeqCst);
                        }
                    });
                    if spawned.is_err() {
                        s.connections.fetch_sub(1, Ordering::SeqCst);
                    }
                }
            })
            .map_err(bind)?;
        Ok(Listener { addr, shared })
    }

    /// Accepts callbacks signed with `secret` too.
    pub fn add_secret(&self, secret: &[u8]) {
        let mut secrets = self.shared.secrets.lock().unwrap_or_else(|p| p.into_inner());
        if !secrets.iter().any(|s| s == secret) {
            secrets.push(secret.to_vec());
        }
    }

    /// Waits up to `timeout` for a callback saying `task` ended; true if one came (now or
    /// before this wait began). The callback is used up: the next wait needs another.
    pub fn wait(&self, task: &str, timeout: Duration) -> bool {
        let until = Instant::now() + timeout;
        let mut heard = self.shared.heard.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if heard.ended.remove(task).is_some() {
                return true;
            }
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            heard = self.shared.changed.wait_timeout(heard, left).unwrap_or_else(|p| p.into_inner()).0;
        }
    }

    /// Callbacks accepted and rejected so far.
    pub fn counts(&self) -> (usize, usize) {
        let h = self.shared.heard.lock().unwrap_or_else(|p| p.into_inner());
        (h.accepted, h.rejected)
    }
}

/// Reads one request from `stream` and answers it.
fn serve(shared: &Shared, mut stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(IO_TIMEOUT));
    let _ = stream.set_write_timeout(Some(IO_TIMEOUT));
    let (status, message) = match read_request(&mut stream) {
        Err((status, message)) => (status, message),
        Ok(req) => handle(shared, &req),
    };
    let _ = respond(&stream, status, message);
}

/// What a callback answer says: status and a short reason.
type Answer = (u16, &'static str);

/// A request as read: method, headers (lower-case names), body.
struct Request {
    method: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

fn read_request(stream: &mut TcpStream) -> Result<Request, Answer> {
    let started = Instant::now();
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buf.len() > MAX_HEAD {
            return Err((431, "request head too large"));
        }
        if started.elapsed() > IO_TIMEOUT {
            return Err((408, "request too slow"));
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return Err((400, "incomplete request")),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = std::str::from_utf8(&buf[..head_end]).map_err(|_| (400, "request head is not text"))?;
    let mut lines = head.split("\r\n");
    let method = lines.next().and_then(|l| l.split(' ').next()).unwrap_or_default().to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut req = Request { method, headers, body: Vec::new() };
    if let Some(coding) = req.header("transfer-encoding") {
        if !coding.eq_ignore_ascii_case("chunked") {
            return Err((501, "only the chunked transfer coding is taken"));
        }
        let mut raw = buf.split_off(head_end + 4);
        req.body = loop {
            if let Some(body) = dechunk(&raw)? {
                break body;
            }
            if started.elapsed() > IO_TIMEOUT {
                return Err((408, "request too slow"));
            }
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => return Err((400, "incomplete body")),
                Ok(n) => raw.extend_from_slice(&chunk[..n]),
            }
        };
        return Ok(req);
    }
    let len = match req.header("content-length").map(|v| v.parse::<usize>()) {
        None => 0,
        Some(Ok(n)) if n <= MAX_BODY => n,
        Some(Ok(_)) => return Err((413, "body too large")),
        Some(Err(_)) => return Err((400, "bad Content-Length")),
    };
    let mut body = buf.split_off(head_end + 4);
    while body.len() < len {
        if started.elapsed() > IO_TIMEOUT {
            return Err((408, "request too slow"));
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return Err((400, "incomplete body")),
            Ok(n) => body.extend_from_slice(&chunk[..n]),
        }
    }
    body.truncate(len);
    req.body = body;
    Ok(req)
}

/// A chunked body (RFC 9112 §7.1) decoded: `None` while incomplete; too large or malformed
/// is the answer to send. Chunk extensions and trailers are skipped.
fn dechunk(raw: &[u8]) -> Result<Option<Vec<u8>>, Answer> {
    let bad = (400, "bad chunked body");
    let mut body = Vec::new();
    let mut at = 0;
    loop {
        let Some(eol) = raw[at..].windows(2).position(|w| w == b"\r\n") else {
            return if raw.len() - at > MAX_HEAD { Err(bad) } else { Ok(None) };
        };
        let line = std::str::from_utf8(&raw[at..at + eol]).map_err(|_| bad)?;
        let size = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size, 16).map_err(|_| bad)?;
        at += eol + 2;
        if size == 0 {
            // Trailer lines, if any, then an empty line.
            let rest = &raw[at..];
            let ended = rest.starts_with(b"\r\n") || rest.windows(4).any(|w| w == b"\r\n\r\n");
            return match ended {
                true => Ok(Some(body)),
                false if rest.len() > MAX_HEAD => Err(bad),
                false => Ok(None),
            };
        }
        if body.len() + size > MAX_BODY {
            return Err((413, "body too large"));
        }
        if raw.len() < at + size + 2 {
            return Ok(None);
        }
        if &raw[at + size..at + size + 2] != b"\r\n" {
            return Err(bad);
        }
        body.extend_from_slice(&raw[at..at + size]);
        at += size + 2;
    }
}

/// Checks a callback and records the task it names.
fn handle(shared: &Shared, req: &Request) -> Answer {
    if req.method != "POST" {
        return (405, "callbacks are POSTed");
    }
    let signed = req.header(SIGNATURE_HEADER).is_some_and(|sig| {
        shared.secrets.lock().unwrap_or_else(|p| p.into_inner()).iter().any(|s| verify(s, &req.body, sig))
    });
    let mut heard = shared.heard.lock().unwrap_or_else(|p| p.into_inner());
    if !signed {
        heard.rejected += 1;
        return (401, "bad or missing signature");
    }
    let task = serde_json::from_slice::<serde_json::Value>(&req.body)
        .ok()
        .and_then(|v| v.get("task_id").and_then(|t| t.as_str()).map(str::to_string))
        .filter(|t| !t.is_empty() && t.len() <= 256);
    let Some(task) = task else {
        heard.rejected += 1;
        return (422, "no task_id");
    };
    heard.accepted += 1;
    if heard.ended.len() >= MAX_REMEMBERED {
        // The oldest callbacks are for figures long since fetched by polling.
        let oldest = heard.ended.iter().min_by_key(|(_, at)| **at).map(|(t, _)| t.clone());
        if let Some(t) = oldest {
            heard.ended.remove(&t);
        }
    }
    heard.ended.insert(task, Instant::now());
    drop(heard);
    shared.changed.notify_all();
    (200, "ok")
}

fn respond(mut stream: &TcpStream, status: u16, message: &str) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Payload Too Large",
        422 => "Unprocessable Entity",
        431 => "Request Header Fields Too Large",
        501 => "Not Implemented",
        _ => "Service Unavailable",
    };
    let body = serde_json::json!({ "detail": message }).to_string();
    write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    stream.flush()
}

#[cfg(test)]
mod tests;
