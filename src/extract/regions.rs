//! Region proposals around captions, their scores, and the best non-overlapping set.
//!
//! For each caption and each side (above, below, left, right) a proposal starts at the
//! caption's edge and grows away from it until it meets a blocker (body text, another
//! caption, margin text) or the page edge; it is then widened sideways as far as the band
//! stays free of blockers, but never past the midline between side-by-side captions (this
//! splits the shared space of figures placed next to each other). A proposal is clipped to
//! the contents it holds (graphics and non-body text); empty or tiny ones are dropped.
//! Scores favour large regions with graphics, close to their caption, on the usual side
//! (figures above their caption, tables below). [`best_regions`] picks one proposal or
//! none per caption so that the chosen regions do not overlap and the total is largest.

use super::geom::Rect;
use super::model::FigureKind;

/// One caption on a page: its paragraph's box and text.
#[derive(Debug, Clone)]
pub struct CaptionBox {
    pub kind: FigureKind,
    pub name: String,
    pub rect: Rect,
    pub text: String,
    /// Line indices of the paragraph.
    pub lines: Vec<usize>,
}

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
}

/// What a region holds, for its score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holds {
    /// Graphics: a plot, a diagram, an image.
    Drawing,
    /// Text in rows of cells (two rows at least).
    Cells,
    /// Text alone: a listing, a transcript, or running text that is not body text.
    Text,
}

/// Everything the proposals of one page need.
pub struct PageRegions<'a> {
    pub page: Rect,
    /// The box of all text on the page (for normalising areas).
    pub text_area: Rect,
    /// The document's column width (a page of two columns has it under 60% of its text).
    pub column_width: f64,
    pub captions: &'a [CaptionBox],
    /// Body text and margin text boxes.
    pub blockers: &'a [Rect],
    pub contents: &'a [Content],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Above,
    Below,
    Left,
    Right,
}

/// One candidate region for one caption.
#[derive(Debug, Clone, Copy)]
pub struct Proposal {
    pub rect: Rect,
    pub side: Side,
    pub score: f64,
}

const MIN_WIDTH: f64 = 15.0;
const MIN_HEIGHT: f64 = 8.0;

impl PageRegions<'_> {
    /// Blockers for caption `ci`: body and margin text plus every other caption.
    fn blockers_for(&self, ci: usize) -> Vec<Rect> {
        let mut b = self.blockers.to_vec();
        b.extend(self.captions.iter().enumerate().filter(|(j, _)| *j != ci).map(|(_, c)| c.rect));
        b
    }

    /// On a page of two columns, the column a caption lies in, or `None`: one column, a
    /// caption across both, or a graphic right above or below the caption that crosses the
    /// gutter (a figure as wide as the page whose short caption sits in one column).
    fn column_of(&self, c: &Rect) -> Option<(f64, f64)> {
        let t = &self.text_area;
        let mid = (t.x0 + t.x1) / 2.0;
        let across = self.contents.iter().any(|g| {
            g.graphic && g.rect.x0 < mid - 12.0 && g.rect.x1 > mid + 12.0 && {
                let gap = (c.y0 - g.rect.y1).max(g.rect.y0 - c.y1);
                gap < 24.0
            }
        });
        if self.column_width >= 0.6 * t.width() || across {
            None
        } else if c.x1 <= mid + 6.0 {
            Some((t.x0.min(c.x0), mid))
        } else if c.x0 >= mid - 6.0 {
            Some((mid, t.x1.max(c.x1)))
        } else {
            None
        }
    }

    /// How far up and down a region beside caption `ci` may reach: the midlines to the
    /// captions stacked above and below it (that share some of its width).
    fn stacked(&self, ci: usize) -> (f64, f64) {
        let c = &self.captions[ci].rect;
        let (mut top, mut bottom) = (self.page.y0, self.page.y1);
        for (j, o) in self.captions.iter().enumerate() {
            if j == ci || o.rect.x_overlap(c) <= 0.0 {
                continue;
            }
            if o.rect.y0 >= c.y1 {
                bottom = bottom.min((c.y1 + o.rect.y0) / 2.0);
            } else if o.rect.y1 <= c.y0 {
                top = top.max((o.rect.y1 + c.y0) / 2.0);
            }
        }
        (top, bottom)
    }

    /// How far sideways a region of caption `ci` may reach: its `column` on a two-column
    /// page, and never past the midline to a caption beside it: (left limit, right limit).
    fn dividers(&self, ci: usize, column: Option<(f64, f64)>) -> (f64, f64) {
        let c = &self.captions[ci].rect;
        let (mut left, mut right) = match column {
            Some((l, r)) => (l - 6.0, r + 6.0),
            None => (self.page.x0, self.page.x1),
        };
        for (j, o) in self.captions.iter().enumerate() {
            if j == ci || o.rect.y_overlap(c) <= 0.0 {
                continue;
            }
            if o.rect.x0 >= c.x1 {
                right = right.min((c.x1 + o.rect.x0) / 2.0);
            } else if o.rect.x1 <= c.x0 {
                left = left.max((o.rect.x1 + c.x0) / 2.0);
            }
        }
        (left, right)
    }
}

