//! paperfig: figures as code for papers and books.
//!
//! The pipeline, one stage per module, in the order `generate` runs them:
//!
//! | stage | module | in → out |
//! |---|---|---|
//! | ground | [`model`], [`digest`], [`diag`] | the shared vocabulary: `Kind`, `Format`, `Request`, `Artifact`; digests; located diagnostics |
//! | project | [`project`], [`config`] | a path → root, checked `paperfig.toml`, source files |
//! | 1. scan | [`scan`] | sources → `Directive`s (+ located diagnostics) |
//! | 2. plan | [`plan`] (+ `plan::registry`), [`key`] | directive → `Job` = provider + `Request` + key |
//! | 2b. policy | [`options`], [`preflight`] | the build's modes as types; hosted figures → run / defer / refuse |
//! | 3. cache | [`store`] | key → hit / miss (local content-addressed store, remote behind it) |
//! | 4. generate | [`provider`], [`render`] | request → SVG/PDF/PNG artifacts |
//! | 5. emit | [`emit`], [`lock`] | outputs → `build/figures/`, `manifest.json`, `paperfig.lock` |
//! | 6. compile | [`compile`] | main `.tex` (or Markdown via its `.tex`) → PDF with the embedded engine |
//!
//! [`run`] drives stages 3–5 per figure in parallel (`--locked` is one of its strategies, see
//! [`locked`]); [`waves`] runs plan and stages 3–5 in dependency waves, for figures that take
//! other figures' outputs as input (`input=#fig:x`); [`mdbook`] is the mdBook preprocessor driver (the same stages on chapter
//! texts); [`watch`] rebuilds on change; [`cli`] is the command line. Each module imports
//! only the ones below it (`tests/it/layers.rs` checks that the module graph has no cycle).

// Errors that point into the user's files (`Diagnostic`) are large by design (message,
// location, hints) and only travel on the error path.
#![allow(clippy::result_large_err)]

pub mod bib;
pub mod calendar;
pub mod children;
pub mod cli;
pub mod compile;
pub mod config;
pub mod diag;
pub mod diagnose;
pub mod digest;
pub mod emit;
pub mod extract;
pub mod fsutil;
pub mod key;
pub mod lock;
pub mod locked;
pub mod mdbook;
pub mod model;
pub mod options;
pub mod plan;
pub mod preflight;
pub mod progress;
pub mod project;
pub mod provider;
pub mod render;
pub mod run;
pub mod scan;
pub mod store;
pub mod texwriter;
pub mod watch;
pub mod waves;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use diag::{Code, Diagnostic};
use digest::Digest;
use emit::{Manifest, OutputFile};
use lock::{EntryFields, LockError, Lockfile};
use model::Format;
pub use options::GenOptions;
use options::{LockMode, Network};
use plan::{Job, Registry};
use preflight::{OverBudget, Refusal, Unwritable};
use progress::Progress;
use project::Project;
pub use run::Figure;
use run::{Built, Outcome, Source, Strategy};
use store::StoreError;
use store::layered::{LayeredStore, RemoteStats};
use store::local::LocalStore;
use store::remote::RemoteStore;

