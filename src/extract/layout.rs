//! Page analysis between text grouping and region proposals: document statistics (body
//! font size, column width), caption candidates and paragraphs, body-text classification,
//! and each page's blockers and contents.

use super::caption::{self, Candidate};
use super::geom::{Rect, union_all};
use super::pdf::PageContent;
use super::regions::{self, CaptionBox, Content, PageRegions};
use super::text::{self, Line};
use super::model::Located;

/// One page's content with its lines and margin flags.
pub struct PageText {
    /// 1-based.
    pub number: usize,
    pub content: PageContent,
    pub lines: Vec<Line>,
    pub margin: Vec<bool>,
}

impl PageText {
    pub fn new(number: usize, content: PageContent) -> PageText {
        let lines = text::lines(&content.glyphs);
        let margin = text::margin_lines(&lines, content.height);
        PageText { number, content, lines, margin }
    }

    /// Boxes of all graphics: paths, images, rotated text.
    fn graphics(&self) -> impl Iterator<Item = &Rect> {
        self.content.paths.iter().chain(&self.content.images).chain(&self.content.rotated_text)
    }
}

/// Statistics over the pages analysed together.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    /// The most common line font size (by characters).
    pub body_size: f64,
    /// The typical width of a full body line (one column).
    pub column_width: f64,
}

impl Stats {
    pub fn of(pages: &[PageText]) -> Stats {
        let mut sizes: Vec<(f64, usize)> = Vec::new();
        for p in pages {
            for l in &p.lines {
                match sizes.iter_mut().find(|(s, _)| *s == l.size) {
                    Some((_, n)) => *n += l.chars,
                    None => sizes.push((l.size, l.chars)),
                }
            }
        }
        let body_size = sizes.iter().max_by_key(|(_, n)| *n).map_or(10.0, |(s, _)| *s);
        let mut widths: Vec<f64> = pages
            .iter()
            .flat_map(|p| p.lines.iter())
            .filter(|l| (l.size - body_size).abs() < 0.6 && l.chars >= 10)
            .map(|l| l.rect.width())
            .collect();
        widths.sort_by(f64::total_cmp);
        let column_width = if widths.is_empty() { 200.0 } else { widths[(widths.len() * 3 / 4).min(widths.len() - 1)] };
        Stats { body_size, column_width }
    }
}

