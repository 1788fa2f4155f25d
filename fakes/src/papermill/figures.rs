//! Papermill fake: extracted figures (list, one, download) and the object store behind their
//! pre-signed URLs.

use axum::Json;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::atomic::Ordering;

use super::*;

pub(super) fn figure_size(n: u32) -> (u32, u32) {
    (160 + 40 * n, 120 + 20 * n)
}

fn signature(task: &str, n: u32) -> String {
    format!("{:016x}", support::hash64(format!("{task}/{n}/minio-secret").as_bytes()))
}

fn figure_view(headers: &HeaderMap, task: &str, n: u32) -> Value {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    json!({
        "figure_index": n,
        "title": title(n),
        "s3_key": format!("{task}/figures/picture-{n}.png"),
        "url": format!("http://{host}/minio/papermill/{task}/figures/picture-{n}.png?X-Amz-Expires=900&X-Amz-Signature={}",
                       signature(task, n)),
    })
}

pub(super) async fn list_figures(
    State(s): St,
    Extension(owner): Extension<Owner>,
    Path(id): Path<String>,
    Query(p): Query<Page>,
    headers: HeaderMap,
) -> Response {
    s.counters.bump("figures");
    let (figures, _) = match finished(&s, &owner, &id) {
        Ok(f) => f,
        Err(r) => return r,
    };
    match p.parse() {
        Ok((limit, offset)) => {
            let id = id.to_ascii_lowercase();
            page_of((1..=figures).map(|n| figure_view(&headers, &id, n)).collect(), limit, offset)
        }
        Err(r) => r,
    }
}

/// Checks the figure index `n` (an integer ≥ 1) of a finished task; the documented 404/409/422.
fn figure_index(s: &Inner, owner: &Owner, id: &str, raw_n: &str) -> Result<(u32, u64), Response> {
    let n = match raw_n.parse::<i64>() {
        Ok(n) if n >= 1 => n as u32,
        Ok(n) => {
            return Err(invalid(
                ["path", "n"],
                "greater_than_equal",
                "Input should be greater than or equal to 1",
                json!(n),
            ));
        }
        Err(_) => {
            return Err(invalid(["path", "n"], "int_parsing", "Input should be a valid integer", json!(raw_n)));
        }
    };
    let (figures, seed) = finished(s, owner, id)?;
    if n > figures {
        return Err(detail(StatusCode::NOT_FOUND, "Figure not found"));
    }
    Ok((n, seed))
}

pub(super) async fn get_figure(
    State(s): St,
    Extension(owner): Extension<Owner>,
    Path((id, n)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    s.counters.bump("figure");
    match figure_index(&s, &owner, &id, &n) {
        Ok((n, _)) => Json(figure_view(&headers, &id.to_ascii_lowercase(), n)).into_response(),
        Err(r) => r,
    }
}

#[derive(serde::Deserialize)]
pub(super) struct DownloadQuery {
    pub(super) download: Option<bool>,
}

fn figure_png(n: u32, seed: u64) -> Vec<u8> {
    let (w, h) = figure_size(n);
    crate::knobs::png(w, h, seed ^ u64::from(n).wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

pub(super) async fn download_figure(
    State(s): St,
    Extension(owner): Extension<Owner>,
    Path((id, n)): Path<(String, String)>,
    Query(q): Query<DownloadQuery>,
) -> Response {
    s.counters.bump("figure_download");
    let (n, seed) = match figure_index(&s, &owner, &id, &n) {
        Ok(f) => f,
        Err(r) => return r,
    };
    if s.switches.figure_file_missing.load(Ordering::SeqCst) {
        return detail(StatusCode::NOT_FOUND, "Figure file not found");
    }
    if s.switches.storage_fails.load(Ordering::SeqCst) {
        return detail(StatusCode::BAD_GATEWAY, "Failed to fetch figure file");
    }
    s.figure_downloads.fetch_add(1, Ordering::SeqCst);
    let mut resp = ([(header::CONTENT_TYPE, "image/png")], figure_png(n, seed)).into_response();
    if q.download == Some(true) {
        let v = format!("attachment; filename=\"picture-{n}.png\"");
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&v).expect("ascii header"));
    }
    resp
}

#[derive(serde::Deserialize)]
pub(super) struct Presign {
    #[serde(rename = "X-Amz-Signature")]
    pub(super) signature: Option<String>,
}

/// The object store behind the pre-signed URLs (no auth; the signature must match).
pub(super) async fn presigned(
    State(s): St,
    Path((task, file)): Path<(String, String)>,
    Query(q): Query<Presign>,
) -> Response {
    s.counters.bump("presigned");
    let n = file.strip_prefix("picture-").and_then(|f| f.strip_suffix(".png")).and_then(|n| n.parse::<u32>().ok());
    let seed = s.tasks.lock().unwrap().iter().find(|t| t.id == task && t.status == "DONE").map(|t| t.pdf_seed);
    match (n, seed) {
        (Some(n), Some(seed)) if q.signature.as_deref() == Some(signature(&task, n).as_str()) => {
            s.figure_downloads.fetch_add(1, Ordering::SeqCst);
            ([(header::CONTENT_TYPE, "image/png")], figure_png(n, seed)).into_response()
        }
        _ => (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "application/xml")],
            "<Error><Code>AccessDenied</Code></Error>",
        )
            .into_response(),
    }
}
