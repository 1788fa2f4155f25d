use hayro_write::pdf_writer::{Content, Name, Str};

use crate::extract::{Document, FigureKind, Located, testpdf};

#[path = "tests/examples.rs"]
mod examples;
#[path = "tests/tables.rs"]
mod tables;

const H: f32 = 792.0;

/// Writes `s` in font `font` (`F1` Times-Roman, `F2` Courier) at `size`, its baseline
/// `base` points from the top of the page.
fn text(c: &mut Content, font: &[u8], size: f32, x: f32, base: f32, s: &str) {
    c.begin_text().set_font(Name(font), size).next_line(x, H - base).show(Str(s.as_bytes())).end_text();
}

/// A rectangle stroked from `(x0, y0)` to `(x1, y1)`, top-left origin.
fn frame(c: &mut Content, x0: f32, y0: f32, x1: f32, y1: f32) {
    c.set_line_width(1.0).rect(x0, H - y1, x1 - x0, y1 - y0).stroke();
}

const PROSE: &str =
    "The method works on the whole sample and on every subset of it that we tried, and the results agree";

/// Lines of body text (Times, 10 pt, 12 pt apart) across the text width from `base`.
fn body(c: &mut Content, base: f32, lines: usize) {
    for i in 0..lines {
        text(c, b"F1", 10.0, 72.0, base + 12.0 * i as f32, PROSE);
    }
}

/// A one-page US-letter PDF (fonts as [`testpdf::pages`] sets them) with what `draw` writes.
fn letter(draw: impl FnOnce(&mut Content) + 'static) -> Vec<u8> {
    testpdf::pages(612.0, H, vec![Box::new(draw)])
}

/// The figures and tables located in `pdf`.
fn locate(pdf: &[u8]) -> Vec<Located> {
    Document::open(pdf).unwrap().locate().unwrap()
}

fn find<'a>(found: &'a [Located], name: &str) -> &'a Located {
    found.iter().find(|f| f.figure == name).unwrap_or_else(|| panic!("no figure {name} in {found:?}"))
}

