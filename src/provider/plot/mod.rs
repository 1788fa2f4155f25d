//! The builtin plot provider: `kind=plot` figures drawn from a data table, in house style.
//!
//! Pipeline: `data` (table from the data file or inline body) → `spec` (checked chart
//! specification from attributes, intent text and data shape) → one drawing routine per
//! chart family (`bar`, `line`, `scatter`, `hist`, sharing `axes`, `legend`, `style`,
//! drawn on a plotters `canvas`) → SVG → `crate::render` (PDF, PNG).

mod agg;
mod axes;
mod bar;
mod canvas;
mod cells;
mod charts;
mod clip;
pub mod data;
mod dist;
mod dist_data;
mod ecdf;
mod facet;
mod fit_text;
mod heatmap;
mod hist;
mod legend;
mod line;
mod marks;
mod refs;
mod resolve;
mod scatter;
pub mod spec;
mod spec_checks;
mod spec_series;
mod style;
mod ticks;
mod time;

use super::Provider;
use crate::digest::Digest;
use crate::model::{Artifact, Kind, ProviderError, Request};
use crate::render;
use spec::ChartSpec;

/// Version of the builtin plot provider and everything that shapes its output.
///
/// BUMP THE LEADING `builtin-plot/N` WHENEVER THE SAME REQUEST WOULD DRAW DIFFERENTLY:
/// any change of style constants, layout, tick choice, inference rules, attribute meaning,
/// SVG writing, or of the versions of plotters, svg2pdf, resvg/usvg or the fonts. It is
/// part of every cache key this provider produces; forgetting to bump it serves stale figures.
pub const VERSION: &str = "builtin-plot/6 plotters-0.3.7 svg2pdf-0.13 resvg-0.45 liberation-2";

pub struct PlotProvider;

impl PlotProvider {
    pub fn new() -> PlotProvider {
        PlotProvider
    }
}

impl Default for PlotProvider {
    fn default() -> Self {
        PlotProvider::new()
    }
}

/// Draws the chart of a request as SVG (no PDF/PNG).
pub fn svg(req: &Request) -> Result<String, ProviderError> {
    chart(req, false).map(|(svg, _)| svg)
}

/// The chart's SVG and what it decided from the data (its notes), from one reading of the
/// data. A facet figure's notes are those of its whole table, resolved only when `notes`.
fn chart(req: &Request, notes: bool) -> Result<(String, Vec<String>), ProviderError> {
    let (intent, table) = data::load(req)?;
    let (w, h) = (req.output.width_in, req.output.height_in);
    if !(w.is_finite() && h.is_finite() && w >= 1.0 && h >= 0.75 && w <= 40.0 && h <= 40.0) {
        return Err(ProviderError::new(format!(
            "figure size {w} × {h} in is out of range (1–40 in wide, 0.75–40 in high)"
        )));
    }
    let fig = (w * 72.0, h * 72.0);
    if req.attrs.contains_key("facet") {
        let svg = facet::svg(&req.attrs, &intent, &table, fig)?;
        let notes = if notes { ChartSpec::new(&req.attrs, &intent, &table).map(|s| s.notes).ok() } else { None };
        return Ok((svg, notes.unwrap_or_default()));
    }
    let spec = ChartSpec::new(&req.attrs, &intent, &table)?;
    Ok((charts::draw(&spec, fig)?, spec.notes))
}

impl Provider for PlotProvider {
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
        &[Kind::Plot]
    }
    fn attrs(&self, _kind: Kind) -> &'static [&'static str] {
        spec::ATTRS
    }
    fn file_attrs(&self) -> &'static [&'static str] {
        &["data"]
    }
    fn uses_caption(&self) -> bool {
        false
    }
    fn generate(&self, req: &Request, _key: &Digest) -> Result<Vec<Artifact>, ProviderError> {
        let svg = svg(req)?;
        render::render(&svg, &req.output.formats, req.output.png_dpi)
    }
    fn explain(&self, req: &Request) -> Vec<String> {
        let Ok((svg, mut notes)) = chart(req, true) else { return vec![] };
        notes.extend(render::textcheck::warnings(&svg));
        notes
    }
}

/// Loads the embedded fonts into plotters and the renderer (done lazily anyway; call it to
/// keep the one-time cost out of timings).
pub fn init() {
    style::init();
}

#[cfg(test)]
mod chart_tests;
#[cfg(test)]
mod tests;
