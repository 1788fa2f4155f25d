//! What each block of a page is, for `layout`: running text, a heading, a table row, a
//! command typed at a prompt, a caption's continuation, a displayed equation, or part of a
//! drawing.

use super::super::caption;
use super::super::geom::{Rect, union_all};
use super::super::model::FigureKind;
use super::super::regions::{self, CaptionBox};
use super::super::text::{self, Line};
use super::page::{PageText, Stats};

/// Whether strokes close by fence `r` in on all four sides, each running along the whole of
/// its side: a field of a diagram drawn line by line (a packet header, a memory layout),
/// whose text is the drawing's. Above and below within one and a half lines; left and right
/// within two lines or half the text's width (a short label centred in a wide field).
pub(super) fn fenced(p: &PageText, r: &Rect, size: f64) -> bool {
    let size = size.max(1.0);
    let (near_y, near_x) = (1.5 * size, (2.0 * size).max(0.5 * r.width()));
    let along_y = |g: &Rect| g.y0 <= r.y0 + 1.0 && g.y1 >= r.y1 - 1.0;
    let along_x = |g: &Rect| g.x0 <= r.x0 + 1.0 && g.x1 >= r.x1 - 1.0;
    let mut sides = [false; 4];
    for g in p.graphics() {
        sides[0] |= along_y(g) && g.x1 <= r.x0 + 0.5 && r.x0 - g.x1 <= near_x;
        sides[1] |= along_y(g) && g.x0 >= r.x1 - 0.5 && g.x0 - r.x1 <= near_x;
        sides[2] |= along_x(g) && g.y1 <= r.y0 + 0.5 && r.y0 - g.y1 <= near_y;
        sides[3] |= along_x(g) && g.y0 >= r.y1 - 0.5 && g.y0 - r.y1 <= near_y;
    }
    sides.iter().all(|&s| s)
}

/// Whether `r` is a cell of a ruled table: fenced in by strokes on all four sides, with
/// text of another cell level with it beyond a rule at its left or right (a framed
/// paragraph of running text has nothing beside its frame).
pub(super) fn ruled_cell(p: &PageText, r: &Rect, size: f64) -> bool {
    // A descender may touch the rule under the cell.
    let r = &Rect::new(r.x0, r.y0 + 1.0, r.x1, r.y1 - 1.0);
    if !fenced(p, r, size) {
        return false;
    }
    let near = (2.0 * size).max(0.5 * r.width());
    p.graphics().any(|g| {
        let rule = g.width() <= 2.0 && g.y0 <= r.y0 + 1.0 && g.y1 >= r.y1 - 1.0;
        let left = g.x1 <= r.x0 + 0.5 && r.x0 - g.x1 <= near;
        let right = g.x0 >= r.x1 - 0.5 && g.x0 - r.x1 <= near;
        rule && (left || right)
            && p.lines.iter().any(|l| {
                l.rect.y_overlap(r) > 0.5 * l.rect.height()
                    && if left { l.rect.x1 <= g.x0 + 0.5 } else { l.rect.x0 >= g.x1 - 0.5 }
            })
    })
}

/// Whether `r` is a cell of a table ruled between its rows only (no rules at the sides): a
/// rule right above it and one right below it, both running on past it to text set level
/// with it between them (another cell of the row). A paragraph of running text between
/// two rules has nothing beside it.
pub(super) fn row_ruled_cell(p: &PageText, r: &Rect, size: f64) -> bool {
    let size = size.max(1.0);
    let near = 1.5 * size;
    let across = |g: &Rect| g.height() <= 2.0 && g.x0 <= r.x0 + 1.0 && g.x1 >= r.x1 - 1.0;
    let above: Vec<&Rect> = p.graphics().filter(|g| across(g) && g.y1 <= r.y0 + 1.0 && r.y0 - g.y1 <= near).collect();
    let below: Vec<&Rect> = p.graphics().filter(|g| across(g) && g.y0 >= r.y1 - 1.0 && g.y0 - r.y1 <= near).collect();
    above.iter().any(|a| {
        below.iter().any(|b| {
            let (x0, x1) = (a.x0.max(b.x0), a.x1.min(b.x1));
            p.lines.iter().any(|l| {
                let beside = l.rect.x1 <= r.x0 - 0.5 * size || l.rect.x0 >= r.x1 + 0.5 * size;
                beside
                    && l.rect.x0 >= x0 - 1.0
                    && l.rect.x1 <= x1 + 1.0
                    && l.rect.y0 >= a.y1 - 1.0
                    && l.rect.y1 <= b.y0 + 1.0
                    && l.rect.y_overlap(r) > 0.5 * l.rect.height()
            })
        })
    })
}