fn near(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

/// A book's pages: a running head and the page number on one row, different heads on
/// different pages (so they do not recur); on the second page a float holds the code
/// (with line numbers and a command continued on a second row) over the plot it draws,
/// set right under the running head.
fn book_pages() -> Vec<u8> {
    let page = |head: &'static str, number: &'static str, figure: bool| -> testpdf::Draw {
        Box::new(move |c: &mut Content| {
            text(c, b"F1", 10.0, 72.0, 60.0, head);
            text(c, b"F1", 10.0, 530.0, 60.0, number);
            if figure {
                for (i, (n, line)) in
                    [("1", "R> layout(matrix(1:2, nrow = 1))"), ("2", "R> boxplot(rate ~ period,")].iter().enumerate()
                {
                    text(c, b"F2", 6.0, 56.0, 74.0 + 12.0 * i as f32, n);
                    text(c, b"F2", 10.0, 72.0, 74.0 + 12.0 * i as f32, line);
                }
                text(c, b"F2", 6.0, 56.0, 98.0, "3");
                text(c, b"F2", 10.0, 72.0, 98.0, "+");
                text(c, b"F2", 10.0, 120.0, 98.0, "ylab = \"Number of seizures\")");
                frame(c, 150.0, 112.0, 450.0, 320.0);
                text(c, b"F1", 10.0, 72.0, 345.0, "Figure 1.1 Boxplots of the numbers of seizures in each period.");
                body(c, 380.0, 12);
            } else {
                body(c, 80.0, 30);
            }
        })
    };
    testpdf::pages(
        612.0,
        H,
        vec![
            page("INTRODUCTION", "7", false),
            page("ANALYSIS USING R", "8", true),
            page("SUMMARY AND EXERCISES", "9", false),
        ],
    )
}

#[test]
fn a_running_head_beside_its_page_number_stays_out_and_the_code_over_a_plot_is_in() {
    let found = locate(&book_pages());
    let f = find(&found, "1.1");
    assert_eq!((f.kind, f.page), (FigureKind::Figure, 2));
    let [x0, y0, x1, y1] = f.bbox;
    // The line numbers at x 56 and the first code line (cap height from 67) are in; the
    // running head (down to about 62) is not.
    assert!(near(x0, 56.0, 1.5) && x1 >= 450.0, "{:?}", f.bbox);
    assert!((64.0..=70.0).contains(&y0), "{:?}", f.bbox);
    assert!(near(y1, 320.5, 1.5), "{:?}", f.bbox);
}

/// Two figures stacked on a page, each with its caption beside it in a narrow column: the
/// first caption goes on in a second paragraph and in the code it introduces.
fn side_captions() -> Vec<u8> {
    letter(|c: &mut Content| {
        body(c, 80.0, 6);
        frame(c, 72.0, 170.0, 300.0, 400.0);
        text(c, b"F1", 10.0, 320.0, 250.0, "Figure 2: A model fitted to the data");
        text(c, b"F1", 10.0, 320.0, 262.0, "and its residuals, with the fit.");
        text(c, b"F1", 10.0, 320.0, 282.0, "The grey lines are the fits to every");
        text(c, b"F1", 10.0, 320.0, 294.0, "subset, the black line their mean.");
        text(c, b"F2", 10.0, 320.0, 314.0, "fit <- model(y ~ x)");
        text(c, b"F2", 10.0, 320.0, 326.0, "plot(fit)");
        frame(c, 72.0, 420.0, 300.0, 640.0);
        text(c, b"F1", 10.0, 320.0, 500.0, "Figure 3: The same model, fitted");
        text(c, b"F1", 10.0, 320.0, 512.0, "three times over.");
        body(c, 670.0, 6);
    })
}

#[test]
fn side_captions_take_their_paragraphs_and_code_and_stacked_figures_stay_apart() {
    let found = locate(&side_captions());
    for (name, y0, y1) in [("2", 170.0, 400.0), ("3", 420.0, 640.0)] {
        let b = find(&found, name).bbox;
        assert!(near(b[0], 72.0, 1.5) && near(b[2], 300.0, 1.5), "{name}: {b:?}");
        assert!(near(b[1], y0, 1.5) && near(b[3], y1, 1.5), "{name}: {b:?}");
    }
    let c = find(&found, "2").caption_bbox;
    assert!(c[3] >= 326.0, "the caption takes in its second paragraph and its code: {c:?}");
}

/// A listing set in a larger font than the text, its lines far enough apart to be blocks
/// of their own.
fn large_listing() -> Vec<u8> {
    letter(|c: &mut Content| {
        body(c, 80.0, 10);
        let code = ["move = function (obj, p) {", "    obj.rect = p;", "    return obj;", "};"];
        for (i, line) in code.iter().enumerate() {
            text(c, b"F2", 12.0, 72.0, 230.0 + 22.0 * i as f32, line);
        }
        text(c, b"F1", 10.0, 240.0, 340.0, "Figure 2.4: Editing functions");
        body(c, 370.0, 10);
    })
}

#[test]
fn a_listing_in_a_large_font_is_a_figure_not_headings() {
    let found = locate(&large_listing());
    let b = find(&found, "2.4").bbox;
    // From the first line's cap height (about 222) to the last line's baseline (296).
    assert!(b[1] < 225.0 && b[3] > 295.0, "{b:?}");
}

/// A paragraph of one short sentence right above a narrow drawing, beside it.
fn one_line_paragraph_page() -> Vec<u8> {
    letter(|c: &mut Content| {
        body(c, 80.0, 12);
        text(c, b"F1", 10.0, 87.0, 240.0, "Figure 4.6 shows a sample graph.");
        frame(c, 250.0, 246.0, 450.0, 400.0);
        text(c, b"F1", 10.0, 220.0, 425.0, "Figure 4.6: A Directed Acyclic Graph");
        body(c, 460.0, 12);
    })
}

#[test]
fn a_one_line_paragraph_by_a_drawing_is_running_text() {
    let found = locate(&one_line_paragraph_page());
    let b = find(&found, "4.6").bbox;
    assert!(near(b[0], 249.5, 1.5) && near(b[1], 245.5, 1.5), "{b:?}");
}

/// A table of options under its caption whose description cells run over two lines, as
/// wide as running text, its rows set apart.
fn table_with_long_cells() -> Vec<u8> {
    letter(|c: &mut Content| {
        body(c, 80.0, 10);
        text(c, b"F1", 10.0, 240.0, 220.0, "Table 1: Package options");
        let rows: [(&str, &[&str]); 4] = [
            ("natural", &["Keep all colors in their model, except the ones that are converted to rgb first."]),
            (
                "gray",
                &[
                    "Convert all colors to the gray model. Especially useful to simulate how a black",
                    "and white printer will print the document, with every shade turned to a grey.",
                ],
            ),
            ("table", &["Load the package that colours rows, columns and cells within tables."]),
            ("hyperref", &["Support the hyperref package in terms of color expressions by defining keys."]),
        ];
        let mut y = 245.0;
        for (key, desc) in rows {
            text(c, b"F2", 10.0, 72.0, y, key);
            for d in desc {
                text(c, b"F1", 10.0, 160.0, y, d);
                y += 12.0;
            }
            y += 10.0;
        }
        body(c, y + 30.0, 10);
    })
}

#[test]
fn a_table_cell_of_two_lines_is_no_running_text() {
    let found = locate(&table_with_long_cells());
    let b = find(&found, "1").bbox;
    // From the first row (cap height from 238) to the last row's baseline (323).
    assert!(b[1] < 240.0 && b[3] > 323.0, "{b:?}");
}

/// A displayed equation, numbered at the right edge of the text, right above a drawing,
/// its fraction bar a drawn line.
fn equation_over_a_drawing() -> Vec<u8> {
    letter(|c: &mut Content| {
        body(c, 80.0, 12);
        text(c, b"F1", 10.0, 230.0, 236.0, "e :");
        text(c, b"F1", 10.0, 250.0, 230.0, "(x - x0)");
        c.set_line_width(0.4).move_to(250.0, H - 233.0).line_to(290.0, H - 233.0).stroke();
        text(c, b"F1", 10.0, 265.0, 243.0, "a");
        text(c, b"F1", 10.0, 300.0, 236.0, "+ y = 1");
        text(c, b"F1", 10.0, 458.0, 236.0, "(4)");
        frame(c, 200.0, 252.0, 400.0, 400.0);
        text(c, b"F1", 10.0, 220.0, 425.0, "Figure 5: Definition of an ellipse");
        body(c, 460.0, 12);
    })
}

#[test]
fn a_numbered_equation_over_a_drawing_is_running_text() {
    let found = locate(&equation_over_a_drawing());
    let b = find(&found, "5").bbox;
    assert!(near(b[1], 251.5, 1.5), "{b:?}");
}

/// Three fields of a diagram, one under another from y = 200 to 320 and x = 150 to 460,
/// drawn as separate strokes (no rectangle holds any field), as bytefield draws them.
fn three_fields(c: &mut Content) {
    let line = |c: &mut Content, x0: f32, y0: f32, x1: f32, y1: f32| {
        c.set_line_width(0.8).move_to(x0, H - y0).line_to(x1, H - y1).stroke();
    };
    for y in [200.0, 240.0, 280.0, 320.0] {
        line(c, 150.0, y, 460.0, y);
    }
    line(c, 150.0, 200.0, 150.0, 320.0);
    line(c, 460.0, 200.0, 460.0, 320.0);
}

/// A package manual: a page of code listings in a smaller monospaced font (more characters
/// than its prose), then a diagram drawn with separate strokes whose fields carry one-line
/// labels, as wide as the code lines are.
fn code_heavy_manual() -> Vec<u8> {
    let code = || -> testpdf::Draw {
        Box::new(|c: &mut Content| {
            body(c, 80.0, 2);
            for i in 0..50 {
                text(c, b"F2", 9.0, 90.0, 120.0 + 11.0 * i as f32, "\\wordbox{3}{MPEG-4 stream} \\\\");
            }
        })
    };
    let diagram = Box::new(|c: &mut Content| {
        body(c, 80.0, 6);
        three_fields(c);
        text(c, b"F1", 10.0, 222.0, 224.0, "synchronization source (SSRC) identifier");
        text(c, b"F1", 10.0, 225.0, 264.0, "contributing source (CSRC) identifiers");
        text(c, b"F1", 10.0, 228.0, 304.0, "MPEG-4 Visual stream (byte aligned)");
        text(c, b"F1", 10.0, 230.0, 345.0, "Figure 1: Sample bytefield output");
        body(c, 380.0, 6);
    });
    testpdf::pages(612.0, H, vec![code(), code(), diagram])
}

#[test]
fn labels_in_a_diagram_are_no_body_text_when_code_outweighs_the_prose() {
    let found = locate(&code_heavy_manual());
    let b = find(&found, "1").bbox;
    // The whole diagram, from its top stroke (200), not only its last field.
    assert!(b[1] < 201.0 && b[3] > 319.0, "{b:?}");
}

/// A protocol diagram drawn stroke by stroke whose middle field holds two lines of text as
/// wide as running text, between body paragraphs.
fn fenced_field() -> Vec<u8> {
    letter(|c: &mut Content| {
        body(c, 80.0, 6);
        three_fields(c);
        text(c, b"F1", 10.0, 280.0, 224.0, "Source port");
        text(c, b"F1", 10.0, 162.0, 256.0, "Total number of 16-bit data words that follow this header word, excluding");
        text(c, b"F1", 10.0, 162.0, 268.0, "the subsequent checksum-type value, and the padding after it");
        text(c, b"F1", 10.0, 280.0, 304.0, "Checksum");
        text(c, b"F1", 10.0, 220.0, 345.0, "Figure 3: Complex protocol diagram");
        body(c, 380.0, 6);
    })
}

#[test]
fn text_fenced_in_by_the_strokes_of_a_diagram_is_the_diagrams() {
    let found = locate(&fenced_field());
    let b = find(&found, "3").bbox;
    assert!(b[1] < 201.0 && b[3] > 319.0, "{b:?}");
}

/// Three pages of a layout whose text block is shorter than the paper: the page numbers
/// stand at 640 pt of 792, above the bottom sixth. The second page holds a figure set
/// sideways (its caption runs up the page) that ends a little above the page number.
fn sideways_figure_over_a_page_number() -> Vec<u8> {
    let page = |number: &'static str, figure: bool| -> testpdf::Draw {
        Box::new(move |c: &mut Content| {
            if figure {
                // In PDF coordinates (y up): the caption's baseline at x = 150.
                c.begin_text().set_font(Name(b"F1"), 10.0).set_text_matrix([0.0, 1.0, -1.0, 0.0, 150.0, 250.0]);
                c.show(Str(b"Figure 1: A drawing set sideways on its page.")).end_text();
                frame(c, 165.0, 150.0, 450.0, 600.0);
            } else {
                body(c, 80.0, 44);
            }
            text(c, b"F1", 10.0, 300.0, 640.0, number);
        })
    };
    testpdf::pages(612.0, H, vec![page("7", false), page("8", true), page("9", false)])
}

