//! `paperfig cache verify|gc`: check and prune the local cache.
use std::process::ExitCode;

use super::Global;
use crate::diag::Diagnostic;

#[derive(clap::Subcommand, Debug)]
pub enum Command {}

pub fn run(cmd: Command, _global: &Global) -> Result<ExitCode, Diagnostic> {
    match cmd {}
}
