//! Page analysis between text grouping and region proposals: document statistics (body
//! font size, column width), caption candidates and paragraphs, body-text classification,
//! and each page's blockers and contents.

use std::collections::HashMap;

use super::caption::{self, Candidate};
use super::geom::{Rect, Turn, union_all};
use super::model::{FigureKind, Located};
use super::pdf::{Mark, PageContent};
use super::regions::{self, CaptionBox, Content, PageRegions};
use super::text::{self, Line};

mod kinds;
use kinds::{
    command_lines, continues_caption, continues_side_caption, display_math, fenced, is_body, is_heading, row_mates,
};

/// One page's content with its lines and margin flags.
pub struct PageText {
    /// 1-based.
    pub number: usize,
    pub content: PageContent,
    pub lines: Vec<Line>,
    pub margin: Vec<bool>,
    /// Set on a page turned to read its sideways text: the turn, and the page's own size
    /// to turn boxes back.
    pub turn: Option<(Turn, f64, f64)>,
}

impl PageText {
    /// This page turned by `turn`, when text running that way holds a caption.
    pub fn turned(&self, turn: Turn) -> Option<PageText> {
        let furniture: Vec<Rect> =
            self.lines.iter().zip(&self.margin).filter(|(_, m)| **m).map(|(l, _)| l.rect).collect();
        let content = super::turn::turned(&self.content, turn, &furniture)?;
        let (w, h) = (self.content.width, self.content.height);
        Some(PageText { turn: Some((turn, w, h)), ..PageText::new(self.number, content) })
    }

    /// A box of this page in the coordinates of the page as printed.
    fn on_page(&self, r: Rect) -> [f64; 4] {
        match self.turn {
            Some((turn, w, h)) => turn.back(r, w, h).to_array(),
            None => r.to_array(),
        }
    }

    pub fn new(number: usize, content: PageContent) -> PageText {
        let lines = text::join_hanging(text::lines(&content.glyphs), &|l: &Line| {
            caption::parse_start(&l.text).is_some_and(|c| c.rest.is_empty())
        });
        let drawn: Vec<Rect> = content.paths.iter().chain(&content.images).filter_map(|m| m.ink).collect();
        let margin = text::margin_lines(&lines, content.height, &drawn);
        PageText { number, content, lines, margin, turn: None }
    }

    /// The visible graphics: paths, images, rotated text that leave ink (what is painted
    /// white, or an image of white pixels only, is not there for a reader).
    fn marks(&self) -> impl Iterator<Item = &Mark> {
        self.content
            .paths
            .iter()
            .chain(&self.content.images)
            .chain(&self.content.rotated_text)
            .filter(|m| m.ink.is_some())
    }

    /// The ink boxes of the visible graphics (an image's non-white pixels, not its
    /// placement): what regions are found from.
    fn graphics(&self) -> impl Iterator<Item = &Rect> {
        self.marks().filter_map(|m| m.ink.as_ref())
    }

    /// Whether `g` is a thin line right under a running head or right above a footer.
    fn is_margin_rule(&self, g: &Rect) -> bool {
        g.height() < 3.0
            && self.lines.iter().zip(&self.margin).any(|(l, &m)| {
                let h = self.content.height;
                m && ((l.rect.y1 < 0.5 * h && g.y0 >= l.rect.y0 && g.y1 <= l.rect.y1 + 1.5 * l.size)
                    || (l.rect.y0 > 0.5 * h && g.y1 <= l.rect.y1 && g.y0 >= l.rect.y0 - 1.5 * l.size))
            })
    }

    /// The region as laid out around what `region` holds, before trimming to ink: the
    /// placements of its images (white margins included), the glyph boxes of its text, and
    /// a white canvas drawn behind it (one that covers most of it, at most eight times its
    /// size).
    fn untrimmed(&self, region: Rect) -> Rect {
        let lines = self.lines.iter().map(|l| &l.rect).filter(|r| regions::mostly_inside(&region, r));
        let marks =
            self.marks().filter(|m| m.ink.is_some_and(|i| regions::mostly_inside(&region, &i))).map(|m| &m.rect);
        let canvas = self.content.paths.iter().filter(|m| m.ink.is_none()).map(|m| &m.rect).filter(|c| {
            c.intersection(&region).is_some_and(|i| i.area() >= 0.5 * region.area()) && c.area() <= 8.0 * region.area()
        });
        union_all(lines.chain(marks).chain(canvas)).map_or(region, |u| u.union(&region))
    }

