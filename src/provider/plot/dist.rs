//! Distributions per category: box plots (median, quartiles, whiskers to the furthest
//! point within 1.5 IQR, outliers beyond) and violins (a Gaussian kernel density with
//! Silverman's bandwidth, cut at the data's range, with the quartile box inside).

use super::axes::{self, AxisData, AxisReq, RangeMode};
use super::canvas::Canvas;
use super::hist::quantile;
use super::legend::{Legend, LegendPos};
use super::spec::{ChartSpec, ChartType};
use super::style::*;
use crate::model::ProviderError;

/// Share of a category's band a box or violin may fill, and the widest it gets (points).
const SHARE: f64 = 0.6;
const MAX_W: f64 = 36.0;
/// Points of the density curve of a violin.
const GRID: usize = 96;

/// Quartiles, whisker ends and outliers of sorted values.
struct Summary {
    q1: f64,
    median: f64,
    q3: f64,
    lo: f64,
    hi: f64,
    outliers: Vec<f64>,
}

fn summary(sorted: &[f64]) -> Summary {
    let (q1, median, q3) = (quantile(sorted, 0.25), quantile(sorted, 0.5), quantile(sorted, 0.75));
    let iqr = q3 - q1;
    let (fence_lo, fence_hi) = (q1 - 1.5 * iqr, q3 + 1.5 * iqr);
    let lo = sorted.iter().copied().find(|v| *v >= fence_lo).unwrap_or(q1);
    let hi = sorted.iter().rev().copied().find(|v| *v <= fence_hi).unwrap_or(q3);
    let outliers = sorted.iter().copied().filter(|v| *v < lo || *v > hi).collect();
    Summary { q1, median, q3, lo, hi, outliers }
}

