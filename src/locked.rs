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
//!
//! `paperfig build --locked` also compiles with the TeX engine `paperfig.lock` records
//! (`[engine]`, written by the last `paperfig build` that made a PDF): [`check_engine`]
//! refuses another engine, or another version of it, before TeX runs, since either makes
//! another PDF. A lockfile that records no engine accepts any.

use crate::config::Engine;
use crate::diag::{Code, Diagnostic};
use crate::digest::Digest;
use crate::key::input_digests;
use crate::lock::{EngineLock, LockEntry, Lockfile};
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

/// Whether a `--locked` build may compile with `engine` (whose version string is
/// `version`, `None` when it does not run): the engine `lock` records, if any, by name and
/// version.
pub fn check_engine(lock: &Lockfile, engine: Engine, version: Option<&str>) -> Result<(), Diagnostic> {
    let Some(EngineLock { name, version: locked }) = &lock.engine else { return Ok(()) };
    let this = version.unwrap_or("not installed");
    if name != engine.as_str() {
        return Err(Diagnostic::error(
            Code::Locked,
            format!(
                "paperfig.lock records the TeX engine `{name}` ({locked}), and this build uses `{engine}` \
                 (--locked compiles with the recorded engine)"
            ),
        )
        .hint(format!(
            "build with --engine {name} (or set [build] engine = \"{name}\" in paperfig.toml); to change the \
             paper's engine, build without --locked, which records it, and commit paperfig.lock"
        )));
    }
    if this != locked {
        return Err(Diagnostic::error(
            Code::Locked,
            format!("paperfig.lock records {name} `{locked}`, and the installed one is `{this}` (--locked)"),
        )
        .hint(
            "install the recorded version, or build without --locked on this machine to record this one, \
             and commit paperfig.lock",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod engine_tests {
    use super::*;

    #[test]
    fn a_locked_build_takes_the_recorded_engine_and_version_only() {
        let mut lock = Lockfile::default();
        assert!(check_engine(&lock, Engine::Xelatex, Some("XeTeX 3")).is_ok(), "nothing recorded: any engine");
        lock.engine = Some(EngineLock { name: "pdflatex".into(), version: "pdfTeX 1.40.24".into() });
        assert!(check_engine(&lock, Engine::Pdflatex, Some("pdfTeX 1.40.24")).is_ok());
        let other = check_engine(&lock, Engine::Embedded, Some("tectonic")).unwrap_err();
        assert!(other.message.contains("records the TeX engine `pdflatex`"), "{}", other.message);
        assert!(other.hints[0].contains("--engine pdflatex"), "{:?}", other.hints);
        let newer = check_engine(&lock, Engine::Pdflatex, Some("pdfTeX 1.40.25")).unwrap_err();
        assert!(newer.message.contains("installed one is `pdfTeX 1.40.25`"), "{}", newer.message);
        assert!(check_engine(&lock, Engine::Pdflatex, None).unwrap_err().message.contains("not installed"));
    }
}
