//! Banana.dev fake: the account side (models, model details in both URL formats, account,
//! usage, deploy).

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};
use std::collections::BTreeMap;

use super::{Model, Output, St, body_object, data, error, required_str};
use crate::support;

fn model_view(m: &Model) -> Value {
    json!({
        "modelKey": m.key,
        "name": m.name,
        "description": format!("{} (fake)", m.name),
        "createdAt": 1_707_500_000_000u64,
        "updatedAt": 1_707_600_000_000u64,
        "config": { "gpuType": "A10G", "maxConcurrency": 5 },
    })
}

pub(super) async fn models(State(s): St) -> Response {
    s.counters.bump("models");
    let models: Vec<Value> = s
        .models
        .lock()
        .unwrap()
        .values()
        .map(|m| {
            json!({ "modelKey": m.key, "name": m.name, "createdAt": 1_707_500_000_000u64,
                    "updatedAt": 1_707_600_000_000u64 })
        })
        .collect();
    data(json!({ "models": models }))
}

#[derive(serde::Deserialize)]
pub(super) struct ModelQuery {
    pub(super) model_key: Option<String>,
}

pub(super) async fn model(State(s): St, Path(model_key): Path<String>, Query(q): Query<ModelQuery>) -> Response {
    s.counters.bump("model");
    // Old format: /v1/models/modelkey?model_key=KEY
    let key = match (model_key.as_str(), q.model_key) {
        ("modelkey", Some(k)) => k,
        _ if s.old_format_only.load(std::sync::atomic::Ordering::SeqCst) => {
            return error(StatusCode::NOT_FOUND, "Not Found", "Use the old URL format");
        }
        _ => model_key,
    };
    match s.models.lock().unwrap().get(&key) {
        Some(m) => data(model_view(m)),
        None => {
            error(StatusCode::NOT_FOUND, "Model Not Found", &format!("The specified modelKey `{key}` does not exist"))
        }
    }
}

pub(super) async fn account(State(s): St) -> Response {
    s.counters.bump("account");
    data(json!({ "accountId": "acc_1234567890", "email": "[email protected]", "plan": "pro",
                 "createdAt": 1_700_000_000_000u64 }))
}

#[derive(serde::Deserialize)]
pub(super) struct UsageQuery {
    #[serde(rename = "startDate")]
    pub(super) start_date: Option<String>,
    #[serde(rename = "endDate")]
    pub(super) end_date: Option<String>,
}

/// `YYYY-MM-DDTHH:MM:SSZ` (ISO 8601 as the docs show it).
pub(super) fn iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && [0..4, 5..7, 8..10, 11..13, 14..16, 17..19].iter().all(|r| b[r.clone()].iter().all(u8::is_ascii_digit))
}

pub(super) async fn usage(State(s): St, Query(q): Query<UsageQuery>) -> Response {
    s.counters.bump("usage");
    for (name, v) in [("startDate", &q.start_date), ("endDate", &q.end_date)] {
        if v.as_deref().is_some_and(|d| !iso_date(d)) {
            return error(
                StatusCode::BAD_REQUEST,
                "Bad Request",
                &format!("Invalid parameters: `{name}` must be ISO 8601"),
            );
        }
    }
    let models = s.models.lock().unwrap().clone();
    let mut by_model: BTreeMap<String, u64> = BTreeMap::new();
    for r in s.runs.lock().unwrap().values() {
        *by_model.entry(r.model.clone()).or_default() += 1;
    }
    let rows: Vec<Value> = by_model
        .iter()
        .map(|(k, calls)| {
            let m = &models[k];
            json!({ "modelKey": k, "calls": calls, "computeTime": calls * m.compute_ms,
                    "cost": *calls as f64 * m.cost_per_call })
        })
        .collect();
    let calls: u64 = by_model.values().sum();
    let compute: u64 = by_model.iter().map(|(k, c)| c * models[k].compute_ms).sum();
    let cost: f64 = by_model.iter().map(|(k, c)| *c as f64 * models[k].cost_per_call).sum();
    data(json!({ "totalCalls": calls, "totalComputeTime": compute, "totalCost": cost, "byModel": rows }))
}

pub(super) async fn deploy(State(s): St, body: Bytes) -> Response {
    s.counters.bump("deploy");
    let m = match body_object(&body) {
        Ok(m) => m,
        Err(resp) => return resp,
    };
    let (key, source) = match (required_str(&m, "modelKey"), required_str(&m, "source")) {
        (Ok(k), Ok(src)) => (k.to_string(), src.to_string()),
        (Err(resp), _) | (_, Err(resp)) => return resp,
    };
    if m.get("environment").is_some_and(|e| !e.is_object()) {
        return error(StatusCode::BAD_REQUEST, "Bad Request", "Invalid parameters: `environment` must be an object");
    }
    let looks_deployable = source.starts_with("https://github.com/") || source.contains(':') || source.contains('/');
    if !looks_deployable {
        return error(
            StatusCode::BAD_REQUEST,
            "Deployment Failed",
            "Model deployment encountered an error: unknown source",
        );
    }
    let mut model = Model::new(&key, Output::Base64 { field: "image_base64".into() });
    model.name = key.clone();
    s.models.lock().unwrap().insert(key.clone(), model);
    data(json!({ "modelKey": key, "deploymentId": format!("deploy_{}", &support::uuid()[..6]),
                 "status": "deploying", "createdAt": support::now_ms() }))
}
