//! Line charts: one line per series over numeric or category x, markers, error bands.

use super::axes::{self, AxisData, AxisReq, Frame, RangeMode, Rect};
use super::canvas::Canvas;
use super::clip::{clip_polygon, dashed_polyline};
use super::legend::{Legend, Swatch};
use super::spec::{ChartSpec, ChartType, Series, Stack};
use super::style::*;
use crate::model::ProviderError;

/// Markers are on by default up to this many points per series.
const MARKER_LIMIT: usize = 12;
/// Markers a longer line of several carries, to tell it apart (and in grey).
const MARKERS_SPARSE: usize = 8;

/// Columns per point of plot width in which a long line keeps only its first, lowest,
/// highest and last point (finer than any output shows: a PNG pixel at 192 dpi is 0.375 pt).
const COLUMNS_PER_PT: f64 = 4.0;

/// Screen points of a series, split into runs at missing values.
/// A point of a line: screen x, screen y, data y, error below and above.
type Pt = (f64, f64, f64, Option<(f64, f64)>);

/// A run with more points than its columns can show, drawn as what it looks like: per
/// column of [`COLUMNS_PER_PT`], its first, lowest, highest and last point, in data order
/// (so that a million rows draw as a few thousand, identical to the eye). Runs whose x
/// goes back are left as they are.
fn thin(run: Vec<Pt>) -> Vec<Pt> {
    let span = run.last().map_or(0.0, |l| l.0) - run.first().map_or(0.0, |f| f.0);
    if (run.len() as f64) < 2.0 * (span * COLUMNS_PER_PT + 1.0) || run.windows(2).any(|w| w[1].0 < w[0].0) {
        return run;
    }
    let col = |p: &Pt| (p.0 * COLUMNS_PER_PT).floor();
    let mut out = Vec::new();
    let mut i = 0;
    while i < run.len() {
        let (mut j, mut lo, mut hi) = (i, i, i);
        while j < run.len() && col(&run[j]) == col(&run[i]) {
            if run[j].1 < run[lo].1 {
                lo = j;
            }
            if run[j].1 > run[hi].1 {
                hi = j;
            }
            j += 1;
        }
        let mut keep = [i, lo, hi, j - 1];
        keep.sort_unstable();
        for (n, &k) in keep.iter().enumerate() {
            if n == 0 || k != keep[n - 1] {
                out.push(run[k]);
            }
        }
        i = j;
    }
    out
}

fn runs(s: &Series, f: &Frame, cat: bool) -> Vec<Vec<Pt>> {
    let mut out = vec![Vec::new()];
    for i in 0..s.x.len() {
        let (x, y) = (s.x[i], s.y[i]);
        if !y.is_finite() {
            if !out.last().is_some_and(Vec::is_empty) {
                out.push(Vec::new());
            }
            continue;
        }
        let px = if cat { f.x.pos(x + 0.5) } else { f.x.pos(x) };
        let e = s.err.as_ref().map(|e| e[i]).filter(|e| e.0.is_finite() && e.1.is_finite());
        out.last_mut().expect("non-empty").push((px, f.y.pos(y), y, e));
    }
    out.retain(|r| !r.is_empty());
    out.into_iter().map(thin).collect()
}