/// Why the pipeline could not run at all; single figures' problems are in the report.
#[derive(Debug, thiserror::Error)]
pub enum GenError {
    /// The local cache folder cannot be used.
    #[error(transparent)]
    Cache(StoreError),
    /// The remote cache's backend refuses its URL or options.
    #[error(transparent)]
    Remote(StoreError),
    #[error("--locked needs paperfig.lock, and there is none")]
    NoLockfile,
    /// `paperfig.lock` cannot be read, and the build was to be checked against it (`--locked`).
    #[error("{source}")]
    Lockfile { source: LockError },
    #[error("cannot create {}: {source}", path.display())]
    OutputDir { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    OverBudget(#[from] OverBudget),
    /// Hosted figures are to be submitted, but their tasks could not be recorded.
    #[error(transparent)]
    Unwritable(#[from] Unwritable),
}

impl From<Refusal> for GenError {
    fn from(r: Refusal) -> GenError {
        match r {
            Refusal::OverBudget(o) => GenError::OverBudget(o),
            Refusal::Unwritable(u) => GenError::Unwritable(u),
        }
    }
}

/// What `gen` did: the plan and each figure's outcome, so drivers never derive them again.
pub struct GenReport {
    /// What was scanned (the writer of a Markdown paper reads its directives from here).
    pub scan: scan::Scan,
    /// Every planned figure, in source order.
    pub figures: Vec<Figure>,
    /// Every problem found, with locations; an error among them means exit code 1.
    pub diagnostics: Vec<Diagnostic>,
    /// The manifest as written: the figures' files, for the document writers.
    pub manifest: Manifest,
    /// The folder the manifest's files are in.
    pub output_dir: PathBuf,
    /// Objects and entries moved to and from the remote cache.
    pub remote: RemoteStats,
}

impl GenReport {
    /// Figures whose outputs are in place, with what was placed.
    pub fn built(&self) -> impl Iterator<Item = (&Job, &Built)> {
        built(&self.figures)
    }

    /// Hosted figures this build left for later (`HostedPolicy::Defer`).
    pub fn deferred(&self) -> impl Iterator<Item = &Job> {
        self.figures.iter().filter(|f| matches!(f.outcome, Outcome::Deferred)).map(|f| &f.job)
    }

    /// The absolute path of a placed output.
    pub fn output_path(&self, file: &OutputFile) -> PathBuf {
        self.output_dir.join(&file.file)
    }

    /// A built figure's outputs, absolute.
    pub fn outputs(&self, built: &Built) -> Vec<(Format, PathBuf)> {
        built.outputs.iter().map(|(f, o)| (*f, self.output_path(o))).collect()
    }

    pub fn generated(&self) -> usize {
        self.built().filter(|(_, b)| b.source == Source::Generated).count()
    }
    pub fn cached(&self) -> usize {
        self.built().filter(|(_, b)| b.source == Source::Cached).count()
    }
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }
}

/// A plan without a build (`status`, `cache gc`).
pub struct Planned {
    /// Every figure that could be planned, in source order.
    pub jobs: Vec<Job>,
    /// For each job, the figures whose outputs it takes as input when the store has none for
    /// them: it was planned with stand-ins for those outputs, so its key is not its own
    /// (it is made after them; see `plan::Planner::foresee`). Empty for the others.
    pub waits_for: Vec<Vec<String>>,
    /// Every problem found on the way.
    pub diagnostics: Vec<Diagnostic>,
}

/// Stages 1 and 2 without building: every figure's job, and every problem found on the way.
/// A figure taking another's output as input is planned with the output `store` has for
/// that figure's key (what a build would take from the cache), else with a stand-in.
pub fn scan_and_plan(project: &Project, registry: &Registry, store: &dyn store::Store) -> Planned {
    plan_scanned(project, registry, &scan::scan_files(&project.root, &project.sources), store)
}

/// [`scan_and_plan`] on directives already scanned.
pub fn plan_scanned(project: &Project, registry: &Registry, scan: &scan::Scan, store: &dyn store::Store) -> Planned {
    let mut planner = plan::Planner::new(&project.root, &project.config, registry, &scan.directives);
    let plan = planner.next(&|_| None);
    let ahead = planner.foresee(&|job| waves::stored_png(store, job));
    let waiting: std::collections::HashMap<&str, Vec<String>> = planner
        .waiting()
        .into_iter()
        .map(|w| (w.directive.name.as_str(), w.inputs.iter().map(|n| n.to_string()).collect()))
        .collect();
    let mut diagnostics = scan.diagnostics.clone();
    diagnostics.extend(plan.diagnostics);
    let mut jobs: Vec<(Job, Vec<String>)> = plan.jobs.into_iter().map(|j| (j, Vec::new())).collect();
    for f in ahead {
        let waits =
            if f.exact { Vec::new() } else { waiting.get(f.job.directive.name.as_str()).cloned().unwrap_or_default() };
        jobs.push((f.job, waits));
    }
    jobs.sort_by_key(|(j, _)| planner.position(&j.directive.name));
    planner.finish();
    let (jobs, waits_for) = jobs.into_iter().unzip();
    Planned { jobs, waits_for, diagnostics }
}

/// Opens the project's local store.
pub fn open_store(project: &Project) -> Result<LocalStore, GenError> {
    LocalStore::open(&project.config.cache_dir).map_err(GenError::Cache)
}

/// Opens the project's store: the local one, with the remote behind it when `[cache] remote`
/// is set and the build is online. A remote URL or option the backend rejects is a fatal
/// error pointing at `paperfig.toml`; a remote that is merely unreachable is found out (and
/// switched off with one warning) on first use.
pub fn open_layered_store(project: &Project, network: Network) -> Result<LayeredStore, GenError> {
    let local = open_store(project)?;
    let remote = match (&project.config.remote, network) {
        (Some(r), Network::Online) => Some(RemoteStore::open(&r.url, &r.options).map_err(GenError::Remote)?),
        _ => None,
    };
    let write = project.config.remote.as_ref().is_some_and(|r| r.write);
    Ok(LayeredStore::new(local, remote, write))
}

/// The store's warnings for a report: the one "remote switched off" warning and each damaged
/// remote object or entry that was ignored. With `--locked` a failed remote is an error: the
/// build needed it (the remote is only asked for what the local cache lacks) and may not
/// make anything instead.
pub fn store_warnings(store: &LayeredStore, lock: LockMode) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = match (store.failure(), lock) {
        (Some(e), LockMode::Locked) => vec![
            Diagnostic::error(Code::Cache, e)
                .hint("--locked takes what the local cache lacks from the remote cache: check that it is reachable"),
        ],
        _ => store.warning().into_iter().map(|w| Diagnostic::warning(Code::Cache, w)).collect(),
    };
    out.extend(store.damage_notes().into_iter().map(|w| Diagnostic::warning(Code::Cache, w)));
    out
}

/// The lockfile a `--locked` build is checked against; it must exist.
fn read_lock_for_locked(project: &Project) -> Result<Lockfile, GenError> {
    match Lockfile::read(&project.root.join(lock::LOCK_FILE)) {
        Ok(Some(lock)) => Ok(lock),
        Ok(None) => Err(GenError::NoLockfile),
        Err(source) => Err(GenError::Lockfile { source }),
    }
}

/// Scans the project, builds every figure missing from the cache, places all outputs, and
/// writes the manifest and lockfile. Errors about single figures are in the report; `Err`
/// is for problems that stop everything (unreadable config, unusable cache folder).
pub fn generate(project: &Project, registry: &Registry, opts: &GenOptions) -> Result<GenReport, GenError> {
    generate_scanned(project, registry, scan::scan_files(&project.root, &project.sources), opts)
}

/// `generate` from stage 2 on, for directives already scanned. `project.sources` names the
/// files the scan covered (manifest and lockfile entries of other files are kept).
pub fn generate_scanned(
    project: &Project,
    registry: &Registry,
    scan: scan::Scan,
    opts: &GenOptions,
) -> Result<GenReport, GenError> {
    let out_dir = &project.config.output_dir;
    let mut diagnostics = scan.diagnostics.clone();
    // the stores, and what the build checks against
    let store = open_layered_store(project, opts.network)?;
    let lock = match opts.lock {
        LockMode::Locked => Some(read_lock_for_locked(project)?),
        LockMode::Update => None,
    };
    std::fs::create_dir_all(out_dir).map_err(|source| GenError::OutputDir { path: out_dir.clone(), source })?;
    let previous = Manifest::read(out_dir);
    // 2. plan, 2b. policy and 3–5. cache, generate, place: in waves, each figure once the
    // figures whose outputs it takes as input are built (one wave when there are none)
    let mut planner = plan::Planner::new(&project.root, &project.config, registry, &scan.directives);
    let progress = Progress::new(opts.verbosity, planner.candidates());
    let strategy = lock.as_ref().map_or(Strategy::Build, Strategy::Locked);
    let threads = opts.threads;
    let cx = run::Context { store: &store, out_dir, previous: &previous, threads, progress: &progress, strategy };
    let ran = waves::run(&mut planner, &cx, opts.hosted);
    planner.finish();
    let waves::Waves { figures, diagnostics: found, waiting } = ran?;
    diagnostics.extend(found);
    progress.finish();
    diagnostics.extend(store_warnings(&store, opts.lock));
    diagnostics.extend(figures.iter().filter_map(|f| match &f.outcome {
        Outcome::Failed(d) => Some(d.clone()),
        _ => None,
    }));
    // 5. manifest and lockfile (--locked never rewrites the lockfile: it is what the build
    // was checked against)
    let keep = KeepOld::new(project, &figures, &waiting, &diagnostics);
    let keep_old = |name: &str, source: &str| keep.keeps(name, source);
    let failed = diagnostics.iter().filter(|d| d.is_error()).filter_map(|d| {
        let (name, loc) = (d.figure.as_deref()?, d.loc.as_ref()?);
        Some((name, format!("{}:{}", loc.file.name, loc.file.line_col(loc.span.start).0), d.message.as_str()))
    });
    let manifest =
        Manifest::merged(built(&figures).map(|(job, b)| (job, &b.outputs, &b.entry)), failed, &previous, &keep_old);
    // A file that cannot be written is one more error beside the figures' own, which are
    // kept: on a full disk, each figure says why it failed.
    if lock.is_none() {
        diagnostics.extend(write_lockfile(project, &figures, &keep));
    }
    emit::remove_stale(out_dir, &previous, &manifest);
    match manifest.write(out_dir, &previous) {
        Ok(_) => {}
        Err(emit::EmitError::Write { path, source }) => diagnostics.push(write_error(Code::Output, &path, &source)),
        Err(e) => diagnostics.push(Diagnostic::error(Code::Output, e.to_string())),
    }
    for (path, e) in emit::place_latex_package(&project.sources, out_dir) {
        diagnostics.push(write_error(Code::Output, &path, &e));
    }
    diagnostics.sort_by_key(|d| d.loc.as_ref().map(|l| (l.file.name.clone(), l.span.start)));
    let remote = store.stats();
    Ok(GenReport { scan, figures, diagnostics, manifest, output_dir: out_dir.clone(), remote })
}

/// Figures whose outputs are in place, with what was placed.
fn built(figures: &[Figure]) -> impl Iterator<Item = (&Job, &Built)> {
    figures.iter().filter_map(|f| match &f.outcome {
        Outcome::Done(b) => Some((&f.job, b)),
        _ => None,
    })
}

/// Which old manifest and lockfile entries a build keeps besides the figures it built:
/// those of files it did not scan (a build of one file of a larger project), of deferred
/// figures and figures waiting for deferred ones, and all of them when anything failed (a
/// failed figure keeps its previous outputs, and the broken directive may be any of them).
struct KeepOld<'a> {
    had_errors: bool,
    scanned: HashSet<String>,
    deferred: HashSet<&'a str>,
}

