//! Failure knobs and counters every fake shares, and small response helpers.
//!
//! Each fake holds one `Knobs` (set by tests at any time, all atomics or mutexes) and calls
//! `Knobs::intercept` at the start of every API request: it counts the request, then may
//! answer a 5xx (a burst of `fail_5xx` requests), drop the connection (`drop_connections`)
//! or stall (`stall`). `Knobs::json` answers JSON, garbled while `malformed_json` is
//! non-zero; `Knobs::slow_bytes` streams a body in chunks with `slow_body` between them.
//! `echo_key` makes a fake repeat the caller's key back in fields the API leaves free (task
//! ids, stages, error texts), as a careless or hostile deployment might. `huge_images` makes
//! the next images a fake draws (`Knobs::image`) 20000 × 20000 pixels, a valid PNG of some
//! 50 KB, as a service asked for a huge resolution might send.
//! `RateWindow` is the sliding-window limiter the services document ("N requests/min").

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// Shared failure knobs. All fields may be changed while the server runs.
#[derive(Default)]
pub struct Knobs {
    /// The next N API requests answer this status (`fail_status`, default 500).
    pub fail_5xx: AtomicUsize,
    /// Status used by `fail_5xx` (500, 502, 503).
    pub fail_status: AtomicUsize,
    /// The next N API requests get their connection closed mid-answer.
    pub drop_connections: AtomicUsize,
    /// The next N JSON answers are cut off (not valid JSON) but keep their status.
    pub malformed_json: AtomicUsize,
    /// Delay between 1 KiB chunks of image bodies.
    pub slow_body: Mutex<Duration>,
    /// Delay before answering any API request.
    pub stall: Mutex<Duration>,
    /// Delay before answering a submission (after `stall`), other requests answered at once.
    pub stall_submit: Mutex<Duration>,
    /// Every API request seen (including rejected ones).
    pub requests: AtomicUsize,
    /// The next requests answer these statuses, in order, each with the service's
    /// documented error body for it (for statuses a well-behaved client cannot provoke,
    /// such as 411).
    pub force: Mutex<std::collections::VecDeque<u16>>,
    /// Like `force`, for submissions only (checked after authorization).
    pub force_submit: Mutex<std::collections::VecDeque<u16>>,
    /// Repeat the caller's key in free-form answer fields (see each fake for which).
    pub echo_key: std::sync::atomic::AtomicBool,
    /// The next N images drawn are `HUGE` × `HUGE` pixels (PaperBanana, AutoFigureEdit).
    pub huge_images: AtomicUsize,
}

/// The side of the images `huge_images` draws: 20000 × 20000 pixels, 400 megapixels.
pub const HUGE: u32 = 20_000;

impl Knobs {
    /// Whether answers repeat the caller's key (`echo_key`).
    pub fn echoes(&self) -> bool {
        self.echo_key.load(Ordering::SeqCst)
    }

    /// The fake's image of `w`×`h` from `seed` ([`png`]), or a huge one while
    /// `huge_images` is set ([`huge_png`]).
    pub fn image(&self, w: u32, h: u32, seed: u64) -> Vec<u8> {
        if take(&self.huge_images) { huge_png(HUGE, HUGE) } else { png(w, h, seed) }
    }
}

/// Takes one from a countdown knob; true if it was non-zero.
pub fn take(n: &AtomicUsize) -> bool {
    n.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |v| v.checked_sub(1)).is_ok()
}

impl Knobs {
    /// Counts the request and applies the 5xx, drop and stall knobs. `Some` = answer this.
    pub async fn intercept(&self, error_body: impl Fn(u16) -> serde_json::Value) -> Option<Response> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        self.intercept_uncounted(error_body).await
    }

    /// `intercept` for requests counted elsewhere.
    pub async fn intercept_uncounted(&self, error_body: impl Fn(u16) -> serde_json::Value) -> Option<Response> {
        let stall = *self.stall.lock().unwrap();
        if !stall.is_zero() {
            tokio::time::sleep(stall).await;
        }
        if let Some(status) = self.force.lock().unwrap().pop_front() {
            return Some(raw_json(status, &error_body(status)));
        }
        if take(&self.drop_connections) {
            return Some(dropped());
        }
        if take(&self.fail_5xx) {
            let status = match self.fail_status.load(Ordering::SeqCst) {
                0 => 500,
                s => s as u16,
            };
            return Some(raw_json(status, &error_body(status)));
        }
        None
    }

    /// Waits `stall_submit` (a service that takes submissions but stops answering them).
    pub async fn submit_stall(&self) {
        let stall = *self.stall_submit.lock().unwrap();
        if !stall.is_zero() {
            tokio::time::sleep(stall).await;
        }
    }

    /// The `force_submit` answer for a submission, if one is queued.
    pub fn forced_submit(&self, error_body: impl Fn(u16) -> serde_json::Value) -> Option<Response> {
        let status = self.force_submit.lock().unwrap().pop_front()?;
        Some(raw_json(status, &error_body(status)))
    }

    /// A JSON answer, garbled while `malformed_json` is set.
    pub fn json(&self, status: u16, value: &serde_json::Value) -> Response {
        if take(&self.malformed_json) {
            let text = value.to_string();
            let cut = &text[..text.len() / 2];
            return (code(status), [("content-type", "application/json")], cut.to_string()).into_response();
        }
        raw_json(status, value)
    }

    /// Bytes with a content type, streamed slowly while `slow_body` is set.
    pub fn slow_bytes(&self, content_type: &'static str, bytes: Vec<u8>) -> Response {
        let delay = *self.slow_body.lock().unwrap();
        let len = bytes.len();
        let body = if delay.is_zero() {
            Body::from(bytes)
        } else {
            let chunks: Vec<bytes::Bytes> = bytes.chunks(1024).map(bytes::Bytes::copy_from_slice).collect();
            let stream = futures_util::stream::unfold(chunks.into_iter(), move |mut it| async move {
                let next = it.next()?;
                tokio::time::sleep(delay).await;
                Some((Ok::<_, std::io::Error>(next), it))
            });
            Body::from_stream(stream)
        };
        let mut r = (StatusCode::OK, [("content-type", content_type)], body).into_response();
        r.headers_mut().insert("content-length", HeaderValue::from(len));
        r
    }
}

