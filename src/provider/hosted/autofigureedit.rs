//! AutoFigureEdit (`../shared/api/autofigureedit.txt`): `POST /generate` in pipeline mode
//! for `kind=diagram` and `kind=plot` (options.content = the body, task_name, resolution,
//! prompt = `prompt=` or the caption) and in standard mode for `kind=image` (model
//! nano-banana-pro or nano-banana-2, prompt = the body, resolution, aspect_ratio,
//! google_search); either mode sends `output_format=` (png, the default, jpg, jpeg or webp;
//! a JPEG or WebP answer is decoded to PNG by `image::as_png`); `image_input=` (https URLs)
//! and `input=` (local draft images, sent as presigned URLs of the remote cache, `drafts.rs`),
//! at most 10 images in all, make either an image-to-image request (drafts first). Then `GET /task/{id}` until success/failed/canceled, showing
//! `output.current_stage`; every `output.images[].url` is downloaded (`figure=N` picks one,
//! the first by default; the others are kept), and the task's `cost_credits`
//! is noted as what was charged (`note::COST_CHARGED`). `GET /credits` is checked before a
//! batch.
//!
//! Documented facts used here: Bearer `sk-team-` keys; 60 requests/min per key; errors
//! `{"success": false, "error": {"message": …}}` with 400/401/402/403/404/411/413/429/
//! 500/503; request limits (1 MB body, prompt 10 000 chars, content 100 000 chars, 10
//! image URLs); credits per the cost table, charged on success, API at the base rate.

use std::sync::Arc;

use serde_json::{Value, json};

use super::config::ProviderConfig;
use super::cost::Cost;
use super::http::{Client, ErrorDoc, HostedError};
use super::service::{Cadence, Documented, Image, OptionError, Poll, Service, ServiceSpec, Submitted};
use crate::model::{Kind, ProviderError, Request, note};

pub static SPEC: ServiceSpec = ServiceSpec {
    service: "autofigureedit",
    default_base_url: "https://open.autofigureedit.com/api/v1",
    doc: Documented {
        auth: super::http::Auth::Bearer,
        errors: ErrorDoc { message: error_message, status: status_meaning },
        rate_per_min: Some(60),
        concurrency: 4,
        // The documentation fixes no cadence; its quick start polls every 5 s.
        poll: Cadence { min_secs: 0.05, max_secs: 60.0, default_secs: 5.0 },
        cost_unit: "credits",
    },
    options: &["model", "resolution"],
    check,
    make,
};

const VERSION: &str = "autofigureedit/1";
const MODELS: &[&str] = &["nano-banana-pro", "nano-banana-2"];
const RESOLUTIONS: &[&str] = &["1K", "2K", "4K"];
/// `options.output_format`: JPEG and WebP answers are decoded to PNG (`image::as_png`).
const OUTPUT_FORMATS: &[&str] = &["png", "jpg", "jpeg", "webp"];
pub const MAX_PROMPT: usize = 10_000;
pub const MAX_CONTENT: usize = 100_000;
pub const MAX_IMAGES: usize = 10;
pub const MAX_BODY: usize = 1_000_000;

fn check(cfg: &ProviderConfig) -> Result<(), OptionError> {
    if let Some(m) = cfg.options.get("model") {
        if !m.as_str().is_some_and(|m| MODELS.contains(&m)) {
            return Err((
                "model",
                format!("model = {m} is not an AutoFigureEdit model"),
                "models are nano-banana-pro and nano-banana-2",
            ));
        }
    }
    if let Some(r) = cfg.options.get("resolution") {
        if !r.as_str().is_some_and(|r| RESOLUTIONS.contains(&r)) {
            return Err(("resolution", format!("resolution = {r} is not offered"), "resolutions are 1K, 2K and 4K"));
        }
    }
    Ok(())
}

