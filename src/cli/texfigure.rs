//! `paperfig tex-figure DIR` (hidden): the child process in which the embedded engine
//! compiles one TikZ document for the TikZ provider (`compile::figures`), so that a
//! picture that never finishes can be killed.

use std::path::PathBuf;
use std::process::ExitCode;

use super::shared::{Global, Stop};
use crate::diag::{Code, Diagnostic};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The job folder (`figure.tex`, its files and `job.json`).
    dir: PathBuf,
}

pub fn run(args: Args, _global: &Global) -> Result<ExitCode, Stop> {
    crate::compile::figures::work(&args.dir)
        .map_err(|e| Stop::Fatal(Diagnostic::error(Code::Tex, format!("cannot compile the figure: {e}"))))?;
    Ok(ExitCode::SUCCESS)
}
