//! Machinery the Banana.dev and Papermill fakes share: injected faults matched by route
//! (latency, per-key rate limits, any status, dropped connections, malformed JSON, slow
//! bodies; built on `crate::knobs`), request counters by route, a multipart/form-data reader,
//! ids and timestamps.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use crate::knobs::{self, RateWindow};

/// A client-side-visible request limit: at most `requests` per `per` for one API key
/// (or guest session); the next one gets 429 with `Retry-After`.
#[derive(Clone, Copy, Debug)]
pub struct RateLimit {
    pub requests: u32,
    pub per: Duration,
}

/// What a fault does to one response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// Answer with this status (the fake picks the body its docs give for it).
    Status(u16),
    /// Send the headers, then close the connection before the body is complete.
    Drop,
    /// Answer 200 with a truncated, unparsable JSON body.
    Malformed,
}

#[derive(Clone, Debug)]
struct Pending {
    kind: FaultKind,
    /// Only requests whose `METHOD /path` contains this text are affected.
    path: Option<String>,
    left: u32,
}

/// What `Faults::before` decided for a request.
pub enum Gate {
    Pass,
    /// 429: the limit was hit; retry after this many seconds.
    RateLimited {
        retry_after: u64,
    },
    /// An injected 5xx status.
    ServerError(u16),
}

/// Injected failures, settable while the fake runs. Each `inject` call queues a fault for
/// the next `n` matching requests; faults are consumed in the order they were queued.
pub struct Faults {
    latency_ms: AtomicU64,
    slow_chunk_ms: AtomicU64,
    pending: Mutex<Vec<Pending>>,
    rate: RateWindow,
    injected: AtomicU64,
    /// `Retry-After` seconds sent with injected 429s (none if `u64::MAX`).
    injected_retry_after: AtomicU64,
}

impl Default for Faults {
    fn default() -> Faults {
        Faults {
            latency_ms: AtomicU64::new(0),
            slow_chunk_ms: AtomicU64::new(0),
            pending: Mutex::default(),
            rate: RateWindow::new(None),
            injected: AtomicU64::new(0),
            injected_retry_after: AtomicU64::new(u64::MAX),
        }
    }
}

impl Faults {
    /// `Retry-After` seconds on injected 429 answers (`None`: no header, as by default).
    pub fn set_injected_retry_after(&self, secs: Option<u64>) {
        self.injected_retry_after.store(secs.unwrap_or(u64::MAX), Ordering::SeqCst);
    }
    /// `Retry-After` of an injected 429, if any.
    pub fn injected_retry_after(&self) -> Option<u64> {
        Some(self.injected_retry_after.load(Ordering::SeqCst)).filter(|s| *s != u64::MAX)
    }
    /// Delay before every response.
    pub fn set_latency(&self, d: Duration) {
        self.latency_ms.store(d.as_millis() as u64, Ordering::SeqCst);
    }
    /// Send every body in 4 chunks with this delay before each.
    pub fn set_slow_body(&self, d: Duration) {
        self.slow_chunk_ms.store(d.as_millis() as u64, Ordering::SeqCst);
    }
    pub fn set_rate_limit(&self, limit: Option<RateLimit>) {
        *self.rate.limit.lock().unwrap() = limit.map(|l| (l.requests as usize, l.per));
    }
    /// The next `n` requests whose `METHOD /path` (`POST /tasks`) contains `path` (any request
    /// if `None`) get `kind`.
    pub fn inject(&self, kind: FaultKind, n: u32, path: Option<&str>) {
        self.pending.lock().unwrap().push(Pending { kind, path: path.map(str::to_string), left: n });
    }
    /// How many requests were answered 429 by the rate limiter.
    pub fn rate_limited(&self) -> u64 {
        self.rate.refused.load(Ordering::SeqCst) as u64
    }
    /// How many injected faults were served.
    pub fn injected(&self) -> u64 {
        self.injected.load(Ordering::SeqCst)
    }

    fn take(&self, route: &str, wanted: impl Fn(FaultKind) -> bool) -> Option<FaultKind> {
        let mut pending = self.pending.lock().unwrap();
        let i = pending
            .iter()
            .position(|p| p.left > 0 && wanted(p.kind) && p.path.as_deref().is_none_or(|s| route.contains(s)))?;
        pending[i].left -= 1;
        let kind = pending[i].kind;
        if pending[i].left == 0 {
            pending.remove(i);
        }
        self.injected.fetch_add(1, Ordering::SeqCst);
        Some(kind)
    }

    /// Latency, then the rate limit for `key`, then a queued status. `route` is
    /// `METHOD /path`.
    pub async fn before(&self, key: &str, route: &str) -> Gate {
        let latency = self.latency_ms.load(Ordering::SeqCst);
        if latency > 0 {
            tokio::time::sleep(Duration::from_millis(latency)).await;
        }
        if let Err(wait) = self.rate.check(key) {
            return Gate::RateLimited { retry_after: wait.as_secs_f64().ceil().max(1.0) as u64 };
        }
        match self.take(route, |k| matches!(k, FaultKind::Status(_))) {
            Some(FaultKind::Status(s)) => Gate::ServerError(s),
            _ => Gate::Pass,
        }
    }

