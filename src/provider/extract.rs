//! The builtin `kind=extract` provider: a figure of a PDF someone else wrote, cut out as a
//! vector PDF, an SVG and a PNG.
//!
//! The request carries the PDF's contents as `files["pdf"]` (the planner found it through
//! `pdf=` or the bibliography, see `plan::extract`) and the attributes
//! - `figure=N`: the figure numbered N, found by `extract::locate` (`figure="Table 2"` or
//!   `figure=T2` for a table);
//! - `page=P` and `bbox="x0,y0,x1,y1"` (points, origin top-left): force a region; `page=`
//!   alone with `figure=` looks for the figure on that page only; `page=` alone is the
//!   whole page;
//! - `dpi=`: PNG resolution (default `[output] png_dpi`);
//! - `trim=false`: crop a located figure's region as laid out (images with their white
//!   margins) instead of tight to its visible ink. A forced `bbox=` is cut as given.
//!
//! Hosted providers for the same kind read the same `files["pdf"]` and `attrs["figure"]`.
//! The figure keeps its size in the source PDF: `size=`/`height=` do not scale it.

use crate::digest::Digest;
use crate::extract::crop::{self, CropError, Region};
use crate::extract::{Document, ExtractError, FigureKind, Located};
use crate::model::{Artifact, Kind, ProviderError, Request};
use crate::provider::Provider;

/// Bumped whenever the same request would crop or render differently (extract-2: the
/// locator finds other regions, tight to ink; extract-3: side captions, code over plots,
/// listings, tables apart from what follows them; extract-4: the body size is the prose's
/// beside smaller code, text fenced in by a diagram's strokes is the diagram's; extract-5:
/// echoed code wider than a figure, rules and strokes that make no drawing, margin keys,
/// a caption's source code, sideways floats over page numbers, ruled table cells;
/// extract-6: rules across a figure's region beyond it edge an example, not the figure;
/// lists of contents are running text; extract-7: a region needs a least score, so a
/// caption with no figure body gets none; cells of tables ruled between their rows; the
/// side of its captions a document sets its figures and tables on decides stacked floats;
/// extract-8: a command and a drawing are never one cluster, a rule closing a table ends
/// it, a listing under a figure below its caption is the figure's, a running head's second
/// line is furniture, a long title over a plot is the plot's; extract-9: a heading's row
/// lies where headings go, a sentence level with another line is a subcaption, a table's
/// notes under its last row are not running text, numbers within a part ("II.9.1"), and a
/// numbered display equation, all its rows, within a part too, blocks regions; extract-10:
/// code holding a `\caption` command, one or two lines of code alone, a line of prose
/// that introduces what follows, and terms with sentences describing them are no figure; a
/// continued float's caption is no part of the first; a justified caption broken at its
/// wide spaces is read whole).
pub const VERSION: &str = "extract-10 (hayro 0.9.0)";

/// Attributes this provider reads (all others are an error at plan time, see `Provider::attrs`).
const ATTRS: &[&str] = &["figure", "page", "bbox", "dpi", "trim"];

pub struct ExtractProvider;

impl Provider for ExtractProvider {
    fn id(&self) -> &'static str {
        "builtin"
    }
    fn cheap_to_remake(&self) -> bool {
        true
    }
    fn version(&self) -> &'static str {
        VERSION
    }
    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Extract]
    }
    fn attrs(&self, _kind: Kind) -> &'static [&'static str] {
        ATTRS
    }
    fn file_attrs(&self) -> &'static [&'static str] {
        &[]
    }
    fn generate(&self, req: &Request, _key: &Digest) -> Result<Vec<Artifact>, ProviderError> {
        let pdf = req.files.get("pdf").ok_or_else(|| ProviderError::new("extract figure has no PDF"))?;
        let dpi = super::png_dpi(req)?;
        let doc = Document::open(&pdf.bytes).map_err(read_error)?;
        let region = region(req, &doc)?;
        crop::cut(doc.pdf(), &region, &req.output.formats, dpi).map_err(|e| crop_error(e, req))
    }
}

/// The region the request asks for: forced by `page=`/`bbox=`, else located by `figure=`.
pub fn region(req: &Request, doc: &Document) -> Result<Region, ProviderError> {
    let page = req
        .attr("page")
        .map(|p| {
            p.trim().parse::<usize>().ok().filter(|&n| n >= 1).ok_or_else(|| {
                ProviderError::new(format!("page `{p}` is not a page number"))
                    .at_attr("page")
                    .hint("pages are numbered from 1")
            })
        })
        .transpose()?;
    if let Some(b) = req.attr("bbox") {
        let bbox = parse_bbox(b).ok_or_else(|| {
            ProviderError::new(format!("bbox `{b}` is not four numbers"))
                .at_attr("bbox")
                .hint("bbox=\"x0,y0,x1,y1\" in points (1/72 in), origin at the top-left of the page")
        })?;
        let page = page.ok_or_else(|| {
            ProviderError::new("bbox= needs page=").at_attr("bbox").hint("add page=N (1-based) for the box's page")
        })?;
        return Ok(Region { page, bbox });
    }
    let Some(figure) = req.attr("figure") else {
        let page = page.ok_or_else(|| ProviderError::new("extract figure says neither figure= nor page="))?;
        return Ok(Region { page, bbox: [0.0, 0.0, f64::MAX, f64::MAX] });
    };
    let trim = trim(req)?;
    let (kind, number) = parse_figure(figure);
    let found = match page {
        Some(p) => doc.locate_page(p),
        None => doc.locate(),
    }
    .map_err(read_error)?;
    let hit = found.iter().find(|l| l.kind == kind && l.figure.eq_ignore_ascii_case(number));
    match hit {
        Some(l) => Ok(Region { page: l.page, bbox: if trim { l.bbox } else { l.untrimmed } }),
        None => Err(not_found(kind, number, page, &found)),
    }
}

