//! Glyphs → lines → blocks (paragraphs), and page-margin text (headers, footers, page
//! numbers).
//!
//! Lines are built in content-stream order (how TeX and most producers write text), then
//! fragments on the same baseline band are merged (sub- and superscripts, text written out
//! of order). A horizontal gap wider than [`COLUMN_GAP`] em always ends a line, so the two
//! columns of a page and the cells of a table stay apart; fragments written apart in the
//! content stream join only across a gap narrower than [`MERGE_GAP`] em, because LaTeX's
//! default column separation is a single em (10pt at 10pt type) and the two columns' lines
//! on one baseline are written at different places in the stream. Blocks stack lines of similar
//! size that overlap horizontally and follow each other at line spacing.

use super::geom::{Rect, union_all};
use super::pdf::Glyph;

/// A gap wider than this many em separates two lines on the same baseline.
pub const COLUMN_GAP: f64 = 1.0;
/// Fragments written apart in the content stream join across a gap narrower than this
/// many em (a word space, even a stretched one), never across a column gutter.
pub const MERGE_GAP: f64 = 0.6;
/// A gap wider than this many em between glyphs is a space between words.
const WORD_GAP: f64 = 0.15;

/// One line of text.
#[derive(Debug, Clone)]
pub struct Line {
    pub rect: Rect,
    pub text: String,
    /// The em size most of the line's characters have.
    pub size: f64,
    pub base: f64,
    pub chars: usize,
    /// The box of the line's visible ink (glyph outlines), if any.
    pub ink: Option<Rect>,
    /// Set in a monospaced font (code, console output): at least six glyphs, nearly all
    /// as wide as each other.
    pub mono: bool,
    /// Where each word starts (left edges, left to right).
    pub words: Vec<f64>,
}

/// Lines of one paragraph-like block, top to bottom.
#[derive(Debug, Clone)]
pub struct Block {
    pub rect: Rect,
    /// Indices into the page's lines.
    pub lines: Vec<usize>,
    pub size: f64,
}

struct Fragment {
    glyphs: Vec<Glyph>,
    rect: Rect,
    base: f64,
    size: f64,
}

impl Fragment {
    fn new(g: Glyph) -> Fragment {
        Fragment { rect: g.rect(), base: g.base, size: g.size, glyphs: vec![g] }
    }
    fn push(&mut self, g: Glyph) {
        self.rect = self.rect.union(&g.rect());
        if g.size > self.size {
            self.size = g.size;
            self.base = g.base;
        }
        self.glyphs.push(g);
    }
}

/// Groups glyphs into lines, returned top to bottom, left to right.
pub fn lines(glyphs: &[Glyph]) -> Vec<Line> {
    let mut frags: Vec<Fragment> = Vec::new();
    for g in glyphs {
        if let Some(f) = frags.last_mut() {
            let last = f.glyphs.last().expect("fragments are never empty");
            let s = last.size.min(g.size);
            let same_band = (g.base - last.base).abs() < 0.25 * s;
            let gap = g.x0 - last.x1;
            if same_band && gap > -0.5 * s && gap < COLUMN_GAP * s {
                f.push(g.clone());
                continue;
            }
        }
        frags.push(Fragment::new(g.clone()));
    }
    // Merge fragments that sit on one line: same band (sub/superscripts included) and a
    // small gap, in either order.
    // Candidates are looked up by baseline (buckets of BUCKET points), the latest few of a
    // bucket first, so that a page of many thousand fragments (a pattern drawn in glyphs)
    // costs time in proportion to its size.
    const BUCKET: f64 = 3.0;
    const LATEST: usize = 64;
    frags.sort_by(|a, b| a.rect.x0.total_cmp(&b.rect.x0));
    let largest = frags.iter().map(|f| f.size).fold(0.0, f64::max).min(100.0);
    let bucket = |base: f64| (base / BUCKET).floor() as i64;
    let mut merged: Vec<Fragment> = Vec::new();
    let mut by_base: std::collections::HashMap<i64, Vec<usize>> = std::collections::HashMap::new();
    'next: for f in frags {
        let reach = 0.4 * largest.max(f.size);
        for b in bucket(f.base - reach)..=bucket(f.base + reach) {
            let Some(ids) = by_base.get(&b) else { continue };
            for &mi in ids.iter().rev().take(LATEST) {
                let m = &mut merged[mi];
                let s = m.size.max(f.size);
                let band = (f.base - m.base).abs() < 0.4 * s
                    && m.rect.y_overlap(&f.rect) > 0.3 * f.rect.height().min(m.rect.height());
                let gap = f.rect.x0 - m.rect.x1;
                if band && gap < MERGE_GAP * s && gap > -(m.rect.width()) {
                    for g in f.glyphs {
                        m.push(g);
                    }
                    continue 'next;
                }
            }
        }
        by_base.entry(bucket(f.base)).or_default().push(merged.len());
        merged.push(f);
    }
    let mut out: Vec<Line> = merged.into_iter().map(finish_line).collect();
    out.sort_by(|a, b| a.base.total_cmp(&b.base).then(a.rect.x0.total_cmp(&b.rect.x0)));
    out
}

