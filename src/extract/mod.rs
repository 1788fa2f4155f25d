//! Figures from PDFs. Placeholder until the locating modules land: the types `locate`
//! returns, and `crop`.

pub mod crop;

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
    pub figure: String,
    pub kind: FigureKind,
    pub page: usize,
    pub bbox: [f64; 4],
    pub caption_bbox: [f64; 4],
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

/// Locates every captioned figure and table of a PDF, in page order.
pub fn locate(pdf: &[u8]) -> Result<Vec<Located>, ExtractError> {
    crop::open(std::sync::Arc::new(pdf.to_vec()))?;
    Ok(Vec::new())
}
