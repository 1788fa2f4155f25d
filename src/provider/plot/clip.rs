//! Clipping of lines and bands to the plot area (data outside `xlim=`/`ylim=`).

use plotters::style::RGBColor;

use super::canvas::Canvas;
use super::canvas::Rect;

/// Draws `pts` as a polyline clipped to `r` (segments leaving the plot are cut).
pub fn clipped_polyline(c: &mut Canvas, pts: &[(f64, f64)], r: Rect, color: RGBColor, w: f64) {
    dashed_polyline(c, pts, r, color, w, &[]);
}

/// `clipped_polyline` with a dash pattern (on, off, … in points; empty: solid). The
/// pattern runs on along the whole line, across its vertices.
pub fn dashed_polyline(c: &mut Canvas, pts: &[(f64, f64)], r: Rect, color: RGBColor, w: f64, dash: &[f64]) {
    for run in clipped_runs(pts, r) {
        if dash.is_empty() {
            c.polyline(&run, color, w, 1.0);
        } else {
            for piece in dashes(&run, dash) {
                c.polyline(&piece, color, w, 1.0);
            }
        }
    }
}

/// The connected pieces of a polyline inside `r`.
fn clipped_runs(pts: &[(f64, f64)], r: Rect) -> Vec<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    let mut run: Vec<(f64, f64)> = Vec::new();
    for s in pts.windows(2) {
        match clip_segment(s[0], s[1], r) {
            Some((a, b)) => {
                if run.last().is_none_or(|l| (l.0 - a.0).abs() > 1e-6 || (l.1 - a.1).abs() > 1e-6) {
                    out.push(std::mem::take(&mut run));
                    run = vec![a];
                }
                run.push(b);
            }
            None => out.push(std::mem::take(&mut run)),
        }
    }
    out.push(run);
    out.retain(|r| r.len() >= 2);
    out
}

/// The "on" pieces of a polyline under a dash pattern.
fn dashes(run: &[(f64, f64)], pattern: &[f64]) -> Vec<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    let (mut k, mut left, mut on) = (0, pattern[0], true);
    let mut piece = vec![run[0]];
    for s in run.windows(2) {
        let (a, b) = (s[0], s[1]);
        let len = (b.0 - a.0).hypot(b.1 - a.1);
        let mut t = 0.0;
        while len - t > left {
            t += left;
            let p = (a.0 + (b.0 - a.0) * t / len, a.1 + (b.1 - a.1) * t / len);
            if on {
                piece.push(p);
                out.push(std::mem::take(&mut piece));
            } else {
                piece = vec![p];
            }
            on = !on;
            k = (k + 1) % pattern.len();
            left = pattern[k];
            if out.len() > 100_000 {
                return out;
            }
        }
        left -= len - t;
        if on {
            piece.push(b);
        }
    }
    if on && piece.len() >= 2 {
        out.push(piece);
    }
    out
}

#[cfg(test)]
mod dash_tests {
    #[test]
    fn dashes_follow_the_pattern_across_vertices() {
        // a 10 pt line with a corner at 5 pt, in 2 on / 1 off
        let run = [(0.0, 0.0), (5.0, 0.0), (5.0, 5.0)];
        let pieces = super::dashes(&run, &[2.0, 1.0]);
        let len = |p: &Vec<(f64, f64)>| p.windows(2).map(|w| (w[1].0 - w[0].0).hypot(w[1].1 - w[0].1)).sum::<f64>();
        // on 0–2, 3–5 (ending at the corner), 6–8, and 9–10 cut by the line's end
        let lengths: Vec<f64> = pieces.iter().map(len).collect();
        assert_eq!(lengths, [2.0, 2.0, 2.0, 1.0], "{pieces:?}");
        assert_eq!(pieces[2], vec![(5.0, 1.0), (5.0, 3.0)]);
    }
}

/// Liang–Barsky segment clipping.
fn clip_segment(a: (f64, f64), b: (f64, f64), r: Rect) -> Option<((f64, f64), (f64, f64))> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [(-dx, a.0 - r.x0), (dx, r.x1 - a.0), (-dy, a.1 - r.y0), (dy, r.y1 - a.1)] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
        }
    }
    (t0 <= t1).then_some(((a.0 + t0 * dx, a.1 + t0 * dy), (a.0 + t1 * dx, a.1 + t1 * dy)))
}

/// Sutherland–Hodgman polygon clipping to `r` (error bands).
pub fn clip_polygon(pts: &[(f64, f64)], r: Rect) -> Vec<(f64, f64)> {
    let mut out = pts.to_vec();
    type Inside = fn((f64, f64), f64) -> bool;
    type Cut = fn((f64, f64), (f64, f64), f64) -> (f64, f64);
    let edges: [(Inside, Cut, f64); 4] = [
        (|p, v| p.0 >= v, |a, b, v| (v, a.1 + (b.1 - a.1) * (v - a.0) / (b.0 - a.0)), r.x0),
        (|p, v| p.0 <= v, |a, b, v| (v, a.1 + (b.1 - a.1) * (v - a.0) / (b.0 - a.0)), r.x1),
        (|p, v| p.1 >= v, |a, b, v| (a.0 + (b.0 - a.0) * (v - a.1) / (b.1 - a.1), v), r.y0),
        (|p, v| p.1 <= v, |a, b, v| (a.0 + (b.0 - a.0) * (v - a.1) / (b.1 - a.1), v), r.y1),
    ];
    for (inside, cut, v) in edges {
        let input = std::mem::take(&mut out);
        for i in 0..input.len() {
            let (cur, prev) = (input[i], input[(i + input.len() - 1) % input.len()]);
            match (inside(cur, v), inside(prev, v)) {
                (true, true) => out.push(cur),
                (true, false) => {
                    out.push(cut(prev, cur, v));
                    out.push(cur);
                }
                (false, true) => out.push(cut(prev, cur, v)),
                (false, false) => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clips() {
        let r = Rect { x0: 0.0, y0: 0.0, x1: 10.0, y1: 10.0 };
        assert_eq!(clip_segment((-5.0, 5.0), (5.0, 5.0), r), Some(((0.0, 5.0), (5.0, 5.0))));
        assert_eq!(clip_segment((-5.0, -5.0), (-1.0, -1.0), r), None);
        let poly = clip_polygon(&[(-5.0, 2.0), (5.0, 2.0), (5.0, 8.0), (-5.0, 8.0)], r);
        assert!(poly.iter().all(|p| p.0 >= 0.0));
    }
}
