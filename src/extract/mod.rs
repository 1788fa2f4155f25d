//! Stage "extract": locating figures and tables in a PDF someone else wrote.
//!
//! [`locate`] (or [`Document::open`] + [`Document::locate`] / [`Document::locate_page`])
//! returns every captioned figure and table with its page and bounding box. The method
//! follows pdffigures2 (Clark & Divvala 2016):
//!
//! 1. [`pdf`]: hayro interprets each page into glyphs, path boxes and image boxes.
//! 2. [`text`]: glyphs → lines → blocks; running heads, footers and page numbers.
//! 3. [`caption`]: lines that start a caption, with the evidence that separates real
//!    captions from in-text mentions, chosen document-wide.
//! 4. [`layout`]: caption paragraphs, body-text classification, the page's blockers
//!    (body text, captions, margin text) and contents (graphics, other text).
//! 5. [`regions`]: region proposals on every side of each caption bounded by blockers,
//!    widened and split between neighbouring captions, clipped to their contents, scored
//!    by area, graphics and adjacency (`score`); `pick`: the best non-overlapping set per page wins.
//!
//! [`crop`] cuts a region out as a vector PDF, an SVG and a PNG.
//!
//! [`eval`] scores located boxes against labelled ones (pdffigures2's annotation format).
//!
//! Boxes are `[x0, y0, x1, y1]` in PDF points with the origin at the top-left corner of
//! the page's crop box (pdffigures2's `region_bb` at 72 dpi), y growing down.

pub mod caption;
pub mod crop;
mod document;
pub mod eval;
pub mod geom;
pub mod layout;
mod model;
pub mod pdf;
mod pick;
pub mod regions;
mod score;
#[cfg(test)]
pub(crate) mod testpdf;
pub mod text;
mod turn;

pub use document::{Document, locate};
pub use model::{ExtractError, FigureKind, Located};
