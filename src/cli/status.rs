//! `paperfig status [PATH]`: each figure's id, kind, provider, source location, whether its
//! outputs are cached locally, only in the remote cache, or missing, and how it stands
//! against `paperfig.lock` (`locked`, `changed`, `unlocked`), without building anything.
//! A figure taking the output of figures not in the cache as input (`input=#fig:x`) is
//! `waiting`: its key is known only once they are built (no key; lock `unknown`).
//! Hosted figures that would be submitted show their estimated cost (and a total);
//! `--offline` and `--max-cost` report what `gen` with the same flags would refuse. The only
//! network requests are the remote cache's "do you have this?" (none with `--offline`).

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::json;

use super::flags::NetworkFlags;
use super::shared::{EXIT_FIGURE_ERRORS, Global, Stop, out, print_diagnostics};
use crate::diag::{Code, Diagnostic};
use crate::diagnose::Diagnose;
use crate::options::{HostedPolicy, LockMode};
use crate::preflight::{self, How};
use crate::project::Project;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The paper's folder or one source file.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Print JSON on stdout instead of a table.
    #[arg(long)]
    json: bool,
    /// Also ask each configured hosted service, with requests that cost nothing, whether a
    /// build would get through: it answers, it takes the key, the account has what the
    /// missing figures need. Exits 1 when one would fail.
    #[arg(long, conflicts_with = "offline")]
    check: bool,
    // --offline: the figures `gen --offline` could not build, and the remote cache is not
    // asked; --max-cost N: whether `gen --max-cost N` would refuse the build.
    #[command(flatten)]
    network: NetworkFlags,
}

/// Which TeX `paperfig build` would use, and how it was found.
fn tex_line(project: &Project) -> String {
    let tex = &project.config.tex;
    if let Some(program) = tex.engine.program() {
        let version = crate::compile::engine_version(tex.engine).unwrap_or_else(|| "not installed".into());
        let trust = if tex.trust == crate::config::Trust::All { "all files" } else { "project only" };
        let escape = if tex.shell_escape { "on" } else { "off" };
        return format!(
            "tex: the installed {program} ({version}) through latexmk, from [build] engine; reads {trust}; shell escape {escape}"
        );
    }
    if let Some(b) = &project.config.tex.bundle {
        let pin = b.digest.as_deref().map_or("not pinned".to_string(), |d| format!("digest {d}"));
        return format!("tex: the engine's bundle {} ({pin}), from [build] bundle", b.url);
    }
    let trees = crate::compile::tex_trees(project);
    let list: Vec<String> = trees.trees.iter().map(|t| t.path.display().to_string()).collect();
    let list = if list.is_empty() { "none found".to_string() } else { list.join(", ") };
    let trust = if tex.trust == crate::config::Trust::All { "all files" } else { "project only" };
    let escape = if tex.shell_escape { "on" } else { "off" };
    format!("tex: trees from {}: {list}; reads {trust}; shell escape {escape}", trees.describe())
}

fn tex_json(project: &Project) -> serde_json::Value {
    let tex = &project.config.tex;
    let trust = if tex.trust == crate::config::Trust::All { "all" } else { "project" };
    let engine = tex.engine.as_str();
    if tex.engine.program().is_some() {
        let version = crate::compile::engine_version(tex.engine);
        return json!({"origin": "installed", "found_by": "[build] engine", "engine": engine,
            "engine_version": version, "trees": [], "trust": trust, "shell_escape": tex.shell_escape});
    }
    if let Some(b) = &tex.bundle {
        return json!({"origin": "bundle", "found_by": "[build] bundle", "bundle": b.url, "bundle_digest": b.digest,
            "engine": engine, "trees": [], "trust": trust, "shell_escape": tex.shell_escape});
    }
    let trees = crate::compile::tex_trees(project);
    let origin = match trees.origin {
        crate::compile::texmf::Origin::Config => "config",
        crate::compile::texmf::Origin::Kpsewhich { .. } => "kpsewhich",
        crate::compile::texmf::Origin::Debian => "debian",
    };
    let list: Vec<String> = trees.trees.iter().map(|t| t.path.display().to_string()).collect();
    json!({"origin": origin, "found_by": trees.describe(), "engine": engine, "trees": list, "trust": trust,
        "shell_escape": tex.shell_escape})
}

