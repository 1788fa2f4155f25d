//! Small multiples (`facet=COLUMN`): one panel per value of a column, each the same chart
//! of that value's rows, on shared axes — the same value range (and categories, and
//! histogram bins) in every panel, so panels compare at a glance. Panels are laid out in a
//! grid under the title; axis labels are written once, on the outer panels; a legend once,
//! in the first panel. The figure grows taller when its panels would be too small.

use std::collections::BTreeMap;

use super::charts::draw;
use super::data::{Column, Table, Values};
use super::resolve::uniq;
use super::spec::{ChartSpec, ChartType};
use super::style;
use super::ticks::{RangeMode, linear};
use crate::model::ProviderError;

/// Most panels a figure holds.
pub const MAX_PANELS: usize = 12;
/// The smallest panel, in points (a chart needs room for its ticks and a plot).
const MIN_PANEL: (f64, f64) = (100.0, 80.0);

/// The rows of `t` whose `col` cell reads `key` (the column stays: `group=` may name it).
fn filtered(t: &Table, col: &Column, key: &str) -> Table {
    let keep: Vec<usize> = (0..t.rows()).filter(|&i| col.text(i) == key).collect();
    Table {
        columns: t
            .columns
            .iter()
            .map(|c| Column {
                name: c.name.clone(),
                values: match &c.values {
                    Values::Num(v) => Values::Num(keep.iter().map(|&i| v[i]).collect()),
                    Values::Text(v) => Values::Text(keep.iter().map(|&i| v[i].clone()).collect()),
                },
                written: c.written.as_ref().map(|w| keep.iter().map(|&i| w[i].clone()).collect()),
            })
            .collect(),
    }
}

/// The value range every panel shares: nice ends around all panels' values.
fn shared(values: impl Iterator<Item = f64>, int: bool, mode: RangeMode) -> Option<(f64, f64)> {
    let (lo, hi) =
        values.filter(|v| v.is_finite()).fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    if !lo.is_finite() {
        return None;
    }
    // coarse steps (a panel is small): its own ticks then fall on both ends
    let (lo, hi, _) = linear(lo, hi, (None, None), mode, 3, int);
    Some((lo, hi))
}

/// Re-indexes a panel's category axis to `all` (every panel lists every category, in the
/// order of the whole table).
fn align_categories(spec: &mut ChartSpec, all: &[String]) {
    let Some(own) = spec.categories.take() else { return };
    let index: BTreeMap<&str, usize> = all.iter().enumerate().map(|(i, c)| (c.as_str(), i)).collect();
    let bars = matches!(spec.chart, ChartType::Bar | ChartType::Barh);
    let dist = matches!(spec.chart, ChartType::Box | ChartType::Violin);
    if dist {
        // one series per category: reorder and fill the missing ones with no values
        let mut series: Vec<_> = all
            .iter()
            .map(|c| super::spec::Series { name: c.clone(), x: vec![], y: vec![], err: None, labels: None })
            .collect();
        for s in spec.series.drain(..) {
            if let Some(&i) = index.get(s.name.as_str()) {
                series[i] = s;
            }
        }
        spec.series = series;
    } else {
        for s in &mut spec.series {
            let to = |x: f64| own.get(x as usize).and_then(|c| index.get(c.as_str())).map_or(f64::NAN, |&i| i as f64);
            if bars {
                // a value per category, in category order
                let mut y = vec![f64::NAN; all.len()];
                let mut err = s.err.as_ref().map(|_| vec![(f64::NAN, f64::NAN); all.len()]);
                for (j, &x) in s.x.iter().enumerate() {
                    let i = to(x);
                    if i.is_finite() {
                        y[i as usize] = s.y[j];
                        if let (Some(e), Some(src)) = (err.as_mut(), s.err.as_ref()) {
                            e[i as usize] = src[j];
                        }
                    }
                }
                s.x = (0..all.len()).map(|i| i as f64).collect();
                s.y = y;
                s.err = err;
            } else {
                s.x = s.x.iter().map(|&x| to(x)).collect();
            }
        }
    }
    spec.categories = Some(all.to_vec());
}