/// How far a region may reach from `edge` along `side` within the cross span `[a, b]`.
fn reach(side: Side, edge: f64, a: f64, b: f64, blockers: &[Rect], page: &Rect) -> f64 {
    let mut limit = match side {
        Side::Above => page.y0,
        Side::Below => page.y1,
        Side::Left => page.x0,
        Side::Right => page.x1,
    };
    for r in blockers {
        match side {
            Side::Above if r.x1.min(b) - r.x0.max(a) > 1.0 && r.y1 <= edge + 1.0 => limit = limit.max(r.y1),
            Side::Below if r.x1.min(b) - r.x0.max(a) > 1.0 && r.y0 >= edge - 1.0 => limit = limit.min(r.y0),
            Side::Left if r.y1.min(b) - r.y0.max(a) > 1.0 && r.x1 <= edge + 1.0 => limit = limit.max(r.x1),
            Side::Right if r.y1.min(b) - r.y0.max(a) > 1.0 && r.x0 >= edge - 1.0 => limit = limit.min(r.x0),
            _ => {}
        }
    }
    limit
}

/// What bounds the regions of one caption: the blockers (other captions among them) and
/// how far sideways they may reach. Worked out once per caption.
struct Room {
    blockers: Vec<Rect>,
    left: f64,
    right: f64,
}

/// The free region on `side` of caption `ci`, optionally widened across.
fn grow(input: &PageRegions<'_>, room: &Room, ci: usize, side: Side, span: (f64, f64), widen: bool) -> Option<Rect> {
    let c = input.captions[ci].rect;
    let blockers = &room.blockers;
    let page = &input.page;
    let (dl, dr) = (room.left, room.right);
    let (mut a, mut b) = span;
    let mut region = None;
    for _ in 0..3 {
        let r = match side {
            Side::Above => Rect::new(a, reach(side, c.y0, a, b, blockers, page), b, c.y0),
            Side::Below => Rect::new(a, c.y1, b, reach(side, c.y1, a, b, blockers, page)),
            Side::Left => Rect::new(reach(side, c.x0, a, b, blockers, page).max(dl), a, c.x0, b),
            Side::Right => Rect::new(c.x1, a, reach(side, c.x1, a, b, blockers, page).min(dr), b),
        };
        if r.width() < MIN_WIDTH || r.height() < MIN_HEIGHT {
            return None;
        }
        region = Some(r);
        if !widen {
            break;
        }
        // Widen across the growth direction while the band stays free.
        let (na, nb) = match side {
            Side::Above | Side::Below => {
                let lo = reach(Side::Left, a, r.y0, r.y1, blockers, page).max(dl);
                let hi = reach(Side::Right, b, r.y0, r.y1, blockers, page).min(dr);
                (lo.min(a), hi.max(b))
            }
            Side::Left | Side::Right => {
                let lo = reach(Side::Above, a, r.x0, r.x1, blockers, page);
                let hi = reach(Side::Below, b, r.x0, r.x1, blockers, page);
                (lo.min(a), hi.max(b))
            }
        };
        if (na - a).abs() < 0.5 && (nb - b).abs() < 0.5 {
            break;
        }
        (a, b) = (na, nb);
    }
    region
}

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
fn inside<'c>(region: &Rect, contents: &'c [Content], caption: &Rect) -> Vec<&'c Content> {
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

/// Text within a drawing's width and at most this tall (two rows) is its title.
const TITLE_HEIGHT: f64 = 24.0;

/// Contents that lie together along a proposal's growth: box, graphics, code alone,
/// (command lines, other lines), table cells.
type Cluster = (Rect, bool, bool, (usize, usize), usize);

/// One clipped candidate: its box and whether it holds graphics.
struct Clipped {
    rect: Rect,
    graphic: bool,
}

