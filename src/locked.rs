//! `--locked`: a build that makes nothing. Every figure must come from the local or remote
//! store with exactly the outputs `paperfig.lock` records; no provider is called. A figure
//! whose request no longer matches its lock entry fails with *why* (which input changed,
//! from the entry's per-input digests, see [`crate::key::input_digests`]); a figure without
//! a lock entry fails separately, saying whether its inputs are unchanged (a build already
//! cached that key, or the lock has it under another id) or it is new.
//!
//! Any driver (`gen`, `build`, `mdbook`) gets this by passing [`crate::GenOptions`] with
//! `locked` set to `generate_scanned`; [`check`] and [`run`] are the pieces.

use std::path::Path;

use rayon::prelude::*;

use crate::diag::Diagnostic;
use crate::emit::{self, Manifest};
use crate::key::input_digests;
use crate::lock::{LockEntry, Lockfile};
use crate::plan::Job;
use crate::progress::Progress;
use crate::run::{Outcome, Source};
use crate::store::{ActionEntry, Lookup, OutputRef, Store};

/// How one figure stands against the lockfile.
#[derive(Debug)]
pub enum Verdict {
    /// Same key: these (locked) outputs must be placed.
    Pinned(ActionEntry),
    /// The request differs from the lock entry; each string is one changed input.
    Changed(Vec<String>),
    /// No lock entry for this id. `Some(why)` when its inputs are unchanged (and why we know).
    Missing(Option<String>),
}

/// Compares a job with the lockfile. `store` is only asked whether a key was built before
/// (for the missing-entry report).
pub fn check(job: &Job, lock: &Lockfile, store: &dyn Store) -> Verdict {
    let id = &job.directive.name;
    let Some(entry) = lock.figures.get(id) else {
        if let Some((other, _)) = lock.figures.iter().find(|(_, e)| e.key == job.key) {
            return Verdict::Missing(Some(format!("paperfig.lock has these inputs under the id `{other}`")));
        }
        return Verdict::Missing(match store.get_action(&job.key) {
            Ok(Lookup::Hit(_)) => Some("a previous build cached exactly these inputs".into()),
            _ => None,
        });
    };
    if entry.key == job.key {
        let outputs = entry.outputs.iter().map(|(f, d)| (*f, OutputRef { digest: *d, size: 0 })).collect();
        return Verdict::Pinned(ActionEntry {
            key: entry.key,
            provider: entry.provider.clone(),
            provider_version: entry.provider_version.clone(),
            outputs,
        });
    }
    Verdict::Changed(reasons(job, entry))
}

/// Which inputs differ between a lock entry and the job's request.
pub fn reasons(job: &Job, entry: &LockEntry) -> Vec<String> {
    let req = &job.request;
    let d = &job.directive;
    let mut out = Vec::new();
    if entry.kind != req.kind {
        out.push(format!("kind changed ({} → {})", entry.kind, req.kind));
    }
    if entry.provider != req.provider {
        out.push(format!("provider changed (`{}` → `{}`)", entry.provider, req.provider));
    } else if entry.provider_version != req.provider_version {
        out.push(format!("provider version changed ({} → {})", entry.provider_version, req.provider_version));
    }
    if entry.inputs.is_empty() {
        out.push(format!(
            "inputs changed (key {} → {}; this lock entry records no per-input digests)",
            entry.key, job.key
        ));
        return out;
    }
    let now = input_digests(req);
    let names: std::collections::BTreeSet<&String> = entry.inputs.keys().chain(now.keys()).collect();
    for name in names {
        let (old, new) = (entry.inputs.get(name), now.get(name));
        if old == new {
            continue;
        }
        let what = describe(name, |attr| d.attr(attr).map(|a| a.value.clone()));
        out.push(match (old, new) {
            (Some(_), Some(_)) => format!("{what} changed"),
            (None, _) => format!("{what} added"),
            (_, None) => format!("{what} removed"),
        });
    }
    if out.is_empty() {
        out.push(format!("inputs changed (key {} → {})", entry.key, job.key));
    }
    out
}

