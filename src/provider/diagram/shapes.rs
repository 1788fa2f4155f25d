//! Node shapes: the box a shape needs around its text, where its outline lies (edges end
//! there), where the text goes, and its SVG. Everything is in drawn coordinates (x right,
//! y down), in points at print size.

use std::fmt::Write as _;

use super::graph::Shape;

/// Padding around node text, in points.
pub const PAD_X: f64 = 5.0;
pub const PAD_Y: f64 = 4.0;
/// Narrowest node.
pub const MIN_W: f64 = 30.0;
const ROUND_R: f64 = 4.0;
/// Size of a note's folded corner.
pub const FOLD: f64 = 6.0;

/// Cap height of a cylinder's ellipse for a node `w` wide.
pub fn cylinder_ry(w: f64) -> f64 {
    (w * 0.08).clamp(2.0, 4.5)
}

/// How far a parallelogram's top is shifted, or a hexagon's points stand out, for a node `h` high.
pub fn slant(h: f64) -> f64 {
    (h * 0.35).clamp(4.0, 10.0)
}

/// Width and height of a node of `shape` around a text box `tw` × `th`.
pub fn size(shape: Shape, tw: f64, th: f64) -> (f64, f64) {
    let h = th + 2.0 * PAD_Y;
    match shape {
        Shape::Box | Shape::Rounded | Shape::Note | Shape::Plain | Shape::Record | Shape::MRecord => {
            ((tw + 2.0 * PAD_X).max(MIN_W), h)
        }
        Shape::Ellipse => ((tw * 1.42 + 2.0 * PAD_X).max(MIN_W), th * 1.42 + 2.0 * PAD_Y),
        Shape::Circle => {
            let d = (tw * tw + th * th).sqrt() + 2.0 * PAD_Y;
            (d.max(h), d.max(h))
        }
        Shape::Cylinder => {
            let w = (tw + 2.0 * PAD_X).max(MIN_W);
            (w, h + 3.0 * cylinder_ry(w))
        }
        // The text box's corners lie on the diamond when it is twice the text's size.
        Shape::Diamond => ((2.0 * tw + 2.0 * PAD_X).max(MIN_W), 2.0 * th + PAD_Y),
        Shape::Parallelogram | Shape::Hexagon => ((tw + 2.0 * PAD_X).max(MIN_W) + 2.0 * slant(h), h),
        Shape::Stadium => ((tw + 2.0 * PAD_X).max(MIN_W) + h / 2.0, h),
    }
}

/// Offset of the text centre below the node centre (cylinders keep text off the lid).
pub fn text_offset(shape: Shape, w: f64) -> f64 {
    if shape == Shape::Cylinder { cylinder_ry(w) / 2.0 } else { 0.0 }
}

/// Distance from the centre of a `w` × `h` node to its outline along x (`along_x`) or y,
/// towards `dir` (+1 right/down, -1 left/up), at offset `off` across that axis.
pub fn reach(shape: Shape, w: f64, h: f64, along_x: bool, dir: f64, off: f64) -> f64 {
    let (half, other) = if along_x { (w / 2.0, h / 2.0) } else { (h / 2.0, w / 2.0) };
    let t = (off / other).clamp(-1.0, 1.0);
    let round = (1.0 - t * t).max(0.0).sqrt();
    match shape {
        Shape::Box | Shape::Rounded | Shape::Note | Shape::Plain | Shape::Record | Shape::MRecord => half,
        Shape::Ellipse | Shape::Circle => half * round,
        Shape::Cylinder if along_x => half,
        Shape::Cylinder => {
            let ry = cylinder_ry(w);
            half - ry + ry * round
        }
        Shape::Diamond => half * (1.0 - t.abs()),
        Shape::Hexagon if along_x => half - slant(h) * t.abs(),
        Shape::Parallelogram if along_x => {
            let s = slant(h);
            half - s / 2.0 - dir * off * s / h
        }
        Shape::Hexagon | Shape::Parallelogram => half,
        Shape::Stadium if along_x => {
            let r = h / 2.0;
            half - r + (r * r - off * off).max(0.0).sqrt()
        }
        Shape::Stadium => {
            let (r, ax) = (h / 2.0, off.abs() - (w / 2.0 - h / 2.0));
            if ax <= 0.0 { half } else { (r * r - ax * ax).max(0.0).sqrt() }
        }
    }
}

