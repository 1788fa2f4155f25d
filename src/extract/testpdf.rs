//! Test support: one-page PDFs written with pdf-writer, one standard font, any content.

use hayro_write::pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref};

/// A one-page PDF of `width` x `height` points whose font `/F1` is the standard font
/// `font` (`Helvetica`, `Times-Roman`), with the content `draw` writes (PDF coordinates,
/// y up).
pub(crate) fn one_page(width: f32, height: f32, font: &[u8], draw: impl FnOnce(&mut Content)) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let (catalog, pages, page, font_id, content) = (Ref::new(1), Ref::new(2), Ref::new(3), Ref::new(4), Ref::new(5));
    pdf.catalog(catalog).pages(pages);
    pdf.pages(pages).kids([page]).count(1);
    let mut p = pdf.page(page);
    p.media_box(Rect::new(0.0, 0.0, width, height)).parent(pages).contents(content);
    p.resources().fonts().pair(Name(b"F1"), font_id);
    p.finish();
    pdf.type1_font(font_id).base_font(Name(font));
    let mut c = Content::new();
    draw(&mut c);
    pdf.stream(content, &c.finish());
    pdf.finish()
}
