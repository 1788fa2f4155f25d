//! Stage 2, plan: each checked `Directive` becomes a `Job`: the provider that will make it,
//! the exact `Request` it will receive (attributes, body, the contents of every file it
//! references, output size and formats) and the key of that request.
//!
//! A figure may take other figures' outputs as input (`input=#fig:sketch`, see
//! `Provider::figure_attr`): its request holds their PNG outputs' bytes, so it can be planned
//! only once they are built. [`Planner`] plans in waves: each call of [`Planner::next`]
//! plans the figures whose inputs are ready, and the caller builds them before the next
//! call (`graph.rs` finds who names whom, unknown ids, cycles and chains too long).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use crate::config::{self, Config};
use crate::diag::{Code, Diagnostic};
use crate::digest::Digest;
use crate::key::{key_of, normalize_body};
use crate::model::{Format, InputFile, Kind, OutputSpec, ProviderError, Request};
use crate::provider::hosted::HostedProvider;
use crate::provider::{PrepareContext, Provider};
use crate::scan::Directive;
use files::{FileCache, read_input};
use graph::Graph;
pub use graph::MAX_CHAIN;
pub use registry::Registry;

mod attrs;
mod digests;
pub mod extract;
mod files;
mod graph;
pub mod registry;

/// Attributes that never reach a provider: they place or size the figure in the document,
/// name it, or pick its provider (which the key records separately).
pub const NOT_FIGURE_INPUTS: &[&str] =
    &["kind", "provider", "caption", "width", "placement", "size", "height", "formats"];

/// One figure to look up or make.
#[derive(Clone)]
pub struct Job {
    pub directive: Arc<Directive>,
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

/// Plans every directive that names no other figure as input (those are left out: see
/// [`Planner`]); a directive that cannot be planned becomes a diagnostic.
pub fn plan(root: &Path, config: &Config, registry: &Registry, directives: &[Arc<Directive>]) -> Plan {
    let mut planner = Planner::new(root, config, registry, directives);
    let plan = planner.next(&|_| None);
    planner.finish();
    plan
}

/// What became of a figure that others name as input, as the caller of [`Planner::next`]
/// knows it.
#[derive(Clone)]
pub enum Upstream {
    /// Built: its PNG output, as stored.
    Built(InputFile),
    /// It failed in this build (its own error says why): the figures naming it fail.
    Failed,
    /// Not built now (left to watch's background thread; or, for a plan without a build,
    /// not in the cache): the figures naming it wait ([`Planner::waiting`]).
    Later,
}

/// Where one directive stands in a plan made in waves.
enum State {
    /// Not planned yet: it waits for figures it names.
    Waiting,
    /// Planned by call `wave` of [`Planner::next`]; its job is kept when another figure
    /// names it.
    Planned { wave: usize, job: Option<Box<Job>> },
    /// Cannot be planned; its error is reported.
    Failed,
}

/// Plans a build's directives in waves, each figure once the figures it takes as input are
/// built. Files are read once for the whole build.
pub struct Planner<'a> {
    root: &'a Path,
    config: &'a Config,
    registry: &'a Registry,
    directives: &'a [Arc<Directive>],
    graph: Graph,
    state: Vec<State>,
    by_name: HashMap<&'a str, usize>,
    files: FileCache,
    /// Calls of `next` so far.
    wave: usize,
    /// Errors of the graph (unknown ids, cycles), given by the first `next`.
    errors: Vec<Diagnostic>,
}

