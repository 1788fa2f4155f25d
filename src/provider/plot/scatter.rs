//! Scatter plots: one colour and marker per group, optional least-squares fit with R²,
//! optional point labels.

use plotters::style::text_anchor::{HPos, VPos};

use super::axes::{self, AxisData, AxisReq, Frame, RangeMode, Rect};
use super::canvas::{Anchor, Canvas};
use super::clip::clipped_polyline;
use super::legend::{self, Legend, Swatch};
use super::spec::{ChartSpec, Series};
use super::style::*;
use crate::model::ProviderError;

const SCATTER_R: f64 = 2.1;

/// Above this many points a scatter is drawn by density: points that fall in one cell of a
/// grid as fine as a marker's radius become one marker, as dark as that many overlapping
/// see-through markers would be. The picture is the same; the file and the work stay
/// bounded by the plot's area, not the data's size (a million points draw in well under a
/// second instead of failing).
const DENSE_POINTS: usize = 5_000;

/// Least-squares line `y = a + b·x` over the finite points (in log space on log axes),
/// with its R²; `None` for fewer than two distinct x.
pub fn fit(s: &Series, logx: bool, logy: bool) -> Option<(f64, f64, f64)> {
    let tx = |v: f64| if logx { v.log10() } else { v };
    let ty = |v: f64| if logy { v.log10() } else { v };
    let pts: Vec<(f64, f64)> =
        s.x.iter().zip(&s.y).filter(|(x, y)| x.is_finite() && y.is_finite()).map(|(x, y)| (tx(*x), ty(*y))).collect();
    let n = pts.len() as f64;
    if pts.len() < 2 {
        return None;
    }
    let (mx, my) = (pts.iter().map(|p| p.0).sum::<f64>() / n, pts.iter().map(|p| p.1).sum::<f64>() / n);
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let syy: f64 = pts.iter().map(|p| (p.1 - my).powi(2)).sum();
    if sxx <= 0.0 {
        return None;
    }
    let b = sxy / sxx;
    let a = my - b * mx;
    let r2 = if syy > 0.0 { (sxy * sxy) / (sxx * syy) } else { 1.0 };
    Some((a, b, r2))
}

fn points(s: &Series, f: &Frame) -> Vec<(f64, f64, usize)> {
    (0..s.x.len())
        .filter(|&i| s.x[i].is_finite() && s.y[i].is_finite())
        .map(|i| (f.x.pos(s.x[i]), f.y.pos(s.y[i]), i))
        .filter(|(x, y, _)| {
            *x >= f.plot.x0 - 0.5 && *x <= f.plot.x1 + 0.5 && *y >= f.plot.y0 - 0.5 && *y <= f.plot.y1 + 0.5
        })
        .collect()
}

/// One marker per occupied cell of a `cell`-pt grid: at the mean position of the points in
/// it, with the opacity of `n` markers of `opacity` drawn on top of each other.
fn density(pts: &[(f64, f64, usize)], cell: f64, opacity: f64) -> Vec<(f64, f64, f64)> {
    let mut cells: std::collections::HashMap<(i64, i64), (f64, f64, u32)> = std::collections::HashMap::new();
    for &(x, y, _) in pts {
        let e = cells.entry(((x / cell).floor() as i64, (y / cell).floor() as i64)).or_insert((0.0, 0.0, 0));
        (e.0, e.1, e.2) = (e.0 + x, e.1 + y, e.2 + 1);
    }
    let mut out: Vec<(f64, f64, f64)> = cells
        .into_values()
        .map(|(sx, sy, n)| (sx / f64::from(n), sy / f64::from(n), 1.0 - (1.0 - opacity).powi(n.min(1000) as i32)))
        .collect();
    // a fixed order, so the same data always writes the same file
    out.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.total_cmp(&b.0)));
    out
}

