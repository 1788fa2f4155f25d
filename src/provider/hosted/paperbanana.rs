//! PaperBanana (`../shared/api/paperbanana.txt`): methodology diagrams via
//! `POST /api/generate` (source_context = the directive's body, caption, iterations) and
//! statistical plots via `POST /api/plot` (data_json = the `data=` file, or the data inline
//! after a line `---` in the body, as a JSON *string*; intent = the body before it), then `GET /api/tasks/{id}` every 3–5 s until `completed` (image in
//! `image_base64`, else downloaded from `image_url` or `GET /api/tasks/{id}/image` with the
//! key; the `description` is noted as the figure's alt text) or `failed`.
//!
//! Documented facts used here: Bearer key; errors `{"detail": …}` with 401/403/404/422/500;
//! one quota unit per accepted submission; no stated rate limit (set `rate_limit` if your
//! deployment has one). With `webhook_*` configured (`webhook.rs`), each submission names
//! `webhook_url` (without the image: it is fetched with the key) and a signed callback
//! wakes the task's poll; the secret is the one set on the API key (`webhook_secret`).

use std::sync::Arc;

use base64::Engine as _;
use serde_json::{Value, json};

use super::config::ProviderConfig;
use super::cost::Cost;
use super::http::{Client, ErrorDoc, HostedError};
use super::service::{Cadence, Documented, Image, OptionError, Poll, Service, ServiceSpec, Submitted};
use super::webhook::WebhookConfig;
use crate::model::{Kind, ProviderError, Request, note};

pub static SPEC: ServiceSpec = ServiceSpec {
    service: "paperbanana",
    default_base_url: "https://api.paperbanana.me",
    doc: Documented {
        auth: super::http::Auth::Bearer,
        errors: ErrorDoc { message: detail_message, status: status_meaning },
        rate_per_min: None,
        concurrency: 4,
        poll: Cadence { min_secs: 3.0, max_secs: 5.0, default_secs: 3.0 },
        cost_unit: "quota units",
    },
    options: &["iterations", "webhook_listen", "webhook_url", "webhook_secret_env", "webhook_poll"],
    check,
    make,
};

const VERSION: &str = "paperbanana/1";
const DEFAULT_ITERATIONS: u32 = 3;

fn check(cfg: &ProviderConfig) -> Result<(), OptionError> {
    WebhookConfig::from_options(&cfg.options, SPEC.doc.poll.min_secs)?;
    match cfg.options.get("iterations") {
        None => Ok(()),
        Some(v) if v.as_integer().is_some_and(|n| (1..=10).contains(&n)) => Ok(()),
        Some(v) => {
            Err(("iterations", format!("iterations = {v} is out of range"), "PaperBanana takes 1 to 10 iterations"))
        }
    }
}

fn make(cfg: &ProviderConfig) -> Arc<dyn Service> {
    let iterations =
        cfg.options.get("iterations").and_then(toml::Value::as_integer).map_or(DEFAULT_ITERATIONS, |n| n as u32);
    // Checked by `check` before any service is made.
    let webhook = WebhookConfig::from_options(&cfg.options, SPEC.doc.poll.min_secs).ok().flatten();
    Arc::new(PaperBanana { iterations, webhook })
}

/// `{"detail": "…"}`; FastAPI validation errors carry a list of `{"msg": …}` instead.
fn detail_message(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    match v.get("detail")? {
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => {
            Some(items.iter().filter_map(|i| i.get("msg").and_then(Value::as_str)).collect::<Vec<_>>().join("; "))
        }
        other => Some(other.to_string()),
    }
}

fn status_meaning(status: u16) -> Option<(&'static str, &'static str)> {
    Some(match status {
        401 => ("Unauthorized", "missing or invalid API key"),
        403 => ("Forbidden", "API key disabled or quota exhausted"),
        404 => ("Not found", "unknown task ID, missing key, or inaccessible image"),
        422 => ("Validation error", "missing required fields or invalid JSON in data_json"),
        500 => ("Server error", "internal configuration or runtime issue"),
        _ => return None,
    })
}

struct PaperBanana {
    iterations: u32,
    webhook: Option<WebhookConfig>,
}

impl PaperBanana {
    fn iterations(&self, req: &Request) -> Result<u32, ProviderError> {
        match req.attr("iterations") {
            None => Ok(self.iterations),
            Some(v) => v.trim().parse::<u32>().ok().filter(|n| (1..=10).contains(n)).ok_or_else(|| {
                ProviderError::new(format!("iterations={v} is out of range"))
                    .at_attr("iterations")
                    .hint("PaperBanana takes 1 to 10 refinement iterations")
            }),
        }
    }
}

