//! Banana.dev (through LowCodeAPI) request and response bodies
//! (../shared/api/banana-dev.txt): every success body is wrapped in `{"data": …}`.

use serde::Deserialize;
use serde_json::{Map, Value, json};

/// `POST /v1/start` (`start_only`) or `POST /v1/run` (`None`) body.
pub fn run_body(model_key: &str, inputs: &Map<String, Value>, start_only: Option<bool>) -> Value {
    let mut body = json!({ "modelKey": model_key, "modelInputs": inputs });
    if let Some(s) = start_only {
        body["startOnly"] = json!(s);
    }
    body
}

/// `POST /v1/check` body.
pub fn check_body(id: &str, model_key: &str) -> Value {
    json!({ "id": id, "modelKey": model_key })
}

#[derive(Debug, Deserialize)]
struct Envelope {
    data: RunData,
}

#[derive(Debug, Deserialize)]
struct RunData {
    id: String,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    api: Option<Api>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Api {
    #[serde(default)]
    finished: bool,
    #[serde(default)]
    model_outputs: Value,
}

/// A run as start, check and run report it.
#[derive(Debug, PartialEq)]
pub struct RunState {
    pub id: String,
    pub message: Option<String>,
    pub finished: bool,
    pub outputs: Value,
}

/// Parses a start/check/run response; the error says what was wrong with it.
pub fn run_state(body: &Value) -> Result<RunState, String> {
    let e = Envelope::deserialize(body).map_err(|e| format!("unreadable run response: {e}"))?;
    let api = e.data.api.unwrap_or(Api { finished: false, model_outputs: Value::Null });
    Ok(RunState { id: e.data.id, message: e.data.message, finished: api.finished, outputs: api.model_outputs })
}

/// Status names of the error table: an `error` field saying only this adds nothing to the
/// status line the client prints.
const STATUS_NAMES: &[&str] =
    &["Bad Request", "Unauthorized", "Not Found", "Too Many Requests", "Internal Server Error", "Service Unavailable"];

/// The message of an error body. The docs fix no shape, so `error` and `message` fields
/// (also inside `data`), or a `detail`, are read, joined as "error: message" (the `error`
/// part is left out when it only names the status).
/// The model keys of a `GET /v1/models` answer (`data.models[].modelKey`).
pub fn model_keys(body: &Value) -> Vec<String> {
    let models = body.pointer("/data/models").and_then(Value::as_array);
    models.into_iter().flatten().filter_map(|m| m.get("modelKey")?.as_str().map(str::to_string)).collect()
}

pub fn error_message(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let v = v.get("data").filter(|d| d.is_object()).unwrap_or(&v);
    let field = |name: &str| v.get(name).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
    let error = field("error").filter(|e| !STATUS_NAMES.contains(e));
    match (error, field("message").or(field("detail"))) {
        (Some(e), Some(m)) if e != m => Some(format!("{e}: {m}")),
        (Some(e), _) => Some(e.to_string()),
        (None, Some(m)) => Some(m.to_string()),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_responses_parse() {
        let started = br#"{"data": {"id": "run_abc123xyz456", "message": "Run created", "created": 1707600000000,
            "api": {"callID": "run_abc123xyz456", "finished": false, "modelOutputs": null}}}"#;
        let s = run_state(&serde_json::from_slice(started).unwrap()).unwrap();
        assert_eq!((s.id.as_str(), s.finished, s.outputs.is_null()), ("run_abc123xyz456", false, true));
        let done = br#"{"data": {"id": "run_def789ghi012", "message": "Run completed", "created": 1707600000000,
            "api": {"callID": "run_def789ghi012", "finished": true, "modelOutputs": [{"message": "Code flows"}]}}}"#;
        let d = run_state(&serde_json::from_slice(done).unwrap()).unwrap();
        assert!(d.finished);
        assert_eq!(d.outputs[0]["message"], "Code flows");
        assert!(run_state(&json!({"data": {"message": "no id"}})).unwrap_err().contains("unreadable"));
        assert_eq!(run_body("m", &Map::new(), Some(true))["startOnly"], true);
        assert!(run_body("m", &Map::new(), None).get("startOnly").is_none());
    }

    #[test]
    fn error_bodies_give_their_message() {
        let m =
            error_message(br#"{"error": "Invalid API Key", "message": "The provided API key is invalid or expired"}"#);
        assert_eq!(m.as_deref(), Some("Invalid API Key: The provided API key is invalid or expired"));
        assert_eq!(error_message(br#"{"message": "Rate Limit Exceeded"}"#).as_deref(), Some("Rate Limit Exceeded"));
        assert_eq!(error_message(br#"{"data": {"error": "Run Not Found"}}"#).as_deref(), Some("Run Not Found"));
        assert_eq!(error_message(b"<html>bad gateway</html>"), None);
        let plain = br#"{"error": "Bad Request", "message": "Invalid parameters or malformed request"}"#;
        assert_eq!(error_message(plain).as_deref(), Some("Invalid parameters or malformed request"));
    }
}
