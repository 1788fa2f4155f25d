//! paperfig: figures as code for papers and books.
//!
//! The pipeline, one stage per module, in the order `generate` runs them:
//!
//! | stage | module | in → out |
//! |---|---|---|
//! | project | [`project`], [`config`] | a path → root, checked `paperfig.toml`, source files |
//! | 1. scan | [`scan`] | sources → `Directive`s (+ located diagnostics) |
//! | 2. plan | [`plan`], [`key`] | directive → `Job` = provider + `Request` + key |
//! | 3. cache | [`store`] | key → hit / miss (local content-addressed store) |
//! | 4. generate | [`provider`], [`render`] | request → SVG/PDF/PNG artifacts |
//! | 5. emit | [`emit`], [`lock`] | outputs → `build/figures/`, `manifest.json`, `paperfig.lock` |
//! | 6. compile | [`compile`] | main `.tex` (or Markdown via its `.tex`) → PDF with the embedded engine |
//!
//! [`run`] drives stages 3–5 per figure in parallel; [`mdbook`] is the mdBook preprocessor
//! driver (the same stages on chapter texts); [`watch`] rebuilds on change; [`cli`] is the
//! command line.

// Errors that point into the user's files (`Diagnostic`) are large by design (message,
// location, hints) and only travel on the error path.
#![allow(clippy::result_large_err)]

pub mod bib;
pub mod cli;
pub mod compile;
pub mod config;
pub mod diag;
pub mod digest;
pub mod emit;
pub mod extract;
pub mod fsutil;
pub mod key;
pub mod lock;
pub mod locked;
pub mod mdbook;
pub mod plan;
pub mod progress;
pub mod project;
pub mod provider;
pub mod render;
pub mod run;
pub mod scan;
pub mod store;
pub mod texwriter;
pub mod watch;

use std::path::PathBuf;

use diag::Diagnostic;
use emit::Manifest;
use plan::Registry;
use progress::Progress;
use project::Project;
use run::{Outcome, Source};
use store::{LayeredStore, LocalStore, RemoteStore, Store};

/// One figure in a `gen` report.
pub struct FigureReport {
    pub name: String,
    pub kind: provider::Kind,
    pub provider: String,
    pub location: String,
    pub key: digest::Digest,
    pub source: Source,
    /// Output files, absolute.
    pub outputs: Vec<(provider::Format, PathBuf)>,
    /// Output digests, for the lockfile.
    pub outputs_digests: std::collections::BTreeMap<provider::Format, digest::Digest>,
    pub millis: f64,
}

/// What `gen` did.
pub struct GenReport {
    pub figures: Vec<FigureReport>,
    /// Every problem found, with locations; a non-empty list means exit code 1.
    pub diagnostics: Vec<Diagnostic>,
    /// Objects and entries moved to and from the remote cache.
    pub remote: store::layered::RemoteStats,
}

impl GenReport {
    pub fn generated(&self) -> usize {
        self.figures.iter().filter(|f| f.source == Source::Generated).count()
    }
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| !d.warning).count()
    }
}

/// Stages 1 and 2: every figure's job, and every problem found on the way.
pub fn scan_and_plan(project: &Project, registry: &Registry) -> (plan::Plan, Vec<Diagnostic>) {
    plan_scanned(project, registry, &scan::scan_files(&project.root, &project.sources))
}

/// Stage 2 on directives already scanned (from files or, for the mdBook driver, from memory).
pub fn plan_scanned(project: &Project, registry: &Registry, scan: &scan::Scan) -> (plan::Plan, Vec<Diagnostic>) {
    let mut plan = plan::plan(&project.root, &project.config, registry, &scan.directives);
    let mut diagnostics = scan.diagnostics.clone();
    diagnostics.append(&mut plan.diagnostics);
    (plan, diagnostics)
}

/// Opens the project's local store.
pub fn open_store(project: &Project) -> Result<LocalStore, Diagnostic> {
    LocalStore::open(&project.config.cache_dir)
        .map_err(|e| Diagnostic::error(e.to_string()).hint("check that the cache folder is writable"))
}

/// Opens the project's store: the local one, with the remote behind it when `[cache] remote`
/// is set and the build is not `--offline`. A remote URL or option the backend rejects is a
/// fatal error pointing at `paperfig.toml`; a remote that is merely unreachable is found out
/// (and switched off with one warning) on first use.
pub fn open_layered_store(project: &Project, offline: bool) -> Result<LayeredStore, Diagnostic> {
    let local = open_store(project)?;
    let remote = match (&project.config.remote, offline) {
        (Some(r), false) => Some(RemoteStore::open(&r.url, &r.options).map_err(|e| {
            Diagnostic::error(e.to_string()).hint("check [cache] remote and [cache.remote_options] in paperfig.toml")
        })?),
        _ => None,
    };
    let write = project.config.remote.as_ref().is_some_and(|r| r.write);
    Ok(LayeredStore::new(local, remote, write))
}

