//! How likely a region is a caption's figure: its score from its size, what it holds, its
//! distance to the caption and the side of the caption it lies on.

use super::geom::Rect;
use super::model::FigureKind;

/// Where a region lies from its caption.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Above,
    Below,
    Left,
    Right,
}

/// What a region holds, for its score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holds {
    /// Graphics: a plot, a diagram, an image.
    Drawing,
    /// Text in rows of cells (two rows at least).
    Cells,
    /// Text alone: a listing, a transcript, or running text that is not body text.
    Text,
}

/// Scores a clipped region: larger, with graphics (or, for a table, cells), close to the
/// caption, on the usual side.
pub fn score(kind: FigureKind, side: Side, region: &Rect, caption: &Rect, holds: Holds, text_area: &Rect) -> f64 {
    let gap = match side {
        Side::Above => caption.y0 - region.y1,
        Side::Below => region.y0 - caption.y1,
        Side::Left => caption.x0 - region.x1,
        Side::Right => region.x0 - caption.x1,
    };
    if gap < -2.0 {
        return 0.0;
    }
    let adjacency = 1.0 / (1.0 + (gap - 12.0).max(0.0) / 36.0);
    let prior = match (kind, side) {
        (_, Side::Left | Side::Right) => 0.5,
        (FigureKind::Figure, Side::Above) | (FigureKind::Table, Side::Below) => 1.0,
        (FigureKind::Figure, Side::Below) => 0.8,
        (FigureKind::Table, Side::Above) => 0.9,
    };
    // A figure of text alone (a listing, a console transcript) sits above its caption;
    // text below a figure's caption is almost always the running text going on. A table
    // is rows of cells.
    let content = match (holds, kind, side) {
        (Holds::Drawing, _, _) => 1.0,
        (Holds::Cells, FigureKind::Table, _) => 0.9,
        (_, FigureKind::Figure, Side::Below) => 0.35,
        (_, FigureKind::Figure, _) | (Holds::Text, FigureKind::Table, _) => 0.6,
    };
    let area = (region.area() / text_area.area().max(1.0)).clamp(0.0, 1.0);
    (0.25 + area.sqrt()) * prior * adjacency * content
}
