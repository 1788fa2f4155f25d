//! The text check of a drawn diagram: the shared check of builtin figures
//! (`render::textcheck`, which reads the SVG with the renderer's own parser and measures
//! each text by its glyphs' ink at print size) in the form the diagram code and its tests
//! use — the smallest size the layout may use, and every broken rule in one message.

use crate::render::{self, textcheck};

/// The smallest text size a printed figure may have, in points.
pub const MIN_PT: f64 = textcheck::MIN_TEXT_PT;

/// Every text of a drawn diagram as printed, or why its SVG does not parse.
pub fn text_boxes(svg: &str) -> Result<Vec<textcheck::TextBox>, String> {
    let tree = render::parse(svg).map_err(|e| e.message)?;
    Ok(textcheck::text_boxes(&tree, None))
}

/// Checks the three rules (size, canvas, overlaps); the error lists every broken one.
pub fn check_text(svg: &str) -> Result<(), String> {
    let tree = render::parse(svg).map_err(|e| e.message)?;
    let problems = textcheck::check(&tree, None);
    if problems.is_empty() {
        return Ok(());
    }
    Err(problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))
}

/// The smallest text size in a drawn diagram, in points at print size.
pub fn min_text_pt(svg: &str) -> Option<f64> {
    text_boxes(svg).ok()?.iter().map(|b| b.size_pt).reduce(f64::min)
}
