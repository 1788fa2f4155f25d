//! Clipping a proposal to its contents: clusters of contents along the growth direction,
//! and the unions of the clusters nearest the caption that may be its figure.

use crate::extract::geom::{Rect, union_all};
use crate::extract::model::FigureKind;
use crate::extract::score::Side;

/// Something a figure region can contain.
#[derive(Debug, Clone, Copy)]
pub struct Content {
    pub rect: Rect,
    /// A path, image or rotated glyph (as opposed to a text line).
    pub graphic: bool,
    /// A text line that shares its baseline with another of its column: a table cell.
    pub cell: bool,
    /// A text line set in a monospaced font (code), or too short to tell (a continuation
    /// mark, a bracket).
    pub mono: bool,
    /// A text line that starts with a command prompt (`R>`, `>`, `$`): a command typed, not
    /// its output.
    pub prompt: bool,
    /// A text line of prose in the body's font that ends a sentence (six words at least,
    /// not code).
    pub prose: bool,
}

/// Regions smaller than this are dropped.
pub(super) const MIN_WIDTH: f64 = 15.0;
pub(super) const MIN_HEIGHT: f64 = 8.0;

/// Whether `r` lies at least 60% inside `region` (a hairline: its centre inside).
pub fn mostly_inside(region: &Rect, r: &Rect) -> bool {
    if r.area() > 0.0 {
        region.intersection(r).map_or(0.0, |i| i.area()) >= 0.6 * r.area()
    } else {
        let (cx, cy) = ((r.x0 + r.x1) / 2.0, (r.y0 + r.y1) / 2.0);
        cx >= region.x0 && cx <= region.x1 && cy >= region.y0 && cy <= region.y1
    }
}

/// Contents mostly inside `region`, except any that cover the caption.
pub(super) fn inside<'c>(region: &Rect, contents: &'c [Content], caption: &Rect) -> Vec<&'c Content> {
    contents.iter().filter(|c| !c.rect.contains(caption) && mostly_inside(region, &c.rect)).collect()
}

/// A horizontal rule: a long line at most 1.5 pt thick (a table's rules, a float style's
/// rules above and below its body, a running head's rule).
pub fn is_rule(r: &Rect) -> bool {
    r.height() <= 1.5 && r.width() >= 30.0
}

/// Whitespace along the growth direction wider than this splits contents into clusters.
const CLUSTER_GAP: f64 = 10.0;
/// At most this many nearest-cluster prefixes are proposed, plus the whole region and every
/// prefix that ends in a cluster with graphics.
const MAX_PREFIXES: usize = 4;

/// A table's rows: at least this many cells.
const TABLE_CELLS: usize = 2;

/// Code over a plot is the float's when its lines reach at most this far past the sides of
/// its caption and drawing.
const FLOAT_SLACK: f64 = 20.0;

/// Text within a drawing's width and at most this tall (two rows) is its title.
const TITLE_HEIGHT: f64 = 24.0;

/// Contents that lie together along a proposal's growth.
struct Cluster {
    rect: Rect,
    /// It holds graphics.
    graphic: bool,
    /// Its text is all code.
    code: bool,
    /// Lines that are commands, lines that are not.
    commands: usize,
    others: usize,
    /// Table cells.
    cells: usize,
    /// The box of its text lines wider than a line number (none for graphics alone).
    wide_text: Option<Rect>,
    /// A table's rows of cells, closed by a rule across them as its last item so far.
    closed: bool,
}

/// Text lines narrower than this (a line number, a continuation mark) do not set how wide
/// a cluster's text runs.
const NARROW: f64 = 12.0;

/// One clipped candidate: its box and whether it holds graphics.
pub(super) struct Clipped {
    pub rect: Rect,
    pub graphic: bool,
}