/// `3` → figure 3; `Table 2`, `table 2`, `T2` → table 2.
pub fn parse_figure(value: &str) -> (FigureKind, &str) {
    let v = value.trim();
    let lower = v.to_ascii_lowercase();
    for prefix in ["table ", "table", "tab. ", "t"] {
        if lower.starts_with(prefix) && v[prefix.len()..].trim().starts_with(|c: char| c.is_ascii_alphanumeric()) {
            let rest = v[prefix.len()..].trim();
            if prefix != "t" || rest.starts_with(|c: char| c.is_ascii_digit()) {
                return (FigureKind::Table, rest);
            }
        }
    }
    for prefix in ["figure ", "fig. ", "fig "] {
        if lower.starts_with(prefix) {
            return (FigureKind::Figure, v[prefix.len()..].trim());
        }
    }
    (FigureKind::Figure, v)
}

/// `x0,y0,x1,y1` (commas and/or spaces).
pub fn parse_bbox(s: &str) -> Option<[f64; 4]> {
    let nums: Vec<f64> = s
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .map(|p| p.parse::<f64>().ok().filter(|v| v.is_finite()))
        .collect::<Option<_>>()?;
    <[f64; 4]>::try_from(nums).ok()
}

/// `trim=` (default true): whether a located region is cut tight to its ink.
fn trim(req: &Request) -> Result<bool, ProviderError> {
    match req.attr("trim").map(|t| t.trim().to_ascii_lowercase()) {
        None => Ok(true),
        Some(t) if matches!(t.as_str(), "true" | "yes" | "1") => Ok(true),
        Some(t) if matches!(t.as_str(), "false" | "no" | "0") => Ok(false),
        Some(t) => Err(ProviderError::new(format!("trim `{t}` is neither true nor false"))
            .at_attr("trim")
            .hint("trim=false crops the figure with the white margins it was laid out with")),
    }
}

/// The error for a figure number that is not in the PDF, listing what is.
fn not_found(kind: FigureKind, number: &str, page: Option<usize>, found: &[Located]) -> ProviderError {
    let name = |k: FigureKind| if k == FigureKind::Table { "Table" } else { "Figure" };
    let place = page.map_or("this PDF".to_string(), |p| format!("page {p} of this PDF"));
    let list: Vec<String> = found.iter().map(|l| format!("{} {} (p. {})", name(l.kind), l.figure, l.page)).collect();
    let hint = if list.is_empty() {
        "paperfig found no captioned figure or table there; force a region with page= and bbox=".to_string()
    } else {
        format!("found: {}", list.join(", "))
    };
    ProviderError::new(format!("no {} {number} in {place}", name(kind))).at_attr("figure").hint(hint)
}

fn read_error(e: ExtractError) -> ProviderError {
    let hint = match e {
        ExtractError::Encrypted => {
            "remove the password (for example `qpdf --decrypt in.pdf out.pdf`) and use that copy"
        }
        ExtractError::NoSuchPage { .. } => "pages are numbered from 1",
        ExtractError::NoPages => "check that this is the right file",
        _ => "check that the file opens in a PDF viewer; download it again if not",
    };
    let attr = if matches!(e, ExtractError::NoSuchPage { .. }) { "page" } else { "pdf" };
    ProviderError::new(e.to_string()).at_attr(attr).hint(hint)
}

fn crop_error(e: CropError, req: &Request) -> ProviderError {
    match e {
        CropError::Read(e) => read_error(e),
        CropError::BadBox { .. } if req.attr("bbox").is_some() => ProviderError::new(e.to_string())
            .at_attr("bbox")
            .hint("bbox=\"x0,y0,x1,y1\" in points, origin top-left, inside the page"),
        CropError::TooLarge { .. } => ProviderError::new(e.to_string()).at_attr("dpi").hint("lower dpi="),
        _ => ProviderError::new(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figure_numbers() {
        assert_eq!(parse_figure("3"), (FigureKind::Figure, "3"));
        assert_eq!(parse_figure("Fig. 3"), (FigureKind::Figure, "3"));
        assert_eq!(parse_figure("Table 2"), (FigureKind::Table, "2"));
        assert_eq!(parse_figure("T2"), (FigureKind::Table, "2"));
        assert_eq!(parse_figure("table IV"), (FigureKind::Table, "IV"));
        assert_eq!(parse_figure("3.1"), (FigureKind::Figure, "3.1"));
    }

    #[test]
    fn boxes() {
        assert_eq!(parse_bbox("1,2,3,4"), Some([1.0, 2.0, 3.0, 4.0]));
        assert_eq!(parse_bbox(" 1.5 2, 3 4 "), Some([1.5, 2.0, 3.0, 4.0]));
        assert_eq!(parse_bbox("1,2,3"), None);
        assert_eq!(parse_bbox("1,2,3,x"), None);
        assert_eq!(parse_bbox("1,2,3,inf"), None);
    }
}
