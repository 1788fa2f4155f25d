//! Stages 3–5 for each figure, in parallel: look the key up in the store; on a hit place
//! the outputs; on a miss (or a damaged entry) call the provider, store what it made,
//! record the action entry, then place the outputs. Every figure is independent: one
//! failing never stops the others, and whatever succeeded is stored.
//!
//! One runner, two strategies ([`Strategy`]): `Build` makes what the store lacks;
//! `Locked` (`--locked`) makes nothing: each figure's entry comes from `paperfig.lock`
//! (see [`crate::locked`]) and its outputs from the stores, or the figure fails saying why.

use std::collections::{BTreeMap, VecDeque};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

use rayon::prelude::*;

use crate::diag::{Code, Diagnostic};
use crate::emit::{self, Manifest, ManifestFigure, OutputFile};
use crate::fsutil;
use crate::lock::Lockfile;
use crate::locked;
use crate::model::{Artifact, Format, Made, ProviderError};
use crate::plan::{Job, provider_diagnostic};
use crate::progress::Progress;
use crate::store::{ActionEntry, Durability, Lookup, OutputRef, Store, StoreError};

/// How a figure was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Cached,
    Generated,
}

/// A figure whose outputs are in place.
#[derive(Debug)]
pub struct Built {
    pub source: Source,
    /// The action entry the outputs came from (its provider is recorded in the lockfile).
    pub entry: ActionEntry,
    /// The files placed, by format.
    pub outputs: BTreeMap<Format, OutputFile>,
    pub millis: f64,
}

/// What happened to one figure.
#[derive(Debug)]
pub enum Outcome {
    Done(Built),
    /// A hosted figure this build left for later (`HostedPolicy::Defer`): not looked at.
    Deferred,
    Failed(Diagnostic),
}

/// One planned figure and what the build did with it.
pub struct Figure {
    pub job: Job,
    pub outcome: Outcome,
}

/// How a figure the store cannot give is obtained.
#[derive(Clone, Copy)]
pub enum Strategy<'a> {
    /// Made by its provider, then stored.
    Build,
    /// `--locked`: never made. The figure's entry is its lock entry when the job still
    /// matches it, and its outputs must be in the stores.
    Locked(&'a Lockfile),
}

/// What every figure of a run shares.
pub struct Context<'a> {
    pub store: &'a dyn Store,
    /// Where outputs are placed.
    pub out_dir: &'a Path,
    /// The last build's manifest (unchanged files are not rewritten).
    pub previous: &'a Manifest,
    /// Builtin figures made at once (`-j`).
    pub threads: usize,
    pub progress: &'a Progress,
    pub strategy: Strategy<'a>,
}

/// What a run did: one outcome per job, in job order, and warnings about the run as a
/// whole (a hosted service's cleanup that failed).
pub struct Ran {
    pub outcomes: Vec<Outcome>,
    pub warnings: Vec<Diagnostic>,
}

