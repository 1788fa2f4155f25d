use hayro_write::pdf_writer::{Content, Name, Str};

use crate::extract::{Document, FigureKind, testpdf};

/// A 612 x 792 page holding a table set sideways: its caption and four rows of cells
/// run up the page (text matrix a quarter turn anticlockwise), its rules are vertical.
fn sideways_table() -> Vec<u8> {
    testpdf::one_page(612.0, 792.0, b"Times-Roman", |c| {
        let up = |c: &mut Content, x: f32, y: f32, s: &str| {
            c.begin_text().set_font(Name(b"F1"), 10.0).set_text_matrix([0.0, 1.0, -1.0, 0.0, x, y]);
            c.show(Str(s.as_bytes())).end_text();
        };
        // In PDF coordinates (y up): the caption's baseline at x = 150, rows at 175..235.
        up(c, 150.0, 250.0, "Table 1: Measurements of the sideways kind.");
        let rows = [
            "alpha   12.5   13.1   14.0",
            "beta   10.2   11.7   12.9",
            "gamma   9.8   10.0   11.3",
            "delta   8.1   8.8   9.5",
        ];
        for (i, row) in rows.iter().enumerate() {
            up(c, 175.0 + 20.0 * i as f32, 250.0, row);
        }
        for x in [160.0, 240.0] {
            c.set_line_width(0.5).move_to(x, 250.0).line_to(x, 500.0).stroke();
        }
    })
}

#[test]
fn a_sideways_table_is_found_and_its_box_turned_back() {
    let bytes = sideways_table();
    let doc = Document::open(&bytes).unwrap();
    let found = doc.locate().unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    let t = &found[0];
    assert_eq!((t.kind, t.figure.as_str(), t.page), (FigureKind::Table, "1", 1));
    assert!(t.caption.starts_with("Table 1: Measurements"), "{}", t.caption);
    // Page coordinates, top-left origin: the rules run at x 160 and 240, from y 292 to
    // 542; the rows' glyphs lie between them. The caption (x 140..150) is left out.
    let [x0, y0, x1, y1] = t.bbox;
    assert!((159.0..=161.5).contains(&x0) && (238.5..=241.0).contains(&x1), "{:?}", t.bbox);
    assert!((290.0..=294.0).contains(&y0) && (540.0..=544.0).contains(&y1), "{:?}", t.bbox);
    assert!(
        t.caption_bbox[2] <= 155.0 && t.caption_bbox[0] >= 138.0,
        "the caption's box is turned back too: {:?}",
        t.caption_bbox
    );
    // One page alone finds it the same way.
    assert_eq!(doc.locate_page(1).unwrap(), found);
}