impl<'a> KeepOld<'a> {
    fn new(project: &Project, figures: &'a [Figure], waiting: &'a [String], diagnostics: &[Diagnostic]) -> KeepOld<'a> {
        KeepOld {
            had_errors: diagnostics.iter().any(|d| d.is_error()),
            scanned: project.sources.iter().map(|p| scan::relative_name(&project.root, p)).collect(),
            deferred: figures
                .iter()
                .filter(|f| matches!(f.outcome, Outcome::Deferred))
                .map(|f| f.job.directive.name.as_str())
                .chain(waiting.iter().map(String::as_str))
                .collect(),
        }
    }

    /// Whether the old entry of figure `name`, from file `source`, stays.
    fn keeps(&self, name: &str, source: &str) -> bool {
        self.had_errors || self.deferred.contains(name) || !self.scanned.contains(source)
    }

    /// A digest of the rule (for the lockfile's `MergeMemo`).
    fn digest(&self) -> Digest {
        let mut scanned: Vec<&str> = self.scanned.iter().map(String::as_str).collect();
        let mut deferred: Vec<&str> = self.deferred.iter().copied().collect();
        scanned.sort_unstable();
        deferred.sort_unstable();
        let text = serde_json::json!(["keep-old/1", self.had_errors, scanned, deferred]).to_string();
        Digest::of(text.as_bytes())
    }
}