fn code(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// A JSON answer.
pub fn raw_json(status: u16, value: &serde_json::Value) -> Response {
    (code(status), [("content-type", "application/json")], value.to_string()).into_response()
}

/// A 429 with `Retry-After` (whole seconds, rounded up).
pub fn too_many(retry_after: Duration, body: &serde_json::Value) -> Response {
    let secs = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
    let mut r = raw_json(429, body);
    r.headers_mut().insert("retry-after", HeaderValue::from(secs.max(1)));
    r
}

/// An answer whose connection is closed after the headers: the body promises bytes it
/// never sends.
pub fn dropped() -> Response {
    let stream = futures_util::stream::iter(vec![
        Ok(bytes::Bytes::from_static(b"{\"partial\":")),
        Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "dropped by the fake")),
    ]);
    let mut r = (StatusCode::OK, [("content-type", "application/json")], Body::from_stream(stream)).into_response();
    r.headers_mut().insert("content-length", HeaderValue::from(4096u32));
    r
}

/// Per-scope sliding windows: at most `limit` requests in any `window` per scope (a key,
/// a team, an IP).
pub struct RateWindow {
    pub limit: Mutex<Option<(usize, Duration)>>,
    seen: Mutex<HashMap<String, VecDeque<Instant>>>,
    /// Requests refused with 429.
    pub refused: AtomicUsize,
}

impl RateWindow {
    pub fn new(limit: Option<(usize, Duration)>) -> RateWindow {
        RateWindow { limit: Mutex::new(limit), seen: Mutex::new(HashMap::new()), refused: AtomicUsize::new(0) }
    }

    /// Records a request of `scope`, or says how long until one is allowed.
    pub fn check(&self, scope: &str) -> Result<(), Duration> {
        let Some((limit, window)) = *self.limit.lock().unwrap() else { return Ok(()) };
        let mut seen = self.seen.lock().unwrap();
        let q = seen.entry(scope.to_string()).or_default();
        let now = Instant::now();
        while q.front().is_some_and(|t| now.duration_since(*t) >= window) {
            q.pop_front();
        }
        if q.len() >= limit {
            self.refused.fetch_add(1, Ordering::SeqCst);
            return Err(window - now.duration_since(q[0]));
        }
        q.push_back(now);
        Ok(())
    }
}

/// A real PNG of `w`×`h` pixels, coloured from `seed` (so different tasks differ).
pub fn png(w: u32, h: u32, seed: u64) -> Vec<u8> {
    let (r, g, b) = ((seed & 0xff) as u8, ((seed >> 8) & 0xff) as u8, ((seed >> 16) & 0xff) as u8);
    let mut data = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            let edge = x < 2 || y < 2 || x + 2 >= w || y + 2 >= h;
            let px = if edge { [20, 20, 20] } else { [r | 0x80, g | 0x80, b | 0x80] };
            data.extend_from_slice(&px);
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut wr = enc.write_header().expect("png header");
        wr.write_image_data(&data).expect("png data");
    }
    out
}

/// A PNG as a service serves it for `mime` (JPEG quality 90, lossless WebP).
pub fn encoded(png: Vec<u8>, mime: &str) -> Vec<u8> {
    let format = match mime {
        "image/jpeg" => image::ImageFormat::Jpeg,
        "image/webp" => image::ImageFormat::WebP,
        _ => return png,
    };
    let Ok(img) = image::load_from_memory_with_format(&png, image::ImageFormat::Png) else { return png };
    let img = if format == image::ImageFormat::Jpeg { image::DynamicImage::ImageRgb8(img.into_rgb8()) } else { img };
    let mut out = std::io::Cursor::new(Vec::new());
    match img.write_to(&mut out, format) {
        Ok(()) => out.into_inner(),
        Err(_) => png,
    }
}

/// A valid PNG of `w`×`h` black 1-bit pixels, small however large (all-zero rows compress
/// about 1000:1), written row by row without ever holding the image.
pub fn huge_png(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::One);
        enc.set_compression(png::Compression::Best);
        let mut wr = enc.write_header().expect("png header");
        let mut stream = wr.stream_writer().expect("png stream");
        let row = vec![0u8; w.div_ceil(8) as usize];
        for _ in 0..h {
            std::io::Write::write_all(&mut stream, &row).expect("png row");
        }
        stream.finish().expect("png data");
    }
    out
}

/// A stable 64-bit hash of a string (FNV-1a), for ids and colours.
pub fn hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

/// The Bearer token of a request, if any.
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<String> {
    let v = headers.get("authorization")?.to_str().ok()?;
    v.strip_prefix("Bearer ").map(|k| k.trim().to_string())
}
