//! The PDF reading path on arbitrary bytes: open, locate figures, crop a region of the
//! first page to PDF, SVG and PNG. Any panic (or hang, or abort) is a bug: bad PDFs must
//! come back as `ExtractError`/`CropError`.

#![no_main]

// paperfig's extract stage, compiled here on its own (see Cargo.toml).
#[path = "../../src/extract/mod.rs"]
#[allow(dead_code, unused_imports)]
mod extract;

use extract::{Document, crop};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = Document::open(data) else { return };
    let _ = doc.locate();
    let pdf = doc.pdf();
    let region = crop::Region { page: 1, bbox: [0.0, 0.0, 200.0, 200.0] };
    let _ = crop::crop_pdf(pdf, &region);
    let _ = crop::crop_svg(pdf, &region);
    let _ = crop::crop_png(pdf, &region, 36.0);
});
