//! Heatmaps and confusion matrices (their data: `cells.rs`): a grid of cells coloured by
//! value with a colour bar,
//! each cell annotated when its label fits. The colour map is chosen from the data:
//! sequential (viridis, perceptually uniform, readable in grey) when the values keep one
//! sign, diverging around 0 (ColorBrewer's red–blue) when they take both.

use plotters::style::RGBColor;
use plotters::style::text_anchor::{HPos, VPos};

use super::axes::{AxisData, AxisReq, Frame};
use super::canvas::{Anchor, Canvas};
use super::legend::LegendPos;
use super::spec::ChartSpec;
use super::style::*;
use super::ticks::{RangeMode, linear};
use crate::model::ProviderError;

const BAR_W: f64 = 8.0;

/// viridis at nine even stops.
const VIRIDIS: [u32; 9] = [0x440154, 0x472d7b, 0x3b528b, 0x2c728e, 0x21918c, 0x28ae80, 0x5ec962, 0xaddc30, 0xfde725];
/// ColorBrewer RdBu (11), from blue (low) to red (high).
const RDBU: [u32; 11] =
    [0x053061, 0x2166ac, 0x4393c3, 0x92c5de, 0xd1e5f0, 0xf7f7f7, 0xfddbc7, 0xf4a582, 0xd6604d, 0xb2182b, 0x67001f];

fn lerp(stops: &[u32], t: f64) -> RGBColor {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let f = t * (stops.len() - 1) as f64;
    let i = (f.floor() as usize).min(stops.len() - 2);
    let u = f - i as f64;
    let ch = |c: u32, s: u32| f64::from((c >> s) & 0xff);
    let mix = |s: u32| (ch(stops[i], s) * (1.0 - u) + ch(stops[i + 1], s) * u).round() as u8;
    RGBColor(mix(16), mix(8), mix(0))
}

/// Relative luminance of a colour (sRGB, linearised): annotations in white on dark cells.
fn dark(c: RGBColor) -> bool {
    let lin = |v: u8| {
        let v = f64::from(v) / 255.0;
        if v <= 0.04045 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) }
    };
    0.2126 * lin(c.0) + 0.7152 * lin(c.1) + 0.0722 * lin(c.2) < 0.3
}

pub fn draw(spec: &ChartSpec, fig: (f64, f64)) -> Result<String, ProviderError> {
    let cells = spec.cells.as_ref().expect("resolved");
    let finite: Vec<f64> = cells.values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.is_empty() {
        return Err(ProviderError::new("the heatmap has no numbers to show"));
    }
    let (lo, hi) = finite.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(*v), b.max(*v)));
    let diverging = lo < 0.0 && hi > 0.0;
    let (lo, hi) = if diverging {
        let m = lo.abs().max(hi);
        (-m, m)
    } else if hi > lo {
        (lo, hi)
    } else {
        (lo - 0.5, hi + 0.5)
    };
    let (lo, hi) = (spec.ylim.0.unwrap_or(lo), spec.ylim.1.unwrap_or(hi));
    let stops: &[u32] = if diverging { &RDBU } else { &VIRIDIS };
    let colour = |v: f64| lerp(stops, (v - lo) / (hi - lo));
    // the colour bar's ticks, inside the colour range
    let (_, _, ticks) = linear(lo, hi, (Some(lo), Some(hi)), RangeMode::Nice, 5, all_int(finite.iter()));
    let labels = fmt_ticks(&ticks);
    let label_w = labels.iter().map(|l| text_w(l, TICK_PT, false)).fold(0.0, f64::max);
    let bar_room = GAP * 3.0 + BAR_W + TICK_LEN + GAP + label_w;
    let xr = AxisReq { data: AxisData::Cat(cells.xcats.clone()), label: spec.xlabel.clone(), grid: false };
    let yr = AxisReq { data: AxisData::Cat(cells.ycats.clone()), label: spec.ylabel.clone(), grid: false };
    let mut frame = Frame::layout((fig.0 - bar_room, fig.1), &spec.title, &xr, &yr, None, LegendPos::None)?;
    frame.fig = fig;
    let p = frame.plot;
    let mut c = Canvas::new(fig.0 / 72.0, fig.1 / 72.0);
    let nx = cells.xcats.len();
    let shared = shared_decimals(&finite);
    for (k, v) in cells.values.iter().enumerate() {
        let (i, j) = (k % nx, k / nx);
        let ((x0, w), (y0, h)) = (frame.x.band(i), frame.y.band(j));
        if !v.is_finite() {
            continue;
        }
        let col = colour(*v);
        c.rect(x0, y0, x0 + w, y0 + h, col, 1.0);
        let text = value_label(*v, shared);
        if spec.labels && text_w(&text, VALUE_PT, false) + 2.0 <= w.abs() && cap_h(VALUE_PT) + 3.0 <= h.abs() {
            let ink = if dark(col) { WHITE } else { TEXT };
            let at = Anchor::new(HPos::Center, VPos::Center);
            c.text_colored(x0 + w / 2.0, y0 + h / 2.0, &text, VALUE_PT, false, at, false, ink);
        }
    }
    // the colour bar, as tall as the plot
    let bx = fig.0 - PAD - label_w - GAP - TICK_LEN - BAR_W;
    const STRIPS: usize = 64;
    for s in 0..STRIPS {
        let (f0, f1) = (s as f64 / STRIPS as f64, (s + 1) as f64 / STRIPS as f64);
        let (y1, y0) = (p.y1 - f0 * p.h(), p.y1 - f1 * p.h());
        // each strip overlaps the next a little, so no seam shows between them
        c.rect(bx, y0 - 0.4, bx + BAR_W, y1, lerp(stops, (f0 + f1) / 2.0), 1.0);
    }
    for (t, l) in ticks.iter().zip(&labels) {
        let y = p.y1 - (t - lo) / (hi - lo) * p.h();
        c.line(bx + BAR_W, y, bx + BAR_W + TICK_LEN, y, AXIS, AXIS_W);
        c.text(bx + BAR_W + TICK_LEN + GAP, y, l, TICK_PT, false, Anchor::new(HPos::Left, VPos::Center), false);
    }
    frame.draw_axes(&mut c);
    c.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_maps_run_from_their_first_to_their_last_stop() {
        assert_eq!(lerp(&VIRIDIS, 0.0), RGBColor(0x44, 0x01, 0x54));
        assert_eq!(lerp(&VIRIDIS, 1.0), RGBColor(0xfd, 0xe7, 0x25));
        assert_eq!(lerp(&RDBU, 0.5), RGBColor(0xf7, 0xf7, 0xf7), "white at zero");
        assert!(dark(lerp(&VIRIDIS, 0.1)) && !dark(lerp(&VIRIDIS, 0.9)));
        // viridis grows lighter all the way (readable in grey)
        let lum = |c: RGBColor| 0.2126 * f64::from(c.0) + 0.7152 * f64::from(c.1) + 0.0722 * f64::from(c.2);
        let l: Vec<f64> = (0..=20).map(|i| lum(lerp(&VIRIDIS, f64::from(i) / 20.0))).collect();
        assert!(l.windows(2).all(|w| w[1] > w[0]), "{l:?}");
    }
}