/// Caption candidates of all pages, with evidence.
fn candidates(pages: &[PageText], stats: &Stats) -> Vec<Candidate> {
    let mut out = Vec::new();
    for (pi, p) in pages.iter().enumerate() {
        for (li, l) in p.lines.iter().enumerate() {
            if p.margin[li] {
                continue;
            }
            let Some(start) = caption::parse_start(&l.text) else { continue };
            if caption::looks_like_list_entry(&l.text) {
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

/// True when a graphic (a rule) separates two vertically adjacent lines.
fn ruled_between(p: &PageText, a: &Rect, b: &Rect) -> bool {
    let (top, bottom) = if a.y1 <= b.y0 { (a, b) } else { (b, a) };
    let x0 = top.x0.max(bottom.x0);
    let x1 = top.x1.min(bottom.x1);
    p.content.paths.iter().any(|g| g.y0 >= top.y1 - 1.0 && g.y1 <= bottom.y0 + 1.0 && g.x1 > x0 && g.x0 < x1)
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

/// Locates figures on the given pages, choosing captions across all of them.
pub fn locate_pages(pages: &[PageText], stats: &Stats) -> Vec<Located> {
    let cands = candidates(pages, stats);
    let chosen = caption::choose(&cands);
    let mut out = Vec::new();
    for (pi, p) in pages.iter().enumerate() {
        let starts: Vec<&Candidate> = chosen.iter().map(|&i| &cands[i]).filter(|c| c.page == pi).collect();
        if starts.is_empty() {
            continue;
        }
        out.extend(locate_on_page(p, stats, &starts));
    }
    out
}

fn locate_on_page(p: &PageText, stats: &Stats, starts: &[&Candidate]) -> Vec<Located> {
    let is_start = |i: usize| starts.iter().any(|c| c.line == i);
    let blocks = text::blocks(&p.lines, &|i| is_start(i) || p.margin[i], &|a, b| {
        !ruled_between(p, &p.lines[a].rect, &p.lines[b].rect)
    });
    let mut captions = Vec::new();
    let mut caption_block = vec![false; blocks.len()];
    for c in starts {
        let Some(bi) = blocks.iter().position(|b| b.lines[0] == c.line) else { continue };
        caption_block[bi] = true;
        let b = &blocks[bi];
        let ls: Vec<&Line> = b.lines.iter().map(|&i| &p.lines[i]).collect();
        captions.push(CaptionBox {
            kind: c.start.kind,
            name: c.start.name.clone(),
            rect: b.rect,
            text: join_caption(&ls),
            lines: b.lines.clone(),
        });
    }
    let mut blockers = Vec::new();
    let mut contents = Vec::new();
    for (bi, b) in blocks.iter().enumerate() {
        if caption_block[bi] {
            continue;
        }
        let margin = b.lines.iter().all(|&i| p.margin[i]);
        if margin || is_body(p, b, stats) || is_heading(p, b, stats) {
            blockers.push(b.rect);
        } else {
            for &i in &b.lines {
                contents.push(Content { rect: p.lines[i].rect, graphic: false });
            }
        }
    }
    // Rules under running heads and above footers belong to the page, not to figures.
    let margin_rule = |g: &Rect| {
        g.height() < 3.0
            && p.lines.iter().zip(&p.margin).any(|(l, &m)| {
                m && ((l.rect.y1 < 0.5 * p.content.height && g.y0 >= l.rect.y0 && g.y1 <= l.rect.y1 + 1.5 * l.size)
                    || (l.rect.y0 > 0.5 * p.content.height && g.y1 <= l.rect.y1 && g.y0 >= l.rect.y0 - 1.5 * l.size))
            })
    };
    for g in p.graphics().filter(|g| !margin_rule(g)) {
        contents.push(Content { rect: *g, graphic: true });
    }
    let page = Rect::new(0.0, 0.0, p.content.width, p.content.height);
    let text_area = union_all(p.lines.iter().map(|l| &l.rect)).unwrap_or(page);
    let input = PageRegions { page, text_area, captions: &captions, blockers: &blockers, contents: &contents };
    let chosen = regions::best_regions(&input);
    captions
        .iter()
        .zip(chosen)
        .filter_map(|(c, r)| {
            r.map(|r| Located {
                figure: c.name.clone(),
                kind: c.kind,
                page: p.number,
                bbox: r.to_array(),
                caption_bbox: c.rect.to_array(),
                caption: c.text.clone(),
            })
        })
        .collect()
}

/// Headings: one or two lines in a font clearly larger than the body text.
fn is_heading(p: &PageText, b: &text::Block, stats: &Stats) -> bool {
    b.lines.len() <= 2 && b.size >= 1.15 * stats.body_size && b.lines.iter().all(|&i| p.lines[i].chars >= 3)
}

/// Body text: paragraphs in the body font that fill most of a column.
fn is_body(p: &PageText, b: &text::Block, stats: &Stats) -> bool {
    let lines: Vec<&Line> = b.lines.iter().map(|&i| &p.lines[i]).collect();
    let body_chars: usize = lines.iter().filter(|l| (l.size - stats.body_size).abs() < 0.6).map(|l| l.chars).sum();
    let chars: usize = lines.iter().map(|l| l.chars).sum();
    if body_chars * 2 < chars {
        return false;
    }
    let widest = lines.iter().map(|l| l.rect.width()).fold(0.0, f64::max);
    if lines.len() >= 2 { widest >= 0.6 * stats.column_width } else { widest >= 0.85 * stats.column_width }
}
