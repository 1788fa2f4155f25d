//! Tests of the Banana.dev fake against its documentation.

use super::catalog::iso_date;
use super::*;
use crate::support::{FaultKind, RateLimit, http};

const KEY: &str = "bk_test_key";

fn post(base: &str, path: &str, body: Value) -> (u16, String, Value) {
    let auth = format!("Bearer {KEY}");
    let (status, head, bytes) = http(
        base,
        "POST",
        path,
        &[("Authorization", &auth), ("Content-Type", "application/json")],
        body.to_string().as_bytes(),
    );
    (status, head, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

fn decode_png(bytes: &[u8]) -> (u32, u32) {
    let r = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().unwrap();
    (r.info().width, r.info().height)
}

#[test]
fn start_only_then_check_until_finished_returns_a_png() {
    let fake = Banana::new(KEY);
    let srv = crate::serve(fake.router(), 0).unwrap();
    let base = srv.base_url();
    let inputs = json!({ "prompt": "a cat", "width": 64, "height": 48 });
    let (st, _, v) = post(
        &base,
        "/bananadev/v1/start",
        json!({ "modelKey": "stable-diffusion-xl", "modelInputs": inputs, "startOnly": true }),
    );
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["data"]["api"]["finished"], false);
    let id = v["data"]["id"].as_str().unwrap().to_string();
    let check = json!({ "id": id, "modelKey": "stable-diffusion-xl" });
    let (_, _, first) = post(&base, "/bananadev/v1/check", check.clone());
    assert_eq!(first["data"]["api"]["finished"], false);
    let (_, _, second) = post(&base, "/bananadev/v1/check", check);
    assert_eq!(second["data"]["api"]["finished"], true);
    let b64 = second["data"]["api"]["modelOutputs"][0]["image_base64"].as_str().unwrap();
    let png = base64::engine::general_purpose::STANDARD.decode(b64).unwrap();
    assert_eq!(decode_png(&png), (64, 48));
    assert_eq!(fake.submissions(), 1);
    assert_eq!(fake.requests("check"), 2);
}

#[test]
fn url_models_serve_their_image_without_a_key() {
    let fake = Banana::new(KEY);
    let srv = crate::serve(fake.router(), 0).unwrap();
    let base = srv.base_url();
    let (st, _, v) =
        post(&base, "/bananadev/v1/run", json!({ "modelKey": "sdxl-url", "modelInputs": {"prompt": "x"} }));
    assert_eq!(st, 200);
    let url = v["data"]["api"]["modelOutputs"][0]["image_url"].as_str().unwrap();
    let path = url.strip_prefix(&base).expect("served by the fake");
    let (st, _, png) = http(&base, "GET", path, &[], b"");
    assert_eq!(st, 200);
    assert_eq!(decode_png(&png), (256, 256));
    assert_eq!(fake.file_downloads_with_key(), 0);
}

#[test]
fn documented_errors() {
    let fake = Banana::new(KEY);
    let srv = crate::serve(fake.router(), 0).unwrap();
    let base = srv.base_url();
    let (st, _, body) = http(&base, "GET", "/bananadev/v1/models?api_token=wrong", &[], b"");
    assert_eq!(st, 401);
    assert!(String::from_utf8_lossy(&body).contains("Invalid API Key"));
    let (st, _, _) = http(&base, "GET", &format!("/bananadev/v1/models?api_token={KEY}"), &[], b"");
    assert_eq!(st, 200);
    let (st, _, v) = post(&base, "/bananadev/v1/run", json!({ "modelKey": "nope", "modelInputs": {} }));
    assert_eq!((st, v["error"].as_str()), (404, Some("Model Not Found")));
    let (st, _, v) = post(&base, "/bananadev/v1/check", json!({ "id": "run_x", "modelKey": "llama-2-7b" }));
    assert_eq!((st, v["error"].as_str()), (404, Some("Run Not Found")));
    let (st, _, _) = post(&base, "/bananadev/v1/run", json!({ "modelKey": "llama-2-7b" }));
    assert_eq!(st, 400);
    let (st, _, v) = post(&base, "/bananadev/v1/deploy", json!({ "modelKey": "m", "source": "nothing" }));
    assert_eq!((st, v["error"].as_str()), (400, Some("Deployment Failed")));
    let (st, _, v) =
        http(&base, "GET", &format!("/bananadev/v1/models/modelkey?model_key=llama-2-7b&api_token={KEY}"), &[], b"");
    assert_eq!(st, 200, "{}", String::from_utf8_lossy(&v));
    fake.faults().inject(FaultKind::Status(503), 1, Some("/v1/run"));
    let (st, _, _) = post(&base, "/bananadev/v1/run", json!({ "modelKey": "llama-2-7b", "modelInputs": {} }));
    assert_eq!(st, 503);
    fake.faults().set_rate_limit(Some(RateLimit { requests: 1, per: Duration::from_secs(60) }));
    let (st, _, _) = post(&base, "/bananadev/v1/run", json!({ "modelKey": "llama-2-7b", "modelInputs": {} }));
    assert_eq!(st, 200);
    let (st, head, _) = post(&base, "/bananadev/v1/run", json!({ "modelKey": "llama-2-7b", "modelInputs": {} }));
    assert_eq!(st, 429);
    assert!(head.to_ascii_lowercase().contains("retry-after: 6"), "{head}");
    fake.faults().set_rate_limit(None);
    let (_, _, usage) = http(&base, "GET", &format!("/bananadev/v1/usage?api_token={KEY}"), &[], b"");
    let usage: Value = serde_json::from_slice(&usage).unwrap();
    assert_eq!(usage["data"]["totalCalls"], 1);
}

#[test]
fn iso_dates_are_checked() {
    assert!(iso_date("2026-02-01T00:00:00Z"));
    assert!(!iso_date("yesterday"));
    assert!(!iso_date("2026-02-01"));
}

#[test]
fn models_account_deploy_and_quota() {
    let fake = Banana::new(KEY);
    fake.set_quota(Some(1));
    let srv = crate::serve(fake.router(), 0).unwrap();
    let base = srv.base_url();
    let get = |path: &str| {
        let (st, _, body) =
            http(&base, "GET", &format!("/bananadev/v1/{path}"), &[("Authorization", &format!("Bearer {KEY}"))], b"");
        (st, serde_json::from_slice::<Value>(&body).unwrap())
    };
    let (st, models) = get("models");
    assert_eq!((st, models["data"]["models"].as_array().map(Vec::len)), (200, Some(3)));
    let (st, m) = get("models/stable-diffusion-xl");
    assert_eq!((st, m["data"]["config"]["maxConcurrency"].as_u64()), (200, Some(5)));
    assert_eq!(get("models/nope").0, 404);
    assert_eq!(get("account").1["data"]["plan"], "pro");
    assert_eq!(get("usage?startDate=2026-02-01T00:00:00Z").0, 200);
    assert_eq!(get("usage?startDate=yesterday").0, 400);
    let (st, _, d) =
        post(&base, "/bananadev/v1/deploy", json!({ "modelKey": "mine", "source": "https://github.com/u/r" }));
    assert_eq!((st, d["data"]["status"].as_str()), (200, Some("deploying")));
    let run = json!({ "modelKey": "mine", "modelInputs": {} });
    assert_eq!(post(&base, "/bananadev/v1/run", run.clone()).0, 200);
    let (st, _, v) = post(&base, "/bananadev/v1/run", run);
    assert_eq!((st, v["error"].as_str()), (429, Some("Rate Limit Exceeded")), "the quota is spent");
    assert_eq!(fake.submissions(), 1);
}