#[test]
fn a_page_number_above_the_bottom_sixth_stays_out_of_a_sideways_figure() {
    let found = locate(&sideways_figure_over_a_page_number());
    let f = find(&found, "1");
    assert_eq!((f.kind, f.page), (FigureKind::Figure, 2));
    // The frame runs from 150 to 600 down the page; the page number (from about 633) is
    // not the figure's.
    assert!(near(f.bbox[1], 149.5, 1.5) && near(f.bbox[3], 600.5, 1.5), "{:?}", f.bbox);
}

/// A list of corrections, one a row: page and line, then the table or figure corrected,
/// a tag, and the correction; a framed heading above it (graphics near the rows).
fn errata_list() -> Vec<u8> {
    letter(|c: &mut Content| {
        body(c, 80.0, 14);
        frame(c, 72.0, 262.0, 300.0, 278.0);
        text(c, b"F1", 10.0, 76.0, 274.0, "Chapter 7");
        for (i, (at, what)) in [("3/49", "Table 7.4"), ("5/12", "Figure 7.2"), ("8/30", "Table 7.9")].iter().enumerate()
        {
            let base = 296.0 + 14.0 * i as f32;
            text(c, b"F1", 10.0, 72.0, base, at);
            text(c, b"F1", 10.0, 100.0, base, what);
            text(c, b"F1", 10.0, 150.0, base, "(AFV)");
            text(c, b"F1", 10.0, 190.0, base, "The font associated with the command is wrong.");
        }
        body(c, 350.0, 20);
    })
}

