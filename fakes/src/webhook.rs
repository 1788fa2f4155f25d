//! Webhook delivery as PaperBanana documents it (`../shared/api/paperbanana.txt`,
//! "Webhooks"): when a task ends, a POST of a JSON payload to the task's `webhook_url` (the
//! request's, else the API key's default) with `Content-Type: application/json`,
//! `X-PaperBanana-Event`, `User-Agent: PaperBanana-Webhook/0.1.2` and, when the key has a
//! `webhook_secret`, `X-PaperBanana-Signature: sha256=` + the hex HMAC-SHA256 of the raw
//! body. A delivery that fails (no connection, no answer within 10 s, or a status of 400 or
//! above) is retried up to three times, after 5, 15 and 60 seconds; `delay_scale` shrinks
//! those delays for tests. The fake delivers over plain `http://` only (tests run on
//! 127.0.0.1); an `https://` target counts as a failed delivery.

use std::sync::Mutex;
use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Delays before the documented retries.
pub const RETRY_DELAYS: [Duration; 3] = [Duration::from_secs(5), Duration::from_secs(15), Duration::from_secs(60)];

/// One delivery attempt, as the fake's history view would show it.
#[derive(Clone, Debug, PartialEq)]
pub struct Attempt {
    pub task_id: String,
    /// 1 for the first delivery, up to 4.
    pub attempt: usize,
    /// The receiver's status; `None` when no answer came.
    pub status: Option<u16>,
}

/// Deliveries made so far, and the scale of the retry delays.
pub struct Deliveries {
    pub attempts: Mutex<Vec<Attempt>>,
    pub delay_scale: Mutex<f64>,
}

impl Default for Deliveries {
    fn default() -> Deliveries {
        Deliveries { attempts: Mutex::new(Vec::new()), delay_scale: Mutex::new(1.0) }
    }
}

impl Deliveries {
    /// Attempts for `task_id`, in order.
    pub fn of(&self, task_id: &str) -> Vec<Attempt> {
        self.attempts.lock().unwrap().iter().filter(|a| a.task_id == task_id).cloned().collect()
    }

    /// Every attempt so far.
    pub fn all(&self) -> Vec<Attempt> {
        self.attempts.lock().unwrap().clone()
    }
}

/// The signature header's value for `body` under `secret`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// Delivers `payload` for `task_id` to `url`, retrying as documented; records each attempt.
pub async fn deliver(
    deliveries: &Deliveries,
    url: &str,
    secret: Option<&str>,
    event: &str,
    task_id: &str,
    payload: &serde_json::Value,
) {
    let body = payload.to_string();
    for attempt in 1..=RETRY_DELAYS.len() + 1 {
        let status = post(url, secret, event, body.as_bytes()).await;
        deliveries.attempts.lock().unwrap().push(Attempt { task_id: task_id.to_string(), attempt, status });
        if status.is_some_and(|s| s < 400) {
            return;
        }
        if let Some(delay) = RETRY_DELAYS.get(attempt - 1) {
            let scale = *deliveries.delay_scale.lock().unwrap();
            tokio::time::sleep(delay.mul_f64(scale)).await;
        }
    }
}

/// One POST; the answer's status, or `None` when there was none.
async fn post(url: &str, secret: Option<&str>, event: &str, body: &[u8]) -> Option<u16> {
    let rest = url.strip_prefix("http://")?;
    let (host, path) = rest.split_once('/').map_or((rest, "/".to_string()), |(h, p)| (h, format!("/{p}")));
    let sig = secret.map(|s| format!("X-PaperBanana-Signature: {}\r\n", sign(s, body))).unwrap_or_default();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nX-PaperBanana-Event: {event}\r\n{sig}User-Agent: PaperBanana-Webhook/0.1.2\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(host).await.ok()?;
        stream.write_all(head.as_bytes()).await.ok()?;
        stream.write_all(body).await.ok()?;
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer).await;
        let text = String::from_utf8_lossy(&answer);
        text.strip_prefix("HTTP/1.")?.get(2..5)?.parse::<u16>().ok()
    };
    tokio::time::timeout(Duration::from_secs(10), exchange).await.ok().flatten()
}
