//! `paperfig build [PATH]`: generate the figures (as `gen` does), then compile the paper
//! to PDF with the embedded engine into the build folder (`[build] dir`, default `build/`).
//!
//! PATH is the paper (`paper.md`, `paper.tex`) or its folder; a folder builds
//! `[build] main`, else its one source that is a whole document. A LaTeX paper is
//! compiled as it is (never rewritten); a Markdown paper is first written as
//! `build/<stem>.tex`.
//!
//! `--json` prints one JSON document on stdout: the figures report of `gen --json` and a
//! `compile` object (the document, the PDF and the log, whether the format was built, TeX's
//! diagnostics), `null` when nothing was compiled. Progress and diagnostics stay on stderr.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::json;

use super::flags::BuildFlags;
use super::shared::{EXIT_FIGURE_ERRORS, Global, Stop, count, err, out, print_diagnostics, rel};
use crate::GenReport;
use crate::compile::swap::Reuse;
use crate::compile::{self, Compiled, DocKind, epoch};
use crate::diag::Diagnostic;
use crate::options::{Driver, LockMode};
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
    /// Let TeX read any file, not only the project's (as `[build] trust = "all"`): for your
    /// own documents on your own machine.
    #[arg(long)]
    trust_all: bool,
    /// The TeX engine (as `[build] engine`): embedded (the default), pdflatex, lualatex or
    /// xelatex (the installed TeX, through latexmk).
    #[arg(long, value_name = "ENGINE")]
    engine: Option<crate::config::Engine>,
    /// Print a JSON report on stdout: the figures (as `gen --json`) and the compile result.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    flags: BuildFlags,
}

