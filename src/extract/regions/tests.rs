use super::*;
use crate::extract::pick::best_regions;

fn cap(kind: FigureKind, name: &str, r: Rect) -> CaptionBox {
    CaptionBox { kind, name: name.into(), rect: r, text: format!("{kind} {name}:"), lines: vec![] }
}

#[test]
fn a_bigger_region_with_graphics_next_to_its_caption_scores_higher() {
    let caption = Rect::new(100.0, 400.0, 300.0, 410.0);
    let text = Rect::new(72.0, 72.0, 540.0, 720.0);
    let big = Rect::new(100.0, 200.0, 300.0, 395.0);
    let small = Rect::new(150.0, 350.0, 250.0, 395.0);
    let fig = FigureKind::Figure;
    assert!(
        score(fig, Side::Above, &big, &caption, Holds::Drawing, &text)
            > score(fig, Side::Above, &small, &caption, Holds::Drawing, &text)
    );
    assert!(
        score(fig, Side::Above, &big, &caption, Holds::Drawing, &text)
            > score(fig, Side::Above, &big, &caption, Holds::Text, &text)
    );
    let far = Rect::new(100.0, 100.0, 300.0, 295.0);
    assert!(
        score(fig, Side::Above, &big, &caption, Holds::Drawing, &text)
            > score(fig, Side::Above, &far, &caption, Holds::Drawing, &text)
    );
    // Tables prefer the region below their caption, figures the one above.
    let below = Rect::new(100.0, 415.0, 300.0, 610.0);
    assert!(
        score(fig, Side::Above, &big, &caption, Holds::Drawing, &text)
            > score(fig, Side::Below, &below, &caption, Holds::Drawing, &text)
    );
    let tab = FigureKind::Table;
    assert!(
        score(tab, Side::Below, &below, &caption, Holds::Drawing, &text)
            > score(tab, Side::Above, &big, &caption, Holds::Drawing, &text)
    );
}

/// A US Letter page with one-inch margins.
fn letter_page<'a>(captions: &'a [CaptionBox], blockers: &'a [Rect], contents: &'a [Content]) -> PageRegions<'a> {
    PageRegions {
        page: Rect::new(0.0, 0.0, 612.0, 792.0),
        text_area: Rect::new(72.0, 72.0, 540.0, 720.0),
        body_area: Some(Rect::new(72.0, 72.0, 540.0, 720.0)),
        column_width: 468.0,
        captions,
        blockers,
        contents,
        usual: [None; 2],
    }
}

#[test]
fn a_proposal_stops_at_body_text_and_clips_to_its_graphics() {
    let captions = [cap(FigureKind::Figure, "1", Rect::new(100.0, 400.0, 300.0, 410.0))];
    let blockers = [Rect::new(72.0, 100.0, 540.0, 200.0), Rect::new(72.0, 450.0, 540.0, 700.0)];
    let contents = [graphic(Rect::new(120.0, 250.0, 280.0, 390.0)), graphic(Rect::new(90.0, 150.0, 100.0, 160.0))];
    let best = best_regions(&letter_page(&captions, &blockers, &contents));
    assert_eq!(best, vec![Some(Rect::new(120.0, 250.0, 280.0, 390.0))]);
}

#[test]
fn side_by_side_figures_are_split_between_their_captions() {
    let captions = [
        cap(FigureKind::Figure, "1", Rect::new(80.0, 400.0, 290.0, 410.0)),
        cap(FigureKind::Figure, "2", Rect::new(320.0, 400.0, 530.0, 410.0)),
    ];
    let blockers = [Rect::new(72.0, 100.0, 540.0, 200.0)];
    let contents = [graphic(Rect::new(90.0, 250.0, 280.0, 390.0)), graphic(Rect::new(330.0, 260.0, 520.0, 390.0))];
    let best = best_regions(&letter_page(&captions, &blockers, &contents));
    assert_eq!(best, vec![Some(contents[0].rect), Some(contents[1].rect)]);
}

/// A table cell of one text line, from `x0` to `x1`, its top at `y0`.
fn cell(x0: f64, y0: f64, x1: f64) -> Content {
    Content {
        rect: Rect::new(x0, y0, x1, y0 + 9.0),
        graphic: false,
        cell: true,
        mono: false,
        prompt: false,
        prose: false,
    }
}