fn make(cfg: &ProviderConfig) -> Arc<dyn Service> {
    let get = |k: &str, d: &str| cfg.options.get(k).and_then(toml::Value::as_str).unwrap_or(d).to_string();
    Arc::new(AutoFigureEdit { model: get("model", "nano-banana-pro"), resolution: get("resolution", "1K") })
}

/// `{"success": false, "error": {"message": "…"}}`.
fn error_message(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    v.get("error")?.get("message")?.as_str().map(str::to_string)
}

fn status_meaning(status: u16) -> Option<(&'static str, &'static str)> {
    Some(match status {
        400 => ("Bad request", "parameters are missing or malformed"),
        401 => ("Unauthorized", "the API key is invalid or absent"),
        402 => ("Payment required", "the team's credit balance is too low"),
        403 => ("Forbidden", "API access is restricted to Team plans; personal sk- keys are rejected"),
        404 => ("Not found", "the task does not exist or belongs to a different account"),
        411 => ("Length required", "POST requests must include a Content-Length header"),
        413 => ("Payload too large", "the request body exceeds the 1 MB limit"),
        429 => ("Too many requests", "a rate limit was hit"),
        500 => ("Internal server error", "the service failed"),
        503 => ("Service unavailable", "an upstream provider is temporarily down"),
        _ => return None,
    })
}

struct AutoFigureEdit {
    model: String,
    resolution: String,
}

/// The directive as AutoFigureEdit's request fields.
struct Fields {
    pipeline: bool,
    model: String,
    resolution: String,
    prompt: Option<String>,
    /// `image_input=` URLs.
    images: Vec<String>,
    /// How many drafts (`input=`) the request has.
    drafts: usize,
    google_search: bool,
    output_format: String,
}

/// `auto`, or `W:H` in whole numbers from 1 to 100 (the documentation gives the default
/// only; the models' own ratios run from 1:4 to 21:9).
fn aspect_ratio_ok(a: &str) -> bool {
    let whole = |s: &str| {
        !s.is_empty()
            && s.len() <= 3
            && s.bytes().all(|b| b.is_ascii_digit())
            && (1..=100).contains(&s.parse::<u32>().unwrap_or(0))
    };
    a == "auto" || a.split_once(':').is_some_and(|(w, h)| whole(w) && whole(h))
}

