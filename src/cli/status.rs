//! `paperfig status [PATH]`: each figure's id, kind, provider, source location, and
//! whether its outputs are cached, without building anything.

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
}

pub fn run(args: Args, global: &Global) -> Result<ExitCode, Diagnostic> {
    let project = Project::open(&args.path)?;
    let (plan, diagnostics) = crate::scan_and_plan(&project, &Registry::for_config(&project.config));
    let store = crate::open_store(&project)?;
    let mut rows = Vec::new();
    for job in &plan.jobs {
        let cached = match store.get_action(&job.key) {
            Ok(Lookup::Hit(entry)) => entry.outputs.values().all(|o| store.has_object(&o.digest).unwrap_or(false)),
            _ => false,
        };
        let d = &job.directive;
        rows.push((
            d.name.clone(),
            d.kind.as_str(),
            job.provider.id(),
            d.loc.display(),
            if cached { "cached" } else { "missing" },
            job.key,
        ));
    }
    if args.json {
        let figures: Vec<_> = rows
            .iter()
            .map(|(id, kind, provider, source, state, key)| {
                json!({"id": id, "kind": kind, "provider": provider, "source": source, "state": state, "key": key.to_string()})
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
        println!("{:w$}  {:8}  {:10}  {:s$}  STATE", "ID", "KIND", "PROVIDER", "SOURCE");
        for (id, kind, provider, source, state, _) in &rows {
            println!("{id:w$}  {kind:8}  {provider:10}  {source:s$}  {state}");
        }
    }
    print_diagnostics(&diagnostics, global);
    Ok(if diagnostics.iter().any(|d| !d.warning) { ExitCode::from(EXIT_FIGURE_ERRORS) } else { ExitCode::SUCCESS })
}
