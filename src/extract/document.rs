//! An opened PDF, located as a whole or page by page.

use std::panic::{AssertUnwindSafe, catch_unwind};

use hayro_interpret::hayro_syntax::{LoadPdfError, Pdf};
use hayro_interpret::{InterpreterCache, InterpreterSettings};

use super::layout;
use super::model::{ExtractError, Located};
use super::pdf;

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
        self.content_with(page, &InterpreterCache::new(), &mut pdf::GlyphBoxes::default())
    }

    /// [`Document::content`] with a cache shared between pages (fonts are parsed once).
    fn content_with<'a>(
        &'a self,
        page: usize,
        cache: &InterpreterCache<'a>,
        boxes: &mut pdf::GlyphBoxes,
    ) -> Result<pdf::PageContent, ExtractError> {
        let count = self.page_count();
        if page == 0 || page > count {
            return Err(ExtractError::NoSuchPage { page, count });
        }
        let settings = InterpreterSettings::default();
        let pages = self.pdf.pages();
        let result = catch_unwind(AssertUnwindSafe(|| pdf::read_page(&pages[page - 1], cache, &settings, boxes)));
        Ok(result.unwrap_or_default())
    }

    /// Locates the figures of one page (1-based), judging captions by that page alone.
    /// Faster for a known page; [`Document::locate`] is more accurate because it compares
    /// caption candidates across the document.
    pub fn locate_page(&self, page: usize) -> Result<Vec<Located>, ExtractError> {
        let content = self.content(page)?;
        let pages = vec![layout::PageText::new(page, content)];
        let stats = layout::Stats::of(&pages);
        Ok(layout::locate_pages(&layout::with_turned(pages), &stats))
    }

    /// Locates every captioned figure and table, in page order.
    pub fn locate(&self) -> Result<Vec<Located>, ExtractError> {
        let mut pages = Vec::with_capacity(self.page_count());
        let cache = InterpreterCache::new();
        let mut boxes = pdf::GlyphBoxes::default();
        for n in 1..=self.page_count() {
            pages.push(layout::PageText::new(n, self.content_with(n, &cache, &mut boxes)?));
        }
        layout::mark_running_heads(&mut pages);
        let stats = layout::Stats::of(&pages);
        Ok(layout::locate_pages(&layout::with_turned(pages), &stats))
    }
}
