//! Reads one PDF page through hayro into glyphs, graphics boxes and image boxes, each with
//! the box of the ink it leaves on the page.
//!
//! A custom hayro `Device` records, in PDF points with the origin at the top-left of the
//! page's crop box: every glyph (its text, advance box, baseline and em size), the bounding
//! box of every filled or stroked path, and the placement of every image. Glyphs of fonts
//! without a Unicode mapping (old Type 3 bitmap fonts) fall back to their character code.
//! Rotated glyphs are kept apart: they are almost always figure content (axis labels).
//!
//! Beside each box the reader keeps its *ink*: what a reader sees of it on white paper.
//! Everything is cut to the clip paths in force when it was drawn; paths and glyphs painted
//! white leave no ink; a glyph's ink is its outline's box (not its advance box); an image's
//! ink is the box of its pixels that are not white, mapped through its placement. Locating
//! uses the boxes; the located region is then shrunk to the ink inside it.

use std::collections::HashMap;

use hayro_interpret::font::{Glyph as HGlyph, GlyphIdentifier, GlyphRun, PositionedGlyph};
use hayro_interpret::hayro_syntax::page::Page;
use hayro_interpret::kurbo::{Affine, BezPath, Point, Rect as KRect, Shape};
use hayro_interpret::util::TransformExt as _;
use hayro_interpret::{
    BlendMode, CacheKey, ClipPath, Context, Device, DrawMode, DrawProps, Image, ImageData, ImageDrawProps,
    InterpreterCache, InterpreterSettings, LumaData, Paint, SoftMask,
};

use super::geom::{Rect, Turn};

/// A colour channel above this (of 1.0) is paper white; the same threshold as the labels'
/// "visibly not white" (240 of 255).
const WHITE: f32 = 240.0 / 255.0;
/// Images are decoded at most this many pixels a side to find their ink.
const INK_SCAN: u32 = 512;

/// One upright glyph.
#[derive(Debug, Clone)]
pub struct Glyph {
    pub text: String,
    /// Left and right edge of the advance box.
    pub x0: f64,
    pub x1: f64,
    /// Baseline.
    pub base: f64,
    /// Em size in points (the font size after all transforms).
    pub size: f64,
    /// The box of the glyph's visible ink, if it leaves any.
    pub ink: Option<Rect>,
}

impl Glyph {
    /// The glyph box: the advance width by the usual ascender/descender band.
    pub fn rect(&self) -> Rect {
        Rect::new(self.x0, self.base - 0.72 * self.size, self.x1, self.base + 0.22 * self.size)
    }
}

/// A graphic: where it lies and the part of it a reader sees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mark {
    /// The box of the drawing operation, clipped.
    pub rect: Rect,
    /// The box of its non-white ink, inside `rect`; `None` when it leaves none.
    pub ink: Option<Rect>,
}

/// Everything located on one page.
#[derive(Debug, Clone, Default)]
pub struct PageContent {
    pub width: f64,
    pub height: f64,
    /// Upright glyphs in content-stream order.
    pub glyphs: Vec<Glyph>,
    /// Rotated or vertical glyphs (treated as graphics).
    pub rotated_text: Vec<Mark>,
    /// Filled or stroked paths, clipped to the page.
    pub paths: Vec<Mark>,
    /// Images, clipped to the page.
    pub images: Vec<Mark>,
    /// Glyphs of text running up the page, in the coordinates of the page turned to read
    /// it ([`Turn::Up`]), each with the index of its mark in `rotated_text`.
    pub upward: Vec<(Glyph, usize)>,
    /// The same for text running down the page ([`Turn::Down`]).
    pub downward: Vec<(Glyph, usize)>,
}

/// Glyph ink boxes (1000 units per em of text space) by glyph, shared by the pages of a
/// document: outlines by their identifier, Type 3 glyphs by their cache key.
#[derive(Default)]
pub struct GlyphBoxes {
    outlines: FoldMap<GlyphIdentifier, Option<KRect>>,
    type3: FoldMap<u128, Option<KRect>>,
}

/// A hasher for keys that are hashes already (fonts' content hashes, glyph cache keys):
/// it folds their bytes, where the standard hasher would hash them again at every glyph.
#[derive(Default, Clone, Copy)]
struct Fold(u64);