/// Joins a line for which `hangs` holds (a caption label such as "Figure 2.1" set apart
/// from its text) with the nearest line to its right on the same baseline, less than four
/// em away: the caption's text hung in a column of its own.
pub fn join_hanging(mut lines: Vec<Line>, hangs: &dyn Fn(&Line) -> bool) -> Vec<Line> {
    let mut i = 0;
    while i < lines.len() {
        if hangs(&lines[i]) {
            let l = &lines[i];
            let next = (0..lines.len())
                .filter(|&j| j != i)
                .filter(|&j| {
                    let o = &lines[j];
                    let gap = o.rect.x0 - l.rect.x1;
                    (o.base - l.base).abs() < 0.3 * l.size.min(o.size) && gap > -0.1 * l.size && gap < 4.0 * l.size
                })
                .min_by(|&a, &b| lines[a].rect.x0.total_cmp(&lines[b].rect.x0));
            if let Some(j) = next {
                let right = lines.remove(j);
                let i = if j < i { i - 1 } else { i };
                let l = &mut lines[i];
                l.text = format!("{} {}", l.text, right.text);
                l.rect = l.rect.union(&right.rect);
                l.ink = match (l.ink, right.ink) {
                    (Some(a), Some(b)) => Some(a.union(&b)),
                    (a, b) => a.or(b),
                };
                l.chars += right.chars;
                l.mono &= right.mono;
                l.words.extend(right.words);
                continue;
            }
        }
        i += 1;
    }
    lines
}

/// Whether at least 90% of the glyphs (six or more) advance by the same width, within 3%.
fn monospaced(glyphs: &[Glyph]) -> bool {
    if glyphs.len() < 6 {
        return false;
    }
    let mut widths: Vec<f64> = glyphs.iter().map(|g| g.x1 - g.x0).collect();
    widths.sort_by(f64::total_cmp);
    let median = widths[widths.len() / 2];
    let same = widths.iter().filter(|w| (*w - median).abs() <= 0.03 * median).count();
    median > 0.0 && same * 10 >= widths.len() * 9
}

fn finish_line(mut f: Fragment) -> Line {
    f.glyphs.sort_by(|a, b| a.x0.total_cmp(&b.x0));
    let mut text = String::new();
    let mut prev: Option<&Glyph> = None;
    let mut sizes: Vec<(f64, usize)> = Vec::new();
    let mut words = Vec::new();
    for g in &f.glyphs {
        match prev {
            Some(p) if g.x0 - p.x1 > WORD_GAP * p.size.min(g.size) => {
                text.push(' ');
                words.push(g.x0);
            }
            None => words.push(g.x0),
            _ => {}
        }
        text.push_str(&g.text);
        prev = Some(g);
        let s = (g.size * 2.0).round() / 2.0;
        match sizes.iter_mut().find(|(v, _)| *v == s) {
            Some((_, n)) => *n += 1,
            None => sizes.push((s, 1)),
        }
    }
    let size = sizes.iter().max_by_key(|(_, n)| *n).map_or(f.size, |(s, _)| *s);
    let chars = f.glyphs.len();
    let ink = union_all(f.glyphs.iter().filter_map(|g| g.ink.as_ref()));
    let mono = monospaced(&f.glyphs);
    Line { rect: f.rect, text, size, base: f.base, chars, ink, mono, words }
}