/// Runs every job: builtin figures on `threads` threads (`-j`), hosted figures at the same
/// time on their own threads, as many per provider as its `concurrency` allows (they
/// mostly wait on the network, so they never take a CPU slot). Outcomes are in job order.
/// A locked run makes nothing, so every figure takes the CPU pool. When every figure is
/// done, each hosted provider that ran ends its batch (`HostedProvider::end_batch`).
pub fn run(jobs: &[Job], cx: &Context<'_>) -> Ran {
    let Context { previous, threads, progress, .. } = *cx;
    let finish = |job: &Job, outcome: Outcome| {
        let name = &job.directive.name;
        match &outcome {
            Outcome::Done(Built { source: Source::Generated, millis, .. }) => {
                progress.figure_done(&format!("generated {name} ({millis:.0} ms)"), true);
                if progress.verbose() {
                    let req = job.request.with_contents();
                    for note in req.map(|r| job.provider.explain(&r)).unwrap_or_default() {
                        progress.detail(&format!("          {name}: {note}"));
                    }
                }
            }
            Outcome::Done(_) => progress.figure_done(&format!("cached    {name}"), false),
            Outcome::Deferred => {}
            Outcome::Failed(_) => progress.figure_done(&format!("failed    {name}"), true),
        }
        outcome
    };
    let on_threads = |i: &usize| jobs[*i].hosted.is_some() && matches!(cx.strategy, Strategy::Build);
    let (hosted, local): (Vec<usize>, Vec<usize>) = (0..jobs.len()).partition(on_threads);
    let mut results: Vec<Option<Outcome>> = (0..jobs.len()).map(|_| None).collect();
    // Figures whose outputs are still placed as the last build left them are done here,
    // on this thread: a no-op run starts no threads at all.
    // The output folder is opened once and its files looked at by name.
    let out_dir =
        matches!(cx.strategy, Strategy::Build).then(|| crate::fsutil::Folder::open(cx.out_dir).ok()).flatten();
    if let Some(out_dir) = &out_dir {
        for (i, job) in jobs.iter().enumerate() {
            let previous = previous.figures.get(&job.directive.name);
            if let Some(hit) = still_placed(job, out_dir, previous, Instant::now()) {
                if let Some(h) = job.hosted.as_deref() {
                    h.finished(&job.key);
                }
                results[i] = Some(finish(job, hit));
            }
        }
    }
    let (hosted_left, local): (Vec<usize>, Vec<usize>) = {
        let left = |v: &[usize]| v.iter().copied().filter(|&i| results[i].is_none()).collect::<Vec<usize>>();
        (left(&hosted), left(&local))
    };
    let results = Mutex::new(results);
    let put = |i: usize, o: Outcome| results.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(o);
    std::thread::scope(|scope| {
        // Hosted figures: one queue and `concurrency` workers per provider.
        let mut queues: BTreeMap<&str, (usize, VecDeque<usize>)> = BTreeMap::new();
        for &i in &hosted_left {
            let Some(h) = jobs[i].hosted.as_deref() else { continue };
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
                        let outcome = one(job, cx, previous.figures.get(&job.directive.name), &|| {
                            make_hosted(job, cx.store, progress)
                        });
                        if let (Outcome::Done(_), Some(h)) = (&outcome, job.hosted.as_deref()) {
                            h.finished(&job.key);
                        }
                        put(i, finish(job, outcome));
                    }
                });
            }
        }
        // Builtin figures on the CPU pool.
        if local.is_empty() {
            return;
        }
        if matches!(cx.strategy, Strategy::Build) {
            make_together(jobs, &local, cx.store);
        }
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads.max(1)).build();
        let work = || {
            local.par_iter().for_each(|&i| {
                let job = &jobs[i];
                let make = || job.provider.generate(&*job.request.with_contents()?, &job.key).map(Made::from);
                let outcome = one(job, cx, previous.figures.get(&job.directive.name), &make);
                put(i, finish(job, outcome));
            })
        };
        match pool {
            Ok(pool) => pool.install(work),
            Err(_) => work(),
        }
    });
    let outcomes = results
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .map(|o| o.expect("every job ran"))
        .collect();
    Ran { outcomes, warnings: end_batches(jobs, &hosted) }
}

/// Hands each provider the figures of `local` it is about to make (`Provider::make_together`):
/// those the store does not have, with their files read.
fn make_together(jobs: &[Job], local: &[usize], store: &dyn Store) {
    let missing: Vec<usize> =
        local.iter().copied().filter(|&i| !matches!(store.get_action(&jobs[i].key), Ok(Lookup::Hit(_)))).collect();
    let mut seen: Vec<*const ()> = Vec::new();
    for &i in &missing {
        let provider = &jobs[i].provider;
        let id = std::sync::Arc::as_ptr(provider) as *const ();
        if seen.contains(&id) {
            continue;
        }
        seen.push(id);
        let mine: Vec<usize> =
            missing.iter().copied().filter(|&j| std::sync::Arc::ptr_eq(&jobs[j].provider, provider)).collect();
        if mine.len() < 2 {
            continue;
        }
        let reqs: Vec<_> =
            mine.iter().filter_map(|&j| Some((jobs[j].request.with_contents().ok()?, &jobs[j].key))).collect();
        let pairs: Vec<(&crate::model::Request, &crate::digest::Digest)> =
            reqs.iter().map(|(r, k)| (&**r, *k)).collect();
        provider.make_together(&pairs);
    }
}

