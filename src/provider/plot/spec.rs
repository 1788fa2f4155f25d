//! The checked chart specification: chart type, columns and options from the directive's
//! attributes, its intent text and the shape of the data table.
//!
//! Raw attribute strings are validated here, once; drawing code sees only `ChartSpec`.

use std::collections::BTreeMap;

use super::data::{Column, Table};
use super::legend::LegendPos;
pub use super::resolve::Series;
use super::resolve::{Ctx, bad, has_dups, has_phrase, words};
use crate::model::ProviderError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChartType {
    Bar,
    Barh,
    Line,
    Scatter,
    Hist,
    Area,
    Ecdf,
    Box,
    Violin,
    Heatmap,
}

/// Attributes a plot reads (besides the file `data`); all others are an error at plan time.
pub const ATTRS: &[&str] = &[
    "chart", "x", "y", "group", "err", "title", "xlabel", "ylabel", "logx", "logy", "log", "bins", "fit", "labels",
    "legend", "markers", "xlim", "ylim", "agg", "ci", "stack", "hline", "vline", "band", "note", "facet", "style",
];

const CHARTS: &str = "bar, barh, line, area, scatter, histogram (or hist), ecdf, box, violin, heatmap";

impl ChartType {
    fn parse(s: &str) -> Option<ChartType> {
        Some(match s.to_ascii_lowercase().as_str() {
            "bar" => ChartType::Bar,
            "barh" => ChartType::Barh,
            "line" => ChartType::Line,
            "scatter" => ChartType::Scatter,
            "histogram" | "hist" => ChartType::Hist,
            "area" => ChartType::Area,
            "ecdf" => ChartType::Ecdf,
            "box" | "boxplot" => ChartType::Box,
            "violin" => ChartType::Violin,
            "heatmap" | "confusion" => ChartType::Heatmap,
            _ => return None,
        })
    }
}

/// The most categories a bar chart draws (a bar each), and a chart of another kind (a tick
/// each, labelled as room allows).
pub const MAX_CATEGORIES: usize = 300;
pub const MAX_CATEGORIES_OTHER: usize = 3000;
/// The longest title or axis label, in characters.
pub const MAX_LABEL_CHARS: usize = 300;
/// Most points a scatter plot labels one by one (`labels=true`): more cannot be read.
pub const MAX_POINT_LABELS: usize = 500;

#[derive(Clone, Debug, PartialEq)]
pub struct ChartSpec {
    pub chart: ChartType,
    /// The chart type came from the data's shape alone (no `chart=`, no intent keyword), so
    /// a drawing routine may pick a variant that fits better (long category names → barh).
    pub inferred: bool,
    /// Category names of a text x axis (bars, lines over categories).
    pub categories: Option<Vec<String>>,
    pub series: Vec<Series>,
    pub title: String,
    pub xlabel: String,
    pub ylabel: String,
    pub logx: bool,
    pub logy: bool,
    pub bins: Option<usize>,
    pub fit: bool,
    pub labels: bool,
    pub legend: LegendPos,
    pub markers: Option<bool>,
    pub xlim: (Option<f64>, Option<f64>),
    pub ylim: (Option<f64>, Option<f64>),
    /// x holds dates and times (seconds since 1970), drawn on a time axis.
    pub time_x: bool,
    /// What the chart decided from the data that a reader of `gen -v` should know.
    pub notes: Vec<String>,
    /// Bars and areas stacked per x (`stack=`).
    pub stack: Stack,
    /// Reference lines, bands and text notes (`hline=`, `vline=`, `band=`, `note=`).
    pub refs: Refs,
    /// The matrix of a heatmap.
    pub cells: Option<Cells>,
    /// Histogram bin edges shared by the panels of a facet figure.
    pub edges: Option<Vec<f64>>,
    /// `style=bw`: greys, dash patterns and markers instead of colours.
    pub bw: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stack {
    None,
    Stacked,
    /// Stacked, each x scaled to 100 %.
    Percent,
}

pub use super::cells::Cells;
pub use super::refs::Refs;

fn parse_bool(attrs: &BTreeMap<String, String>, name: &str) -> Result<Option<bool>, ProviderError> {
    attrs
        .get(name)
        .map(|v| match v.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "1" => Ok(true),
            "false" | "no" | "off" | "0" => Ok(false),
            _ => Err(bad(name, v, "true, false")),
        })
        .transpose()
}