/// Whether `r` lies right under a table's last row: within half an em under a rule that
/// runs across it, with cells of a row (lines sharing their baseline) right over that rule.
/// Running text stands apart from a float by more than that: this is the table's notes,
/// set inside its float ("¹ Not significant …", "Source: …").
fn table_notes(p: &PageText, r: &Rect, size: f64, mates: &[bool]) -> bool {
    let size = size.max(1.0);
    p.graphics().any(|g| {
        regions::is_rule(g)
            && g.x0 <= r.x0 + 1.0
            && g.x1 >= r.x1 - 1.0
            && g.y1 <= r.y0 + 0.5
            && r.y0 - g.y1 <= 0.5 * size
            && p.lines.iter().enumerate().any(|(i, l)| {
                mates[i] && l.rect.x_overlap(g) > 0.0 && l.rect.y1 <= g.y0 + 0.5 && g.y0 - l.rect.y1 <= 1.5 * size
            })
    })
}

/// For each line, whether it is part of a command typed at a prompt: it starts with a
/// prompt (`R>`, `>`, `+`, `$`, `#`), or goes on the row of such a line to its right (the
/// arguments of a continued command, set apart by spaces), or is a line number (digits
/// alone, at most four) printed beside a listing.
pub(super) fn command_lines(p: &PageText) -> Vec<bool> {
    let starts: Vec<bool> = p
        .lines
        .iter()
        .map(|l| {
            let t = l.text.trim_start();
            ["R>", "> ", "+ ", "$ ", "# "].iter().any(|p| t.starts_with(p)) || t == "+"
        })
        .collect();
    let any = starts.iter().any(|&s| s);
    p.lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let t = l.text.trim();
            let number = !t.is_empty() && t.len() <= 4 && t.chars().all(|c| c.is_ascii_digit());
            let on_row = any
                && p.lines.iter().zip(&starts).any(|(o, &s)| {
                    s && o.rect.x1 <= l.rect.x0 + 1.0 && (o.base - l.base).abs() < 0.25 * l.size.max(1.0)
                });
            starts[i] || on_row || (number && l.mono)
        })
        .collect()
}

/// Whether `next` continues a caption paragraph whose first line is `first` and whose last
/// line so far is `last`: it starts where the lines above start, or under the caption's
/// text after its label (a hanging caption), or is centred like the line above; and the
/// line above was not a short last line. Table cells under a caption do none of these.
pub(super) fn continues_caption(first: &Line, last: &Line, next: &Line) -> bool {
    let em = first.size.max(1.0);
    let same_start = (next.rect.x0 - last.rect.x0).abs() < 0.5 * em || (next.rect.x0 - first.rect.x0).abs() < 0.5 * em;
    // The label is two words ("Figure 3:", "Fig. 12.3"); the text hangs at the third.
    let hanging = first.words.get(2).is_some_and(|&x| (next.rect.x0 - x).abs() < 0.5 * em);
    let centre = |r: &Rect| (r.x0 + r.x1) / 2.0;
    let centred = (centre(&next.rect) - centre(&last.rect)).abs() < 0.5 * em;
    let widest = first.rect.width().max(last.rect.width());
    let ended = last.rect.width() < 0.7 * widest && last.text.trim_end().ends_with('.');
    (same_start || hanging || centred) && !ended
}

/// For each line, whether another line of the same column shares its baseline (a cell of
/// the same table row). Lines come sorted by baseline.
pub(super) fn row_mates(p: &PageText, stats: &Stats) -> Vec<bool> {
    let two_columns = stats.text_area.is_some_and(|t| stats.column_width < 0.6 * t.width());
    let mid = stats.text_area.map_or(p.content.width / 2.0, |t| (t.x0 + t.x1) / 2.0);
    let side = |l: &Line| {
        if !two_columns {
            0
        } else if l.rect.x1 <= mid + 6.0 {
            1
        } else if l.rect.x0 >= mid - 6.0 {
            2
        } else {
            3
        }
    };
    let lines = &p.lines;
    let mut out = vec![false; lines.len()];
    for i in 0..lines.len() {
        let tol = 0.25 * lines[i].size;
        let mut j = i + 1;
        while j < lines.len() && lines[j].base - lines[i].base < tol {
            if side(&lines[i]) == side(&lines[j]) && !p.margin[i] && !p.margin[j] {
                out[i] = true;
                out[j] = true;
            }
            j += 1;
        }
    }
    out
}

