//! `paperfig watch [PATH]`: build the paper (as `build` does), then rebuild what each
//! change reaches until Ctrl-C. `--mdbook` refreshes a book served by `mdbook serve`
//! instead of compiling a PDF. The loop lives in `crate::watch`.

use std::path::PathBuf;
use std::process::ExitCode;

use super::Global;
use crate::compile::epoch;
use crate::diag::Diagnostic;
use crate::project::Project;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The paper (a .md or .tex file) or its folder.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// The project is an mdBook: keep the figure cache warm and make `mdbook serve`
    /// rebuild chapters whose figures changed, instead of compiling a PDF.
    #[arg(long)]
    mdbook: bool,
    /// Dates in the PDF, in seconds since 1970 (as for `build`).
    #[arg(long, value_name = "SECONDS")]
    source_date_epoch: Option<u64>,
    #[command(flatten)]
    flags: super::r#gen::GenFlags,
}

pub fn run(args: Args, global: &Global) -> Result<ExitCode, Diagnostic> {
    if args.flags.locked() {
        return Err(Diagnostic::error(
            "`watch` rebuilds figures as they change; --locked and --frozen are for one-shot builds",
        )
        .hint("use `paperfig build --locked` (or --frozen) in CI; `watch --offline` keeps hosted providers off"));
    }
    let dir =
        if args.path.is_file() { args.path.parent().map(PathBuf::from).unwrap_or_default() } else { args.path.clone() };
    let dir = if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir };
    let project = Project::open(&dir)?;
    let epoch = epoch::for_project(&project, args.source_date_epoch)?;
    crate::watch::watch(crate::watch::Options {
        path: args.path,
        mdbook: args.mdbook,
        figures: args.flags.options(global.verbosity),
        source_date_epoch: epoch,
    })?;
    Ok(ExitCode::SUCCESS)
}