/// A line typed at a prompt (a command in a listing).
fn typed(rect: Rect) -> Content {
    Content { rect, graphic: false, cell: false, mono: true, prompt: true, prose: false }
}

fn graphic(r: Rect) -> Content {
    Content { rect: r, graphic: true, cell: false, mono: false, prompt: false, prose: false }
}

#[test]
fn a_title_set_apart_above_a_plot_is_the_plots() {
    let captions = [cap(FigureKind::Figure, "1", Rect::new(100.0, 400.0, 300.0, 410.0))];
    let blockers = [Rect::new(72.0, 100.0, 540.0, 200.0)];
    let title = Content {
        rect: Rect::new(160.0, 225.0, 240.0, 235.0),
        graphic: false,
        cell: false,
        mono: false,
        prompt: false,
        prose: false,
    };
    let contents = [graphic(Rect::new(120.0, 250.0, 280.0, 390.0)), title];
    let best = best_regions(&letter_page(&captions, &blockers, &contents));
    assert_eq!(best, vec![Some(Rect::new(120.0, 225.0, 280.0, 390.0))]);
}

#[test]
fn a_drawing_beside_a_narrow_caption_and_running_past_it_is_not_cut_at_the_caption() {
    // The caption sits in a narrow column right of a plot that starts above it and ends
    // below it; the plot's strokes above the caption's top would make a region above
    // the caption (across the page) score best.
    let captions = [cap(FigureKind::Figure, "13", Rect::new(330.0, 300.0, 530.0, 330.0))];
    let blockers = [Rect::new(72.0, 100.0, 540.0, 180.0), Rect::new(72.0, 480.0, 540.0, 700.0)];
    let contents = [
        graphic(Rect::new(80.0, 200.0, 300.0, 450.0)),
        graphic(Rect::new(100.0, 210.0, 280.0, 290.0)),
        graphic(Rect::new(100.0, 310.0, 280.0, 440.0)),
    ];
    let best = best_regions(&letter_page(&captions, &blockers, &contents));
    assert_eq!(best, vec![Some(Rect::new(80.0, 200.0, 300.0, 450.0))]);
}

#[test]
fn figures_stacked_beside_their_captions_are_split_between_them() {
    // Two plots one above the other, close together, each with its caption to its right.
    let captions = [
        cap(FigureKind::Figure, "19", Rect::new(330.0, 250.0, 530.0, 400.0)),
        cap(FigureKind::Figure, "20", Rect::new(330.0, 470.0, 530.0, 560.0)),
    ];
    let blockers = [Rect::new(72.0, 100.0, 540.0, 200.0)];
    let contents = [graphic(Rect::new(80.0, 240.0, 300.0, 425.0)), graphic(Rect::new(80.0, 440.0, 300.0, 620.0))];
    let best = best_regions(&letter_page(&captions, &blockers, &contents));
    assert_eq!(best, vec![Some(contents[0].rect), Some(contents[1].rect)]);
}

#[test]
fn a_drawing_after_a_tables_rows_is_not_the_tables() {
    // A table of options under its caption, then an example drawn apart below it.
    let captions = [cap(FigureKind::Table, "3", Rect::new(190.0, 230.0, 420.0, 240.0))];
    let blockers = [Rect::new(72.0, 100.0, 540.0, 200.0)];
    let contents = [
        cell(160.0, 255.0, 230.0),
        cell(243.0, 255.0, 450.0),
        cell(160.0, 269.0, 230.0),
        cell(243.0, 269.0, 400.0),
        graphic(Rect::new(60.0, 320.0, 400.0, 560.0)),
    ];
    let best = best_regions(&letter_page(&captions, &blockers, &contents));
    assert_eq!(best, vec![Some(Rect::new(160.0, 255.0, 450.0, 278.0))]);
}

