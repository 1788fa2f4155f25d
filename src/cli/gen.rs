//! `paperfig gen [PATH]`: build every figure missing from the cache and place all outputs.

use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::json;

use super::flags::BuildFlags;
use super::shared::{EXIT_FIGURE_ERRORS, Global, Stop, count, err, errors_suffix, out, print_diagnostics, rel};
use crate::GenReport;
use crate::diag::Diagnostic;
use crate::options::Driver;
use crate::progress::Verbosity;
use crate::project::Project;
use crate::run::Source;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The paper's folder or one source file.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Print a JSON report on stdout instead of text.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    flags: BuildFlags,
}

pub fn run(args: Args, global: &Global) -> Result<ExitCode, Stop> {
    let verbosity = if args.json { Verbosity::Quiet } else { global.verbosity };
    let opts = args.flags.options(verbosity, Driver::Once)?;
    let project = Project::open(&args.path)?;
    let report = crate::generate(&project, &crate::compile::figures::registry(&project), &opts)?;
    if args.json {
        out(serde_json::to_string_pretty(&to_json(&project, &report)).unwrap_or_default())?;
    } else if global.verbosity != Verbosity::Quiet {
        let cached = report.cached();
        let built = report.generated() + cached;
        let errors = errors_suffix(report.errors());
        let remote = match report.remote {
            r if r.downloaded + r.uploaded == 0 => String::new(),
            r => format!(" (remote: {} downloaded, {} uploaded)", r.downloaded, r.uploaded),
        };
        err(format_args!(
            "{}: {} generated, {cached} cached{remote}{errors}\n",
            count(built, "figure"),
            report.generated()
        ));
    }
    print_diagnostics(&report.diagnostics, global);
    Ok(if report.errors() > 0 { ExitCode::from(EXIT_FIGURE_ERRORS) } else { ExitCode::SUCCESS })
}

/// The figures report of `gen --json` (`build --json` adds the compile result to it).
pub(super) fn to_json(project: &Project, report: &GenReport) -> serde_json::Value {
    let figures: Vec<_> = report
        .built()
        .map(|(job, b)| {
            let outputs: serde_json::Map<String, serde_json::Value> = report
                .outputs(b)
                .iter()
                .map(|(fmt, p)| (fmt.ext().to_string(), json!(rel(&project.root, p))))
                .collect();
            let d = &job.directive;
            json!({
                "id": d.name,
                "kind": d.kind.as_str(),
                "provider": b.entry.provider,
                "source": d.loc.display(),
                "status": match b.source { Source::Generated => "generated", Source::Cached => "cached" },
                "key": job.key.to_string(),
                "outputs": outputs,
                "ms": (b.millis * 10.0).round() / 10.0,
            })
        })
        .collect();
    json!({
        "figures": figures,
        "errors": report.diagnostics.iter().map(Diagnostic::to_json).collect::<Vec<_>>(),
        "summary": {
            "generated": report.generated(),
            "cached": report.cached(),
            "errors": report.errors(),
            "remote_downloaded": report.remote.downloaded,
            "remote_uploaded": report.remote.uploaded,
        },
    })
}