/// Whether line `li` goes on a row after other text close to its left, in the same column:
/// a cell of a table or an entry of a list ("3/49  Table 7.4  (AFV)  The font …"), not the
/// start of a caption. Text that starts a caption itself does not count (captions set side
/// by side).
pub(super) fn led_by_text(p: &PageText, li: usize, stats: &Stats) -> bool {
    let l = &p.lines[li];
    let mid = stats.text_area.map_or(p.content.width / 2.0, |t| (t.x0 + t.x1) / 2.0);
    let two_columns = stats.text_area.is_some_and(|t| stats.column_width < 0.6 * t.width());
    p.lines.iter().enumerate().any(|(j, o)| {
        j != li
            && !p.margin[j]
            && (o.base - l.base).abs() < 0.25 * l.size
            && o.rect.x1 <= l.rect.x0 + 0.5
            && l.rect.x0 - o.rect.x1 < 3.0 * l.size
            && !(two_columns && o.rect.x1 <= mid + 6.0 && l.rect.x0 >= mid - 6.0)
            && caption::parse_start(&o.text).is_none()
    })
}

/// Whether block `b` goes on the figure caption `c` after a paragraph break, as a caption set
/// beside its figure does in a narrow column of its own (under 60% of a column): right
/// under it and no wider, either prose (two lines at least) in the caption's size, starting
/// where it starts and nearly as wide as it, or code the caption introduces, when a drawing
/// lies beside it.
pub(super) fn continues_side_caption(p: &PageText, c: &CaptionBox, b: &text::Block, stats: &Stats) -> bool {
    let r = &b.rect;
    let size = c.lines.first().map_or(0.0, |&i| p.lines[i].size);
    let under = r.y0 > c.rect.y1
        && r.y0 - c.rect.y1 < 2.5 * size
        && r.x0 >= c.rect.x0 - 0.5 * size
        && r.x1 <= c.rect.x1 + 0.5 * size;
    if c.kind != FigureKind::Figure || !under || c.rect.width() >= 0.6 * stats.column_width {
        return false;
    }
    let prose = b.lines.len() >= 2 && b.lines.iter().all(|&i| !p.lines[i].mono);
    if prose
        && (b.size - size).abs() < 0.6
        && (r.x0 - c.rect.x0).abs() < 0.5 * size
        && r.width() >= 0.7 * c.rect.width()
    {
        return true;
    }
    let code = !stats.mono_body && b.lines.iter().all(|&i| p.lines[i].mono);
    let beside = p
        .graphics()
        .any(|g| g.y_overlap(&c.rect) > 0.5 * c.rect.height() && (g.x1 <= c.rect.x0 + 1.0 || g.x0 >= c.rect.x1 - 1.0));
    code && beside
}

/// A paragraph of one short line in the running text: a sentence (five words or more,
/// ending in a full stop) that starts at the left edge of a column of text, or a paragraph
/// indent in from it.
pub(super) fn one_line_paragraph(l: &Line, stats: &Stats) -> bool {
    let Some(indent) = indent(&l.rect, stats) else { return false };
    let text = l.text.trim();
    !l.mono && text.ends_with('.') && text.split_whitespace().count() >= 5 && (-2.0..=3.0 * l.size).contains(&indent)
}

