//! Region proposals around captions (scored by `score`).
//!
//! For each caption and each side (above, below, left, right) a proposal starts at the
//! caption's edge and grows away from it until it meets a blocker (body text, another
//! caption, margin text) or the page edge; it is then widened sideways as far as the band
//! stays free of blockers, but never past the midline between side-by-side captions (this
//! splits the shared space of figures placed next to each other). A proposal is clipped to
//! the contents it holds (graphics and non-body text); empty or tiny ones are dropped.
//! Scores favour large regions with graphics, close to their caption, on the usual side
//! (figures above their caption, tables below). `pick` chooses one proposal or none per
//! caption so that the chosen regions do not overlap and the total is largest.

use super::geom::{Rect, union_all};
use super::model::FigureKind;
pub use super::score::{Holds, Side, score};

mod clip;
pub use clip::{Content, is_rule, mostly_inside};
use clip::{MIN_HEIGHT, MIN_WIDTH, clip, inside};

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

/// Everything the proposals of one page need.
pub struct PageRegions<'a> {
    pub page: Rect,
    /// The box of all text on the page (for normalising areas).
    pub text_area: Rect,
    /// Where the document's body text lies (all pages together), when it has enough.
    pub body_area: Option<Rect>,
    /// The document's column width (a page of two columns has it under 60% of its text).
    pub column_width: f64,
    pub captions: &'a [CaptionBox],
    /// Body text and margin text boxes.
    pub blockers: &'a [Rect],
    pub contents: &'a [Content],
    /// The side of their captions the document sets its figures and its tables on, when
    /// its captions that leave no doubt agree ([`usual_sides`]); indexed by [`kind_index`].
    pub usual: [Option<Side>; 2],
}

/// The index of a kind in [`PageRegions::usual`].
pub fn kind_index(kind: FigureKind) -> usize {
    match kind {
        FigureKind::Figure => 0,
        FigureKind::Table => 1,
    }
}

/// Whether the region chosen for a caption, on `side` with `score`, leaves no doubt about
/// the side: no proposal on the other side, above or below, scores a third of it.
pub fn clear_side(props: &[Proposal], side: Side, score: f64) -> bool {
    let other = match side {
        Side::Above => Side::Below,
        Side::Below => Side::Above,
        _ => return false,
    };
    props.iter().filter(|p| p.side == other).all(|p| 3.0 * p.score < score)
}

/// The side a document sets the figures (or tables) of its captions on, from the votes of
/// captions whose side leaves no doubt ([`clear_side`]): above and below. One side wins
/// with a vote at least and four times the other's.
pub fn usual_side(above: usize, below: usize) -> Option<Side> {
    if above >= 1 && above >= 4 * below {
        Some(Side::Above)
    } else if below >= 1 && below >= 4 * above {
        Some(Side::Below)
    } else {
        None
    }
}

/// One candidate region for one caption.
#[derive(Debug, Clone, Copy)]
pub struct Proposal {
    pub rect: Rect,
    pub side: Side,
    pub score: f64,
}