fn parse_lim(attrs: &BTreeMap<String, String>, name: &str) -> Result<(Option<f64>, Option<f64>), ProviderError> {
    let Some(v) = attrs.get(name) else { return Ok((None, None)) };
    let err = || bad(name, v, "two numbers `lo,hi`; leave one out to keep it automatic, e.g. `0,` or `,1`");
    let (a, b) = v.split_once(',').ok_or_else(err)?;
    let num = |s: &str| -> Result<Option<f64>, ProviderError> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(None);
        }
        // numbers, or ISO dates for a time axis
        s.parse::<f64>().ok().filter(|x| x.is_finite()).or_else(|| super::time::parse_wall(s)).map(Some).ok_or_else(err)
    };
    let (lo, hi) = (num(a)?, num(b)?);
    if let (Some(l), Some(h)) = (lo, hi) {
        if l >= h {
            return Err(err());
        }
    }
    Ok((lo, hi))
}

/// Chart type named by the intent text: strong keywords decide alone; the weak ones
/// ("over", "distribution") only when `weak_ok` says the data fits them.
fn chart_from_intent(intent: &str, line_ok: bool, hist_ok: bool) -> Option<ChartType> {
    let w = words(intent);
    let any = |list: &[&str]| w.iter().any(|x| list.contains(&x.as_str()));
    let bars = w.iter().enumerate().any(|(i, x)| {
        matches!(x.as_str(), "barplot" | "barchart" | "bar") || (x == "bars" && (i == 0 || w[i - 1] != "error"))
    });
    if any(&["heatmap", "heatmaps"]) || has_phrase(&w, &["confusion", "matrix"]) {
        Some(ChartType::Heatmap)
    } else if any(&["violin", "violins"]) {
        Some(ChartType::Violin)
    } else if any(&["boxplot", "boxplots"]) || has_phrase(&w, &["box", "plot"]) || has_phrase(&w, &["box", "plots"]) {
        Some(ChartType::Box)
    } else if any(&["ecdf"]) || has_phrase(&w, &["cumulative", "distribution"]) {
        Some(ChartType::Ecdf)
    } else if any(&["histogram", "histograms"]) {
        Some(ChartType::Hist)
    } else if any(&["horizontal"]) {
        Some(ChartType::Barh)
    } else if any(&["scatter", "scatterplot"]) {
        Some(ChartType::Scatter)
    } else if bars && !has_phrase(&w, &["error", "bar"])
        || has_phrase(&w, &["bar", "chart"])
        || has_phrase(&w, &["bar", "plot"])
    {
        Some(ChartType::Bar)
    } else if has_phrase(&w, &["area", "chart"]) || has_phrase(&w, &["stacked", "area"]) {
        Some(ChartType::Area)
    } else if any(&["line", "lines", "curve", "curves", "trend", "trends"]) {
        Some(ChartType::Line)
    } else if any(&["distribution", "distributions"]) && hist_ok {
        Some(ChartType::Hist)
    } else if any(&["over"]) && line_ok {
        Some(ChartType::Line)
    } else {
        None
    }
}

