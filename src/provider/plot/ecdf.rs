//! Empirical cumulative distributions: per series, the share of values at or below each
//! x, drawn as a step line from 0 to 1 (no bins to choose, every value shown).

use super::axes::{self, AxisData, AxisReq, RangeMode};
use super::canvas::{Canvas, Rect};
use super::clip::dashed_polyline;
use super::legend::{Legend, Swatch};
use super::spec::ChartSpec;
use super::style::*;
use crate::model::ProviderError;

/// The steps of one series' distribution: (value, share at or below it) corners.
fn steps(values: &[f64]) -> Vec<(f64, f64)> {
    let mut v: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    let n = v.len() as f64;
    let mut out = Vec::with_capacity(v.len() * 2);
    let mut i = 0;
    while i < v.len() {
        let j = v[i..].iter().position(|x| *x != v[i]).map_or(v.len(), |k| i + k);
        out.push((v[i], i as f64 / n));
        out.push((v[i], j as f64 / n));
        i = j;
    }
    out
}

pub fn draw(spec: &ChartSpec, fig: (f64, f64)) -> Result<String, ProviderError> {
    let all: Vec<Vec<(f64, f64)>> = spec.series.iter().map(|s| steps(&s.y)).collect();
    let (lo, hi) = all.iter().flatten().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| (a.min(p.0), b.max(p.0)));
    if !lo.is_finite() {
        return Err(ProviderError::new("no numbers to show"));
    }
    let (lo, hi) = spec.refs.extend_x(lo, hi);
    let xr = AxisReq {
        data: AxisData::Num {
            lo,
            hi,
            log: spec.logx,
            lim: spec.xlim,
            mode: RangeMode::Snug,
            headroom: (0.0, 0.0),
            int: all_int(spec.series.iter().flat_map(|s| s.y.iter())),
        },
        label: spec.xlabel.clone(),
        grid: false,
    };
    let yr = AxisReq {
        data: AxisData::Num {
            lo: 0.0,
            hi: 1.0,
            log: false,
            lim: (Some(spec.ylim.0.unwrap_or(0.0)), Some(spec.ylim.1.unwrap_or(1.0))),
            mode: RangeMode::Nice,
            headroom: (0.0, 0.0),
            int: false,
        },
        label: spec.ylabel.clone(),
        grid: true,
    };
    let legend = Legend {
        items: spec
            .series
            .iter()
            .enumerate()
            .map(|(k, s)| {
                (s.name.clone(), Swatch::Line { color: spec.stroke(k), marker: None, band: false, dash: spec.dash(k) })
            })
            .collect(),
    };
    let frame = axes::frame_with_legend(fig, &spec.title, &xr, &yr, &legend, spec.legend, |f| {
        all.iter()
            .flatten()
            .map(|p| (f.x.pos(p.0), f.y.pos(p.1)))
            .map(|(x, y)| Rect { x0: x - 2.0, y0: y - 2.0, x1: x + 2.0, y1: y + 2.0 })
            .collect()
    })?;
    let p = frame.plot;
    let clip = Rect { x0: p.x0 - 0.5, y0: p.y0 - 0.5, x1: p.x1 + 0.5, y1: p.y1 + 0.5 };
    let mut c = Canvas::new(fig.0 / 72.0, fig.1 / 72.0);
    frame.draw_grid(&mut c);
    super::marks::under(&spec.refs, &mut c, &frame);
    for (k, pts) in all.iter().enumerate() {
        let mut line: Vec<(f64, f64)> = pts.iter().map(|q| (frame.x.pos(q.0), frame.y.pos(q.1))).collect();
        // flat at 0 before the smallest value and at 1 after the largest
        if let (Some(first), Some(last)) = (line.first().copied(), line.last().copied()) {
            line.insert(0, (p.x0, first.1));
            line.push((p.x1, last.1));
        }
        dashed_polyline(&mut c, &line, clip, spec.stroke(k), LINE_W, spec.dash(k));
    }
    super::marks::over(&spec.refs, &mut c, &frame);
    frame.draw_axes(&mut c);
    c.finish()
}

#[cfg(test)]
mod tests {
    #[test]
    fn steps_rise_by_each_values_share() {
        assert_eq!(
            super::steps(&[3.0, 1.0, 2.0, 2.0, f64::NAN]),
            [(1.0, 0.0), (1.0, 0.25), (2.0, 0.25), (2.0, 0.75), (3.0, 0.75), (3.0, 1.0)]
        );
    }
}