    /// Applies a queued drop or malformed-body fault, then the slow-body knob.
    pub async fn after(&self, route: &str, resp: Response) -> Response {
        let fault = self.take(route, |k| matches!(k, FaultKind::Drop | FaultKind::Malformed));
        let slow = self.slow_chunk_ms.load(Ordering::SeqCst);
        if fault.is_none() && slow == 0 {
            return resp;
        }
        let (mut parts, body) = resp.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
        match fault {
            // The headers promise a body the connection never delivers.
            Some(FaultKind::Drop) => knobs::dropped(),
            Some(FaultKind::Malformed) => {
                let text = b"{\"data\": {\"id\": \"run_";
                parts.status = StatusCode::OK;
                parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
                parts.headers.remove(header::CONTENT_LENGTH);
                Response::from_parts(parts, Body::from(text.to_vec()))
            }
            _ => {
                // Four chunks with `slow` before each.
                let n = bytes.len().div_ceil(4).max(1);
                let chunks: Vec<Bytes> =
                    (0..bytes.len()).step_by(n).map(|i| bytes.slice(i..(i + n).min(bytes.len()))).collect();
                let delay = Duration::from_millis(slow);
                let stream = futures_util::stream::unfold(chunks.into_iter(), move |mut it| async move {
                    let next = it.next()?;
                    tokio::time::sleep(delay).await;
                    Some((Ok::<_, std::io::Error>(next), it))
                });
                Response::from_parts(parts, Body::from_stream(stream))
            }
        }
    }
}

/// Request counts by route name, for tests.
#[derive(Default)]
pub struct Counters {
    counts: Mutex<HashMap<&'static str, u64>>,
}

impl Counters {
    pub fn bump(&self, name: &'static str) {
        *self.counts.lock().unwrap().entry(name).or_default() += 1;
    }
    pub fn get(&self, name: &str) -> u64 {
        self.counts.lock().unwrap().get(name).copied().unwrap_or(0)
    }
}

/// A stable 64-bit hash (FNV-1a) for seeds and ids.
pub fn hash64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A fresh random-looking version-4 UUID string.
pub fn uuid() -> String {
    let n = NEXT_ID.fetch_add(1, Ordering::SeqCst);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_nanos() as u64;
    let a = hash64(&[n.to_le_bytes(), nanos.to_le_bytes()].concat());
    let b = hash64(&a.to_le_bytes());
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | (b >> 48) & 0x3fff,
        b & 0xffff_ffff_ffff
    )
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_millis() as u64
}

/// Now as an RFC 3339 UTC timestamp (`2026-03-08T12:00:00Z`).
pub fn now_rfc3339() -> String {
    let secs = now_ms() / 1000;
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// One part of a multipart/form-data body.
pub struct Part {
    pub name: String,
    pub filename: Option<String>,
    pub bytes: Vec<u8>,
}

/// Reads a multipart/form-data body; `None` if the content type or framing is wrong.
pub fn multipart(content_type: &str, body: &[u8]) -> Option<Vec<Part>> {
    let (mime, params) = content_type.split_once(';')?;
    if !mime.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    let boundary = params.split(';').find_map(|p| p.trim().strip_prefix("boundary="))?.trim_matches('"');
    let delim = format!("--{boundary}").into_bytes();
    let mut parts = Vec::new();
    let mut rest = &body[find(body, &delim)? + delim.len()..];
    loop {
        if rest.starts_with(b"--") {
            return Some(parts);
        }
        rest = rest.strip_prefix(b"\r\n")?;
        let head_end = find(rest, b"\r\n\r\n")?;
        let head = std::str::from_utf8(&rest[..head_end]).ok()?;
        let content = &rest[head_end + 4..];
        let end = find(content, &[b"\r\n".as_slice(), &delim].concat())?;
        let disposition = head.lines().find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))?;
        let param = |name: &str| {
            disposition.split(';').find_map(|p| {
                let (k, v) = p.trim().split_once('=')?;
                (k == name).then(|| v.trim_matches('"').to_string())
            })
        };
        parts.push(Part { name: param("name")?, filename: param("filename"), bytes: content[..end].to_vec() });
        rest = &content[end + 2 + delim.len()..];
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A minimal HTTP/1.1 client for the fakes' own tests: one request per connection.
#[cfg(test)]
pub(crate) fn http(
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String, Vec<u8>) {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://");
    let mut conn = std::net::TcpStream::connect(addr).expect("connect");
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    conn.write_all(head.as_bytes()).unwrap();
    conn.write_all(body).unwrap();
    let mut raw = Vec::new();
    let _ = conn.read_to_end(&mut raw);
    let split = find(&raw, b"\r\n\r\n").expect("response head");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut body = raw[split + 4..].to_vec();
    if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        body = dechunk(&body);
    }
    (status, head, body)
}

#[cfg(test)]
fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = find(b, b"\r\n") {
        let n = usize::from_str_radix(std::str::from_utf8(&b[..eol]).unwrap().trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + n]);
        b = &b[eol + 4 + n..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_reads_fields_and_files() {
        let body = b"--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\r\nbody\r\n--XX\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n--XX--\r\n";
        let parts = multipart("multipart/form-data; boundary=XX", body).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "file");
        assert_eq!(parts[0].filename.as_deref(), Some("a.pdf"));
        assert_eq!(parts[0].bytes, b"%PDF-1.4\r\nbody");
        assert_eq!(parts[1].filename, None);
        assert_eq!(parts[1].bytes, b"hi");
        assert!(multipart("application/json", body).is_none());
    }

    #[test]
    fn timestamps_and_uuids_have_their_shape() {
        let t = now_rfc3339();
        assert_eq!(t.len(), 20, "{t}");
        assert!(t.starts_with("20") && t.ends_with('Z'));
        let u = uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(u.as_bytes()[14], b'4');
        assert_ne!(uuid(), u);
    }
}