impl ChartSpec {
    /// Checks attributes against the table and resolves everything the charts need.
    pub fn new(attrs: &BTreeMap<String, String>, intent: &str, t: &Table) -> Result<ChartSpec, ProviderError> {
        let cx = Ctx { t, attrs };
        let x_attr = attrs.get("x").map(|n| cx.col("x", n)).transpose()?;
        let group_attr = attrs.get("group").filter(|_| !cx.group_off()).map(|n| cx.col("group", n)).transpose()?;
        let y_attr = cx.cols("y")?;
        let err_attr = cx.cols("err")?;
        let nums: Vec<&Column> = t.columns.iter().filter(|c| c.is_num()).collect();
        let texts: Vec<&Column> = t.columns.iter().filter(|c| !c.is_num()).collect();

        let iw = words(intent);
        let fit = match attrs.get("fit").map(|v| v.trim().to_ascii_lowercase()) {
            None => has_phrase(&iw, &["linear", "fit"]) || has_phrase(&iw, &["regression", "line"]),
            Some(v) if v == "linear" => true,
            Some(v) if v == "none" || v == "false" => false,
            Some(_) => return Err(bad("fit", &attrs["fit"], "linear, none")),
        };

        // 1. chart type: chart=, intent text, data shape
        let first = x_attr.unwrap_or(&t.columns[0]);
        let first_is_time = first.times().is_some();
        let shape = if x_attr.is_none() && nums.len() == 1 && texts.is_empty() {
            ChartType::Hist
        } else if first_is_time && !nums.is_empty() {
            ChartType::Line
        } else if !first.is_num() || (nums.len() < 2 && !texts.is_empty()) {
            ChartType::Bar
        } else {
            ChartType::Line
        };
        let (chart, inferred) = match attrs.get("chart") {
            Some(v) => (ChartType::parse(v.trim()).ok_or_else(|| bad("chart", v, CHARTS))?, false),
            None => {
                let hist_ok = texts.iter().all(|c| has_dups(c));
                match chart_from_intent(intent, shape == ChartType::Line, hist_ok) {
                    // a fit line only makes sense on a scatter plot
                    _ if fit && shape == ChartType::Line && attrs.contains_key("fit") => (ChartType::Scatter, false),
                    None if fit && shape == ChartType::Line => (ChartType::Scatter, false),
                    Some(c) => (c, false),
                    None => (shape, true),
                }
            }
        };

        // 2. options
        let mut logx = parse_bool(attrs, "logx")?.unwrap_or(false);
        let mut logy = parse_bool(attrs, "logy")?.unwrap_or(false);
        if let Some(v) = attrs.get("log") {
            match v.trim().to_ascii_lowercase().as_str() {
                "x" => logx = true,
                "y" => logy = true,
                "xy" | "yx" | "both" => (logx, logy) = (true, true),
                "none" | "false" => {}
                _ => return Err(bad("log", v, "x, y, xy, none")),
            }
        }
        let bins = match attrs.get("bins").map(|v| v.trim()) {
            None | Some("auto") => None,
            Some(v) => Some(
                v.parse::<usize>()
                    .ok()
                    .filter(|n| (1..=1000).contains(n))
                    .ok_or_else(|| bad("bins", v, "a whole number from 1 to 1000, or auto"))?,
            ),
        };
        // heatmap cells carry their values unless told not to
        let labels = parse_bool(attrs, "labels")?
            .unwrap_or_else(|| chart == ChartType::Heatmap || has_phrase(&iw, &["value", "labels"]));
        let legend = match attrs.get("legend").map(|v| v.trim().to_ascii_lowercase()) {
            None => LegendPos::Auto,
            Some(v) => match v.as_str() {
                "auto" => LegendPos::Auto,
                "none" | "off" | "false" => LegendPos::None,
                "top" => LegendPos::Top,
                "right" => LegendPos::Right,
                "inside" => LegendPos::Inside,
                _ => return Err(bad("legend", &attrs["legend"], "none, top, right, inside, auto")),
            },
        };
        let markers = parse_bool(attrs, "markers")?;
        let xlim = parse_lim(attrs, "xlim")?;
        let ylim = parse_lim(attrs, "ylim")?;

        // 3. columns
        let mut spec = ChartSpec {
            chart,
            inferred,
            categories: None,
            series: vec![],
            title: attrs.get("title").cloned().unwrap_or_default(),
            xlabel: String::new(),
            ylabel: String::new(),
            logx,
            logy,
            bins,
            fit,
            labels,
            legend,
            markers,
            xlim,
            ylim,
            time_x: false,
            notes: vec![],
            stack: Stack::None,
            refs: Refs::parse(attrs)?,
            cells: None,
            edges: None,
            bw: match attrs.get("style").map(|v| v.trim().to_ascii_lowercase()).as_deref() {
                None | Some("color" | "colour") => false,
                Some("bw" | "grey" | "gray" | "print") => true,
                Some(_) => return Err(bad("style", &attrs["style"], "color, bw")),
            },
        };
        let (xlabel, ylabel) = match chart {
            ChartType::Hist | ChartType::Ecdf => {
                spec.resolve_hist(&cx, x_attr.or(y_attr.as_ref().and_then(|v| v.first().copied())), group_attr, intent)?
            }
            ChartType::Box | ChartType::Violin => {
                let r = super::dist_data::resolve(&cx, x_attr, y_attr, intent)?;
                (spec.series, spec.categories) = (r.series, Some(r.categories));
                r.labels
            }
            ChartType::Heatmap => {
                let (cells, labels) = super::cells::resolve(&cx, x_attr, y_attr)?;
                spec.cells = Some(cells);
                labels
            }
            _ => spec.resolve_xy(&cx, x_attr, y_attr, group_attr, err_attr, intent)?,
        };
        spec.stack = spec.parse_stack(attrs)?;
        let ylabel = match (chart, spec.stack) {
            (ChartType::Ecdf, _) => "Proportion".to_string(),
            (_, Stack::Percent) => format!("Share of {} (%)", ylabel.to_lowercase()),
            _ => ylabel,
        };
        let attr_label = |a: &str, default: String| attrs.get(a).cloned().unwrap_or(default);
        if chart == ChartType::Barh {
            // Horizontal bars keep x = categories and y = values in the spec (bar.rs turns
            // them); the attributes name the axes as seen: xlabel=, logx=, xlim= are the
            // value axis. logy=/ylim= are accepted for it too (a category axis has neither).
            spec.xlabel = attr_label("ylabel", xlabel);
            spec.ylabel = attr_label("xlabel", ylabel);
            spec.logy = spec.logx || spec.logy;
            spec.logx = false;
            if spec.xlim != (None, None) {
                spec.ylim = spec.xlim;
            }
            spec.xlim = (None, None);
        } else {
            spec.xlabel = attr_label("xlabel", xlabel);
            spec.ylabel = attr_label("ylabel", ylabel);
        }
        spec.check_log(attrs)?;
        spec.check_sizes(attrs)?;
        let categorical_x = spec.categories.is_some() && !matches!(chart, ChartType::Hist | ChartType::Ecdf);
        let no_x =
            matches!(chart, ChartType::Bar | ChartType::Barh | ChartType::Box | ChartType::Violin | ChartType::Heatmap);
        spec.refs.check(!categorical_x && !no_x, chart != ChartType::Heatmap)?;
        Ok(spec)
    }

    /// The fill of series `k` (bars, areas, bands, histograms).
    pub fn fill(&self, k: usize) -> plotters::style::RGBColor {
        if self.bw { super::style::GREYS[k % super::style::GREYS.len()] } else { super::style::color(k) }
    }
    /// The colour of series `k`'s line and markers.
    pub fn stroke(&self, k: usize) -> plotters::style::RGBColor {
        if self.bw { super::style::INK } else { super::style::color(k) }
    }
    /// The dash pattern of series `k`'s line (solid in colour).
    pub fn dash(&self, k: usize) -> &'static [f64] {
        if self.bw { super::style::DASHES[k % super::style::DASHES.len()] } else { &[] }
    }
}

#[cfg(test)]
#[path = "spec_tests.rs"]
mod tests;