/// Gaussian kernel density of sorted values on `GRID` points across their range, with
/// Silverman's rule-of-thumb bandwidth. Values further than 4 bandwidths from a grid
/// point are skipped (their weight is below 0.04 %).
fn density(sorted: &[f64]) -> Vec<(f64, f64)> {
    let n = sorted.len() as f64;
    let (lo, hi) = (sorted[0], sorted[sorted.len() - 1]);
    if hi <= lo {
        return vec![(lo, 1.0)];
    }
    let mean = sorted.iter().sum::<f64>() / n;
    let sd = (sorted.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt();
    let iqr = quantile(sorted, 0.75) - quantile(sorted, 0.25);
    let spread = if iqr > 0.0 { sd.min(iqr / 1.34) } else { sd };
    let bw = (0.9 * spread * n.powf(-0.2)).max((hi - lo) * 1e-3);
    (0..GRID)
        .map(|k| {
            let x = lo + (hi - lo) * k as f64 / (GRID - 1) as f64;
            let (a, b) =
                (sorted.partition_point(|v| *v < x - 4.0 * bw), sorted.partition_point(|v| *v <= x + 4.0 * bw));
            let d: f64 = sorted[a..b].iter().map(|v| (-0.5 * ((x - v) / bw).powi(2)).exp()).sum();
            (x, d)
        })
        .collect()
}

pub fn draw(spec: &ChartSpec, fig: (f64, f64)) -> Result<String, ProviderError> {
    let violin = spec.chart == ChartType::Violin;
    let sorted: Vec<Vec<f64>> = spec
        .series
        .iter()
        .map(|s| {
            let mut v = s.y.clone();
            v.sort_by(f64::total_cmp);
            v
        })
        .collect();
    let all = sorted.iter().flatten();
    let (lo, hi) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(*v), b.max(*v)));
    let (lo, hi) = spec.refs.extend_y(lo, hi);
    let cats = spec.categories.clone().unwrap_or_default();
    let xr = AxisReq { data: AxisData::Cat(cats), label: spec.xlabel.clone(), grid: false };
    let yr = AxisReq::values(spec, lo, hi, RangeMode::Nice);
    let frame = axes::frame_with_legend(fig, &spec.title, &xr, &yr, &Legend::default(), LegendPos::None, |_| vec![])?;
    let mut c = Canvas::new(fig.0 / 72.0, fig.1 / 72.0);
    frame.draw_grid(&mut c);
    let y = |v: f64| frame.y.pos(frame.y.clamp(v));
    let col = spec.fill(0);
    for (i, v) in sorted.iter().enumerate().filter(|(_, v)| !v.is_empty()) {
        let (b0, bw) = frame.x.band(i);
        let mid = b0 + bw / 2.0;
        let half = (bw.abs() * SHARE).min(MAX_W) / 2.0;
        let s = summary(v);
        if violin {
            let d = density(v);
            let peak = d.iter().map(|p| p.1).fold(0.0, f64::max).max(f64::MIN_POSITIVE);
            let mut outline: Vec<(f64, f64)> = d.iter().map(|p| (mid + half * p.1 / peak, y(p.0))).collect();
            outline.extend(d.iter().rev().map(|p| (mid - half * p.1 / peak, y(p.0))));
            if d.len() == 1 {
                c.line(mid - half, y(d[0].0), mid + half, y(d[0].0), col, LINE_W);
            }
            c.polygon(&outline, col, 0.35);
            let mut closed = outline.clone();
            closed.push(outline[0]);
            c.polyline(&closed, col, ERR_W, 1.0);
            // inside: the whiskers thin, the quartile box thick, the median a white dot
            c.line(mid, y(s.lo), mid, y(s.hi), TEXT, ERR_W);
            c.rect(mid - 1.6, y(s.q3), mid + 1.6, y(s.q1), TEXT, 1.0);
            c.circle(mid, y(s.median), 1.3, WHITE, 1.0);
        } else {
            let (l, r) = (mid - half, mid + half);
            c.rect(l, y(s.q3), r, y(s.q1), col, 0.35);
            c.polyline(&[(l, y(s.q1)), (r, y(s.q1)), (r, y(s.q3)), (l, y(s.q3)), (l, y(s.q1))], col, ERR_W, 1.0);
            c.line(l, y(s.median), r, y(s.median), TEXT, LINE_W);
            let cap = half / 2.0;
            for (from, to) in [(s.q1, s.lo), (s.q3, s.hi)] {
                c.line(mid, y(from), mid, y(to), TEXT, ERR_W);
                c.line(mid - cap, y(to), mid + cap, y(to), TEXT, ERR_W);
            }
            for o in &s.outliers {
                c.circle(mid, y(*o), MARKER_R * 0.8, col, 0.6);
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
    fn box_summary_follows_tukey() {
        // quartiles 2.5 / 5 / 7.5 (interpolated), fences −1.25 … 11.25: 40 is an outlier
        let v: Vec<f64> = vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 40.0];
        let s = summary(&v);
        assert_eq!((s.q1, s.median, s.q3), (2.5, 5.0, 7.5));
        assert_eq!((s.lo, s.hi, s.outliers), (0.0, 9.0, vec![40.0]));
    }

    #[test]
    fn density_peaks_where_the_values_are() {
        let mut v: Vec<f64> = (0..200).map(|i| if i < 150 { 1.0 + (i % 10) as f64 * 0.01 } else { 5.0 }).collect();
        v.sort_by(f64::total_cmp);
        let d = density(&v);
        assert_eq!(d.len(), GRID);
        let peak = d.iter().max_by(|a, b| a.1.total_cmp(&b.1)).unwrap();
        assert!(peak.0 < 1.2, "the mode is near 1: {peak:?}");
        let middle = d.iter().find(|p| p.0 > 3.0).unwrap();
        assert!(middle.1 < peak.1 * 0.01, "no mass between the clusters: {middle:?}");
        assert_eq!(density(&[2.0, 2.0]), vec![(2.0, 1.0)]);
    }
}