/// The store's warnings for a report: the one "remote switched off" warning and each damaged
/// remote object or entry that was ignored. With `--locked` a failed remote is an error: the
/// build needed it (the remote is only asked for what the local cache lacks) and may not
/// make anything instead.
pub fn store_warnings(store: &LayeredStore, locked: bool) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = match (store.failure(), locked) {
        (Some(e), true) => vec![
            Diagnostic::error(e)
                .hint("--locked takes what the local cache lacks from the remote cache: check that it is reachable"),
        ],
        _ => store.warning().into_iter().map(Diagnostic::warning).collect(),
    };
    out.extend(store.damage_notes().into_iter().map(Diagnostic::warning));
    out
}

/// Updates `paperfig.lock` with every built figure. Entries of figures that failed this
/// time are kept from the old lockfile, and with errors anywhere no entry is dropped.
fn write_lockfile(
    project: &Project,
    jobs: &[plan::Job],
    figures: &[FigureReport],
    keep_old: &dyn Fn(&str, &str) -> bool,
) -> Result<(), Diagnostic> {
    let path = project.root.join(lock::LOCK_FILE);
    let old = match lock::Lockfile::read(&path) {
        Ok(old) => old.unwrap_or_default(),
        Err(e) => {
            return Err(Diagnostic::error(e.to_string())
                .hint("fix or delete paperfig.lock; paperfig rewrites it on the next gen"));
        }
    };
    let mut new = lock::Lockfile::default();
    let built: std::collections::HashMap<&str, &FigureReport> = figures.iter().map(|f| (f.name.as_str(), f)).collect();
    for job in jobs {
        let d = &job.directive;
        let Some(fig) = built.get(d.name.as_str()) else { continue };
        let outputs = fig.outputs_digests.clone();
        new.figures.insert(
            d.name.clone(),
            lock::LockEntry {
                source: d.loc.file.name.clone(),
                kind: d.kind,
                provider: fig.provider.clone(),
                provider_version: job.request.provider_version.clone(),
                key: job.key,
                outputs,
                inputs: key::input_digests(&job.request),
            },
        );
    }
    for (name, entry) in old.figures {
        if keep_old(&name, &entry.source) {
            new.figures.entry(name).or_insert(entry);
        }
    }
    new.write(&path).map_err(|e| Diagnostic::error(format!("cannot write {}: {e}", path.display())))?;
    Ok(())
}

/// Checks hosted figures before anything is submitted: `--offline` blocks the figures that
/// need the network, `--max-cost` refuses the whole build, and each service's account check
/// (`/credits`, a missing key) blocks that provider's new submissions. Returns the blocked
/// jobs (by index) with their diagnostics.
fn hosted_checks(
    jobs: &[plan::Job],
    store: &dyn Store,
    opts: &GenOptions,
) -> Result<std::collections::BTreeMap<usize, Diagnostic>, Diagnostic> {
    use provider::hosted::batch;
    let pending = batch::pending(jobs, store);
    let mut blocked = std::collections::BTreeMap::new();
    if pending.is_empty() {
        return Ok(blocked);
    }
    if opts.offline {
        for (p, diag) in pending.iter().zip(batch::offline_errors(jobs, &pending)) {
            blocked.insert(p.index, diag);
        }
        return Ok(blocked);
    }
    if let Some(max) = opts.max_cost {
        if let Some(diag) = batch::over_budget(&pending, max) {
            return Err(diag);
        }
    }
    let failed = batch::preflight(&pending);
    for p in &pending {
        if let Some(e) = failed.get(p.provider.name()) {
            if !p.resuming {
                blocked.insert(p.index, plan::provider_diagnostic(&jobs[p.index].directive, e.clone()));
            }
        }
    }
    Ok(blocked)
}

/// Options of `gen`.
pub struct GenOptions {
    pub threads: usize,
    pub verbosity: progress::Verbosity,
    /// `--offline`: no network: the remote cache is not used, and figures that need a hosted
    /// provider fail instead of building (cached ones are placed).
    pub offline: bool,
    /// `--locked`: make nothing and call no provider; every figure comes from the local or
    /// remote store with the outputs `paperfig.lock` records, else fails saying why (see
    /// [`locked`]). `--frozen` sets this and `offline`.
    pub locked: bool,
    /// `--max-cost N`: refuse the build when new hosted submissions would cost more than N
    /// (in each service's own unit).
    pub max_cost: Option<f64>,
}

/// Scans the project, builds every figure missing from the cache, places all outputs, and
/// writes the manifest and lockfile. Errors about single figures are in the report; `Err`
/// is for problems that stop everything (unreadable config, unusable cache folder).
pub fn generate(project: &Project, registry: &Registry, opts: &GenOptions) -> Result<GenReport, Diagnostic> {
    generate_scanned(project, registry, &scan::scan_files(&project.root, &project.sources), opts)
}