#[test]
fn text_right_under_the_rule_that_closes_a_table_is_not_the_tables() {
    // A table of options under its caption, closed by a rule across its rows; a line of
    // code right under the rule (closer than clusters lie apart) starts an example.
    let captions = [cap(FigureKind::Table, "3", Rect::new(190.0, 230.0, 420.0, 240.0))];
    let blockers = [Rect::new(72.0, 100.0, 540.0, 200.0), Rect::new(72.0, 420.0, 540.0, 700.0)];
    let contents = [
        cell(160.0, 255.0, 230.0),
        cell(243.0, 255.0, 450.0),
        cell(160.0, 269.0, 230.0),
        cell(243.0, 269.0, 400.0),
        graphic(Rect::new(155.0, 282.0, 455.0, 282.5)),
        Content {
            rect: Rect::new(160.0, 288.0, 380.0, 297.0),
            graphic: false,
            cell: false,
            mono: true,
            prompt: false,
            prose: false,
        },
        Content {
            rect: Rect::new(160.0, 300.0, 330.0, 309.0),
            graphic: false,
            cell: false,
            mono: true,
            prompt: false,
            prose: false,
        },
    ];
    let best = best_regions(&letter_page(&captions, &blockers, &contents));
    assert_eq!(best, vec![Some(Rect::new(155.0, 255.0, 455.0, 282.5))]);
}

#[test]
fn a_session_of_commands_is_no_table() {
    // A table set above its caption; under the caption, after a gap, a session of
    // commands and their output, some of it in columns, filling more of the page.
    let captions = [cap(FigureKind::Table, "4", Rect::new(100.0, 300.0, 500.0, 320.0))];
    let line = |y0: f64, x0: f64, x1: f64, cell: bool, prompt: bool| Content {
        rect: Rect::new(x0, y0, x1, y0 + 9.0),
        graphic: false,
        cell,
        mono: true,
        prompt,
        prose: false,
    };
    let mut contents = vec![
        line(240.0, 150.0, 250.0, true, false),
        line(240.0, 300.0, 450.0, true, false),
        line(254.0, 150.0, 250.0, true, false),
        line(254.0, 300.0, 450.0, true, false),
        line(268.0, 150.0, 250.0, true, false),
        line(268.0, 300.0, 450.0, true, false),
        line(282.0, 150.0, 250.0, true, false),
        line(282.0, 300.0, 450.0, true, false),
        line(345.0, 80.0, 300.0, false, true),
        line(357.0, 80.0, 420.0, false, true),
    ];
    for i in 0..16 {
        let y = 375.0 + 12.0 * i as f64;
        contents.push(line(y, 80.0, 200.0, true, false));
        contents.push(line(y, 230.0, 520.0, true, false));
    }
    let blockers = [Rect::new(72.0, 100.0, 540.0, 200.0), Rect::new(72.0, 600.0, 540.0, 700.0)];
    let best = best_regions(&letter_page(&captions, &blockers, &contents));
    assert_eq!(best, vec![Some(Rect::new(150.0, 240.0, 450.0, 291.0))]);
}

/// A page whose text starts with commands typed at a prompt, `code` wide, over a plot
/// and its caption of two lines, both narrower than the text and centred.
fn code_over_a_plot(code: (f64, f64)) -> (Vec<CaptionBox>, Vec<Rect>, Vec<Content>) {
    let captions = vec![cap(FigureKind::Figure, "3", Rect::new(160.0, 340.0, 450.0, 362.0))];
    let blockers = vec![Rect::new(72.0, 400.0, 540.0, 700.0)];
    let mut contents: Vec<Content> =
        (0..4).map(|i| typed(Rect::new(code.0, 80.0 + 12.0 * i as f64, code.1, 89.0 + 12.0 * i as f64))).collect();
    contents.push(graphic(Rect::new(165.0, 140.0, 445.0, 330.0)));
    (captions, blockers, contents)
}

#[test]
fn code_wider_than_a_centred_figure_and_its_caption_is_running_text() {
    // Echoed commands run from the text's left edge past the plot on both sides: they
    // are the text's, and the figure is the plot.
    let (captions, blockers, contents) = code_over_a_plot((72.0, 560.0));
    let best = best_regions(&letter_page(&captions, &blockers, &contents));
    assert_eq!(best, vec![Some(Rect::new(165.0, 140.0, 445.0, 330.0))]);
    // The same commands within the figure's width (line numbers aside) are its own.
    let (captions, blockers, mut contents) = code_over_a_plot((160.0, 440.0));
    contents.push(typed(Rect::new(140.0, 80.0, 146.0, 89.0)));
    let best = best_regions(&letter_page(&captions, &blockers, &contents));
    assert_eq!(best, vec![Some(Rect::new(140.0, 80.0, 445.0, 330.0))]);
}

