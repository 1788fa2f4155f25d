//! Tick positions and labels of numeric axes: round linear steps, logarithmic decades.

use super::style::*;

/// How a numeric axis range follows the data.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RangeMode {
    /// Widen to the enclosing ticks (value axes).
    Nice,
    /// The data range, widened to the enclosing ticks only where that adds little (≤ 8 %
    /// of the span; x of line charts and histograms).
    Snug,
    /// Data range plus 4 % on each side (scatter).
    Padded,
}

/// A round tick step for `[lo, hi]` (1, 2 or 5 × 10ⁿ; also 25, 250, 2500, 25k, 2.5M…)
/// giving the tick count closest to `target` + 1,
/// counted on the range widened to whole steps when `outer` (where the room that widening
/// wastes counts against a step too); ties go to the larger step.
pub fn nice_step(lo: f64, hi: f64, target: usize, outer: bool) -> f64 {
    let span = (hi - lo).abs().max(f64::MIN_POSITIVE);
    let mag = 10f64.powf((span / target.max(1) as f64).log10().floor());
    let want = target as f64 + 1.0;
    let mut best = (f64::INFINITY, 0.0);
    for scale in [mag / 10.0, mag, mag * 10.0] {
        for m in [1.0, 2.0, 2.5, 5.0] {
            let step = m * scale;
            // 2.5 × 10ⁿ would need an extra decimal below 25, and reads 0.25M at 250k
            if m == 2.5 && (step < 25.0 || (step >= 2.5e5 && ((step / 2.5).log10().round() as i32) % 3 == 2)) {
                continue;
            }
            let (a, b) = ((lo / step + 1e-9).floor(), (hi / step - 1e-9).ceil());
            let count = if outer { b - a + 1.0 } else { (hi / step + 1e-9).floor() - (lo / step - 1e-9).ceil() + 1.0 };
            // widening to whole steps wastes room: count that against the step too
            let waste = if outer { 1.0 - span / ((b - a) * step).max(span) } else { 0.0 };
            let score = (count - want).abs() + 3.0 * waste;
            if score < best.0 || (score == best.0 && step > best.1) {
                best = (score, step);
            }
        }
    }
    best.1
}

fn ticks_between(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    // A step that does not divide the range into a drawable number of ticks (a range that
    // overflowed, a degenerate step): no ticks rather than billions.
    if !(step.is_finite() && step > 0.0) || last.saturating_sub(first) > 10_000 {
        return Vec::new();
    }
    // round to the step's decimals (plus two) to drop float noise like 0.6000000000000001
    let d = (2 - step.log10().floor() as i32).clamp(0, 15) as usize;
    (first..=last)
        .map(|k| {
            let v: f64 = format!("{:.d$}", k as f64 * step).parse().unwrap_or(k as f64 * step);
            if v == 0.0 { 0.0 } else { v }
        })
        .collect()
}

/// Linear axis limits and ticks for data in `[lo, hi]` on `len_pt` points.
pub fn linear(
    lo: f64,
    hi: f64,
    lim: (Option<f64>, Option<f64>),
    mode: RangeMode,
    target: usize,
    int: bool,
) -> (f64, f64, Vec<f64>) {
    // Values near the ends of f64 (±1e308) overflow `hi - lo` or the steps around it: work
    // on them scaled by 10⁻²⁰ (so that round steps stay round), then scale back.
    if lo.is_finite() && hi.is_finite() && (hi - lo).abs() >= f64::MAX / 1e3 {
        const S: f64 = 1e-20;
        let lim = (lim.0.map(|v| v * S), lim.1.map(|v| v * S));
        let (l, h, t) = linear(lo * S, hi * S, lim, mode, target, int);
        let back = |v: f64| (v / S).clamp(-f64::MAX, f64::MAX);
        let mut ticks: Vec<f64> = t.into_iter().map(back).collect();
        ticks.dedup();
        return (back(l), back(h), ticks);
    }
    let (mut lo, mut hi) = (lo, hi);
    if hi.is_nan() || lo.is_nan() || hi <= lo {
        let d = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        lo -= d;
        hi += d;
    }
    if mode == RangeMode::Padded {
        let p = (hi - lo) * 0.04;
        lo -= p;
        hi += p;
    }
    if let Some(l) = lim.0 {
        lo = l;
    }
    if let Some(h) = lim.1 {
        hi = h;
    }
    let step = nice_step(lo, hi, target, mode == RangeMode::Nice);
    let step = if int { step.max(1.0) } else { step };
    let span = hi - lo;
    let snap_lo = (lo / step + 1e-9).floor() * step;
    let snap_hi = (hi / step - 1e-9).ceil() * step;
    let snug = |added: f64| mode == RangeMode::Nice || (mode == RangeMode::Snug && added <= 0.08 * span);
    if lim.0.is_none() && snug(lo - snap_lo) {
        lo = snap_lo;
    }
    if lim.1.is_none() && snug(snap_hi - hi) {
        hi = snap_hi;
    }
    (lo, hi, ticks_between(lo, hi, step))
}

