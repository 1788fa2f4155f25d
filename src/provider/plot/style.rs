//! The house style of builtin plots: palette, markers, sizes at print size, tick formatting.
//!
//! All sizes are in points (1/72 in) at the printed size of the figure, so a 3.3 in figure
//! and a 7 in figure use the same 7.5 pt tick labels as each other and as the paper's
//! footnotes. `canvas` turns points into SVG units.

use std::sync::LazyLock;

use plotters::style::{FontStyle, RGBColor, register_font};

use crate::provider::house;
use crate::render;

/// The house palette (`crate::provider::house::PALETTE`) as plotters colours, in series order.
pub const PALETTE: [RGBColor; 8] = {
    let p = house::PALETTE;
    let mut out = [RGBColor(0, 0, 0); 8];
    let mut i = 0;
    while i < 8 {
        out[i] = RGBColor(p[i].0, p[i].1, p[i].2);
        i += 1;
    }
    out
};

/// Colour of series `i` (the palette repeats after 8 series; markers still differ).
pub fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

pub const TEXT: RGBColor = RGBColor(house::TEXT.0, house::TEXT.1, house::TEXT.2);
pub const AXIS: RGBColor = RGBColor(house::AXIS.0, house::AXIS.1, house::AXIS.2);
pub const GRID: RGBColor = RGBColor(0xE3, 0xE3, 0xE3);
pub const ERRBAR: RGBColor = RGBColor(0x26, 0x26, 0x26);
pub const WHITE: RGBColor = RGBColor(0xFF, 0xFF, 0xFF);
pub const FIT: RGBColor = RGBColor(0x33, 0x33, 0x33);

/// Fills of `style=bw`, dark to light: distinct when printed in grey.
pub const GREYS: [RGBColor; 5] = [
    RGBColor(0x33, 0x33, 0x33),
    RGBColor(0x8C, 0x8C, 0x8C),
    RGBColor(0xC8, 0xC8, 0xC8),
    RGBColor(0x5E, 0x5E, 0x5E),
    RGBColor(0xE6, 0xE6, 0xE6),
];
/// Lines of `style=bw`: near-black, told apart by their dashes and markers.
pub const INK: RGBColor = RGBColor(0x1A, 0x1A, 0x1A);

/// Dash patterns (on, off, … in points) in series order; solid first.
pub const DASHES: [&[f64]; 8] = [
    &[],
    &[4.0, 2.0],
    &[1.2, 1.6],
    &[5.0, 1.6, 1.2, 1.6],
    &[8.0, 2.5],
    &[2.5, 2.5],
    &[5.0, 1.6, 1.2, 1.6, 1.2, 1.6],
    &[1.0, 3.5],
];

/// Font sizes in points.
pub const TICK_PT: f64 = 7.5;
pub const LABEL_PT: f64 = 8.5;
pub const TITLE_PT: f64 = 9.0;
pub const LEGEND_PT: f64 = 7.5;
pub const VALUE_PT: f64 = 7.0;

/// Line widths and lengths in points.
pub const AXIS_W: f64 = 0.6;
pub const GRID_W: f64 = 0.5;
pub const TICK_LEN: f64 = 3.0;
pub const MINOR_TICK_LEN: f64 = 1.7;
pub const LINE_W: f64 = 1.3;
pub const ERR_W: f64 = 0.7;
pub const ERR_CAP: f64 = 1.8;
pub const MARKER_R: f64 = 1.9;
/// Opacity of error bands under lines and of overlapping histograms.
pub const BAND_OPACITY: f64 = 0.2;
pub const OVERLAP_OPACITY: f64 = 0.45;
/// Blank border around the whole figure.
pub const PAD: f64 = 3.0;
/// Gap between tick marks and tick labels, and between text blocks.
pub const GAP: f64 = 2.5;

/// Marker shapes, in series order after the colours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Marker {
    Circle,
    Square,
    TriangleUp,
    Diamond,
    TriangleDown,
    Pentagon,
}

pub fn marker(i: usize) -> Marker {
    const M: [Marker; 6] =
        [Marker::Circle, Marker::Square, Marker::TriangleUp, Marker::Diamond, Marker::TriangleDown, Marker::Pentagon];
    M[i % M.len()]
}

