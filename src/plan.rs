//! Stage 2, plan: each checked `Directive` becomes a `Job`: the provider that will make it,
//! the exact `Request` it will receive (attributes, body, the contents of every file it
//! references, output size and formats) and the key of that request.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::{self, Config};
use crate::diag::Diagnostic;
use crate::digest::Digest;
use crate::key::{key_of, normalize_body};
use crate::provider::{InputFile, Kind, OutputSpec, PrepareContext, Provider, ProviderError, Request};
use crate::scan::Directive;

pub mod extract;

/// Attributes that never reach a provider: they place or size the figure in the document,
/// name it, or pick its provider (which the key records separately).
pub const NOT_FIGURE_INPUTS: &[&str] =
    &["kind", "provider", "caption", "width", "placement", "size", "height", "formats"];

/// One figure to look up or make.
#[derive(Clone)]
pub struct Job {
    pub directive: Directive,
    pub provider: Arc<dyn Provider>,
    pub request: Request,
    pub key: Digest,
}

/// The providers available to a build.
pub struct Registry {
    providers: Vec<Arc<dyn Provider>>,
}

impl Registry {
    pub fn new(providers: Vec<Arc<dyn Provider>>) -> Registry {
        Registry { providers }
    }

    /// The builtin providers with a project's configuration.
    pub fn for_config(config: &Config) -> Registry {
        let mut providers = crate::provider::builtin_providers(config);
        providers.extend(crate::provider::hosted::providers(config));
        Registry::new(providers)
    }

    /// The builtin providers with the default configuration (no runners allowed).
    pub fn builtin() -> Registry {
        Registry::for_config(&Config::defaults(Path::new(".")))
    }

    /// The provider for a directive: its `provider=`, else the configured default for its
    /// kind, else the first provider that makes that kind.
    fn resolve(&self, d: &Directive, config: &Config) -> Result<Arc<dyn Provider>, Diagnostic> {
        let named = d.attr("provider").map(|a| a.value.as_str()).or(config.defaults.get(&d.kind).map(String::as_str));
        let ids: Vec<&str> = self.providers.iter().filter(|p| p.kinds().contains(&d.kind)).map(|p| p.id()).collect();
        let found = match named {
            Some(name) => self.providers.iter().find(|p| p.id() == name && p.kinds().contains(&d.kind)),
            None => self.providers.iter().find(|p| p.kinds().contains(&d.kind)),
        };
        found.cloned().ok_or_else(|| {
            let (msg, loc) = match named {
                Some(name) => (format!("no provider `{name}` for kind `{}`", d.kind), d.attr_loc("provider")),
                None => (format!("no provider in this build makes kind `{}` figures", d.kind), d.attr_loc("kind")),
            };
            let hint = if ids.is_empty() {
                format!("kind `{}` has no provider yet; remove the figure or change its kind", d.kind)
            } else {
                format!("providers for kind `{}`: {}", d.kind, ids.join(", "))
            };
            Diagnostic::error(msg).at(loc, "here").hint(hint).for_figure(&d.name)
        })
    }
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
    let mut files = FileCache { files: HashMap::new(), canonical_root };
    let mut plan = Plan::default();
    for d in directives {
        match plan_one(root, config, registry, d, &mut files) {
            Ok(job) => plan.jobs.push(job),
            Err(diag) => plan.diagnostics.push(diag.for_figure(&d.name)),
        }
    }
    plan
}

/// Files read during one plan, so a data file shared by many figures is read once.
struct FileCache {
    files: HashMap<PathBuf, InputFile>,
    canonical_root: PathBuf,
}

fn plan_one(
    root: &Path,
    config: &Config,
    registry: &Registry,
    d: &Directive,
    files: &mut FileCache,
) -> Result<Job, Diagnostic> {
    let provider = registry.resolve(d, config)?;
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
    let ctx = PrepareContext { root: &files.canonical_root, base };
    provider.prepare(&mut request, &ctx).map_err(|e| provider_diagnostic(d, e))?;
    let key = key_of(&request);
    Ok(Job { directive: d.clone(), provider, request, key })
}