/// How much of a node's face edges may spread their ends over (the rest is too slanted).
pub fn port_span(shape: Shape) -> f64 {
    match shape {
        Shape::Ellipse | Shape::Circle => 0.45,
        Shape::Diamond => 0.3,
        _ => 0.6,
    }
}

/// The corners of a polygonal shape, clockwise from the top left.
pub fn polygon(shape: Shape, x: f64, y: f64, w: f64, h: f64) -> Option<Vec<(f64, f64)>> {
    let s = slant(h);
    Some(match shape {
        Shape::Diamond => vec![(x + w / 2.0, y), (x + w, y + h / 2.0), (x + w / 2.0, y + h), (x, y + h / 2.0)],
        Shape::Parallelogram => vec![(x + s, y), (x + w, y), (x + w - s, y + h), (x, y + h)],
        Shape::Hexagon => {
            vec![(x + s, y), (x + w - s, y), (x + w, y + h / 2.0), (x + w - s, y + h), (x + s, y + h), (x, y + h / 2.0)]
        }
        Shape::Note => vec![(x, y), (x + w - FOLD, y), (x + w, y + FOLD), (x + w, y + h), (x, y + h)],
        _ => return None,
    })
}

pub fn num(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

/// The shape's outline as SVG elements painted with `paint` (fill and stroke attributes).
pub fn svg(out: &mut String, shape: Shape, (x, y, w, h): (f64, f64, f64, f64), paint: &str) {
    if let Some(pts) = polygon(shape, x, y, w, h) {
        let d: Vec<String> = pts.iter().map(|(px, py)| format!("{} {}", num(*px), num(*py))).collect();
        let _ = writeln!(out, "<path d=\"M{}Z\" {paint}/>", d.join("L"));
        if shape == Shape::Note {
            let (fx, fy) = (x + w - FOLD, y + FOLD);
            let _ = writeln!(
                out,
                "<path d=\"M{} {}L{} {}L{} {}\" fill=\"none\" {}/>",
                num(fx),
                num(y),
                num(fx),
                num(fy),
                num(x + w),
                num(fy),
                paint.split(' ').filter(|p| !p.starts_with("fill=")).collect::<Vec<_>>().join(" ")
            );
        }
        return;
    }
    match shape {
        Shape::Box | Shape::Rounded | Shape::Stadium | Shape::Plain | Shape::Record | Shape::MRecord => {
            let rx = match shape {
                Shape::Rounded | Shape::MRecord => ROUND_R,
                Shape::Stadium => h / 2.0,
                _ => 0.0,
            };
            let paint = if shape == Shape::Plain { "fill=\"none\" stroke=\"none\"" } else { paint };
            let _ = writeln!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{}\" {paint}/>",
                num(x),
                num(y),
                num(w),
                num(h),
                num(rx)
            );
        }
        Shape::Cylinder => {
            let ry = cylinder_ry(w);
            let (a, x1, yt, yb) = (num(w / 2.0), num(x + w), num(y + ry), num(y + h - ry));
            let _ = writeln!(
                out,
                "<path d=\"M{x0} {yt}L{x0} {yb}A{a} {ry} 0 0 0 {x1} {yb}L{x1} {yt}A{a} {ry} 0 0 0 {x0} {yt}Z\" {paint}/>",
                x0 = num(x),
                ry = num(ry)
            );
            let _ = writeln!(
                out,
                "<ellipse cx=\"{}\" cy=\"{yt}\" rx=\"{a}\" ry=\"{}\" {paint}/>",
                num(x + w / 2.0),
                num(ry)
            );
        }
        _ => {
            let _ = writeln!(
                out,
                "<ellipse cx=\"{}\" cy=\"{}\" rx=\"{}\" ry=\"{}\" {paint}/>",
                num(x + w / 2.0),
                num(y + h / 2.0),
                num(w / 2.0),
                num(h / 2.0)
            );
        }
    }
}
