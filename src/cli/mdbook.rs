//! `paperfig mdbook`: the mdBook preprocessor. `paperfig mdbook supports RENDERER` answers
//! mdBook's question (exit 0: yes, 1: no); `paperfig mdbook` reads `[context, book]` on
//! stdin and writes the book on stdout.
//!
//! Exit codes: 0 the book is on stdout; 1 a directive failed and `fail-on-error` is on
//! (nothing on stdout, so mdBook stops), or `supports` says no; 2 the input cannot be
//! processed (malformed JSON, bad `[preprocessor.paperfig]`, unusable cache).

use std::io::Read;
use std::process::ExitCode;

use super::shared::{EXIT_FIGURE_ERRORS, Global, Stop, count, err, errors_suffix, out_bytes, print_diagnostics};
use crate::diag::{Code, Diagnostic};
use crate::mdbook::{Options, options};
use crate::progress::Verbosity;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: Option<Sub>,
}

#[derive(clap::Subcommand, Debug)]
enum Sub {
    /// Exit 0 if paperfig runs for this mdBook renderer, 1 if not.
    Supports { renderer: String },
}

pub fn run(args: Args, global: &Global) -> Result<ExitCode, Stop> {
    match args.command {
        Some(Sub::Supports { renderer }) => supports(&renderer, global),
        None => preprocess(global),
    }
}

/// mdBook runs `supports` in the book's root, so `book.toml` there may name more renderers.
/// Invalid options are not reported here: mdBook would take any non-zero exit as "skip
/// paperfig" and build the book without figures; the run itself reports them (exit 2).
fn supports(renderer: &str, global: &Global) -> Result<ExitCode, Stop> {
    let root =
        std::env::current_dir().map_err(|e| Diagnostic::error(Code::Usage, format!("no current folder: {e}")))?;
    let raw = std::fs::read_to_string(root.join("book.toml"))
        .ok()
        .and_then(|text| text.parse::<toml::Table>().ok())
        .and_then(|t| t.get("preprocessor")?.get("paperfig").cloned())
        .and_then(|t| serde_json::to_value(t).ok())
        .unwrap_or_default();
    let opts = Options::parse(&raw, &root).unwrap_or_default();
    if opts.supports(renderer) {
        return Ok(ExitCode::SUCCESS);
    }
    if global.verbosity != Verbosity::Quiet {
        err(format_args!(
            "paperfig: the mdBook renderer `{renderer}` is not supported, so its output gets no figures \
             (supported: {}); add `format = {{ {renderer} = \"png\" }}` to [preprocessor.paperfig] to run for it\n",
            options::DEFAULT_RENDERERS.join(", ")
        ));
    }
    Ok(ExitCode::from(EXIT_FIGURE_ERRORS))
}

fn preprocess(global: &Global) -> Result<ExitCode, Stop> {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).map_err(|e| {
        Diagnostic::error(Code::Usage, format!("cannot read stdin: {e}"))
            .hint("mdBook sends `[context, book]` as UTF-8 JSON")
    })?;
    let out = crate::mdbook::preprocess(&input)?;
    print_diagnostics(&out.diagnostics, global);
    if global.verbosity != Verbosity::Quiet {
        let errors = errors_suffix(out.errors());
        err(format_args!(
            "paperfig: {}: {} generated, {} cached{errors}\n",
            count(out.figures, "figure"),
            out.generated,
            out.figures - out.generated
        ));
    }
    let Some(book) = out.book else {
        err(
            "paperfig: stopping the book build; set `fail-on-error = false` in [preprocessor.paperfig] to show errors in the chapters instead\n",
        );
        return Ok(ExitCode::from(EXIT_FIGURE_ERRORS));
    };
    out_bytes(book.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