/// A plot's body: the intent, then optionally a line `---` and the data inline (CSV or
/// JSON, as the builtin plot reads it). The data's byte range in the body comes with it.
fn split_body(body: &str) -> (&str, Option<(&str, std::ops::Range<usize>)>) {
    let mut at = 0;
    for line in body.split_inclusive('\n') {
        if line.trim_end() == "---" {
            let data = at + line.len();
            return (&body[..at], Some((&body[data..], data..body.len())));
        }
        at += line.len();
    }
    (body, None)
}

/// The intent a plot sends: the body before an inline `---` data section.
fn intent(req: &Request) -> &str {
    split_body(&req.body).0.trim()
}

/// The plot's data as the JSON text PaperBanana wants in `data_json`: the `data=` file, or
/// the data inline after a line `---` in the body (never both). JSON as it is (checked),
/// CSV as an object of columns (numbers where a cell parses as one). Errors in inline data
/// point into the body.
fn data_json(req: &Request) -> Result<String, ProviderError> {
    let inline = split_body(&req.body).1.filter(|(text, _)| !text.trim().is_empty());
    match (req.files.get("data"), inline) {
        (Some(_), Some(_)) => Err(ProviderError::new("this plot has both a data= file and inline data after `---`")
            .at_attr("data")
            .hint("remove data= or the inline data")),
        (Some(file), None) => {
            let text = std::str::from_utf8(&file.bytes)
                .map_err(|_| ProviderError::new("the data file is not UTF-8 text").at_attr("data"))?;
            match file.ext.as_str() {
                "json" => json_text(text),
                "csv" => csv_columns(text),
                other => Err(format!("PaperBanana cannot read .{other} data; give a .json or .csv file")),
            }
            .map_err(|e| ProviderError::new(e).at_attr("data").hint("PaperBanana receives the data as data_json"))
        }
        (None, Some((text, range))) => {
            let t = text.trim_start();
            let r = if t.starts_with(['{', '[']) { json_text(text) } else { csv_columns(text) };
            r.map_err(|e| {
                ProviderError::new(e.replace("the data file", "the inline data"))
                    .at_body(range)
                    .hint("write CSV (a header line, then rows) or JSON after the `---` line")
            })
        }
        (None, None) => Err(ProviderError::new("PaperBanana plots need data: a data= file (JSON or CSV), or the data inline after a line `---` in the body")
            .at_attr("kind")
            .hint("add data=results.json (or .csv), or write the intent, a line `---`, then the CSV or JSON")),
    }
}

/// JSON text, checked, in compact form.
fn json_text(text: &str) -> Result<String, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("the data file is not valid JSON: {e}"))?;
    Ok(v.to_string())
}

/// CSV as a JSON object of columns.
fn csv_columns(text: &str) -> Result<String, String> {
    let mut rd = csv::ReaderBuilder::new().from_reader(text.trim_start().as_bytes());
    let headers: Vec<String> =
        rd.headers().map_err(|e| format!("cannot read the CSV header: {e}"))?.iter().map(str::to_string).collect();
    let mut cols: Vec<Vec<Value>> = vec![Vec::new(); headers.len()];
    for rec in rd.records() {
        let rec = rec.map_err(|e| format!("cannot read the CSV: {e}"))?;
        for (i, cell) in rec.iter().enumerate().take(headers.len()) {
            cols[i].push(
                cell.trim()
                    .parse::<f64>()
                    .ok()
                    .and_then(|n| serde_json::Number::from_f64(n).map(Value::Number))
                    .unwrap_or_else(|| json!(cell)),
            );
        }
    }
    let obj: serde_json::Map<String, Value> = headers.into_iter().zip(cols.into_iter().map(Value::Array)).collect();
    Ok(Value::Object(obj).to_string())
}

