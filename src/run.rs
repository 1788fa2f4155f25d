//! Stages 3–5 for each figure, in parallel: look the key up in the store; on a hit place
//! the outputs; on a miss (or a damaged entry) call the provider, store what it made,
//! record the action entry, then place the outputs. Every figure is independent: one
//! failing never stops the others, and whatever succeeded is stored.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;

use crate::diag::Diagnostic;
use crate::emit::{self, Manifest, ManifestFigure, OutputFile};
use crate::plan::Job;
use crate::progress::Progress;
use crate::provider::{Format, ProviderError};
use crate::store::{ActionEntry, Lookup, OutputRef, Store};

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

/// How a figure was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Cached,
    Generated,
}

/// What happened to one figure.
pub enum Outcome {
    Done { source: Source, entry: ActionEntry, outputs: BTreeMap<Format, OutputFile>, millis: f64 },
    Failed(Diagnostic),
}

/// Runs every job: builtin figures on `threads` threads (`-j`), hosted figures at the same
/// time on their own threads, as many per provider as its `concurrency` allows (they
/// mostly wait on the network, so they never take a CPU slot). Outcomes are in job order.
pub fn run(
    jobs: &[Job],
    store: &dyn Store,
    out_dir: &Path,
    previous: &Manifest,
    threads: usize,
    progress: &Progress,
) -> Vec<Outcome> {
    let finish = |job: &Job, outcome: Outcome| {
        match &outcome {
            Outcome::Done { source: Source::Generated, millis, .. } => {
                progress.figure_done(&format!("generated {} ({millis:.0} ms)", job.directive.name), true)
            }
            Outcome::Done { .. } => progress.figure_done(&format!("cached    {}", job.directive.name), false),
            Outcome::Failed(_) => progress.figure_done(&format!("failed    {}", job.directive.name), true),
        }
        outcome
    };
    let (hosted, local): (Vec<usize>, Vec<usize>) = (0..jobs.len()).partition(|&i| jobs[i].provider.hosted().is_some());
    let results: Mutex<Vec<Option<Outcome>>> = Mutex::new((0..jobs.len()).map(|_| None).collect());
    let put = |i: usize, o: Outcome| results.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(o);
    std::thread::scope(|scope| {
        // Hosted figures: one queue and `concurrency` workers per provider.
        let mut queues: BTreeMap<&str, (usize, VecDeque<usize>)> = BTreeMap::new();
        for &i in &hosted {
            let Some(h) = jobs[i].provider.hosted() else { continue };
            queues.entry(h.name()).or_insert_with(|| (h.concurrency(), VecDeque::new())).1.push_back(i);
        }
        for (_, (workers, queue)) in queues {
            let queue = std::sync::Arc::new(Mutex::new(queue));
            for _ in 0..workers.min(queue.lock().map_or(0, |q| q.len())) {
                let queue = queue.clone();
                let (put, finish) = (&put, &finish);
                scope.spawn(move || {
                    while let Some(i) = queue.lock().ok().and_then(|mut q| q.pop_front()) {
                        let job = &jobs[i];
                        let outcome = one(job, store, out_dir, previous.figures.get(&job.directive.name), &|| {
                            make_hosted(job, progress)
                        });
                        if let (Outcome::Done { .. }, Some(h)) = (&outcome, job.provider.hosted()) {
                            h.finished(&job.key);
                        }
                        put(i, finish(job, outcome));
                    }
                });
            }
        }
        // Builtin figures on the CPU pool.
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads.max(1)).build();
        let work = || {
            local.par_iter().for_each(|&i| {
                let job = &jobs[i];
                let make = || job.provider.generate(&job.request);
                let outcome = one(job, store, out_dir, previous.figures.get(&job.directive.name), &make);
                put(i, finish(job, outcome));
            })
        };
        match pool {
            Ok(pool) => pool.install(work),
            Err(_) => work(),
        }
    });
    results.into_inner().unwrap_or_else(|p| p.into_inner()).into_iter().map(|o| o.expect("every job ran")).collect()
}

/// A hosted figure, with its remote stages shown as progress lines.
fn make_hosted(job: &Job, progress: &Progress) -> Result<Vec<crate::provider::Artifact>, ProviderError> {
    let Some(h) = job.provider.hosted() else { return job.provider.generate(&job.request) };
    let name = &job.directive.name;
    h.make(&job.request, &job.key, &|stage| progress.note(&format!("remote    {name} ({}): {stage}", h.name())))
}

fn one(
    job: &Job,
    store: &dyn Store,
    out_dir: &Path,
    previous: Option<&ManifestFigure>,
    make: &dyn Fn() -> Result<Vec<crate::provider::Artifact>, ProviderError>,
) -> Outcome {
    let start = Instant::now();
    let d = &job.directive;
    let formats = &job.request.output.formats;
    let fail = |msg: String, hint: &str| {
        Outcome::Failed(Diagnostic::error(msg).at(d.head.clone(), "this figure").hint(hint).for_figure(&d.name))
    };
    match store.get_action(&job.key) {
        Ok(Lookup::Hit(entry)) => match emit::place(store, &entry, formats, out_dir, &d.stem(), previous, None) {
            Ok(outputs) => return Outcome::Done { source: Source::Cached, entry, outputs, millis: ms(start) },
            Err(emit::EmitError::Damaged(_)) => {} // rebuild below
            Err(e) => return fail(e.to_string(), "check that the output folder is writable"),
        },
        Ok(Lookup::Miss | Lookup::Corrupt(_)) => {}
        Err(e) => return fail(e.to_string(), "check that the cache folder is writable (paperfig cache verify)"),
    }
    let artifacts = match catch_unwind(AssertUnwindSafe(make)) {
        Ok(Ok(a)) => a,
        Ok(Err(e)) => return Outcome::Failed(provider_error(job, e)),
        Err(_) => {
            return fail(
                format!("provider `{}` crashed while making this figure", job.provider.id()),
                "this is a bug in paperfig; please report it with the directive",
            );
        }
    };
    let mut outputs = BTreeMap::new();
    let mut fresh = BTreeMap::new();
    for a in artifacts {
        match store.put_object(&a.bytes) {
            Ok(digest) => {
                outputs.insert(a.format, OutputRef { digest, size: a.bytes.len() as u64 });
                fresh.insert(a.format, a.bytes);
            }
            Err(e) => return fail(e.to_string(), "check that the cache folder is writable"),
        }
    }
    if let Some(missing) = formats.iter().find(|f| !outputs.contains_key(f)) {
        return fail(
            format!("provider `{}` made no {missing} output", job.provider.id()),
            "remove that format with formats=",
        );
    }
    let entry = ActionEntry {
        key: job.key,
        provider: job.request.provider.clone(),
        provider_version: job.request.provider_version.clone(),
        outputs,
    };
    if let Err(e) = store.put_action(&entry) {
        return fail(e.to_string(), "check that the cache folder is writable");
    }
    match emit::place(store, &entry, formats, out_dir, &d.stem(), previous, Some(&fresh)) {
        Ok(outputs) => Outcome::Done { source: Source::Generated, entry, outputs, millis: ms(start) },
        Err(e) => fail(e.to_string(), "check that the output and cache folders are writable"),
    }
}

fn ms(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1000.0
}

/// A provider's complaint, located in the directive.
fn provider_error(job: &Job, e: ProviderError) -> Diagnostic {
    crate::plan::provider_diagnostic(&job.directive, e)
}
