use pdf_writer::{Content, Finish, Name, Rect};

use super::*;

/// A one-page figure drawing a filled square of `grey`, with a transparency group.
fn figure(grey: f32, size: f32) -> Vec<u8> {
    let mut pdf = pdf_writer::Pdf::new();
    let (catalog, pages, page, content) = (Ref::new(1), Ref::new(2), Ref::new(3), Ref::new(4));
    pdf.catalog(catalog).pages(pages);
    pdf.pages(pages).kids([page]).count(1);
    let mut p = pdf.page(page);
    p.parent(pages).media_box(Rect::new(0.0, 0.0, size, size)).contents(content);
    p.group().transparency().isolated(true);
    p.finish();
    let mut c = Content::new();
    c.set_fill_gray(grey).rect(10.0, 10.0, size - 20.0, size - 20.0).fill_nonzero();
    pdf.stream(content, &c.finish());
    pdf.finish()
}

/// A one-page paper placing `fig`'s page as Form XObject 5, as xdvipdfmx does.
fn paper(fig: &[u8], xref_stream: bool) -> Vec<u8> {
    let page_of = figure_page(fig).unwrap();
    let fig_pdf = Pdf::new(fig.to_vec()).unwrap();
    let content = fig_pdf.pages()[0].page_stream().unwrap().to_vec();
    let mut pdf = pdf_writer::Pdf::new();
    let (catalog, pages, page, body, form) = (Ref::new(1), Ref::new(2), Ref::new(3), Ref::new(4), Ref::new(5));
    pdf.catalog(catalog).pages(pages);
    pdf.pages(pages).kids([page]).count(1);
    let mut p = pdf.page(page);
    p.parent(pages).media_box(Rect::new(0.0, 0.0, 300.0, 300.0)).contents(body);
    p.resources().x_objects().pair(Name(b"Fm0"), form);
    p.finish();
    let mut c = Content::new();
    c.save_state().transform([1.0, 0.0, 0.0, 1.0, 50.0, 50.0]).x_object(Name(b"Fm0")).restore_state();
    pdf.stream(body, &c.finish());
    let [x0, y0, x1, y1] = page_of.bbox.map(|v| v as f32);
    pdf.form_xobject(form, &content).bbox(Rect::new(x0, y0, x1, y1));
    if xref_stream { pdf.finish_with_xref_stream(Ref::new(6)) } else { pdf.finish() }
}

/// Page 1 of `pdf` drawn by hayro, as RGBA pixels.
fn drawn(pdf: &[u8]) -> Vec<u8> {
    let pdf = Pdf::new(pdf.to_vec()).unwrap();
    let pixmap_settings = hayro::PixmapSettings { x_scale: 0.5, y_scale: 0.5, ..Default::default() };
    let cache = hayro::RenderCache::new();
    let interpreter = hayro::hayro_interpret::InterpreterSettings::default();
    let pixmap =
        hayro::render(&pdf.pages()[0], &cache, &interpreter, &hayro::RenderSettings::default(), &pixmap_settings);
    pixmap.data_as_u8_slice().to_vec()
}

#[test]
fn a_placed_figure_is_found_by_its_drawing_and_replaced_in_an_update() {
    for xref_stream in [false, true] {
        let (dark, light) = (figure(0.2, 100.0), figure(0.8, 100.0));
        let base = paper(&dark, xref_stream);
        let trailer = trailer(&base).unwrap();
        assert_eq!((trailer.stream, trailer.root.as_str()), (xref_stream, "1 0 R"));
        let forms = forms(&base).unwrap();
        let placed: Vec<&Form> = forms.iter().filter(|f| f.content == figure_page(&dark).unwrap().content).collect();
        assert_eq!(placed.iter().map(|f| f.object).collect::<Vec<_>>(), [5]);

        let updated = update(&base, &trailer, &[(5, &light)]).unwrap();
        assert!(updated.starts_with(&base), "an update only appends");
        assert!(updated.ends_with(b"%%EOF\n"));
        // It draws as a paper made with the light figure from the start would.
        assert_eq!(drawn(&updated), drawn(&paper(&light, xref_stream)), "xref stream: {xref_stream}");
        assert_ne!(drawn(&updated), drawn(&base));
        // The update's Form has no transparency group (xdvipdfmx copies none).
        let tail = String::from_utf8_lossy(&updated[base.len()..]).into_owned();
        assert!(!tail.contains("/Group"), "{tail}");
        // Updating again from the same base works the same way.
        let again = update(&base, &trailer, &[(5, &light)]).unwrap();
        assert_eq!(again, updated);
    }
}

#[test]
fn only_one_page_unrotated_figures_are_replaceable() {
    assert!(figure_page(&figure(0.5, 80.0)).is_some());
    assert!(figure_page(b"%PDF-1.7\nnot a pdf").is_none());
    assert!(forms(b"garbage").is_none());
    assert!(trailer(b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n").is_none());
    // An encrypted PDF's trailer is not followed.
    let enc = b"%PDF-1.4\nxref\n0 1\n0000000000 65535 f\r\ntrailer\n<< /Size 1 /Root 1 0 R /Encrypt 2 0 R >>\nstartxref\n9\n%%EOF\n";
    assert!(trailer(enc).is_none());
    // A figure that is not a PDF fails the update and nothing is written.
    let base = paper(&figure(0.2, 100.0), true);
    let t = trailer(&base).unwrap();
    assert!(update(&base, &t, &[(5, b"not a pdf")]).is_err());
}

#[test]
fn boxes_equal_to_a_hundredth_of_a_point_are_the_same() {
    assert!(same_box([0.0, 0.0, 237.59999, 171.07199], [0.0, 0.0, 237.6, 171.072]));
    assert!(!same_box([0.0, 0.0, 237.6, 171.0], [0.0, 0.0, 237.6, 172.0]));
}