impl AutoFigureEdit {
    fn fields(&self, req: &Request) -> Result<Fields, ProviderError> {
        let pipeline = req.kind != Kind::Image;
        let model = req.attr("model").unwrap_or(&self.model).to_string();
        if !pipeline && !MODELS.contains(&model.as_str()) {
            return Err(ProviderError::new(format!("`{model}` is not an AutoFigureEdit model"))
                .at_attr("model")
                .hint("models are nano-banana-pro and nano-banana-2"));
        }
        if pipeline && req.attr("model").is_some() {
            return Err(ProviderError::new("model= applies to kind=image only; diagrams and plots use the pipeline")
                .at_attr("model"));
        }
        for attr in ["aspect_ratio", "google_search"] {
            if pipeline && req.attr(attr).is_some() {
                return Err(ProviderError::new(format!(
                    "{attr}= applies to kind=image only; AutoFigureEdit's pipeline (diagrams and plots) has no such option"
                ))
                .at_attr(attr));
            }
        }
        if let Some(a) = req.attr("aspect_ratio") {
            if !aspect_ratio_ok(a) {
                return Err(ProviderError::new(format!("aspect_ratio `{a}` is not a ratio"))
                    .at_attr("aspect_ratio")
                    .hint("write it as width:height in whole numbers (16:9, 4:3, 1:1), or auto"));
            }
        }
        let google_search = match req.attr("google_search") {
            None | Some("false") => false,
            Some("true") if model == "nano-banana-2" => true,
            Some("true") => {
                return Err(ProviderError::new(format!("google_search is not available with model {model}"))
                    .at_attr("google_search")
                    .hint("AutoFigureEdit searches the web for model=nano-banana-2 only; choose that model or drop google_search"));
            }
            Some(other) => {
                return Err(ProviderError::new(format!("google_search=`{other}` is neither true nor false"))
                    .at_attr("google_search"));
            }
        };
        let resolution = req.attr("resolution").unwrap_or(&self.resolution).to_ascii_uppercase();
        if !RESOLUTIONS.contains(&resolution.as_str()) {
            return Err(ProviderError::new(format!("resolution `{resolution}` is not offered"))
                .at_attr("resolution")
                .hint("resolutions are 1K, 2K and 4K"));
        }
        let output_format = req.attr("output_format").unwrap_or("png").to_string();
        if !OUTPUT_FORMATS.contains(&output_format.as_str()) {
            return Err(ProviderError::new(format!("output_format `{output_format}` is not offered"))
                .at_attr("output_format")
                .hint("AutoFigureEdit answers png (the default), jpg, jpeg or webp; the figure's own outputs are set by formats="));
        }
        let images: Vec<String> = req
            .attr("image_input")
            .map(|v| v.split([',', ' ']).filter(|s| !s.is_empty()).map(str::to_string).collect())
            .unwrap_or_default();
        let drafts = super::drafts::of(req).len();
        if images.len() + drafts > MAX_IMAGES {
            let (attr, what) = match (drafts, images.len()) {
                (0, n) => ("image_input", format!("image_input lists {n} images")),
                (d, 0) => ("input", format!("input lists {d} drafts")),
                (d, n) => ("input", format!("input and image_input list {} images", d + n)),
            };
            return Err(ProviderError::new(format!("{what}; AutoFigureEdit takes at most {MAX_IMAGES}")).at_attr(attr));
        }
        if let Some(bad) = images.iter().find(|u| !u.starts_with("https://") || u.len() <= "https://".len()) {
            return Err(ProviderError::new(format!("image_input `{bad}` is not an https URL"))
                .at_attr("image_input")
                .hint("AutoFigureEdit fetches source images itself and accepts only public https:// URLs"));
        }
        let body = req.body.trim();
        let prompt = if pipeline {
            req.attr("prompt").or(req.attr("caption")).map(str::to_string)
        } else {
            Some(body.to_string())
        };
        if body.is_empty() {
            let what = if pipeline { "the source text (options.content)" } else { "the prompt" };
            return Err(ProviderError::new(format!("AutoFigureEdit needs {what} in the figure's body")).at_attr("kind"));
        }
        if pipeline && images.is_empty() && drafts == 0 && prompt.is_none() {
            return Err(ProviderError::new(
                "AutoFigureEdit pipeline figures need a prompt: give prompt=\"…\" or a caption",
            )
            .at_attr("kind"));
        }
        if let Some(p) = &prompt {
            if p.chars().count() > MAX_PROMPT {
                return Err(ProviderError::new(format!(
                    "the prompt has {} characters; AutoFigureEdit takes at most {MAX_PROMPT}",
                    p.chars().count()
                ))
                .at_attr(if pipeline { "prompt" } else { "kind" }));
            }
        }
        if pipeline && body.chars().count() > MAX_CONTENT {
            return Err(ProviderError::new(format!(
                "the body has {} characters; AutoFigureEdit's options.content takes at most {MAX_CONTENT}",
                body.chars().count()
            ))
            .at_attr("kind"));
        }
        Ok(Fields { pipeline, model, resolution, prompt, images, drafts, google_search, output_format })
    }