pub fn run(args: Args, global: &Global) -> Result<ExitCode, Stop> {
    let opts = args.network.options(global.verbosity);
    let project = Project::open(&args.path)?;
    let registry = crate::compile::figures::registry(&project);
    let store = crate::open_layered_store(&project, opts.network)?;
    // Only the local store is read for states: the remote is asked, never downloaded from.
    let plan = crate::scan_and_plan(&project, &registry, store.local());
    let mut diagnostics = plan.diagnostics;
    let lock = crate::lock::Lockfile::read(&project.root.join(crate::lock::LOCK_FILE)).ok().flatten();
    let states: Vec<&str> = plan
        .jobs
        .iter()
        .zip(&plan.waits_for)
        .map(|(job, waits_for)| {
            if !waits_for.is_empty() {
                "waiting"
            } else if preflight::cached(job, store.local()) {
                "cached"
            } else if store.remote_has(&job.key) {
                "remote"
            } else {
                "missing"
            }
        })
        .collect();
    let pending: Vec<_> =
        preflight::pending(&plan.jobs, store.local()).into_iter().filter(|p| states[p.index] != "remote").collect();
    let costs: HashMap<usize, String> = pending.iter().map(|p| (p.index, cost_column(p))).collect();
    let mut rows = Vec::new();
    for (i, job) in plan.jobs.iter().enumerate() {
        let d = &job.directive;
        // How the figure stands against paperfig.lock: what `--locked` would do with it.
        let locked = match lock.as_ref().map(|l| l.figures.get(&d.name)) {
            None => "no-lockfile",
            Some(None) => "unlocked",
            Some(Some(_)) if !plan.waits_for[i].is_empty() => "unknown",
            Some(Some(e)) if e.key == job.key => "locked",
            Some(Some(_)) => "changed",
        };
        let key = if plan.waits_for[i].is_empty() { Some(job.key) } else { None };
        rows.push((
            d.name.clone(),
            d.kind.as_str(),
            job.provider.id(),
            d.loc.display(),
            states[i],
            key,
            locked,
            costs.get(&i).cloned().unwrap_or_default(),
        ));
    }
    for (job, waits_for) in plan.jobs.iter().zip(&plan.waits_for).filter(|(_, w)| !w.is_empty()) {
        let d = &job.directive;
        let names: Vec<String> = waits_for.iter().map(|n| format!("`{n}`")).collect();
        diagnostics.push(
            Diagnostic::warning(
                Code::Plan,
                format!(
                    "figure `{}` waits for {}, not in the cache: a build makes it after them",
                    d.name,
                    names.join(", ")
                ),
            )
            .at(d.head.clone(), "takes their output")
            .hint("its key and whether it is cached are known once they are built; its cost is estimated"),
        );
    }
    let totals = preflight::totals(&pending);
    let checks = if args.check { preflight::check_services(registry.hosted(), &pending) } else { Vec::new() };
    for c in &checks {
        if let Err(e) = &c.found {
            let name = c.provider.name();
            let message =
                if e.message.starts_with(name) { e.message.clone() } else { format!("{name}: {}", e.message) };
            let mut d = Diagnostic::error(Code::Hosted, message);
            if let Some(h) = &e.hint {
                d = d.hint(h.clone());
            }
            diagnostics.push(d);
        }
    }
    match opts.hosted {
        HostedPolicy::Refuse => diagnostics.extend(preflight::offline_errors(&plan.jobs, &pending)),
        HostedPolicy::Build { max_cost: Some(max) } => diagnostics.extend(
            preflight::over_budget(&Default::default(), &pending.iter().collect::<Vec<_>>(), max)
                .map(|over| over.diagnostic()),
        ),
        HostedPolicy::Build { max_cost: None } | HostedPolicy::Defer => {}
    }
    if args.json {
        let figures: Vec<_> = rows
            .iter()
            .map(|(id, kind, provider, source, state, key, lock, cost)| {
                let mut v = json!({"id": id, "kind": kind, "provider": provider, "source": source, "state": state, "key": key.map(|k| k.to_string()), "lock": lock});
                if !cost.is_empty() {
                    v["cost"] = json!(cost);
                }
                v
            })
            .collect();
        let errors: Vec<_> = diagnostics.iter().map(Diagnostic::to_json).collect();
        let cost: serde_json::Map<String, serde_json::Value> =
            totals.0.iter().map(|(unit, v)| (unit.to_string(), json!(v))).collect();
        let tex = tex_json(&project);
        let mut report = json!({"figures": figures, "cost": cost, "tex": tex, "errors": errors});
        if args.check {
            report["services"] = checks
                .iter()
                .map(|c| {
                    let mut v =
                        json!({"provider": c.provider.name(), "needed": c.total.to_string(), "ok": c.found.is_ok()});
                    match &c.found {
                        Ok(found) => v["found"] = json!(found),
                        Err(e) => v["error"] = json!(e.message),
                    }
                    v
                })
                .collect();
        }
        out(serde_json::to_string_pretty(&report).unwrap_or_default())?;
    } else {
        let w = rows.iter().map(|r| r.0.len()).max().unwrap_or(2).max(2);
        let s = rows.iter().map(|r| r.3.len()).max().unwrap_or(6).max(6);
        let with_cost = !pending.is_empty();
        let cost_head = if with_cost { "  COST" } else { "" };
        let p = rows.iter().map(|r| r.2.len()).max().unwrap_or(10).max(10);
        out(format_args!(
            "{:w$}  {:8}  {:p$}  {:s$}  {:7}  {:11}{cost_head}",
            "ID", "KIND", "PROVIDER", "SOURCE", "STATE", "LOCK"
        ))?;
        for (id, kind, provider, source, state, _, lock, cost) in &rows {
            let line = format!("{id:w$}  {kind:8}  {provider:p$}  {source:s$}  {state:7}  {lock:11}  {cost}");
            out(line.trim_end())?;
        }
        if with_cost {
            let count = |how: How| pending.iter().filter(|p| p.how == how).count();
            let new = count(How::Submit);
            let mut free = Vec::new();
            if count(How::Resume) > 0 {
                free.push(format!("{} submitted earlier will be resumed", count(How::Resume)));
            }
            if count(How::FromKept) > 0 {
                free.push(format!("{} made from images kept from an earlier task", count(How::FromKept)));
            }
            let free = if free.is_empty() { String::new() } else { format!(" ({})", free.join("; ")) };
            out(format_args!("hosted: {new} figures to submit, estimated cost {totals}{free}"))?;
        }
        out(tex_line(&project))?;
        if args.check && checks.is_empty() {
            out("check: no hosted services are configured")?;
        }
        for c in &checks {
            match &c.found {
                Ok(found) => out(format_args!("check {}: {}", c.provider.name(), found.join("; ")))?,
                Err(_) => out(format_args!("check {}: would fail (below)", c.provider.name()))?,
            }
        }
    }
    diagnostics.extend(crate::store_warnings(&store, LockMode::Update));
    print_diagnostics(&diagnostics, global);
    Ok(if diagnostics.iter().any(|d| d.is_error()) { ExitCode::from(EXIT_FIGURE_ERRORS) } else { ExitCode::SUCCESS })
}

/// The cost column of a pending hosted figure: its estimate, or how it is made for nothing.
fn cost_column(p: &preflight::Pending<'_>) -> String {
    match p.how {
        How::Submit => p.cost.to_string(),
        How::Resume => "resume".to_string(),
        How::FromKept => "kept images".to_string(),
    }
}
