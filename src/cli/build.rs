//! `paperfig build [PATH]`: generate the figures (as `gen` does), then compile the paper
//! to PDF with the embedded engine into the build folder (`[build] dir`, default `build/`).
//!
//! PATH is the paper (`paper.md`, `paper.tex`) or its folder; a folder builds
//! `[build] main`, else its one source that is a whole document. A LaTeX paper is
//! compiled as it is (never rewritten); a Markdown paper is first written as
//! `build/<stem>.tex`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::{EXIT_FIGURE_ERRORS, Global, print_diagnostics, rel};
use crate::compile::{self, DocKind, epoch};
use crate::diag::Diagnostic;
use crate::plan::Registry;
use crate::progress::Verbosity;
use crate::project::Project;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The paper (a .md or .tex file) or its folder.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Dates in the PDF, in seconds since 1970 (default: $SOURCE_DATE_EPOCH, else the
    /// last git commit's time, else `[build] source_date_epoch`, else now).
    #[arg(long, value_name = "SECONDS")]
    source_date_epoch: Option<u64>,
    #[command(flatten)]
    flags: super::r#gen::GenFlags,
}

pub fn run(args: Args, global: &Global) -> Result<ExitCode, Diagnostic> {
    let dir: &Path = if args.path.is_file() {
        args.path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
    } else {
        &args.path
    };
    let project = Project::open(dir)?;
    let main = compile::find_main(&project, &args.path)?;
    let kind = compile::doc_kind(&main).unwrap_or(DocKind::Latex);
    let epoch = epoch::for_project(&project, args.source_date_epoch)?;

    // Figures first, exactly as `paperfig gen`.
    let registry = Registry::for_config(&project.config);
    let report = crate::generate(&project, &registry, &args.flags.options(global.verbosity))?;
    if global.verbosity != Verbosity::Quiet && !report.figures.is_empty() {
        let cached = report.figures.len() - report.generated();
        eprintln!("{} figures: {} generated, {cached} cached", report.figures.len(), report.generated());
    }
    print_diagnostics(&report.diagnostics, global);
    // A locked build's figures are the locked bytes or nothing: no PDF from anything else.
    if args.flags.locked() && report.errors() > 0 {
        eprintln!("no PDF: --locked, and not every figure matches paperfig.lock (see above)");
        return Ok(ExitCode::from(EXIT_FIGURE_ERRORS));
    }

    if global.verbosity != Verbosity::Quiet {
        eprintln!("compiling {}", rel(&project.root, &main));
    }
    let compiled = match kind {
        DocKind::Latex => {
            let map = compile::latex_line_map(&project, &main);
            compile::compile_tex(&project, &main, &map, epoch)?
        }
        DocKind::Markdown => compile::markdown::build(&project, &main, epoch)?,
    };
    print_diagnostics(&compiled.diagnostics, global);
    if let Some(pdf) = &compiled.pdf {
        if global.verbosity != Verbosity::Quiet {
            eprintln!("wrote {}", rel(&project.root, pdf));
        }
    } else if let Some(log) = &compiled.log {
        eprintln!("no PDF; TeX's log is {}", rel(&project.root, log));
    }
    let failed = report.errors() > 0 || compiled.errors() > 0 || compiled.pdf.is_none();
    Ok(if failed { ExitCode::from(EXIT_FIGURE_ERRORS) } else { ExitCode::SUCCESS })
}