pub fn run(args: Args, global: &Global) -> Result<ExitCode, Stop> {
    let opts = args.flags.options(global.verbosity, Driver::Once)?;
    let dir: &Path = if args.path.is_file() {
        args.path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
    } else {
        &args.path
    };
    let project = Project::open(dir)?;
    let main = compile::find_main(&project, &args.path)?;
    let kind = compile::doc_kind(&main).unwrap_or(DocKind::Latex);
    let epoch = epoch::for_project(&project, args.source_date_epoch)?;
    let locked = opts.lock == LockMode::Locked;
    let tex_run =
        compile::TexRun::new(&project.config, epoch, args.trust_all, locked, opts.network).with_engine(args.engine);

    // Figures first, exactly as `paperfig gen`.
    let registry = crate::compile::figures::registry_sharing(&project, tex_run.digest.clone());
    let report = crate::generate(&project, &registry, &opts)?;
    let built = report.generated() + report.cached();
    if global.verbosity != Verbosity::Quiet && built > 0 {
        err(format_args!("{}: {} generated, {} cached\n", count(built, "figure"), report.generated(), report.cached()));
    }
    print_diagnostics(&report.diagnostics, global);
    // A locked build's figures are the locked bytes or nothing: no PDF from anything else.
    if opts.lock == LockMode::Locked && report.errors() > 0 {
        err("no PDF: --locked, and not every figure matches paperfig.lock (see above)\n");
        if args.json {
            out(to_json(&project, &report, &main, None))?;
        }
        return Ok(ExitCode::from(EXIT_FIGURE_ERRORS));
    }

    // A locked build compiles with the engine paperfig.lock records, or not at all.
    let engine_version = compile::engine_version(tex_run.engine);
    if locked {
        let lock = crate::lock::Lockfile::read(&project.root.join(crate::lock::LOCK_FILE)).ok().flatten();
        if let Err(d) =
            crate::locked::check_engine(&lock.unwrap_or_default(), tex_run.engine, engine_version.as_deref())
        {
            print_diagnostics(std::slice::from_ref(&d), global);
            err("no PDF: --locked, and the TeX engine is not the one paperfig.lock records\n");
            if args.json {
                out(to_json(&project, &report, &main, None))?;
            }
            return Ok(ExitCode::from(EXIT_FIGURE_ERRORS));
        }
    }
    if global.verbosity != Verbosity::Quiet {
        let with = if tex_run.engine == crate::config::Engine::Embedded {
            String::new()
        } else {
            format!(" with {}", tex_run.engine)
        };
        err(format_args!("compiling {}{with}\n", rel(&project.root, &main)));
    }
    let compiled = match kind {
        DocKind::Latex => {
            let map = compile::latex_line_map(&project, &main);
            compile::compile_tex(&project, &main, &map, &tex_run)?
        }
        DocKind::Markdown => {
            compile::markdown::build(&project, &main, &compile::markdown::Figures::of(&report), &tex_run)?
        }
    };
    print_diagnostics(&compiled.diagnostics, global);
    if let (Some(_), false, Some(version)) = (&compiled.pdf, locked, engine_version) {
        let engine = crate::lock::EngineLock { name: tex_run.engine.as_str().to_string(), version };
        match crate::record_engine(&project, engine) {
            Ok(true) => compiled.wrote_after(),
            Ok(false) => {}
            Err(d) => print_diagnostics(std::slice::from_ref(&d), global),
        }
    }
    // After TeX ran, the lockfile `gen` wrote has settled, and `wrote_after` waited out the
    // one `record_engine` wrote: the first no-op after this build need not read it.
    if compiled.reuse == Reuse::Engine {
        crate::settle_lock_memos(&project);
    }
    if let Some(pdf) = &compiled.pdf {
        if global.verbosity != Verbosity::Quiet {
            let pdf = rel(&project.root, pdf);
            match compiled.reuse {
                Reuse::Engine => err(format_args!("wrote {pdf}\n")),
                Reuse::Figures(n) => err(format_args!(
                    "updated {pdf}: {n} figure{} replaced in place (only figures changed, each at its size; TeX not run)\n",
                    if n == 1 { "" } else { "s" }
                )),
                Reuse::Unchanged => err(format_args!("{pdf} is up to date (nothing TeX reads changed; TeX not run)\n")),
            }
        }
    } else if let Some(log) = &compiled.log {
        err(format_args!("no PDF; TeX's log is {}\n", rel(&project.root, log)));
    }
    if args.json {
        out(to_json(&project, &report, &main, Some(&compiled)))?;
    }
    let failed = report.errors() > 0 || compiled.errors() > 0 || compiled.pdf.is_none();
    Ok(if failed { ExitCode::from(EXIT_FIGURE_ERRORS) } else { ExitCode::SUCCESS })
}

/// `build --json`: the figures report of `gen --json` with the compile result added
/// (`compile` is `null` when the build stopped before TeX).
fn to_json(project: &Project, report: &GenReport, main: &Path, compiled: Option<&Compiled>) -> String {
    let mut value = super::r#gen::to_json(project, report);
    let path = |p: &Option<PathBuf>| p.as_ref().map(|p| rel(&project.root, p));
    value["compile"] = compiled.map_or(serde_json::Value::Null, |c| {
        json!({
            "document": rel(&project.root, main),
            "engine": c.engine.as_str(),
            "pdf": path(&c.pdf),
            "log": path(&c.log),
            "synctex": path(&c.synctex),
            "built_format": c.built_format,
            // "ran", or how the last PDF was reused without TeX (see compile::swap).
            "tex": match c.reuse {
                Reuse::Engine => "ran",
                Reuse::Figures(_) => "figures-replaced",
                Reuse::Unchanged => "unchanged",
            },
            // What TeX read from the TeX trees or the bundle (absolute paths), as `-recorder`.
            "tex_files": c.tex_files.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
            "errors": c.errors(),
            "diagnostics": c.diagnostics.iter().map(Diagnostic::to_json).collect::<Vec<_>>(),
        })
    });
    serde_json::to_string_pretty(&value).unwrap_or_default()
}