/// Ends the batch of each hosted provider that ran jobs `hosted`: its warnings.
fn end_batches(jobs: &[Job], hosted: &[usize]) -> Vec<Diagnostic> {
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for h in hosted.iter().filter_map(|&i| jobs[i].hosted.as_deref()) {
        if seen.insert(h.name()) {
            out.extend(h.end_batch().into_iter().map(|w| {
                Diagnostic::warning(Code::Hosted, w)
                    .hint("the figures it made are built and cached; this warning fails none of them")
            }));
        }
    }
    out
}

/// A hosted figure, with its remote stages shown as progress lines; its outputs are taken
/// from the store when another build stored them while this one waited for its claim.
fn make_hosted(job: &Job, store: &dyn Store, progress: &Progress) -> Result<Made, ProviderError> {
    let req = job.request.with_contents()?;
    let Some(h) = job.hosted.as_deref() else { return job.provider.generate(&req, &job.key).map(Made::from) };
    let name = &job.directive.name;
    let stored = || stored_artifacts(store, &job.key);
    h.make(&req, &job.key, &stored, &|d| stored_object(store, d), &|stage| {
        progress.note(&format!("remote    {name} ({}): {stage}", h.name()))
    })
}

/// Every output of `key` in the store and its notes, if the entry and all its objects are there.
fn stored_artifacts(store: &dyn Store, key: &crate::digest::Digest) -> Option<Made> {
    let Ok(Lookup::Hit(entry)) = store.get_action(key) else { return None };
    let artifacts = entry
        .outputs
        .iter()
        .map(|(format, o)| Some(Artifact { format: *format, bytes: stored_object(store, &o.digest)? }))
        .collect::<Option<Vec<Artifact>>>()?;
    let images = entry.images.iter().map(|o| stored_object(store, &o.digest)).collect::<Option<Vec<Vec<u8>>>>()?;
    Some(Made { artifacts, notes: entry.notes, images })
}

/// An object's bytes, if the store has it whole.
fn stored_object(store: &dyn Store, digest: &crate::digest::Digest) -> Option<Vec<u8>> {
    match store.get_object(digest) {
        Ok(Lookup::Hit(bytes)) => Some(bytes),
        _ => None,
    }
}

/// A no-op: the last build placed these very outputs for this key (with the service's
/// notes and other images it listed), and they are still there as it wrote them.
fn still_placed(
    job: &Job,
    out_dir: &crate::fsutil::Folder,
    previous: Option<&ManifestFigure>,
    start: Instant,
) -> Option<Outcome> {
    let formats = &job.request.output.formats;
    let (prev, outputs) = emit::still_placed(previous, &job.key, formats, out_dir, &job.directive.stem())?;
    let entry = ActionEntry {
        key: job.key,
        provider: job.request.provider.clone(),
        provider_version: job.request.provider_version.clone(),
        outputs: outputs.iter().map(|(f, o)| (*f, OutputRef { digest: o.digest, size: o.size })).collect(),
        notes: prev.notes.clone(),
        images: prev.images.clone(),
    };
    Some(Outcome::Done(Built { source: Source::Cached, entry, outputs, millis: ms(start) }))
}

