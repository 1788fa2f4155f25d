//! Histograms: shared bins for every series (Freedman–Diaconis, Sturges or `bins=`),
//! whole-number bins for small-range integer data, overlaid groups.

use super::axes::{self, AxisData, AxisReq, RangeMode, Rect};
use super::canvas::Canvas;
use super::legend::{Legend, Swatch};
use super::spec::ChartSpec;
use super::style::*;
use crate::model::ProviderError;

const MAX_AUTO_BINS: usize = 100;

/// The `q` quantile of sorted values, interpolated between neighbours.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (i, f) = (pos.floor() as usize, pos.fract());
    if i + 1 < sorted.len() { sorted[i] * (1.0 - f) + sorted[i + 1] * f } else { sorted[i] }
}

/// Bin edges for `values` (sorted, finite): `bins` equal bins, else Freedman–Diaconis
/// (Sturges when the IQR is 0); integers with a small range get one bin per integer.
/// On a log axis bins are equal in log space.
pub fn edges(sorted: &[f64], bins: Option<usize>, log: bool) -> Vec<f64> {
    let t = |v: f64| if log { v.log10() } else { v };
    let inv = |v: f64| if log { 10f64.powf(v) } else { v };
    let (lo, hi) = (t(sorted[0]), t(sorted[sorted.len() - 1]));
    let n = sorted.len() as f64;
    let integers = !log && sorted.iter().all(|v| v.fract() == 0.0) && hi - lo <= 50.0;
    if bins.is_none() && integers {
        return (0..=((hi - lo) as usize + 1)).map(|k| lo - 0.5 + k as f64).collect();
    }
    let (lo, hi) = if hi > lo { (lo, hi) } else { (lo - 0.5, hi + 0.5) };
    let k = bins.unwrap_or_else(|| {
        let ts: Vec<f64> = sorted.iter().map(|v| t(*v)).collect();
        let iqr = quantile(&ts, 0.75) - quantile(&ts, 0.25);
        let sturges = (n.log2().ceil() as usize) + 1;
        if iqr > 0.0 {
            let h = 2.0 * iqr / n.cbrt();
            (((hi / 2.0 - lo / 2.0) / (h / 2.0)).ceil() as usize).clamp(1, MAX_AUTO_BINS)
        } else {
            sturges
        }
    });
    // As a blend of the ends, which cannot overflow when they are near ±f64::MAX.
    (0..=k).map(|i| i as f64 / k as f64).map(|f| inv(lo * (1.0 - f) + hi * f)).collect()
}

/// Count of values per bin; the last bin includes its right edge.
pub fn counts(values: &[f64], edges: &[f64]) -> Vec<f64> {
    let mut c = vec![0.0; edges.len() - 1];
    for &v in values {
        let i = edges.partition_point(|e| *e <= v).saturating_sub(1).min(c.len() - 1);
        if v >= edges[0] && v <= edges[edges.len() - 1] {
            c[i] += 1.0;
        }
    }
    c
}