    /// `region` shrunk to the ink of what it holds: graphics and the outlines of glyphs
    /// (not their advance boxes). Unchanged when nothing inside leaves ink.
    /// A figure's region also drops the rules a float style draws above or below its body
    /// (a table's rules are part of the table).
    fn tighten(&self, region: Rect, kind: FigureKind) -> Rect {
        let lines = self.lines.iter().filter(|l| regions::mostly_inside(&region, &l.rect)).filter_map(|l| l.ink);
        let graphics = self.graphics().filter(|g| regions::mostly_inside(&region, g)).copied();
        let mut ink: Vec<Rect> = lines
            .chain(graphics)
            .filter_map(|i| i.intersection(&region).or(Some(i).filter(|i| region.contains(i))))
            .collect();
        if kind == FigureKind::Figure {
            strip_bracketing_rules(&mut ink);
        }
        union_all(&ink).unwrap_or(region)
    }
}

/// Removes the rules at the very top and bottom of a figure's ink when they span it: the
/// rules of a ruled float style, not a frame (a frame has sides, which stay and keep the
/// rules inside the box anyway).
fn strip_bracketing_rules(ink: &mut Vec<Rect>) {
    for top in [true, false] {
        let Some(all) = union_all(ink.iter()) else { return };
        let edge_rule = |r: &Rect| {
            regions::is_rule(r)
                && r.width() >= 0.9 * all.width()
                && if top { r.y0 <= all.y0 + 0.5 } else { r.y1 >= all.y1 - 0.5 }
        };
        let rest = union_all(ink.iter().filter(|r| !edge_rule(r)));
        if rest.is_some_and(|o| if top { o.y0 > all.y0 + 1.0 } else { o.y1 < all.y1 - 1.0 }) {
            ink.retain(|r| !edge_rule(r));
        }
    }
}

/// Marks running heads and footers that sit too close to the text to stand apart: lines
/// on the first or last row of text, in the top or bottom sixth of the page, whose text
/// (digits aside) recurs at the same height on at least three pages.
pub fn mark_running_heads(pages: &mut [PageText]) {
    // Per page and line: (top?, text with digits as '#'), for lines on the outermost rows.
    let keys: Vec<Vec<Option<(bool, String)>>> = pages
        .iter()
        .map(|p| {
            let h = p.content.height;
            let first = p.lines.iter().map(|o| o.rect.y0).fold(f64::INFINITY, f64::min);
            let last = p.lines.iter().map(|o| o.rect.y1).fold(f64::NEG_INFINITY, f64::max);
            p.lines
                .iter()
                .map(|l| {
                    let top = l.rect.y1 < h / 6.0 && l.rect.y0 <= first + 1.0;
                    let bottom = l.rect.y0 > h * 5.0 / 6.0 && l.rect.y1 >= last - 1.0;
                    (top || bottom).then(|| {
                        let text: String = l
                            .text
                            .chars()
                            .map(|c| if c.is_ascii_digit() { '#' } else { c.to_ascii_lowercase() })
                            .collect();
                        (top, text.split_whitespace().collect::<Vec<_>>().join(" "))
                    })
                })
                .collect()
        })
        .collect();
    let mut seen: HashMap<&(bool, String), Vec<(f64, usize)>> = HashMap::new();
    for (pi, (p, ks)) in pages.iter().zip(&keys).enumerate() {
        for (l, k) in p.lines.iter().zip(ks) {
            if let Some(k) = k {
                seen.entry(k).or_default().push((l.rect.y0, pi));
            }
        }
    }
    for (p, ks) in pages.iter_mut().zip(&keys) {
        for (i, k) in ks.iter().enumerate() {
            let Some(k) = k else { continue };
            let y = p.lines[i].rect.y0;
            let mut on: Vec<usize> = seen[k].iter().filter(|(sy, _)| (sy - y).abs() < 2.0).map(|e| e.1).collect();
            on.dedup();
            if on.len() >= 3 {
                p.margin[i] = true;
            }
        }
        // A running head shares its row with the page number: on the outermost row, a
        // line beside a page number (digits alone, in the margin) is page furniture too,
        // however close the text under it starts.
        for (i, k) in ks.iter().enumerate() {
            if k.is_none() || p.margin[i] {
                continue;
            }
            let l = &p.lines[i].rect;
            let beside_number = p.lines.iter().zip(&p.margin).any(|(o, &m)| {
                m && o.text.trim().chars().all(|c| c.is_ascii_digit())
                    && !o.text.trim().is_empty()
                    && o.rect.y_overlap(l) > 0.5 * o.rect.height().min(l.height())
            });
            if beside_number {
                p.margin[i] = true;
            }
        }
    }
}

