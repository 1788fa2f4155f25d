//! The watch loop: wait for changes, classify them against the state, rebuild what they
//! reach, print one status line per rebuild, and keep going whatever fails.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::events::{Filter, Wait, Watcher};
use super::hosted::Background;
use super::signal;
use super::state::{Changes, State};
use crate::compile::markdown::Figures;
use crate::compile::swap::Reuse;
use crate::compile::{self, DocKind};
use crate::diag::Diagnostic;
use crate::diagnose::Diagnose;
use crate::options::Network;
use crate::plan::Job;
use crate::progress::Verbosity;
use crate::run::Source;
use crate::{GenOptions, GenReport, emit};

/// How `paperfig watch` runs.
pub struct Options {
    /// The paper (or its folder) as given.
    pub path: PathBuf,
    /// Refresh an mdBook (`mdbook serve`) instead of compiling a PDF.
    pub mdbook: bool,
    pub figures: GenOptions,
    /// The build date (`None` = now), decided once.
    pub source_date_epoch: Option<u64>,
    /// `--engine`, over `[build] engine`.
    pub engine: Option<crate::config::Engine>,
}

/// What one rebuild did, printed as the status line.
#[derive(Default)]
pub struct Status {
    pub number: usize,
    pub changed: Vec<String>,
    pub regenerated: Vec<String>,
    pub pending: Vec<String>,
    /// `updated`, `failed`, `skipped` (nothing it uses changed), `touched` (mdBook
    /// chapters refreshed), or `none` (no document).
    pub output: &'static str,
    /// How the PDF was made: `ran` (TeX), `patched` (only figures changed, each at its
    /// size: replaced in the last PDF), `unchanged`, or `-` (not compiled).
    pub tex: &'static str,
    pub errors: usize,
    pub seconds: f64,
    /// Of which: figures (scan to manifest), and compiling the document.
    pub figures_seconds: f64,
    pub compile_seconds: f64,
}

impl Status {
    /// One line, `key=value` fields, lists comma-separated (`-` when empty).
    pub fn line(&self) -> String {
        let list = |v: &[String]| if v.is_empty() { "-".to_string() } else { v.join(",") };
        format!(
            "[watch] #{} changed={} regenerated={} pending={} output={} tex={} errors={} time={:.2}s figures={:.2}s compile={:.2}s",
            self.number,
            list(&self.changed),
            list(&self.regenerated),
            list(&self.pending),
            self.output,
            if self.tex.is_empty() { "-" } else { self.tex },
            self.errors,
            self.seconds,
            self.figures_seconds,
            self.compile_seconds
        )
    }
}

struct Watch {
    opts: Options,
    state: State,
    /// The document compiled after each rebuild (none with `--mdbook` or without a paper).
    main: Option<PathBuf>,
    background: Background,
    /// The last compile failed: the next rebuild compiles whatever changed.
    compile_failed: bool,
    /// Hosted figures that failed in the background: not resubmitted until the next edit.
    held: std::collections::BTreeSet<String>,
    /// Files already reported as ignored (`-v` says so once per file).
    ignored: std::collections::BTreeSet<String>,
    rebuilds: usize,
}

/// Runs until SIGINT/SIGTERM. `Err` only when watching cannot start.
pub fn watch(opts: Options) -> Result<(), Diagnostic> {
    signal::install();
    let dir: &Path = if opts.path.is_file() {
        opts.path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
    } else {
        &opts.path
    };
    let state = State::open(dir).map_err(|e| e.diagnostic())?;
    let main = if opts.mdbook { None } else { find_main(&state, &opts.path) };
    let config = &state.project.config;
    let filter = Filter {
        root: state.root().to_path_buf(),
        own_dirs: vec![config.build_dir.clone(), config.output_dir.clone(), config.cache_dir.clone()],
        own_files: super::events::own_output_files(),
    };
    // Started before the first build, so edits made during it are seen.
    let watcher = Watcher::start(filter)?;
    let what = match &main {
        Some(m) => format!("paper {}", crate::scan::relative_name(state.root(), m)),
        None if opts.mdbook => "mdBook chapters".to_string(),
        None => "figures only".to_string(),
    };
    say(format_args!("[watch] watching {} ({what}); Ctrl-C to stop", state.root().display()));
    let mut w = Watch {
        opts,
        state,
        main,
        background: Background::default(),
        compile_failed: false,
        held: Default::default(),
        ignored: Default::default(),
        rebuilds: 0,
    };
    w.rebuild(Changes::default(), true);
    while !signal::stopped() {
        if let Some(done) = w.background.poll() {
            for d in &done.diagnostics {
                warn(d.render());
            }
            if !done.arrived.is_empty() {
                say(format_args!("[watch] hosted figures arrived: {}", done.arrived.join(",")));
            }
            // The arrived figures are cache hits now; failed ones wait for the next edit.
            w.held = done.failed;
            w.rebuild(Changes::default(), false);
        }
        match watcher.wait(Duration::from_millis(100)) {
            Wait::Changed(paths) => match w.state.apply(&paths) {
                Ok(changes) => {
                    w.report_ignored(&changes.ignored);
                    if !changes.is_empty() {
                        w.held.clear();
                        w.rebuild(changes, false)
                    }
                }
                Err(d) => {
                    warn(d.diagnostic().render());
                    w.rebuilds += 1;
                    let names = paths.iter().map(|p| crate::scan::relative_name(w.state.root(), p)).collect();
                    let status =
                        Status { number: w.rebuilds, changed: names, output: "failed", errors: 1, ..Status::default() };
                    say(status.line());
                }
            },
            Wait::Idle => {}
            Wait::Failed(msgs) => {
                for m in msgs {
                    warn(format_args!("warning: file watcher: {m}\n"));
                }
            }
        }
    }
    if w.background.running() {
        say(format_args!(
            "[watch] stopping; hosted figures in flight ({}) resume on the next build",
            w.background.names.iter().cloned().collect::<Vec<_>>().join(",")
        ));
    }
    say("[watch] stopped");
    Ok(())
}