/// `generate` from stage 2 on, for directives already scanned. `project.sources` names the
/// files the scan covered (manifest and lockfile entries of other files are kept).
pub fn generate_scanned(
    project: &Project,
    registry: &Registry,
    scan: &scan::Scan,
    opts: &GenOptions,
) -> Result<GenReport, Diagnostic> {
    let config = &project.config;
    let (plan, mut diagnostics) = plan_scanned(project, registry, scan);
    // 3–5. cache, generate, place
    let store = open_layered_store(project, opts.offline)?;
    let lock_path = project.root.join(lock::LOCK_FILE);
    let lock = if opts.locked {
        match lock::Lockfile::read(&lock_path) {
            Ok(Some(lock)) => Some(lock),
            Ok(None) => {
                return Err(Diagnostic::error("--locked needs paperfig.lock, and there is none")
                    .hint("build once without --locked, then commit paperfig.lock"));
            }
            Err(e) => {
                return Err(Diagnostic::error(e.to_string()).hint("fix paperfig.lock or rebuild it without --locked"));
            }
        }
    } else {
        None
    };
    std::fs::create_dir_all(&config.output_dir)
        .map_err(|e| Diagnostic::error(format!("cannot create {}: {e}", config.output_dir.display())))?;
    let previous = Manifest::read(&config.output_dir);
    let progress = Progress::new(opts.verbosity, plan.jobs.len());
    let outcomes = match &lock {
        // No provider runs, so no hosted check (nor its account requests) either.
        Some(lock) => {
            locked::run(&plan.jobs, lock, &store as &dyn Store, &config.output_dir, &previous, opts.threads, &progress)
        }
        None => {
            let mut blocked = hosted_checks(&plan.jobs, &store, opts)?;
            let runnable: Vec<plan::Job> = plan
                .jobs
                .iter()
                .enumerate()
                .filter(|(i, _)| !blocked.contains_key(i))
                .map(|(_, j)| j.clone())
                .collect();
            let mut ran =
                run::run(&runnable, &store as &dyn Store, &config.output_dir, &previous, opts.threads, &progress)
                    .into_iter();
            (0..plan.jobs.len())
                .map(|i| match blocked.remove(&i) {
                    Some(diag) => Outcome::Failed(diag),
                    None => ran.next().expect("one outcome per runnable job"),
                })
                .collect()
        }
    };
    progress.finish();
    diagnostics.extend(store_warnings(&store, opts.locked));

    let mut manifest = Manifest::default();
    let mut figures = Vec::new();
    for (job, outcome) in plan.jobs.iter().zip(outcomes) {
        let d = &job.directive;
        match outcome {
            Outcome::Done { source, entry, outputs, millis } => {
                let (line, _) = d.loc.file.line_col(d.loc.span.start);
                figures.push(FigureReport {
                    name: d.name.clone(),
                    kind: d.kind,
                    provider: entry.provider.clone(),
                    location: d.loc.display(),
                    key: job.key,
                    source,
                    outputs: outputs.iter().map(|(f, o)| (*f, config.output_dir.join(&o.file))).collect(),
                    outputs_digests: outputs.iter().map(|(f, o)| (*f, o.digest)).collect(),
                    millis,
                });
                manifest.figures.insert(
                    d.name.clone(),
                    emit::ManifestFigure {
                        label: d.label.clone(),
                        caption: plan::extract::manifest_caption(d),
                        kind: d.kind.to_string(),
                        source: format!("{}:{line}", d.loc.file.name),
                        key: job.key,
                        outputs,
                    },
                );
            }
            Outcome::Failed(diag) => diagnostics.push(diag),
        }
    }
    // Old entries not rebuilt now are kept when their source was not scanned (a build of
    // one file of a larger project), or when anything failed: a failed figure keeps its
    // previous outputs, and the broken directive may be any of them.
    let had_errors = diagnostics.iter().any(|d| !d.warning);
    let scanned: std::collections::HashSet<String> =
        project.sources.iter().map(|p| scan::relative_name(&project.root, p)).collect();
    let keep_old = |_name: &str, source: &str| had_errors || !scanned.contains(source);
    for (name, fig) in &previous.figures {
        let source_file = fig.source.rsplit_once(':').map_or(fig.source.as_str(), |(file, _)| file);
        if !manifest.figures.contains_key(name) && keep_old(name, source_file) {
            manifest.figures.insert(name.clone(), fig.clone());
        }
    }
    // --locked never rewrites the lockfile: it is what the build was checked against.
    if lock.is_none() {
        write_lockfile(project, &plan.jobs, &figures, &keep_old)?;
    }
    emit::remove_stale(&config.output_dir, &previous, &manifest);
    manifest.write(&config.output_dir).map_err(|e| {
        Diagnostic::error(format!("cannot write {}: {e}", config.output_dir.join(emit::MANIFEST).display()))
    })?;
    for (path, e) in emit::place_latex_package(&project.sources, &config.output_dir) {
        diagnostics.push(Diagnostic::error(format!("cannot write {}: {e}", path.display())));
    }
    diagnostics.sort_by_key(|d| d.loc.as_ref().map(|l| (l.file.name.clone(), l.span.start)));
    let remote = store.stats();
    Ok(GenReport { figures, diagnostics, remote })
}