impl std::hash::Hasher for Fold {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(b)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }
}

type FoldMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<Fold>>;

/// A device that only boxes what is drawn through it: a Type 3 glyph's procedure.
struct InkBox(Option<KRect>);

impl InkBox {
    fn add(&mut self, r: KRect) {
        if r.is_finite() {
            self.0 = Some(self.0.map_or(r, |b| b.union(r)));
        }
    }
}

impl<'a> Device<'a> for InkBox {
    fn draw_path(&mut self, path: &BezPath, props: DrawProps<'a>, _: &DrawMode) {
        self.add((props.transform * path.clone()).bounding_box());
    }
    fn draw_rect(&mut self, rect: &KRect, props: DrawProps<'a>, _: &DrawMode) {
        self.add(props.transform.transform_rect_bbox(*rect));
    }
    fn push_clip_path(&mut self, _: &ClipPath) {}
    fn push_transparency_group(&mut self, _: f32, _: Option<SoftMask<'a>>, _: BlendMode) {}
    fn draw_glyph_run(&mut self, _: &GlyphRun<'_, 'a>, _: DrawProps<'a>, _: &DrawMode) {}
    fn draw_image(&mut self, image: Image<'a, '_>, props: ImageDrawProps<'a>) {
        let (w, h) = (image.width() as f64, image.height() as f64);
        self.add(props.transform.transform_rect_bbox(KRect::new(0.0, 0.0, w, h)));
    }
    fn pop_clip(&mut self) {}
    fn pop_transparency_group(&mut self) {}
}

struct Collector<'c> {
    page: Rect,
    /// The clip in force: the intersection of the clip paths' boxes (`None`: nothing shows).
    clips: Vec<Option<Rect>>,
    boxes: &'c mut GlyphBoxes,
    /// The last good estimate of a Type 3 font's em against its text space's (see
    /// [`Collector::type3_scale`]).
    type3_em: Option<f64>,
    /// Visible marks under a point each way, grouped by [`speck_groups`] at the end.
    specks: Vec<Rect>,
    out: PageContent,
}

fn rect_of(r: KRect) -> Rect {
    Rect::new(r.x0, r.y0, r.x1, r.y1)
}

/// Whether a paint leaves visible ink on white paper.
fn inks(paint: &Paint<'_>) -> bool {
    match paint {
        Paint::Color(c) => {
            let [r, g, b, a] = c.to_rgba().components();
            a > 0.05 && (r <= WHITE || g <= WHITE || b <= WHITE)
        }
        Paint::Pattern(_) => true,
    }
}

impl Collector<'_> {
    fn clip(&self) -> Option<Rect> {
        self.clips.last().copied().unwrap_or(Some(self.page))
    }

    /// The part of `r` that is on the page and inside the clip. Hairlines (no area) are
    /// kept when they lie inside.
    fn visible(&self, r: Rect) -> Option<Rect> {
        if !r.is_finite() {
            return None;
        }
        let clip = self.clip()?;
        r.intersection(&clip).or_else(|| {
            let c = Rect::new(r.x0.max(clip.x0), r.y0.max(clip.y0), r.x1.min(clip.x1), r.y1.min(clip.y1));
            (c.x0 <= c.x1 && c.y0 <= c.y1 && (c.width() > 0.0 || c.height() > 0.0)).then_some(c)
        })
    }

    /// A filled or stroked shape whose box (transformed, before the stroke) is `bbox`.
    fn add_drawn(&mut self, mut bbox: KRect, props: &DrawProps<'_>, mode: &DrawMode) {
        if matches!(mode, DrawMode::Invisible) {
            return;
        }
        if let DrawMode::Stroke(s) | DrawMode::FillAndStroke(_, s) = mode {
            let w = (s.line_width as f64 * props.transform.determinant().abs().sqrt()) / 2.0;
            bbox = bbox.inflate(w, w);
        }
        let ink = inks(&props.paint).then_some(bbox);
        self.add_graphic(bbox, ink, false);
    }