/// Groups lines into blocks. A line for which `starts_block` is true (a caption's first
/// line) always begins a new block; `may_join(first, above, below)` can veto stacking a
/// line below another of a block that begins with line `first`
/// (a rule between them).
pub fn blocks(
    lines: &[Line],
    starts_block: &dyn Fn(usize) -> bool,
    may_join: &dyn Fn(usize, usize, usize) -> bool,
) -> Vec<Block> {
    let mut blocks: Vec<Block> = Vec::new();
    // Blocks that a later line may still join: lines come by baseline, so a block whose
    // last line ends more than 0.7 of the largest size above the current line is closed.
    let largest = lines.iter().map(|l| l.size).fold(0.0, f64::max).min(100.0);
    let mut open: Vec<usize> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        open.retain(|&bi| {
            let last = &lines[*blocks[bi].lines.last().expect("blocks are never empty")];
            l.rect.y0 - last.rect.y1 < 0.7 * largest.max(l.size)
        });
        if !starts_block(i) {
            let mut best: Option<(usize, f64)> = None;
            for &bi in &open {
                let b = &blocks[bi];
                let li = *b.lines.last().expect("blocks are never empty");
                let last = &lines[li];
                let s = last.size.max(l.size);
                let ratio = last.size.max(l.size) / last.size.min(l.size).max(0.1);
                let gap = l.rect.y0 - last.rect.y1;
                let overlap = last.rect.x_overlap(&l.rect);
                let narrow = last.rect.width().min(l.rect.width()).max(1.0);
                if ratio < 1.2
                    && gap > -0.3 * s
                    && gap < 0.7 * s
                    && overlap > 0.5 * narrow
                    && best.is_none_or(|(_, g)| gap < g)
                    && may_join(b.lines[0], li, i)
                {
                    best = Some((bi, gap));
                }
            }
            if let Some((bi, _)) = best {
                blocks[bi].lines.push(i);
                blocks[bi].rect = blocks[bi].rect.union(&l.rect);
                continue;
            }
        }
        open.push(blocks.len());
        blocks.push(Block { rect: l.rect, lines: vec![i], size: l.size });
    }
    blocks
}

