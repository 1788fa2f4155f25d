use hayro_write::pdf_writer::{Content, Name, Str};

use crate::extract::{Document, testpdf};

/// Writes `s` in Times-Roman at 10 pt, its baseline `base` points from the top of a US
/// Letter page.
fn text(c: &mut Content, x: f32, base: f32, s: &str) {
    c.begin_text().set_font(Name(b"F1"), 10.0).next_line(x, 792.0 - base).show(Str(s.as_bytes())).end_text();
}

const PROSE: &str =
    "The method works on the whole sample and on every subset of it that we tried, and the results agree";

/// `lines` lines of running text, 12 pt apart, the first at baseline `from`.
fn prose(c: &mut Content, from: f32, lines: usize) {
    for i in 0..lines {
        text(c, 72.0, from + 12.0 * i as f32, PROSE);
    }
}

/// The box located for `name` on the one page `page` draws.
fn located(page: testpdf::Draw, name: &str) -> [f64; 4] {
    let pdf = testpdf::pages(612.0, 792.0, vec![page]);
    let found = Document::open(&pdf).unwrap().locate().unwrap();
    found.iter().find(|f| f.figure == name).unwrap_or_else(|| panic!("{name} not located: {found:?}")).bbox
}

#[test]
fn a_long_title_over_a_plot_is_the_plots_not_running_text() {
    // Body text, a caption set above its figure, then the plot: its title in the body
    // font, nearly as wide as the text but set well inside it, over the drawing.
    let page: testpdf::Draw = Box::new(|c: &mut Content| {
        prose(c, 80.0, 8);
        text(c, 72.0, 200.0, "Figure 1: Sample of graphics");
        text(
            c,
            110.0,
            232.0,
            "splot with set pm3d as implemented with some of the terminals, in colour and in grey, on every page",
        );
        c.set_line_width(1.0).rect(150.0, 792.0 - 450.0, 300.0, 180.0).stroke();
        prose(c, 500.0, 20);
    });
    let f = located(page, "1");
    assert!(f[1] > 215.0 && f[1] < 226.0, "{:?}", f);
    assert!((f[3] - 450.0).abs() < 2.0, "{:?}", f);
}

#[test]
fn a_large_axis_title_off_the_columns_centre_is_the_plots_not_a_heading() {
    // Body text, then a plot: a panel in the left half of the text and, 16 pt under it, its
    // axis title in a larger font, centred under the plot's whole area (not on the
    // column, nor at its edges), then the caption and body text again.
    let page: testpdf::Draw = Box::new(|c: &mut Content| {
        prose(c, 80.0, 8);
        c.set_line_width(1.0).rect(150.0, 792.0 - 400.0, 150.0, 150.0).stroke();
        c.begin_text().set_font(Name(b"F1"), 12.0).next_line(330.0, 792.0 - 425.0).show(Str(b"time")).end_text();
        text(c, 150.0, 460.0, "Figure 1: Daily values averaged over the states");
        prose(c, 500.0, 20);
    });
    let f = located(page, "1");
    // The panel (from x 150, y 250) and the title under it (to x ~351, baseline 425).
    assert!((f[0] - 150.0).abs() < 2.0 && (f[1] - 250.0).abs() < 2.0, "{:?}", f);
    assert!(f[2] > 345.0 && f[3] > 423.0 && f[3] < 430.0, "{:?}", f);
}

#[test]
fn a_sentence_level_with_another_line_of_its_column_is_a_subcaption_not_running_text() {
    // Body text, then a figure of two panels side by side, each with a subcaption that is
    // a sentence, the first set at the column's indent, both on one baseline; the caption
    // and body text under them.
    let page: testpdf::Draw = Box::new(|c: &mut Content| {
        prose(c, 80.0, 8);
        c.set_line_width(1.0).rect(90.0, 792.0 - 330.0, 150.0, 150.0).stroke();
        c.set_line_width(1.0).rect(300.0, 792.0 - 330.0, 150.0, 150.0).stroke();
        text(c, 84.0, 345.0, "(a) First five moves of the game.");
        text(c, 300.0, 345.0, "(b) Successive moves up to seven.");
        text(c, 220.0, 375.0, "Figure 4: Moves on a board");
        prose(c, 410.0, 20);
    });
    let f = located(page, "4");
    // Both panels (x 90 to 450, from y 180) and the subcaptions under them (baseline 345).
    assert!(f[0] < 86.0 && f[2] > 449.0 && (f[1] - 180.0).abs() < 2.0, "{:?}", f);
    assert!(f[3] > 343.0 && f[3] < 349.0, "{:?}", f);
}

#[test]
fn a_paragraph_right_under_a_tables_last_row_is_its_notes_not_running_text() {
    // Body text; a table set above its caption: a top rule, rows of two cells, a bottom
    // rule and, 3 pt under it, two lines of notes as wide as the text; then the caption
    // and body text again.
    let page: testpdf::Draw = Box::new(|c: &mut Content| {
        prose(c, 80.0, 6);
        let rule = |c: &mut Content, y: f32| {
            c.set_line_width(0.4).move_to(72.0, 792.0 - y).line_to(540.0, 792.0 - y).stroke();
        };
        rule(c, 170.0);
        for i in 0..8 {
            let base = 184.0 + 12.0 * i as f32;
            text(c, 80.0, base, "Partner income");
            text(c, 300.0, base, "0.02");
            text(c, 400.0, base, "1.000");
        }
        rule(c, 274.0);
        text(c, 80.0, 284.0, "1 Coefficient of this variable is not significant based on the Wald test of the model");
        text(c, 80.0, 296.0, "2 No reduction of AIC and BIC by adding a further variable to the selected model");
        text(c, 72.0, 320.0, "Table 1: Summary of variable selection.");
        prose(c, 350.0, 25);
    });
    let t = located(page, "1");
    // From the top rule down, the rows in.
    assert!((t[1] - 170.0).abs() < 2.0 && t[3] > 273.0, "{:?}", t);
}

#[test]
fn a_heading_whose_number_is_set_apart_starts_its_row_at_the_column_edge() {
    // Body text; a section heading in a larger font whose number, at the column's edge,
    // stands well apart from its title; two ems under it a drawing as wide as the title
    // is far in, then its caption and body text.
    let page: testpdf::Draw = Box::new(|c: &mut Content| {
        prose(c, 80.0, 8);
        for (x, s) in [(72.0, "4.2.1"), (160.0, "Upwind scheme")] {
            c.begin_text().set_font(Name(b"F1"), 12.0).next_line(x, 792.0 - 200.0).show(Str(s.as_bytes())).end_text();
        }
        c.set_line_width(1.0).rect(150.0, 792.0 - 380.0, 300.0, 150.0).stroke();
        text(c, 220.0, 405.0, "Figure 2: Sketch of the cells");
        prose(c, 440.0, 20);
    });
    let f = located(page, "2");
    // The drawing alone (from y 230), not the heading's title over it.
    assert!((f[1] - 230.0).abs() < 2.0 && (f[0] - 150.0).abs() < 2.0, "{:?}", f);
}