/// The rows of displayed equations: an equation number (`(4)`, `(2.1)`, `(3a)`) set flush
/// with the right edge of a column, with the lines level with it to its left. Running
/// text, whatever the equation is drawn with.
pub(super) fn display_math(p: &PageText, stats: &Stats) -> Vec<Rect> {
    let Some(t) = stats.text_area else { return Vec::new() };
    let numbered = |s: &str| {
        let Some(inner) = s.trim().strip_prefix('(').and_then(|s| s.strip_suffix(')')) else { return false };
        let inner = inner.strip_suffix(|c: char| c.is_ascii_lowercase()).unwrap_or(inner);
        // Digits, or within a part or an appendix: "(4.2)", "(II.9.7)", "(IV.G.41)", "(A.3)".
        let parts: Vec<&str> = inner.split('.').collect();
        let digits = |part: &str| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit());
        let label = |part: &str| {
            !part.is_empty()
                && part.len() <= 4
                && (part.chars().all(|c| matches!(c, 'I' | 'V' | 'X' | 'L'))
                    || (part.len() == 1 && part.chars().all(|c| c.is_ascii_uppercase())))
        };
        !inner.is_empty()
            && inner.len() <= 10
            && parts.last().is_some_and(|l| digits(l))
            && parts.iter().enumerate().all(|(i, part)| digits(part) || (i + 1 < parts.len() && label(part)))
            && (inner.len() <= 7 || parts.iter().any(|part| label(part)))
    };
    let mut out = Vec::new();
    for n in p.lines.iter().filter(|l| numbered(&l.text)) {
        // Flush right: with the text area's right edge, or a column's (in one column, where
        // full lines of text end: the text area may be wider, by a framed running head).
        let right = (n.rect.x1 - t.x1).abs() < 4.0 || (n.rect.x1 - (t.x0 + stats.column_width)).abs() < 4.0;
        if !right {
            continue;
        }
        let left = indent(&n.rect, stats).map_or(t.x0, |i| n.rect.x0 - i);
        let band = Rect::new(left, n.rect.y0 - 0.6 * n.size, n.rect.x0, n.rect.y1 + 0.6 * n.size);
        let row = p.lines.iter().map(|l| &l.rect).filter(|r| r.x1 <= n.rect.x0 + 1.0 && r.intersects(&band));
        if in_table(p, n, &numbered) {
            continue;
        }
        if let Some(u) = union_all(row) {
            out.push(whole_display(p, u.union(&n.rect), left, n));
        }
    }
    out
}

/// The whole of a displayed equation from the row of its number (`row`): the lines and
/// strokes left of the number that touch it from above or below (within a third of an em,
/// up to three ems away: a fraction's numerator and bar, a matrix's rows), so that a
/// figure set under or over it does not take its parts for a drawing.
fn whole_display(p: &PageText, row: Rect, left: f64, n: &Line) -> Rect {
    let gap = 0.35 * n.size;
    let (top, bottom) = (row.y0 - 3.0 * n.size, row.y1 + 3.0 * n.size);
    let parts: Vec<Rect> = p
        .lines
        .iter()
        .map(|l| l.rect)
        .chain(p.graphics().copied())
        .filter(|r| r.x0 >= left - 1.0 && r.x1 <= n.rect.x0 + 1.0 && r.y0 >= top && r.y1 <= bottom)
        .collect();
    let mut u = row;
    loop {
        let grown = parts
            .iter()
            .filter(|r| r.x_overlap(&u) > 0.0 && (r.y0 - u.y1).max(u.y0 - r.y1) < gap)
            .fold(u, |a, r| a.union(r));
        if (grown.y0 - u.y0).abs() < 0.01 && (grown.y1 - u.y1).abs() < 0.01 {
            return u;
        }
        u = grown;
    }
}

/// Whether the row of `n` (a line like an equation number, set flush right) is a table's:
/// the row right above or below it, with no such number, starts cells at two of the
/// places its cells start (a last column of values in brackets, "(20)", "(4in)").
fn in_table(p: &PageText, n: &Line, numbered: &dyn Fn(&str) -> bool) -> bool {
    let on_row = |base: f64| -> Vec<&Line> {
        p.lines.iter().filter(|l| (l.base - base).abs() < 0.25 * n.size && l.rect.x1 <= n.rect.x1 + 1.0).collect()
    };
    let mine = on_row(n.base);
    let starts: Vec<f64> = mine.iter().filter(|l| !std::ptr::eq(**l, n)).map(|l| l.rect.x0).collect();
    if starts.len() < 2 {
        return false;
    }
    // The nearest baselines above and below, within two lines.
    let near = |above: bool| {
        p.lines
            .iter()
            .map(|l| l.base)
            .filter(|&b| if above { b < n.base - 0.5 * n.size } else { b > n.base + 0.5 * n.size })
            .filter(|&b| (b - n.base).abs() < 2.0 * n.size)
            .min_by(|a, b| (a - n.base).abs().total_cmp(&(b - n.base).abs()))
    };
    [near(true), near(false)].into_iter().flatten().any(|base| {
        let other = on_row(base);
        !other.iter().any(|l| numbered(&l.text))
            && starts.iter().filter(|&&x| other.iter().any(|l| (l.rect.x0 - x).abs() < 1.0)).count() >= 2
    })
}

