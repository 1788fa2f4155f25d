//! Banana.dev through LowCodeAPI (`../shared/api/banana-dev.txt`): `kind=image` figures made
//! by a model run. `POST /v1/start` with `startOnly: true` returns a run id (journaled), then
//! `POST /v1/check {id, modelKey}` until `finished`; or, with `endpoint=run`, one blocking
//! `POST /v1/run`. The image comes from `modelOutputs` (see `outputs` for the accepted
//! shapes); how a directive spells the run is in `inputs`.
//!
//! Documented facts used here: the key goes as `?api_token=` (LowCodeAPI's URL format) and
//! as `Authorization: Bearer` (the document's "Authentication" section); success bodies are wrapped in `{"data": …}`;
//! statuses 400/401/404/429/500/503 with the messages of the error table; no stated rate
//! limit or poll cadence; the model config example allows `maxConcurrency: 5`, the default
//! concurrency here. Costs: the docs publish no price list, only a usage example ($45.50 for
//! 1250 calls), so a run is estimated at `cost_per_run` dollars (default 0.0364, that
//! example's average).
//!
//! Before the first run of a model key, `GET /v1/models/{model_key}` checks that the account
//! has it (once per key and build; on a 404, the document's "Old Format"
//! `/v1/models/modelkey?model_key=…`, then the account's list): a mistyped key fails its
//! figures, naming the account's models (`GET /v1/models`), before anything is paid for.
//!
//! A run is journaled as `"RUN_ID MODEL_KEY [OUTPUT_FIELD]"`: `/v1/check` needs the model key
//! and reading the finished run needs the directive's `output=` (neither holds spaces).

mod inputs;
mod outputs;
mod wire;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::config::ProviderConfig;
use super::cost::Cost;
use super::http::{Body, Client, ErrorDoc, HostedError, Repeat};
use super::service::{Cadence, Documented, Image, OptionError, Poll, Service, ServiceSpec, Submitted};
use crate::model::{Kind, ProviderError, Request};
use inputs::{Endpoint, RunSpec, run_spec};

pub static SPEC: ServiceSpec = ServiceSpec {
    service: "banana",
    default_base_url: "https://api.lowcodeapi.com/bananadev",
    doc: Documented {
        // Every example carries `?api_token=`; "Authentication" names the Bearer header.
        auth: super::http::Auth::QueryAndBearer("api_token"),
        errors: ErrorDoc { message: wire::error_message, status: status_meaning },
        rate_per_min: None,
        concurrency: 5,
        // The documentation says "check status periodically" and fixes no cadence.
        poll: Cadence { min_secs: 0.01, max_secs: 60.0, default_secs: 2.0 },
        cost_unit: "dollars",
    },
    options: &["model", "cost_per_run"],
    check,
    make,
};

const VERSION: &str = "banana/1";
/// Dollars per run: the documented usage example, $45.50 for 1250 calls.
pub const DEFAULT_COST_PER_RUN: f64 = 45.50 / 1250.0;

fn check(cfg: &ProviderConfig) -> Result<(), OptionError> {
    if let Some(m) = cfg.options.get("model") {
        if m.as_str().is_none_or(|m| m.trim().is_empty()) {
            return Err(("model", format!("model = {m} is not a model key"), "give the modelKey as a string"));
        }
    }
    if let Some(c) = cfg.options.get("cost_per_run") {
        let n = c.as_float().or_else(|| c.as_integer().map(|i| i as f64));
        if !n.is_some_and(|n| n.is_finite() && n >= 0.0) {
            return Err((
                "cost_per_run",
                format!("cost_per_run = {c} is not a price"),
                "give dollars per run, e.g. 0.04",
            ));
        }
    }
    Ok(())
}

fn make(cfg: &ProviderConfig) -> Arc<dyn Service> {
    let model = cfg.options.get("model").and_then(toml::Value::as_str).map(|m| m.trim().to_string());
    let cost = cfg.options.get("cost_per_run").and_then(|c| c.as_float().or_else(|| c.as_integer().map(|i| i as f64)));
    Arc::new(Banana { model, cost_per_run: cost.unwrap_or(DEFAULT_COST_PER_RUN), models: Mutex::default() })
}

/// The error table of the docs: meaning and hint per status.
fn status_meaning(status: u16) -> Option<(&'static str, &'static str)> {
    Some(match status {
        400 => ("Bad Request", "check model= and the model inputs"),
        401 => ("Unauthorized", "the API key is invalid, expired or missing"),
        404 => ("Not Found", "check model=: the model key must exist in the account"),
        429 => ("Too Many Requests", "the account's rate limit was exceeded"),
        500 => ("Internal Server Error", "Banana.dev failed; try again later"),
        503 => ("Service Unavailable", "a temporary outage; try again later"),
        _ => return None,
    })
}