/// A human name for an input part: `data file `data` (results.csv)`.
fn describe(name: &str, attr_value: impl Fn(&str) -> Option<String>) -> String {
    match name {
        "attrs" => "attributes".into(),
        "body" => "body".into(),
        "extra" => "provider settings (runner or package versions, declared environment)".into(),
        "output" => "output formats or size".into(),
        _ => match name.strip_prefix("file:") {
            Some(attr) => match attr.strip_prefix("input:") {
                Some(path) => format!("input file {path}"),
                None => match attr_value(attr) {
                    Some(path) => format!("file `{attr}` ({path})"),
                    None => format!("file `{attr}`"),
                },
            },
            None => name.to_string(),
        },
    }
}

/// Places every figure from the store with its locked outputs, in parallel; figures that
/// would change or lack a lock entry fail with their reasons. Calls no provider.
pub fn run(
    jobs: &[Job],
    lock: &Lockfile,
    store: &dyn Store,
    out_dir: &Path,
    previous: &Manifest,
    threads: usize,
    progress: &Progress,
) -> Vec<Outcome> {
    let work = || {
        jobs.par_iter()
            .map(|job| {
                let outcome = one(job, lock, store, out_dir, previous);
                let name = &job.directive.name;
                match &outcome {
                    Outcome::Done { .. } => progress.figure_done(&format!("cached    {name}"), false),
                    Outcome::Failed(_) => progress.figure_done(&format!("failed    {name}"), true),
                }
                outcome
            })
            .collect()
    };
    match rayon::ThreadPoolBuilder::new().num_threads(threads.max(1)).build() {
        Ok(pool) => pool.install(work),
        Err(_) => work(),
    }
}

const HINT: &str = "build without --locked to update paperfig.lock, then commit it";

fn one(job: &Job, lock: &Lockfile, store: &dyn Store, out_dir: &Path, previous: &Manifest) -> Outcome {
    let start = std::time::Instant::now();
    let d = &job.directive;
    let entry = match check(job, lock, store) {
        Verdict::Pinned(entry) => entry,
        Verdict::Changed(reasons) => {
            let at = reasons
                .iter()
                .find_map(|r| d.attrs.iter().find(|a| r.starts_with(&format!("file `{}`", a.name))))
                .map_or_else(|| d.loc.clone(), |a| d.attr_loc(&a.name));
            return Outcome::Failed(
                Diagnostic::error(format!("`{}` would change (--locked): {}", d.name, reasons.join("; ")))
                    .at(at, "changed")
                    .hint(HINT)
                    .for_figure(&d.name),
            );
        }
        Verdict::Missing(unchanged) => {
            let msg = match unchanged {
                Some(why) => {
                    format!("`{}` has no entry in paperfig.lock, though its inputs are unchanged: {why}", d.name)
                }
                None => format!("`{}` is a new figure with no entry in paperfig.lock", d.name),
            };
            return Outcome::Failed(Diagnostic::error(msg).at(d.loc.clone(), "here").hint(HINT).for_figure(&d.name));
        }
    };
    let formats = &job.request.output.formats;
    match emit::place(store, &entry, formats, out_dir, &d.stem(), previous.figures.get(&d.name), None) {
        Ok(outputs) => {
            let millis = start.elapsed().as_secs_f64() * 1000.0;
            let mut entry = entry;
            for (f, o) in &outputs {
                if let Some(r) = entry.outputs.get_mut(f) {
                    r.size = o.size;
                }
            }
            Outcome::Done { source: Source::Cached, entry, outputs, millis }
        }
        Err(emit::EmitError::Damaged(digest)) => Outcome::Failed(
            Diagnostic::error(format!(
                "`{}`: the locked output {digest} is in neither the local cache nor the remote one (--locked makes nothing)",
                d.name
            ))
            .at(d.loc.clone(), "here")
            .hint("run `paperfig cache pull` with the remote reachable, or build without --locked")
            .for_figure(&d.name),
        ),
        Err(e) => Outcome::Failed(
            Diagnostic::error(e.to_string()).hint("check that the output folder is writable").for_figure(&d.name),
        ),
    }
}