/// Clips `region` to its contents: the union of the clusters nearest the caption, for each
/// number of clusters (the whole region last), except unions that end in a text-only
/// cluster beyond graphics. Distances run along `side`; `float_edge`: the region runs to
/// the far edge of a float (the top or foot of the text, or another caption).
pub(super) fn clip(
    region: &Rect,
    contents: &[Content],
    caption: &Rect,
    side: Side,
    float_edge: bool,
    kind: FigureKind,
) -> Vec<Clipped> {
    let mut items = inside(region, contents, caption);
    // Near edge (towards the caption) and far edge of an item, as distances from the caption.
    let near = |r: &Rect| match side {
        Side::Above => caption.y0 - r.y1,
        Side::Below => r.y0 - caption.y1,
        Side::Left => caption.x0 - r.x1,
        Side::Right => r.x0 - caption.x1,
    };
    let far = |r: &Rect| match side {
        Side::Above => caption.y0 - r.y0,
        Side::Below => r.y1 - caption.y1,
        Side::Left => caption.x0 - r.x0,
        Side::Right => r.x1 - caption.x1,
    };
    items.sort_by(|a, b| near(&a.rect).total_cmp(&near(&b.rect)));
    // Each cluster: its box, whether it holds graphics, whether its text is all code, and
    // how many of its lines are commands against how many are not, and how many table
    // cells it holds.
    let mut clusters: Vec<Cluster> = Vec::new();
    let mut reach = f64::NEG_INFINITY;
    // Rules next to the caption, before anything else, edge the float on the caption's side
    // (a ruled float, a table's top rule): they do not make what follows "beyond graphics".
    let leading_rules = items.iter().take_while(|c| c.graphic && is_rule(&c.rect)).count();
    // How wide the region's contents spread.
    let spread = union_all(items.iter().map(|c| &c.rect)).map_or(0.0, |u| u.width());
    for (i, c) in items.into_iter().enumerate() {
        // A rule across the whole region is no figure's drawing: beyond a figure, such rules
        // edge an example's frame or the float above (keyfloat's code boxes), and text after
        // them is not the figure's. (A table's rules are its own: text beyond them is not
        // the table's. Shorter bars may be what a figure draws.)
        let edge = kind == FigureKind::Figure && is_rule(&c.rect) && c.rect.width() >= 0.9 * spread;
        let graphic = c.graphic && i >= leading_rules && !edge;
        let code = !c.graphic && c.mono;
        let said = if c.graphic { (0, 0) } else { (c.prompt as usize, !c.prompt as usize) };
        let wide = (!c.graphic && c.rect.width() >= NARROW).then_some(c.rect);
        let cell = c.cell as usize;
        // In a figure, a command typed at a prompt and a drawing are never one cluster,
        // however close: whether the code over a plot is the float's is decided below,
        // cluster by cluster. (A table's cell may start like a prompt: "> 1".)
        let command = kind == FigureKind::Figure && !c.graphic && c.mono && c.prompt;
        let apart = |k: &Cluster| (k.graphic && command) || (graphic && k.commands > 0 && k.others == 0 && !k.graphic);
        // A table whose rows of cells a rule across them closes ends there: what follows
        // right under the rule, with no cell of its own, is a cluster of its own.
        let after_close = |k: &Cluster| k.closed && !c.cell && !is_rule(&c.rect);
        match clusters.last_mut() {
            Some(k) if near(&c.rect) <= reach + CLUSTER_GAP && !apart(k) && !after_close(k) => {
                k.rect = k.rect.union(&c.rect);
                k.graphic |= graphic;
                k.code &= code;
                k.commands += said.0;
                k.others += said.1;
                k.cells += cell;
                k.closed = kind == FigureKind::Table
                    && k.cells >= TABLE_CELLS
                    && is_rule(&c.rect)
                    && c.rect.width() >= 0.9 * k.rect.width()
                    && far(&c.rect) >= far(&k.rect) - 1.0;
                k.wide_text = match (k.wide_text, wide) {
                    (Some(a), Some(b)) => Some(a.union(&b)),
                    (a, b) => a.or(b),
                };
            }
            _ => clusters.push(Cluster {
                rect: c.rect,
                graphic,
                code,
                commands: said.0,
                others: said.1,
                cells: cell,
                wide_text: wide,
                closed: false,
            }),
        }
        reach = reach.max(far(&c.rect));
    }
    let mut out = Vec::new();
    let n = clusters.len();
    let mut acc: Option<(Rect, bool)> = None;
    // Whether everything since the last cluster with graphics is commands in code.
    let mut code_since = true;
    // The box of the graphics met so far.
    let mut drawn: Option<Rect> = None;
    // Table cells met so far.
    let mut cells_before = 0;
    // Whether the text of everything since the last cluster with graphics lies within the
    // width of the caption and the drawing (line numbers beside it aside): code in the
    // float, not running text set wider than a figure and its centred caption.
    let mut within_since = true;
    // Whether everything since the last cluster with graphics is code (a listing).
    let mut listing_since = true;
    for (k, cl) in clusters.iter().enumerate() {
        let (r, g, code, cells) = (cl.rect, cl.graphic, cl.code, cl.cells);
        let graphic_before = acc.is_some_and(|(_, g)| g);
        // What lies beyond a table's rows of cells, apart from them, with no cell of its
        // own (an example drawn after it, a note), is not the table's.
        let beyond_table = kind == FigureKind::Table && cells_before >= TABLE_CELLS && cells == 0;
        cells_before += cells;
        // A row or two of text within the width of the drawing before it (a plot's title,
        // panel titles) is the drawing's own, however far apart from it.
        let titles = !g
            && !code
            && drawn
                .is_some_and(|d| r.x0 >= d.x0 - 2.0 && r.x1 <= d.x1 + 2.0 && matches!(side, Side::Above | Side::Below))
            && r.height() <= TITLE_HEIGHT;
        if g || titles {
            drawn = Some(drawn.map_or(r, |d| d.union(&r)));
        }
        // Commands, not their output: a session's output belongs to the running text.
        // (A drawing's titles are the drawing's: the code may stand over them.)
        code_since = if g || titles { true } else { code_since && code && cl.commands >= cl.others };
        listing_since = g || titles || (listing_since && code);
        // The float's width: its caption's and its drawing's.
        let float = drawn.map_or(*caption, |d| d.union(caption));
        within_since = g
            || titles
            || (within_since
                && cl.wide_text.is_none_or(|t| t.x0 >= float.x0 - FLOAT_SLACK && t.x1 <= float.x1 + FLOAT_SLACK));
        let g = g || titles;
        acc = Some(acc.map_or((r, g), |(a, ag)| (a.union(&r), ag || g)));
        // The nearest few, the whole, and every union that ends in a drawing (a figure of
        // several panels apart from each other).
        if k + 1 > MAX_PREFIXES && k + 1 < n && !g {
            continue;
        }
        let (rect, graphic) = acc.expect("just set");
        let rect = Rect::new(
            rect.x0.max(region.x0 - 2.0),
            rect.y0.max(region.y0 - 2.0),
            rect.x1.min(region.x1 + 2.0),
            rect.y1.min(region.y1 + 2.0),
        );
        // Text beyond a figure's graphics, apart from them (a code line, a sentence), is
        // not part of it: such a prefix is no proposal (a later graphic may still be).
        // Unless it is code alone, in a region above the caption that runs up to the top
        // of the text, within the caption's width: a float at the top of the page holds
        // the code a book prints over its plot (running text there would have prose
        // between its code chunks, or run wider than the float's centred caption). Likewise
        // a listing (code, prompts or not) under the drawing of a figure set below its
        // caption, when the region runs down to the foot of the text or to the next
        // caption: the source a guide prints under what it draws.
        let code_kept = match side {
            Side::Above => code_since,
            Side::Below => listing_since,
            _ => false,
        };
        if (graphic_before && !g && !(float_edge && k + 1 == n && code_kept && within_since)) || beyond_table {
            continue;
        }
        if rect.width() >= MIN_WIDTH && rect.height() >= MIN_HEIGHT {
            out.push(Clipped { rect, graphic });
        }
    }
    out
}
