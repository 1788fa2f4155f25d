//! `paperfig status [PATH]`: each figure's id, kind, provider, source location, and
//! whether its outputs are cached, without building anything. Hosted figures that would be
//! submitted show their estimated cost (and a total); `--offline` and `--max-cost` report
//! what `gen` with the same flags would refuse. Nothing is sent over the network.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::json;

use super::{EXIT_FIGURE_ERRORS, Global, print_diagnostics};
use crate::diag::Diagnostic;
use crate::plan::Registry;
use crate::project::Project;
use crate::provider::hosted::batch;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The paper's folder or one source file.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Print JSON on stdout instead of a table.
    #[arg(long)]
    json: bool,
    /// Report the figures that `gen --offline` could not build.
    #[arg(long)]
    offline: bool,
    /// Report whether `gen --max-cost N` would refuse the build.
    #[arg(long, value_name = "N")]
    max_cost: Option<f64>,
}

pub fn run(args: Args, global: &Global) -> Result<ExitCode, Diagnostic> {
    let project = Project::open(&args.path)?;
    let (plan, diagnostics) = crate::scan_and_plan(&project, &Registry::for_config(&project.config));
    let mut diagnostics = diagnostics;
    let store = crate::open_store(&project)?;
    let pending = batch::pending(&plan.jobs, &store);
    let costs: HashMap<usize, String> =
        pending.iter().map(|p| (p.index, if p.resuming { "resume".to_string() } else { p.cost.to_string() })).collect();
    let mut rows = Vec::new();
    for (i, job) in plan.jobs.iter().enumerate() {
        let cached = batch::cached(job, &store);
        let d = &job.directive;
        rows.push((
            d.name.clone(),
            d.kind.as_str(),
            job.provider.id(),
            d.loc.display(),
            if cached { "cached" } else { "missing" },
            job.key,
            costs.get(&i).cloned().unwrap_or_default(),
        ));
    }
    let totals = batch::totals(&pending);
    if args.offline {
        diagnostics.extend(batch::offline_errors(&plan.jobs, &pending));
    }
    if let Some(d) = args.max_cost.and_then(|max| batch::over_budget(&pending, max)) {
        diagnostics.push(d);
    }
    if args.json {
        let figures: Vec<_> = rows
            .iter()
            .map(|(id, kind, provider, source, state, key, cost)| {
                let mut v = json!({"id": id, "kind": kind, "provider": provider, "source": source, "state": state, "key": key.to_string()});
                if !cost.is_empty() {
                    v["cost"] = json!(cost);
                }
                v
            })
            .collect();
        let errors: Vec<_> = diagnostics.iter().map(Diagnostic::to_json).collect();
        let cost: serde_json::Map<String, serde_json::Value> =
            totals.0.iter().map(|(unit, v)| (unit.to_string(), json!(v))).collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({"figures": figures, "cost": cost, "errors": errors}))
                .unwrap_or_default()
        );
    } else {
        let w = rows.iter().map(|r| r.0.len()).max().unwrap_or(2).max(2);
        let s = rows.iter().map(|r| r.3.len()).max().unwrap_or(6).max(6);
        let with_cost = !pending.is_empty();
        let cost_head = if with_cost { "  COST" } else { "" };
        println!("{:w$}  {:8}  {:10}  {:s$}  {:7}{cost_head}", "ID", "KIND", "PROVIDER", "SOURCE", "STATE");
        for (id, kind, provider, source, state, _, cost) in &rows {
            let line = format!("{id:w$}  {kind:8}  {provider:10}  {source:s$}  {state:7}  {cost}");
            println!("{}", line.trim_end());
        }
        if with_cost {
            let new = pending.iter().filter(|p| !p.resuming).count();
            let resuming = pending.len() - new;
            let resume =
                if resuming > 0 { format!(" ({resuming} submitted earlier will be resumed)") } else { String::new() };
            println!("hosted: {new} figures to submit, estimated cost {totals}{resume}");
        }
    }
    print_diagnostics(&diagnostics, global);
    Ok(if diagnostics.iter().any(|d| !d.warning) { ExitCode::from(EXIT_FIGURE_ERRORS) } else { ExitCode::SUCCESS })
}
