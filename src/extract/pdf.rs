//! Reads one PDF page through hayro into glyphs, graphics boxes and image boxes.
//!
//! A custom hayro `Device` records, in PDF points with the origin at the top-left of the
//! page's crop box: every glyph (its text, advance box, baseline and em size), the bounding
//! box of every filled or stroked path, and the placement of every image. Glyphs of fonts
//! without a Unicode mapping (old Type 3 bitmap fonts) fall back to their character code.
//! Rotated glyphs are kept apart: they are almost always figure content (axis labels).

use hayro_interpret::font::{Glyph as HGlyph, GlyphRun};
use hayro_interpret::hayro_syntax::page::Page;
use hayro_interpret::kurbo::{Affine, BezPath, Point, Rect as KRect, Shape};
use hayro_interpret::util::TransformExt as _;
use hayro_interpret::{
    BlendMode, ClipPath, Context, Device, DrawMode, DrawProps, Image, ImageDrawProps, InterpreterCache,
    InterpreterSettings, SoftMask,
};

use super::geom::Rect;

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
}

impl Glyph {
    /// The glyph box: the advance width by the usual ascender/descender band.
    pub fn rect(&self) -> Rect {
        Rect::new(self.x0, self.base - 0.72 * self.size, self.x1, self.base + 0.22 * self.size)
    }
}

/// Everything located on one page.
#[derive(Debug, Clone, Default)]
pub struct PageContent {
    pub width: f64,
    pub height: f64,
    /// Upright glyphs in content-stream order.
    pub glyphs: Vec<Glyph>,
    /// Boxes of rotated or vertical glyphs (treated as graphics).
    pub rotated_text: Vec<Rect>,
    /// Boxes of filled or stroked paths, clipped to the page.
    pub paths: Vec<Rect>,
    /// Boxes of images, clipped to the page.
    pub images: Vec<Rect>,
}

struct Collector {
    page: Rect,
    out: PageContent,
}

impl Collector {
    fn add_graphic(&mut self, r: KRect, image: bool) {
        let r = Rect::new(r.x0, r.y0, r.x1, r.y1);
        if !r.is_finite() {
            return;
        }
        let Some(r) = r.intersection(&self.page).or_else(|| {
            // Hairlines have no area: keep them when they lie on the page.
            let c = Rect::new(r.x0.max(0.0), r.y0.max(0.0), r.x1.min(self.page.x1), r.y1.min(self.page.y1));
            (c.x0 <= c.x1 && c.y0 <= c.y1 && (c.width() > 0.0 || c.height() > 0.0)).then_some(c)
        }) else {
            return;
        };
        // Page-sized backgrounds and frames say nothing about where figures are, and
        // neither do specks (empty paths at the origin, invisible moves).
        if r.area() > 0.8 * self.page.area() || (r.width() < 1.0 && r.height() < 1.0) {
            return;
        }
        if image { self.out.images.push(r) } else { self.out.paths.push(r) }
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

impl<'a> Device<'a> for Collector {
    fn draw_path(&mut self, path: &BezPath, props: DrawProps<'a>, mode: &DrawMode) {
        if matches!(mode, DrawMode::Invisible) {
            return;
        }
        let mut bbox = (props.transform * path.clone()).bounding_box();
        if let DrawMode::Stroke(s) | DrawMode::FillAndStroke(_, s) = mode {
            let w = (s.line_width as f64 * props.transform.determinant().abs().sqrt()) / 2.0;
            bbox = bbox.inflate(w, w);
        }
        self.add_graphic(bbox, false);
    }
    fn draw_rect(&mut self, rect: &KRect, props: DrawProps<'a>, mode: &DrawMode) {
        if matches!(mode, DrawMode::Invisible) {
            return;
        }
        self.add_graphic(props.transform.transform_rect_bbox(*rect), false);
    }
    fn push_clip_path(&mut self, _: &ClipPath) {}
    fn push_transparency_group(&mut self, _: f32, _: Option<SoftMask<'a>>, _: BlendMode) {}
    fn draw_glyph_run(&mut self, run: &GlyphRun<'_, 'a>, props: DrawProps<'a>, mode: &DrawMode) {
        if matches!(mode, DrawMode::Invisible) {
            return;
        }
        for g in run.glyphs() {
            let m: Affine = props.transform * g.transform();
            let origin = m * Point::new(0.0, 0.0);
            let adv = m * Point::new(advance(g), 0.0);
            let up = m * Point::new(0.0, 1000.0);
            let (dx, dy) = (adv.x - origin.x, adv.y - origin.y);
            let (ux, uy) = (up.x - origin.x, up.y - origin.y);
            let size = ux.hypot(uy);
            if !(size.is_finite() && origin.x.is_finite() && origin.y.is_finite()) || size < 0.5 {
                continue;
            }
            let upright = uy < 0.0 && ux.abs() < 0.1 * size && dy.abs() <= 0.1 * dx.abs().max(0.01) && dx >= 0.0;
            if !upright {
                let r = KRect::from_points(origin, up).union_pt(adv);
                let r = Rect::new(r.x0, r.y0, r.x1, r.y1);
                if r.is_finite() && r.intersects(&self.page) {
                    self.out.rotated_text.push(r);
                }
                continue;
            }
            let text = glyph_text(g);
            if text.trim().is_empty() {
                continue;
            }
            self.out.glyphs.push(Glyph {
                text,
                x0: origin.x,
                x1: adv.x.max(origin.x + 0.05 * size),
                base: origin.y,
                size,
            });
        }
    }
    fn draw_image(&mut self, image: Image<'a, '_>, props: ImageDrawProps<'a>) {
        let (w, h) = (image.width() as f64, image.height() as f64);
        self.add_graphic(props.transform.transform_rect_bbox(KRect::new(0.0, 0.0, w, h)), true);
    }
    fn pop_clip(&mut self) {}
    fn pop_transparency_group(&mut self) {}
}

/// Interprets one page. Panics inside hayro are the caller's to catch.
pub fn read_page<'a>(page: &Page<'a>, cache: &InterpreterCache<'a>, settings: &InterpreterSettings) -> PageContent {
    let (w, h) = page.render_dimensions();
    let (w, h) = (w as f64, h as f64);
    let transform = page.initial_transform(true).to_kurbo();
    let bounds = KRect::new(0.0, 0.0, w, h);
    let mut ctx = Context::new(transform, bounds, cache, page.xref(), settings.clone());
    let mut dev = Collector {
        page: Rect::new(0.0, 0.0, w, h),
        out: PageContent { width: w, height: h, ..PageContent::default() },
    };
    hayro_interpret::interpret_page(page, &mut ctx, &mut dev);
    dev.out
}