/// Log axis: each limit at a whole decade when that adds little to the data's span in
/// decades, else the data range with a margin (see `RangeMode`); majors at
/// powers of ten (every k-th when there are many decades), with 2× and 5× labelled too
/// when fewer than two powers fall inside; minors at the other multiples.
pub fn logarithmic(
    lo: f64,
    hi: f64,
    lim: (Option<f64>, Option<f64>),
    mode: RangeMode,
) -> (f64, f64, Vec<(f64, String)>, Vec<f64>) {
    let (l, h) = (lo.log10(), hi.log10().max(lo.log10()));
    let span = (h - l).max(0.3);
    // each end snaps to its decade when that adds little, else gets a 4 % margin (value
    // axes, scatter) or stays at the data (x of lines and histograms)
    let (sl, sh) = ((l + 1e-9).floor(), (h - 1e-9).ceil());
    let (allow, pad) = match mode {
        RangeMode::Nice => (0.3, 0.04),
        RangeMode::Padded => (0.0, 0.04),
        RangeMode::Snug => (0.08, 0.0),
    };
    let mut l = if l - sl <= allow * span { sl } else { l - pad * span };
    let mut h = if sh - h <= allow * span { sh } else { h + pad * span };
    if h - l < 0.3 {
        (l, h) = ((l + h) / 2.0 - 0.15, (l + h) / 2.0 + 0.15);
    }
    if let Some(v) = lim.0.filter(|v| *v > 0.0) {
        l = v.log10();
    }
    if let Some(v) = lim.1.filter(|v| *v > 0.0) {
        h = v.log10();
    }
    if h <= l {
        h = l + 1.0;
    }
    let (lo, hi) = (10f64.powf(l), 10f64.powf(h));
    let (e0, e1) = (l.floor() as i32, h.ceil() as i32);
    let decades = (e1 - e0).max(1);
    let every = ((decades + 5) / 6).max(1);
    let inside = |v: f64| v >= lo * (1.0 - 1e-9) && v <= hi * (1.0 + 1e-9);
    let powers: Vec<i32> = (e0..=e1).filter(|e| inside(10f64.powi(*e))).collect();
    let extra: &[u32] = if powers.len() >= 2 {
        &[]
    } else if decades <= 2 {
        &[2, 5]
    } else {
        &[]
    };
    let mut majors: Vec<f64> = Vec::new();
    let mut minor = Vec::new();
    for e in e0..=e1 {
        let base = 10f64.powi(e);
        if e.rem_euclid(every) == 0 && inside(base) {
            majors.push(base);
        }
        if decades <= 6 {
            for m in 2..=9u32 {
                let v = base * f64::from(m);
                if inside(v) {
                    if extra.contains(&m) { majors.push(v) } else { minor.push(v) }
                }
            }
        }
    }
    majors.sort_by(f64::total_cmp);
    // one style per axis: plain numbers when all fit 0.001…10000, else 10ⁿ
    let plain = majors.iter().all(|v| (1e-3..=1e4).contains(v))
        || majors.iter().any(|v| (v.log10() - v.log10().round()).abs() > 1e-9);
    let labels = majors.iter().map(|&v| {
        if plain {
            let d = decimals_for(&[v], 6);
            fmt_fixed(v, d)
        } else {
            fmt_pow10(v.log10().round() as i32, true)
        }
    });
    let majors = majors.iter().copied().zip(labels).collect();
    (lo, hi, majors, minor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_near_the_ends_of_f64_get_a_few_finite_ticks() {
        for (lo, hi) in [(-1e308, 1e308), (-f64::MAX, f64::MAX), (1e307, 1.7e308), (-1.7e308, 0.0)] {
            for mode in [RangeMode::Nice, RangeMode::Padded, RangeMode::Snug] {
                let (l, h, t) = linear(lo, hi, (None, None), mode, 5, false);
                assert!(l.is_finite() && h.is_finite() && l <= lo && h >= hi, "{lo} {hi} {mode:?}: {l} {h}");
                assert!((2..=12).contains(&t.len()) && t.iter().all(|v| v.is_finite()), "{lo} {hi}: {t:?}");
            }
        }
        assert!(ticks_between(0.0, 1.0, 0.0).is_empty() && ticks_between(0.0, 1e300, 1.0).is_empty());
    }

    #[test]
    fn nice_ticks() {
        let (lo, hi, t) = linear(0.0, 0.93, (None, None), RangeMode::Nice, 5, false);
        assert_eq!((lo, hi), (0.0, 1.0));
        assert_eq!(t, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        let (lo, hi, t) = linear(3.0, 97.0, (Some(0.0), Some(100.0)), RangeMode::Nice, 5, false);
        assert_eq!((lo, hi, t.len()), (0.0, 100.0, 6));
        let (_, _, t) = linear(1.0, 3.0, (None, None), RangeMode::Snug, 8, true);
        assert_eq!(t, [1.0, 2.0, 3.0]);
    }

    #[test]
    fn log_ticks_at_powers_of_ten() {
        let (lo, hi, t, minor) = logarithmic(3.0, 4500.0, (None, None), RangeMode::Nice);
        assert_eq!((lo, hi), (1.0, 10000.0));
        assert_eq!(t.iter().map(|t| t.1.as_str()).collect::<Vec<_>>(), ["1", "10", "100", "1000", "10000"]);
        assert!(minor.contains(&20.0));
        // decades far beyond the data are not added; labels keep one style
        let (lo, hi, t, _) = logarithmic(1e3, 0.8e8, (None, None), RangeMode::Snug);
        assert_eq!((lo, hi), (1e3, 1e8));
        assert!(t.iter().all(|t| t.1.starts_with("10")), "{t:?}");
        let (lo, _, t, _) = logarithmic(0.5, 110.0, (None, None), RangeMode::Padded);
        assert!(lo > 0.4 && lo < 0.5, "{lo}");
        assert_eq!(t.iter().map(|t| t.1.as_str()).collect::<Vec<_>>(), ["1", "10", "100"]);
        // less than two powers of ten inside: 2× and 5× are labelled
        let (_, _, t, _) = logarithmic(15.0, 80.0, (None, None), RangeMode::Snug);
        assert_eq!(t.iter().map(|t| t.1.as_str()).collect::<Vec<_>>(), ["20", "50"]);
    }
}