/// The facet figure: panels drawn one by one and set in a grid of nested SVGs.
pub fn svg(
    attrs: &BTreeMap<String, String>,
    intent: &str,
    t: &Table,
    fig: (f64, f64),
) -> Result<String, ProviderError> {
    let name = attrs["facet"].trim();
    let col = t.find(name).ok_or_else(|| {
        ProviderError::new(format!("facet=: no column `{name}` in the data"))
            .at_attr("facet")
            .hint(format!("available columns: {}", t.names()))
    })?;
    let keys = uniq(col);
    if keys.len() > MAX_PANELS {
        return Err(ProviderError::new(format!("facet= would draw {} panels", keys.len())).at_attr("facet").hint(
            format!(
                "a figure holds at most {MAX_PANELS} panels; facet by a column with fewer values, or filter the data"
            ),
        ));
    }
    let mut panel_attrs = attrs.clone();
    panel_attrs.remove("facet");
    let title = panel_attrs.remove("title").unwrap_or_default();
    let mut specs: Vec<ChartSpec> = Vec::with_capacity(keys.len());
    for key in &keys {
        let spec = ChartSpec::new(&panel_attrs, intent, &filtered(t, col, key)).map_err(|e| {
            let at = e.attr.clone();
            let e = ProviderError { message: format!("panel `{key}`: {}", e.message), ..e };
            if at.is_none() { e.at_attr("facet") } else { e }
        })?;
        specs.push(spec);
    }
    let chart = specs[0].chart;
    if chart == ChartType::Heatmap {
        return Err(ProviderError::new("a heatmap cannot be faceted")
            .at_attr("facet")
            .hint("make one heatmap per value, or put the facet column on an axis"));
    }
    // shared axes
    let all_cats: Option<Vec<String>> = specs.iter().any(|s| s.categories.is_some()).then(|| {
        let mut seen = std::collections::HashSet::new();
        specs
            .iter()
            .flat_map(|s| s.categories.iter().flatten())
            .filter(|c| seen.insert(c.to_string()))
            .cloned()
            .collect()
    });
    let hist_like = matches!(chart, ChartType::Hist | ChartType::Ecdf);
    let value_of = |s: &ChartSpec| -> Vec<f64> {
        s.series
            .iter()
            .flat_map(|se| {
                se.y.iter().enumerate().flat_map(move |(i, y)| {
                    let (lo, hi) = se.err.as_ref().map_or((0.0, 0.0), |e| e[i]);
                    let (lo, hi) = (if lo.is_finite() { lo } else { 0.0 }, if hi.is_finite() { hi } else { 0.0 });
                    [y - lo, y + hi]
                })
            })
            .collect()
    };
    let xs: Vec<f64> = specs
        .iter()
        .flat_map(|s| s.series.iter().flat_map(|se| if hist_like { se.y.clone() } else { se.x.clone() }))
        .collect();
    let ys: Vec<f64> = specs.iter().flat_map(value_of).collect();
    let shared_x = if all_cats.is_some() || specs[0].logx {
        None
    } else if specs[0].time_x {
        // a time axis keeps the data's ends (its ticks fall on calendar units anyway)
        let finite = xs.iter().copied().filter(|v| v.is_finite());
        let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
        lo.is_finite().then_some((lo, hi))
    } else {
        shared(xs.iter().copied(), style::all_int(xs.iter()), RangeMode::Snug)
    };
    let shared_y = if !hist_like && !specs[0].logy && !matches!(chart, ChartType::Bar | ChartType::Barh) {
        shared(ys.iter().copied(), false, RangeMode::Nice)
    } else {
        None
    };
    let bar_hi = matches!(chart, ChartType::Bar | ChartType::Barh)
        .then(|| ys.iter().copied().filter(|v| v.is_finite()).fold(0.0, f64::max));
    let edges = (chart == ChartType::Hist)
        .then(|| {
            let mut all: Vec<f64> = xs.iter().copied().filter(|v| v.is_finite()).collect();
            all.sort_by(f64::total_cmp);
            (!all.is_empty()).then(|| super::hist::edges(&all, specs[0].bins, specs[0].logx))
        })
        .flatten();
    // histograms share their count axis too: the highest bin of any panel
    let count_hi = edges.as_ref().map(|e| {
        let bins = specs.iter().flat_map(|s| s.series.iter()).flat_map(|se| super::hist::counts(&se.y, e));
        bins.fold(1.0, f64::max)
    });
    let bar_top =
        bar_hi.filter(|h| *h > 0.0).map(|hi| shared([0.0, hi].into_iter(), false, RangeMode::Nice).map_or(hi, |r| r.1));
    let count_top = count_hi.map(|hi| shared([0.0, hi].into_iter(), true, RangeMode::Nice).map_or(hi, |r| r.1));
    for (spec, key) in specs.iter_mut().zip(&keys) {
        if let Some(all) = &all_cats {
            align_categories(spec, all);
        }
        if let Some((lo, hi)) = shared_x {
            spec.xlim = (spec.xlim.0.or(Some(lo)), spec.xlim.1.or(Some(hi)));
        }
        if let Some((lo, hi)) = shared_y {
            spec.ylim = (spec.ylim.0.or(Some(lo)), spec.ylim.1.or(Some(hi)));
        }
        if let Some(top) = bar_top.or(count_top.filter(|_| !spec.logy)) {
            spec.ylim = (spec.ylim.0, spec.ylim.1.or(Some(top)));
        }
        spec.edges = edges.clone();
        spec.title = key.clone();
    }
    // the grid: as square as the figure's shape allows; fewer columns (taller) when the
    // panels are too small for their labels
    let n = specs.len();
    let cols = ((n as f64 * fig.0 / fig.1).sqrt().round() as usize).clamp(1, n);
    let mut cols = cols.min(((fig.0 / MIN_PANEL.0).floor() as usize).max(1));
    let title_h = if title.is_empty() { 0.0 } else { style::cap_h(style::TITLE_PT) + 3.0 * style::GAP };
    let (body, fig) = loop {
        match grid(&specs, cols, fig, title_h) {
            Err(e) if cols > 1 && e.message.contains("too small") => cols -= 1,
            Err(e) => {
                return Err(ProviderError::new(format!(
                    "the panels of facet= {}",
                    e.message.trim_start_matches("the figure ")
                ))
                .at_attr("facet")
                .hint(
                    "make the figure wider (size=wide) or taller (height=), or facet by a column with fewer values",
                ));
            }
            Ok(done) => break done,
        }
    };
    let mut c = super::canvas::Canvas::new(fig.0 / 72.0, fig.1 / 72.0);
    if !title.is_empty() {
        use plotters::style::text_anchor::{HPos, VPos};
        let at = super::canvas::Anchor::new(HPos::Center, VPos::Top);
        c.text(fig.0 / 2.0, style::PAD, &title, style::TITLE_PT, true, at, false);
    }
    let frame = c.finish()?;
    let end = frame.rfind("</svg>").expect("a closing tag");
    Ok(format!("{}{body}{}", &frame[..end], &frame[end..]))
}