/// The markers of a series: one per point, or by density (see [`DENSE_POINTS`]).
fn marks(s: &Series, f: &Frame, dense: bool, radius: f64, opacity: f64) -> Vec<(f64, f64, f64)> {
    let pts = points(s, f);
    if dense { density(&pts, radius, opacity) } else { pts.into_iter().map(|(x, y, _)| (x, y, opacity)).collect() }
}

/// Screen points of each series' fit line, across that series' own x range, in steps
/// fine enough to bend where an axis is logarithmic.
fn fit_lines(spec: &ChartSpec, fits: &[Option<(f64, f64, f64)>], f: &Frame) -> Vec<(usize, Vec<(f64, f64)>)> {
    let mut out = Vec::new();
    for (k, s) in spec.series.iter().enumerate() {
        let Some((a, b, _)) = fits[k] else { continue };
        let (lo, hi) =
            s.x.iter()
                .filter(|v| v.is_finite())
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(*v), h.max(*v)));
        let pts: Vec<(f64, f64)> = (0..=48)
            .map(|i| {
                let t = i as f64 / 48.0;
                let x = if spec.logx {
                    10f64.powf(lo.log10() + (hi.log10() - lo.log10()) * t)
                } else {
                    lo * (1.0 - t) + hi * t
                };
                let lx = if spec.logx { x.log10() } else { x };
                let y = a + b * lx;
                let y = if spec.logy { 10f64.powf(y) } else { y };
                (f.x.pos(x), f.y.pos(y))
            })
            .filter(|p| p.0.is_finite() && p.1.is_finite())
            .collect();
        out.push((k, pts));
    }
    out
}