#[test]
fn code_wider_than_a_figure_right_over_its_plot_is_running_text_too() {
    // The last command ends a few points over the plot (closer than clusters lie apart):
    // still no cluster of the plot's, so it is the text's when it runs wider.
    let (captions, blockers, mut contents) = code_over_a_plot((72.0, 560.0));
    contents.push(typed(Rect::new(72.0, 128.0, 560.0, 137.0)));
    let best = best_regions(&letter_page(&captions, &blockers, &contents));
    assert_eq!(best, vec![Some(Rect::new(165.0, 140.0, 445.0, 330.0))]);
    // Within the figure's width, the same code is its own.
    let (captions, blockers, mut contents) = code_over_a_plot((160.0, 440.0));
    contents.push(typed(Rect::new(160.0, 128.0, 440.0, 137.0)));
    let best = best_regions(&letter_page(&captions, &blockers, &contents));
    assert_eq!(best, vec![Some(Rect::new(160.0, 80.0, 445.0, 330.0))]);
}

#[test]
fn code_under_a_drawing_at_the_foot_of_a_float_below_its_caption_is_the_figures() {
    // A figure set under its caption: a drawing, then the source that draws it, within
    // the drawing's width, and nothing more down to the foot of the text.
    let captions = vec![cap(FigureKind::Figure, "2", Rect::new(250.0, 100.0, 360.0, 110.0))];
    let blockers = vec![Rect::new(72.0, 72.0, 540.0, 95.0)];
    let mut contents: Vec<Content> = (0..6)
        .map(|i| Content {
            rect: Rect::new(180.0, 215.0 + 12.0 * i as f64, 420.0, 224.0 + 12.0 * i as f64),
            graphic: false,
            cell: false,
            mono: true,
            prompt: false,
            prose: false,
        })
        .collect();
    contents.push(graphic(Rect::new(110.0, 120.0, 500.0, 200.0)));
    let best = best_regions(&letter_page(&captions, &blockers, &contents));
    assert_eq!(best, vec![Some(Rect::new(110.0, 120.0, 500.0, 284.0))]);
    // With a paragraph under the code, the code is the text's.
    let blockers = vec![Rect::new(72.0, 72.0, 540.0, 95.0), Rect::new(72.0, 300.0, 540.0, 400.0)];
    let best = best_regions(&letter_page(&captions, &blockers, &contents));
    assert_eq!(best, vec![Some(Rect::new(110.0, 120.0, 500.0, 200.0))]);
}

#[test]
fn a_key_printed_in_the_margin_is_no_figure_of_a_caption_in_the_text() {
    // A caption typeset as an example, with no figure; a framed key beside it in the
    // right margin.
    let captions = [cap(FigureKind::Figure, "2", Rect::new(200.0, 400.0, 420.0, 410.0))];
    let blockers = [Rect::new(72.0, 300.0, 540.0, 390.0), Rect::new(72.0, 420.0, 540.0, 600.0)];
    let contents = [graphic(Rect::new(548.0, 398.0, 590.0, 412.0))];
    let best = best_regions(&letter_page(&captions, &blockers, &contents));
    assert_eq!(best, vec![None]);
    // A margin float keeps its caption in the margin too: its figure is found.
    let captions = [cap(FigureKind::Figure, "3", Rect::new(548.0, 420.0, 600.0, 440.0))];
    let contents = [graphic(Rect::new(548.0, 340.0, 600.0, 410.0))];
    let best = best_regions(&letter_page(&captions, &blockers, &contents));
    assert_eq!(best, vec![Some(Rect::new(548.0, 340.0, 600.0, 410.0))]);
}

