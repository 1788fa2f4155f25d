//! Bar charts: vertical or horizontal, grouped by series, with error bars and value labels.

use plotters::style::text_anchor::{HPos, VPos};

use super::axes::{self, AxisData, AxisReq, Frame, RangeMode, Rect};
use super::canvas::{Anchor, Canvas};
use super::legend::{Legend, Swatch};
use super::spec::{ChartSpec, ChartType, Stack};
use super::style::*;
use crate::model::ProviderError;

/// Share of a category's band that its bars fill, and the widest a bar may get (points).
const GROUP_SHARE: f64 = 0.8;
const SINGLE_SHARE: f64 = 0.7;
const MAX_BAR: f64 = 24.0;

struct Bar {
    series: usize,
    value: f64,
    /// Error bar: distances below and above the value.
    err: Option<(f64, f64)>,
    /// Rectangle of the bar in points (value axis already clamped to the plot).
    rect: Rect,
    /// Centre of the bar across its thickness.
    mid: f64,
    thick: f64,
}

fn geometry(spec: &ChartSpec, f: &Frame, horizontal: bool) -> Vec<Bar> {
    let (cat_axis, val_axis) = if horizontal { (&f.y, &f.x) } else { (&f.x, &f.y) };
    let ns = spec.series.len();
    let (vlo, _) = val_axis.limits();
    let base = if spec.logy { vlo } else { val_axis.clamp(0.0) };
    let mut bars = Vec::new();
    if spec.stack != Stack::None {
        // one bar per category, its series laid end to end (values are ≥ 0: see spec)
        let n = spec.series.iter().map(|s| s.y.len()).max().unwrap_or(0);
        for i in 0..n {
            let (b0, bw) = cat_axis.band(i);
            let thick = (bw.abs() * SINGLE_SHARE).min(MAX_BAR) * bw.signum();
            let start = b0 + bw / 2.0 - thick / 2.0;
            let mut acc = 0.0;
            for (k, s) in spec.series.iter().enumerate() {
                let v = s.y.get(i).copied().unwrap_or(f64::NAN);
                if !v.is_finite() || v == 0.0 {
                    continue;
                }
                let (p0, p1) = (val_axis.pos(val_axis.clamp(acc)), val_axis.pos(val_axis.clamp(acc + v)));
                acc += v;
                let (a, b) = (start.min(start + thick), start.max(start + thick));
                let rect = if horizontal {
                    Rect { x0: p0.min(p1), x1: p0.max(p1), y0: a, y1: b }
                } else {
                    Rect { x0: a, x1: b, y0: p0.min(p1), y1: p0.max(p1) }
                };
                bars.push(Bar { series: k, value: v, err: None, rect, mid: start + thick / 2.0, thick: thick.abs() });
            }
        }
        return bars;
    }
    for (k, s) in spec.series.iter().enumerate() {
        for (i, &v) in s.y.iter().enumerate() {
            if !v.is_finite() {
                continue;
            }
            let (b0, bw) = cat_axis.band(i);
            let share = if ns == 1 { SINGLE_SHARE } else { GROUP_SHARE };
            let thick = (bw.abs() * share / ns as f64).min(MAX_BAR) * bw.signum();
            let start = b0 + bw / 2.0 - thick * ns as f64 / 2.0 + thick * k as f64;
            let (p0, p1) = (val_axis.pos(base), val_axis.pos(val_axis.clamp(v)));
            let rect = if horizontal {
                Rect { x0: p0.min(p1), x1: p0.max(p1), y0: start.min(start + thick), y1: start.max(start + thick) }
            } else {
                Rect { x0: start.min(start + thick), x1: start.max(start + thick), y0: p0.min(p1), y1: p0.max(p1) }
            };
            let err = s.err.as_ref().map(|e| e[i]).filter(|e| e.0.is_finite() && e.1.is_finite() && e.0 + e.1 > 0.0);
            bars.push(Bar { series: k, value: v, err, rect, mid: start + thick / 2.0, thick: thick.abs() });
        }
    }
    bars
}

