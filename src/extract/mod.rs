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
//!    by area, graphics and adjacency; the best non-overlapping set per page wins.
//!
//! [`crop`] cuts a region out as a vector PDF, an SVG and a PNG.
//!
//! [`eval`] scores located boxes against labelled ones (pdffigures2's annotation format).
//!
//! Boxes are `[x0, y0, x1, y1]` in PDF points with the origin at the top-left corner of
//! the page's crop box (pdffigures2's `region_bb` at 72 dpi), y growing down.

pub mod caption;
pub mod crop;
pub mod eval;
pub mod geom;
pub mod layout;
pub mod pdf;
pub mod regions;
pub mod text;

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

use hayro_interpret::hayro_syntax::{LoadPdfError, Pdf};
use hayro_interpret::{InterpreterCache, InterpreterSettings};

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
    /// The figure's region (without its caption): `[x0, y0, x1, y1]` in PDF points,
    /// origin top-left of the page's crop box, y down.
    pub bbox: [f64; 4],
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

/// Locates every captioned figure and table of a PDF, in page order.
pub fn locate(pdf: &[u8]) -> Result<Vec<Located>, ExtractError> {
    Document::open(pdf)?.locate()
}

/// An opened PDF: parse once, then locate the whole document or page by page.
pub struct Document {
    pdf: Pdf,
}

impl Document {
    /// Parses the PDF. Encrypted, truncated, corrupt and page-less files are errors; a
    /// panic inside the PDF library is caught and reported as corruption.
    pub fn open(bytes: &[u8]) -> Result<Document, ExtractError> {
        let head = &bytes[..bytes.len().min(1024)];
        if !head.windows(5).any(|w| w == b"%PDF-") {
            return Err(ExtractError::NotPdf);
        }
        let tail = &bytes[bytes.len().saturating_sub(2048)..];
        if !tail.windows(5).any(|w| w == b"%%EOF") {
            return Err(ExtractError::Truncated);
        }
        let data = bytes.to_vec();
        let pdf = match catch_unwind(AssertUnwindSafe(|| Pdf::new(data))) {
            Ok(Ok(pdf)) => pdf,
            Ok(Err(LoadPdfError::Decryption(_))) => return Err(ExtractError::Encrypted),
            Ok(Err(LoadPdfError::Invalid)) => return Err(ExtractError::Corrupt("no readable page tree".into())),
            Err(_) => return Err(ExtractError::Corrupt("the PDF reader failed on this file".into())),
        };
        let count = catch_unwind(AssertUnwindSafe(|| pdf.pages().len())).unwrap_or(0);
        if count == 0 {
            return Err(ExtractError::NoPages);
        }
        Ok(Document { pdf })
    }

    /// The parsed PDF, for cropping (`crop`).
    pub fn pdf(&self) -> &Pdf {
        &self.pdf
    }

    /// Number of pages.
    pub fn page_count(&self) -> usize {
        self.pdf.pages().len()
    }

    /// Reads one page (1-based) into glyphs and graphics. A page the PDF library cannot
    /// interpret comes back as far as it got, or empty.
    pub fn content(&self, page: usize) -> Result<pdf::PageContent, ExtractError> {
        self.content_with(page, &InterpreterCache::new())
    }

    /// [`Document::content`] with a cache shared between pages (fonts are parsed once).
    fn content_with<'a>(&'a self, page: usize, cache: &InterpreterCache<'a>) -> Result<pdf::PageContent, ExtractError> {
        let count = self.page_count();
        if page == 0 || page > count {
            return Err(ExtractError::NoSuchPage { page, count });
        }
        let settings = InterpreterSettings::default();
        let pages = self.pdf.pages();
        let result = catch_unwind(AssertUnwindSafe(|| pdf::read_page(&pages[page - 1], cache, &settings)));
        Ok(result.unwrap_or_default())
    }

    /// Locates the figures of one page (1-based), judging captions by that page alone.
    /// Faster for a known page; [`Document::locate`] is more accurate because it compares
    /// caption candidates across the document.
    pub fn locate_page(&self, page: usize) -> Result<Vec<Located>, ExtractError> {
        let content = self.content(page)?;
        let pages = vec![layout::PageText::new(page, content)];
        let stats = layout::Stats::of(&pages);
        Ok(layout::locate_pages(&pages, &stats))
    }

    /// Locates every captioned figure and table, in page order.
    pub fn locate(&self) -> Result<Vec<Located>, ExtractError> {
        let mut pages = Vec::with_capacity(self.page_count());
        let cache = InterpreterCache::new();
        for n in 1..=self.page_count() {
            pages.push(layout::PageText::new(n, self.content_with(n, &cache)?));
        }
        let stats = layout::Stats::of(&pages);
        Ok(layout::locate_pages(&pages, &stats))
    }
}