    fn add_graphic(&mut self, r: KRect, ink: Option<KRect>, image: bool) {
        let Some(rect) = self.visible(rect_of(r)) else { return };
        // Page-sized backgrounds and frames say nothing about where figures are. Specks
        // (under a point each way) are kept aside when they leave ink: a drawing made of
        // many tiny strokes (a fractal, a stippled plot) is found from them together.
        if rect.area() > 0.8 * self.page.area() {
            return;
        }
        if rect.width() < 1.0 && rect.height() < 1.0 {
            if ink.is_some() && !image {
                self.specks.push(rect);
            }
            return;
        }
        let ink = ink.and_then(|i| self.visible(rect_of(i))).and_then(|i| {
            let i = Rect::new(i.x0.max(rect.x0), i.y0.max(rect.y0), i.x1.min(rect.x1), i.y1.min(rect.y1));
            (i.x0 <= i.x1 && i.y0 <= i.y1).then_some(i)
        });
        let mark = Mark { rect, ink };
        if image { self.out.images.push(mark) } else { self.out.paths.push(mark) }
    }

    /// How many ems of text space make one em of a run's Type 3 glyphs. A Type 3 font's
    /// matrix scales its glyph procedures freely (TeX's bitmap fonts in PDFs from dvips
    /// draw a 10 pt letter with a text space of a tenth of a point, flipped), so the em is
    /// estimated from the ink of the run's tallest letter or digit: a capital, an ascender
    /// or a digit is 0.7 em (brackets and slashes are taller, so they do not count). A run
    /// of fewer than three letters takes the last estimate when it has no taller.
    fn type3_scale(&mut self, run: &[PositionedGlyph<'_>], boxes: &[Option<KRect>], texts: &[String]) -> Option<f64> {
        let mut tallest: Option<f64> = None;
        let mut count = 0;
        for ((g, b), text) in run.iter().zip(boxes).zip(texts) {
            if matches!(&**g, HGlyph::Type3(_)) && text.chars().all(char::is_alphanumeric) {
                count += 1;
                if let Some(b) = b {
                    tallest = Some(tallest.map_or(b.height(), |t: f64| t.max(b.height())));
                }
            }
        }
        let k = tallest.map(|t| t / 700.0).filter(|k| k.is_finite() && *k > 0.0);
        match (k, self.type3_em) {
            (Some(k), _) if count >= 3 => {
                self.type3_em = Some(k);
                Some(k)
            }
            (Some(k), Some(last)) => Some(k.max(last)),
            (k, last) => k.or(last),
        }
    }

    /// The ink box of a glyph in glyph space (1000 units per em of text space), cached per
    /// glyph: an outline's box, or the box of what a Type 3 glyph's procedure draws.
    fn outline_box<'a>(&mut self, g: &HGlyph<'a>, paint: &Paint<'a>) -> Option<KRect> {
        match g {
            HGlyph::Outline(o) => *self.boxes.outlines.entry(o.identifier()).or_insert_with(|| {
                let b = o.outline().bounding_box();
                (b.is_finite() && b.area() > 0.0).then_some(b)
            }),
            HGlyph::Type3(t) => *self.boxes.type3.entry(t.cache_key()).or_insert_with(|| {
                let mut ink = InkBox(None);
                t.interpret(&mut ink, Affine::IDENTITY, Affine::IDENTITY, paint);
                ink.0.filter(|b| b.area() > 0.0)
            }),
        }
    }
}

fn glyph_text(g: &HGlyph<'_>) -> String {
    match g.as_unicode() {
        Some(hayro_interpret::hayro_cmap::BfString::Char(c)) => c.to_string(),
        Some(hayro_interpret::hayro_cmap::BfString::String(s)) => s,
        None => {
            // No Unicode map (typical of Type 3 bitmap fonts): the character code is the
            // best guess, which is right for the ASCII-encoded fonts of old TeX output.
            let code = g.char_code();
            match char::from_u32(code) {
                Some(c) if (' '..='~').contains(&c) => c.to_string(),
                _ => "\u{FFFD}".to_string(),
            }
        }
    }
}

fn advance(g: &HGlyph<'_>) -> f64 {
    let w = match g {
        HGlyph::Outline(o) => o.advance_width(),
        HGlyph::Type3(t) => t.advance_width(),
    };
    match w {
        Some(w) if w.is_finite() && w > 0.0 => w as f64,
        _ => 500.0,
    }
}

