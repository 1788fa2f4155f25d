//! Reference marks drawn with the data (`hline=`, `vline=`, `band=`, `note=`; read in
//! `refs.rs`): dashed lines across the plot, shaded x ranges, and notes at a point, their
//! labels on a white ground so they read over the data.

use plotters::style::text_anchor::{HPos, VPos};

use super::axes::{AxisKind, Frame};
use super::canvas::{Anchor, Canvas};
use super::refs::Refs;
use super::style::*;

/// Grey of reference lines and band labels, darker than the grid.
const REF: plotters::style::RGBColor = plotters::style::RGBColor(0x59, 0x59, 0x59);
const REF_W: f64 = 0.8;
const BAND: plotters::style::RGBColor = plotters::style::RGBColor(0x99, 0x99, 0x99);
const BAND_FILL: f64 = 0.15;
const DASH: (f64, f64) = (3.0, 2.0);

/// Bands, under the data.
pub fn under(refs: &Refs, c: &mut Canvas, f: &Frame) {
    let p = f.plot;
    for (a, b, label) in &refs.bands {
        let (x0, x1) = (f.x.pos(f.x.clamp(*a)).max(p.x0), f.x.pos(f.x.clamp(*b)).min(p.x1));
        c.rect(x0, p.y0, x1, p.y1, BAND, BAND_FILL);
        if !label.is_empty() && text_w(label, TICK_PT, false) + 2.0 * GAP <= x1 - x0 {
            c.text_colored(
                (x0 + x1) / 2.0,
                p.y0 + GAP,
                label,
                TICK_PT,
                false,
                Anchor::new(HPos::Center, VPos::Top),
                false,
                REF,
            );
        }
    }
}

/// Lines and notes, over the data.
pub fn over(refs: &Refs, c: &mut Canvas, f: &Frame) {
    let p = f.plot;
    let inside = |lo: f64, hi: f64, v: f64| v >= lo.min(hi) - 0.01 && v <= lo.max(hi) + 0.01;
    for (v, label) in &refs.hlines {
        let y = f.y.pos(*v);
        if !matches!(f.y.kind, AxisKind::Num { .. }) || !inside(p.y0, p.y1, y) {
            continue;
        }
        dashed(c, (p.x0, y), (p.x1, y));
        if !label.is_empty() {
            // above the line, or below it when it runs along the top of the plot
            let above = y - GAP - cap_h(TICK_PT) - 1.0 >= p.y0;
            let (ly, v) = if above { (y - GAP, VPos::Bottom) } else { (y + GAP, VPos::Top) };
            haloed(c, (p.x1 - GAP, ly), label, (HPos::Right, v), REF);
        }
    }
    for (v, label) in &refs.vlines {
        let x = f.x.pos(*v);
        if !matches!(f.x.kind, AxisKind::Num { .. }) || !inside(p.x0, p.x1, x) {
            continue;
        }
        dashed(c, (x, p.y1), (x, p.y0));
        if !label.is_empty() {
            // to the left of the line when it would run past the plot's right edge
            let right = x + GAP + text_w(label, TICK_PT, false) > p.x1;
            let (lx, h) = if right { (x - GAP, HPos::Right) } else { (x + GAP, HPos::Left) };
            haloed(c, (lx, p.y0 + GAP), label, (h, VPos::Top), REF);
        }
    }
    for (x, y, label) in &refs.notes {
        let (px, py) = (f.x.pos(*x), f.y.pos(*y));
        if !inside(p.x0, p.x1, px) || !inside(p.y0, p.y1, py) {
            continue;
        }
        c.circle(px, py, 1.2, TEXT, 1.0);
        // to the left of the point when the text would run past the plot's right edge
        let w = text_w(label, TICK_PT, false);
        let (x, h) = if px + GAP + w > p.x1 { (px - GAP, HPos::Right) } else { (px + GAP, HPos::Left) };
        haloed(c, (x, py - GAP), label, (h, VPos::Bottom), TEXT);
    }
}

/// A label on a white ground (so it reads over lines and bands), anchored at `at`.
fn haloed(c: &mut Canvas, at: (f64, f64), text: &str, anchor: (HPos, VPos), ink: plotters::style::RGBColor) {
    let (w, h) = (text_w(text, TICK_PT, false), cap_h(TICK_PT));
    let x0 = match anchor.0 {
        HPos::Left => at.0,
        HPos::Right => at.0 - w,
        HPos::Center => at.0 - w / 2.0,
    };
    let y0 = match anchor.1 {
        VPos::Top => at.1,
        VPos::Bottom => at.1 - h,
        VPos::Center => at.1 - h / 2.0,
    };
    c.rect(x0 - 1.0, y0 - 1.0, x0 + w + 1.0, y0 + h + 1.5, WHITE, 0.85);
    c.text_colored(at.0, at.1, text, TICK_PT, false, Anchor::new(anchor.0, anchor.1), false, ink);
}

/// A dashed reference line from `a` to `b`.
fn dashed(c: &mut Canvas, a: (f64, f64), b: (f64, f64)) {
    let len = (b.0 - a.0).hypot(b.1 - a.1);
    if len <= 0.0 {
        return;
    }
    let (dx, dy) = ((b.0 - a.0) / len, (b.1 - a.1) / len);
    let mut t = 0.0;
    while t < len {
        let e = (t + DASH.0).min(len);
        c.line(a.0 + dx * t, a.1 + dy * t, a.0 + dx * e, a.1 + dy * e, REF, REF_W);
        t += DASH.0 + DASH.1;
    }
}