/// A line of watch's output on stdout. When its reader went away (`paperfig watch | head`),
/// watching stops as after Ctrl-C.
fn say(line: impl std::fmt::Display) {
    if writeln!(std::io::stdout().lock(), "{line}").is_err() {
        signal::stop();
    }
}

/// A message on stderr; a closed stderr is ignored (there is nowhere left to say so).
fn warn(text: impl std::fmt::Display) {
    let _ = write!(std::io::stderr().lock(), "{text}");
}

fn find_main(state: &State, path: &Path) -> Option<PathBuf> {
    match compile::find_main(&state.project, path) {
        Ok(m) => Some(m),
        Err(d) => {
            warn(d.diagnostic().render());
            warn("watching figures only\n");
            None
        }
    }
}

impl Watch {
    /// With `-v`, says once per file that a change to it started nothing.
    fn report_ignored(&mut self, names: &[String]) {
        if self.opts.figures.verbosity != Verbosity::Verbose {
            return;
        }
        for name in names {
            if self.ignored.insert(name.clone()) {
                say(format_args!("[watch] ignored {name}: neither the paper nor a figure reads it"));
            }
        }
    }

    /// Rebuilds after `changes`: figures (the store makes unchanged ones hits), then the
    /// document if anything it uses changed. `first` compiles unconditionally. Uncached
    /// hosted figures go to the background thread, except those that just failed there
    /// (`held`, tried again after the next edit).
    fn rebuild(&mut self, changes: Changes, first: bool) {
        let started = Instant::now();
        let mut status = Status { number: self.rebuilds, changed: changes.names(), ..Status::default() };
        self.rebuilds += 1;
        let scan = self.state.scan();
        self.state.record_inputs(&scan.directives);
        let sources = self.state.take_scanned_sources();
        let current = std::mem::replace(&mut self.state.project.sources, sources);
        let manifest_before = std::fs::read(self.state.project.config.output_dir.join(emit::MANIFEST)).ok();
        // The mdBook refresh below reads the scan, whether or not the figures were made.
        let report = self.generate(scan.clone());
        self.state.project.sources = current;
        let manifest_path = self.state.project.config.output_dir.join(emit::MANIFEST);
        let mut diagnostics = Vec::new();
        let report = match report {
            Ok(mut report) => {
                status.regenerated = report
                    .built()
                    .filter(|(_, b)| b.source == Source::Generated)
                    .map(|(job, _)| job.directive.name.clone())
                    .collect();
                diagnostics = std::mem::take(&mut report.diagnostics);
                let deferred: Vec<&Job> = report.deferred().collect();
                let to_start: Vec<Job> =
                    deferred.iter().filter(|j| !self.held.contains(&j.directive.name)).map(|j| (*j).clone()).collect();
                if !to_start.is_empty() && !self.background.running() {
                    self.start_background(to_start);
                }
                let mut pending: std::collections::BTreeSet<String> =
                    deferred.iter().map(|j| j.directive.name.clone()).collect();
                pending.extend(self.background.names.iter().cloned());
                status.pending = pending.into_iter().collect();
                Some(report)
            }
            Err(d) => {
                diagnostics.push(d);
                None
            }
        };
        let manifest_changed = std::fs::read(&manifest_path).ok() != manifest_before;
        status.figures_seconds = started.elapsed().as_secs_f64();
        let needed = first
            || self.compile_failed
            || changes.touches_document()
            || manifest_changed
            || !status.regenerated.is_empty();
        status.output = if self.opts.mdbook {
            if !first && needed && self.refresh_mdbook(&changes, &status.regenerated, &scan) {
                "touched"
            } else {
                "skipped"
            }
        } else if self.main.is_none() {
            "none"
        } else if needed {
            let compiling = Instant::now();
            let (ok, mut diags, asked, reuse) = self.compile(report.as_ref());
            status.tex = match reuse {
                Reuse::Engine => "ran",
                Reuse::Figures(_) => "patched",
                Reuse::Unchanged => "unchanged",
            };
            // What TeX asked for decides which later changes recompile; a run that did not
            // tell (it did not reach TeX, or TeX read the folder itself with `--trust-all`)
            // keeps the last run's record, which under `--trust-all` stays "unknown".
            if asked.is_some() {
                self.state.record_document_files(asked);
            }
            status.compile_seconds = compiling.elapsed().as_secs_f64();
            diagnostics.append(&mut diags);
            self.compile_failed = !ok;
            if ok { "updated" } else { "failed" }
        } else {
            "skipped"
        };
        let quiet = self.opts.figures.verbosity == Verbosity::Quiet;
        for d in &diagnostics {
            if d.is_error() || !quiet {
                warn(d.render());
            }
        }
        status.errors = diagnostics.iter().filter(|d| d.is_error()).count();
        status.seconds = started.elapsed().as_secs_f64();
        say(status.line());
    }