/// Rows and columns `[x0, y0, x1, y1)` of the pixels that are not white (and not
/// transparent), in the decoded image's pixels.
fn ink_pixels(image: &ImageData, alpha: Option<&LumaData>) -> Option<[u32; 4]> {
    let (w, h) = (image.width(), image.height());
    let alpha = alpha.filter(|a| a.width == w && a.height == h);
    let white = (WHITE * 255.0) as u8;
    let inked = |i: usize| -> bool {
        if alpha.is_some_and(|a| a.data.get(i).is_none_or(|&v| v < 13)) {
            return false;
        }
        match image {
            ImageData::Rgb(d) => d.data.get(3 * i..3 * i + 3).is_some_and(|p| p.iter().any(|&v| v <= white)),
            ImageData::Luma(d) => d.data.get(i).is_some_and(|&v| v <= white),
        }
    };
    bounds_of(w, h, inked)
}

/// The bounding rows and columns of the pixels for which `inked` holds.
fn bounds_of(w: u32, h: u32, inked: impl Fn(usize) -> bool) -> Option<[u32; 4]> {
    let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
    for y in 0..h {
        let row = (y * w) as usize;
        let first = (0..w).find(|&x| inked(row + x as usize));
        let Some(first) = first else { continue };
        let last = (first..w).rev().find(|&x| inked(row + x as usize)).unwrap_or(first);
        x0 = x0.min(first);
        x1 = x1.max(last + 1);
        y0 = y0.min(y);
        y1 = y + 1;
    }
    (x0 < x1 && y0 < y1).then_some([x0, y0, x1, y1])
}

/// The ink of an image in its own pixel space (`0..width, 0..height`), or `None` when
/// every pixel is white; the whole image when it cannot be decoded.
fn image_ink(image: &Image<'_, '_>) -> Option<KRect> {
    let (w, h) = (image.width() as f64, image.height() as f64);
    let whole = KRect::new(0.0, 0.0, w, h);
    let target = Some((image.width().min(INK_SCAN), image.height().min(INK_SCAN)));
    let mut found = Some(Some(whole));
    let map = |b: [u32; 4], dw: u32, dh: u32| {
        let (sx, sy) = (w / dw.max(1) as f64, h / dh.max(1) as f64);
        KRect::new(b[0] as f64 * sx, b[1] as f64 * sy, b[2] as f64 * sx, b[3] as f64 * sy)
    };
    match image {
        Image::Raster(r) => r.with_rgba(
            |data, alpha| {
                found = Some(ink_pixels(&data, alpha.as_ref()).map(|b| map(b, data.width(), data.height())));
            },
            target,
        ),
        Image::Stencil(s) => s.with_stencil(
            |mask, paint| {
                found = Some(if inks(paint) {
                    bounds_of(mask.width, mask.height, |i| mask.data.get(i).is_some_and(|&v| v >= 128))
                        .map(|b| map(b, mask.width, mask.height))
                } else {
                    None
                });
            },
            target,
        ),
    }
    found.flatten()
}