/// Updates `paperfig.lock` with every built figure, keeping the old entries `keep_old` keeps.
/// A lockfile that cannot be read (a merge conflict left in it) is left as it is and
/// reported beside the figures' own errors, like one that cannot be written.
fn write_lockfile(project: &Project, figures: &[Figure], keep: &KeepOld<'_>) -> Option<Diagnostic> {
    let path = project.root.join(lock::LOCK_FILE);
    let digests = |b: &Built| b.outputs.iter().map(|(f, o)| (*f, o.digest)).collect();
    let now = || built(figures).map(|(job, b)| (job, b.entry.provider.as_str(), digests(b), &b.entry.notes));
    // Settled without making the entries: most builds change nothing in the lockfile.
    let entries =
        Lockfile::entries_digest(now().map(|(job, p, outputs, notes)| EntryFields::of_job(job, p, outputs, notes)));
    let merge = Digest::of(format!("{} {}", entries.hex(), keep.digest().hex()).as_bytes());
    let memo = lock::MergeMemo::new(&project.config.cache_dir, &path);
    let bytes = match memo.check(&path, merge) {
        lock::Check::Settled => return None,
        lock::Check::Unsettled(bytes) => bytes,
    };
    let built = Lockfile::built(now());
    let old = match bytes.map(|b| String::from_utf8(b).map_err(|e| e.utf8_error())) {
        None => Lockfile::read(&path),
        Some(Ok(text)) => Lockfile::parse(&text, &path.display().to_string()).map(Some),
        Some(Err(_)) => Lockfile::read(&path),
    };
    let old = match old {
        Ok(old) => old,
        Err(e) => {
            return Some(Diagnostic::error(Code::Lockfile, e.to_string()).hint(
                "fix paperfig.lock (after a merge conflict, keep either side) or delete it; it was left as it is, \
                 and the next gen writes it",
            ));
        }
    };
    let new = built.keeping(old.unwrap_or_default(), &|name, source| keep.keeps(name, source));
    let text = new.to_toml_string();
    match fsutil::write_if_changed(&path, text.as_bytes()) {
        Ok(_) => {
            memo.remember(text.as_bytes(), merge);
            None
        }
        Err(e) => Some(write_error(Code::Lockfile, &path, &e)),
    }
}