#[test]
fn strokes_among_rows_of_text_do_not_make_a_drawing() {
    // A figure above its caption; under the caption, with no gap of body text, a long
    // list of options in two columns whose names carry thin bars ("headheight | head").
    let captions = [cap(FigureKind::Figure, "6", Rect::new(90.0, 255.0, 500.0, 295.0))];
    let blockers = [Rect::new(72.0, 20.0, 540.0, 50.0)];
    let mut contents = vec![graphic(Rect::new(150.0, 64.0, 450.0, 240.0))];
    for i in 0..36 {
        let y = 320.0 + 12.0 * i as f64;
        let line = |x0: f64, x1: f64| Content {
            rect: Rect::new(x0, y, x1, y + 9.0),
            graphic: false,
            cell: true,
            mono: false,
            prompt: false,
            prose: false,
        };
        contents.push(line(72.0, 125.0));
        contents.push(line(140.0, 520.0));
        if i % 6 == 0 {
            contents.push(graphic(Rect::new(128.4, y - 1.0, 128.8, y + 11.4)));
        }
    }
    let best = best_regions(&letter_page(&captions, &blockers, &contents));
    assert_eq!(best, vec![Some(Rect::new(150.0, 64.0, 450.0, 240.0))]);
}

#[test]
fn code_over_a_plot_with_titles_between_is_the_figures() {
    // The code a book prints over its plot, then the panel titles, set apart from both,
    // then the plot.
    let (captions, blockers, mut contents) = code_over_a_plot((160.0, 440.0));
    contents[4] = graphic(Rect::new(165.0, 160.0, 445.0, 330.0));
    contents.push(Content {
        rect: Rect::new(200.0, 138.0, 420.0, 146.0),
        graphic: false,
        cell: true,
        mono: false,
        prompt: false,
        prose: false,
    });
    let best = best_regions(&letter_page(&captions, &blockers, &contents));
    assert_eq!(best, vec![Some(Rect::new(160.0, 80.0, 445.0, 330.0))]);
}

#[test]
fn rules_around_an_example_under_a_caption_make_no_drawing() {
    // A small picture over its caption; under the caption, after a gap, an example set
    // between two rules: its code and the line that shows the result.
    let captions = [cap(FigureKind::Figure, "5", Rect::new(240.0, 200.0, 400.0, 210.0))];
    let blockers = [Rect::new(72.0, 60.0, 540.0, 120.0), Rect::new(72.0, 520.0, 540.0, 700.0)];
    let mut contents = vec![
        graphic(Rect::new(250.0, 140.0, 390.0, 190.0)),
        graphic(Rect::new(100.0, 222.0, 520.0, 222.4)),
        graphic(Rect::new(100.0, 500.0, 520.0, 500.4)),
    ];
    for i in 0..18 {
        let y = 230.0 + 14.0 * i as f64;
        contents.push(Content {
            rect: Rect::new(100.0, y, 400.0, y + 9.0),
            graphic: false,
            cell: false,
            mono: true,
            prompt: false,
            prose: false,
        });
    }
    let best = best_regions(&letter_page(&captions, &blockers, &contents));
    assert_eq!(best, vec![Some(Rect::new(250.0, 140.0, 390.0, 190.0))]);
}

#[test]
fn code_over_a_plot_under_the_caption_of_a_float_above_is_the_figures() {
    // Two floats stacked: the first ends in its caption; the second holds code over its
    // plot, right under that caption, lower on the page than the top of the text.
    let captions = [
        cap(FigureKind::Figure, "5", Rect::new(160.0, 150.0, 450.0, 160.0)),
        cap(FigureKind::Figure, "6", Rect::new(160.0, 400.0, 450.0, 422.0)),
    ];
    let blockers = [Rect::new(72.0, 450.0, 540.0, 700.0)];
    let mut contents: Vec<Content> =
        (0..3).map(|i| typed(Rect::new(160.0, 172.0 + 12.0 * i as f64, 440.0, 181.0 + 12.0 * i as f64))).collect();
    contents.push(graphic(Rect::new(165.0, 220.0, 445.0, 390.0)));
    contents.push(graphic(Rect::new(200.0, 80.0, 400.0, 140.0)));
    let best = best_regions(&letter_page(&captions, &blockers, &contents));
    assert_eq!(best, vec![Some(Rect::new(200.0, 80.0, 400.0, 140.0)), Some(Rect::new(160.0, 172.0, 445.0, 390.0))]);
}