/// Line points sampled every few points, for choosing the legend corner.
fn samples(spec: &ChartSpec, f: &Frame, cat: bool) -> Vec<Rect> {
    let mut out = Vec::new();
    for s in &spec.series {
        for run in runs(s, f, cat) {
            for w in run.windows(2) {
                let (a, b) = (w[0], w[1]);
                let n = (((b.0 - a.0).hypot(b.1 - a.1)) / 3.0).ceil().max(1.0) as usize;
                for k in 0..=n {
                    let t = k as f64 / n as f64;
                    let (x, y) = (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
                    out.push(Rect { x0: x - 2.0, y0: y - 2.0, x1: x + 2.0, y1: y + 2.0 });
                }
            }
            if let [p] = run.as_slice() {
                out.push(Rect { x0: p.0 - 2.0, y0: p.1 - 2.0, x1: p.0 + 2.0, y1: p.1 + 2.0 });
            }
        }
    }
    out
}

/// Stacked areas: every series' values as running totals over the series before it (the
/// tops of the layers), and the layer below each (its base).
fn stacked(spec: &ChartSpec) -> Result<(Vec<Series>, Vec<Vec<f64>>), ProviderError> {
    if !spec.series.windows(2).all(|w| w[0].x == w[1].x) {
        return Err(ProviderError::new("stacked areas need every series at the same x values")
            .at_attr("stack")
            .hint("give every series a row at every x (0 where it has none), or set stack=false"));
    }
    let mut tops = Vec::new();
    let mut bases = Vec::new();
    let mut below: Vec<f64> = spec.series.first().map_or(vec![], |s| vec![0.0; s.y.len()]);
    for s in &spec.series {
        let top: Vec<f64> = s.y.iter().zip(&below).map(|(y, b)| b + if y.is_finite() { *y } else { 0.0 }).collect();
        bases.push(below);
        below = top.clone();
        tops.push(Series { y: top, ..s.clone() });
    }
    Ok((tops, bases))
}

pub fn draw(spec: &ChartSpec, fig: (f64, f64)) -> Result<String, ProviderError> {
    let area = spec.chart == ChartType::Area;
    if area && spec.stack != Stack::None {
        let (tops, bases) = stacked(spec)?;
        let drawn = ChartSpec { series: tops, ..spec.clone() };
        return draw_lines(&drawn, fig, Some(&bases));
    }
    draw_lines(spec, fig, None)
}

/// Lines (and areas: filled down to `bases`, or to zero when there are none).
fn draw_lines(spec: &ChartSpec, fig: (f64, f64), bases: Option<&[Vec<f64>]>) -> Result<String, ProviderError> {
    let area = spec.chart == ChartType::Area;
    let cat = spec.categories.is_some();
    let markers = spec.markers.unwrap_or_else(|| !area && spec.series.iter().all(|s| s.x.len() <= MARKER_LIMIT));
    // Markers on every point up to MARKER_LIMIT points; past it, when several lines (or
    // greys) must be told apart, on about MARKERS_SPARSE points of each, else none.
    let longest = spec.series.iter().map(|s| s.x.len()).max().unwrap_or(0);
    let every = if markers {
        1
    } else if spec.markers.is_none() && !area && (spec.bw || spec.series.len() > 1) {
        longest.div_ceil(MARKERS_SPARSE).max(1)
    } else {
        0
    };
    let finite = |v: &&f64| v.is_finite();
    let mut ylo = f64::INFINITY;
    let mut yhi = f64::NEG_INFINITY;
    for s in &spec.series {
        for (i, y) in s.y.iter().enumerate().filter(|(_, y)| y.is_finite()) {
            let (below, above) = s.err.as_ref().map_or((0.0, 0.0), |e| e[i]);
            let (below, above) =
                (if below.is_finite() { below } else { 0.0 }, if above.is_finite() { above } else { 0.0 });
            let lo = if spec.logy && y - below <= 0.0 { *y } else { y - below };
            ylo = ylo.min(lo);
            yhi = yhi.max(y + above);
        }
    }
    if !ylo.is_finite() {
        return Err(ProviderError::new("the y columns have no numbers to plot"));
    }
    if area && !spec.logy {
        ylo = ylo.min(0.0);
    }
    let (ylo, yhi) = spec.refs.extend_y(ylo, yhi);
    let xdata = match &spec.categories {
        Some(c) => AxisData::Cat(c.clone()),
        None => {
            let xs: Vec<f64> = spec.series.iter().flat_map(|s| s.x.iter()).filter(finite).copied().collect();
            let (lo, hi) = xs.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(*x), b.max(*x)));
            let (lo, hi) = spec.refs.extend_x(lo, hi);
            if spec.time_x {
                AxisData::Time { lo, hi, lim: spec.xlim }
            } else {
                AxisData::Num {
                    lo,
                    hi,
                    log: spec.logx,
                    lim: spec.xlim,
                    mode: RangeMode::Snug,
                    headroom: (0.0, 0.0),
                    int: all_int(xs.iter()),
                }
            }
        }
    };
    let xr = AxisReq { data: xdata, label: spec.xlabel.clone(), grid: false };
    let yr = AxisReq::values(spec, ylo, yhi, RangeMode::Nice);
    let legend = Legend {
        items: spec
            .series
            .iter()
            .enumerate()
            .map(|(k, s)| {
                let swatch = if area {
                    Swatch::Bar { color: spec.fill(k), opacity: if bases.is_some() { 0.75 } else { 0.35 } }
                } else {
                    Swatch::Line {
                        color: spec.stroke(k),
                        marker: (every > 0).then(|| marker(k)),
                        band: s.err.is_some(),
                        dash: spec.dash(k),
                    }
                };
                (s.name.clone(), swatch)
            })
            .collect(),
    };
    let frame = axes::frame_with_legend(fig, &spec.title, &xr, &yr, &legend, spec.legend, |f| samples(spec, f, cat))?;
    let plot = frame.plot;
    let clip = Rect { x0: plot.x0 - 0.5, y0: plot.y0 - 0.5, x1: plot.x1 + 0.5, y1: plot.y1 + 0.5 };

    let mut c = Canvas::new(fig.0 / 72.0, fig.1 / 72.0);
    frame.draw_grid(&mut c);
    super::marks::under(&spec.refs, &mut c, &frame);
    if area {
        fill_areas(&mut c, spec, &frame, bases, clip);
    }
    for (k, s) in spec.series.iter().enumerate() {
        for run in runs(s, &frame, cat) {
            if s.err.is_some() && run.len() > 1 {
                // a log axis cannot show a band below zero: cut it at a tenth of the value
                let ypos = |v: f64, y: f64| frame.y.pos(if spec.logy { v.max(y / 10.0) } else { v });
                let mut band: Vec<(f64, f64)> = Vec::with_capacity(run.len() * 2);
                for p in &run {
                    band.push((p.0, ypos(p.2 + p.3.map_or(0.0, |e| e.1), p.2)));
                }
                for p in run.iter().rev() {
                    band.push((p.0, ypos(p.2 - p.3.map_or(0.0, |e| e.0), p.2)));
                }
                c.polygon(&clip_polygon(&band, clip), spec.fill(k), BAND_OPACITY);
            }
        }
    }
    for (k, s) in spec.series.iter().enumerate() {
        for run in runs(s, &frame, cat) {
            let pts: Vec<(f64, f64)> = run.iter().map(|p| (p.0, p.1)).collect();
            dashed_polyline(&mut c, &pts, clip, spec.stroke(k), LINE_W, spec.dash(k));
            // every point, or every `every`-th one, staggered between series so that the
            // markers of lines running together do not sit on each other
            // (a long line is thinned: its step counts the points drawn)
            let step = if every > 1 { pts.len().div_ceil(MARKERS_SPARSE).max(1) } else { every };
            let offset = if step > 1 { k * step / spec.series.len().max(1) } else { 0 };
            for (i, &(x, y)) in pts.iter().enumerate() {
                let due = step > 0 && i % step == offset % step;
                if (due || pts.len() == 1) && x >= clip.x0 && x <= clip.x1 && y >= clip.y0 && y <= clip.y1 {
                    c.marker(marker(k), x, y, MARKER_R, spec.stroke(k), 1.0);
                }
            }
        }
    }
    super::marks::over(&spec.refs, &mut c, &frame);
    frame.draw_axes(&mut c);
    c.finish()
}