    /// Stages 2–5 on the scan, with the options `watch` was given: the remote cache is used
    /// unless `--offline`, and hosted figures not cached yet are deferred (the report lists
    /// them; the caller hands them to the background thread), or refused with `--offline`.
    fn generate(&self, scan: crate::scan::Scan) -> Result<GenReport, Diagnostic> {
        let opts = GenOptions { verbosity: Verbosity::Quiet, ..self.opts.figures.clone() };
        crate::generate_scanned(&self.state.project, &self.state.registry, scan, &opts).map_err(|e| e.diagnostic())
    }

    /// Builds the deferred hosted figures `jobs` on the background thread, into the stores.
    fn start_background(&mut self, jobs: Vec<Job>) {
        match crate::open_layered_store(&self.state.project, Network::Online) {
            Ok(store) => self.background.start(jobs, store),
            Err(e) => warn(e.diagnostic().render()),
        }
    }

    /// Compiles the paper with what `report` built; `true` when a PDF was written. Also
    /// the files TeX asked for in the document's folder, when it could tell, and whether
    /// TeX ran.
    fn compile(&self, report: Option<&GenReport>) -> (bool, Vec<Diagnostic>, Option<Vec<PathBuf>>, Reuse) {
        let Some(main) = &self.main else { return (false, Vec::new(), None, Reuse::Engine) };
        let project = &self.state.project;
        // Watch is the writer's own machine and never `--locked`.
        let epoch = self.opts.source_date_epoch;
        let run = compile::TexRun::new(&project.config, epoch, false, false, self.opts.figures.network)
            .with_engine(self.opts.engine);
        let compiled = match compile::doc_kind(main).unwrap_or(DocKind::Latex) {
            DocKind::Latex => compile::compile_tex(project, main, &compile::latex_line_map(project, main), &run),
            DocKind::Markdown => {
                let figures = report.map_or_else(|| Figures::last_written(&project.config.output_dir), Figures::of);
                compile::markdown::build(project, main, &figures, &run)
            }
        };
        match compiled {
            Ok(c) => {
                let ok = c.pdf.is_some() && c.errors() == 0;
                (ok, c.diagnostics, c.document_files, c.reuse)
            }
            Err(e) => (false, vec![e.diagnostic()], None, Reuse::Engine),
        }
    }

    /// `--mdbook`: `mdbook serve` sees edits of chapters itself but not of the files
    /// figures read, so the chapters holding regenerated figures get a new modification
    /// time (their contents are not touched), which makes it rebuild them; the preprocessor
    /// then finds those figures in the cache.
    fn refresh_mdbook(&self, changes: &Changes, regenerated: &[String], scan: &crate::scan::Scan) -> bool {
        let mut chapters: Vec<&Path> = scan
            .directives
            .iter()
            .filter(|d| regenerated.contains(&d.name))
            .filter(|d| !changes.sources.contains(&d.loc.file.name))
            .map(|d| d.loc.file.path.as_path())
            .collect();
        chapters.sort();
        chapters.dedup();
        let now = std::time::SystemTime::now();
        let mut touched = false;
        for c in chapters {
            if let Ok(f) = std::fs::File::options().append(true).open(c) {
                touched |= f.set_modified(now).is_ok();
            }
        }
        touched
    }
}