impl<'a> Planner<'a> {
    pub fn new(
        root: &'a Path,
        config: &'a Config,
        registry: &'a Registry,
        directives: &'a [Arc<Directive>],
    ) -> Planner<'a> {
        let canonical_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        let attr_of = |d: &Directive| registry.resolve(d, config).ok().and_then(|e| e.provider.figure_attr());
        let mut graph = Graph::of(directives, &attr_of);
        let errors: Vec<Diagnostic> = graph.errors.iter_mut().filter_map(Option::take).collect();
        let failed: std::collections::HashSet<&str> = errors.iter().filter_map(|e| e.figure.as_deref()).collect();
        let state = directives
            .iter()
            .map(|d| if failed.contains(d.name.as_str()) { State::Failed } else { State::Waiting })
            .collect();
        Planner {
            root,
            config,
            registry,
            directives,
            graph,
            state,
            by_name: directives.iter().enumerate().map(|(i, d)| (d.name.as_str(), i)).collect(),
            files: FileCache::new(canonical_root, Some(&config.cache_dir)),
            wave: 0,
            errors,
        }
    }

    /// How many figures may still be planned (for a progress bar).
    pub fn candidates(&self) -> usize {
        self.state.iter().filter(|s| !matches!(s, State::Failed)).count()
    }

    /// Whether another figure takes the figure `name`'s output as input: its caller must
    /// then say what became of it (`settled` of [`Planner::next`]).
    pub fn is_named(&self, name: &str) -> bool {
        self.by_name.get(name).is_some_and(|&i| self.graph.named[i])
    }

    /// Plans every figure not planned yet whose inputs are ready: it names no figure, or
    /// every figure it names was planned by an earlier call and `settled` says it was built
    /// (`None`: not known yet, the figure waits). A figure naming one that failed, or that
    /// has no PNG output, fails here, naming it. An empty plan means nothing more can be
    /// planned now.
    pub fn next(&mut self, settled: &dyn Fn(&Job) -> Option<Upstream>) -> Plan {
        let wave = self.wave;
        self.wave += 1;
        // Room for every figure that may be planned now, so the jobs are not moved as they come.
        let waiting = self.state.iter().filter(|s| matches!(s, State::Waiting)).count();
        let mut plan = Plan { jobs: Vec::with_capacity(waiting), diagnostics: std::mem::take(&mut self.errors) };
        // Failures pass down the chains in one call; figures after a cycle come in any order.
        loop {
            let mut changed = false;
            for k in 0..self.graph.order.len() {
                let i = self.graph.order[k];
                if !matches!(self.state[i], State::Waiting) {
                    continue;
                }
                let inputs = match self.inputs(i, wave, settled) {
                    Ready::Wait => continue,
                    Ready::Fail(diag) => {
                        plan.diagnostics.push(diag);
                        self.state[i] = State::Failed;
                        changed = true;
                        continue;
                    }
                    Ready::Inputs(inputs) => inputs,
                };
                let d = &self.directives[i];
                changed = true;
                match plan_one(self.root, self.config, self.registry, d, &mut self.files, &inputs) {
                    Ok(job) => {
                        let kept = self.graph.named[i].then(|| Box::new(job.clone()));
                        self.state[i] = State::Planned { wave, job: kept };
                        plan.jobs.push(job);
                    }
                    Err(diag) => {
                        plan.diagnostics.push(diag.for_figure(&d.name));
                        self.state[i] = State::Failed;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        plan.jobs.sort_by_key(|j| self.by_name.get(j.directive.name.as_str()).copied());
        plan
    }

    /// The PNG outputs of the figures directive `i` names, by id, when all are ready.
    fn inputs(&self, i: usize, wave: usize, settled: &dyn Fn(&Job) -> Option<Upstream>) -> Ready {
        let mut inputs = HashMap::new();
        let mut wait = false;
        for &u in &self.graph.upstream[i] {
            let (d, up) = (&self.directives[i], &self.directives[u]);
            match &self.state[u] {
                State::Failed => return Ready::Fail(upstream_failed(d, up, self.attr_of(d))),
                State::Waiting | State::Planned { job: None, .. } => wait = true,
                State::Planned { job: Some(job), .. } if !job.request.output.formats.contains(&Format::Png) => {
                    return Ready::Fail(no_png(d, job, self.attr_of(d)));
                }
                State::Planned { wave: w, .. } if *w == wave => wait = true,
                State::Planned { job: Some(job), .. } => match settled(job) {
                    None | Some(Upstream::Later) => wait = true,
                    Some(Upstream::Failed) => return Ready::Fail(upstream_failed(d, up, self.attr_of(d))),
                    Some(Upstream::Built(png)) => {
                        inputs.insert(up.label.clone().unwrap_or_default(), png);
                    }
                },
            }
        }
        if wait { Ready::Wait } else { Ready::Inputs(inputs) }
    }

    fn attr_of(&self, d: &Directive) -> &'static str {
        self.registry.resolve(d, self.config).ok().and_then(|e| e.provider.figure_attr()).unwrap_or("input")
    }

    /// The figures still waiting, each with the figures it names.
    pub fn waiting(&self) -> Vec<Waiting<'a>> {
        let directives = self.directives;
        (0..directives.len())
            .filter(|&i| matches!(self.state[i], State::Waiting))
            .map(|i| Waiting {
                directive: &directives[i],
                attr: self.attr_of(&directives[i]),
                inputs: self.graph.upstream[i].iter().map(|&u| directives[u].name.as_str()).collect(),
            })
            .collect()
    }

    /// Where the figure `name` is among the build's directives (source order).
    pub fn position(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    /// The figures still waiting, planned ahead for estimates (provider, cost, whether the
    /// cache has them) before they can be planned for real: each figure they name gives the
    /// PNG output `predict` finds in the store for its key, or else a stand-in image. A
    /// figure planned from predictions only is `exact` (its key is the one it will have if
    /// those figures come out as stored); the others' keys are not theirs. Never to be made.
    /// Figures that cannot be planned even so are left out (their error comes in `next`).
    pub fn foresee(&mut self, predict: &dyn Fn(&Job) -> Option<InputFile>) -> Vec<Foreseen> {
        let mut ahead: HashMap<usize, Foreseen> = HashMap::new();
        for k in 0..self.graph.order.len() {
            let i = self.graph.order[k];
            if !matches!(self.state[i], State::Waiting) {
                continue;
            }
            let mut exact = true;
            let mut inputs = HashMap::new();
            for &u in &self.graph.upstream[i] {
                let Some(id) = self.directives[u].label.clone() else { continue };
                let job = match (&self.state[u], ahead.get(&u)) {
                    (State::Planned { job: Some(job), .. }, _) => Some(&**job),
                    (_, Some(f)) if f.exact => Some(&f.job),
                    _ => None,
                };
                let png = job.and_then(predict).unwrap_or_else(|| {
                    exact = false;
                    InputFile::new("png", [b"\x89PNG\r\n\x1a\n".as_slice(), b"stand-in for ", id.as_bytes()].concat())
                });
                inputs.insert(id, png);
            }
            let d = &self.directives[i];
            if let Ok(job) = plan_one(self.root, self.config, self.registry, d, &mut self.files, &inputs) {
                ahead.insert(i, Foreseen { job, exact });
            }
        }
        let mut out: Vec<(usize, Foreseen)> = ahead.into_iter().collect();
        out.sort_by_key(|(i, _)| *i);
        out.into_iter().map(|(_, f)| f).collect()
    }

    /// Saves what the planner learnt about input files for later builds.
    pub fn finish(self) {
        self.files.finish();
    }
}

/// A figure that waits for figures it takes as input ([`Planner::waiting`]).
pub struct Waiting<'a> {
    pub directive: &'a Directive,
    /// The attribute naming them (`input`).
    pub attr: &'static str,
    /// The figures it names, by name.
    pub inputs: Vec<&'a str>,
}

/// A waiting figure planned ahead ([`Planner::foresee`]).
pub struct Foreseen {
    pub job: Job,
    /// Planned from the stored outputs of every figure it names: its key is its own.
    pub exact: bool,
}

/// Whether a figure's inputs are ready.
enum Ready {
    Wait,
    Fail(Diagnostic),
    /// The PNG outputs of the figures it names, by id.
    Inputs(HashMap<String, InputFile>),
}

/// A figure naming `up`, which failed.
fn upstream_failed(d: &Directive, up: &Directive, attr: &str) -> Diagnostic {
    Diagnostic::error(
        Code::Plan,
        format!("figure `{}` is not made: figure `{}`, whose output its {attr}= names, failed", d.name, up.name),
    )
    .at(d.attr_loc(attr), "needs that figure's output")
    .hint(format!("fix `{}` first (its error is reported too); nothing was sent for this figure", up.name))
    .for_figure(&d.name)
}

/// A figure naming `up`, which makes no PNG.
fn no_png(d: &Directive, up: &Job, attr: &str) -> Diagnostic {
    let formats: Vec<&str> = up.request.output.formats.iter().map(|f| f.ext()).collect();
    let name = &up.directive.name;
    Diagnostic::error(
        Code::Plan,
        format!("figure `{name}`, whose output {attr}= names, makes no PNG (formats: {})", formats.join(", ")),
    )
    .at(d.attr_loc(attr), "needs a PNG")
    .hint(format!("add png to the formats= of `{name}`: its PNG output is the image this figure is made from"))
    .for_figure(&d.name)
}

fn plan_one(
    root: &Path,
    config: &Config,
    registry: &Registry,
    d: &Arc<Directive>,
    files: &mut FileCache,
    figures: &HashMap<String, InputFile>,
) -> Result<Job, Diagnostic> {
    let registry::Entry { provider, hosted } = registry.resolve(d, config)?;
    let known: &[&[&str]] =
        if d.kind == Kind::Extract { &[NOT_FIGURE_INPUTS, extract::NOT_INPUTS] } else { &[NOT_FIGURE_INPUTS] };
    attrs::check(d, provider.as_ref(), known, &mut registry.providers())?;
    attrs::check_placement(d)?;
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
    let figure = |id: &str| figures.get(id).cloned();
    let ctx = PrepareContext { root: &root, base, files: Some(&files), figures: Some(&figure) };
    provider.prepare(&mut request, &ctx).map_err(|e| provider_diagnostic(d, e, Code::Plan))?;
    let key = key_of(&request);
    Ok(Job { directive: Arc::clone(d), provider, hosted, request, key })
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
#[cfg(test)]
mod waves_tests;
