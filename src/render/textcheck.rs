//! The text check of builtin figures: every piece of text as a reader meets it on the
//! printed page — at least [`MIN_TEXT_PT`] high, inside the figure, and clear of every
//! other piece of text.
//!
//! It reads the finished SVG with the same parser and fonts that make the PDF and PNG, so
//! it sees exactly what is drawn: each `<text>` element is laid out by usvg and measured
//! by the ink of its glyphs (a tick label's box is its digits, not the font's line
//! height), in points at print size. The tests of every builtin chart and diagram run it,
//! and `paperfig gen -v` prints what it finds as warnings.

use std::fmt;

use svg2pdf::usvg;

/// The smallest text a printed figure may carry, in points.
pub const MIN_TEXT_PT: f64 = 7.0;

/// How far two ink boxes may run into each other (points) before they count as
/// overlapping: less than the width of a hairline, invisible at print size.
const TOLERANCE_PT: f64 = 0.3;

/// One piece of text as printed: its content, its ink box and its size, in points.
#[derive(Clone, Debug, PartialEq)]
pub struct TextBox {
    pub text: String,
    /// Left, top, right, bottom of the glyphs' ink, from the figure's top-left corner.
    pub rect: [f64; 4],
    /// The font size at print size.
    pub size_pt: f64,
}

/// What is wrong with a figure's text.
#[derive(Clone, Debug, PartialEq)]
pub enum Problem {
    Small { text: String, size_pt: f64 },
    Outside { text: String },
    Overlap { a: String, b: String },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Small { text, size_pt } => {
                write!(f, "text `{text}` is {size_pt:.1} pt at print size (below {MIN_TEXT_PT} pt)")
            }
            Problem::Outside { text } => write!(f, "text `{text}` runs off the figure"),
            Problem::Overlap { a, b } => write!(f, "text `{a}` overlaps `{b}`"),
        }
    }
}

/// Every text of a parsed figure. `print_width_in` is the width the figure is printed at
/// (`None`: the SVG's own width).
pub fn text_boxes(tree: &usvg::Tree, print_width_in: Option<f64>) -> Vec<TextBox> {
    let mut out = Vec::new();
    collect(tree.root(), print_scale(tree, print_width_in), &mut out);
    out
}

/// Points per usvg unit (1/96 in) of the figure printed at `print_width_in` (`None`: at
/// its own width).
fn print_scale(tree: &usvg::Tree, print_width_in: Option<f64>) -> f64 {
    print_width_in.map_or(72.0 / 96.0, |w| w * 72.0 / f64::from(tree.size().width()))
}

fn collect(group: &usvg::Group, scale: f64, out: &mut Vec<TextBox>) {
    for node in group.children() {
        match node {
            usvg::Node::Group(g) => collect(g, scale, out),
            usvg::Node::Text(t) => {
                // the glyphs' ink in the text's own coordinates, then where it is drawn
                let local = t.flattened().bounding_box();
                let ts = t.abs_transform();
                let corners = [
                    (local.left(), local.top()),
                    (local.right(), local.top()),
                    (local.left(), local.bottom()),
                    (local.right(), local.bottom()),
                ]
                .map(|(x, y)| {
                    let mut p = usvg::tiny_skia_path::Point::from_xy(x, y);
                    ts.map_point(&mut p);
                    (f64::from(p.x), f64::from(p.y))
                });
                let left = corners.iter().map(|c| c.0).fold(f64::INFINITY, f64::min);
                let right = corners.iter().map(|c| c.0).fold(f64::NEG_INFINITY, f64::max);
                let top = corners.iter().map(|c| c.1).fold(f64::INFINITY, f64::min);
                let bottom = corners.iter().map(|c| c.1).fold(f64::NEG_INFINITY, f64::max);
                let factor = f64::from((ts.sx * ts.sy - ts.kx * ts.ky).abs().sqrt());
                let font = t
                    .chunks()
                    .iter()
                    .flat_map(|c| c.spans())
                    .map(|s| f64::from(s.font_size().get()))
                    .fold(f64::INFINITY, f64::min);
                let text: String = t.chunks().iter().map(|c| c.text()).collect();
                if text.trim().is_empty() || !font.is_finite() {
                    continue;
                }
                out.push(TextBox {
                    text,
                    rect: [left * scale, top * scale, right * scale, bottom * scale],
                    // to a hundredth of a point: the f32 geometry carries no more
                    size_pt: (font * factor * scale * 100.0).round() / 100.0,
                });
            }
            _ => {}
        }
    }
}

