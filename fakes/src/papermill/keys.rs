//! Papermill fake: API keys (create, list, revoke).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::*;

fn key_view(k: &ApiKey) -> Value {
    json!({ "id": k.id, "name": k.name, "key_prefix": &k.token[..15], "created_at": k.created_at,
            "last_used_at": Value::Null, "revoked_at": k.revoked_at })
}

pub(super) async fn create_key(State(s): St, Extension(owner): Extension<Owner>, body: Bytes) -> Response {
    s.counters.bump("api_keys");
    let parsed: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) => return invalid(["body", "0"], "json_invalid", "JSON decode error", Value::Null),
    };
    let Some(name) = parsed.get("name").and_then(Value::as_str) else {
        return invalid(["body", "name"], "missing", "Field required", parsed);
    };
    if name.trim().is_empty() {
        return detail(StatusCode::UNPROCESSABLE_ENTITY, "API key name must not be empty");
    }
    let user = owner.0.trim_start_matches("user:").to_string();
    let secret = support::uuid().replace('-', "");
    let key = ApiKey {
        id: support::uuid(),
        user: user.clone(),
        name: name.to_string(),
        token: format!("pmk_{secret}_{}", &support::uuid()[..8]),
        created_at: support::now_rfc3339(),
        revoked_at: None,
    };
    s.tokens.lock().unwrap().insert(key.token.clone(), user);
    let mut view = key_view(&key);
    view["token"] = json!(key.token);
    s.keys.lock().unwrap().push(key);
    (StatusCode::CREATED, Json(view)).into_response()
}

pub(super) async fn list_keys(State(s): St, Extension(owner): Extension<Owner>, Query(p): Query<Page>) -> Response {
    s.counters.bump("api_keys");
    let (limit, offset) = match p.parse() {
        Ok(x) => x,
        Err(r) => return r,
    };
    let user = owner.0.trim_start_matches("user:");
    let items = s.keys.lock().unwrap().iter().filter(|k| k.user == user).map(key_view).collect();
    page_of(items, limit, offset)
}

pub(super) async fn revoke_key(State(s): St, Extension(owner): Extension<Owner>, Path(id): Path<String>) -> Response {
    s.counters.bump("api_keys");
    let user = owner.0.trim_start_matches("user:");
    let mut keys = s.keys.lock().unwrap();
    let Some(k) = keys.iter_mut().find(|k| k.id == id && k.user == user) else {
        return detail(StatusCode::NOT_FOUND, "API key not found");
    };
    k.revoked_at.get_or_insert_with(support::now_rfc3339);
    s.tokens.lock().unwrap().remove(&k.token);
    Json(json!({ "revoked": true })).into_response()
}
