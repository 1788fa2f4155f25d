//! Papermill's request and response bodies (../shared/api/papermill.txt), and the messages
//! made from its FastAPI error bodies.

use serde::Deserialize;
use serde_json::Value;

/// `Task` as `POST /tasks`, `GET /tasks/{id}` and `GET /tasks` return it (fields the client
/// reads; the rest are ignored).
#[derive(Clone, Debug, Deserialize)]
pub struct Task {
    pub id: String,
    pub status: Status,
    #[serde(default)]
    pub file_name: Option<String>,
    #[serde(default)]
    pub error_message: Option<String>,
    /// "UTC timestamp when the task row was created" (RFC 3339, so its text sorts as time).
    #[serde(default)]
    pub created_at: Option<String>,
}

/// The documented lifecycle states.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    Pending,
    Queued,
    Processing,
    Done,
    Failed,
}

/// The paginated envelope of list endpoints.
#[derive(Debug, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    #[serde(default)]
    pub has_more: bool,
}

/// `Figure`: one extracted figure (its key and URL are not needed).
#[derive(Clone, Debug, Deserialize)]
pub struct Figure {
    pub figure_index: u32,
    /// "Title extracted for the figure from the parsed document metadata".
    #[serde(default)]
    pub title: Option<String>,
}

/// A `multipart/form-data` body with one `file` field; returns (content type, body). The
/// boundary is derived from the contents, so it never occurs inside them.
pub fn multipart_file(file_name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let hex = crate::digest::Digest::of(bytes).hex();
    let mut n = 0u32;
    let boundary = loop {
        let b = format!("paperfig-{}-{n}", &hex[..24]);
        if !bytes.windows(b.len()).any(|w| w == b.as_bytes()) {
            break b;
        }
        n += 1;
    };
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
         Content-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The message of a FastAPI error body: `detail` as a string, or the `msg` (and `loc`) of
/// each validation error; `None` when the body has neither.
pub fn error_detail(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    match v.get("detail")? {
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => {
            let msgs: Vec<String> = items
                .iter()
                .filter_map(|e| {
                    let msg = e.get("msg")?.as_str()?;
                    let loc: Vec<String> = e
                        .get("loc")
                        .and_then(Value::as_array)
                        .map(|l| l.iter().map(|p| p.as_str().map_or_else(|| p.to_string(), str::to_string)).collect())
                        .unwrap_or_default();
                    Some(if loc.is_empty() { msg.to_string() } else { format!("{msg} ({})", loc.join(".")) })
                })
                .collect();
            (!msgs.is_empty()).then(|| msgs.join("; "))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_and_pages_parse_from_documented_examples() {
        let t: Task =
            serde_json::from_str(r#"{"id": "d227b2b7-1c3f-4e6f-96a9-450f11e35561", "status": "QUEUED"}"#).unwrap();
        assert_eq!(t.status, Status::Queued);
        let p: Page<Figure> = serde_json::from_str(
            r#"{"items": [{"figure_index": 1, "title": "Figure 1. Evaluation pipeline overview",
               "s3_key": "k", "url": "https://minio.localhost/papermill/..."}],
               "total": 1, "limit": 50, "offset": 0, "has_more": false}"#,
        )
        .unwrap();
        assert_eq!((p.items[0].figure_index, p.total, p.has_more), (1, 1, false));
        assert_eq!(p.items[0].title.as_deref(), Some("Figure 1. Evaluation pipeline overview"));
    }

    #[test]
    fn error_details_in_both_fastapi_shapes() {
        assert_eq!(error_detail(br#"{"detail": "Task not found"}"#).as_deref(), Some("Task not found"));
        let v = br#"{"detail": [{"type": "greater_than_equal", "loc": ["path", "n"], "msg": "Input should be greater than or equal to 1"}]}"#;
        assert_eq!(error_detail(v).as_deref(), Some("Input should be greater than or equal to 1 (path.n)"));
        assert_eq!(error_detail(b"<html>"), None);
    }

    #[test]
    fn multipart_body_frames_the_file() {
        let (ct, body) = multipart_file("a.pdf", b"%PDF-1.7 data");
        let boundary = ct.strip_prefix("multipart/form-data; boundary=").unwrap();
        let text = String::from_utf8(body).unwrap();
        assert!(text.starts_with(&format!("--{boundary}\r\n")));
        assert!(text.contains("name=\"file\"; filename=\"a.pdf\""));
        assert!(text.ends_with(&format!("application/pdf\r\n\r\n%PDF-1.7 data\r\n--{boundary}--\r\n")));
    }
}
