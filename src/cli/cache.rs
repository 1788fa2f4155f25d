//! `paperfig cache verify|gc|push|pull`: check and prune the local cache (`.paperfig/`),
//! and move what `paperfig.lock` names to and from the remote one (`store::sync`).

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use super::shared::{EXIT_FIGURE_ERRORS, Global, Stop, count, counted, err, out};
use crate::diag::{Code, Diagnostic};
use crate::lock::{LOCK_FILE, Lockfile};
use crate::options::Network;
use crate::progress::Verbosity;
use crate::project::Project;
use crate::store::Store as _;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Re-hash every object and check every entry; exit 1 if anything is damaged.
    Verify {
        /// The paper's folder.
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Delete damaged objects and entries so the next build remakes them.
        #[arg(long, conflicts_with = "remote")]
        repair: bool,
        /// Check the remote cache instead: every entry and output paperfig.lock names must be
        /// there, undamaged.
        #[arg(long)]
        remote: bool,
    },
    /// Upload every output and entry paperfig.lock names that the remote cache lacks.
    Push {
        /// The paper's folder.
        #[arg(default_value = ".")]
        path: PathBuf,
    },
    /// Download (verified) every output and entry paperfig.lock names that the local cache
    /// lacks.
    Pull {
        /// The paper's folder.
        #[arg(default_value = ".")]
        path: PathBuf,
    },
    /// Delete entries that no current figure (and no lockfile entry) uses and that are
    /// older than --max-age, then the objects nothing references any more.
    Gc {
        /// The paper's folder.
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Keep unused entries written within this many days.
        #[arg(long, default_value_t = 30.0)]
        max_age: f64,
    },
}

pub fn run(cmd: Command, global: &Global) -> Result<ExitCode, Stop> {
    match cmd {
        Command::Verify { path, remote: true, .. } => sync(&path, Sync::Verify, global),
        Command::Verify { path, repair, .. } => verify(&path, repair, global),
        Command::Push { path } => sync(&path, Sync::Push, global),
        Command::Pull { path } => sync(&path, Sync::Pull, global),
        Command::Gc { path, max_age } => gc(&path, max_age, global),
    }
}

fn verify(path: &std::path::Path, repair: bool, global: &Global) -> Result<ExitCode, Stop> {
    let project = Project::open(path)?;
    let store = crate::open_store(&project)?;
    let report = if repair { store.repair() } else { store.verify() };
    for p in &report.problems {
        out(p)?;
    }
    let damaged = report.problems.iter().filter(|p| !p.removed).count();
    if global.verbosity != Verbosity::Quiet {
        err(format_args!(
            "checked {} and {}: {}{}\n",
            count(report.objects, "object"),
            counted(report.actions, "entry", "entries"),
            count(report.problems.len(), "problem"),
            if repair { format!(", {} removed", report.problems.len() - damaged) } else { String::new() },
        ));
    }
    Ok(if damaged > 0 { ExitCode::from(EXIT_FIGURE_ERRORS) } else { ExitCode::SUCCESS })
}

#[derive(Clone, Copy, PartialEq)]
enum Sync {
    Push,
    Pull,
    Verify,
}

fn sync(path: &std::path::Path, what: Sync, global: &Global) -> Result<ExitCode, Stop> {
    let project = Project::open(path)?;
    let lock = match Lockfile::read(&project.root.join(LOCK_FILE)) {
        Ok(Some(lock)) => lock,
        Ok(None) => {
            return Err(Diagnostic::error(Code::Lockfile, "there is no paperfig.lock to name what to move or check")
                .hint("run `paperfig gen` first")
                .into());
        }
        Err(e) => return Err(Diagnostic::error(Code::Lockfile, e.to_string()).into()),
    };
    let store = crate::open_layered_store(&project, Network::Online)?;
    if !store.has_remote() {
        return Err(Diagnostic::error(Code::Usage, "no remote cache is configured")
            .hint("set [cache] remote = \"s3://bucket/prefix\" (or gs://, az://, https://, file://) in paperfig.toml")
            .into());
    }
    let result = match what {
        Sync::Push => crate::store::sync::push(&store, &lock),
        Sync::Pull => crate::store::sync::pull(&store, &lock),
        Sync::Verify => crate::store::sync::verify_remote(&store, &lock),
    };
    let report = result
        .map_err(|e| Diagnostic::error(Code::Cache, e.to_string()).hint("check that the remote cache is reachable"))?;
    for p in &report.problems {
        out(p)?;
    }
    if global.verbosity != Verbosity::Quiet {
        let (verb, dir) = match what {
            Sync::Push => ("uploaded", "to"),
            Sync::Pull => ("downloaded", "from"),
            Sync::Verify => ("checked", "in"),
        };
        if what == Sync::Verify {
            err(format_args!(
                "{verb} {} {dir} {}: {}\n",
                count(report.figures, "figure"),
                store.describe(),
                count(report.problems.len(), "problem")
            ));
        } else {
            err(format_args!(
                "{}: {verb} {} and {}; {}\n",
                count(report.figures, "figure"),
                count(report.objects_moved, "object"),
                counted(report.entries_moved, "entry", "entries"),
                count(report.problems.len(), "problem")
            ));
        }
    }
    Ok(if report.problems.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(EXIT_FIGURE_ERRORS) })
}

fn gc(path: &std::path::Path, max_age_days: f64, global: &Global) -> Result<ExitCode, Stop> {
    if !(0.0..=36500.0).contains(&max_age_days) {
        return Err(Diagnostic::error(Code::Usage, format!("--max-age {max_age_days} is out of range"))
            .hint("give a number of days from 0 to 36500")
            .into());
    }
    let project = Project::open(path)?;
    let store = crate::open_store(&project)?;
    let plan = crate::scan_and_plan(&project, &crate::compile::figures::registry(&project), &store);
    // Figures planned with stand-ins for outputs not in the cache have no key of their own.
    let own = plan.jobs.iter().zip(&plan.waits_for).filter(|(_, w)| w.is_empty());
    let mut live: HashSet<_> = own.map(|(j, _)| j.key).collect();
    if let Ok(Some(lock)) = Lockfile::read(&project.root.join(LOCK_FILE)) {
        live.extend(lock.figures.values().map(|e| e.key));
    }
    let report = store.gc(&live, Duration::from_secs_f64(max_age_days * 86400.0));
    if global.verbosity != Verbosity::Quiet {
        err(format_args!(
            "removed {} action entr{}, {} objects, {} temp files ({:.1} MB); kept {} entries, {} objects\n",
            report.actions_removed,
            if report.actions_removed == 1 { "y" } else { "ies" },
            report.objects_removed,
            report.temps_removed,
            report.bytes_freed as f64 / 1e6,
            report.actions_kept,
            report.objects_kept,
        ));
    }
    for e in &report.errors {
        err(format_args!("warning: {e}\n"));
    }
    Ok(ExitCode::SUCCESS)
}