/// Registers the embedded fonts with plotters once per process (the ab_glyph text path
/// of plotters needs a registered "sans-serif").
pub fn init() {
    static DONE: LazyLock<()> = LazyLock::new(|| {
        for (style, bytes) in [(FontStyle::Normal, render::FONT_REGULAR), (FontStyle::Bold, render::FONT_BOLD)] {
            if register_font("sans-serif", style, bytes).is_err() {
                panic!("embedded font does not parse");
            }
        }
        render::init_fonts();
    });
    LazyLock::force(&DONE);
}

/// Width in points of `text` at `size_pt`.
pub fn text_w(text: &str, size_pt: f64, bold: bool) -> f64 {
    render::text_width(text, size_pt, bold)
}

/// Height of capitals, in points (what tick labels are aligned on).
pub fn cap_h(size_pt: f64) -> f64 {
    render::font_metrics().cap_height * size_pt
}

/// Height of a line of text including descenders, in points.
pub fn line_h(size_pt: f64) -> f64 {
    size_pt * 1.15
}

/// Display form of a column name: underscores become spaces (`train_loss` → `train loss`).
pub fn pretty(name: &str) -> String {
    name.replace('_', " ").trim().to_string()
}

/// Typographic minus instead of the hyphen.
fn minus(s: String) -> String {
    match s.strip_prefix('-') {
        Some(rest) => format!("\u{2212}{rest}"),
        None => s,
    }
}

/// Whether every finite value is a whole number.
pub fn all_int<'a>(values: impl IntoIterator<Item = &'a f64>) -> bool {
    values.into_iter().filter(|v| v.is_finite()).all(|v| v.fract() == 0.0)
}

/// Fewest decimals (≤ `max`) that show every value exactly enough.
pub fn decimals_for(values: &[f64], max: usize) -> usize {
    (0..=max)
        .find(|&d| {
            let f = 10f64.powi(d as i32);
            values.iter().filter(|v| v.is_finite()).all(|v| {
                let s = v * f;
                (s - s.round()).abs() <= 1e-6 * s.abs().max(1.0)
            })
        })
        .unwrap_or(max)
}

/// Formats a number with `d` decimals, a typographic minus and no "-0".
pub fn fmt_fixed(v: f64, d: usize) -> String {
    let s = format!("{v:.d$}");
    let zero = s.trim_start_matches('-').chars().all(|c| c == '0' || c == '.');
    if zero { format!("{:.d$}", 0.0) } else { minus(s) }
}

/// Labels for linear-axis ticks: integers without ".0", one shared number of decimals,
/// `k`/`M` suffixes for large round values, scientific for tiny ones and from 10⁹ up (one
/// exponent for all, with the decimals that tell the ticks apart: epoch seconds read
/// `1.7000e9`, `1.7001e9`, not `1.7e9` five times).
pub fn fmt_ticks(ticks: &[f64]) -> Vec<String> {
    let max = ticks.iter().fold(0f64, |m, t| m.max(t.abs()));
    if max == 0.0 {
        return ticks.iter().map(|_| "0".to_string()).collect();
    }
    if max >= 1e9 {
        return fmt_sci_shared(ticks, max);
    }
    for (div, suffix, from) in [(1e6, "M", 1e6), (1e3, "k", 1e4)] {
        if max >= from {
            let scaled: Vec<f64> = ticks.iter().map(|t| t / div).collect();
            let d = decimals_for(&scaled, 1);
            if scaled.iter().all(|s| {
                let f = 10f64.powi(d as i32);
                ((s * f) - (s * f).round()).abs() < 1e-6
            }) {
                return scaled
                    .iter()
                    .map(|s| if *s == 0.0 { "0".into() } else { format!("{}{suffix}", fmt_fixed(*s, d)) })
                    .collect();
            }
        }
    }
    if max < 1e-3 {
        return fmt_sci_shared(ticks, max);
    }
    let d = decimals_for(ticks, 6);
    ticks.iter().map(|t| fmt_fixed(*t, d)).collect()
}

