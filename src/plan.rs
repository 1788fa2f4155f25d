//! Stage 2, plan: each checked `Directive` becomes a `Job`: the provider that will make it,
//! the exact `Request` it will receive (attributes, body, the contents of every file it
//! references, output size and formats) and the key of that request.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use crate::config::{self, Config};
use crate::diag::{Code, Diagnostic};
use crate::digest::Digest;
use crate::key::{key_of, normalize_body};
use crate::model::{Kind, OutputSpec, ProviderError, Request};
use crate::provider::hosted::HostedProvider;
use crate::provider::{PrepareContext, Provider};
use crate::scan::Directive;
use files::{FileCache, read_input};
pub use registry::Registry;

mod attrs;
mod digests;
pub mod extract;
mod files;
pub mod registry;

/// Attributes that never reach a provider: they place or size the figure in the document,
/// name it, or pick its provider (which the key records separately).
pub const NOT_FIGURE_INPUTS: &[&str] =
    &["kind", "provider", "caption", "width", "placement", "size", "height", "formats"];

/// One figure to look up or make.
#[derive(Clone)]
pub struct Job {
    pub directive: Directive,
    pub provider: Arc<dyn Provider>,
    /// The same provider when it is a hosted one (on the network).
    pub hosted: Option<Arc<HostedProvider>>,
    pub request: Request,
    pub key: Digest,
}