struct Banana {
    /// `model` of `[providers.X]`: the model key when a directive names none.
    model: Option<String>,
    cost_per_run: f64,
    /// Model keys looked up in the account: `Err` holds why a key is not there.
    models: Mutex<HashMap<String, Result<(), String>>>,
}

impl Banana {
    /// Checks that the account has `key` (`GET /v1/models/{key}`), once per key; a key it
    /// does not have is an error naming the keys it has. Network and service failures are
    /// not remembered: the next figure asks again.
    fn check_model(&self, client: &Client, key: &str) -> Result<(), HostedError> {
        // Held while asking, so that figures of one model ask once.
        let mut models = self.models.lock().unwrap_or_else(|p| p.into_inner());
        let found = match models.get(key) {
            Some(found) => found.clone(),
            None => {
                let encoded = url::form_urlencoded::byte_serialize(key.as_bytes()).collect::<String>();
                let not_found = |e: &HostedError| matches!(e, HostedError::Status { status: 404, .. });
                // "If you receive a 404 or error, try Old Format with sanitized path."
                let asked = client.get_json(&format!("v1/models/{encoded}")).or_else(|e| match not_found(&e) {
                    true => client.get_json(&format!("v1/models/modelkey?model_key={encoded}")),
                    false => Err(e),
                });
                let found = match asked {
                    Ok(_) => Ok(()),
                    Err(e) if not_found(&e) => {
                        let keys = client.get_json("v1/models").map(|v| wire::model_keys(&v)).unwrap_or_default();
                        if keys.iter().any(|k| k == key) {
                            Ok(())
                        } else {
                            let has =
                                if keys.is_empty() { String::new() } else { format!(" (it has {})", keys.join(", ")) };
                            Err(format!("{}: the account has no model `{key}`{has}; nothing was run", client.name))
                        }
                    }
                    Err(e) => return Err(e),
                };
                models.insert(key.to_string(), found.clone());
                found
            }
        };
        found.map_err(|message| HostedError::Status { status: 404, message })
    }

    /// The run of a prepared request (prepare checked it; this cannot fail then).
    fn spec(&self, req: &Request) -> Result<RunSpec, HostedError> {
        run_spec(req, self.model.as_deref()).map_err(|e| HostedError::Task(e.message))
    }
}

/// The image of a finished run (PNG, JPEG or WebP): decoded from `modelOutputs` or downloaded from its URL.
fn image(client: &Client, model: &str, outputs: &serde_json::Value, field: Option<&str>) -> Result<Image, HostedError> {
    let fail = |e: String| HostedError::Task(format!("{}: model `{model}` returned no usable image: {e}", client.name));
    let mut all = Vec::new();
    for found in outputs::find_images(outputs, field).map_err(fail)? {
        let bytes = match found {
            outputs::Found::Bytes(b) => b,
            outputs::Found::Url(url) => client.get_bytes(&url)?.body,
        };
        outputs::check_image(&bytes).map_err(fail)?;
        all.push(bytes);
    }
    Ok(Image::several(all))
}