/// `2.5e−5`-style labels with the exponent of `max` and the fewest shared decimals (at
/// most 12) that show every tick.
fn fmt_sci_shared(ticks: &[f64], max: f64) -> Vec<String> {
    let e = max.log10().floor() as i32;
    let mantissas: Vec<f64> = ticks.iter().map(|t| t / 10f64.powi(e)).collect();
    let label =
        |m: f64, d: usize| if m == 0.0 { "0".into() } else { format!("{}e{}", fmt_fixed(m, d), minus(e.to_string())) };
    let labels = |d: usize| mantissas.iter().map(|m| label(*m, d)).collect::<Vec<String>>();
    // `decimals_for`'s tolerance is relative: a tick 5000 above 10¹² looks exact at 0
    // decimals. More, until distinct ticks read differently.
    let distinct = |l: &[String]| l.windows(2).zip(ticks.windows(2)).all(|(l, t)| t[0] == t[1] || l[0] != l[1]);
    let mut d = decimals_for(&mantissas, 12);
    while d < 12 && !distinct(&labels(d)) {
        d += 1;
    }
    labels(d)
}

/// Label of a power of ten on a log axis: plain for 0.001 … 10000 (unless `sup`), else `10ⁿ`.
pub fn fmt_pow10(e: i32, sup: bool) -> String {
    if !sup && (-3..=4).contains(&e) {
        let v = 10f64.powi(e);
        return fmt_fixed(v, e.min(0).unsigned_abs() as usize);
    }
    const SUP: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let digits: String = e.unsigned_abs().to_string().chars().map(|c| SUP[c as usize - '0' as usize]).collect();
    // The canvas draws this as `10` with a raised exponent in ordinary digits.
    format!("10{}{digits}", if e < 0 { "⁻" } else { "" })
}

/// Significant digits a value label keeps at most.
const VALUE_DIGITS: i32 = 4;

/// Formats a data value for a value label: with the decimals the data itself uses (`d`),
/// but never more than four significant digits, so that one chart's labels
/// read "1M" and "0.001" rather than "1000000.000" and "0.001"; from 10,000 up in `k`, `M`
/// and `G` with at most three significant digits, below 0.001 in e-notation.
pub fn fmt_value(v: f64, d: usize) -> String {
    if !v.is_finite() || v == 0.0 {
        return fmt_fixed(if v.is_finite() { v } else { 0.0 }, 0);
    }
    let a = v.abs();
    if !(1e-3..1e12).contains(&a) {
        return fmt_sci_sig(v, 3);
    }
    for (div, suffix, from) in [(1e9, "G", 1e9), (1e6, "M", 1e6), (1e3, "k", 1e4)] {
        if a >= from {
            let m = v / div;
            let keep = (3 - 1 - m.abs().log10().floor() as i32).max(0) as usize;
            let text = fmt_fixed(m, keep);
            let text =
                if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_string() } else { text };
            return format!("{text}{suffix}");
        }
    }
    let magnitude = a.log10().floor() as i32;
    let keep = (VALUE_DIGITS - 1 - magnitude).max(0) as usize;
    fmt_fixed(v, d.min(keep))
}

/// The decimals a chart's value labels share: the data's own (≤ 6) when the values are of
/// one magnitude (within a factor of 100), so that 93.0 stands beside 91.25 as 93.00;
/// `None` when they are not, and each label takes the decimals its value needs ("10" and
/// "0.001", not "10.000").
pub fn shared_decimals(values: &[f64]) -> Option<usize> {
    let sizes = values.iter().filter(|v| v.is_finite() && **v != 0.0).map(|v| v.abs());
    let (lo, hi) = sizes.fold((f64::INFINITY, 0f64), |(l, h), a| (l.min(a), h.max(a)));
    (hi <= lo * 100.0 || hi == 0.0).then(|| decimals_for(values, 6))
}

/// A value label's text under the chart's [`shared_decimals`].
pub fn value_label(v: f64, shared: Option<usize>) -> String {
    fmt_value(v, shared.unwrap_or_else(|| decimals_for(&[v], 6)))
}

