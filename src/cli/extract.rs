//! `paperfig extract FILE.pdf --figure N -o OUT` cuts one figure out of a PDF;
//! `paperfig extract FILE.pdf --list [--json]` lists the figures and tables found.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use super::shared::{EXIT_FIGURE_ERRORS, Global, Stop, err, out};
use crate::diag::{Code, Diagnostic};
use crate::extract::{self, FigureKind};
use crate::model::{Format, InputFile, Kind, OutputSpec, Request};
use crate::provider::Provider;
use crate::provider::extract::ExtractProvider;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The PDF to read.
    pdf: PathBuf,
    /// List the figures and tables found instead of extracting one.
    #[arg(long, conflicts_with_all = ["figure", "output", "page", "bbox"])]
    list: bool,
    /// With --list: print JSON (`[{"figure","kind","page","bbox","untrimmed","caption"}]`).
    #[arg(long, requires = "list")]
    json: bool,
    /// The figure number (`3`), or a table (`T2`, `"Table 2"`).
    #[arg(long)]
    figure: Option<String>,
    /// Page (1-based): with --bbox, force a region; with --figure, look only there; alone,
    /// the whole page.
    #[arg(long)]
    page: Option<usize>,
    /// Region "x0,y0,x1,y1" in points, origin top-left of the page (needs --page).
    #[arg(long, requires = "page", allow_hyphen_values = true)]
    bbox: Option<String>,
    /// Output file; its extension (.pdf, .svg, .png) gives the format unless --format.
    #[arg(short, long, required_unless_present = "list")]
    output: Option<PathBuf>,
    /// Output format: pdf, svg or png.
    #[arg(long)]
    format: Option<String>,
    /// PNG resolution in dots per inch.
    #[arg(long, default_value_t = 192.0)]
    dpi: f64,
    /// Cut the located figure as laid out (images with their white margins), not tight to
    /// its visible ink.
    #[arg(long, conflicts_with = "bbox")]
    no_trim: bool,
}

/// One entry of `--list --json`.
#[derive(serde::Serialize)]
struct Listed<'a> {
    figure: &'a str,
    kind: FigureKind,
    page: usize,
    bbox: [f64; 4],
    untrimmed: [f64; 4],
    caption: &'a str,
}

pub fn run(args: Args, global: &Global) -> Result<ExitCode, Stop> {
    let shown = args.pdf.display().to_string();
    let bytes = std::fs::read(&args.pdf).map_err(|e| {
        Diagnostic::error(Code::Usage, format!("cannot read `{shown}`: {e}")).hint("give the path of a PDF file")
    })?;
    if args.list {
        return list(&bytes, &shown, args.json);
    }
    let output = args.output.expect("clap requires --output without --list");
    let format = match &args.format {
        Some(f) => f.as_str(),
        None => output.extension().and_then(|e| e.to_str()).unwrap_or(""),
    };
    let format = Format::parse(&format.to_ascii_lowercase()).ok_or_else(|| {
        Diagnostic::error(Code::Usage, format!("cannot tell the output format of `{}`", output.display()))
            .hint("name the output .pdf, .svg or .png, or pass --format pdf|svg|png")
    })?;
    if args.figure.is_none() && args.page.is_none() {
        return Err(Diagnostic::error(Code::Usage, "say which figure: --figure N, or --page P [--bbox x0,y0,x1,y1]")
            .hint(format!("`paperfig extract {shown} --list` shows the figures found"))
            .into());
    }
    let mut attrs = BTreeMap::new();
    let flags = [("figure", args.figure.clone()), ("page", args.page.map(|p| p.to_string())), ("bbox", args.bbox)];
    for (name, value) in flags {
        if let Some(v) = value {
            attrs.insert(name.to_string(), v);
        }
    }
    attrs.insert("dpi".into(), args.dpi.to_string());
    if args.no_trim {
        attrs.insert("trim".into(), "false".into());
    }
    let provider = ExtractProvider;
    let req = Request {
        kind: Kind::Extract,
        provider: provider.id().into(),
        provider_version: provider.version().into(),
        attrs,
        body: String::new(),
        files: BTreeMap::from([("pdf".to_string(), InputFile::new("pdf", bytes))]),
        extra: BTreeMap::new(),
        output: OutputSpec { formats: vec![format], width_in: 0.0, height_in: 0.0, png_dpi: args.dpi },
    };
    let key = crate::key::key_of(&req);
    let artifacts = match provider.generate(&req, &key) {
        Ok(a) => a,
        Err(e) => {
            let what = args.figure.as_deref().map_or("the region".to_string(), |f| format!("figure {f}"));
            let mut d = Diagnostic::error(Code::Provider, format!("cannot extract {what} from {shown}: {}", e.message));
            if let Some(h) = e.hint {
                d = d.hint(h);
            }
            err(d.render());
            return Ok(ExitCode::from(EXIT_FIGURE_ERRORS));
        }
    };
    let bytes = &artifacts.iter().find(|a| a.format == format).expect("the provider makes each requested format").bytes;
    crate::fsutil::write_atomic(&output, bytes)
        .map_err(|e| Diagnostic::error(Code::Usage, format!("cannot write `{}`: {e}", output.display())))?;
    if global.verbosity != crate::progress::Verbosity::Quiet {
        err(format_args!("wrote {} ({} bytes)\n", output.display(), bytes.len()));
    }
    Ok(ExitCode::SUCCESS)
}

fn list(bytes: &[u8], shown: &str, json: bool) -> Result<ExitCode, Stop> {
    let found = match extract::locate(bytes) {
        Ok(found) => found,
        Err(e) => {
            let d = Diagnostic::error(Code::Usage, format!("cannot read {shown}: {e}"))
                .hint("check that the file opens in a PDF viewer and has no password");
            err(d.render());
            return Ok(ExitCode::from(EXIT_FIGURE_ERRORS));
        }
    };
    let round = |v: f64| (v * 100.0).round() / 100.0;
    if json {
        let listed: Vec<Listed> = found
            .iter()
            .map(|l| Listed {
                figure: &l.figure,
                kind: l.kind,
                page: l.page,
                bbox: l.bbox.map(round),
                untrimmed: l.untrimmed.map(round),
                caption: &l.caption,
            })
            .collect();
        out(serde_json::to_string_pretty(&listed).expect("plain data serializes"))?;
    } else {
        for l in &found {
            let [x0, y0, x1, y1] = l.bbox.map(round);
            let caption: String = l.caption.chars().take(70).collect();
            out(format_args!("{:<6} {:<5} p. {:<4} [{x0}, {y0}, {x1}, {y1}]  {caption}", l.kind, l.figure, l.page))?;
        }
        if found.is_empty() {
            err(format_args!("no captioned figure or table found in {shown}\n"));
        }
    }
    Ok(ExitCode::SUCCESS)
}