#[test]
fn full_width_rules_beyond_a_framed_figure_edge_the_example_not_the_figure() {
    // A manual's example box: a heading, code and a "Result:" line between rules across
    // the text; under it the framed result and its caption.
    let captions = [cap(FigureKind::Figure, "3", Rect::new(250.0, 401.0, 390.0, 410.0))];
    let blockers = [Rect::new(144.0, 93.0, 179.0, 103.0)];
    let text = |x1: f64, y: f64, mono: bool| Content {
        rect: Rect::new(144.0, y, x1, y + 9.0),
        graphic: false,
        cell: false,
        mono,
        prompt: false,
        prose: false,
    };
    let contents = vec![
        // The frame of the result and the text in it.
        graphic(Rect::new(144.0, 353.0, 498.0, 353.4)),
        graphic(Rect::new(144.0, 353.0, 145.0, 391.0)),
        graphic(Rect::new(497.5, 353.0, 498.0, 391.0)),
        graphic(Rect::new(144.0, 390.6, 498.0, 391.0)),
        text(280.0, 357.0, false),
        text(279.0, 378.0, false),
        // The example: "Result:" and a reference, a rule, code, a rule, its heading, a rule.
        text(174.0, 331.0, false),
        text(164.0, 320.0, false),
        graphic(Rect::new(144.0, 318.0, 498.0, 318.4)),
        text(219.0, 299.0, true),
        text(294.0, 287.0, true),
        text(299.0, 263.0, true),
        graphic(Rect::new(144.0, 218.0, 498.0, 218.4)),
        text(366.0, 205.0, false),
        graphic(Rect::new(144.0, 198.0, 498.0, 198.4)),
    ];
    let best = best_regions(&letter_page(&captions, &blockers, &contents));
    assert_eq!(best, vec![Some(Rect::new(144.0, 353.0, 498.0, 391.0))]);
}

#[test]
fn a_line_of_text_under_a_captions_example_is_no_figure() {
    // A caption typeset as an example of a caption style, with no figure body: body text
    // right above it, and under it one line of code the guide prints before its prose.
    let captions = [cap(FigureKind::Figure, "4", Rect::new(150.0, 400.0, 460.0, 410.0))];
    let blockers = [Rect::new(72.0, 300.0, 540.0, 392.0), Rect::new(72.0, 440.0, 540.0, 700.0)];
    let line = Content {
        rect: Rect::new(150.0, 416.0, 350.0, 425.0),
        graphic: false,
        cell: false,
        mono: true,
        prompt: false,
        prose: false,
    };
    let best = best_regions(&letter_page(&captions, &blockers, &[line]));
    assert_eq!(best, vec![None]);
    // A small drawing right above a caption is still its figure.
    let blockers = [Rect::new(72.0, 300.0, 540.0, 360.0), Rect::new(72.0, 440.0, 540.0, 700.0)];
    let drawing = graphic(Rect::new(250.0, 370.0, 330.0, 395.0));
    let best = best_regions(&letter_page(&captions, &blockers, &[drawing, line]));
    assert_eq!(best, vec![Some(drawing.rect)]);
}

#[test]
fn a_usual_side_needs_the_clear_captions_to_agree() {
    assert_eq!(usual_side(1, 0), Some(Side::Above));
    assert_eq!(usual_side(1, 4), Some(Side::Below));
    // A guide that shows both styles has no usual side.
    assert_eq!(usual_side(3, 2), None);
    assert_eq!(usual_side(0, 0), None);
    let p = |side, score| Proposal { rect: Rect::new(0.0, 0.0, 1.0, 1.0), side, score };
    assert!(clear_side(&[p(Side::Above, 0.9), p(Side::Below, 0.2)], Side::Above, 0.9));
    assert!(!clear_side(&[p(Side::Above, 0.9), p(Side::Below, 0.5)], Side::Above, 0.9));
    assert!(!clear_side(&[p(Side::Left, 0.9)], Side::Left, 0.9));
}
