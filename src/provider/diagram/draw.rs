//! House style of diagrams: text measured with the embedded font into node, label and
//! title sizes, and the laid-out geometry written as print-size SVG.
//!
//! Sizes are in points at print size (8 pt node labels, 7 pt edge labels, 7.5 pt bold
//! group titles), the same in one- and two-column figures. The SVG is as wide as the
//! figure; its height follows the drawing's aspect ratio. `fit` decides the scale, which
//! never takes text below 7 pt.

use std::fmt::Write as _;

use super::graph::{Direction, Fill, Graph, LineStyle};
use super::layout::Sizes;
use super::place::Insets;
use super::record;
use super::route::{Geometry, P, Seg};
pub use super::shapes::text_offset;
use super::shapes::{self, num};
pub use super::text::{EDGE_PT, LEADING, NODE_PT, TITLE_PT, lines, text_box};
use crate::provider::house::{self, hex, shade, tint};
use crate::render;

const GROUP_PAD: f64 = 6.0;
const LABEL_PAD: (f64, f64) = (2.0, 1.0);
const MARGIN: f64 = 2.0;
const FAMILY: &str = "Liberation Sans, Arial, Helvetica, sans-serif";

const EDGE_COLOR: (u8, u8, u8) = (0x4D, 0x4D, 0x4D);
const NODE_STROKE: (u8, u8, u8) = (0x4D, 0x4D, 0x4D);
const GROUP_FILL: [(u8, u8, u8); 2] = [(0xF4, 0xF4, 0xF4), (0xE9, 0xE9, 0xE9)];
const GROUP_STROKE: (u8, u8, u8) = (0xBF, 0xBF, 0xBF);

/// Node, label and title sizes for a graph.
pub fn measure(g: &Graph) -> Sizes {
    let nodes = g
        .nodes
        .iter()
        .map(|n| {
            if let Some(f) = &n.record {
                return record::size(f, g.direction == Direction::Down);
            }
            let (tw, th) = text_box(&n.label, NODE_PT, n.emphasis);
            shapes::size(n.shape, tw, th)
        })
        .collect();
    let labels = g
        .edges
        .iter()
        .map(|e| {
            e.label.as_ref().map(|l| {
                let (w, h) = text_box(l, EDGE_PT, false);
                (w + 2.0 * LABEL_PAD.0, h + 2.0 * LABEL_PAD.1)
            })
        })
        .collect();
    let titles = g
        .groups
        .iter()
        .map(|gr| {
            if gr.title.is_empty() {
                (0.0, 0.0)
            } else {
                let (w, h) = text_box(&gr.title, TITLE_PT, true);
                (w + 2.0 * GROUP_PAD, h)
            }
        })
        .collect();
    Sizes { nodes, labels, titles }
}

/// Group padding: the title sits at the top, inside the box.
pub fn insets(g: &Graph, sizes: &Sizes, horizontal: bool) -> Vec<Insets> {
    g.groups
        .iter()
        .zip(&sizes.titles)
        .map(|(gr, &(_, th))| {
            let top = if gr.title.is_empty() { GROUP_PAD } else { 3.0 + th + 3.0 };
            if horizontal {
                Insets { rank_start: GROUP_PAD, rank_end: GROUP_PAD, cross_start: top, cross_end: GROUP_PAD }
            } else {
                Insets { rank_start: top, rank_end: GROUP_PAD, cross_start: GROUP_PAD, cross_end: GROUP_PAD }
            }
        })
        .collect()
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn colour(f: Fill) -> (u8, u8, u8) {
    match f {
        Fill::Palette(i) => house::PALETTE[i],
        Fill::Grey => (0x80, 0x80, 0x80),
    }
}

/// Centred lines of text around (cx, cy).
fn text(out: &mut String, s: &str, (cx, cy): P, size: f64, bold: bool, fill: (u8, u8, u8)) {
    let ls = lines(s);
    let lh = size * LEADING;
    let cap = render::font_metrics().cap_height * size;
    let top = cy - ls.len() as f64 * lh / 2.0;
    let weight = if bold { " font-weight=\"bold\"" } else { "" };
    for (i, l) in ls.iter().enumerate() {
        let y = top + (i as f64 + 0.5) * lh + cap / 2.0;
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"{}\"{weight} text-anchor=\"middle\" fill=\"{}\">{}</text>",
            num(cx),
            num(y),
            num(size),
            hex(fill),
            esc(l)
        );
    }
}