/// How far right of the left edge of its column of text `r` starts (on a page of two
/// columns, the column it starts in), or `None` without a known text area.
pub(super) fn indent(r: &Rect, stats: &Stats) -> Option<f64> {
    let t = stats.text_area?;
    let mid = (t.x0 + t.x1) / 2.0;
    let two_columns = stats.column_width < 0.6 * t.width();
    let left = if two_columns && r.x0 >= mid - 6.0 { mid + (mid - t.x0 - stats.column_width).max(0.0) } else { t.x0 };
    Some(r.x0 - left)
}

/// Headings: one or two lines in a font clearly larger than the body text whose row lies
/// where headings go ([`heading_place`]), with no drawing right under them (a large label
/// on top of a diagram is the diagram's title), and not code among code.
pub(super) fn is_heading(p: &PageText, b: &text::Block, stats: &Stats, mates: &[bool]) -> bool {
    let r = &b.rect;
    let below = Rect::new(r.x0, r.y1, r.x1, r.y1 + 2.0 * b.size);
    // A heading's row (the heading with what shares its baseline in its column: a section
    // number set apart, a running head's parts) lies where headings go.
    let row = b.lines.iter().filter(|&&i| mates[i]).fold(*r, |acc, &i| {
        let l = &p.lines[i];
        p.lines
            .iter()
            .enumerate()
            .filter(|&(j, o)| mates[j] && (o.base - l.base).abs() < 0.25 * l.size)
            .fold(acc, |a, (_, o)| a.union(&o.rect))
    });
    b.lines.len() <= 2
        && b.size >= 1.15 * stats.body_size
        && b.lines.iter().all(|&i| p.lines[i].chars >= 3)
        && heading_place(&row, b.size, stats)
        && !p.graphics().any(|g| g.intersects(&below) && !regions::is_rule(g))
        && !drawing_beside(p, r, b.size)
        && !(!stats.mono_body && mostly_mono(p, b) && code_around(p, b))
}

/// Whether `r` (set in a font of `size`) lies where a heading goes: at the left edge of its
/// column (a number hanging in the margin, or an indent of up to three ems), at its right
/// edge, or centred on it (within an em). A large word set anywhere else in the column (an
/// axis title centred under a plot that is off the column's centre, a label inside a
/// diagram) is no heading. Without a known text area, anywhere.
fn heading_place(r: &Rect, size: f64, stats: &Stats) -> bool {
    let (Some(t), Some(ind)) = (stats.text_area, indent(r, stats)) else { return true };
    let mid = (t.x0 + t.x1) / 2.0;
    let two_columns = stats.column_width < 0.6 * t.width();
    let (left, right) = if !two_columns {
        (t.x0, t.x1)
    } else if r.x0 >= mid - 6.0 {
        (t.x1 - stats.column_width, t.x1)
    } else {
        (t.x0, t.x0 + stats.column_width)
    };
    let em = size.max(6.0);
    ind <= 3.0 * em || (r.x1 - right).abs() <= em || ((r.x0 + r.x1) / 2.0 - (left + right) / 2.0).abs() <= em
}

/// Whether a drawing stands right beside `r` (within three ems to its left or right), level
/// with it and taller than it: `r` labels a row of the drawing ("body" left of a grid).
fn drawing_beside(p: &PageText, r: &Rect, size: f64) -> bool {
    p.graphics().any(|g| {
        let gap = (g.x0 - r.x1).max(r.x0 - g.x1);
        gap >= -0.5 && gap < 3.0 * size && g.y_overlap(r) > 0.5 * r.height() && g.height() >= 2.0 * r.height()
    })
}

