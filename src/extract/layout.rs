//! Page analysis between text grouping and region proposals: document statistics (body
//! font size, column width), caption candidates and paragraphs, body-text classification,
//! and each page's blockers and contents.

use super::caption::{self, Candidate};
use super::geom::{Rect, Turn, union_all};
use super::model::Located;
use super::pick;
use super::regions::{self, CaptionBox, Content, PageRegions, Proposal, Side};
use super::text::{self, Line};

mod kinds;
mod page;
use kinds::{
    command_lines, continues_caption, continues_side_caption, display_math, fenced, indent, is_body, is_heading,
    led_by_text, row_mates,
};
pub use page::{PageText, Stats, mark_running_heads};

/// Caption candidates of all pages, with evidence.
fn candidates(pages: &[PageText], stats: &Stats) -> Vec<Candidate> {
    let mut out = Vec::new();
    for (pi, p) in pages.iter().enumerate() {
        for (li, l) in p.lines.iter().enumerate() {
            // A justified caption's first line may break at its wide spaces: its label
            // and words go on in the lines to its right on the row.
            let word = l.text.trim();
            let lone_word = !word.contains(char::is_whitespace)
                && word.len() <= 7
                && caption::parse_start(&format!("{word} 1")).is_some();
            let start = caption::parse_start(&l.text)
                .or_else(|| lone_word.then(|| caption::parse_start(&format!("{word} {}", row_after(p, li))))?);
            let Some(mut start) = start else { continue };
            if start.rest.is_empty() {
                start.rest = row_after(p, li);
            }
            // A caption low on the page can look like a footer by its place alone: within
            // the body text's band, or punctuated like a caption, it is not one.
            let in_text_band = stats.text_area.is_some_and(|t| l.rect.y0 >= t.y0 - 2.0 && l.rect.y1 <= t.y1 + 2.0);
            if p.margin[li] && !in_text_band && !start.strong_punct() {
                continue;
            }
            // A caption without punctuation after its number that follows other text on
            // its row is a table's cell or a list's entry.
            if caption::looks_like_list_entry(&l.text) || (!start.strong_punct() && led_by_text(p, li, stats)) {
                continue;
            }
            let s = l.size;
            let above = p.lines.iter().any(|o| {
                let gap = l.rect.y0 - o.rect.y1;
                gap > -0.3 * s
                    && gap < 0.7 * s
                    && (o.size - l.size).abs() < 0.6
                    && o.rect.x_overlap(&l.rect) > 0.5 * o.rect.width().min(l.rect.width())
            });
            let reach = 4.0 * s;
            let near = Rect::new(l.rect.x0 - 50.0, l.rect.y0 - reach, l.rect.x1 + 50.0, l.rect.y1 + reach);
            let near_graphics = p.graphics().any(|g| g.intersects(&near) || near.contains(g));
            let distinct_font = (l.size - stats.body_size).abs() >= 0.6;
            out.push(Candidate { page: pi, line: li, start, para_start: !above, near_graphics, distinct_font });
        }
    }
    out
}

/// The text of the lines to the right of line `li` on its row, left to right.
fn row_after(p: &PageText, li: usize) -> String {
    row_text(&row_lines(p, li))
}

fn row_text(row: &[&Line]) -> String {
    row.iter().map(|o| o.text.trim()).collect::<Vec<_>>().join(" ")
}

/// The lines to the right of line `li` on its row (same baseline and size), left to right.
fn row_lines(p: &PageText, li: usize) -> Vec<&Line> {
    let l = &p.lines[li];
    let mut right: Vec<&Line> = p
        .lines
        .iter()
        .filter(|o| o.rect.x0 >= l.rect.x1 && (o.base - l.base).abs() < 0.25 * l.size && (o.size - l.size).abs() < 0.6)
        .collect();
    right.sort_by(|a, b| a.rect.x0.total_cmp(&b.rect.x0));
    right
}

/// True when a graphic (a rule) separates two vertically adjacent lines.
fn ruled_between(p: &PageText, a: &Rect, b: &Rect) -> bool {
    let (top, bottom) = if a.y1 <= b.y0 { (a, b) } else { (b, a) };
    let x0 = top.x0.max(bottom.x0);
    let x1 = top.x1.min(bottom.x1);
    p.content
        .paths
        .iter()
        .map(|m| &m.rect)
        .any(|g| g.y0 >= top.y1 - 1.0 && g.y1 <= bottom.y0 + 1.0 && g.x1 > x0 && g.x0 < x1)
}