/// Where the drawing goes: the figure's size and the drawing's scale (print pt per pt).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Frame {
    pub width_in: f64,
    pub height_in: f64,
    pub scale: f64,
}

/// Width and height of the drawing with its margin, in points at print size.
pub fn canvas(geo: &Geometry) -> (f64, f64) {
    let b = geo.bounds();
    (b.w + 2.0 * MARGIN, b.h + 2.0 * MARGIN)
}

/// The whole figure as SVG in its frame (see `fit`): as wide as the figure, the drawing
/// centred and scaled by the frame's scale.
pub fn svg(g: &Graph, geo: &Geometry, frame: Frame) -> String {
    let b = geo.bounds();
    let (cw, ch) = canvas(geo);
    let s = frame.scale;
    let vw = frame.width_in * 72.0 / s;
    let x0 = b.x - MARGIN - (vw - cw) / 2.0;
    let y0 = b.y - MARGIN;
    let mut out = String::with_capacity(8192);
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}in\" height=\"{}in\" viewBox=\"{} {} {} {}\" font-family=\"{FAMILY}\">",
        num4(frame.width_in),
        num4(frame.height_in),
        num(x0),
        num(y0),
        num(vw),
        num(ch)
    );
    // Groups, outermost first.
    let mut order: Vec<usize> = (0..g.groups.len()).collect();
    order.sort_by_key(|&i| g.group_path(Some(i)).len());
    for &i in &order {
        let (Some(r), gr) = (geo.groups[i], &g.groups[i]) else { continue };
        let depth = g.group_path(Some(i)).len() - 1;
        let (fill, stroke, title) = match gr.fill {
            Some(f) => (tint(colour(f), 0.10), tint(colour(f), 0.55), shade(colour(f), 0.35)),
            None => (GROUP_FILL[depth % 2], GROUP_STROKE, (0x40, 0x40, 0x40)),
        };
        let (sw, stroke) = if gr.emphasis { (1.2, shade(stroke, 0.3)) } else { (0.6, stroke) };
        let _ = writeln!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3\" fill=\"{}\" stroke=\"{}\" stroke-width=\"{sw}\"/>",
            num(r.x),
            num(r.y),
            num(r.w),
            num(r.h),
            hex(fill),
            hex(stroke)
        );
        if let Some(t) = geo.titles.get(i).copied().flatten() {
            let lh = TITLE_PT * LEADING;
            let cap = render::font_metrics().cap_height * TITLE_PT;
            for (k, l) in lines(&gr.title).iter().enumerate() {
                let y = t.y + (k as f64 + 0.5) * lh + cap / 2.0;
                let _ = writeln!(
                    out,
                    "<text x=\"{}\" y=\"{}\" font-size=\"{TITLE_PT}\" font-weight=\"bold\" fill=\"{}\">{}</text>",
                    num(t.x),
                    num(y),
                    hex(title),
                    esc(l)
                );
            }
        }
    }
    // Edges under nodes, labels over edges.
    for (e, (edge, route)) in g.edges.iter().zip(&geo.routes).enumerate() {
        let (w, c, dash, arrow) = match edge.style {
            LineStyle::Solid => (0.75, EDGE_COLOR, "", (4.5, 1.9)),
            LineStyle::Dashed => (0.75, EDGE_COLOR, " stroke-dasharray=\"3 2\"", (4.5, 1.9)),
            LineStyle::Bold => (1.5, shade(EDGE_COLOR, 0.4), "", (5.5, 2.6)),
        };
        let tip = route.end();
        let before = match route.segs.last() {
            Some(Seg::Curve(_, c2, _)) => *c2,
            _ => route.segs.iter().rev().nth(1).map_or(route.start, |s| match *s {
                Seg::Line(p) | Seg::Curve(_, _, p) => p,
            }),
        };
        let (dx, dy) = (tip.0 - before.0, tip.1 - before.1);
        let len = (dx * dx + dy * dy).sqrt().max(1e-9);
        let (ux, uy) = (dx / len, dy / len);
        let head = if edge.arrow { arrow.0 } else { 0.0 };
        let base = (tip.0 - ux * head, tip.1 - uy * head);
        let mut d = format!("M{} {}", num(route.start.0), num(route.start.1));
        for (k, seg) in route.segs.iter().enumerate() {
            let last = k + 1 == route.segs.len();
            match *seg {
                Seg::Line(p) => {
                    let p = if last { base } else { p };
                    let _ = write!(d, "L{} {}", num(p.0), num(p.1));
                }
                Seg::Curve(a, bb, p) => {
                    let p = if last { base } else { p };
                    let _ =
                        write!(d, "C{} {} {} {} {} {}", num(a.0), num(a.1), num(bb.0), num(bb.1), num(p.0), num(p.1));
                }
            }
        }
        let _ = writeln!(out, "<path d=\"{d}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{w}\"{dash}/>", hex(c));
        let (px, py) = (-uy * arrow.1, ux * arrow.1);
        if edge.arrow {
            let _ = writeln!(
                out,
                "<path d=\"M{} {}L{} {}L{} {}Z\" fill=\"{}\"/>",
                num(tip.0),
                num(tip.1),
                num(base.0 + px),
                num(base.1 + py),
                num(base.0 - px),
                num(base.1 - py),
                hex(c)
            );
        }
        if let (Some(label), Some(r)) = (&edge.label, geo.labels[e]) {
            let inner = g.common_group(g.nodes[edge.from].group, g.nodes[edge.to].group);
            let bg = inner.map_or((0xFF, 0xFF, 0xFF), |gi| match g.groups[gi].fill {
                Some(f) => tint(colour(f), 0.10),
                None => GROUP_FILL[(g.group_path(Some(gi)).len() - 1) % 2],
            });
            let _ = writeln!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>",
                num(r.x),
                num(r.y),
                num(r.w),
                num(r.h),
                hex(bg)
            );
            text(&mut out, label, r.centre(), EDGE_PT, false, (0x33, 0x33, 0x33));
        }
    }
    for (n, r) in g.nodes.iter().zip(&geo.nodes) {
        let (fill, stroke) = match n.fill {
            Some(f @ Fill::Palette(6)) => (tint(colour(f), 0.45), shade(colour(f), 0.45)),
            Some(f) => (tint(colour(f), 0.22), shade(colour(f), 0.1)),
            None => ((0xFF, 0xFF, 0xFF), NODE_STROKE),
        };
        let sw = if n.emphasis { 1.5 } else { 0.8 };
        let paint = format!("fill=\"{}\" stroke=\"{}\" stroke-width=\"{sw}\"", hex(fill), hex(stroke));
        shapes::svg(&mut out, n.shape, (r.x, r.y, r.w, r.h), &paint);
        if let Some(f) = &n.record {
            let (cells, seps) = record::cells(f, (r.x, r.y, r.w, r.h), g.direction == Direction::Down);
            for [x0, y0, x1, y1] in seps {
                let _ = writeln!(
                    out,
                    "<path d=\"M{} {}L{} {}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{sw}\"/>",
                    num(x0),
                    num(y0),
                    num(x1),
                    num(y1),
                    hex(stroke)
                );
            }
            for c in cells.iter().filter(|c| !c.text.is_empty()) {
                let (x, y, w, h) = c.rect;
                text(&mut out, &c.text, (x + w / 2.0, y + h / 2.0), NODE_PT, false, house::TEXT);
            }
            continue;
        }
        let (cx, cy) = r.centre();
        text(&mut out, &n.label, (cx, cy + text_offset(n.shape, r.w)), NODE_PT, n.emphasis, house::TEXT);
    }
    out.push_str("</svg>\n");
    out
}

fn num4(v: f64) -> String {
    let s = format!("{v:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}