/// The fill of each area, from its line down to its base (the layer below, or zero — the
/// axis floor on a log axis), over the points where it has a value.
fn fill_areas(c: &mut Canvas, spec: &ChartSpec, frame: &axes::Frame, bases: Option<&[Vec<f64>]>, clip: Rect) {
    let cat = spec.categories.is_some();
    let floor = if spec.logy { frame.y.limits().0 } else { frame.y.clamp(0.0) };
    for (k, s) in spec.series.iter().enumerate() {
        let pts: Vec<usize> = (0..s.x.len()).filter(|&i| s.x[i].is_finite() && s.y[i].is_finite()).collect();
        if pts.len() < 2 {
            continue;
        }
        let px = |i: usize| if cat { frame.x.pos(s.x[i] + 0.5) } else { frame.x.pos(s.x[i]) };
        let base = |i: usize| bases.map_or(floor, |b| b[k][i]);
        let mut poly: Vec<(f64, f64)> = pts.iter().map(|&i| (px(i), frame.y.pos(s.y[i]))).collect();
        poly.extend(pts.iter().rev().map(|&i| (px(i), frame.y.pos(base(i)))));
        let opacity = if bases.is_some() { 0.75 } else { 0.35 };
        c.polygon(&clip_polygon(&poly, clip), spec.fill(k), opacity);
    }
}

#[cfg(test)]
mod thin_tests {
    use super::*;

    #[test]
    fn a_long_line_keeps_each_columns_first_lowest_highest_and_last_point() {
        // A noisy line of 200k points over 200 pt: 800 columns.
        let mut seed = 7u64;
        let run: Vec<Pt> = (0..200_000)
            .map(|i| {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let y = (seed >> 33) as f64 / (1u64 << 31) as f64 * 100.0;
                (i as f64 / 1000.0, y, y, None)
            })
            .collect();
        let thinned = thin(run.clone());
        assert!(thinned.len() <= 4 * 801 && thinned.len() > 800, "{}", thinned.len());
        assert_eq!((thinned[0], thinned[thinned.len() - 1]), (run[0], run[run.len() - 1]));
        let column = |p: &Pt| (p.0 * COLUMNS_PER_PT).floor() as i64;
        for c in [0, 17, 400, 799] {
            let (all, kept): (Vec<&Pt>, Vec<&Pt>) =
                (run.iter().filter(|p| column(p) == c).collect(), thinned.iter().filter(|p| column(p) == c).collect());
            let min = |v: &[&Pt]| v.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
            let max = |v: &[&Pt]| v.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
            assert_eq!((min(&kept), max(&kept)), (min(&all), max(&all)), "column {c}");
        }
        assert!(thinned.windows(2).all(|w| w[0].0 <= w[1].0), "data order kept");
        // Runs with room for their points (one per point of width here), and runs whose x
        // goes back, are drawn as they are.
        let sparse: Vec<Pt> = run.iter().step_by(1000).copied().collect();
        assert_eq!(thin(sparse.clone()), sparse);
        let mut back = run.clone();
        back.swap(10, 20);
        assert_eq!(thin(back).len(), run.len());
    }
}