/// `v` in e-notation with at most `sig` significant digits (`1.23e−4`).
fn fmt_sci_sig(v: f64, sig: usize) -> String {
    let e = v.abs().log10().floor() as i32;
    let m = v / 10f64.powi(e);
    let m = (m * 10f64.powi(sig as i32 - 1)).round() / 10f64.powi(sig as i32 - 1);
    let d = decimals_for(&[m], sig - 1);
    format!("{}e{}", fmt_fixed(m, d), minus(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_ticks_have_no_decimals() {
        assert_eq!(fmt_ticks(&[0.0, 20.0, 40.0]), ["0", "20", "40"]);
        assert_eq!(fmt_ticks(&[0.0, 0.25, 0.5]), ["0.00", "0.25", "0.50"]);
        assert_eq!(fmt_ticks(&[0.8, 0.85, 0.9]), ["0.80", "0.85", "0.90"]);
        assert_eq!(fmt_ticks(&[-1.0, 0.0, 1.0]), ["\u{2212}1", "0", "1"]);
        assert_eq!(fmt_ticks(&[0.0, 20000.0, 40000.0]), ["0", "20k", "40k"]);
        assert_eq!(fmt_ticks(&[0.0, 2500.0, 5000.0]), ["0", "2500", "5000"]);
        assert_eq!(fmt_ticks(&[0.0, 1.5e6, 3e6]), ["0", "1.5M", "3.0M"]);
        assert_eq!(fmt_ticks(&[0.0, 1e6, 2e6]), ["0", "1M", "2M"]);
        assert_eq!(fmt_ticks(&[-1e308, 0.0, 1.5e308]), ["−1.0e308", "0", "1.5e308"]);
        // a narrow range far from zero: one exponent, the decimals that tell ticks apart
        assert_eq!(fmt_ticks(&[1.7e9, 1.7001e9, 1.7002e9]), ["1.7000e9", "1.7001e9", "1.7002e9"]);
        assert_eq!(fmt_ticks(&[1e12, 1e12 + 5000.0]), ["1.000000000e12", "1.000000005e12"]);
        assert_eq!(fmt_ticks(&[0.0, 0.0001, 0.0002]), ["0", "1e\u{2212}4", "2e\u{2212}4"]);
        // float noise from tick arithmetic is not shown
        assert_eq!(fmt_ticks(&[0.1 + 0.2, 0.6]), ["0.3", "0.6"]);
    }

    #[test]
    fn value_labels_keep_a_few_significant_digits_whatever_the_magnitudes() {
        // one chart holding a million and a thousandth: each reads naturally
        let d = decimals_for(&[1_000_000.0, 0.001], 3);
        assert_eq!((fmt_value(1_000_000.0, d), fmt_value(0.001, d)), ("1M".into(), "0.001".into()));
        assert_eq!(fmt_value(45_000.0, 0), "45k");
        assert_eq!(fmt_value(12_345.0, 0), "12.3k");
        assert_eq!(fmt_value(2_500_000.0, 0), "2.5M");
        assert_eq!(fmt_value(3.2e9, 0), "3.2G");
        assert_eq!(fmt_value(-45_000.0, 0), "\u{2212}45k");
        assert_eq!(fmt_value(1234.0, 0), "1234");
        // the data's own decimals up to four significant digits
        assert_eq!(fmt_value(93.0, 1), "93.0");
        assert_eq!(fmt_value(91.25, 2), "91.25");
        assert_eq!(fmt_value(123.456, 3), "123.5");
        assert_eq!(fmt_value(0.0123, 3), "0.012");
        assert_eq!(fmt_value(0.000_123_4, 3), "1.23e\u{2212}4");
        assert_eq!(fmt_value(0.0, 2), "0");
        // decimals are shared within one magnitude, not across several
        let same = [93.0, 91.25];
        let labels: Vec<String> = same.iter().map(|v| value_label(*v, shared_decimals(&same))).collect();
        assert_eq!(labels, ["93.00", "91.25"]);
        // four significant digits also below 1: error rates stay apart
        let small = [0.0123, 0.0129, 0.0131, 0.0021];
        let labels: Vec<String> = small.iter().map(|v| value_label(*v, shared_decimals(&small))).collect();
        assert_eq!(labels, ["0.0123", "0.0129", "0.0131", "0.0021"]);
        let spread = [10.0, 100.0, 1e6, 0.001];
        let labels: Vec<String> = spread.iter().map(|v| value_label(*v, shared_decimals(&spread))).collect();
        assert_eq!(labels, ["10", "100", "1M", "0.001"]);
    }

    #[test]
    fn pow10_labels() {
        assert_eq!(fmt_pow10(0, false), "1");
        assert_eq!(fmt_pow10(3, false), "1000");
        assert_eq!(fmt_pow10(-2, false), "0.01");
        let big = fmt_pow10(6, false);
        assert_eq!(big, "10⁶");
    }

    #[test]
    fn value_decimals() {
        assert_eq!(decimals_for(&[0.912, 0.85], 3), 3);
        assert_eq!(decimals_for(&[42.0, 17.0], 3), 0);
        // a value too small for the data's decimals is not shown as zero
        assert_eq!(fmt_value(-0.0001, 2), "\u{2212}1e\u{2212}4");
    }
}
