//! A manual's examples: the code and prose around captions typeset with no figure, lists
//! of options, continued captions, a justified caption broken at its wide spaces.

use super::*;

/// A manual's page: body text, then `above` (font, left edge, text; one line each, 11 pt
/// apart; code in 9 pt, prose in the body's 10 pt) and `caption` under them, then body
/// text again.
fn manual_example(above: &'static [(&'static [u8], f32, &'static str)], caption: &'static str) -> Vec<u8> {
    letter(move |c: &mut Content| {
        body(c, 80.0, 12);
        for (i, (font, x, line)) in above.iter().enumerate() {
            let size = if *font == b"F2" { 9.0 } else { 10.0 };
            text(c, font, size, *x, 240.0 + 11.0 * i as f32, line);
        }
        let base = 240.0 + 11.0 * above.len() as f32 + 20.0;
        text(c, b"F1", 10.0, 200.0, base, caption);
        body(c, base + 30.0, 20);
    })
}

/// A caption too short for its words to be looked for in code.
const SHORT: &str = "Figure 2: A figure set in a small font.";

#[test]
fn the_code_that_typesets_a_caption_is_not_its_figure() {
    let code: &[(&[u8], f32, &str)] = &[
        (b"F2", 100.0, "\\begin{figure}"),
        (b"F2", 100.0, "\\centering"),
        (b"F2", 100.0, "\\caption{A picture of the setup}"),
        (b"F2", 100.0, "\\end{figure}"),
    ];
    let found = locate(&manual_example(code, "Figure 1: A picture of the setup."));
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn code_that_sets_up_captions_is_not_a_figure_but_a_listing_is() {
    // A caption too short to be looked for in the code: the `\caption` commands tell.
    let setup: &[(&[u8], f32, &str)] =
        &[(b"F2", 100.0, "\\captionsetup{font=small}"), (b"F2", 100.0, "..."), (b"F2", 100.0, "\\caption{A figure}")];
    let found = locate(&manual_example(setup, SHORT));
    assert!(found.is_empty(), "{found:?}");
    let listing: &[(&[u8], f32, &str)] = &[
        (b"F2", 100.0, "digraph G {"),
        (b"F2", 110.0, "main -> parse -> execute;"),
        (b"F2", 110.0, "main -> init;"),
        (b"F2", 100.0, "}"),
    ];
    let found = locate(&manual_example(listing, SHORT));
    let f = find(&found, "2");
    assert!(near(f.bbox[1], 233.0, 2.5) && f.bbox[3] < 280.0, "{:?}", f.bbox);
}

#[test]
fn one_line_of_code_over_a_caption_is_the_command_that_made_it() {
    let found = locate(&manual_example(&[(b"F2", 100.0, "format=hang,indention=-0.5cm")], SHORT));
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn a_line_of_prose_that_introduces_a_caption_is_running_text() {
    let found = locate(&manual_example(&[(b"F1", 72.0, "The option gives captions like this:")], SHORT));
    assert!(found.is_empty(), "{found:?}");
}

/// A guide's page: terms in code with a sentence describing each beside it, then a caption
/// typeset as an example, with no figure; or, with `continued`, a table's example caption
/// and under it the caption that continues that table, with no table.
fn guide_examples(continued: bool) -> Vec<u8> {
    letter(move |c: &mut Content| {
        body(c, 80.0, 12);
        if continued {
            text(c, b"F1", 10.0, 250.0, 250.0, "Table 3: A table");
            text(c, b"F1", 10.0, 235.0, 275.0, "Table 3: A table (cont.)");
        } else {
            let rows = [
                ("plain", "Typesets the captions as a normal paragraph."),
                ("hang", "Indents the caption text under the first line."),
                ("centered", "Centres every line of the caption on its own."),
            ];
            for (i, (term, says)) in rows.iter().enumerate() {
                text(c, b"F2", 9.0, 100.0, 240.0 + 14.0 * i as f32, term);
                text(c, b"F1", 10.0, 180.0, 240.0 + 14.0 * i as f32, says);
            }
            text(c, b"F1", 10.0, 200.0, 300.0, "Figure 3: White sand beaches.");
        }
        body(c, 330.0, 20);
    })
}

#[test]
fn terms_and_their_descriptions_over_a_caption_are_no_figure() {
    let found = locate(&guide_examples(false));
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn the_caption_of_a_continued_float_is_no_part_of_the_first() {
    let found = locate(&guide_examples(true));
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn a_justified_caption_broken_at_its_wide_spaces_is_read_whole() {
    let pdf = letter(|c: &mut Content| {
        frame(c, 150.0, 80.0, 450.0, 300.0);
        // Justified to the text width: spaces of three ems and more between the words.
        for (x, word) in [(72.0, "Figure"), (130.0, "1.1:"), (180.0, "Gravity"), (260.0, "anomaly"), (350.0, "data")] {
            text(c, b"F1", 10.0, x, 320.0, word);
        }
        text(c, b"F1", 10.0, 72.0, 332.0, "from western Queensland.");
        body(c, 360.0, 20);
    });
    let found = locate(&pdf);
    let f = find(&found, "1.1");
    assert!(f.caption.starts_with("Figure 1.1: Gravity anomaly data"), "{:?}", f.caption);
    assert!(near(f.bbox[1], 80.0, 1.5) && near(f.bbox[3], 300.0, 1.5), "{:?}", f.bbox);
}