fn output_spec(config: &Config, d: &Directive) -> Result<OutputSpec, Diagnostic> {
    let size = d.attr("size").map_or(config.size.as_str(), |a| a.value.as_str());
    let width_in = config::parse_size(size).ok_or_else(|| {
        Diagnostic::error(format!("unknown figure size `{size}`"))
            .at(d.attr_loc("size"), "here")
            .hint(config::SIZE_HINT)
    })?;
    let height_in = match d.attr("height") {
        Some(a) => config::parse_size(&a.value).filter(|_| !matches!(a.value.as_str(), "column" | "wide")).ok_or_else(
            || {
                Diagnostic::error(format!("unknown figure height `{}`", a.value))
                    .at(d.attr_loc("height"), "here")
                    .hint("give a length such as `2.5in`, `6cm` or `60mm`")
            },
        )?,
        None if width_in >= 6.0 => width_in * 0.4,
        None => width_in * 0.72,
    };
    let formats = match d.attr("formats") {
        Some(a) => config::parse_formats(a.value.split(',')).map_err(|bad| {
            Diagnostic::error(format!("unknown output format `{bad}`"))
                .at(d.attr_loc("formats"), "here")
                .hint("formats is a comma list of svg, pdf, png")
        })?,
        None => config.formats.clone(),
    };
    Ok(OutputSpec { formats, width_in, height_in, png_dpi: config.png_dpi })
}

/// Reads a referenced file, relative to the directive's source file, inside the project.
fn read_input(
    root: &Path,
    d: &Directive,
    attr: &str,
    value: &str,
    files: &mut FileCache,
) -> Result<InputFile, Diagnostic> {
    let loc = d.attr_loc(attr);
    let base = d.loc.file.path.parent().unwrap_or(root);
    let path = base.join(value);
    let fail = |what: String, hint: String| Diagnostic::error(what).at(loc.clone(), "this file").hint(hint);
    let canonical = path.canonicalize().map_err(|e| {
        fail(
            format!("cannot read {attr} file `{value}`: {}", io_reason(&e)),
            format!("paths are relative to the folder of {}", d.loc.file.name),
        )
    })?;
    if !canonical.starts_with(&files.canonical_root) {
        return Err(fail(
            format!("{attr} file `{value}` is outside the project"),
            "figures may only read files inside the project folder, so a build cannot leak other files".into(),
        ));
    }
    if let Some(f) = files.files.get(&canonical) {
        return Ok(f.clone());
    }
    let bytes = std::fs::read(&canonical).map_err(|e| {
        fail(format!("cannot read {attr} file `{value}`: {}", io_reason(&e)), "check the file's permissions".into())
    })?;
    let ext = canonical.extension().and_then(|e| e.to_str()).unwrap_or("");
    let file = InputFile::new(ext, bytes);
    files.files.insert(canonical, file.clone());
    Ok(file)
}

/// A provider's complaint, pointed at the body range or attribute it names (or the whole
/// directive).
pub(crate) fn provider_diagnostic(d: &Directive, e: ProviderError) -> Diagnostic {
    let loc = match (&e.body, &e.attr) {
        (Some(range), _) => d.body_loc(range.clone()),
        (None, Some(a)) if d.attr(a).is_some() => d.attr_loc(a),
        _ => d.head.clone(),
    };
    let mut diag = Diagnostic::error(e.message).at(loc, "in this figure").for_figure(&d.name);
    if let Some(h) = e.hint {
        diag = diag.hint(h);
    }
    diag
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// Kinds that have a builtin provider in this build.
pub fn builtin_kinds() -> Vec<Kind> {
    let mut kinds: Vec<Kind> = Registry::builtin().providers.iter().flat_map(|p| p.kinds().iter().copied()).collect();
    kinds.sort();
    kinds.dedup();
    kinds
}

#[cfg(test)]
mod tests;
