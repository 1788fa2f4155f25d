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

/// What writes one page's content.
pub(crate) type Draw = Box<dyn FnOnce(&mut Content)>;

/// A PDF of one page per closure in `pages`, each `width` x `height` points, whose font
/// `/F1` is Times-Roman and `/F2` Courier (a monospaced font, for code), with the content
/// each closure writes (PDF coordinates, y up).
pub(crate) fn pages(width: f32, height: f32, pages: Vec<Draw>) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let (catalog, tree, times, courier) = (Ref::new(1), Ref::new(2), Ref::new(3), Ref::new(4));
    let ids: Vec<(Ref, Ref)> = (0..pages.len() as i32).map(|i| (Ref::new(5 + 2 * i), Ref::new(6 + 2 * i))).collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids(ids.iter().map(|(p, _)| *p)).count(ids.len() as i32);
    pdf.type1_font(times).base_font(Name(b"Times-Roman"));
    pdf.type1_font(courier).base_font(Name(b"Courier"));
    for ((page, content), draw) in ids.iter().zip(pages) {
        let mut p = pdf.page(*page);
        p.media_box(Rect::new(0.0, 0.0, width, height)).parent(tree).contents(*content);
        let mut res = p.resources();
        let mut fonts = res.fonts();
        fonts.pair(Name(b"F1"), times).pair(Name(b"F2"), courier);
        fonts.finish();
        res.finish();
        p.finish();
        let mut c = Content::new();
        draw(&mut c);
        pdf.stream(*content, &c.finish());
    }
    pdf.finish()
}
