//! Text sizes of the house style and text measured with the embedded font.

use crate::render;

/// Node labels, edge labels and group titles, in points at print size.
pub const NODE_PT: f64 = 8.0;
pub const EDGE_PT: f64 = 7.0;
pub const TITLE_PT: f64 = 7.5;
/// Line height as a multiple of the font size.
pub const LEADING: f64 = 1.2;

/// The lines of a label (`\n` separates them).
pub fn lines(text: &str) -> Vec<&str> {
    text.split('\n').collect()
}

/// Width and height of a block of text lines.
pub fn text_box(text: &str, size: f64, bold: bool) -> (f64, f64) {
    let ls = lines(text);
    let w = ls.iter().map(|l| render::text_width(l, size, bold)).fold(0.0, f64::max);
    (w, ls.len() as f64 * size * LEADING)
}