/// The problems of a figure's text; none for a figure that reads well in print.
pub fn check(tree: &usvg::Tree, print_width_in: Option<f64>) -> Vec<Problem> {
    let boxes = text_boxes(tree, print_width_in);
    let (size, scale) = (tree.size(), print_scale(tree, print_width_in));
    let (w, h) = (f64::from(size.width()) * scale, f64::from(size.height()) * scale);
    let mut problems = Vec::new();
    for b in &boxes {
        if b.size_pt < MIN_TEXT_PT - 1e-6 {
            problems.push(Problem::Small { text: b.text.clone(), size_pt: b.size_pt });
        }
        let [x0, y0, x1, y1] = b.rect;
        let t = TOLERANCE_PT;
        if x0 < -t || y0 < -t || x1 > w + t || y1 > h + t {
            problems.push(Problem::Outside { text: b.text.clone() });
        }
    }
    // Sorted by left edge, each box is compared only with those starting before it ends.
    let mut order: Vec<&TextBox> = boxes.iter().collect();
    order.sort_by(|a, b| a.rect[0].total_cmp(&b.rect[0]));
    for (i, a) in order.iter().enumerate() {
        for b in order[i + 1..].iter().take_while(|b| b.rect[0] < a.rect[2] - TOLERANCE_PT) {
            let across = a.rect[2].min(b.rect[2]) - a.rect[0].max(b.rect[0]);
            let down = a.rect[3].min(b.rect[3]) - a.rect[1].max(b.rect[1]);
            if across > TOLERANCE_PT && down > TOLERANCE_PT {
                problems.push(Problem::Overlap { a: a.text.clone(), b: b.text.clone() });
            }
        }
    }
    problems
}

/// The problems of a builtin figure's SVG as `gen -v` lines (none when it does not parse:
/// the figure's own error says so).
pub fn warnings(svg: &str) -> Vec<String> {
    let Ok(tree) = crate::render::parse(svg) else { return vec![] };
    check(&tree, None).into_iter().map(|p| format!("warning: {p}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(body: &str) -> usvg::Tree {
        let svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"2in\" height=\"1in\" viewBox=\"0 0 1440 720\">{body}</svg>"
        );
        crate::render::parse(&svg).unwrap()
    }

    #[test]
    fn measures_text_in_points_at_print_size() {
        // 1 unit = 1/10 pt, as builtin plots write
        let t = tree("<text x=\"100\" y=\"300\" font-size=\"80\" font-family=\"sans-serif\">Accuracy</text>");
        let b = &text_boxes(&t, None)[0];
        assert_eq!(b.text, "Accuracy");
        assert!((b.size_pt - 8.0).abs() < 1e-3, "{b:?}");
        // the ink: from x = 10 pt, the capital's top about 0.72 × 8 pt above the baseline at 30 pt
        assert!((b.rect[0] - 10.0).abs() < 1.0 && (b.rect[1] - (30.0 - 5.8)).abs() < 0.6, "{b:?}");
        assert!(b.rect[3] > 30.0 && b.rect[3] < 32.5, "descender of y: {b:?}");
        assert!(check(&t, None).is_empty());
        // printed at half its width, the same text is 4 pt
        let half = &text_boxes(&t, Some(1.0))[0];
        assert!((half.size_pt - 4.0).abs() < 1e-3);
        assert!(matches!(&check(&t, Some(1.0))[..], [Problem::Small { .. }]));
    }

    #[test]
    fn finds_small_clipped_and_overlapping_text() {
        let t = tree(concat!(
            "<text x=\"100\" y=\"300\" font-size=\"60\">tiny</text>",
            "<text x=\"1400\" y=\"300\" font-size=\"80\">off the edge</text>",
            "<text x=\"100\" y=\"600\" font-size=\"80\">first label</text>",
            "<text x=\"300\" y=\"620\" font-size=\"80\">second label</text>",
            "<text x=\"100\" y=\"450\" font-size=\"80\">clear</text>",
        ));
        let p = check(&t, None);
        assert!(p.contains(&Problem::Small { text: "tiny".into(), size_pt: 6.0 }), "{p:?}");
        assert!(p.contains(&Problem::Outside { text: "off the edge".into() }), "{p:?}");
        assert!(p.contains(&Problem::Overlap { a: "first label".into(), b: "second label".into() }), "{p:?}");
        assert_eq!(p.len(), 3, "{p:?}");
        assert_eq!(p[0].to_string(), "text `tiny` is 6.0 pt at print size (below 7 pt)");
    }

    #[test]
    fn turned_and_transformed_text_is_measured_where_it_is_drawn() {
        let t = tree(concat!(
            "<g transform=\"translate(700 360) scale(2)\"><text font-size=\"40\">doubled</text></g>",
            "<text transform=\"translate(50 700) rotate(-90)\" font-size=\"80\">turned</text>",
        ));
        let b = text_boxes(&t, None);
        assert!((b[0].size_pt - 8.0).abs() < 1e-3, "{b:?}");
        // read bottom to top: taller than wide
        let [x0, y0, x1, y1] = b[1].rect;
        assert!(y1 - y0 > 2.0 * (x1 - x0) && y1 <= 70.5, "{b:?}");
    }
}