pub fn draw(spec: &ChartSpec, fig: (f64, f64)) -> Result<String, ProviderError> {
    let mut all: Vec<f64> = spec.series.iter().flat_map(|s| s.y.iter().copied()).filter(|v| v.is_finite()).collect();
    all.sort_by(f64::total_cmp);
    let e = spec.edges.clone().unwrap_or_else(|| edges(&all, spec.bins, spec.logx));
    let hists: Vec<Vec<f64>> = spec.series.iter().map(|s| counts(&s.y, &e)).collect();
    let max = hists.iter().flatten().fold(0f64, |m, c| m.max(*c));
    let min_pos = hists.iter().flatten().filter(|c| **c > 0.0).fold(f64::INFINITY, |m, c| m.min(*c));
    // A single bin (every value the same whole number) would fill the axes as one block:
    // show it as one bar among room for others.
    let (xlo, xhi) = match (e[0], e[e.len() - 1]) {
        (a, b) if e.len() == 2 && !spec.logx => (a - 2.0 * (b - a), b + 2.0 * (b - a)),
        ends => ends,
    };
    let (xlo, xhi) = spec.refs.extend_x(xlo, xhi);
    let xr = AxisReq {
        data: AxisData::Num {
            lo: xlo,
            hi: xhi,
            log: spec.logx,
            lim: spec.xlim,
            mode: RangeMode::Snug,
            headroom: (0.0, 0.0),
            int: all_int(all.iter()),
        },
        label: spec.xlabel.clone(),
        grid: false,
    };
    let ylo = if spec.logy { min_pos.min(1.0) } else { 0.0 };
    let yr = AxisReq {
        data: AxisData::Num {
            lo: ylo,
            hi: spec.refs.extend_y(ylo, max.max(1.0)).1,
            log: spec.logy,
            lim: spec.ylim,
            mode: RangeMode::Nice,
            headroom: (0.0, 0.0),
            int: true,
        },
        label: spec.ylabel.clone(),
        grid: true,
    };
    let overlay = spec.series.len() > 1;
    let opacity = if overlay { OVERLAP_OPACITY } else { 1.0 };
    let legend = Legend {
        items: spec
            .series
            .iter()
            .enumerate()
            .map(|(k, s)| (s.name.clone(), Swatch::Bar { color: spec.fill(k), opacity }))
            .collect(),
    };
    let rects = |f: &super::axes::Frame, counts: &[f64]| -> Vec<Rect> {
        let base = f.y.pos(f.y.limits().0);
        counts
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0.0)
            .map(|(i, c)| {
                let (x0, x1) = (f.x.pos(f.x.clamp(e[i])), f.x.pos(f.x.clamp(e[i + 1])));
                Rect { x0, x1, y0: f.y.pos(f.y.clamp(*c)), y1: base }
            })
            .filter(|r| r.x1 > r.x0)
            .collect()
    };
    let frame = axes::frame_with_legend(fig, &spec.title, &xr, &yr, &legend, spec.legend, |f| {
        hists.iter().flat_map(|h| rects(f, h)).collect()
    })?;
    let mut c = Canvas::new(fig.0 / 72.0, fig.1 / 72.0);
    frame.draw_grid(&mut c);
    super::marks::under(&spec.refs, &mut c, &frame);
    for (k, h) in hists.iter().enumerate() {
        let rs = rects(&frame, h);
        // thin white gaps separate the bins of a single histogram
        let gap = if overlay { 0.0 } else { (rs.first().map_or(0.0, |r| r.w()) * 0.06).min(0.35) };
        for r in &rs {
            c.rect(r.x0 + gap, r.y0, r.x1 - gap, r.y1, spec.fill(k), opacity);
        }
        if overlay {
            // an outline keeps each group readable where the fills overlap
            let base = frame.y.pos(frame.y.limits().0);
            let mut pts = vec![(frame.x.pos(frame.x.clamp(e[0])), base)];
            for (i, cnt) in h.iter().enumerate() {
                let y = if *cnt > 0.0 { frame.y.pos(frame.y.clamp(*cnt)) } else { base };
                pts.push((frame.x.pos(frame.x.clamp(e[i])), y));
                pts.push((frame.x.pos(frame.x.clamp(e[i + 1])), y));
            }
            pts.push((frame.x.pos(frame.x.clamp(e[e.len() - 1])), base));
            c.polyline(&pts, spec.stroke(k), 0.8, 1.0);
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
    fn integer_data_gets_unit_bins() {
        let v = [1.0, 2.0, 2.0, 3.0, 6.0];
        let e = edges(&v, None, false);
        assert_eq!(e.first(), Some(&0.5));
        assert_eq!(e.last(), Some(&6.5));
        assert_eq!(counts(&v, &e), [1.0, 2.0, 1.0, 0.0, 0.0, 1.0]);
    }

    #[test]
    fn fixed_bins_and_right_edge() {
        let v = [0.0, 0.5, 1.0];
        let e = edges(&v, Some(2), false);
        assert_eq!(e, [0.0, 0.5, 1.0]);
        assert_eq!(counts(&v, &e), [1.0, 2.0]);
    }

    #[test]
    fn freedman_diaconis() {
        let v: Vec<f64> = (0..1000).map(|i| (i as f64 * 0.618).fract()).collect();
        let mut s = v.clone();
        s.sort_by(f64::total_cmp);
        let e = edges(&s, None, false);
        // IQR 0.5, h = 1/10 → about 10 bins
        assert!((9..=11).contains(&(e.len() - 1)), "{}", e.len());
    }
}