/// One figure that [`still_placed`] did not find done: its entry (from the store, or the
/// lockfile when locked), its outputs placed; made by `make` when the store lacks it and
/// the strategy allows.
fn one(
    job: &Job,
    cx: &Context<'_>,
    previous: Option<&ManifestFigure>,
    make: &dyn Fn() -> Result<Made, ProviderError>,
) -> Outcome {
    let start = Instant::now();
    let (store, out_dir) = (cx.store, cx.out_dir);
    let d = &job.directive;
    let formats = &job.request.output.formats;
    let fail = |code: Code, msg: String, hint: &str| {
        Outcome::Failed(Diagnostic::error(code, msg).at(d.head.clone(), "this figure").hint(hint).for_figure(&d.name))
    };
    let found = match cx.strategy {
        Strategy::Build => store.get_action(&job.key),
        Strategy::Locked(lock) => match locked::pinned(job, lock, store) {
            Ok(entry) => Ok(Lookup::Hit(entry)),
            Err(why) => return Outcome::Failed(why),
        },
    };
    match found {
        Ok(Lookup::Hit(mut entry)) => match emit::place(store, &entry, formats, out_dir, &d.stem(), previous, None) {
            Ok(outputs) => {
                // A lock entry records digests only; the placed files give the sizes.
                for (f, o) in &outputs {
                    if let Some(r) = entry.outputs.get_mut(f) {
                        r.size = o.size;
                    }
                }
                return Outcome::Done(Built { source: Source::Cached, entry, outputs, millis: ms(start) });
            }
            Err(emit::EmitError::Damaged(digest)) if matches!(cx.strategy, Strategy::Locked(_)) => {
                return Outcome::Failed(locked::output_missing(d, &digest));
            }
            Err(emit::EmitError::Damaged(_)) => {} // rebuild below
            Err(e) => {
                return fail(Code::Output, e.to_string(), emit_hint(&e, "check that the output folder is writable"));
            }
        },
        Ok(Lookup::Miss | Lookup::Corrupt(_)) => {}
        Err(e) => {
            return fail(Code::Cache, e.to_string(), "check that the cache folder is readable (paperfig cache verify)");
        }
    }
    let Made { artifacts, notes, images } = match catch_unwind(AssertUnwindSafe(make)) {
        Ok(Ok(made)) => made,
        Ok(Err(e)) => return Outcome::Failed(provider_error(job, e)),
        Err(_) => {
            return fail(
                Code::Provider,
                format!("provider `{}` crashed while making this figure", job.provider.id()),
                "this is a bug in paperfig; please report it with the directive",
            );
        }
    };
    let durability = durability(job);
    let mut outputs = BTreeMap::new();
    let mut fresh = BTreeMap::new();
    for a in artifacts {
        match store.put_object_as(&a.bytes, durability) {
            Ok(digest) => {
                outputs.insert(a.format, OutputRef { digest, size: a.bytes.len() as u64 });
                fresh.insert(a.format, a.bytes);
            }
            Err(e) => return fail(Code::Cache, e.to_string(), store_hint(&e)),
        }
    }
    let mut kept = Vec::new();
    for bytes in &images {
        match store.put_object_as(bytes, durability) {
            Ok(digest) => kept.push(OutputRef { digest, size: bytes.len() as u64 }),
            Err(e) => return fail(Code::Cache, e.to_string(), store_hint(&e)),
        }
    }
    if let Some(missing) = formats.iter().find(|f| !outputs.contains_key(f)) {
        return fail(
            Code::Provider,
            format!("provider `{}` made no {missing} output", job.provider.id()),
            "remove that format with formats=",
        );
    }
    let entry = ActionEntry {
        key: job.key,
        provider: job.request.provider.clone(),
        provider_version: job.request.provider_version.clone(),
        outputs,
        notes,
        images: kept,
    };
    if let Err(e) = store.put_action_as(&entry, durability) {
        return fail(Code::Cache, e.to_string(), store_hint(&e));
    }
    match emit::place(store, &entry, formats, out_dir, &d.stem(), previous, Some(&fresh)) {
        Ok(outputs) => Outcome::Done(Built { source: Source::Generated, entry, outputs, millis: ms(start) }),
        Err(e) => {
            fail(Code::Output, e.to_string(), emit_hint(&e, "check that the output and cache folders are writable"))
        }
    }
}

/// Whether a figure's outputs must survive a power cut: not when its provider remakes it in
/// less time than flushing takes (a lost or torn output reads as a miss and is remade).
/// A hosted figure is always flushed, whatever its provider says: it was paid for.
fn durability(job: &Job) -> Durability {
    if job.hosted.is_none() && job.provider.cheap_to_remake() { Durability::Rebuildable } else { Durability::Durable }
}

/// What to do about a store that could not write.
fn store_hint(e: &StoreError) -> &'static str {
    if e.is_disk_full() { fsutil::DISK_FULL_HINT } else { "check that the cache folder is writable" }
}

/// What to do about outputs that could not be placed, `otherwise` unless the disk is full.
fn emit_hint(e: &emit::EmitError, otherwise: &'static str) -> &'static str {
    if e.is_disk_full() { fsutil::DISK_FULL_HINT } else { otherwise }
}

fn ms(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1000.0
}

/// A provider's complaint, located in the directive.
fn provider_error(job: &Job, e: ProviderError) -> Diagnostic {
    provider_diagnostic(&job.directive, e, Code::Provider)
}
