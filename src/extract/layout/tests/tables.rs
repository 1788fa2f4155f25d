//! Tables: values in brackets at a row's end, paragraphs in ruled cells, tables stacked
//! over their captions.

use super::*;

/// The right edge of a line of [`PROSE`] set from x 72.
fn prose_right() -> f32 {
    72.0 + width_of(PROSE)
}

/// How wide `s` is in Times at 10 pt.
fn width_of(s: &'static str) -> f32 {
    let pdf = testpdf::pages(612.0, H, vec![Box::new(move |c: &mut Content| text(c, b"F1", 10.0, 0.0, 80.0, s))]);
    let content = Document::open(&pdf).unwrap().content(1).unwrap();
    content.glyphs.iter().map(|g| g.x1).fold(0.0, f64::max) as f32
}

/// A page of prose, then a table under its caption whose last column holds values in
/// brackets set flush with the text's right edge, like equation numbers: "(20)".
fn table_of_bracketed_values() -> Vec<u8> {
    let right = prose_right();
    letter(move |c: &mut Content| {
        body(c, 80.0, 14);
        text(c, b"F1", 10.0, 200.0, 270.0, "Table 1: Parameters of the layout.");
        let rows = [("LTleft", "Glue to the left.", "(fill)"), ("LTpre", "Glue before.", "(4in)")];
        let rows = rows.iter().chain(&[("LTchunksize", "Rows per chunk.", "(20)")]);
        for (i, (a, b, v)) in rows.enumerate() {
            let base = 292.0 + 12.0 * i as f32;
            text(c, b"F1", 10.0, 72.0, base, a);
            text(c, b"F1", 10.0, 200.0, base, b);
            // Flush right: "(20)" is 16.66 pt wide in Times at 10 pt.
            let w = if *v == "(20)" { 16.66 } else { 30.0 };
            text(c, b"F1", 10.0, right - w, base, v);
        }
        body(c, 360.0, 20);
    })
}

#[test]
fn a_value_in_brackets_at_the_end_of_a_table_row_is_no_equation_number() {
    let found = locate(&table_of_bracketed_values());
    let t = find(&found, "1");
    assert_eq!(t.kind, FigureKind::Table);
    // All three rows, the last one (baseline 316) too.
    assert!(t.bbox[3] >= 316.0 && t.bbox[1] <= 286.0, "{:?}", t.bbox);
}

const CELL: &str = "Inserts a vertical line between the columns, which is enlarged by its width";

/// A ruled table (a grid of strokes) under prose, its caption under it: a row whose right
/// cell is a paragraph of three lines as wide as most of the text, its left cell a label
/// centred in the row (not on the paragraph's first line).
fn ruled_table() -> Vec<u8> {
    let w = width_of(CELL);
    letter(move |c: &mut Content| {
        body(c, 80.0, 14);
        let (x0, mid, x1) = (80.0, 150.0, 160.0 + w + 10.0);
        for y in [300.0, 350.0] {
            c.set_line_width(0.4).move_to(x0, H - y).line_to(x1, H - y).stroke();
        }
        for x in [x0, mid, x1] {
            c.set_line_width(0.4).move_to(x, H - 300.0).line_to(x, H - 350.0).stroke();
        }
        text(c, b"F2", 10.0, 110.0, 328.0, "|");
        for i in 0..3 {
            text(c, b"F1", 10.0, 160.0, 313.0 + 12.0 * i as f32, CELL);
        }
        text(c, b"F1", 10.0, 220.0, 370.0, "Table 1: The preamble options.");
        body(c, 400.0, 20);
    })
}

#[test]
fn a_paragraph_in_a_cell_of_a_ruled_table_is_the_tables() {
    let found = locate(&ruled_table());
    let t = find(&found, "1");
    assert_eq!(t.kind, FigureKind::Table);
    assert!(near(t.bbox[1], 299.8, 1.0) && near(t.bbox[3], 350.2, 1.0), "{:?}", t.bbox);
}

/// A table ruled between its rows only (no strokes at the sides, as booktabs and many
/// package guides set them) under prose, its caption under it: each row a command on
/// the left, centred in the row, and a paragraph of two lines as wide as most of the text
/// on the right.
fn row_ruled_table() -> Vec<u8> {
    let w = width_of(CELL);
    letter(move |c: &mut Content| {
        body(c, 80.0, 14);
        let (x0, x1) = (80.0, 160.0 + w + 10.0);
        for y in [300.0, 340.0, 380.0] {
            c.set_line_width(0.4).move_to(x0, H - y).line_to(x1, H - y).stroke();
        }
        for row in [0.0, 40.0] {
            text(c, b"F2", 10.0, 90.0, 322.0 + row, "\\cpxAdd");
            for i in 0..2 {
                text(c, b"F1", 10.0, 160.0, 316.0 + row + 12.0 * i as f32, CELL);
            }
        }
        text(c, b"F1", 10.0, 220.0, 400.0, "Table 1: The commands of the package.");
        body(c, 430.0, 20);
    })
}

#[test]
fn a_paragraph_in_a_cell_of_a_table_ruled_between_rows_is_the_tables() {
    let found = locate(&row_ruled_table());
    let t = find(&found, "1");
    assert_eq!(t.kind, FigureKind::Table);
    // Both rows, from the rule over the first to the rule under the last.
    assert!(near(t.bbox[1], 299.8, 1.0) && near(t.bbox[3], 380.2, 1.0), "{:?}", t.bbox);
}

/// Rows of a table of three columns, their baselines from `base`, 12 pt apart.
fn table_rows(c: &mut Content, base: f32, rows: usize) {
    for i in 0..rows {
        let y = base + 12.0 * i as f32;
        text(c, b"F1", 10.0, 150.0, y, "Roman");
        text(c, b"F1", 10.0, 250.0, y, "Standard");
        text(c, b"F1", 10.0, 350.0, y, "Medium");
    }
}

/// A guide that sets its tables over their captions: on the first page one table under
/// prose, its caption under it and prose again; on the second two tables stacked, each
/// over its caption, the second caption followed by a long listing.
fn stacked_tables() -> Vec<u8> {
    testpdf::pages(
        612.0,
        H,
        vec![
            Box::new(|c: &mut Content| {
                body(c, 80.0, 14);
                table_rows(c, 260.0, 4);
                text(c, b"F1", 10.0, 230.0, 320.0, "Table 1: The values of the state.");
                body(c, 350.0, 20);
            }),
            Box::new(|c: &mut Content| {
                body(c, 80.0, 8);
                table_rows(c, 190.0, 2);
                text(c, b"F1", 10.0, 230.0, 230.0, "Table 2: The parts of a text font.");
                table_rows(c, 260.0, 4);
                text(c, b"F1", 10.0, 230.0, 320.0, "Table 3: The parts of a math font.");
                for i in 0..12 {
                    text(c, b"F2", 10.0, 100.0, 345.0 + 11.0 * i as f32, "\\def\\mathfont#1#2{\\setfont{#1}{#2}}");
                }
                body(c, 500.0, 15);
            }),
        ],
    )
}

#[test]
fn stacked_tables_take_the_side_their_document_sets_tables_on() {
    let found = locate(&stacked_tables());
    // Each table of the second page is the one over its caption, not the one under it.
    let t2 = found.iter().find(|f| f.figure == "2").unwrap_or_else(|| panic!("{found:?}"));
    assert!(t2.bbox[3] < 230.0 && t2.bbox[1] > 170.0, "{:?}", t2.bbox);
    let t3 = find(&found, "3");
    assert!(t3.bbox[3] < 320.0 && t3.bbox[1] > 235.0, "{:?}", t3.bbox);
}