impl Service for Banana {
    fn check(&self, client: &Client, _total: Cost) -> Result<Vec<String>, HostedError> {
        let models = wire::model_keys(&client.get_json("v1/models")?);
        Ok(vec!["key accepted".into(), format!("{} models in the account", models.len())])
    }
    fn version(&self) -> &'static str {
        VERSION
    }
    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Image]
    }
    fn attrs(&self) -> &'static [&'static str] {
        inputs::ATTRS
    }
    fn numbered_outputs(&self) -> bool {
        true
    }
    fn file_attrs(&self) -> &'static [&'static str] {
        &[]
    }
    fn prepare(&self, req: &mut Request) -> Result<(), ProviderError> {
        let spec = run_spec(req, self.model.as_deref())?;
        req.extra.insert("model".into(), spec.model_key);
        Ok(())
    }
    fn cost(&self, _req: &Request) -> Cost {
        Cost::new(self.cost_per_run, SPEC.doc.cost_unit)
    }
    fn submit(&self, client: &Client, req: &Request, _drafts: &[String]) -> Result<Submitted, HostedError> {
        let spec = self.spec(req)?;
        self.check_model(client, &spec.model_key)?;
        let (path, start_only) = match spec.endpoint {
            Endpoint::Start => ("v1/start", Some(true)),
            Endpoint::Run => ("v1/run", None),
        };
        let v = client.post_json(path, &wire::run_body(&spec.model_key, &spec.inputs, start_only))?;
        let run = wire::run_state(&v).map_err(|e| HostedError::Malformed(format!("{}: {e}", client.name)))?;
        if run.finished {
            return image(client, &spec.model_key, &run.outputs, spec.output_field.as_deref()).map(Submitted::Done);
        }
        let mut task = format!("{} {}", run.id, spec.model_key);
        if let Some(field) = &spec.output_field {
            task.push(' ');
            task.push_str(field);
        }
        Ok(Submitted::Task(task))
    }
    fn poll(&self, client: &Client, task: &str) -> Result<Poll, HostedError> {
        let parts: Vec<&str> = task.split(' ').collect();
        let (id, model, field) = match parts[..] {
            [id, model] => (id, model, None),
            [id, model, field] => (id, model, Some(field)),
            _ => return Err(HostedError::Malformed(format!("{}: journal entry `{task}` is not a run", client.name))),
        };
        let body = wire::check_body(id, model);
        // /v1/check is idempotent: an unreadable answer is asked again.
        let mut attempt = 0;
        let run = loop {
            let reply = client.send("POST", "v1/check", Body::Json(&body), Repeat::Idempotent)?;
            let parsed = reply.json().and_then(|v| wire::run_state(&v).map_err(HostedError::Malformed));
            match parsed {
                Ok(run) => break run,
                Err(_) if attempt < client.backoff.retries && client.pause_before_retry(attempt) => attempt += 1,
                Err(e) => return Err(HostedError::Malformed(format!("{}: run {id}: {e}", client.name))),
            }
        };
        if !run.finished {
            return Ok(Poll::Running { stage: run.message });
        }
        image(client, model, &run.outputs, field).map(Poll::Done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Format, OutputSpec};
    use std::collections::BTreeMap;

    fn service(toml_text: &str) -> Arc<dyn Service> {
        let options: toml::Table = toml::from_str(toml_text).unwrap();
        let cfg = ProviderConfig {
            name: "banana".into(),
            service: "banana".into(),
            base_url: SPEC.default_base_url.into(),
            api_key_env: "K".into(),
            concurrency: None,
            rate_limit: None,
            poll_interval: None,
            timeout_secs: 60.0,
            retries: 6,
            backoff_secs: 0.5,
            options,
        };
        check(&cfg).unwrap();
        make(&cfg)
    }

    fn prepared(svc: &Arc<dyn Service>, attrs: &[(&str, &str)]) -> Request {
        let mut req = Request {
            kind: Kind::Image,
            provider: "banana".into(),
            provider_version: VERSION.into(),
            attrs: attrs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            body: "a cat".into(),
            files: BTreeMap::new(),
            extra: BTreeMap::new(),
            output: OutputSpec { formats: vec![Format::Png], width_in: 3.3, height_in: 2.0, png_dpi: 96.0 },
        };
        svc.prepare(&mut req).unwrap();
        req
    }

    #[test]
    fn the_configured_model_is_in_the_key() {
        let a = prepared(&service("model = \"sdxl\""), &[]);
        let b = prepared(&service("model = \"sdxl-turbo\""), &[]);
        assert_eq!(a.extra["model"], "sdxl");
        assert_ne!(crate::key::key_of(&a), crate::key::key_of(&b));
        let named = prepared(&service("model = \"sdxl-turbo\""), &[("model", "sdxl")]);
        assert_eq!(named.extra["model"], "sdxl", "the directive's model wins");
        let other_default = prepared(&service("model = \"llama\""), &[("model", "sdxl")]);
        assert_eq!(
            crate::key::key_of(&named),
            crate::key::key_of(&other_default),
            "an unused configured default does not change the key"
        );
    }

    #[test]
    fn costs_and_config_checks() {
        let svc = service("cost_per_run = 0.5");
        assert_eq!(svc.cost(&prepared(&svc, &[("model", "m")])), Cost::new(0.5, "dollars"));
        let default = service("");
        assert_eq!(default.cost(&prepared(&default, &[("model", "m")])).amount, DEFAULT_COST_PER_RUN);
        let bad: toml::Table = toml::from_str("cost_per_run = -1").unwrap();
        let mut cfg_bad = ProviderConfig {
            name: "b".into(),
            service: "banana".into(),
            base_url: "http://x".into(),
            api_key_env: "K".into(),
            concurrency: None,
            rate_limit: None,
            poll_interval: None,
            timeout_secs: 1.0,
            retries: 6,
            backoff_secs: 0.5,
            options: bad,
        };
        assert_eq!(check(&cfg_bad).unwrap_err().0, "cost_per_run");
        cfg_bad.options = toml::from_str("model = 3").unwrap();
        assert_eq!(check(&cfg_bad).unwrap_err().0, "model");
    }
}
