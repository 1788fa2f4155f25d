//! `paperfig watch [PATH]`: build the paper (as `build` does), then rebuild what each
//! change reaches until Ctrl-C. `--mdbook` refreshes a book served by `mdbook serve`
//! instead of compiling a PDF. The loop lives in `crate::watch`.

use std::path::PathBuf;
use std::process::ExitCode;

use super::flags::BuildFlags;
use super::shared::{Global, Stop};
use crate::compile::epoch;
use crate::options::Driver;
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
    /// The TeX engine (as for `build`).
    #[arg(long, value_name = "ENGINE")]
    engine: Option<crate::config::Engine>,
    #[command(flatten)]
    flags: BuildFlags,
}

pub fn run(args: Args, global: &Global) -> Result<ExitCode, Stop> {
    let figures = args.flags.options(global.verbosity, Driver::Watch)?;
    let dir =
        if args.path.is_file() { args.path.parent().map(PathBuf::from).unwrap_or_default() } else { args.path.clone() };
    let dir = if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir };
    let project = Project::open(&dir)?;
    let epoch = epoch::for_project(&project, args.source_date_epoch)?;
    crate::watch::watch(crate::watch::Options {
        path: args.path,
        mdbook: args.mdbook,
        figures,
        source_date_epoch: epoch,
        engine: args.engine,
    })?;
    Ok(ExitCode::SUCCESS)
}
