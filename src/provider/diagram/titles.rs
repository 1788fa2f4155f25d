//! Where group titles go: in the strip the layout left at the top of each group, slid
//! along it to the first place no edge crosses (the left end when free, as before), so
//! no edge runs through a title.

use super::draw::{TITLE_PT, text_box};
use super::graph::Graph;
use super::route::{Geometry, P, Rect, samples};

/// Title inset from the group's left and top sides, in points.
pub const TITLE_INSET: (f64, f64) = (6.0, 3.0);
/// Room kept between a title and an edge crossing its strip.
const CLEAR: f64 = 1.5;

/// Sets `geo.titles`: each titled group's title box; returns the groups whose title no
/// place in the strip keeps clear of edges (it is then at the left end).
pub fn place(g: &Graph, geo: &mut Geometry) -> Vec<usize> {
    let mut crossed = Vec::new();
    let pieces: Vec<Vec<P>> = geo.routes.iter().map(|r| samples(r.start, &r.segs)).collect();
    geo.titles = g
        .groups
        .iter()
        .zip(&geo.groups)
        .enumerate()
        .map(|(gi, (gr, r))| {
            let r = (*r)?;
            if gr.title.is_empty() {
                return None;
            }
            let (tw, th) = text_box(&gr.title, TITLE_PT, true);
            let (y0, y1) = (r.y + TITLE_INSET.1, r.y + TITLE_INSET.1 + th);
            // The x ranges that edges take inside the strip.
            let mut blocked: Vec<(f64, f64)> = Vec::new();
            for pts in &pieces {
                for w in pts.windows(2) {
                    if let Some(span) = clip(w[0], w[1], y0, y1) {
                        blocked.push((span.0 - CLEAR, span.1 + CLEAR));
                    }
                }
            }
            blocked.sort_by(|a, b| a.0.total_cmp(&b.0));
            let (lo, hi) = (r.x + TITLE_INSET.0, r.x + r.w - TITLE_INSET.0);
            let mut x = lo;
            for &(b0, b1) in &blocked {
                if b0 >= x + tw {
                    break;
                }
                x = x.max(b1);
            }
            if x + tw > hi + 1e-9 {
                x = lo;
                crossed.push(gi);
            }
            Some(Rect { x, y: y0, w: tw, h: th })
        })
        .collect();
    crossed
}

/// The x range of segment `a`–`b` between heights `y0` and `y1`, if it passes there.
fn clip(a: P, b: P, y0: f64, y1: f64) -> Option<(f64, f64)> {
    let (top, bottom) = (a.1.min(b.1), a.1.max(b.1));
    if bottom < y0 || top > y1 {
        return None;
    }
    let at = |y: f64| if (b.1 - a.1).abs() < 1e-12 { a.0 } else { a.0 + (b.0 - a.0) * (y - a.1) / (b.1 - a.1) };
    let (ya, yb) = (top.max(y0), bottom.min(y1));
    let (xa, xb) = (at(ya), at(yb));
    if (b.1 - a.1).abs() < 1e-12 {
        return Some((a.0.min(b.0), a.0.max(b.0)));
    }
    Some((xa.min(xb), xa.max(xb)))
}