/// Far end of a bar including its error bar, in data units.
fn reach(b: &Bar) -> f64 {
    let (below, above) = b.err.unwrap_or((0.0, 0.0));
    if b.value < 0.0 { b.value - below } else { b.value + above }
}

/// Near end of a bar's error bar (towards its base), in data units.
fn near(b: &Bar) -> f64 {
    let (below, above) = b.err.unwrap_or((0.0, 0.0));
    if b.value < 0.0 { b.value + above } else { b.value - below }
}

pub fn draw(spec: &ChartSpec, fig: (f64, f64)) -> Result<String, ProviderError> {
    let cats = spec.categories.clone().unwrap_or_default();
    // Category names too long for vertical bars even when wrapped: when nobody asked for
    // vertical bars, lay them on their side instead of turning the labels.
    let horizontal = spec.chart == ChartType::Barh
        || (spec.inferred && !axes::cats_fit(&cats, fig.0 * 0.8 / cats.len().max(1) as f64));
    let vals = spec.series.iter().flat_map(|s| {
        s.y.iter().enumerate().filter(|(_, v)| v.is_finite()).flat_map(move |(i, v)| {
            let (below, above) = s.err.as_ref().map_or((0.0, 0.0), |e| e[i]);
            let (below, above) =
                (if below.is_finite() { below } else { 0.0 }, if above.is_finite() { above } else { 0.0 });
            [v - below, v + above, *v]
        })
    });
    let (mut lo, mut hi) = (0f64, 0f64);
    let mut min_pos = f64::INFINITY;
    for v in vals {
        lo = lo.min(v);
        hi = hi.max(v);
        if v > 0.0 {
            min_pos = min_pos.min(v);
        }
    }
    if spec.stack != Stack::None {
        let n = spec.series.iter().map(|s| s.y.len()).max().unwrap_or(0);
        let total = |i: usize| spec.series.iter().filter_map(|s| s.y.get(i)).filter(|v| v.is_finite()).sum::<f64>();
        hi = (0..n).map(total).fold(hi, f64::max);
    }
    (lo, hi) = spec.refs.extend_y(lo, hi);
    if spec.logy {
        // bars grow from the axis floor: the decade below the smallest value, so that the
        // smallest bar is never empty (a floor at the value itself draws it zero high)
        lo = 10f64.powf(min_pos.log10().ceil() - 1.0);
    }
    let shared = shared_decimals(&spec.series.iter().flat_map(|s| s.y.clone()).collect::<Vec<_>>());
    let label_of = |v: f64| value_label(v, shared);
    let widest = spec
        .series
        .iter()
        .flat_map(|s| s.y.iter())
        .filter(|v| v.is_finite())
        .map(|v| text_w(&label_of(*v), VALUE_PT, false))
        .fold(0.0, f64::max);
    // Value labels wider than their bars would collide with the neighbours: turn them to
    // read upwards. The bar thickness is estimated from a plot width of 80 % of the figure.
    let ns = spec.series.len().max(1) as f64;
    let share = if ns > 1.0 { GROUP_SHARE } else { SINGLE_SHARE };
    let est_thick = (fig.0 * 0.8 / cats.len().max(1) as f64 * share / ns).min(MAX_BAR);
    let turn_labels = !horizontal && widest > est_thick + 2.0;
    let headroom = if !spec.labels || spec.stack != Stack::None {
        0.0
    } else if horizontal || turn_labels {
        widest + GAP * 1.5
    } else {
        cap_h(VALUE_PT) + GAP * 1.5
    };
    let value = AxisReq {
        data: AxisData::Num {
            lo,
            hi,
            log: spec.logy,
            lim: spec.ylim,
            mode: RangeMode::Nice,
            headroom: (if lo < 0.0 { headroom } else { 0.0 }, if hi > 0.0 { headroom } else { 0.0 }),
            int: all_int(spec.series.iter().flat_map(|s| s.y.iter())),
        },
        label: spec.ylabel.clone(),
        grid: true,
    };
    // horizontal bars: grow taller rather than set the category labels on each other (the
    // room besides the plot: title, legend, value ticks and label, about 60 pt)
    let fig = if horizontal { (fig.0, axes::height_for_rows(fig, cats.len(), 60.0)) } else { fig };
    let cat = AxisReq { data: AxisData::Cat(cats), label: spec.xlabel.clone(), grid: false };
    let (xr, yr) = if horizontal { (value, cat) } else { (cat, value) };
    let legend = Legend {
        items: spec
            .series
            .iter()
            .enumerate()
            .map(|(k, s)| (s.name.clone(), Swatch::Bar { color: spec.fill(k), opacity: 1.0 }))
            .collect(),
    };
    let frame = axes::frame_with_legend(fig, &spec.title, &xr, &yr, &legend, spec.legend, |f| {
        geometry(spec, f, horizontal).iter().map(|b| b.rect).collect()
    })?;
    let bars = geometry(spec, &frame, horizontal);
    let val_axis = if horizontal { &frame.x } else { &frame.y };

    let mut c = Canvas::new(fig.0 / 72.0, fig.1 / 72.0);
    frame.draw_grid(&mut c);
    let stacked = spec.stack != Stack::None;
    for b in &bars {
        let r = b.rect;
        c.rect(r.x0, r.y0, r.x1, r.y1, spec.fill(b.series), 1.0);
        if spec.bw {
            // light greys need an edge on white paper
            c.polyline(&[(r.x0, r.y0), (r.x1, r.y0), (r.x1, r.y1), (r.x0, r.y1), (r.x0, r.y0)], INK, 0.5, 1.0);
        }
        if stacked {
            // a hairline of white between the segments of a stack
            let (x0, y0, x1, y1) = (r.x0, r.y0, r.x1, r.y1);
            if horizontal { c.line(x1, y0, x1, y1, WHITE, 0.4) } else { c.line(x0, y0, x1, y0, WHITE, 0.4) }
        }
    }
    let (vlo, vhi) = val_axis.limits();
    if !spec.logy && vlo < 0.0 && vhi > 0.0 {
        let z = val_axis.pos(0.0);
        let p = frame.plot;
        if horizontal { c.line(z, p.y0, z, p.y1, AXIS, AXIS_W) } else { c.line(p.x0, z, p.x1, z, AXIS, AXIS_W) }
    }
    for b in &bars {
        let Some((below, above)) = b.err else { continue };
        let (a, z) = (val_axis.pos(val_axis.clamp(b.value - below)), val_axis.pos(val_axis.clamp(b.value + above)));
        let cap = (b.thick * 0.25).clamp(1.0, ERR_CAP);
        if horizontal {
            c.line(a, b.mid, z, b.mid, ERRBAR, ERR_W);
            c.line(a, b.mid - cap, a, b.mid + cap, ERRBAR, ERR_W);
            c.line(z, b.mid - cap, z, b.mid + cap, ERRBAR, ERR_W);
        } else {
            c.line(b.mid, a, b.mid, z, ERRBAR, ERR_W);
            c.line(b.mid - cap, a, b.mid + cap, a, ERRBAR, ERR_W);
            c.line(b.mid - cap, z, b.mid + cap, z, ERRBAR, ERR_W);
        }
    }
    if spec.labels && stacked {
        draw_segment_labels(&mut c, &bars, &label_of);
    } else if spec.labels {
        draw_value_labels(&mut c, &frame, &bars, horizontal, turn_labels, &label_of, fig);
    }
    if horizontal {
        // a horizontal chart's value axis is x: its reference lines are vertical
        let turned = super::refs::Refs { vlines: spec.refs.hlines.clone(), ..Default::default() };
        super::marks::over(&turned, &mut c, &frame);
    } else {
        super::marks::over(&spec.refs, &mut c, &frame);
    }
    frame.draw_axes(&mut c);
    c.finish()
}

