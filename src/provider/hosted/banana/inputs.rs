//! How a `provider=banana` directive spells a Banana.dev model run.
//!
//! ````markdown
//! ```{paperfig #fig:cat kind=image provider=banana model=stable-diffusion-xl input.steps=30}
//! A watercolour cat reading a paper
//! ```
//! ````
//!
//! - `model=KEY` is the run's `modelKey` (else `model` in `[providers.NAME]`).
//! - `modelInputs` is the body: a body starting with `{` is the JSON object itself; any other
//!   non-empty body becomes `{"prompt": BODY}`.
//! - `input.NAME=VALUE` adds `NAME` to `modelInputs`: `VALUE` is a JSON number, `true`,
//!   `false` or `null` when it reads as one, a string otherwise (a string that looks like a
//!   number goes in the JSON body). Naming an input twice is an error.
//! - `output=FIELD` names the field of `modelOutputs` that holds the image (see `outputs`).
//! - `endpoint=start` (default: `/v1/start` with `startOnly`, then `/v1/check`, so the run id
//!   is journaled before waiting) or `endpoint=run` (`/v1/run`, one blocking call; an
//!   interrupted build cannot resume such a run).

use serde_json::{Map, Value};

use crate::model::{ProviderError, Request};

/// Attributes the Banana provider reads: its own, and `input.NAME` for each model input
/// (every other attribute is an error at plan time, see `Provider::attrs`).
pub const ATTRS: &[&str] = &["model", "output", "endpoint", "figure", INPUT_PREFIX];
/// Prefix of attributes that become `modelInputs` entries.
pub const INPUT_PREFIX: &str = "input.";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// `/v1/start` with `startOnly: true`, then `/v1/check` until finished.
    Start,
    /// `/v1/run`: one call that returns when the run is finished.
    Run,
}

/// One model run, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct RunSpec {
    pub model_key: String,
    pub inputs: Map<String, Value>,
    pub output_field: Option<String>,
    pub endpoint: Endpoint,
}

/// Reads the run a request asks for; `default_model` is the configured `model`.
pub fn run_spec(req: &Request, default_model: Option<&str>) -> Result<RunSpec, ProviderError> {
    let model_key = match req.attr("model").or(default_model) {
        Some(m) if m.trim().contains(char::is_whitespace) => {
            return Err(ProviderError::new(format!("model key `{m}` contains spaces")).at_attr("model"));
        }
        Some(m) if !m.trim().is_empty() => m.trim().to_string(),
        _ => {
            return Err(ProviderError::new("a banana figure needs the model to run")
                .at_attr("model")
                .hint("add model=YOUR_MODEL_KEY, or set model = \"...\" under the provider in paperfig.toml"));
        }
    };
    let mut inputs = body_inputs(&req.body)?;
    for (name, value) in &req.attrs {
        let Some(input) = name.strip_prefix(INPUT_PREFIX) else { continue };
        if input.is_empty() {
            return Err(ProviderError::new("an input attribute needs a name after `input.`").at_attr(name));
        }
        if inputs.contains_key(input) {
            return Err(ProviderError::new(format!("model input `{input}` is given twice"))
                .at_attr(name)
                .hint("give each input once: in the body or as an attribute"));
        }
        inputs.insert(input.to_string(), attr_value(value));
    }
    if inputs.is_empty() {
        return Err(ProviderError::new("a banana figure needs model inputs")
            .hint("write the prompt as the body, a JSON object of modelInputs, or input.NAME=VALUE attributes"));
    }
    let endpoint = match req.attr("endpoint") {
        None | Some("start") => Endpoint::Start,
        Some("run") => Endpoint::Run,
        Some(other) => {
            return Err(ProviderError::new(format!("unknown endpoint `{other}`"))
                .at_attr("endpoint")
                .hint("endpoint is `start` (start, then check; resumable) or `run` (one blocking call)"));
        }
    };
    let output_field = req.attr("output").map(str::trim).map(str::to_string);
    if output_field.as_deref().is_some_and(|f| f.is_empty() || f.contains(char::is_whitespace)) {
        return Err(ProviderError::new("output= names one field of modelOutputs, without spaces").at_attr("output"));
    }
    Ok(RunSpec { model_key, inputs, output_field, endpoint })
}