/// Clips `region` to its contents: the union of the clusters nearest the caption, for each
/// number of clusters (the whole region last), except unions that end in a text-only
/// cluster beyond graphics. Distances run along `side`.
fn clip(
    region: &Rect,
    contents: &[Content],
    caption: &Rect,
    side: Side,
    to_the_top: bool,
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
    for (i, c) in items.into_iter().enumerate() {
        let graphic = c.graphic && i >= leading_rules;
        let code = !c.graphic && c.mono;
        let said = if c.graphic { (0, 0) } else { (c.prompt as usize, !c.prompt as usize) };
        let cell = c.cell as usize;
        match clusters.last_mut() {
            Some((r, g, m, (p, q), cells)) if near(&c.rect) <= reach + CLUSTER_GAP => {
                *r = r.union(&c.rect);
                *g |= graphic;
                *m &= code;
                *p += said.0;
                *q += said.1;
                *cells += cell;
            }
            _ => clusters.push((c.rect, graphic, code, said, cell)),
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
    for (k, &(r, g, code, (commands, others), cells)) in clusters.iter().enumerate() {
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
        code_since = if g { true } else { code_since && code && commands >= others };
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
        // of the text: a float at the top of the page holds the code a book prints over
        // its plot (running text there would have prose between its code chunks).
        if (graphic_before && !g && !(to_the_top && k + 1 == n && code_since)) || beyond_table {
            continue;
        }
        if rect.width() >= MIN_WIDTH && rect.height() >= MIN_HEIGHT {
            out.push(Clipped { rect, graphic });
        }
    }
    out
}

/// Scores a clipped region: larger, with graphics (or, for a table, cells), close to the
/// caption, on the usual side.
pub fn score(kind: FigureKind, side: Side, region: &Rect, caption: &Rect, holds: Holds, text_area: &Rect) -> f64 {
    let gap = match side {
        Side::Above => caption.y0 - region.y1,
        Side::Below => region.y0 - caption.y1,
        Side::Left => caption.x0 - region.x1,
        Side::Right => region.x0 - caption.x1,
    };
    if gap < -2.0 {
        return 0.0;
    }
    let adjacency = 1.0 / (1.0 + (gap - 12.0).max(0.0) / 36.0);
    let prior = match (kind, side) {
        (_, Side::Left | Side::Right) => 0.5,
        (FigureKind::Figure, Side::Above) | (FigureKind::Table, Side::Below) => 1.0,
        (FigureKind::Figure, Side::Below) => 0.8,
        (FigureKind::Table, Side::Above) => 0.9,
    };
    // A figure of text alone (a listing, a console transcript) sits above its caption;
    // text below a figure's caption is almost always the running text going on. A table
    // is rows of cells.
    let content = match (holds, kind, side) {
        (Holds::Drawing, _, _) => 1.0,
        (Holds::Cells, FigureKind::Table, _) => 0.9,
        (_, FigureKind::Figure, Side::Below) => 0.35,
        (_, FigureKind::Figure, _) | (Holds::Text, FigureKind::Table, _) => 0.6,
    };
    let area = (region.area() / text_area.area().max(1.0)).clamp(0.0, 1.0);
    (0.25 + area.sqrt()) * prior * adjacency * content
}

/// Every proposal for caption `ci`, best first, without duplicates.
pub fn proposals(input: &PageRegions<'_>, ci: usize) -> Vec<Proposal> {
    let cap = &input.captions[ci];
    let c = cap.rect;
    // The full width a figure may take: the caption's column on a two-column page (a
    // caption that crosses the middle belongs to a figure across both), never past the
    // midline to a caption beside this one.
    let t = &input.text_area;
    let column = input.column_of(&c);
    let (left, right) = input.dividers(ci, column);
    let full = column.unwrap_or((t.x0.min(c.x0), t.x1.max(c.x1)));
    let full = (full.0.max(left), full.1.min(right));
    let room = Room { blockers: input.blockers_for(ci), left, right };
    let mut out: Vec<Proposal> = Vec::new();
    let variants: [(Side, (f64, f64), bool); 7] = [
        (Side::Above, (c.x0, c.x1), false),
        (Side::Above, (c.x0, c.x1), true),
        (Side::Above, full, false),
        (Side::Below, (c.x0, c.x1), false),
        (Side::Below, (c.x0, c.x1), true),
        (Side::Below, full, false),
        (Side::Left, (c.y0, c.y1), true),
    ];
    let right = (Side::Right, (c.y0, c.y1), true);
    for (side, span, widen) in variants.into_iter().chain([right]) {
        let Some(region) = grow(input, &room, ci, side, span, widen) else { continue };
        let region = if matches!(side, Side::Left | Side::Right) {
            let (top, bottom) = input.stacked(ci);
            let r = Rect::new(region.x0, region.y0.max(top), region.x1, region.y1.min(bottom));
            level_band(&r, input.contents, &c)
        } else {
            region
        };
        let to_the_top = side == Side::Above && region.y0 <= input.text_area.y0 + 12.0;
        for clipped in clip(&region, input.contents, &c, side, to_the_top, cap.kind) {
            let r = clipped.rect;
            let cells = input.contents.iter().filter(|c| c.cell && mostly_inside(&r, &c.rect)).count();
            let holds = match (clipped.graphic, cells >= 4) {
                (true, _) => Holds::Drawing,
                (false, true) => Holds::Cells,
                (false, false) => Holds::Text,
            };
            let mut s = score(cap.kind, side, &r, &c, holds, &input.text_area);
            // A narrow caption with a drawing right beside it is a side caption: the
            // region on that side is as likely as one above.
            if matches!(side, Side::Left | Side::Right) && beside(input, &c, side) {
                s *= 2.0;
            }
            // A table is no session of commands typed at a prompt.
            if cap.kind == FigureKind::Table && input.contents.iter().any(|c| c.prompt && mostly_inside(&r, &c.rect)) {
                s *= 0.5;
            }
            // A region whose edge at the caption cuts through a drawing (one set beside
            // the caption, running past it) holds only part of that drawing.
            if cuts_drawing(input.contents, &r, &c, side) {
                s *= 0.5;
            }
            if s <= 0.0 || out.iter().any(|p| p.rect.iou(&r) > 0.98) {
                continue;
            }
            out.push(Proposal { rect: r, side, score: s });
        }
    }
    out.sort_by(|a, b| b.score.total_cmp(&a.score));
    out
}

/// Whether a drawing (not one around the caption) overlaps `region` and runs across the
/// line of the caption's edge that `region` starts from.
fn cuts_drawing(contents: &[Content], region: &Rect, caption: &Rect, side: Side) -> bool {
    contents.iter().any(|g| {
        let r = &g.rect;
        g.graphic
            && !r.contains(caption)
            && r.width().min(r.height()) >= 12.0
            && match side {
                Side::Above => r.x_overlap(region) > 2.0 && r.y0 < caption.y0 - 2.0 && r.y1 > caption.y0 + 2.0,
                Side::Below => r.x_overlap(region) > 2.0 && r.y0 < caption.y1 - 2.0 && r.y1 > caption.y1 + 2.0,
                Side::Left => r.y_overlap(region) > 2.0 && r.x0 < caption.x0 - 2.0 && r.x1 > caption.x0 + 2.0,
                Side::Right => r.y_overlap(region) > 2.0 && r.x0 < caption.x1 - 2.0 && r.x1 > caption.x1 + 2.0,
            }
    })
}

/// Rows of content further apart than this are separate figures, stacked.
const STACK_GAP: f64 = 24.0;

/// A region beside a caption cut to the rows of its contents level with the caption: a
/// region widened up and down the page would otherwise take in figures stacked above or
/// below the captioned one.
fn level_band(region: &Rect, contents: &[Content], caption: &Rect) -> Rect {
    let mut items: Vec<Rect> = inside(region, contents, caption).iter().map(|c| c.rect).collect();
    items.sort_by(|a, b| a.y0.total_cmp(&b.y0));
    let mut bands: Vec<Rect> = Vec::new();
    for r in items {
        match bands.last_mut() {
            Some(b) if r.y0 <= b.y1 + STACK_GAP => *b = b.union(&r),
            _ => bands.push(r),
        }
    }
    let level: Vec<&Rect> = bands.iter().filter(|b| b.y_overlap(caption) > 0.0).collect();
    match (level.first(), level.last()) {
        (Some(a), Some(b)) => Rect::new(region.x0, region.y0.max(a.y0 - 2.0), region.x1, region.y1.min(b.y1 + 2.0)),
        _ => *region,
    }
}

/// A drawing at most this far from a caption's side is beside it.
const BESIDE_GAP: f64 = 60.0;

/// Whether caption `c` is narrow (under 60% of a column) and a drawing lies right beside
/// it on `side`, level with it.
fn beside(input: &PageRegions<'_>, c: &Rect, side: Side) -> bool {
    c.width() < 0.6 * input.column_width
        && input.contents.iter().any(|g| {
            let level = g.rect.y_overlap(c) > 0.5 * g.rect.height().min(c.height());
            let on_side = match side {
                Side::Left => g.rect.x1 <= c.x0 + 1.0 && c.x0 - g.rect.x1 < BESIDE_GAP,
                _ => g.rect.x0 >= c.x1 - 1.0 && g.rect.x0 - c.x1 < BESIDE_GAP,
            };
            g.graphic && level && on_side && g.rect.height() >= 0.5 * c.height()
        })
}

/// A region counts as overlapping another when they share more than 2% of the smaller.
fn clash(a: &Rect, b: &Rect) -> bool {
    a.intersection(b).is_some_and(|i| i.area() > 0.02 * a.area().min(b.area()))
}

/// Bonus for giving a caption a region at all, so that every caption gets one when the
/// regions can be made not to overlap.
const ASSIGN_BONUS: f64 = 0.5;
/// Search budget (nodes) before falling back to the greedy choice found so far.
const BUDGET: usize = 200_000;

/// The best region per caption (`None` when no proposal fits).
pub fn best_regions(input: &PageRegions<'_>) -> Vec<Option<Rect>> {
    let props: Vec<Vec<Proposal>> = (0..input.captions.len()).map(|i| proposals(input, i)).collect();
    let best_rest: Vec<f64> = {
        let mut v = vec![0.0; props.len() + 1];
        for i in (0..props.len()).rev() {
            v[i] = v[i + 1] + props[i].first().map_or(0.0, |p| p.score + ASSIGN_BONUS);
        }
        v
    };
    struct Search<'a> {
        props: &'a [Vec<Proposal>],
        best_rest: &'a [f64],
        chosen: Vec<Option<usize>>,
        best: (f64, Vec<Option<usize>>),
        nodes: usize,
    }
    impl Search<'_> {
        fn go(&mut self, i: usize, total: f64) {
            self.nodes += 1;
            if i == self.props.len() {
                if total > self.best.0 {
                    self.best = (total, self.chosen.clone());
                }
                return;
            }
            if total + self.best_rest[i] <= self.best.0 || self.nodes > BUDGET {
                return;
            }
            for (k, p) in self.props[i].iter().enumerate() {
                let free = self.chosen[..i]
                    .iter()
                    .enumerate()
                    .all(|(j, c)| c.is_none_or(|c| !clash(&self.props[j][c].rect, &p.rect)));
                if free {
                    self.chosen[i] = Some(k);
                    self.go(i + 1, total + p.score + ASSIGN_BONUS);
                }
            }
            self.chosen[i] = None;
            self.go(i + 1, total);
        }
    }
    let mut s = Search {
        props: &props,
        best_rest: &best_rest,
        chosen: vec![None; props.len()],
        best: (-1.0, vec![None; props.len()]),
        nodes: 0,
    };
    s.go(0, 0.0);
    s.best.1.iter().enumerate().map(|(i, c)| c.map(|k| props[i][k].rect)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
            column_width: 468.0,
            captions,
            blockers,
            contents,
        }
    }

    #[test]
    fn a_proposal_stops_at_body_text_and_clips_to_its_graphics() {
        let captions = [cap(FigureKind::Figure, "1", Rect::new(100.0, 400.0, 300.0, 410.0))];
        let blockers = [Rect::new(72.0, 100.0, 540.0, 200.0), Rect::new(72.0, 450.0, 540.0, 700.0)];
        let contents = [
            Content {
                rect: Rect::new(120.0, 250.0, 280.0, 390.0),
                graphic: true,
                cell: false,
                mono: false,
                prompt: false,
            },
            Content {
                rect: Rect::new(90.0, 150.0, 100.0, 160.0),
                graphic: true,
                cell: false,
                mono: false,
                prompt: false,
            },
        ];
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
        let contents = [
            Content {
                rect: Rect::new(90.0, 250.0, 280.0, 390.0),
                graphic: true,
                cell: false,
                mono: false,
                prompt: false,
            },
            Content {
                rect: Rect::new(330.0, 260.0, 520.0, 390.0),
                graphic: true,
                cell: false,
                mono: false,
                prompt: false,
            },
        ];
        let best = best_regions(&letter_page(&captions, &blockers, &contents));
        assert_eq!(best, vec![Some(contents[0].rect), Some(contents[1].rect)]);
    }

    fn graphic(r: Rect) -> Content {
        Content { rect: r, graphic: true, cell: false, mono: false, prompt: false }
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
        let cell = |x0: f64, y0: f64, x1: f64| Content {
            rect: Rect::new(x0, y0, x1, y0 + 9.0),
            graphic: false,
            cell: true,
            mono: false,
            prompt: false,
        };
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
}