/// Labels of stacked segments: in the middle of each segment, white on the bar, where
/// they fit; left out where they do not.
fn draw_segment_labels(c: &mut Canvas, bars: &[Bar], label_of: &dyn Fn(f64) -> String) {
    for b in bars {
        let text = label_of(b.value);
        let (w, h) = (text_w(&text, VALUE_PT, false), cap_h(VALUE_PT));
        let r = b.rect;
        if r.w() >= w + 2.0 * GAP && r.h() >= h + 2.0 * GAP {
            let at = Anchor::new(HPos::Center, VPos::Center);
            c.text_colored((r.x0 + r.x1) / 2.0, (r.y0 + r.y1) / 2.0, &text, VALUE_PT, false, at, false, WHITE);
        }
    }
}

/// Value labels just beyond each bar's end (and its error bar) when there is room before
/// the plot's edge (for horizontal bars: the figure's edge or a right legend), else in
/// white inside the bar; once one label has to go inside, every label that fits inside
/// goes there too, so the chart reads consistently. Labels that fit nowhere are left out.
fn draw_value_labels(
    c: &mut Canvas,
    frame: &Frame,
    bars: &[Bar],
    horizontal: bool,
    turned: bool,
    label_of: &dyn Fn(f64) -> String,
    fig: (f64, f64),
) {
    let p = frame.plot;
    let val_axis = if horizontal { &frame.x } else { &frame.y };
    let right_limit = match &frame.legend {
        Some((_, r, _)) if r.x0 >= p.x1 => r.x0 - GAP,
        _ => fig.0 - PAD,
    };
    struct Spot {
        /// Screen direction (+1/−1 along x for horizontal bars, along y otherwise) in
        /// which the bar grows from its base.
        o: f64,
        /// Position just beyond the error bar, and just inside the error bar's near end.
        out_at: f64,
        in_at: f64,
        fits_out: bool,
        fits_in: bool,
    }
    let spots: Vec<Spot> = bars
        .iter()
        .map(|b| {
            let end = val_axis.pos(val_axis.clamp(reach(b)));
            let near = val_axis.pos(val_axis.clamp(near(b)));
            let w = text_w(&label_of(b.value), VALUE_PT, false);
            let neg = b.value < 0.0;
            let (room, need) = match (horizontal, neg) {
                (true, false) => (right_limit - end, w + GAP),
                (true, true) => (end - p.x0, w + GAP),
                (false, false) => (end - p.y0, cap_h(VALUE_PT) + GAP),
                (false, true) => (p.y1 - end, cap_h(VALUE_PT) + GAP),
            };
            let along = if horizontal || turned { w } else { cap_h(VALUE_PT) };
            let o = if horizontal != neg { 1.0 } else { -1.0 };
            let base = match (horizontal, neg) {
                (true, false) => b.rect.x0,
                (true, true) => b.rect.x1,
                (false, false) => b.rect.y1,
                (false, true) => b.rect.y0,
            };
            Spot {
                o,
                out_at: end + o * GAP,
                in_at: near - o * GAP,
                fits_out: room >= need,
                fits_in: (near - base).abs() >= along + 2.0 * GAP,
            }
        })
        .collect();
    let any_inside = spots.iter().any(|s| !s.fits_out);
    for (b, s) in bars.iter().zip(&spots) {
        let inside = s.fits_in && (any_inside || !s.fits_out);
        if !inside && !s.fits_out {
            continue;
        }
        // the text runs along `d` from `pos`
        let (pos, d, col) = if inside { (s.in_at, -s.o, WHITE) } else { (s.out_at, s.o, TEXT) };
        let text = label_of(b.value);
        if horizontal {
            let h = if d > 0.0 { HPos::Left } else { HPos::Right };
            c.text_colored(pos, b.mid, &text, VALUE_PT, false, Anchor::new(h, VPos::Center), false, col);
        } else if turned {
            let h = if d < 0.0 { HPos::Left } else { HPos::Right };
            c.text_colored(b.mid, pos, &text, VALUE_PT, false, Anchor::new(h, VPos::Center), true, col);
        } else {
            let v = if d < 0.0 { VPos::Bottom } else { VPos::Top };
            c.text_colored(b.mid, pos, &text, VALUE_PT, false, Anchor::new(HPos::Center, v), false, col);
        }
    }
}