/// The body as `modelInputs`: a JSON object, or a prompt.
fn body_inputs(body: &str) -> Result<Map<String, Value>, ProviderError> {
    let trimmed = body.trim_start();
    if !trimmed.starts_with('{') {
        let mut m = Map::new();
        if !body.trim().is_empty() {
            m.insert("prompt".into(), Value::String(body.trim().to_string()));
        }
        return Ok(m);
    }
    match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ProviderError::new("the body must be one JSON object of model inputs")),
        Err(e) => {
            let at = offset_of(body, e.line(), e.column());
            Err(ProviderError::new(format!("model inputs are not valid JSON: {e}"))
                .at_body(at..(at + 1).min(body.len()).max(at))
                .hint("a body starting with `{` is the JSON object of modelInputs"))
        }
    }
}

/// Byte offset of a 1-based line and column as serde_json reports them.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    (start + column.saturating_sub(1)).min(text.len())
}

/// An attribute value as JSON: a number, boolean or null when it reads as one.
fn attr_value(v: &str) -> Value {
    match serde_json::from_str::<Value>(v) {
        Ok(j @ (Value::Number(_) | Value::Bool(_) | Value::Null)) => j,
        _ => Value::String(v.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Kind, OutputSpec};
    use serde_json::json;
    use std::collections::BTreeMap;

    fn req(attrs: &[(&str, &str)], body: &str) -> Request {
        Request {
            kind: Kind::Image,
            provider: "banana".into(),
            provider_version: "t".into(),
            attrs: attrs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            body: body.into(),
            files: BTreeMap::new(),
            extra: BTreeMap::new(),
            output: OutputSpec { formats: vec![], width_in: 3.3, height_in: 2.0, png_dpi: 96.0 },
        }
    }

    #[test]
    fn prompt_body_and_typed_input_attributes() {
        let r =
            req(&[("model", "sdxl"), ("input.steps", "30"), ("input.style", "ink"), ("input.hd", "true")], "A cat\n");
        let spec = run_spec(&r, None).unwrap();
        assert_eq!(spec.model_key, "sdxl");
        assert_eq!(Value::Object(spec.inputs), json!({ "prompt": "A cat", "steps": 30, "style": "ink", "hd": true }));
        assert_eq!(spec.endpoint, Endpoint::Start);
        assert_eq!(spec.output_field, None);
    }

    #[test]
    fn json_body_is_the_inputs_object() {
        let r = req(&[("endpoint", "run"), ("output", "img")], "{\"prompt\": \"x\", \"width\": 512}");
        let spec = run_spec(&r, Some("default-model")).unwrap();
        assert_eq!(spec.model_key, "default-model");
        assert_eq!(spec.inputs["width"], json!(512));
        assert_eq!(spec.endpoint, Endpoint::Run);
        assert_eq!(spec.output_field.as_deref(), Some("img"));
    }

    #[test]
    fn mistakes_point_at_their_attribute_or_body_position() {
        let e = run_spec(&req(&[], "x"), None).unwrap_err();
        assert_eq!(e.attr.as_deref(), Some("model"));
        let e = run_spec(&req(&[("model", "m"), ("input.prompt", "y")], "x"), None).unwrap_err();
        assert!(e.message.contains("given twice"), "{}", e.message);
        let e = run_spec(&req(&[("model", "m"), ("endpoint", "later")], "x"), None).unwrap_err();
        assert_eq!(e.attr.as_deref(), Some("endpoint"));
        let body = "{\n  \"prompt\": \"x\",\n  oops\n}";
        let e = run_spec(&req(&[("model", "m")], body), None).unwrap_err();
        let at = e.body.unwrap().start;
        assert_eq!(&body[at..at + 1], "o", "points at the bad token");
        assert!(run_spec(&req(&[("model", "m")], "  "), None).is_err(), "no inputs at all");
    }
}