/// The panels in `cols` columns under a title `title_h` high: their nested SVGs and the
/// figure's size (taller than asked when the rows need it).
fn grid(
    specs: &[ChartSpec],
    cols: usize,
    fig: (f64, f64),
    title_h: f64,
) -> Result<(String, (f64, f64)), ProviderError> {
    let n = specs.len();
    let rows = n.div_ceil(cols);
    let pw = fig.0 / cols as f64;
    let ph = ((fig.1 - title_h) / rows as f64).max(MIN_PANEL.1).max(pw * 0.6);
    let fig = (fig.0, (title_h + ph * rows as f64).min(40.0 * 72.0));
    let mut body = String::new();
    for (k, spec) in specs.iter().enumerate() {
        let (r, c) = (k / cols, k % cols);
        let mut spec = spec.clone();
        // axis labels on the outer panels only; the legend in the first
        if r + 1 < rows && k + cols < n {
            spec.xlabel.clear();
        }
        if c > 0 {
            spec.ylabel.clear();
        }
        if k > 0 {
            spec.legend = super::legend::LegendPos::None;
        }
        let panel = draw(&spec, (pw, ph))?;
        body.push_str(&nest(&panel, c as f64 * pw, title_h + r as f64 * ph));
    }
    Ok((body, fig))
}

/// A panel's SVG placed at (x, y) points inside the figure, as a nested `<svg>`.
fn nest(panel: &str, x: f64, y: f64) -> String {
    let unit = super::canvas::UNITS;
    let open_end = panel.find('>').expect("an opening tag");
    let head = &panel[..open_end];
    let view = head.split("viewBox=\"").nth(1).and_then(|v| v.split('"').next()).unwrap_or("0 0 0 0");
    let size: Vec<&str> = view.split(' ').collect();
    let (w, h) = (size.get(2).copied().unwrap_or("0"), size.get(3).copied().unwrap_or("0"));
    let inner_end = panel.rfind("</svg>").unwrap_or(panel.len());
    format!(
        "<svg x=\"{}\" y=\"{}\" width=\"{w}\" height=\"{h}\" viewBox=\"{view}\">{}</svg>\n",
        (x * unit).round(),
        (y * unit).round(),
        &panel[open_end + 1..inner_end]
    )
}
