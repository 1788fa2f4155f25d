//! `paperfig status [PATH]`: each figure's id, kind, provider, source location, and
//! whether its outputs are cached locally, only remotely, or missing, and how it stands
//! against `paperfig.lock` (`locked`, `changed`, `unlocked`), without building anything.

use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::json;

use super::{EXIT_FIGURE_ERRORS, Global, print_diagnostics};
use crate::diag::Diagnostic;
use crate::plan::Registry;
use crate::project::Project;
use crate::store::{Lookup, Store};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The paper's folder or one source file.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Print JSON on stdout instead of a table.
    #[arg(long)]
    json: bool,
    /// Do not ask the remote cache (when one is configured) whether it has a figure.
    #[arg(long)]
    offline: bool,
}

pub fn run(args: Args, global: &Global) -> Result<ExitCode, Diagnostic> {
    let project = Project::open(&args.path)?;
    let (plan, diagnostics) = crate::scan_and_plan(&project, &Registry::for_config(&project.config));
    let store = crate::open_layered_store(&project, &crate::BuildPolicy::new(false, args.offline, false))?;
    let lock = crate::lock::Lockfile::read(&project.root.join(crate::lock::LOCK_FILE)).ok().flatten();
    let mut rows = Vec::new();
    let mut locks = Vec::new();
    for job in &plan.jobs {
        let local = store.local();
        let state = match local.get_action(&job.key) {
            Ok(Lookup::Hit(entry)) if entry.outputs.values().all(|o| local.has_object(&o.digest).unwrap_or(false)) => {
                "cached"
            }
            _ if store.remote_has(&job.key) => "remote",
            _ => "missing",
        };
        // How the figure stands against paperfig.lock: what `--locked` would do with it.
        locks.push(match lock.as_ref().map(|l| l.figures.get(&job.directive.name)) {
            None => "no-lockfile",
            Some(None) => "unlocked",
            Some(Some(e)) if e.key == job.key => "locked",
            Some(Some(_)) => "changed",
        });
        let d = &job.directive;
        rows.push((d.name.clone(), d.kind.as_str(), job.provider.id(), d.loc.display(), state, job.key));
    }
    if args.json {
        let figures: Vec<_> = rows
            .iter()
            .zip(&locks)
            .map(|((id, kind, provider, source, state, key), lock)| {
                json!({"id": id, "kind": kind, "provider": provider, "source": source, "state": state, "key": key.to_string(), "lock": lock})
            })
            .collect();
        let errors: Vec<_> = diagnostics.iter().map(Diagnostic::to_json).collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({"figures": figures, "errors": errors})).unwrap_or_default()
        );
    } else {
        let w = rows.iter().map(|r| r.0.len()).max().unwrap_or(2).max(2);
        let s = rows.iter().map(|r| r.3.len()).max().unwrap_or(6).max(6);
        println!("{:w$}  {:8}  {:10}  {:s$}  {:7}  LOCK", "ID", "KIND", "PROVIDER", "SOURCE", "STATE");
        for ((id, kind, provider, source, state, _), lock) in rows.iter().zip(&locks) {
            println!("{id:w$}  {kind:8}  {provider:10}  {source:s$}  {state:7}  {lock}");
        }
    }
    let mut diagnostics = diagnostics;
    diagnostics.extend(crate::store_warnings(&store));
    print_diagnostics(&diagnostics, global);
    Ok(if diagnostics.iter().any(|d| !d.warning) { ExitCode::from(EXIT_FIGURE_ERRORS) } else { ExitCode::SUCCESS })
}
