//! The builtin diagram provider: `kind=diagram` figures drawn offline from a small text
//! language (or a Graphviz DOT subset with `syntax=dot`), in house style.
//!
//! Pipeline: body → `lang` / `dot` (a `graph::Graph` with byte spans for errors) →
//! `draw::measure` (text sizes from the embedded font) → `layout` (ranks, dummies,
//! crossing reduction with groups kept contiguous) → `place` (coordinates) → `route`
//! (edge curves, final geometry), tried by `fit` until it fits the figure with its text
//! at 7 pt or larger → `draw::svg` → `crate::render` (PDF, PNG). `check` reads the text
//! boxes back from the SVG for the tests.

pub mod arrange;
pub mod check;
pub mod dot;
mod dot_attrs;
pub mod draw;
pub mod fit;
pub mod graph;
pub mod lang;
pub mod layout;
mod lex;
pub mod place;
pub mod record;
pub mod route;
pub mod shapes;
pub mod text;
pub mod titles;

use super::Provider;
use crate::digest::Digest;
use crate::model::{Artifact, Kind, ProviderError, Request};
use crate::render;
use graph::{Direction, Graph};

/// Version of the builtin diagram provider and everything that shapes its output.
///
/// BUMP THE LEADING `builtin-diagram/N` WHENEVER THE SAME REQUEST WOULD DRAW DIFFERENTLY:
/// any change of the language's meaning, layout, routing, style constants, SVG writing, or
/// of the versions of svg2pdf, resvg/usvg or the fonts. It is part of every cache key this
/// provider produces; forgetting to bump it serves stale figures.
pub const VERSION: &str = "builtin-diagram/4 svg2pdf-0.13 resvg-0.45 liberation-2";

/// The most nodes and edges a diagram may have (far more than a page can show at 7 pt;
/// the bound keeps layout time small on any input).
pub const MAX_NODES: usize = 400;
pub const MAX_EDGES: usize = 1200;

/// Attributes this provider reads (all others are an error at plan time, see `Provider::attrs`).
const ATTRS: &[&str] = &["syntax", "direction"];

pub struct DiagramProvider;

impl DiagramProvider {
    pub fn new() -> DiagramProvider {
        DiagramProvider
    }
}

impl Default for DiagramProvider {
    fn default() -> Self {
        DiagramProvider::new()
    }
}

/// Whether a body starts like a Graphviz graph (`digraph {`, `strict graph G {`): the
/// first word that is not a comment opens it, and its line holds the `{`.
fn looks_like_dot(body: &str) -> bool {
    let first = body.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with("//"));
    first.is_some_and(|l| {
        let word = l.split(|c: char| c.is_whitespace() || c == '{').next().unwrap_or("");
        matches!(word, "digraph" | "graph" | "strict") && l.contains('{')
    })
}

/// Parses the request's body in its `syntax` and applies `direction=`.
pub fn parse(req: &Request) -> Result<Graph, ProviderError> {
    let mut g = match req.attr("syntax") {
        None if looks_like_dot(&req.body) => lang::parse(&req.body).map_err(|e| {
            e.hint("this looks like Graphviz DOT: add `syntax=dot` to the directive, or write the body in the paperfig diagram language")
        })?,
        None | Some("paperfig") => lang::parse(&req.body)?,
        Some("dot") => dot::parse(&req.body)?,
        Some(other) => {
            return Err(ProviderError::new(format!("unknown diagram syntax `{other}`"))
                .at_attr("syntax")
                .hint("use `syntax=dot` for Graphviz DOT, or leave it out for the paperfig diagram language"));
        }
    };
    if g.nodes.len() > MAX_NODES || g.edges.len() > MAX_EDGES {
        return Err(ProviderError::new(format!(
            "the diagram has {} nodes and {} edges; at most {MAX_NODES} and {MAX_EDGES} are drawn",
            g.nodes.len(),
            g.edges.len()
        ))
        .at_body(0..req.body.len())
        .hint("no figure shows that many legibly at 7 pt; split it into several figures"));
    }
    g.check_flat()?;
    if let Some(d) = req.attr("direction") {
        g.direction = match d {
            "right" => Direction::Right,
            "down" => Direction::Down,
            _ => {
                return Err(ProviderError::new(format!("unknown direction `{d}`"))
                    .at_attr("direction")
                    .hint("use `right` or `down`"));
            }
        };
    }
    Ok(g)
}

pub use arrange::{geometry, geometry_with};

/// Draws the diagram of a request as SVG (no PDF/PNG).
pub fn svg(req: &Request) -> Result<String, ProviderError> {
    let (w, h) = (req.output.width_in, req.output.height_in);
    if !(w.is_finite() && h.is_finite() && w >= 1.0 && h >= 0.75 && w <= 40.0 && h <= 40.0) {
        return Err(ProviderError::new(format!(
            "figure size {w} × {h} in is out of range (1–40 in wide, 0.75–40 in high)"
        )));
    }
    let g = parse(req)?;
    let fitted = fit::fit(&g, w, h)?;
    Ok(draw::svg(&fitted.graph, &fitted.geometry, fitted.frame))
}

impl Provider for DiagramProvider {
    fn id(&self) -> &'static str {
        "builtin"
    }
    fn cheap_to_remake(&self) -> bool {
        true
    }
    fn version(&self) -> &'static str {
        VERSION
    }
    fn attrs(&self, _kind: Kind) -> &'static [&'static str] {
        ATTRS
    }
    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Diagram]
    }
    fn file_attrs(&self) -> &'static [&'static str] {
        &[]
    }
    fn generate(&self, req: &Request, _key: &Digest) -> Result<Vec<Artifact>, ProviderError> {
        let svg = svg(req)?;
        render::render(&svg, &req.output.formats, req.output.png_dpi)
    }
    fn explain(&self, req: &Request) -> Vec<String> {
        svg(req).map(|s| render::textcheck::warnings(&s)).unwrap_or_default()
    }
}

#[cfg(test)]
mod geom_tests;
#[cfg(test)]
mod loop_tests;
#[cfg(test)]
mod record_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod text_tests;