/// The opening words of a caption's text after its label (four words, ten characters at
/// least), as its source code would hold them.
fn source_key(caption: &str) -> Option<String> {
    let rest = caption::parse_start(caption)?.rest;
    let key = rest.split_whitespace().take(4).collect::<Vec<_>>().join(" ");
    (key.chars().count() >= 10).then_some(key)
}

/// Whether a block of prose in the body's font, at the left edge of its column, ends by
/// introducing what follows ("…gives captions like this:"): running text, however short.
/// (Text inside a figure is set off from that edge, in another font or has text beside it
/// on its row.)
fn introduces(p: &PageText, b: &text::Block, stats: &Stats, mates: &[bool]) -> bool {
    let starts_column = |l: &Line| indent(&l.rect, stats).is_some_and(|i| i.abs() <= 2.0);
    b.lines.last().is_some_and(|&i| {
        let l = &p.lines[i];
        !l.mono
            && !mates[i]
            && (l.size - stats.body_size).abs() < 0.6
            && l.text.trim_end().ends_with(':')
            && l.text.split_whitespace().count() >= 3
    }) && b
        .lines
        .first()
        .is_some_and(|&i| starts_column(&p.lines[i]) && caption::parse_start(&p.lines[i].text).is_none())
}

/// Whether a line ends with a full stop (not an ellipsis, ". . ." or "...").
fn ends_sentence(text: &str) -> bool {
    let t = text.trim_end();
    t.ends_with('.') && !t.ends_with("..") && !t.ends_with(". .")
}

/// Whether a line of code holds a TeX command that sets or configures a caption
/// (`\caption{…}`, `\captionof`, `\captionsetup`, `\DeclareCaptionFormat`, …).
fn sets_caption(code: &str) -> bool {
    code.split('\\').skip(1).any(|cmd| {
        let name: String = cmd.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
        name.to_ascii_lowercase().contains("caption")
    })
}

fn join_caption(lines: &[&Line]) -> String {
    let mut s = String::new();
    for l in lines {
        if s.ends_with('-') && l.text.starts_with(|c: char| c.is_lowercase()) {
            s.pop();
        } else if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(l.text.trim());
    }
    s
}

/// The pages and, after them, those of the pages turned to read sideways captions.
pub fn with_turned(mut pages: Vec<PageText>) -> Vec<PageText> {
    let turned: Vec<PageText> =
        pages.iter().flat_map(|p| [Turn::Up, Turn::Down].into_iter().filter_map(|t| p.turned(t))).collect();
    pages.extend(turned);
    pages
}

/// Locates figures on the given pages, choosing captions across all of them; in page
/// order, top to bottom.
///
/// Each page's regions are chosen first on their own. A document sets its figures (and
/// its tables) on one side of their captions; where the captions whose side leaves no
/// doubt agree on it, a page where a caption took a region on the other side (a float
/// stacked over or under another, each caption between two of them) is chosen again with
/// that side preferred.
pub fn locate_pages(pages: &[PageText], stats: &Stats) -> Vec<Located> {
    let cands = candidates(pages, stats);
    let chosen = caption::choose(&cands);
    let mut found = Vec::new();
    // For figures and tables: the captions whose region is clearly above, clearly below.
    let mut votes = [[0usize; 2]; 2];
    for (pi, p) in pages.iter().enumerate() {
        let starts: Vec<&Candidate> = chosen.iter().map(|&i| &cands[i]).filter(|c| c.page == pi).collect();
        if starts.is_empty() {
            continue;
        }
        let layout = match p.turn {
            // The document's text area and columns, seen on the turned page: one column.
            Some((turn, w, h)) => {
                let text_area = stats.text_area.map(|t| turn.rect(t, w, h));
                let column_width = text_area.map_or(p.content.width, |t| t.width());
                let turned = Stats { text_area, column_width, margin_rules: Vec::new(), ..stats.clone() };
                page_layout(p, &turned, &starts)
            }
            None => page_layout(p, stats, &starts),
        };
        let props = layout.proposals([None; 2]);
        let best = pick::best_of(&props);
        if p.turn.is_none() {
            for &(i, k) in best.iter().flatten() {
                let chosen = &props[i][k];
                if regions::clear_side(&props[i], chosen.side, chosen.score) {
                    let v = &mut votes[regions::kind_index(layout.captions[i].kind)];
                    v[usize::from(chosen.side == Side::Below)] += 1;
                }
            }
        }
        found.push((p, layout, props, best));
    }
    let usual = votes.map(|[above, below]| regions::usual_side(above, below));
    let mut out = Vec::new();
    for (p, layout, mut props, mut best) in found {
        let against = p.turn.is_none()
            && best.iter().flatten().any(|&(i, k)| {
                let side = props[i][k].side;
                usual[regions::kind_index(layout.captions[i].kind)]
                    .is_some_and(|u| matches!(side, Side::Above | Side::Below) && side != u)
            });
        if against {
            props = layout.proposals(usual);
            best = pick::best_of(&props);
        }
        out.extend(layout.captions.iter().zip(&best).filter_map(|(c, b)| {
            b.map(|(i, k)| {
                let r = props[i][k].rect;
                Located {
                    figure: c.name.clone(),
                    kind: c.kind,
                    page: p.number,
                    bbox: p.on_page(p.tighten(r, c.kind)),
                    untrimmed: p.on_page(p.untrimmed(r)),
                    caption_bbox: p.on_page(c.rect),
                    caption: c.text.clone(),
                }
            })
        }));
    }
    out.sort_by(|a, b| a.page.cmp(&b.page).then(a.bbox[1].total_cmp(&b.bbox[1])));
    out
}