/// The least score a region needs to be a caption's figure. Below it lie only regions
/// that nothing makes likely: a few lines of text under or beside a figure's caption, or
/// something small far from it. A caption typeset with no figure body (a package
/// guide's example of a caption style) finds nothing better, and gets no region.
const MIN_SCORE: f64 = 0.12;

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
        // A region above its caption that runs up to the top of the text, or to the
        // caption of a float stacked over this one: the top of a float.
        let under_caption = input
            .captions
            .iter()
            .enumerate()
            .any(|(j, o)| j != ci && o.rect.x_overlap(&region) > 0.0 && (o.rect.y1 - region.y0).abs() <= 2.0);
        let to_the_top = side == Side::Above && (region.y0 <= input.text_area.y0 + 12.0 || under_caption);
        // A region below its caption that runs down to the foot of the text, or to the
        // caption of a float stacked under this one: the bottom of a float.
        let over_caption = input
            .captions
            .iter()
            .enumerate()
            .any(|(j, o)| j != ci && o.rect.x_overlap(&region) > 0.0 && (o.rect.y0 - region.y1).abs() <= 2.0);
        let to_the_bottom = side == Side::Below && (region.y1 >= input.text_area.y1 - 12.0 || over_caption);
        for clipped in clip(&region, input.contents, &c, side, to_the_top || to_the_bottom, cap.kind) {
            let r = clipped.rect;
            let cells = input.contents.iter().filter(|c| c.cell && mostly_inside(&r, &c.rect)).count();
            // A few strokes among rows of text (the bars of a list of options) do not make
            // the region a drawing: its graphics span a fair part of it, or one of them is
            // more than a stroke (a shape, an image, a plot).
            let drawn = clipped.graphic && drawing_in(input.contents, &r);
            let holds = match (drawn, cells >= 4) {
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
            // Where the document's other captions of this kind clearly have their figures,
            // a region on the other side (a float stacked over or under another) is less
            // likely.
            if let Some(usual) = input.usual[kind_index(cap.kind)]
                && matches!(side, Side::Above | Side::Below)
                && side != usual
            {
                s *= 0.5;
            }
            // Sentences level with other text and no drawing, under a figure's caption:
            // a list of terms and their descriptions, not a figure (a figure of text alone
            // is code, a transcript or a placeholder's words).
            let prose = || input.contents.iter().any(|c| c.prose && c.cell && mostly_inside(&r, &c.rect));
            if in_the_margin(input.body_area, &r, &c)
                || (!drawn && cells < 4 && stray_code(input.contents, &r))
                || (!drawn && cap.kind == FigureKind::Figure && prose())
            {
                continue;
            }
            if s < MIN_SCORE || out.iter().any(|p| p.rect.iou(&r) > 0.98) {
                continue;
            }
            out.push(Proposal { rect: r, side, score: s });
        }
    }
    out.sort_by(|a, b| b.score.total_cmp(&a.score));
    out
}

/// Whether the text in `region` is one or two lines of code and nothing else: the
/// command a manual shows right before the caption it makes, not a figure (a listing set
/// as a figure runs longer).
fn stray_code(contents: &[Content], region: &Rect) -> bool {
    let lines: Vec<&Content> = contents.iter().filter(|c| !c.graphic && mostly_inside(region, &c.rect)).collect();
    (1..=2).contains(&lines.len()) && lines.iter().all(|l| l.mono)
}

/// A region holds a drawing when the box of its graphics covers at least this share of it.
const DRAWN_SHARE: f64 = 0.2;

/// Whether the graphics inside `region` make a drawing: the box of them all covers
/// [`DRAWN_SHARE`] of it, or one of them is more than a stroke (3 pt across at least).
/// Horizontal rules do not count: they edge floats, examples and tables.
fn drawing_in(contents: &[Content], region: &Rect) -> bool {
    let drawn: Vec<&Rect> = contents
        .iter()
        .filter(|c| c.graphic && !is_rule(&c.rect) && mostly_inside(region, &c.rect))
        .map(|c| &c.rect)
        .collect();
    drawn.iter().any(|r| r.width().min(r.height()) >= 3.0)
        || union_all(drawn.iter().copied()).is_some_and(|u| u.area() >= DRAWN_SHARE * region.area())
}

/// Whether `region` lies wholly in a side margin, beside the body text, while its caption
/// lies within the body's width: a margin note or a label printed beside the text (a
/// key shown by a draft mode), not the caption's figure. A margin float has its caption in
/// the margin too.
fn in_the_margin(body: Option<Rect>, region: &Rect, caption: &Rect) -> bool {
    body.is_some_and(|b| {
        let caption_inside = caption.x0 >= b.x0 - 6.0 && caption.x1 <= b.x1 + 6.0;
        caption_inside && (region.x0 >= b.x1 + 2.0 || region.x1 <= b.x0 - 2.0)
    })
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

#[cfg(test)]
#[path = "regions/tests.rs"]
mod tests;