/// Lines in the top or bottom eighth of the page that stand apart from the rest of the
/// text and from any drawing (a rule aside): running heads, footers and page numbers.
pub fn margin_lines(lines: &[Line], page_height: f64, graphics: &[Rect]) -> Vec<bool> {
    let mut out = vec![false; lines.len()];
    for (i, l) in lines.iter().enumerate() {
        let top = l.rect.y1 < 0.12 * page_height;
        let bottom = l.rect.y0 > 0.88 * page_height;
        if !(top || bottom) {
            continue;
        }
        // Isolated from other lines by at least one and a half lines of space.
        let isolated = lines.iter().enumerate().all(|(j, o)| {
            j == i || {
                let gap = if top { o.rect.y0 - l.rect.y1 } else { l.rect.y0 - o.rect.y1 };
                gap > 1.2 * l.size || (top && o.rect.y1 <= l.rect.y1 + 1.0) || (bottom && o.rect.y0 >= l.rect.y0 - 1.0)
            }
        });
        // A label of a drawing at the top of the page is not a running head: the drawing
        // starts within two lines under it (a rule under a running head does not count).
        let zone = if top {
            Rect::new(l.rect.x0 - l.size, l.rect.y1, l.rect.x1 + l.size, l.rect.y1 + 2.0 * l.size)
        } else {
            Rect::new(l.rect.x0 - l.size, l.rect.y0 - 2.0 * l.size, l.rect.x1 + l.size, l.rect.y0)
        };
        let drawn = graphics.iter().any(|g| g.intersects(&zone) && !(g.height() <= 1.5 && g.width() >= 30.0));
        out[i] = isolated && !drawn;
    }
    // Only the outermost rows: a line with a line of other text above it (below it, near
    // the foot) is inside the page, however far the next line is (a figure's legend).
    let flags = out.clone();
    for (i, l) in lines.iter().enumerate() {
        if !flags[i] {
            continue;
        }
        let top = l.rect.y1 < 0.12 * page_height;
        out[i] = lines.iter().enumerate().all(|(j, o)| {
            j == i || flags[j] || if top { o.rect.y1 > l.rect.y0 + 0.5 } else { o.rect.y0 < l.rect.y1 - 0.5 }
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(s: &str, x: f64, base: f64, size: f64) -> Vec<Glyph> {
        s.chars()
            .enumerate()
            .map(|(i, c)| {
                let x0 = x + i as f64 * 0.5 * size;
                Glyph { text: c.to_string(), x0, x1: x0 + 0.5 * size, base, size, ink: None }
            })
            .collect()
    }

    #[test]
    fn words_on_one_baseline_make_one_line_with_spaces() {
        let mut g = word("Figure", 72.0, 100.0, 10.0);
        g.extend(word("3:", 72.0 + 6.0 * 5.0 + 3.0, 100.0, 10.0));
        let l = lines(&g);
        assert_eq!(l.len(), 1);
        assert_eq!(l[0].text, "Figure 3:");
        assert_eq!(l[0].size, 10.0);
    }

    #[test]
    fn a_column_gap_splits_a_baseline_into_two_lines() {
        let mut g = word("left", 72.0, 100.0, 10.0);
        g.extend(word("right", 72.0 + 20.0 + 20.0, 100.0, 10.0));
        let l = lines(&g);
        assert_eq!(l.len(), 2, "{l:?}");
        assert_eq!(l[0].text, "left");
        assert_eq!(l[1].text, "right");
    }

    #[test]
    fn columns_one_em_apart_written_at_different_places_stay_two_lines() {
        // LaTeX writes the left column, then the right one; \columnsep is one em.
        let mut g = word("left column", 72.0, 100.0, 10.0);
        let left_end = 72.0 + 11.0 * 5.0;
        g.extend(word("elsewhere", 72.0, 300.0, 10.0));
        g.extend(word("right column", left_end + 9.9, 100.0, 10.0));
        let l = lines(&g);
        assert_eq!(l.len(), 3, "{l:?}");
        assert_eq!(l[0].text, "left column");
        assert_eq!(l[1].text, "right column");
        // A word written out of order a word space away still joins its line.
        let mut g = word("first", 72.0, 100.0, 10.0);
        g.extend(word("later", 72.0, 300.0, 10.0));
        g.extend(word("second", 72.0 + 25.0 + 3.0, 100.0, 10.0));
        let l = lines(&g);
        assert_eq!(l.len(), 2, "{l:?}");
        assert_eq!(l[0].text, "first second");
    }

    #[test]
    fn a_superscript_joins_its_line() {
        let mut g = word("x", 72.0, 100.0, 10.0);
        g.extend(word("2", 77.0, 96.5, 7.0));
        g.extend(word("y", 80.5, 100.0, 10.0));
        let l = lines(&g);
        assert_eq!(l.len(), 1, "{l:?}");
        assert_eq!(l[0].text, "x2y");
    }

    #[test]
    fn lines_at_line_spacing_form_one_block_and_a_caption_starts_another() {
        let mut g = Vec::new();
        for i in 0..3 {
            g.extend(word("body text line", 72.0, 100.0 + 12.0 * i as f64, 10.0));
        }
        g.extend(word("Figure 1: cap", 72.0, 136.0, 10.0));
        g.extend(word("far below", 72.0, 300.0, 10.0));
        let l = lines(&g);
        assert_eq!(l.len(), 5);
        let b = blocks(&l, &|i| l[i].text.starts_with("Figure"), &|_, _, _| true);
        assert_eq!(b.len(), 3, "{b:?}");
        assert_eq!(b[0].lines, vec![0, 1, 2]);
        assert_eq!(b[1].lines, vec![3]);
    }

    #[test]
    fn an_isolated_number_at_the_page_foot_is_margin_text() {
        let mut g = word("body", 72.0, 700.0, 10.0);
        g.extend(word("12", 300.0, 760.0, 10.0));
        let l = lines(&g);
        assert_eq!(margin_lines(&l, 792.0, &[]), vec![false, true]);
        // A label right above a drawing at the top of the page is the drawing's.
        let mut g = word("label", 300.0, 40.0, 10.0);
        g.extend(word("body", 72.0, 400.0, 10.0));
        let l = lines(&g);
        assert_eq!(margin_lines(&l, 792.0, &[]), vec![true, false]);
        assert_eq!(margin_lines(&l, 792.0, &[Rect::new(280.0, 45.0, 360.0, 120.0)]), vec![false, false]);
        assert_eq!(margin_lines(&l, 792.0, &[Rect::new(72.0, 44.0, 540.0, 44.5)]), vec![true, false], "a rule");
    }
}