/// What region finding sees of one page: the captions, what blocks a region, what a
/// region may hold.
struct PageLayout {
    page: Rect,
    /// The box of all text on the page.
    text_area: Rect,
    body_area: Option<Rect>,
    column_width: f64,
    captions: Vec<CaptionBox>,
    blockers: Vec<Rect>,
    contents: Vec<Content>,
}

impl PageLayout {
    /// Every caption's region proposals, with the document's `usual` sides preferred.
    fn proposals(&self, usual: [Option<Side>; 2]) -> Vec<Vec<Proposal>> {
        let input = PageRegions {
            page: self.page,
            text_area: self.text_area,
            body_area: self.body_area,
            column_width: self.column_width,
            captions: &self.captions,
            blockers: &self.blockers,
            contents: &self.contents,
            usual,
        };
        (0..self.captions.len()).map(|i| regions::proposals(&input, i)).collect()
    }
}

/// Sorts one page's blocks into captions (those `starts` begins), blockers (body text,
/// headings, margin text) and contents (graphics and any other text).
fn page_layout(p: &PageText, stats: &Stats, starts: &[&Candidate]) -> PageLayout {
    let is_start = |i: usize| starts.iter().any(|c| c.line == i);
    let blocks = text::blocks(&p.lines, &|i| is_start(i) || p.margin[i], &|first, a, b| {
        !ruled_between(p, &p.lines[a].rect, &p.lines[b].rect)
            && !p.margin[a]
            && (!is_start(first) || continues_caption(&p.lines[first], &p.lines[a], &p.lines[b]))
    });
    let mut captions = Vec::new();
    let mut caption_block = vec![false; blocks.len()];
    for c in starts {
        let Some(bi) = blocks.iter().position(|b| b.lines[0] == c.line) else { continue };
        caption_block[bi] = true;
        let b = &blocks[bi];
        let ls: Vec<&Line> = b.lines.iter().map(|&i| &p.lines[i]).collect();
        let mut text = join_caption(&ls);
        let mut rect = b.rect;
        // A first line broken at a justified caption's wide spaces: the rest of its row.
        if caption::parse_start(&p.lines[c.line].text).is_none_or(|s| s.rest.is_empty()) {
            let row = row_lines(p, c.line);
            let words = row_text(&row);
            let first = p.lines[c.line].text.trim();
            text = format!("{first} {words}{}", text.trim_start().strip_prefix(first).unwrap_or(""));
            rect = union_all(row.iter().map(|l| &l.rect).chain([&rect])).unwrap_or(rect);
        }
        captions.push(CaptionBox {
            kind: c.start.kind,
            name: c.start.name.clone(),
            rect,
            text,
            lines: b.lines.clone(),
        });
    }
    // Paragraphs that go on a caption set beside its figure, one after another (prose,
    // or the code the caption introduces); the caption's box takes them in.
    let mut aside_blocks = vec![false; blocks.len()];
    for c in captions.iter_mut() {
        loop {
            let next = (0..blocks.len()).find(|&bi| {
                !caption_block[bi] && !aside_blocks[bi] && continues_side_caption(p, c, &blocks[bi], stats)
            });
            let Some(bi) = next else { break };
            aside_blocks[bi] = true;
            c.rect = c.rect.union(&blocks[bi].rect);
        }
    }
    let mates = row_mates(p, stats);
    let commands = command_lines(p);
    // Code that holds a caption's own words, or a TeX command that sets a caption, is the
    // source that typesets one (a manual's example), not a figure.
    let openings: Vec<String> = captions.iter().filter_map(|c| source_key(&c.text)).collect();
    let source = |b: &text::Block| {
        b.lines.iter().any(|&i| {
            let l = &p.lines[i];
            l.mono && (openings.iter().any(|k| l.text.contains(k.as_str())) || sets_caption(&l.text))
        })
    };
    let mut blockers = Vec::new();
    let mut contents = Vec::new();
    for (bi, b) in blocks.iter().enumerate() {
        if caption_block[bi] {
            continue;
        }
        let margin = b.lines.iter().all(|&i| p.margin[i]);
        // A short text set on a drawn shape (a label in a diagram, the word on a
        // placeholder image) belongs to the drawing, whatever its size.
        let on_shape = || {
            b.lines.len() <= 2
                && p.graphics().any(|g| g.contains(&b.rect) && g.area() >= 2.0 * b.rect.area() && !regions::is_rule(g))
        };
        let aside = aside_blocks[bi];
        let drawn = || on_shape() || (b.lines.len() <= 2 && fenced(p, &b.rect, b.size));
        // The caption of a float continued from this one is no part of its figure.
        let continued = caption::parse_start(&p.lines[b.lines[0]].text).is_some_and(|s| s.continued());
        if aside
            || continued
            || source(b)
            || ((margin
                || is_body(p, b, stats, &mates)
                || is_heading(p, b, stats, &mates)
                || introduces(p, b, stats, &mates))
                && !drawn())
        {
            blockers.push(b.rect);
        } else {
            for &i in &b.lines {
                let l = &p.lines[i];
                let mono = l.mono || l.chars < 6;
                let prose = !l.mono
                    && (l.size - stats.body_size).abs() < 0.6
                    && l.text.split_whitespace().count() >= 6
                    && ends_sentence(&l.text);
                contents.push(Content {
                    rect: l.rect,
                    graphic: false,
                    cell: mates[i],
                    mono,
                    prompt: commands[i],
                    prose,
                });
            }
        }
    }
    blockers.extend(display_math(p, stats));
    // Rules under running heads and above footers belong to the page, not to figures.
    let margin_rule =
        |g: &Rect| stats.margin_rules.iter().any(|y| (y - (g.y0 + g.y1) / 2.0).abs() < 1.5) && p.is_margin_rule(g);
    // Crop marks and other page furniture lie wholly outside the text area.
    let furniture = |g: &Rect| {
        stats.text_area.is_some_and(|t| {
            let grown = Rect::new(t.x0 - 12.0, t.y0 - 12.0, t.x1 + 12.0, t.y1 + 12.0);
            !grown.intersects(g) && (g.width() < 3.0 || g.height() < 3.0)
        })
    };
    // Marks under a dozen points long (an underscore drawn as a rule, a bullet, an accent)
    // are content but do not make a region a drawing.
    for g in p.graphics().filter(|g| !margin_rule(g) && !furniture(g)) {
        let graphic = g.width().max(g.height()) >= 12.0;
        contents.push(Content { rect: *g, graphic, cell: false, mono: false, prompt: false, prose: false });
    }
    let page = Rect::new(0.0, 0.0, p.content.width, p.content.height);
    // The page's text, or the document's text area on a page with little text.
    let text_area = union_all(p.lines.iter().map(|l| &l.rect).chain(&stats.text_area)).unwrap_or(page);
    PageLayout {
        page,
        text_area,
        body_area: stats.text_area,
        column_width: stats.column_width,
        captions,
        blockers,
        contents,
    }
}

#[cfg(test)]
#[path = "layout/tests.rs"]
mod tests;
