//! The extract stage's vocabulary: what a located figure is, and why a PDF could not be read.

use std::fmt;

/// Figure or table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FigureKind {
    Figure,
    Table,
}

impl fmt::Display for FigureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FigureKind::Figure => "figure",
            FigureKind::Table => "table",
        })
    }
}

/// One located figure or table.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Located {
    /// The number as printed in the caption: "3", "3.1", "IV".
    pub figure: String,
    pub kind: FigureKind,
    /// 1-based page number.
    pub page: usize,
    /// The figure's region (without its caption), tight to its visible ink: `[x0, y0, x1,
    /// y1]` in PDF points, origin top-left of the page's crop box, y down.
    pub bbox: [f64; 4],
    /// The region as laid out, before it was trimmed to visible ink: images with their
    /// white margins, text by its glyph boxes (`trim=false` crops this).
    pub untrimmed: [f64; 4],
    /// The caption's box, same convention.
    pub caption_bbox: [f64; 4],
    /// The caption text, starting with "Figure 3:" or similar.
    pub caption: String,
}

/// Why a PDF could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    #[error("the PDF is encrypted and cannot be read without a password")]
    Encrypted,
    #[error("the file is not a PDF (no %PDF- header)")]
    NotPdf,
    #[error("the PDF is truncated (no %%EOF marker at its end)")]
    Truncated,
    #[error("the PDF is corrupt: {0}")]
    Corrupt(String),
    #[error("the PDF has no pages")]
    NoPages,
    #[error("page {page} does not exist (the PDF has {count} pages)")]
    NoSuchPage { page: usize, count: usize },
}
