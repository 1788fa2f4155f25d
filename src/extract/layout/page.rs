//! One page's text and the statistics of a document's pages, below the rest of `layout`:
//! lines with their margin flags (running heads, page numbers), pages turned to read
//! sideways captions, and the body size, column width and text area of the document.

use std::collections::HashMap;

use super::super::caption;
use super::super::geom::{Rect, Turn, union_all};
use super::super::model::FigureKind;
use super::super::pdf::{Mark, PageContent};
use super::super::regions;
use super::super::text::{self, Line};

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
        let content = super::super::turn::turned(&self.content, turn, &furniture)?;
        let (w, h) = (self.content.width, self.content.height);
        Some(PageText { turn: Some((turn, w, h)), ..PageText::new(self.number, content) })
    }

    /// A box of this page in the coordinates of the page as printed.
    pub(super) fn on_page(&self, r: Rect) -> [f64; 4] {
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
    pub(super) fn marks(&self) -> impl Iterator<Item = &Mark> {
        self.content
            .paths
            .iter()
            .chain(&self.content.images)
            .chain(&self.content.rotated_text)
            .filter(|m| m.ink.is_some())
    }

    /// The ink boxes of the visible graphics (an image's non-white pixels, not its
    /// placement): what regions are found from.
    pub(super) fn graphics(&self) -> impl Iterator<Item = &Rect> {
        self.marks().filter_map(|m| m.ink.as_ref())
    }

    /// Whether `g` is a thin line right under a running head or right above a footer.
    pub(super) fn is_margin_rule(&self, g: &Rect) -> bool {
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
    pub(super) fn untrimmed(&self, region: Rect) -> Rect {
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
    pub(super) fn tighten(&self, region: Rect, kind: FigureKind) -> Rect {
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
/// on the first or last row of text, in the top or bottom sixth of the page (a page number
/// alone: quarter), whose text (digits aside) recurs at the same height on at least three
/// pages.
pub fn mark_running_heads(pages: &mut [PageText]) {
    // Per page and line: (top?, text with digits as '#'), for lines on the outermost rows;
    // and for the other lines of the top and bottom sixth, that may be a running head's
    // second line.
    let mut inner: Vec<Vec<Option<(bool, String)>>> = Vec::new();
    let keys: Vec<Vec<Option<(bool, String)>>> = pages
        .iter()
        .map(|p| {
            let h = p.content.height;
            let first = p.lines.iter().map(|o| o.rect.y0).fold(f64::INFINITY, f64::min);
            let last = p.lines.iter().map(|o| o.rect.y1).fold(f64::NEG_INFINITY, f64::max);
            p.lines
                .iter()
                .map(|l| {
                    // A page number alone may sit higher: a text block shorter than the
                    // paper (a letter-sized layout printed on A4) leaves it in the bottom
                    // quarter.
                    let number = l.text.trim().chars().all(|c| c.is_ascii_digit()) && !l.text.trim().is_empty();
                    let zone = if number { 4.0 } else { 6.0 };
                    let top = l.rect.y1 < h / zone && l.rect.y0 <= first + 1.0;
                    let bottom = l.rect.y0 > h * (zone - 1.0) / zone && l.rect.y1 >= last - 1.0;
                    (top || bottom).then(|| (top, head_key(&l.text)))
                })
                .collect()
        })
        .collect();
    for p in pages.iter() {
        let h = p.content.height;
        inner.push(
            p.lines
                .iter()
                .map(|l| {
                    let top = l.rect.y1 < h / 6.0;
                    let bottom = l.rect.y0 > h * 5.0 / 6.0;
                    (top || bottom).then(|| (top, head_key(&l.text)))
                })
                .collect(),
        );
    }
    let mut seen: HashMap<&(bool, String), Vec<(f64, usize)>> = HashMap::new();
    for (pi, ((p, ks), inner)) in pages.iter().zip(&keys).zip(&inner).enumerate() {
        for ((l, k), i) in p.lines.iter().zip(ks).zip(inner) {
            for k in [k, i].into_iter().flatten() {
                seen.entry(k).or_default().push((l.rect.y0, pi));
            }
        }
    }
    let recurs = |k: &(bool, String), y: f64| {
        let mut on: Vec<usize> = seen[k].iter().filter(|(sy, _)| (sy - y).abs() < 2.0).map(|e| e.1).collect();
        on.dedup();
        on.len() >= 3
    };
    for ((p, ks), inner) in pages.iter_mut().zip(&keys).zip(&inner) {
        for (i, k) in ks.iter().enumerate() {
            let Some(k) = k else { continue };
            if recurs(k, p.lines[i].rect.y0) {
                p.margin[i] = true;
            }
        }
        // A running head of two lines: the line right under a head (or over a footer)
        // that recurs as it does is furniture too (one line more, not a chain of them).
        let outer = p.margin.clone();
        for (i, k) in inner.iter().enumerate() {
            let Some(k) = k else { continue };
            let l = p.lines[i].rect;
            let next_to_furniture = p.lines.iter().zip(&outer).any(|(o, &m)| {
                let gap = if k.0 { l.y0 - o.rect.y1 } else { o.rect.y0 - l.y1 };
                m && gap > -1.0 && gap < 0.6 * l.height()
            });
            if !p.margin[i] && next_to_furniture && recurs(k, l.y0) {
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

/// A line's text as a running head's key: lower case, digits as '#', spaces collapsed.
fn head_key(text: &str) -> String {
    let text: String = text.chars().map(|c| if c.is_ascii_digit() { '#' } else { c.to_ascii_lowercase() }).collect();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
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

#[cfg(test)]
#[path = "page/tests.rs"]
mod tests;