    /// The `POST /generate` body; `drafts` are the presigned URLs of the request's drafts,
    /// sent before the `image_input=` URLs.
    fn body(&self, req: &Request, f: &Fields, drafts: &[String]) -> Value {
        let all: Vec<&String> = drafts.iter().chain(&f.images).collect();
        let scene = if all.is_empty() { "text-to-image" } else { "image-to-image" };
        let mut options = json!({"resolution": f.resolution, "output_format": f.output_format});
        if !all.is_empty() {
            options["image_input"] = json!(all);
        }
        let mut body = if f.pipeline {
            options["content"] = json!(req.body.trim());
            options["task_name"] = json!(if req.kind == Kind::Plot { "plot" } else { "diagram" });
            json!({"type": "pipeline", "scene": scene})
        } else {
            if let Some(a) = req.attr("aspect_ratio") {
                options["aspect_ratio"] = json!(a);
            }
            if f.google_search {
                options["google_search"] = json!(true);
            }
            json!({"type": "standard", "scene": scene, "model": f.model})
        };
        if let Some(p) = &f.prompt {
            body["prompt"] = json!(p);
        }
        body["options"] = options;
        body
    }
}

/// The credit table: standard by model and resolution; pipeline 6 × (1, 2, 4).
pub fn credits(pipeline: bool, model: &str, resolution: &str) -> f64 {
    let mult = match resolution {
        "2K" => 2.0,
        "4K" => 4.0,
        _ => 1.0,
    };
    let base = match (pipeline, model) {
        (true, _) => 6.0,
        (false, "nano-banana-2") => 5.0,
        (false, _) => 10.0,
    };
    base * mult
}