impl<'a> Device<'a> for Collector<'_> {
    fn draw_path(&mut self, path: &BezPath, props: DrawProps<'a>, mode: &DrawMode) {
        self.add_drawn((props.transform * path.clone()).bounding_box(), &props, mode);
    }
    fn draw_rect(&mut self, rect: &KRect, props: DrawProps<'a>, mode: &DrawMode) {
        self.add_drawn(props.transform.transform_rect_bbox(*rect), &props, mode);
    }
    fn push_clip_path(&mut self, clip: &ClipPath) {
        let b = rect_of(clip.path.bounding_box());
        let next = self.clip().and_then(|c| c.intersection(&b));
        self.clips.push(next);
    }
    fn push_transparency_group(&mut self, _: f32, _: Option<SoftMask<'a>>, _: BlendMode) {}
    fn draw_glyph_run(&mut self, run: &GlyphRun<'_, 'a>, props: DrawProps<'a>, mode: &DrawMode) {
        if matches!(mode, DrawMode::Invisible) {
            return;
        }
        let visible = inks(&props.paint);
        // Each glyph's ink box and text, once: the em of Type 3 runs is measured on them.
        let glyphs = run.glyphs();
        let boxes: Vec<Option<KRect>> = glyphs.iter().map(|g| self.outline_box(g, &props.paint)).collect();
        let texts: Vec<String> = glyphs.iter().map(|g| glyph_text(g)).collect();
        let type3 = self.type3_scale(glyphs, &boxes, &texts);
        for ((g, ink_box), text) in glyphs.iter().zip(boxes).zip(texts) {
            let m: Affine = props.transform * g.transform();
            let origin = m * Point::new(0.0, 0.0);
            let adv = m * Point::new(advance(g), 0.0);
            let mut up = m * Point::new(0.0, 1000.0);
            if let (HGlyph::Type3(_), Some(k)) = (&**g, type3) {
                // A Type 3 glyph is upright to its advance, one estimated em tall.
                let (dx, dy) = (adv.x - origin.x, adv.y - origin.y);
                let len = dx.hypot(dy);
                let em = (up.x - origin.x).hypot(up.y - origin.y) * k;
                if len > 0.0 {
                    up = Point::new(origin.x + dy / len * em, origin.y - dx / len * em);
                }
            }
            let (dx, dy) = (adv.x - origin.x, adv.y - origin.y);
            let (ux, uy) = (up.x - origin.x, up.y - origin.y);
            let size = ux.hypot(uy);
            if !(size.is_finite() && origin.x.is_finite() && origin.y.is_finite()) || size < 0.5 {
                continue;
            }
            let outline = if visible { ink_box.map(|b| m.transform_rect_bbox(b)) } else { None };
            let upright = uy < 0.0 && ux.abs() < 0.1 * size && dy.abs() <= 0.1 * dx.abs().max(0.01) && dx >= 0.0;
            if !upright {
                let r = rect_of(KRect::from_points(origin, up).union_pt(adv));
                if let Some(rect) = self.visible(r) {
                    let ink = if visible { self.visible(outline.map_or(r, rect_of)) } else { None };
                    self.out.rotated_text.push(Mark { rect, ink });
                    // Text running straight up or down the page: kept to be read turned.
                    let vertical = dx.abs() <= 0.1 * dy.abs() && uy.abs() < 0.1 * size;
                    let turn = match (vertical, dy < 0.0 && ux < 0.0, dy > 0.0 && ux > 0.0) {
                        (true, true, _) => Some(Turn::Up),
                        (true, _, true) => Some(Turn::Down),
                        _ => None,
                    };
                    if let Some(turn) = turn
                        && !text.trim().is_empty()
                    {
                        let (w, h) = (self.page.x1, self.page.y1);
                        let a =
                            turn.rect(Rect::new(origin.x, origin.y.min(adv.y), origin.x, origin.y.max(adv.y)), w, h);
                        let glyph = Glyph {
                            text,
                            x0: a.x0,
                            x1: a.x1.max(a.x0 + 0.05 * size),
                            base: a.y0,
                            size,
                            ink: ink.map(|i| turn.rect(i, w, h)),
                        };
                        let mark = self.out.rotated_text.len() - 1;
                        match turn {
                            Turn::Up => self.out.upward.push((glyph, mark)),
                            Turn::Down => self.out.downward.push((glyph, mark)),
                        }
                    }
                }
                continue;
            }
            if text.trim().is_empty() {
                continue;
            }
            let x1 = adv.x.max(origin.x + 0.05 * size);
            let approx = Rect::new(origin.x, origin.y - 0.72 * size, x1, origin.y + 0.22 * size);
            let ink = if visible { self.visible(outline.map_or(approx, rect_of)) } else { None };
            self.out.glyphs.push(Glyph { text, x0: origin.x, x1, base: origin.y, size, ink });
        }
    }
    fn draw_image(&mut self, image: Image<'a, '_>, props: ImageDrawProps<'a>) {
        let (w, h) = (image.width() as f64, image.height() as f64);
        let placed = props.transform.transform_rect_bbox(KRect::new(0.0, 0.0, w, h));
        // Decode only images that could be figures (not specks, not off-clip).
        let worth = self.visible(rect_of(placed)).is_some_and(|r| r.width() >= 4.0 && r.height() >= 4.0);
        let ink = if worth { image_ink(&image).map(|i| props.transform.transform_rect_bbox(i)) } else { Some(placed) };
        self.add_graphic(placed, ink, true);
    }
    fn pop_clip(&mut self) {
        self.clips.pop();
    }
    fn pop_transparency_group(&mut self) {}
}