/// What planning produced.
#[derive(Default)]
pub struct Plan {
    pub jobs: Vec<Job>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Plans every directive; a directive that cannot be planned becomes a diagnostic.
pub fn plan(root: &Path, config: &Config, registry: &Registry, directives: &[Directive]) -> Plan {
    let canonical_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut files = FileCache::new(canonical_root, Some(&config.cache_dir));
    let mut plan = Plan::default();
    for d in directives {
        match plan_one(root, config, registry, d, &mut files) {
            Ok(job) => plan.jobs.push(job),
            Err(diag) => plan.diagnostics.push(diag.for_figure(&d.name)),
        }
    }
    files.finish();
    plan
}

fn plan_one(
    root: &Path,
    config: &Config,
    registry: &Registry,
    d: &Directive,
    files: &mut FileCache,
) -> Result<Job, Diagnostic> {
    let registry::Entry { provider, hosted } = registry.resolve(d, config)?;
    let known: &[&[&str]] =
        if d.kind == Kind::Extract { &[NOT_FIGURE_INPUTS, extract::NOT_INPUTS] } else { &[NOT_FIGURE_INPUTS] };
    attrs::check(d, provider.as_ref(), known, &mut registry.providers())?;
    let file_attrs = provider.file_attrs();
    let mut attrs = BTreeMap::new();
    let mut inputs = BTreeMap::new();
    let is_extract = d.kind == Kind::Extract;
    if is_extract {
        inputs.insert("pdf".to_string(), extract::resolve_pdf(root, config, d, files)?);
    }
    for a in &d.attrs {
        if is_extract && extract::NOT_INPUTS.contains(&a.name.as_str()) {
            continue;
        } else if file_attrs.contains(&a.name.as_str()) {
            inputs.insert(a.name.clone(), read_input(root, d, &a.name, &a.value, files)?);
        } else if !NOT_FIGURE_INPUTS.contains(&a.name.as_str()) {
            attrs.insert(a.name.clone(), a.value.clone());
        }
    }
    if provider.uses_caption() {
        if let Some(c) = &d.caption {
            attrs.insert("caption".into(), c.clone());
        }
    }
    let mut request = Request {
        kind: d.kind,
        provider: provider.id().to_string(),
        provider_version: provider.version().to_string(),
        attrs,
        body: normalize_body(&d.body),
        files: inputs,
        extra: BTreeMap::new(),
        output: output_spec(config, d)?,
    };
    let base = d.loc.file.path.parent().unwrap_or(root);
    if provider.reads_files_to_prepare() {
        let read = request.with_contents().map_err(|e| provider_diagnostic(d, e, Code::Plan))?;
        if let std::borrow::Cow::Owned(r) = read {
            request = r;
        }
    }
    let root = files.canonical_root.clone();
    let files = std::cell::RefCell::new(files);
    let read = |canonical: &Path, ext: &str| files.borrow_mut().input_at(canonical, ext);
    let ctx = PrepareContext { root: &root, base, files: Some(&read), figures: None };
    provider.prepare(&mut request, &ctx).map_err(|e| provider_diagnostic(d, e, Code::Plan))?;
    let key = key_of(&request);
    Ok(Job { directive: d.clone(), provider, hosted, request, key })
}

fn output_spec(config: &Config, d: &Directive) -> Result<OutputSpec, Diagnostic> {
    let size = d.attr("size").map_or(config.size.as_str(), |a| a.value.as_str());
    let width_in = config::parse_size(size).ok_or_else(|| {
        Diagnostic::error(Code::Plan, format!("unknown figure size `{size}`"))
            .at(d.attr_loc("size"), "here")
            .hint(config::SIZE_HINT)
    })?;
    let height_in = match d.attr("height") {
        Some(a) => config::parse_size(&a.value).filter(|_| !matches!(a.value.as_str(), "column" | "wide")).ok_or_else(
            || {
                Diagnostic::error(Code::Plan, format!("unknown figure height `{}`", a.value))
                    .at(d.attr_loc("height"), "here")
                    .hint("give a length such as `2.5in`, `6cm` or `60mm`")
            },
        )?,
        None if width_in >= 6.0 => width_in * 0.4,
        None => width_in * 0.72,
    };
    let formats = match d.attr("formats") {
        Some(a) => config::parse_formats(a.value.split(',')).map_err(|bad| {
            Diagnostic::error(Code::Plan, format!("unknown output format `{bad}`"))
                .at(d.attr_loc("formats"), "here")
                .hint("formats is a comma list of svg, pdf, png")
        })?,
        None => config.formats.clone(),
    };
    Ok(OutputSpec { formats, width_in, height_in, png_dpi: config.png_dpi })
}

/// A provider's complaint, pointed at the body range or attribute it names (or the whole
/// directive).
pub(crate) fn provider_diagnostic(d: &Directive, e: ProviderError, code: Code) -> Diagnostic {
    let loc = match (&e.body, &e.attr) {
        (Some(range), _) => d.body_loc(range.clone()),
        (None, Some(a)) if d.attr(a).is_some() => {
            e.file_line.and_then(|line| line_in_named_file(d, a, line)).unwrap_or_else(|| d.attr_loc(a))
        }
        _ => d.head.clone(),
    };
    let mut diag = Diagnostic::error(code, e.message).at(loc, "in this figure").for_figure(&d.name);
    if let Some(h) = e.hint {
        diag = diag.hint(h);
    }
    diag
}

/// Line `line` of the file that attribute `attr` of `d` names (relative to the directive's
/// folder), read again to show it; `None` when it cannot be read or is shorter.
fn line_in_named_file(d: &Directive, attr: &str, line: usize) -> Option<crate::diag::Loc> {
    let value = &d.attr(attr)?.value;
    let path = d.loc.file.path.parent()?.join(value);
    let text = std::fs::read_to_string(&path).ok()?;
    let start = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum::<usize>();
    let end = start + text[start..].find('\n').unwrap_or(text.len() - start);
    (start < text.len() || line == 1).then_some(())?;
    let dir = d.loc.file.name.rsplit_once('/').map_or(String::new(), |(dir, _)| format!("{dir}/"));
    let file = std::sync::Arc::new(crate::diag::SourceFile::new(format!("{dir}{value}"), path, text));
    Some(crate::diag::Loc::new(&file, start..end))
}

#[cfg(test)]
mod tests;