impl Service for AutoFigureEdit {
    /// The team's credits (`GET /credits`) against `total`; also the check before a batch.
    fn check(&self, client: &Client, total: Cost) -> Result<Vec<String>, HostedError> {
        let v = client.get_json("credits")?;
        let remaining = v.pointer("/data/remaining_credits").and_then(Value::as_f64).ok_or_else(|| {
            HostedError::Malformed(format!("{}: /credits answered without data.remaining_credits", client.name))
        })?;
        if remaining < total.amount {
            return Err(HostedError::Stop {
                status: 402,
                message: format!(
                    "{}: this build needs about {total} but the team has {remaining} credits left; nothing was submitted",
                    client.name
                ),
            });
        }
        let needed = if total.amount > 0.0 { format!("about {total} needed") } else { "nothing to submit".into() };
        Ok(vec!["key accepted".into(), format!("{remaining} credits left, {needed}")])
    }
    fn version(&self) -> &'static str {
        VERSION
    }
    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Diagram, Kind::Plot, Kind::Image]
    }
    fn attrs(&self) -> &'static [&'static str] {
        &[
            "model",
            "resolution",
            "image_input",
            "input",
            "prompt",
            "aspect_ratio",
            "google_search",
            "figure",
            "output_format",
        ]
    }
    fn draft_attr(&self) -> Option<&'static str> {
        Some("input")
    }
    fn numbered_outputs(&self) -> bool {
        true
    }
    fn file_attrs(&self) -> &'static [&'static str] {
        &[]
    }
    fn uses_caption(&self) -> bool {
        true
    }
    fn prepare(&self, req: &mut Request) -> Result<(), ProviderError> {
        let f = self.fields(req)?;
        // Presigned URLs run to about a kilobyte; the real ones are made at submission.
        let placeholders = vec![format!("https://{}", "x".repeat(1024)); f.drafts];
        let body = serde_json::to_vec(&self.body(req, &f, &placeholders)).unwrap_or_default();
        if body.len() > MAX_BODY {
            return Err(ProviderError::new(format!(
                "the request would be {} bytes; AutoFigureEdit accepts at most 1 MB",
                body.len()
            ))
            .at_attr("kind"));
        }
        req.extra.insert("mode".into(), if f.pipeline { "pipeline" } else { "standard" }.into());
        if !f.pipeline {
            req.extra.insert("model".into(), f.model);
        }
        req.extra.insert("resolution".into(), f.resolution);
        req.extra.insert("output_format".into(), f.output_format);
        Ok(())
    }
    fn cost(&self, req: &Request) -> Cost {
        let get = |k: &str| req.extra.get(k).map(String::as_str).unwrap_or_default();
        Cost::new(credits(get("mode") == "pipeline", get("model"), get("resolution")), SPEC.doc.cost_unit)
    }
    fn submit(&self, client: &Client, req: &Request, drafts: &[String]) -> Result<Submitted, HostedError> {
        let f = self.fields(req).map_err(|e| HostedError::Status { status: 400, message: e.message })?;
        let v = client.post_json("generate", &self.body(req, &f, drafts))?;
        let id = v.pointer("/data/task_id").and_then(Value::as_str).filter(|s| !s.is_empty()).ok_or_else(|| {
            HostedError::Malformed(format!("{}: the submission answer has no data.task_id", client.name))
        })?;
        Ok(Submitted::Task(id.to_string()))
    }
    fn poll(&self, client: &Client, task: &str) -> Result<Poll, HostedError> {
        let v = client.get_json(&format!("task/{task}"))?;
        let data = v
            .get("data")
            .ok_or_else(|| HostedError::Malformed(format!("{}: task {task}: answer without data", client.name)))?;
        let status = data.get("status").and_then(Value::as_str).unwrap_or("");
        match status {
            "pending" | "processing" => {
                let stage = data.pointer("/output/current_stage").and_then(Value::as_str).unwrap_or(status);
                Ok(Poll::Running { stage: Some(stage.to_string()) })
            }
            "success" => {
                let urls: Vec<&str> = data
                    .pointer("/output/images")
                    .and_then(Value::as_array)
                    .map(|images| images.iter().filter_map(|i| i.get("url").and_then(Value::as_str)).collect())
                    .unwrap_or_default();
                if urls.is_empty() {
                    return Err(HostedError::Malformed(format!(
                        "{}: task {task} succeeded without an image",
                        client.name
                    )));
                }
                // What the service charged (its own figure: plan discounts, say), beside the
                // estimate from the documented table.
                let charged =
                    data.get("cost_credits").and_then(Value::as_f64).map(|c| Cost::new(c, SPEC.doc.cost_unit));
                let all =
                    urls.into_iter().map(|url| client.get_bytes(url).map(|r| r.body)).collect::<Result<_, _>>()?;
                let image = Image::several(all);
                Ok(Poll::Done(image.noted(note::COST_CHARGED, charged.map(|c| c.to_string()).as_deref())))
            }
            "failed" => {
                let why = data.get("error").and_then(Value::as_str).unwrap_or("no reason given");
                Ok(Poll::Failed(format!("failed: {why}")))
            }
            "canceled" => Ok(Poll::Failed("was canceled".into())),
            other => Err(HostedError::Malformed(format!("{}: task {task} has unknown status `{other}`", client.name))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credit_table() {
        assert_eq!(credits(false, "nano-banana-pro", "1K"), 10.0);
        assert_eq!(credits(false, "nano-banana-pro", "4K"), 40.0);
        assert_eq!(credits(false, "nano-banana-2", "2K"), 10.0);
        assert_eq!(credits(true, "", "1K"), 6.0);
        assert_eq!(credits(true, "", "4K"), 24.0);
    }

    fn req(kind: Kind, attrs: &[(&str, &str)]) -> Request {
        use crate::model::{Format, OutputSpec};
        Request {
            kind,
            provider: "afe".into(),
            provider_version: VERSION.into(),
            attrs: attrs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            body: "A red apple on a white background".into(),
            files: Default::default(),
            extra: Default::default(),
            output: OutputSpec { formats: vec![Format::Png], width_in: 3.3, height_in: 2.0, png_dpi: 192.0 },
        }
    }

    #[test]
    fn google_search_and_aspect_ratio_are_checked_before_anything_is_paid_for() {
        let afe = AutoFigureEdit { model: "nano-banana-pro".into(), resolution: "1K".into() };
        let body = |r: &Request| afe.body(r, &afe.fields(r).unwrap(), &[]);
        let err = |r: &Request| afe.fields(r).err().map(|e| (e.attr.unwrap_or_default(), e.message, e.hint));

        let r = req(Kind::Image, &[("model", "nano-banana-2"), ("google_search", "true"), ("aspect_ratio", "16:9")]);
        assert_eq!(body(&r)["options"]["google_search"], json!(true));
        assert_eq!(body(&r)["options"]["aspect_ratio"], json!("16:9"));
        let r = req(Kind::Image, &[("model", "nano-banana-2"), ("google_search", "false")]);
        assert_eq!(body(&r)["options"].get("google_search"), None);

        // The configured default model lacks web search: refused with a hint, not dropped.
        let (attr, message, hint) = err(&req(Kind::Image, &[("google_search", "true")])).unwrap();
        assert_eq!(attr, "google_search");
        assert!(message.contains("nano-banana-pro"), "{message}");
        assert!(hint.unwrap().contains("model=nano-banana-2"));
        assert_eq!(err(&req(Kind::Image, &[("google_search", "yes")])).unwrap().0, "google_search");
        assert_eq!(err(&req(Kind::Image, &[("aspect_ratio", "16x9")])).unwrap().0, "aspect_ratio");
        // output_format: the documented four, sent as given; anything else refused.
        for f in ["png", "jpg", "jpeg", "webp"] {
            assert_eq!(body(&req(Kind::Image, &[("output_format", f)]))["options"]["output_format"], json!(f));
        }
        assert_eq!(body(&req(Kind::Image, &[]))["options"]["output_format"], json!("png"));
        for bad in ["gif", "PNG", "svg", ""] {
            assert_eq!(err(&req(Kind::Image, &[("output_format", bad)])).unwrap().0, "output_format", "{bad}");
        }
        // The pipeline has neither option.
        let diagram = |a| req(Kind::Diagram, &[("caption", "Pipeline"), a]);
        assert_eq!(err(&diagram(("aspect_ratio", "4:3"))).unwrap().0, "aspect_ratio");
        assert_eq!(err(&diagram(("google_search", "true"))).unwrap().0, "google_search");
    }

    #[test]
    fn aspect_ratios() {
        for ok in ["auto", "16:9", "1:1", "21:9", "100:1"] {
            assert!(aspect_ratio_ok(ok), "{ok}");
        }
        for bad in ["", "16x9", "16:", ":9", "0:1", "1.5:1", "101:1", "16:9:1", "-1:2", "AUTO "] {
            assert!(!aspect_ratio_ok(bad), "{bad}");
        }
    }

    #[test]
    fn drafts_go_first_and_count_towards_the_ten_images() {
        use crate::model::InputFile;
        let afe = AutoFigureEdit { model: "nano-banana-pro".into(), resolution: "1K".into() };
        let mut r = req(Kind::Image, &[("image_input", "https://example.com/a.png")]);
        r.files.insert("draft:01".into(), InputFile::new("png", b"\x89PNG\r\n\x1a\n".to_vec()));
        let f = afe.fields(&r).unwrap();
        let body = afe.body(&r, &f, &["https://bucket.example.org/o?sig=1".into()]);
        assert_eq!(body["scene"], json!("image-to-image"));
        assert_eq!(
            body["options"]["image_input"],
            json!(["https://bucket.example.org/o?sig=1", "https://example.com/a.png"])
        );
        // A diagram with only a draft needs no prompt: it is an edit of the draft.
        let mut d = req(Kind::Diagram, &[]);
        d.files = r.files.clone();
        assert!(afe.fields(&d).is_ok());
        for i in 2..=10 {
            r.files.insert(format!("draft:{i:02}"), InputFile::new("png", vec![i]));
        }
        let e = afe.fields(&r).err().unwrap();
        assert_eq!(e.attr.as_deref(), Some("input"));
        assert!(e.message.contains("input and image_input list 11 images"), "{}", e.message);
    }
}
