//! `--locked`: a build that makes nothing. Every figure must come from the local or remote
//! store with exactly the outputs `paperfig.lock` records; no provider is called. A figure
//! whose request no longer matches its lock entry fails with *why* (which input changed,
//! from the entry's per-input digests, see [`crate::key::input_digests`]); a figure without
//! a lock entry fails separately, saying whether its inputs are unchanged (a build already
//! cached that key, or the lock has it under another id) or it is new.
//!
//! Any driver (`gen`, `build`, `mdbook`) gets this with `LockMode::Locked` in its options:
//! the runner (`crate::run`, `Strategy::Locked`) asks [`pinned`] for each figure's entry
//! instead of the store, and never calls a provider.

use crate::diag::{Code, Diagnostic};
use crate::digest::Digest;
use crate::key::input_digests;
use crate::lock::{LockEntry, Lockfile};
use crate::plan::Job;
use crate::scan::Directive;
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
            notes: entry.notes.clone(),
            images: Vec::new(),
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

const HINT: &str = "build without --locked to update paperfig.lock, then commit it";

/// The entry a locked build places for `job`: its lock entry, when the job still matches it;
/// else why not, located in the directive.
pub fn pinned(job: &Job, lock: &Lockfile, store: &dyn Store) -> Result<ActionEntry, Diagnostic> {
    let d = &job.directive;
    match check(job, lock, store) {
        Verdict::Pinned(entry) => Ok(entry),
        Verdict::Changed(reasons) => {
            let at = reasons
                .iter()
                .find_map(|r| d.attrs.iter().find(|a| r.starts_with(&format!("file `{}`", a.name))))
                .map_or_else(|| d.loc.clone(), |a| d.attr_loc(&a.name));
            Err(Diagnostic::error(
                Code::Locked,
                format!("`{}` would change (--locked): {}", d.name, reasons.join("; ")),
            )
            .at(at, "changed")
            .hint(HINT)
            .for_figure(&d.name))
        }
        Verdict::Missing(unchanged) => {
            let msg = match unchanged {
                Some(why) => {
                    format!("`{}` has no entry in paperfig.lock, though its inputs are unchanged: {why}", d.name)
                }
                None => format!("`{}` is a new figure with no entry in paperfig.lock", d.name),
            };
            Err(Diagnostic::error(Code::Locked, msg).at(d.loc.clone(), "here").hint(HINT).for_figure(&d.name))
        }
    }
}

/// A locked output that neither store has: a locked build cannot make it.
pub fn output_missing(d: &Directive, digest: &Digest) -> Diagnostic {
    Diagnostic::error(Code::Locked, format!(
        "`{}`: the locked output {digest} is in neither the local cache nor the remote one (--locked makes nothing)",
        d.name
    ))
    .at(d.loc.clone(), "here")
    .hint("run `paperfig cache pull` with the remote reachable, or build without --locked")
    .for_figure(&d.name)
}