/// Interprets one page. Panics inside hayro are the caller's to catch.
pub fn read_page<'a>(
    page: &Page<'a>,
    cache: &InterpreterCache<'a>,
    settings: &InterpreterSettings,
    boxes: &mut GlyphBoxes,
) -> PageContent {
    let (w, h) = page.render_dimensions();
    let (w, h) = (w as f64, h as f64);
    let transform = page.initial_transform(true).to_kurbo();
    let bounds = KRect::new(0.0, 0.0, w, h);
    let mut ctx = Context::new(transform, bounds, cache, page.xref(), settings.clone());
    let mut dev = Collector {
        page: Rect::new(0.0, 0.0, w, h),
        clips: Vec::new(),
        boxes,
        type3_em: None,
        specks: Vec::new(),
        out: PageContent { width: w, height: h, ..PageContent::default() },
    };
    hayro_interpret::interpret_page(page, &mut ctx, &mut dev);
    let mut out = dev.out;
    for group in speck_groups(&dev.specks) {
        out.paths.push(Mark { rect: group, ink: Some(group) });
    }
    out
}

/// Specks that touch or nearly touch (within a cell of [`SPECK_CELL`] points), grouped: the
/// box of each group that is a point or more across. A lone speck is dropped, as before.
fn speck_groups(specks: &[Rect]) -> Vec<Rect> {
    const SPECK_CELL: f64 = 2.0;
    let cell = |v: f64| (v / SPECK_CELL).floor() as i64;
    let mut boxes: HashMap<(i64, i64), Rect> = HashMap::new();
    for s in specks {
        let k = (cell((s.x0 + s.x1) / 2.0), cell((s.y0 + s.y1) / 2.0));
        boxes.entry(k).and_modify(|b| *b = b.union(s)).or_insert(*s);
    }
    let mut seen: std::collections::HashSet<(i64, i64)> = std::collections::HashSet::new();
    let mut out = Vec::new();
    let mut keys: Vec<(i64, i64)> = boxes.keys().copied().collect();
    keys.sort_unstable();
    for start in keys {
        if !seen.insert(start) {
            continue;
        }
        let mut group = boxes[&start];
        let mut stack = vec![start];
        while let Some((x, y)) = stack.pop() {
            for (dx, dy) in [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)] {
                let n = (x + dx, y + dy);
                if let Some(b) = boxes.get(&n)
                    && seen.insert(n)
                {
                    group = group.union(b);
                    stack.push(n);
                }
            }
        }
        if group.width() >= 1.0 || group.height() >= 1.0 {
            out.push(group);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specks_that_touch_make_one_drawing_and_a_lone_one_is_dropped() {
        // A diagonal of 0.5 pt strokes every 0.7 pt, 20 pt long, and one speck far away.
        let mut specks: Vec<Rect> =
            (0..30).map(|i| i as f64 * 0.7).map(|v| Rect::new(100.0 + v, 200.0 + v, 100.5 + v, 200.5 + v)).collect();
        specks.push(Rect::new(400.0, 400.0, 400.5, 400.5));
        let groups = speck_groups(&specks);
        assert_eq!(groups.len(), 1, "{groups:?}");
        assert!(groups[0].width() > 20.0 && groups[0].height() > 20.0, "{groups:?}");
    }

    #[test]
    fn ink_bounds_skip_white_rows_and_columns() {
        // A 6 x 4 image, white but for a dark 2 x 2 block at columns 3..5, rows 1..3.
        let mut data = vec![255u8; 6 * 4];
        for (x, y) in [(3, 1), (4, 1), (3, 2), (4, 2)] {
            data[y * 6 + x] = 20;
        }
        let img =
            ImageData::Luma(LumaData { data, width: 6, height: 4, interpolate: false, scale_factors: (1.0, 1.0) });
        assert_eq!(ink_pixels(&img, None), Some([3, 1, 5, 3]));
        let white = ImageData::Luma(LumaData {
            data: vec![250; 24],
            width: 6,
            height: 4,
            interpolate: false,
            scale_factors: (1.0, 1.0),
        });
        assert_eq!(ink_pixels(&white, None), None);
    }
}
