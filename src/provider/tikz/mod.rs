//! The builtin `kind=tikz` provider: a TikZ or pgfplots picture compiled by a TeX engine as
//! a standalone document, cropped to its bounding box, as a vector PDF (fonts embedded), an
//! SVG and a PNG.
//!
//! The request carries
//! - the body: a `tikzpicture` (or `axis`, or anything a `standalone` page holds), or a
//!   whole document (`\documentclass…`), compiled as written;
//! - `files["preamble"]`: the `preamble=` file (libraries, `\pgfplotsset`, fonts), pasted
//!   after `\usepackage{tikz}`; without it the picture gets pgfplots, preloaded in a
//!   format ([`document::PRELOADED`]);
//! - `data=` and `inputs=`: files the picture reads (`\addplot table {data/x.csv}`,
//!   `\input{…}`), by their paths relative to the directive's folder, laid out at the same
//!   paths beside the document (`input:<path>` files, [`super::inputs`]);
//! - `extra["tex"]`: the digest of the TeX files the engine reads, so a changed TeX
//!   installation makes the figures again;
//! - `dpi=`: PNG resolution (default `[output] png_dpi`).
//!
//! The engine comes in through [`TexEngine`] (the embedded one is
//! `compile::figures::EmbeddedFigures`, given by the drivers), so this backend does not
//! depend on the compile stage. Every run is bounded in time: a picture that loops forever
//! fails alone. [`Provider::make_together`] compiles the runner's missing pictures that
//! share a preamble in one document (one TeX run, the packages loaded once); when that
//! document fails, each picture is compiled alone, so errors are found in their own figure.
//! The picture keeps its natural size: `size=`/`height=` do not scale it.

pub mod document;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::inputs::{INPUT, read_listed};
use super::{PrepareContext, Provider, png_dpi};
use crate::digest::Digest;
use crate::extract::Document as Pdf;
use crate::extract::crop::{self, Region};
use crate::model::{Artifact, Kind, ProviderError, Request};
use document::{Document, Origin, is_whole_document, line_range};

/// Bumped whenever the same request would come out differently.
pub const VERSION: &str = "tikz-1";

/// Attributes this provider reads besides `preamble=` (a file attribute).
const ATTRS: &[&str] = &["data", "inputs", "dpi"];

/// How long one TeX run may take, unless `PAPERFIG_TIKZ_TIMEOUT` (seconds) says otherwise;
/// a document of several pictures gets this much per picture, at least.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// The most pictures compiled in one document.
const MAX_BATCH: usize = 64;

/// One TeX run: a document and the files beside it.
pub struct TexJob<'a> {
    pub tex: &'a str,
    /// (relative path, contents) of each file the document may read.
    pub files: Vec<(&'a str, &'a [u8])>,
    /// The format to compile with (name, source), when not LaTeX's own.
    pub format: Option<(&'a str, &'a str)>,
    pub timeout: Duration,
}

/// What a TeX run made.
#[derive(Debug, Default)]
pub struct TexOutput {
    /// The PDF, when TeX made one without errors.
    pub pdf: Option<Vec<u8>>,
    /// TeX's errors, in order.
    pub errors: Vec<TexProblem>,
    /// The run was stopped at its time limit.
    pub timed_out: bool,
}

/// One TeX error: the line of the document it was reported at (when in the document
/// itself), TeX's message and its context lines.
#[derive(Clone, Debug, PartialEq)]
pub struct TexProblem {
    pub line: Option<usize>,
    pub message: String,
    pub context: Vec<String>,
}

/// A TeX engine that compiles standalone documents.
pub trait TexEngine: Send + Sync {
    /// The digest of the TeX files the engine reads (part of every key).
    fn tex_digest(&self) -> Result<String, String>;
    /// Compiles one document; `Err` when TeX could not run at all.
    fn compile(&self, job: &TexJob<'_>) -> Result<TexOutput, String>;
}

type Made = Result<Vec<Artifact>, ProviderError>;

pub struct TikzProvider {
    engine: Arc<dyn TexEngine>,
    /// Figures made by `make_together`, by key, until `generate` takes them.
    made: Mutex<HashMap<Digest, Made>>,
    timeout: Duration,
}

impl TikzProvider {
    pub fn new(engine: Arc<dyn TexEngine>) -> TikzProvider {
        let timeout = std::env::var("PAPERFIG_TIKZ_TIMEOUT")
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
            .filter(|s| *s > 0.0)
            .map_or(TIMEOUT, Duration::from_secs_f64);
        TikzProvider { engine, made: Mutex::new(HashMap::new()), timeout }
    }