/// Records in `paperfig.lock` the TeX engine a build made its PDF with (`[engine]`, see
/// [`lock`]); the file is written only when that changes (`Ok(true)`). A lockfile that
/// cannot be read is left as it is (the figures' own build reports it).
pub fn record_engine(project: &Project, engine: lock::EngineLock) -> Result<bool, Diagnostic> {
    let path = project.root.join(lock::LOCK_FILE);
    // Most builds record the engine already there: a memo of the lockfile's bytes spares
    // parsing it.
    let memo = lock::MergeMemo::engine(&project.config.cache_dir, &path);
    let said = Digest::of(format!("{}\n{}", engine.name, engine.version).as_bytes());
    let bytes = match memo.check(&path, said) {
        lock::Check::Settled => return Ok(false),
        lock::Check::Unsettled(bytes) => bytes,
    };
    // Parsed from the very bytes the memo will stand for.
    let parsed = match bytes.as_deref().map(std::str::from_utf8) {
        Some(Ok(text)) => Lockfile::parse(text, &path.display().to_string()).map(Some),
        _ => Lockfile::read(&path),
    };
    let mut lock = match parsed {
        Ok(lock) => lock.unwrap_or_default(),
        Err(_) => return Ok(false),
    };
    if lock.engine.as_ref() == Some(&engine) {
        if let Some(b) = &bytes {
            memo.remember(b, said);
        }
        return Ok(false);
    }
    lock.engine = Some(engine);
    let text = lock.to_toml_string();
    match fsutil::write_if_changed(&path, text.as_bytes()) {
        Ok(_) => {
            memo.remember(text.as_bytes(), said);
            // A merge keeps the `[engine]` it finds: what the figures' merge memo said of
            // the old bytes holds for the new ones.
            if let Some(old) = &bytes {
                lock::MergeMemo::new(&project.config.cache_dir, &path).carry(old, text.as_bytes());
            }
            Ok(true)
        }
        Err(e) => Err(write_error(Code::Lockfile, &path, &e)),
    }
}

/// Once a build's writes to `paperfig.lock` have settled (TeX ran since, or the file clock
/// was waited out), keeps its fingerprint in the lockfile's memos, so that the next build
/// `stat`s the file instead of reading it (see [`lock::MergeMemo`]).
pub fn settle_lock_memos(project: &Project) {
    let path = project.root.join(lock::LOCK_FILE);
    let cache = &project.config.cache_dir;
    lock::MergeMemo::settle_all(&[lock::MergeMemo::new(cache, &path), lock::MergeMemo::engine(cache, &path)], &path);
}

/// A file of the build (lockfile, manifest, `paperfig.sty`) that could not be written.
fn write_error(code: Code, path: &Path, e: &std::io::Error) -> Diagnostic {
    let hint = if fsutil::is_disk_full(e) { fsutil::DISK_FULL_HINT } else { "check that the folder is writable" };
    Diagnostic::error(code, fsutil::write_failure(path, e)).hint(hint)
}