/// Statistics over the pages analysed together.
#[derive(Debug, Clone)]
pub struct Stats {
    /// The most common line font size (by characters).
    pub body_size: f64,
    /// The typical width of a full body line (one column).
    pub column_width: f64,
    /// Where body text lies on the pages (all pages together, outliers dropped): graphics
    /// wholly outside it, such as crop marks, are page furniture.
    pub text_area: Option<Rect>,
    /// Heights of the rules that run under the running heads (or over the footers) of
    /// nearly every page that has them: page furniture. A float's rule that happens to sit
    /// just under the head on some pages is not among them.
    pub margin_rules: Vec<f64>,
    /// Most body-size text is monospaced (a typewriter-set document): then monospaced
    /// lines are body text like any other, else they are code.
    pub mono_body: bool,
}

impl Stats {
    pub fn of(pages: &[PageText]) -> Stats {
        // In a document with prose in it (a fifth of its characters at least), the body
        // size is the prose's: code listings in a smaller font may hold more characters.
        let (prose, all) = pages
            .iter()
            .flat_map(|p| p.lines.iter())
            .fold((0, 0), |(m, a), l| (m + if l.mono { 0 } else { l.chars }, a + l.chars));
        let has_prose = prose * 5 >= all;
        let mut sizes: Vec<(f64, usize)> = Vec::new();
        for p in pages {
            for l in p.lines.iter().filter(|l| !(has_prose && l.mono)) {
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
        let body: Vec<&Rect> = pages
            .iter()
            .flat_map(|p| p.lines.iter().zip(&p.margin))
            .filter(|(l, m)| !**m && (l.size - body_size).abs() < 0.6 && l.chars >= 10)
            .map(|(l, _)| &l.rect)
            .collect();
        let text_area = (body.len() >= 10).then(|| {
            let pick = |f: &dyn Fn(&Rect) -> f64, low: bool| {
                let mut v: Vec<f64> = body.iter().map(|r| f(r)).collect();
                v.sort_by(f64::total_cmp);
                let k = v.len() / 100;
                if low { v[k] } else { v[v.len() - 1 - k] }
            };
            Rect::new(pick(&|r| r.x0, true), pick(&|r| r.y0, true), pick(&|r| r.x1, false), pick(&|r| r.y1, false))
        });
        let with_margin = pages.iter().filter(|p| p.margin.iter().any(|&m| m)).count();
        let mut rules: Vec<(f64, usize)> = Vec::new();
        for (pi, p) in pages.iter().enumerate() {
            rules.extend(p.graphics().filter(|g| p.is_margin_rule(g)).map(|g| ((g.y0 + g.y1) / 2.0, pi)));
        }
        // Rules at one height (within 1.5 pt of the first of them), on enough pages.
        rules.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut margin_rules: Vec<f64> = Vec::new();
        let mut start = 0;
        while start < rules.len() {
            let end =
                rules[start..].iter().position(|r| r.0 - rules[start].0 >= 1.5).map_or(rules.len(), |n| start + n);
            let mut on: Vec<usize> = rules[start..end].iter().map(|r| r.1).collect();
            on.sort_unstable();
            on.dedup();
            if on.len() as f64 >= 0.8 * with_margin as f64 {
                margin_rules.push((rules[start].0 + rules[end - 1].0) / 2.0);
            }
            start = end;
        }
        let (mono, all) = pages
            .iter()
            .flat_map(|p| p.lines.iter())
            .filter(|l| (l.size - body_size).abs() < 0.6)
            .fold((0, 0), |(m, a), l| (m + if l.mono { l.chars } else { 0 }, a + l.chars));
        let mono_body = mono * 2 > all;
        Stats { body_size, column_width, text_area, margin_rules, mono_body }
    }
}

/// Caption candidates of all pages, with evidence.
fn candidates(pages: &[PageText], stats: &Stats) -> Vec<Candidate> {
    let mut out = Vec::new();
    for (pi, p) in pages.iter().enumerate() {
        for (li, l) in p.lines.iter().enumerate() {
            let Some(start) = caption::parse_start(&l.text) else { continue };
            // A caption low on the page can look like a footer by its place alone: within
            // the body text's band, or punctuated like a caption, it is not one.
            let in_text_band = stats.text_area.is_some_and(|t| l.rect.y0 >= t.y0 - 2.0 && l.rect.y1 <= t.y1 + 2.0);
            if p.margin[li] && !in_text_band && !start.strong_punct() {
                continue;
            }
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
    p.content
        .paths
        .iter()
        .map(|m| &m.rect)
        .any(|g| g.y0 >= top.y1 - 1.0 && g.y1 <= bottom.y0 + 1.0 && g.x1 > x0 && g.x0 < x1)
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
pub fn locate_pages(pages: &[PageText], stats: &Stats) -> Vec<Located> {
    let cands = candidates(pages, stats);
    let chosen = caption::choose(&cands);
    let mut out = Vec::new();
    for (pi, p) in pages.iter().enumerate() {
        let starts: Vec<&Candidate> = chosen.iter().map(|&i| &cands[i]).filter(|c| c.page == pi).collect();
        if starts.is_empty() {
            continue;
        }
        match p.turn {
            // The document's text area and columns, seen on the turned page: one column.
            Some((turn, w, h)) => {
                let text_area = stats.text_area.map(|t| turn.rect(t, w, h));
                let column_width = text_area.map_or(p.content.width, |t| t.width());
                let turned = Stats { text_area, column_width, margin_rules: Vec::new(), ..stats.clone() };
                out.extend(locate_on_page(p, &turned, &starts));
            }
            None => out.extend(locate_on_page(p, stats, &starts)),
        }
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
    column_width: f64,
    captions: Vec<CaptionBox>,
    blockers: Vec<Rect>,
    contents: Vec<Content>,
}

impl PageLayout {
    fn regions(&self) -> PageRegions<'_> {
        PageRegions {
            page: self.page,
            text_area: self.text_area,
            column_width: self.column_width,
            captions: &self.captions,
            blockers: &self.blockers,
            contents: &self.contents,
        }
    }
}

fn locate_on_page(p: &PageText, stats: &Stats, starts: &[&Candidate]) -> Vec<Located> {
    let layout = page_layout(p, stats, starts);
    let chosen = regions::best_regions(&layout.regions());
    layout
        .captions
        .iter()
        .zip(chosen)
        .filter_map(|(c, r)| {
            r.map(|r| Located {
                figure: c.name.clone(),
                kind: c.kind,
                page: p.number,
                bbox: p.on_page(p.tighten(r, c.kind)),
                untrimmed: p.on_page(p.untrimmed(r)),
                caption_bbox: p.on_page(c.rect),
                caption: c.text.clone(),
            })
        })
        .collect()
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
        captions.push(CaptionBox {
            kind: c.start.kind,
            name: c.start.name.clone(),
            rect: b.rect,
            text: join_caption(&ls),
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
        if aside || ((margin || is_body(p, b, stats, &mates) || is_heading(p, b, stats)) && !drawn()) {
            blockers.push(b.rect);
        } else {
            for &i in &b.lines {
                let l = &p.lines[i];
                let mono = l.mono || l.chars < 6;
                contents.push(Content { rect: l.rect, graphic: false, cell: mates[i], mono, prompt: commands[i] });
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
        contents.push(Content { rect: *g, graphic, cell: false, mono: false, prompt: false });
    }
    let page = Rect::new(0.0, 0.0, p.content.width, p.content.height);
    // The page's text, or the document's text area on a page with little text.
    let text_area = union_all(p.lines.iter().map(|l| &l.rect).chain(&stats.text_area)).unwrap_or(page);
    PageLayout { page, text_area, column_width: stats.column_width, captions, blockers, contents }
}

#[cfg(test)]
#[path = "layout/tests.rs"]
mod tests;
