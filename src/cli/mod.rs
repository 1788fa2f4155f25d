//! The command line: clap parses raw flags here, each subcommand lives in its own file
//! with the same two entry points (`Args`, `run`).
//!
//! Exit codes: 0 success; 1 some figure or directive failed (the rest were built);
//! for `build` also: the paper did not compile (TeX errors, a missing bibliography file;
//! each printed with `file:line`); 2 the command could not run at all (bad flags,
//! unreadable `paperfig.toml`, unusable cache folder, no or several papers to build).

mod build;
mod cache;
mod extract;
mod flags;
mod r#gen;
mod init;
mod mdbook;
mod shared;
mod status;
mod texfigure;
mod watch;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::progress::Verbosity;
use shared::{EXIT_FATAL, Global, Stop};

#[derive(Parser, Debug)]
#[command(name = "paperfig", version, about = "Figures as code for papers and books", propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Print more (cache hits too).
    #[arg(short, long, global = true, conflicts_with = "quiet")]
    verbose: bool,
    /// Print only errors.
    #[arg(short, long, global = true)]
    quiet: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Generate every figure that is missing from the cache, and place all outputs.
    Gen(r#gen::Args),
    /// Generate the figures, then compile the paper to PDF (offline, embedded TeX engine).
    Build(build::Args),
    /// List each figure: id, kind, provider, source location, cached or missing.
    Status(status::Args),
    /// Inspect and maintain the local cache; push to and pull from the remote one.
    #[command(subcommand)]
    Cache(cache::Command),
    /// Write a commented paperfig.toml in the current folder.
    Init(init::Args),
    /// The mdBook preprocessor (`[preprocessor.paperfig]` in book.toml runs it).
    Mdbook(mdbook::Args),
    /// Cut a figure out of a PDF (vector PDF, SVG or PNG), or list the figures it has.
    Extract(extract::Args),
    /// Build the paper, then rebuild what each edit reaches until Ctrl-C.
    Watch(watch::Args),
    /// Compile one TikZ figure's document (the child process of the TikZ provider).
    #[command(name = "tex-figure", hide = true)]
    TexFigure(texfigure::Args),
}

/// Entry point of the `paperfig` binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let global = Global {
        verbosity: if cli.quiet {
            Verbosity::Quiet
        } else if cli.verbose {
            Verbosity::Verbose
        } else {
            Verbosity::Normal
        },
    };
    // `watch` stops between rebuilds on its own; every other command, interrupted, stops
    // the scripts and TeX runs it started and removes their working copies.
    if !matches!(cli.command, Command::Watch(_)) {
        crate::children::install();
    }
    let result = match cli.command {
        Command::Gen(args) => r#gen::run(args, &global),
        Command::Build(args) => build::run(args, &global),
        Command::Status(args) => status::run(args, &global),
        Command::Cache(cmd) => cache::run(cmd, &global),
        Command::Init(args) => init::run(args, &global),
        Command::Mdbook(args) => mdbook::run(args, &global),
        Command::Extract(args) => extract::run(args, &global),
        Command::Watch(args) => watch::run(args, &global),
        Command::TexFigure(args) => texfigure::run(args, &global),
    };
    match result {
        Ok(code) => code,
        Err(Stop::Fatal(diag)) => {
            shared::err(diag.render());
            ExitCode::from(EXIT_FATAL)
        }
        Err(Stop::ClosedPipe) => ExitCode::SUCCESS,
    }
}