impl Service for PaperBanana {
    fn check(&self, client: &Client, _total: Cost) -> Result<Vec<String>, HostedError> {
        let health = client.get_json("api/health")?;
        let version = health.get("version").and_then(Value::as_str).unwrap_or("unknown");
        // No free request reads a user key's quota; a task nobody made answers 404 with a
        // valid key and 401 without one.
        match client.get_json("api/tasks/paperfig-status-check") {
            Ok(_) | Err(HostedError::Status { status: 404, .. }) => {}
            Err(e) => return Err(e),
        }
        Ok(vec![
            format!("online (version {version})"),
            "key accepted".into(),
            "quota not readable with a user key".into(),
        ])
    }
    fn version(&self) -> &'static str {
        VERSION
    }
    fn attrs(&self) -> &'static [&'static str] {
        &["iterations"]
    }
    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Diagram, Kind::Plot]
    }
    fn uses_caption(&self) -> bool {
        true
    }
    fn webhook(&self) -> Option<&WebhookConfig> {
        self.webhook.as_ref()
    }
    fn prepare(&self, req: &mut Request) -> Result<(), ProviderError> {
        let iterations = self.iterations(req)?;
        let text = if req.kind == Kind::Plot { intent(req) } else { req.body.trim() };
        if text.is_empty() {
            let what = if req.kind == Kind::Plot { "the chart's intent" } else { "the methodology text" };
            return Err(ProviderError::new(format!("PaperBanana needs {what} in the figure's body")).at_attr("kind"));
        }
        match req.kind {
            Kind::Diagram if req.attr("caption").is_none_or(|c| c.trim().is_empty()) => {
                return Err(ProviderError::new(
                    "PaperBanana diagrams need a caption (it is the figure title the service draws)",
                )
                .at_attr("kind")
                .hint("add caption=\"Figure 1: …\""));
            }
            Kind::Plot => {
                data_json(req)?;
            }
            _ => {}
        }
        req.extra.insert("iterations".into(), iterations.to_string());
        Ok(())
    }
    fn cost(&self, _req: &Request) -> Cost {
        Cost::new(1.0, SPEC.doc.cost_unit)
    }
    fn submit(&self, client: &Client, req: &Request, _drafts: &[String]) -> Result<Submitted, HostedError> {
        let iterations = req.extra.get("iterations").and_then(|i| i.parse::<u32>().ok()).unwrap_or(self.iterations);
        let (path, mut body) = match req.kind {
            Kind::Plot => {
                let data = data_json(req).map_err(|e| HostedError::Status { status: 422, message: e.message })?;
                ("api/plot", json!({"data_json": data, "intent": intent(req), "iterations": iterations}))
            }
            _ => (
                "api/generate",
                json!({"source_context": req.body.trim(), "caption": req.attr("caption").unwrap_or_default(), "iterations": iterations}),
            ),
        };
        if let Some(w) = &self.webhook {
            body["webhook_url"] = json!(w.url);
            body["webhook_include_image"] = json!(false);
        }
        let v = client.post_json(path, &body)?;
        let id =
            v.get("task_id").and_then(Value::as_str).filter(|s| !s.is_empty()).ok_or_else(|| {
                HostedError::Malformed(format!("{}: the submission answer has no task_id", client.name))
            })?;
        Ok(Submitted::Task(id.to_string()))
    }
    fn poll(&self, client: &Client, task: &str) -> Result<Poll, HostedError> {
        let v = client.get_json(&format!("api/tasks/{task}"))?;
        let status = v.get("status").and_then(Value::as_str).unwrap_or("");
        match status {
            "pending" | "running" => Ok(Poll::Running { stage: Some(status.to_string()) }),
            "completed" => {
                let text = |field: &str| v.get(field).and_then(Value::as_str).filter(|s| !s.trim().is_empty());
                let bytes = match text("image_base64") {
                    Some(b64) => base64::engine::general_purpose::STANDARD.decode(b64.trim()).map_err(|_| {
                        HostedError::Malformed(format!("{}: task {task}: image_base64 is not base64", client.name))
                    })?,
                    // `image_url` (the key goes only to the base URL's own origin), else the
                    // documented download path.
                    None => match client.get_bytes(text("image_url").unwrap_or(&format!("api/tasks/{task}/image"))) {
                        Ok(reply) => reply.body,
                        // "The task does not exist or the image is not available yet."
                        Err(HostedError::Download { status: 404, .. }) => {
                            return Ok(Poll::Running { stage: Some("image not available yet".into()) });
                        }
                        Err(e) => return Err(e),
                    },
                };
                Ok(Poll::Done(Image::bare(bytes).noted(note::ALT, text("description"))))
            }
            "failed" => {
                let why = v.get("error").and_then(Value::as_str).unwrap_or("no reason given");
                Ok(Poll::Failed(format!("failed: {why}")))
            }
            other => Err(HostedError::Malformed(format!("{}: task {task} has unknown status `{other}`", client.name))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Format, InputFile, OutputSpec};
    use std::collections::BTreeMap;

    fn req(kind: Kind, data: Option<(&str, &str)>) -> Request {
        Request {
            kind,
            provider: "pb".into(),
            provider_version: VERSION.into(),
            attrs: BTreeMap::from([("caption".to_string(), "Figure 1: X".to_string())]),
            body: "Bar chart of accuracy".into(),
            files: data
                .map(|(ext, text)| ("data".to_string(), InputFile::new(ext, text.as_bytes().to_vec())))
                .into_iter()
                .collect(),
            extra: BTreeMap::new(),
            output: OutputSpec { formats: vec![Format::Png], width_in: 3.3, height_in: 2.0, png_dpi: 192.0 },
        }
    }

    #[test]
    fn csv_data_becomes_a_json_string_of_columns() {
        let r = req(Kind::Plot, Some(("csv", "model,acc\nResNet,76.1\nViT,81.8\n")));
        let v: Value = serde_json::from_str(&data_json(&r).unwrap()).unwrap();
        assert_eq!(v, json!({"model": ["ResNet", "ViT"], "acc": [76.1, 81.8]}));
        let bad = req(Kind::Plot, Some(("json", "{not json")));
        assert_eq!(data_json(&bad).unwrap_err().attr.as_deref(), Some("data"));
    }

    #[test]
    fn inline_data_after_a_dashed_line_is_the_data_and_the_rest_the_intent() {
        let mut r = req(Kind::Plot, None);
        r.body = "Bar chart of accuracy\n---\nmodel,acc\nResNet,76.1\n".into();
        let v: Value = serde_json::from_str(&data_json(&r).unwrap()).unwrap();
        assert_eq!(v, json!({"model": ["ResNet"], "acc": [76.1]}));
        assert_eq!(intent(&r), "Bar chart of accuracy");
        r.body = "Intent\r\n---\r\n{\"a\": [1, 2]}".into();
        assert_eq!(data_json(&r).unwrap(), r#"{"a":[1,2]}"#);
        assert_eq!(intent(&r), "Intent");
        // Bad inline JSON points at the data in the body.
        r.body = "Intent\n---\n{not json\n".into();
        let e = data_json(&r).unwrap_err();
        assert_eq!(e.body, Some(11..r.body.len()), "{e:?}");
        assert!(e.message.contains("inline data"), "{}", e.message);
        // Both a file and inline data: refused at data=.
        let mut both = req(Kind::Plot, Some(("csv", "a,b\n1,2\n")));
        both.body = "Intent\n---\na,b\n3,4\n".into();
        assert_eq!(data_json(&both).unwrap_err().attr.as_deref(), Some("data"));
        // Neither, or only a dashed line: no data.
        let mut none = req(Kind::Plot, None);
        assert_eq!(data_json(&none).unwrap_err().attr.as_deref(), Some("kind"));
        none.body = "Intent\n---\n  \n".into();
        assert_eq!(data_json(&none).unwrap_err().attr.as_deref(), Some("kind"));
        // An intent with nothing before the data is refused at plan time.
        let pb = PaperBanana { iterations: 3, webhook: None };
        let mut no_intent = req(Kind::Plot, None);
        no_intent.body = "---\na,b\n1,2\n".into();
        assert!(pb.prepare(&mut no_intent).unwrap_err().message.contains("intent"));
    }

    #[test]
    fn prepare_puts_effective_iterations_in_the_key_material() {
        let pb = PaperBanana { iterations: 3, webhook: None };
        let mut r = req(Kind::Diagram, None);
        pb.prepare(&mut r).unwrap();
        assert_eq!(r.extra["iterations"], "3");
        r.attrs.insert("iterations".into(), "11".into());
        assert_eq!(pb.prepare(&mut r).unwrap_err().attr.as_deref(), Some("iterations"));
        let mut no_caption = req(Kind::Diagram, None);
        no_caption.attrs.clear();
        assert!(pb.prepare(&mut no_caption).unwrap_err().message.contains("need a caption"));
    }

    #[test]
    fn error_details_are_read_from_both_fastapi_shapes() {
        assert_eq!(detail_message(br#"{"detail": "Quota exhausted"}"#).as_deref(), Some("Quota exhausted"));
        assert_eq!(
            detail_message(br#"{"detail": [{"msg": "field required"}, {"msg": "bad"}]}"#).as_deref(),
            Some("field required; bad")
        );
        assert_eq!(detail_message(b"<html>"), None);
    }
}