#[test]
fn a_figure_named_after_other_text_on_its_row_is_no_caption() {
    let found = locate(&errata_list());
    assert!(found.is_empty(), "{found:?}");
}

/// A diagram of two rows of boxes, a word in a larger font labelling its second row from
/// the left ("body"), a label over it; its caption under it starts left of the boxes.
fn labelled_rows() -> Vec<u8> {
    letter(|c: &mut Content| {
        body(c, 80.0, 12);
        text(c, b"F1", 10.0, 290.0, 250.0, "margin");
        frame(c, 160.0, 260.0, 450.0, 310.0);
        frame(c, 160.0, 310.0, 450.0, 360.0);
        text(c, b"F1", 14.0, 105.0, 338.0, "body");
        text(c, b"F1", 10.0, 100.0, 385.0, "Figure 7: Specifications and the rules that complete them.");
        body(c, 420.0, 20);
    })
}

#[test]
fn a_large_word_beside_a_drawing_labels_it_and_is_no_heading() {
    let found = locate(&labelled_rows());
    let f = find(&found, "7");
    // From the label over the boxes (cap height from about 243) down to the boxes' foot.
    assert!(f.bbox[1] <= 245.0 && near(f.bbox[3], 360.5, 1.5), "{:?}", f.bbox);
}