pub fn draw(spec: &ChartSpec, fig: (f64, f64)) -> Result<String, ProviderError> {
    let ext = |sel: fn(&Series) -> &Vec<f64>| {
        spec.series
            .iter()
            .flat_map(|s| sel(s).iter())
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(*v), b.max(*v)))
    };
    let (xlo, xhi) = ext(|s| &s.x);
    let (ylo, yhi) = ext(|s| &s.y);
    if !xlo.is_finite() || !ylo.is_finite() {
        return Err(ProviderError::new("the x and y columns have no complete (x, y) pairs to plot"));
    }
    let ((xlo, xhi), (ylo, yhi)) = (spec.refs.extend_x(xlo, xhi), spec.refs.extend_y(ylo, yhi));
    let label_w = if spec.labels {
        spec.series
            .iter()
            .flat_map(|s| s.labels.iter().flatten())
            .map(|l| text_w(l, VALUE_PT, false))
            .fold(0.0, f64::max)
    } else {
        0.0
    };
    let pad = (xhi - xlo) * 0.04;
    let xdata = if spec.time_x {
        AxisData::Time { lo: xlo - pad, hi: xhi + pad, lim: spec.xlim }
    } else {
        AxisData::Num {
            lo: xlo,
            hi: xhi,
            log: spec.logx,
            lim: spec.xlim,
            mode: RangeMode::Padded,
            headroom: (0.0, if label_w > 0.0 { label_w + 4.0 } else { 0.0 }),
            int: all_int(spec.series.iter().flat_map(|s| s.x.iter())),
        }
    };
    let xr = AxisReq { data: xdata, label: spec.xlabel.clone(), grid: true };
    let yr = AxisReq::values(spec, ylo, yhi, RangeMode::Padded);
    // dense clouds: smaller, see-through markers so overlaps show as density
    let total = spec.series.iter().map(|s| s.x.len()).sum::<usize>();
    let (radius, opacity) = match total {
        0..=60 => (SCATTER_R, 1.0),
        61..=500 => (SCATTER_R * 0.8, 0.7),
        _ => (SCATTER_R * 0.5, 0.45),
    };
    let dense = total > DENSE_POINTS;
    let fits: Vec<Option<(f64, f64, f64)>> =
        spec.series.iter().map(|s| if spec.fit { fit(s, spec.logx, spec.logy) } else { None }).collect();
    let single = spec.series.len() == 1;
    // one entry per group (marker, plus the fit line through it when fitted); a single
    // series only lists its fit
    let mut items: Vec<(String, Swatch)> = Vec::new();
    for (k, s) in spec.series.iter().enumerate() {
        match (single, fits[k]) {
            (true, Some((_, _, r2))) => items.push((
                format!("linear fit, R² = {r2:.2}"),
                Swatch::Line { color: FIT, marker: None, band: false, dash: &[] },
            )),
            (true, None) => {}
            (false, Some((_, _, r2))) => items.push((
                format!("{}, R² = {r2:.2}", s.name),
                Swatch::Line { color: spec.stroke(k), marker: Some(marker(k)), band: false, dash: &[] },
            )),
            (false, None) => items.push((s.name.clone(), Swatch::Marker { marker: marker(k), color: spec.stroke(k) })),
        }
    }
    let legend = Legend { items };
    let obstacles = |f: &Frame| {
        let pts = spec.series.iter().flat_map(|s| marks(s, f, dense, radius, opacity)).map(|(x, y, _)| (x, y));
        let lines = fit_lines(spec, &fits, f).into_iter().flat_map(|(_, l)| l);
        pts.chain(lines).map(|(x, y)| Rect { x0: x - 3.0, y0: y - 3.0, x1: x + 3.0, y1: y + 3.0 }).collect()
    };
    let pos = if single && spec.fit && spec.legend == legend::LegendPos::Auto {
        legend::LegendPos::Inside
    } else {
        spec.legend
    };
    let frame = axes::frame_with_legend(fig, &spec.title, &xr, &yr, &legend, pos, obstacles)?;
    let plot = frame.plot;

    let mut c = Canvas::new(fig.0 / 72.0, fig.1 / 72.0);
    frame.draw_grid(&mut c);
    super::marks::under(&spec.refs, &mut c, &frame);
    for (k, s) in spec.series.iter().enumerate() {
        for (x, y, alpha) in marks(s, &frame, dense, radius, opacity) {
            c.marker(marker(k), x, y, radius, spec.stroke(k), alpha);
        }
    }
    for (k, pts) in fit_lines(spec, &fits, &frame) {
        clipped_polyline(&mut c, &pts, plot, if single { FIT } else { spec.stroke(k) }, LINE_W * 0.8);
    }
    if spec.labels {
        for s in &spec.series {
            let Some(labels) = &s.labels else { continue };
            for (x, y, i) in points(s, &frame) {
                c.text(
                    x + SCATTER_R + 1.5,
                    y,
                    &labels[i],
                    VALUE_PT,
                    false,
                    Anchor::new(HPos::Left, VPos::Center),
                    false,
                );
            }
        }
    }
    super::marks::over(&spec.refs, &mut c, &frame);
    frame.draw_axes(&mut c);
    c.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn least_squares() {
        let s = Series { name: "s".into(), x: vec![1.0, 2.0, 3.0], y: vec![2.0, 4.0, 6.0], err: None, labels: None };
        let (a, b, r2) = fit(&s, false, false).unwrap();
        assert!((a - 0.0).abs() < 1e-12 && (b - 2.0).abs() < 1e-12 && (r2 - 1.0).abs() < 1e-12);
        let s = Series { name: "s".into(), x: vec![1.0, 1.0], y: vec![2.0, 4.0], err: None, labels: None };
        assert!(fit(&s, false, false).is_none());
    }

    #[test]
    fn density_keeps_one_marker_per_cell_as_dark_as_its_points() {
        // three points in one 1-pt cell, one alone in another
        let pts = [(0.2, 0.2, 0), (0.4, 0.6, 1), (0.9, 0.1, 2), (5.5, 5.5, 3)];
        let m = density(&pts, 1.0, 0.5);
        assert_eq!(m.len(), 2);
        let (x, y, a) = m[0];
        assert!((x - 0.5).abs() < 1e-12 && (y - 0.3).abs() < 1e-12, "the mean position: {x}, {y}");
        assert!((a - 0.875).abs() < 1e-12, "three markers of 0.5 over each other: {a}");
        assert_eq!(m[1], (5.5, 5.5, 0.5));
    }
}
