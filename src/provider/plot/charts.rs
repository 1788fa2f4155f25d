//! One chart drawn by the routine of its family.

use super::spec::{ChartSpec, ChartType};
use super::{bar, dist, ecdf, heatmap, hist, line, scatter};
use crate::model::ProviderError;

/// Draws a checked chart on a `fig` (points) figure.
pub fn draw(spec: &ChartSpec, fig: (f64, f64)) -> Result<String, ProviderError> {
    match spec.chart {
        ChartType::Bar | ChartType::Barh => bar::draw(spec, fig),
        ChartType::Line | ChartType::Area => line::draw(spec, fig),
        ChartType::Ecdf => ecdf::draw(spec, fig),
        ChartType::Box | ChartType::Violin => dist::draw(spec, fig),
        ChartType::Heatmap => heatmap::draw(spec, fig),
        ChartType::Scatter => scatter::draw(spec, fig),
        ChartType::Hist => hist::draw(spec, fig),
    }
}
