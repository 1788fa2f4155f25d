use super::*;
use crate::extract::Document;

/// A one-page A4-ish PDF (400 x 300 pt) with Helvetica text `LEFT` near the top-left,
/// `RIGHT` near the bottom-right, and a black square at points 50..100 from the top-left.
pub(crate) fn sample_pdf() -> Vec<u8> {
    crate::extract::testpdf::one_page(400.0, 300.0, b"Helvetica", |c| {
        // y up: top-left origin y=30 is 270 from the bottom.
        c.begin_text().set_font(Name(b"F1"), 12.0).next_line(20.0, 270.0).show(pdf_writer::Str(b"LEFT")).end_text();
        c.begin_text().set_font(Name(b"F1"), 12.0).next_line(300.0, 30.0).show(pdf_writer::Str(b"RIGHT")).end_text();
        c.set_fill_gray(0.0).rect(50.0, 200.0, 50.0, 50.0).fill_nonzero();
    })
}

fn open_sample() -> Document {
    Document::open(&sample_pdf()).unwrap()
}

fn decode_png(bytes: &[u8]) -> (png::OutputInfo, Vec<u8>) {
    let mut reader = png::Decoder::new(bytes).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    (info, buf)
}

#[test]
fn png_shows_only_the_region() {
    let doc = open_sample();
    let pdf = doc.pdf();
    // The black square occupies x 50..100, y (top-left) 50..100. Crop x 40..120, y 40..120.
    let png = crop_png(pdf, &Region { page: 1, bbox: [40.0, 40.0, 120.0, 120.0] }, 72.0).unwrap();
    let (info, rgb) = decode_png(&png);
    assert_eq!((info.width, info.height), (80, 80));
    let at = |x: usize, y: usize| rgb[(y * 80 + x) * 3];
    assert_eq!(at(35, 35), 0, "inside the square is black");
    assert_eq!(at(5, 5), 255, "outside the square is white");
    assert_eq!(at(70, 70), 255);
}

#[test]
fn png_resolution_scales_pixels_and_is_recorded() {
    let doc = open_sample();
    let pdf = doc.pdf();
    let png = crop_png(pdf, &Region { page: 1, bbox: [0.0, 0.0, 100.0, 50.0] }, 144.0).unwrap();
    let reader = png::Decoder::new(png.as_slice()).read_info().unwrap();
    let info = reader.info();
    assert_eq!((info.width, info.height), (200, 100));
    let dims = info.pixel_dims.unwrap();
    assert_eq!(dims.xppu, (144.0f64 / 0.0254).round() as u32);
}

#[test]
fn pdf_crop_has_region_size_and_is_deterministic() {
    let doc = open_sample();
    let pdf = doc.pdf();
    let region = Region { page: 1, bbox: [10.5, 15.0, 110.5, 75.0] };
    let a = crop_pdf(pdf, &region).unwrap();
    let b = crop_pdf(open_sample().pdf(), &region).unwrap();
    assert_eq!(a, b, "same input, same bytes");
    let out = Document::open(&a).unwrap();
    let (w, h) = page_sizes(out.pdf())[0];
    assert!((w - 100.0).abs() < 0.01 && (h - 60.0).abs() < 0.01, "{w} x {h}");
}

#[test]
fn pdf_crop_renders_like_the_region() {
    // Rendering the cropped PDF whole gives the same picture as rendering the region of
    // the original page: the Form XObject is placed and clipped right.
    let doc = open_sample();
    let pdf = doc.pdf();
    let region = Region { page: 1, bbox: [40.0, 40.0, 120.0, 120.0] };
    let direct = crop_png(pdf, &region, 72.0).unwrap();
    let cropped = Document::open(&crop_pdf(pdf, &region).unwrap()).unwrap();
    let whole = Region { page: 1, bbox: [0.0, 0.0, 80.0, 80.0] };
    let via_pdf = crop_png(cropped.pdf(), &whole, 72.0).unwrap();
    assert_eq!(decode_png(&direct).1, decode_png(&via_pdf).1);
}

#[test]
fn svg_crop_has_the_region_as_view_box() {
    let doc = open_sample();
    let pdf = doc.pdf();
    let svg = String::from_utf8(crop_svg(pdf, &Region { page: 1, bbox: [40.0, 40.0, 120.0, 100.0] }).unwrap()).unwrap();
    assert!(svg.starts_with("<svg"), "{}", &svg[..80]);
    assert!(svg.contains("viewBox=\"40 40 80 60\""));
    assert!(svg.contains("width=\"80pt\" height=\"60pt\""));
    assert_eq!(svg.matches("<svg").count(), 2, "the page nested in the crop");
}

#[test]
fn region_is_checked_against_the_page() {
    let doc = open_sample();
    let pdf = doc.pdf();
    let err = check_region(pdf, &Region { page: 2, bbox: [0.0, 0.0, 10.0, 10.0] }).unwrap_err();
    assert_eq!(err, CropError::Read(ExtractError::NoSuchPage { page: 2, count: 1 }));
    let err = check_region(pdf, &Region { page: 1, bbox: [500.0, 0.0, 600.0, 10.0] }).unwrap_err();
    assert!(matches!(err, CropError::BadBox { .. }), "{err:?}");
    assert!(err.to_string().contains("400 x 300 pt"), "{err}");
    let err = check_region(pdf, &Region { page: 1, bbox: [10.0, 10.0, 5.0, 20.0] }).unwrap_err();
    assert!(matches!(err, CropError::BadBox { .. }));
    assert!(check_region(pdf, &Region { page: 1, bbox: [f64::NAN, 0.0, 5.0, 20.0] }).is_err());
    let clamped = check_region(pdf, &Region { page: 1, bbox: [-5.0, 250.0, 50.0, 400.0] }).unwrap();
    assert_eq!(clamped.bbox, [0.0, 250.0, 50.0, 300.0]);
}

#[test]
fn huge_png_is_refused() {
    let doc = open_sample();
    let pdf = doc.pdf();
    let err = crop_png(pdf, &Region { page: 1, bbox: [0.0, 0.0, 400.0, 300.0] }, 4000.0).unwrap_err();
    assert!(matches!(err, CropError::TooLarge { .. }), "{err:?}");
}

#[test]
fn damaged_pdfs_crop_to_errors_or_outputs_never_panics() {
    let whole = sample_pdf();
    let region = Region { page: 1, bbox: [0.0, 0.0, 50.0, 50.0] };
    // Junk over every stretch of the file in turn; header and trailer survive in most.
    for start in (0..whole.len()).step_by(whole.len() / 24) {
        let mut bytes = whole.clone();
        let end = (start + 40).min(bytes.len());
        bytes[start..end].fill(b'~');
        if let Ok(doc) = Document::open(&bytes) {
            let _ = crop_pdf(doc.pdf(), &region);
            let _ = crop_svg(doc.pdf(), &region);
            let _ = crop_png(doc.pdf(), &region, 36.0);
        }
    }
}
