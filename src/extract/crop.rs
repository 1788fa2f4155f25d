//! Cropping: one region of one page of a PDF as a new one-page vector PDF (the page as a
//! Form XObject on a page the size of the region, clipped to it), as an SVG (the page drawn
//! as vectors, shown through a view box the size of the region) and as a PNG at a chosen
//! resolution.
//!
//! Regions are in PDF points with the origin at the top-left corner of the page as shown
//! (crop box, rotation applied), the convention of `extract::locate` and of pdffigures2's
//! `region_bb`. Every output is a pure function of the input bytes and the region.
//! The PDF is opened with `extract::Document::open`, which turns bad files into
//! `ExtractError`s; panics inside the PDF library are caught here too.

use std::panic::{AssertUnwindSafe, catch_unwind};

use hayro::hayro_interpret::InterpreterSettings;
use hayro::hayro_interpret::util::TransformExt;
use hayro::kurbo::Affine;
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::vello_cpu::{Pixmap, RasterizerSettings, RenderContext, Resources, TargetInit};
use hayro::{RenderCache, RenderSettings};
use hayro_syntax::Pdf;
use hayro_write::{ExtractionQuery, pdf_writer};
use pdf_writer::{Content, Finish, Name, Rect, Ref};

use super::model::ExtractError;
use crate::model::{Artifact, Format};

/// The largest PNG side paperfig renders, in pixels, so that a huge region at a high
/// resolution cannot exhaust memory.
pub const MAX_PIXELS: u32 = 16_000;

/// A region of a page: 1-based page number and `[x0, y0, x1, y1]` in points, origin top-left.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Region {
    pub page: usize,
    pub bbox: [f64; 4],
}

impl Region {
    pub fn width(&self) -> f64 {
        self.bbox[2] - self.bbox[0]
    }
    pub fn height(&self) -> f64 {
        self.bbox[3] - self.bbox[1]
    }
}

/// Why a region could not be cut out.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum CropError {
    #[error(transparent)]
    Read(#[from] ExtractError),
    /// The box is empty, not finite, or outside the page.
    #[error("box [{}, {}, {}, {}] is empty or outside the page ({} x {} pt)",
        num(.bbox[0]), num(.bbox[1]), num(.bbox[2]), num(.bbox[3]), num(.page_size.0), num(.page_size.1))]
    BadBox { bbox: [f64; 4], page_size: (f64, f64) },
    /// The PNG would be larger than `MAX_PIXELS` on a side.
    #[error("the PNG would be {width} x {height} pixels (at most {max} a side)", max = MAX_PIXELS)]
    TooLarge { width: u32, height: u32 },
    /// The PDF library failed on this page.
    #[error("the PDF reader failed on page {0}; the file may be corrupt")]
    Failed(usize),
}

/// A number as the user would write it (`72`, `72.5`).
fn num(v: f64) -> String {
    let r = (v * 100.0).round() / 100.0;
    if r == r.trunc() { format!("{}", r as i64) } else { format!("{r}") }
}

/// Width and height in points of each page as shown (rotation applied).
pub fn page_sizes(pdf: &Pdf) -> Vec<(f64, f64)> {
    pdf.pages().iter().map(|p| p.render_dimensions()).map(|(w, h)| (w as f64, h as f64)).collect()
}

/// Checks a region against the document: the page exists and the box, clamped to the
/// page, keeps at least one point on each side. Returns the clamped region.
pub fn check_region(pdf: &Pdf, region: &Region) -> Result<Region, CropError> {
    let sizes = page_sizes(pdf);
    let pages = sizes.len();
    if region.page == 0 || region.page > pages {
        return Err(ExtractError::NoSuchPage { page: region.page, count: pages }.into());
    }
    let (w, h) = sizes[region.page - 1];
    let [x0, y0, x1, y1] = region.bbox;
    let bad = CropError::BadBox { bbox: region.bbox, page_size: (w, h) };
    if !region.bbox.iter().all(|v| v.is_finite()) {
        return Err(bad);
    }
    let clamped = [x0.max(0.0), y0.max(0.0), x1.min(w), y1.min(h)];
    if clamped[2] - clamped[0] < 1.0 || clamped[3] - clamped[1] < 1.0 {
        return Err(bad);
    }
    Ok(Region { page: region.page, bbox: clamped })
}

/// The region as a one-page PDF: the source page becomes a Form XObject, drawn on a page
/// whose media box is the region, inside a clip of the same rectangle. Fonts, images and
/// paths stay as they were (vector); content outside the region stays in the file but is
/// clipped away.
pub fn crop_pdf(pdf: &Pdf, region: &Region) -> Result<Vec<u8>, CropError> {
    let region = check_region(pdf, region)?;
    catch_unwind(AssertUnwindSafe(|| write_crop(pdf, &region))).map_err(|_| CropError::Failed(region.page))?
}