/// A guide's page: a caption typeset as an example, with no figure, right over a list of
/// contents whose entries run in dot leaders to page numbers set apart at the right.
fn caption_over_a_list_of_contents() -> Vec<u8> {
    letter(|c: &mut Content| {
        body(c, 80.0, 6);
        text(c, b"F1", 10.0, 250.0, 170.0, "Figure 4: Fourth figure");
        for i in 0..8 {
            let base = 200.0 + 12.0 * i as f32;
            let entry = format!(
                "{}.{} Subsection number {} . . . . . . . . . . . . . . . . . . . .",
                3 + i / 3,
                i % 3 + 1,
                i + 5
            );
            text(c, b"F1", 10.0, 90.0, base, &entry);
            text(c, b"F1", 10.0, 530.0, base, &format!("{}", 8 + 2 * i));
        }
        body(c, 320.0, 10);
    })
}

#[test]
fn a_list_of_contents_under_a_caption_is_no_figure() {
    let found = locate(&caption_over_a_list_of_contents());
    assert!(found.iter().all(|f| f.figure != "4"), "{found:?}");
}

/// A displayed equation numbered within a part, "(II.9.7)", flush with the right edge of
/// the text, right above a drawing (at `top`), then its caption. With `denominator`, the
/// fraction's denominator hangs under the number's row.
fn part_numbered_equation(denominator: bool, top: f32) -> Vec<u8> {
    letter(move |c: &mut Content| {
        body(c, 80.0, 12);
        text(c, b"F1", 10.0, 230.0, 236.0, "e :");
        text(c, b"F1", 10.0, 250.0, 230.0, "(x - x0)");
        c.set_line_width(0.4).move_to(250.0, H - 233.0).line_to(290.0, H - 233.0).stroke();
        text(c, b"F1", 10.0, 265.0, 243.0, "a");
        if denominator {
            text(c, b"F1", 10.0, 258.0, 254.0, "b - y0");
        }
        text(c, b"F1", 10.0, 300.0, 236.0, "+ y = 1");
        text(c, b"F1", 10.0, 443.5, 236.0, "(II.9.7)");
        frame(c, 200.0, top, 400.0, 400.0);
        text(c, b"F1", 10.0, 220.0, 425.0, "Figure 5: Definition of an ellipse");
        body(c, 460.0, 12);
    })
}

#[test]
fn an_equation_numbered_within_a_part_is_running_text() {
    let found = locate(&part_numbered_equation(false, 252.0));
    let b = find(&found, "5").bbox;
    assert!(near(b[1], 251.5, 1.5), "{b:?}");
}

#[test]
fn an_equation_numbered_within_a_part_with_all_its_rows_is_running_text() {
    let found = locate(&part_numbered_equation(true, 262.0));
    let b = find(&found, "5").bbox;
    // The drawing alone, not the denominator set under the equation's row.
    assert!(near(b[1], 261.5, 1.5), "{b:?}");
}
