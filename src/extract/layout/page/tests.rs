use hayro_write::pdf_writer::{Content, Name, Str};

use super::*;
use crate::extract::{Document, testpdf};

/// Writes `s` in Times-Roman at `size`, its baseline `base` points from the top of a US
/// Letter page.
fn text(c: &mut Content, size: f32, x: f32, base: f32, s: &str) {
    c.begin_text().set_font(Name(b"F1"), size).next_line(x, 792.0 - base).show(Str(s.as_bytes())).end_text();
}

#[test]
fn the_second_line_of_a_running_head_is_furniture_too() {
    // A running head of two lines on every page, the text right under it: the first line
    // is furniture as the outermost row recurring; the second one, right under it,
    // recurring as it does, is too (on a page turned to read a sideways float, it would
    // otherwise be a graphic the float's region takes in). The text under it is not.
    let page = || -> testpdf::Draw {
        Box::new(|c: &mut Content| {
            text(c, 10.0, 300.0, 40.0, "Sample Template for Writing");
            text(c, 10.0, 200.0, 52.0, "the Working Papers of a Bank, a Long Title");
            for i in 0..40 {
                text(
                    c,
                    10.0,
                    72.0,
                    66.0 + 12.0 * i as f32,
                    "The method works on the whole sample and on every subset of it",
                );
            }
        })
    };
    let pdf = testpdf::pages(612.0, 792.0, vec![page(), page(), page(), page()]);
    let doc = Document::open(&pdf).unwrap();
    let mut pages: Vec<PageText> = (1..=4).map(|n| PageText::new(n, doc.content(n).unwrap())).collect();
    mark_running_heads(&mut pages);
    for p in &pages {
        let at = |start: &str| p.lines.iter().position(|l| l.text.starts_with(start)).unwrap();
        assert!(p.margin[at("Sample")]);
        assert!(p.margin[at("the Working")]);
        assert!(!p.margin[at("The method")]);
    }
}