    /// Compiles `reqs` in one document (a whole-document body only alone); one result per
    /// request, in order.
    fn compile(&self, reqs: &[&Request]) -> Vec<Made> {
        let all = |e: ProviderError| -> Vec<Made> { reqs.iter().map(|_| Err(e.clone())).collect() };
        let (doc, format) = match reqs {
            [one] if is_whole_document(&one.body) => (Document::whole(&one.body), None),
            _ => {
                let preamble = reqs[0].files.get("preamble").map(|f| String::from_utf8_lossy(&f.bytes).into_owned());
                let bodies: Vec<&str> = reqs.iter().map(|r| r.body.as_str()).collect();
                let format = preamble.is_none().then_some(document::PRELOADED);
                (Document::pictures(preamble.as_deref(), &bodies), format)
            }
        };
        let mut files: BTreeMap<&str, &[u8]> = BTreeMap::new();
        for r in reqs {
            for (name, f) in &r.files {
                if let Some(rel) = name.strip_prefix(INPUT) {
                    files.insert(rel, &f.bytes[..]);
                }
            }
        }
        let timeout = self.timeout.max(self.timeout / 4 * reqs.len() as u32);
        let job = TexJob { tex: &doc.tex, files: files.into_iter().collect(), format, timeout };
        let out = match self.engine.compile(&job) {
            Ok(out) => out,
            Err(e) => return all(ProviderError::new(format!("cannot run TeX: {e}"))),
        };
        if out.timed_out {
            return all(ProviderError::new(format!("TeX ran longer than {} s and was stopped", timeout.as_secs()))
                .at_attr("kind")
                .hint("a loop that never ends in the picture? (PAPERFIG_TIKZ_TIMEOUT sets the limit in seconds)"));
        }
        match out.pdf {
            Some(pdf) => pages(&pdf, reqs),
            None => located(&out.errors, &doc, reqs),
        }
    }
}

/// Each page of `pdf` as the figure of the request at the same place.
fn pages(pdf: &[u8], reqs: &[&Request]) -> Vec<Made> {
    let fail = |msg: String| -> Vec<Made> { reqs.iter().map(|_| Err(ProviderError::new(msg.clone()))).collect() };
    let doc = match Pdf::open(pdf) {
        Ok(d) => d,
        Err(e) => return fail(format!("TeX made a PDF paperfig cannot read: {e}")),
    };
    let sizes = crop::page_sizes(doc.pdf());
    if sizes.len() != reqs.len() {
        let hint = "a picture is one page: keep \\newpage and several documents out of the body";
        if reqs.len() == 1 {
            let what = if sizes.is_empty() { "nothing".to_string() } else { format!("{} pages", sizes.len()) };
            return vec![Err(ProviderError::new(format!("the picture made {what}")).at_attr("kind").hint(hint))];
        }
        return fail(format!("{} pictures made {} pages", reqs.len(), sizes.len()));
    }
    reqs.iter()
        .zip(sizes)
        .enumerate()
        .map(|(i, (req, (w, h)))| {
            let region = Region { page: i + 1, bbox: [0.0, 0.0, w, h] };
            crop::cut(doc.pdf(), &region, &req.output.formats, png_dpi(req)?)
                .map_err(|e| ProviderError::new(format!("cannot cut the picture out of TeX's PDF: {e}")))
        })
        .collect()
}

/// TeX's errors, each at the line of the body or preamble it came from; a figure that no
/// error names fails with the first error of the document.
fn located(errors: &[TexProblem], doc: &Document, reqs: &[&Request]) -> Vec<Made> {
    let error = |p: &TexProblem| {
        let e = ProviderError::new(format!("TeX: {}", p.message));
        if p.context.is_empty() { e } else { e.hint(format!("TeX's context:\n{}", p.context.join("\n"))) }
    };
    let mut out: Vec<Option<ProviderError>> = reqs.iter().map(|_| None).collect();
    let mut general = None;
    for p in errors {
        match p.line.map_or(Origin::Ours, |l| doc.origin(l)) {
            Origin::Body { figure, line } => {
                if let (Some(slot @ None), Some(req)) = (out.get_mut(figure), reqs.get(figure)) {
                    *slot = Some(error(p).at_body(line_range(&req.body, line)));
                }
            }
            Origin::Preamble(line) => {
                general.get_or_insert_with(|| error(p).at_attr("preamble").in_file(line));
            }
            Origin::Ours => {
                general.get_or_insert_with(|| error(p));
            }
        }
    }
    let general = general.unwrap_or_else(|| match errors.first() {
        Some(p) => error(p),
        None => ProviderError::new("TeX made no PDF and reported no error"),
    });
    out.into_iter().map(|e| Err(e.unwrap_or_else(|| general.clone()))).collect()
}

/// The pictures that can share a document: same preamble, no whole documents, no two
/// files at one path with different contents. Groups of one are left to `generate`.
fn batches<'a>(jobs: &[(&'a Request, &'a Digest)]) -> Vec<Vec<(&'a Request, &'a Digest)>> {
    let mut groups: Vec<Vec<(&Request, &Digest)>> = Vec::new();
    for &(req, key) in jobs.iter().filter(|(r, _)| !is_whole_document(&r.body)) {
        let fits = |g: &Vec<(&Request, &Digest)>| {
            g.len() < MAX_BATCH
                && g[0].0.files.get("preamble").map(|f| f.digest) == req.files.get("preamble").map(|f| f.digest)
                && g.iter().all(|(other, _)| {
                    req.files
                        .iter()
                        .all(|(n, f)| !n.starts_with(INPUT) || other.files.get(n).is_none_or(|o| o.digest == f.digest))
                })
        };
        match groups.iter_mut().find(|g| fits(g)) {
            Some(g) => g.push((req, key)),
            None => groups.push(vec![(req, key)]),
        }
    }
    groups.retain(|g| g.len() > 1);
    groups
}