/// Whether most of block `b`'s characters are in monospaced lines (a short line such as
/// `0 = [` may not tell).
pub(super) fn mostly_mono(p: &PageText, b: &text::Block) -> bool {
    let (mono, all) = b
        .lines
        .iter()
        .map(|&i| &p.lines[i])
        .fold((0, 0), |(m, a), l| (m + if l.mono { l.chars } else { 0 }, a + l.chars));
    mono * 2 > all
}

/// Whether monospaced lines lie right above or below block `b` (within a line), sharing
/// its column: `b` is a line of a listing set in a larger font than the text, not a
/// heading.
pub(super) fn code_around(p: &PageText, b: &text::Block) -> bool {
    p.lines.iter().enumerate().any(|(i, l)| {
        !b.lines.contains(&i)
            && l.mono
            && l.rect.x_overlap(&b.rect) > 0.0
            && (l.rect.y0 - b.rect.y1).max(b.rect.y0 - l.rect.y1) < 1.0 * b.size
    })
}

/// Body text: paragraphs in the body font that fill most of a column. Code (monospaced
/// lines in a document whose body is not) is not body text: it may be part of a figure.
///
/// Nor are table rows: a block more than half of whose lines (two at least) share their
/// baseline with another line of the same column (the cells of a row) is a table's,
/// however wide its cells.
pub(super) fn is_body(p: &PageText, b: &text::Block, stats: &Stats, mates: &[bool]) -> bool {
    // Entries of a list of contents (dot leaders to a page number) are the document's own
    // apparatus, never a figure's, however they line up in columns.
    let entries = b.lines.iter().filter(|&&i| caption::looks_like_list_entry(&p.lines[i].text)).count();
    if entries * 2 > b.lines.len() {
        return true;
    }
    let rows = b.lines.iter().filter(|&&i| mates[i]).count();
    if rows >= 2 && rows * 2 > b.lines.len() {
        return false;
    }
    if table_notes(p, &b.rect, b.size, mates) {
        return false;
    }
    // A cell of a table that runs over lines: it shares its first row with a cell to its
    // left and starts well inside the column.
    let first = &p.lines[b.lines[0]];
    if mates[b.lines[0]] && indent(&b.rect, stats).is_some_and(|i| i > 4.0 * first.size) {
        return false;
    }
    // A cell of a ruled table (a grid, or rules between the rows only), its neighbour set
    // level with it but not on its first row (a label centred in a row of several lines).
    if ruled_cell(p, &b.rect, first.size) || row_ruled_cell(p, &b.rect, first.size) {
        return false;
    }
    let lines: Vec<&Line> = b.lines.iter().map(|&i| &p.lines[i]).collect();
    let mono: usize = lines.iter().filter(|l| l.mono).map(|l| l.chars).sum();
    if !stats.mono_body && mono * 2 > lines.iter().map(|l| l.chars).sum::<usize>() {
        return false;
    }
    // Near the body size: a note or a quotation set a point smaller is running text too.
    let near = |s: f64| s >= 0.85 * stats.body_size - 0.1 && s <= 1.15 * stats.body_size + 0.1;
    let body_chars: usize = lines.iter().filter(|l| near(l.size)).map(|l| l.chars).sum();
    let chars: usize = lines.iter().map(|l| l.chars).sum();
    if body_chars * 2 < chars {
        return false;
    }
    let widest = lines.iter().map(|l| l.rect.width()).fold(0.0, f64::max);
    if lines.len() >= 2 {
        widest >= 0.6 * stats.column_width
    } else {
        (widest >= 0.85 * stats.column_width && !drawing_title(p, lines[0], stats))
            // A sentence set level with another line of its column (sharing its baseline)
            // is one of a row of subcaptions or cells, not a paragraph of running text.
            || (one_line_paragraph(lines[0], stats) && !mates[b.lines[0]])
    }
}

/// A line set well inside its column (three ems in at least) with a drawing under it
/// (within four ems): a plot's title, however long, not a line of running text.
fn drawing_title(p: &PageText, l: &Line, stats: &Stats) -> bool {
    let r = &l.rect;
    let below = Rect::new(r.x0, r.y1, r.x1, r.y1 + 4.0 * l.size);
    indent(r, stats).is_some_and(|i| i > 3.0 * l.size)
        && p.graphics().any(|g| g.intersects(&below) && !regions::is_rule(g))
}

#[cfg(test)]
#[path = "kinds/tests.rs"]
mod tests;
