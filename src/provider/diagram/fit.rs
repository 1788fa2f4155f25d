//! Fitting a diagram to its figure without letting text shrink below [`MIN_PT`] at print
//! size. The drawing is made at print size (8 pt nodes, 7 pt edge labels); it may be
//! scaled down only as far as its smallest text allows. When it is too wide for the
//! figure even then, it is laid out again more compactly (tighter gaps, then labels
//! wrapped at spaces to narrower widths); when none fits, the figure fails with the
//! width it would need and a hint. A drawing taller than `height=` makes a taller
//! figure (text is never shrunk for height), up to [`MAX_HEIGHT_IN`].

use super::check::MIN_PT;
pub use super::draw::Frame;
use super::draw::{self, EDGE_PT, NODE_PT, TITLE_PT, text_box};
use super::graph::{Direction, Graph};
use super::route::Geometry;
use crate::model::ProviderError;
use crate::render;

/// The tallest figure a diagram may make, in inches (a page's text height).
pub const MAX_HEIGHT_IN: f64 = 9.0;

/// A graph as drawn (labels possibly wrapped), its geometry and its frame.
pub struct Fitted {
    pub graph: Graph,
    pub geometry: Geometry,
    pub frame: Frame,
}

/// Layouts tried in order: (how tight the gaps, widest line of a label in points; 1 pt
/// puts every word on its own line).
const ATTEMPTS: [(u8, Option<f64>); 8] = [
    (0, None),
    (1, None),
    (2, None),
    (2, Some(110.0)),
    (2, Some(80.0)),
    (2, Some(56.0)),
    (2, Some(36.0)),
    (2, Some(1.0)),
];

/// The first layout of [`ATTEMPTS`] that fits `width_in` with text at [`MIN_PT`] or more.
pub fn fit(g: &Graph, width_in: f64, max_height_in: f64) -> Result<Fitted, ProviderError> {
    let smallest = smallest_pt(g);
    let min_scale = (MIN_PT / smallest).min(1.0);
    let (fw, fh) = (width_in * 72.0, max_height_in * 72.0);
    let mut narrowest = f64::INFINITY;
    for (tight, wrap) in ATTEMPTS {
        let graph = match wrap {
            Some(w) => wrapped(g, w),
            None => g.clone(),
        };
        if wrap.is_some() && same_labels(&graph, g) {
            continue;
        }
        let geometry = super::arrange::geometry_with(&graph, tight);
        let (cw, ch) = draw::canvas(&geometry);
        narrowest = narrowest.min(cw * min_scale);
        if cw * min_scale > 4.0 * fw {
            // Tighter gaps and wrapped labels cannot win that much back.
            break;
        }
        if cw * min_scale > fw + 1e-6 {
            continue;
        }
        let scale = (fw / cw).min(fh / ch).clamp(min_scale, 1.0);
        let height_in = ch * scale / 72.0;
        if height_in > MAX_HEIGHT_IN {
            let other = if g.direction == Direction::Down { "right" } else { "down" };
            return Err(ProviderError::new(format!(
                "the diagram would be {height_in:.1} in high with its text at {MIN_PT} pt or larger; figures stop at {MAX_HEIGHT_IN} in"
            ))
            .at_attr("height")
            .hint(format!("lay it out `direction: {other}` or split it into several figures")));
        }
        return Ok(Fitted { graph, geometry, frame: Frame { width_in, height_in, scale } });
    }
    let other = if g.direction == Direction::Right { "down" } else { "right" };
    Err(ProviderError::new(format!(
        "the diagram needs {:.1} in of width with its text at {MIN_PT} pt or larger, but the figure is {width_in} in wide",
        narrowest / 72.0
    ))
    .at_attr("size")
    .hint(format!(
        "make the figure wider (`size=wide` or a length), lay it out `direction: {other}`, shorten the labels, or split it into several figures"
    )))
}

/// The smallest text size the graph uses at print size.
fn smallest_pt(g: &Graph) -> f64 {
    let mut pt = NODE_PT;
    if g.edges.iter().any(|e| e.label.as_deref().is_some_and(|l| !l.is_empty())) {
        pt = pt.min(EDGE_PT);
    }
    if g.groups.iter().any(|gr| !gr.title.is_empty()) {
        pt = pt.min(TITLE_PT);
    }
    pt
}

fn same_labels(a: &Graph, b: &Graph) -> bool {
    a.nodes.iter().zip(&b.nodes).all(|(x, y)| x.label == y.label)
        && a.edges.iter().zip(&b.edges).all(|(x, y)| x.label == y.label)
        && a.groups.iter().zip(&b.groups).all(|(x, y)| x.title == y.title)
}

/// The graph with every label's lines broken at spaces to at most `max_w` points.
fn wrapped(g: &Graph, max_w: f64) -> Graph {
    let mut g = g.clone();
    for n in &mut g.nodes {
        n.label = wrap(&n.label, NODE_PT, n.emphasis, max_w);
    }
    for e in &mut g.edges {
        if let Some(l) = &mut e.label {
            *l = wrap(l, EDGE_PT, false, max_w);
        }
    }
    for gr in &mut g.groups {
        gr.title = wrap(&gr.title, TITLE_PT, true, max_w);
    }
    g
}

/// `text` with each line broken greedily at spaces so it is at most `max_w` wide (a single
/// word wider than that keeps its own line).
pub fn wrap(text: &str, size: f64, bold: bool, max_w: f64) -> String {
    if text_box(text, size, bold).0 <= max_w {
        return text.to_string();
    }
    let mut out: Vec<String> = Vec::new();
    for line in text.split('\n') {
        let mut cur = String::new();
        for word in line.split(' ').filter(|w| !w.is_empty()) {
            let candidate = if cur.is_empty() { word.to_string() } else { format!("{cur} {word}") };
            if !cur.is_empty() && render::text_width(&candidate, size, bold) > max_w {
                out.push(std::mem::take(&mut cur));
                cur = word.to_string();
            } else {
                cur = candidate;
            }
        }
        out.push(cur);
    }
    out.join("\n")
}
