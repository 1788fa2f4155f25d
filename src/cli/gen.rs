//! `paperfig gen [PATH]`: build every figure missing from the cache and place all outputs.

use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::json;

use super::{EXIT_FIGURE_ERRORS, Global, print_diagnostics, rel};
use crate::diag::Diagnostic;
use crate::plan::Registry;
use crate::progress::Verbosity;
use crate::project::Project;
use crate::run::Source;
use crate::{GenOptions, GenReport};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The paper's folder or one source file.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Print a JSON report on stdout instead of text.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    flags: GenFlags,
}

/// How figures are built; shared by `gen` and `build`.
#[derive(clap::Args, Debug)]
pub struct GenFlags {
    /// Figures to build at once (default: number of CPUs).
    #[arg(short = 'j', long = "jobs", value_parser = clap::value_parser!(u16).range(1..=256))]
    jobs: Option<u16>,
    /// Use no network: no remote cache; figures that need a hosted provider fail (cached
    /// ones are placed).
    #[arg(long)]
    offline: bool,
    /// Make nothing and call no provider: every figure must come from the local or remote
    /// cache with the outputs paperfig.lock records; otherwise fail, naming each figure that
    /// would change and which input changed.
    #[arg(long)]
    locked: bool,
    /// --locked and --offline together.
    #[arg(long)]
    frozen: bool,
    /// Refuse the build if new hosted submissions would cost more than N (credits, quota
    /// units: each service's own unit).
    #[arg(long, value_name = "N")]
    max_cost: Option<f64>,
}

impl GenFlags {
    pub fn options(&self, verbosity: Verbosity) -> GenOptions {
        let threads = self.jobs.map_or_else(super::default_threads, usize::from);
        GenOptions {
            threads,
            verbosity,
            offline: self.offline || self.frozen,
            locked: self.locked || self.frozen,
            max_cost: self.max_cost,
        }
    }

    /// `--locked` or `--frozen`.
    pub fn locked(&self) -> bool {
        self.locked || self.frozen
    }
}

pub fn run(args: Args, global: &Global) -> Result<ExitCode, Diagnostic> {
    let project = Project::open(&args.path)?;
    let verbosity = if args.json { Verbosity::Quiet } else { global.verbosity };
    let report = crate::generate(&project, &Registry::for_config(&project.config), &args.flags.options(verbosity))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&to_json(&project, &report)).unwrap_or_default());
    } else if global.verbosity != Verbosity::Quiet {
        let cached = report.figures.len() - report.generated();
        let errors = match report.errors() {
            0 => String::new(),
            1 => "; 1 error".to_string(),
            n => format!("; {n} errors"),
        };
        let remote = match report.remote {
            r if r.downloaded + r.uploaded == 0 => String::new(),
            r => format!(" (remote: {} downloaded, {} uploaded)", r.downloaded, r.uploaded),
        };
        eprintln!(
            "{} figures: {} generated, {cached} cached{remote}{errors}",
            report.figures.len(),
            report.generated()
        );
    }
    print_diagnostics(&report.diagnostics, global);
    Ok(if report.errors() > 0 { ExitCode::from(EXIT_FIGURE_ERRORS) } else { ExitCode::SUCCESS })
}

fn to_json(project: &Project, report: &GenReport) -> serde_json::Value {
    let figures: Vec<_> = report
        .figures
        .iter()
        .map(|f| {
            let outputs: serde_json::Map<String, serde_json::Value> =
                f.outputs.iter().map(|(fmt, p)| (fmt.ext().to_string(), json!(rel(&project.root, p)))).collect();
            json!({
                "id": f.name,
                "kind": f.kind.as_str(),
                "provider": f.provider,
                "source": f.location,
                "status": match f.source { Source::Generated => "generated", Source::Cached => "cached" },
                "key": f.key.to_string(),
                "outputs": outputs,
                "ms": (f.millis * 10.0).round() / 10.0,
            })
        })
        .collect();
    json!({
        "figures": figures,
        "errors": report.diagnostics.iter().map(Diagnostic::to_json).collect::<Vec<_>>(),
        "summary": {
            "generated": report.generated(),
            "cached": report.figures.len() - report.generated(),
            "errors": report.errors(),
            "remote_downloaded": report.remote.downloaded,
            "remote_uploaded": report.remote.uploaded,
        },
    })
}