impl Provider for TikzProvider {
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
        &[Kind::Tikz]
    }
    fn attrs(&self, _kind: Kind) -> &'static [&'static str] {
        ATTRS
    }
    fn file_attrs(&self) -> &'static [&'static str] {
        &["preamble"]
    }
    fn prepare(&self, req: &mut Request, ctx: &PrepareContext<'_>) -> Result<(), ProviderError> {
        if req.body.trim().is_empty() {
            return Err(ProviderError::new("kind=tikz figure without a picture")
                .at_attr("kind")
                .hint("write a tikzpicture (or a whole standalone document) in the block"));
        }
        read_listed(req, ctx, "data")?;
        read_listed(req, ctx, "inputs")?;
        let tex = self.engine.tex_digest().map_err(|e| {
            ProviderError::new(format!("cannot find the TeX files: {e}"))
                .at_attr("kind")
                .hint("kind=tikz figures are compiled by the embedded TeX engine from the installed TeX Live (scripts/setup installs it)")
        })?;
        req.extra.insert("tex".into(), tex);
        Ok(())
    }
    fn make_together(&self, jobs: &[(&Request, &Digest)]) {
        // Each TeX run is one process on one core: a large group is split so that every
        // core has a document.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
        let groups: Vec<Vec<(&Request, &Digest)>> = batches(jobs)
            .into_iter()
            .flat_map(|g| {
                let parts = if g.len() >= 8 { cores } else { 1 };
                let per = g.len().div_ceil(parts);
                g.chunks(per).map(<[_]>::to_vec).collect::<Vec<_>>()
            })
            .filter(|g| g.len() > 1)
            .collect();
        let made: Vec<Vec<Made>> = std::thread::scope(|s| {
            let mut results = Vec::new();
            for some in groups.chunks(cores) {
                let handles: Vec<_> = some
                    .iter()
                    .map(|g| s.spawn(move || self.compile(&g.iter().map(|(r, _)| *r).collect::<Vec<_>>())))
                    .collect();
                results.extend(handles.into_iter().map(|h| h.join().unwrap_or_default()));
            }
            results
        });
        let mut memo = self.made.lock().unwrap_or_else(|p| p.into_inner());
        for (group, results) in groups.iter().zip(made) {
            // A failed document is compiled again picture by picture in `generate`, so
            // that each error is found in its own figure and the others are made.
            if results.len() == group.len() && results.iter().all(Result::is_ok) {
                for ((_, key), r) in group.iter().zip(results) {
                    memo.insert(**key, r);
                }
            }
        }
    }
    fn generate(&self, req: &Request, key: &Digest) -> Result<Vec<Artifact>, ProviderError> {
        if let Some(made) = self.made.lock().unwrap_or_else(|p| p.into_inner()).remove(key) {
            return made;
        }
        self.compile(&[req]).pop().unwrap_or_else(|| Err(ProviderError::new("TeX made nothing")))
    }
}

#[cfg(test)]
mod tests;