fn write_crop(pdf: &Pdf, region: &Region) -> Result<Vec<u8>, CropError> {
    let page_index = region.page - 1;
    let (_, page_h) = page_sizes(pdf)[page_index];
    let (w, h) = (region.width() as f32, region.height() as f32);

    let mut next = Ref::new(1);
    let catalog_id = next.bump();
    let extracted = hayro_write::extract(
        pdf,
        Box::new(|| next.bump()),
        hayro_write::ChunkSettings::default(),
        &[ExtractionQuery::new_xobject(page_index)],
    )
    .map_err(|_| CropError::Failed(region.page))?;
    let xobject = extracted.root_refs[0].map_err(|_| CropError::Failed(region.page))?;
    let page_id = next.bump();
    let content_id = next.bump();

    // The XObject's own matrix maps the page to [0, W] x [0, H], y up; move the region's
    // lower-left corner to the origin.
    let [x0, _, _, y1] = region.bbox;
    let mut content = Content::new();
    content.save_state();
    content.rect(0.0, 0.0, w, h);
    content.clip_nonzero();
    content.end_path();
    content.transform([1.0, 0.0, 0.0, 1.0, -(x0 as f32), -((page_h - y1) as f32)]);
    content.x_object(Name(b"P1"));
    content.restore_state();
    let content = content.finish();

    let mut out = pdf_writer::Pdf::new();
    out.catalog(catalog_id).pages(extracted.page_tree_parent_ref);
    out.pages(extracted.page_tree_parent_ref).kids([page_id]).count(1);
    let mut page = out.page(page_id);
    page.media_box(Rect::new(0.0, 0.0, w, h));
    page.parent(extracted.page_tree_parent_ref);
    page.contents(content_id);
    page.resources().x_objects().pair(Name(b"P1"), xobject);
    page.finish();
    out.stream(content_id, content.as_slice());
    out.extend(&extracted.chunk);
    Ok(out.finish())
}

/// Size in pixels of a region rendered at `dpi`.
pub fn png_size(region: &Region, dpi: f64) -> (u32, u32) {
    let scale = dpi / 72.0;
    let px = |pt: f64| (pt * scale).round().max(1.0) as u32;
    (px(region.width()), px(region.height()))
}

/// The region rendered at `dpi` on white, as a PNG that records its resolution.
pub fn crop_png(pdf: &Pdf, region: &Region, dpi: f64) -> Result<Vec<u8>, CropError> {
    let region = check_region(pdf, region)?;
    let (pw, ph) = png_size(&region, dpi);
    if pw > MAX_PIXELS || ph > MAX_PIXELS {
        return Err(CropError::TooLarge { width: pw, height: ph });
    }
    let rgba = catch_unwind(AssertUnwindSafe(|| render(pdf, &region, dpi, pw, ph)))
        .map_err(|_| CropError::Failed(region.page))?;
    encode_png(&rgba, pw, ph, dpi)
}

/// Premultiplied RGBA pixels of the region on white.
fn render(pdf: &Pdf, region: &Region, dpi: f64, pw: u32, ph: u32) -> Vec<u8> {
    let page = &pdf.pages()[region.page - 1];
    let scale = dpi / 72.0;
    let transform = Affine::scale(scale)
        * Affine::translate((-region.bbox[0], -region.bbox[1]))
        * page.initial_transform(true).to_kurbo();
    let mut ctx = RenderContext::new(pw as u16, ph as u16);
    let cache = RenderCache::new();
    hayro::render_into(page, &cache, &InterpreterSettings::default(), &RenderSettings::default(), &mut ctx, transform);
    ctx.flush();
    let mut pixmap = Pixmap::new(ctx.width(), ctx.height());
    ctx.render_with(
        &mut pixmap,
        &mut Resources::default(),
        RasterizerSettings { target_init: TargetInit::Clear(WHITE), ..Default::default() },
    );
    pixmap.data_as_u8_slice().to_vec()
}

/// RGB PNG (the background is opaque white, so alpha carries nothing) with a pHYs chunk.
fn encode_png(rgba: &[u8], width: u32, height: u32, dpi: f64) -> Result<Vec<u8>, CropError> {
    let rgb: Vec<u8> = rgba.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect();
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, width, height);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let ppm = (dpi / 0.0254).round() as u32;
    enc.set_pixel_dims(Some(png::PixelDimensions { xppu: ppm, yppu: ppm, unit: png::Unit::Meter }));
    let too_large = |_| CropError::TooLarge { width, height };
    let mut writer = enc.write_header().map_err(too_large)?;
    writer.write_image_data(&rgb).map_err(too_large)?;
    writer.finish().map_err(too_large)?;
    Ok(out)
}

/// The region as an SVG: the whole page converted to SVG (glyphs as outlines), nested in an
/// outer SVG whose view box is the region, so only the region shows; sizes in points.
pub fn crop_svg(pdf: &Pdf, region: &Region) -> Result<Vec<u8>, CropError> {
    let region = check_region(pdf, region)?;
    let page = &pdf.pages()[region.page - 1];
    let inner = catch_unwind(AssertUnwindSafe(|| {
        hayro_svg::convert(
            page,
            &hayro_svg::RenderCache::new(),
            &InterpreterSettings::default(),
            &hayro_svg::SvgRenderSettings::default(),
        )
    }))
    .map_err(|_| CropError::Failed(region.page))?;
    let inner = inner.trim_start();
    let inner = match inner.strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>").map_or(rest, |(_, r)| r).trim_start(),
        None => inner,
    };
    let [x0, y0, ..] = region.bbox;
    let (w, h) = (num(region.width()), num(region.height()));
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" \
         width=\"{w}pt\" height=\"{h}pt\" viewBox=\"{} {} {w} {h}\">\n<rect x=\"{}\" y=\"{}\" width=\"{w}\" height=\"{h}\" fill=\"white\"/>\n",
        num(x0),
        num(y0),
        num(x0),
        num(y0)
    );
    svg.push_str(inner);
    svg.push_str("\n</svg>\n");
    Ok(svg.into_bytes())
}

/// The region in each of `formats`, in that order (PNG at `dpi`).
pub fn cut(pdf: &Pdf, region: &Region, formats: &[Format], dpi: f64) -> Result<Vec<Artifact>, CropError> {
    formats
        .iter()
        .map(|&format| {
            let bytes = match format {
                Format::Pdf => crop_pdf(pdf, region)?,
                Format::Png => crop_png(pdf, region, dpi)?,
                Format::Svg => crop_svg(pdf, region)?,
            };
            Ok(Artifact { format, bytes })
        })
        .collect()
}

#[cfg(test)]
#[path = "crop/tests.rs"]
mod tests;
