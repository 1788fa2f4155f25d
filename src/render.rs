//! SVG text → output files (SVG, vector PDF, PNG) with the embedded fonts; no plot knowledge.
//!
//! Every generated figure that is drawn as SVG (plots, later diagrams) ends here:
//! the SVG is parsed once by usvg and that tree feeds both svg2pdf (vector PDF, text kept
//! as text, fonts embedded as subsets) and resvg (PNG). Fonts come only from the bytes
//! embedded in the binary (Liberation Sans, metric-compatible with Arial/Helvetica), never
//! from the system, so the same SVG renders the same on every machine.
//!
//! The SVG should give its `width`/`height` in inches (`width="3.3in"`): usvg turns that
//! into 96 user units per inch, the PDF page is then exactly that size
//! (`PageOptions { dpi: 96 }`) and the PNG is `width_in × png_dpi` pixels.

mod canon;
pub mod textcheck;

use std::sync::{Arc, LazyLock};

use resvg::tiny_skia;
use svg2pdf::usvg::{self, fontdb};

use crate::model::{Artifact, Format, ProviderError};

/// Liberation Sans Regular (SIL OFL 1.1, see `templates/fonts/LICENSE-Liberation`).
pub static FONT_REGULAR: &[u8] = include_bytes!("../templates/fonts/LiberationSans-Regular.ttf");
/// Liberation Sans Bold.
pub static FONT_BOLD: &[u8] = include_bytes!("../templates/fonts/LiberationSans-Bold.ttf");
/// Family name of the embedded fonts, as written in `font-family`.
pub const FONT_FAMILY: &str = "Liberation Sans";

/// usvg's user units per inch.
const SVG_DPI: f64 = 96.0;

/// The font database shared by every render in this process: only the embedded fonts,
/// with every generic family (sans-serif, serif, ...) mapped to Liberation Sans.
static FONTDB: LazyLock<Arc<fontdb::Database>> = LazyLock::new(|| {
    let mut db = fontdb::Database::new();
    db.load_font_data(FONT_REGULAR.to_vec());
    db.load_font_data(FONT_BOLD.to_vec());
    db.set_sans_serif_family(FONT_FAMILY);
    db.set_serif_family(FONT_FAMILY);
    db.set_monospace_family(FONT_FAMILY);
    db.set_cursive_family(FONT_FAMILY);
    db.set_fantasy_family(FONT_FAMILY);
    Arc::new(db)
});

/// Parsed embedded fonts for measuring text (advance widths) without rendering.
static FACES: LazyLock<[ttf_parser::Face<'static>; 2]> = LazyLock::new(|| {
    [
        ttf_parser::Face::parse(FONT_REGULAR, 0).expect("embedded regular font parses"),
        ttf_parser::Face::parse(FONT_BOLD, 0).expect("embedded bold font parses"),
    ]
});

/// Loads the embedded fonts once per process. Calling it is optional (first use does it);
/// benchmarks call it to keep the one-time cost out of per-figure timings.
pub fn init_fonts() {
    LazyLock::force(&FONTDB);
    LazyLock::force(&FACES);
}

/// Vertical metrics of the embedded sans font, as fractions of the font size.
#[derive(Clone, Copy, Debug)]
pub struct FontMetrics {
    /// Height of capital letters above the baseline.
    pub cap_height: f64,
    /// Height of lower-case letters such as "x".
    pub x_height: f64,
    /// Ascender above the baseline (typographic).
    pub ascender: f64,
    /// Descender below the baseline (positive number).
    pub descender: f64,
}

/// Metrics of the embedded regular font.
pub fn font_metrics() -> FontMetrics {
    let face = &FACES[0];
    let upem = f64::from(face.units_per_em());
    FontMetrics {
        cap_height: face.capital_height().map_or(0.716, |h| f64::from(h) / upem),
        x_height: face.x_height().map_or(0.519, |h| f64::from(h) / upem),
        ascender: f64::from(face.ascender()) / upem,
        descender: -f64::from(face.descender()) / upem,
    }
}

/// Advance width of `text` set in the embedded font at `size` (same unit as the result),
/// with pair kerning from the `kern` table when the font has one.
pub fn text_width(text: &str, size: f64, bold: bool) -> f64 {
    let face = &FACES[usize::from(bold)];
    let upem = f64::from(face.units_per_em());
    let fallback = face.glyph_index('?');
    let mut total = 0.0;
    let mut prev: Option<ttf_parser::GlyphId> = None;
    for ch in text.chars() {
        let gid = face.glyph_index(ch).or(fallback);
        if let Some(g) = gid {
            total += f64::from(face.glyph_hor_advance(g).unwrap_or(0));
            if let (Some(p), Some(kern)) = (prev, face.tables().kern) {
                for sub in kern.subtables.into_iter().filter(|s| s.horizontal && !s.variable) {
                    if let Some(k) = sub.glyphs_kerning(p, g) {
                        total += f64::from(k);
                        break;
                    }
                }
            }
        }
        prev = gid;
    }
    total / upem * size
}

/// Whether the embedded font can show every character of `text`.
pub fn font_has_glyphs(text: &str) -> bool {
    text.chars().all(|c| c.is_whitespace() || FACES[0].glyph_index(c).is_some())
}

/// Renders `svg` into each requested format, in the order asked.
pub fn render(svg: &str, formats: &[Format], png_dpi: f64) -> Result<Vec<Artifact>, ProviderError> {
    let needs_tree = formats.iter().any(|f| *f != Format::Svg);
    let tree = if needs_tree { Some(parse(svg)?) } else { None };
    let mut out = Vec::with_capacity(formats.len());
    for &format in formats {
        let bytes = match (format, tree.as_ref()) {
            (Format::Svg, _) => svg.as_bytes().to_vec(),
            (Format::Pdf, Some(tree)) => to_pdf(tree)?,
            (Format::Png, Some(tree)) => to_png(tree, png_dpi)?,
            (_, None) => unreachable!("tree is parsed whenever a non-SVG format is asked"),
        };
        out.push(Artifact { format, bytes });
    }
    Ok(out)
}

/// Parses SVG text with the embedded fonts. External files (`<image href="file.png">`) are
/// never read: a figure may depend only on its request.
pub fn parse(svg: &str) -> Result<usvg::Tree, ProviderError> {
    try_parse(svg).map_err(|e| ProviderError::new(format!("internal error: generated SVG does not parse: {e}")))
}

/// `parse` for SVG paperfig did not write (a script's output): the parser's own error.
pub fn try_parse(svg: &str) -> Result<usvg::Tree, usvg::Error> {
    let mut opt =
        usvg::Options { font_family: FONT_FAMILY.to_string(), fontdb: FONTDB.clone(), ..usvg::Options::default() };
    opt.image_href_resolver.resolve_string = Box::new(|_, _| None);
    usvg::Tree::from_str(svg, &opt)
}

/// Vector PDF, one page of exactly the SVG's size; text stays text with subset fonts.
/// Byte-for-byte reproducible (see `canon`).
pub fn to_pdf(tree: &usvg::Tree) -> Result<Vec<u8>, ProviderError> {
    let page = svg2pdf::PageOptions { dpi: SVG_DPI as f32 };
    let pdf = svg2pdf::to_pdf(tree, svg2pdf::ConversionOptions::default(), page)
        .map_err(|e| ProviderError::new(format!("PDF conversion failed: {e}")))?;
    Ok(canon::canonicalize(&pdf).unwrap_or(pdf))
}

/// PNG at `dpi`, with the resolution recorded in a `pHYs` chunk so that tools which size
/// images by their DPI (LaTeX, pandoc, word processors) print it at the intended size.
pub fn to_png(tree: &usvg::Tree, dpi: f64) -> Result<Vec<u8>, ProviderError> {
    if !(dpi.is_finite() && dpi > 0.0 && dpi <= 2400.0) {
        return Err(ProviderError::new(format!("PNG resolution {dpi} dpi is out of range (1–2400)")));
    }
    encode_png(&raster(tree, dpi)?, dpi)
}

/// The figure rendered at `dpi`, onto a whole number of pixels each way. The drawing is
/// stretched (by less than half a pixel) to fill them: at a fractional size its last column
/// or row would be half covered, a faint half-transparent edge that also takes the PNG out
/// of indexed colour.
fn raster(tree: &usvg::Tree, dpi: f64) -> Result<tiny_skia::Pixmap, ProviderError> {
    let scale = dpi / SVG_DPI;
    let size = tree.size();
    let (width, height) = (f64::from(size.width()) * scale, f64::from(size.height()) * scale);
    let (w, h) = (width.round().max(1.0) as u32, height.round().max(1.0) as u32);
    let mut pixmap = tiny_skia::Pixmap::new(w, h)
        .ok_or_else(|| ProviderError::new(format!("PNG of {w}×{h} pixels is too large")))?;
    let (sx, sy) = (f64::from(w) / width * scale, f64::from(h) / height * scale);
    resvg::render(tree, tiny_skia::Transform::from_scale(sx as f32, sy as f32), &mut pixmap.as_mut());
    Ok(pixmap)
}

/// Encodes a premultiplied RGBA pixmap small and lossless: indexed colour when it
/// holds at most 256 colours (most charts and diagrams: a tenth of the size of RGB), with
/// each entry's opacity in a `tRNS` chunk when some are not opaque (a diagram on a
/// transparent background); else RGB when fully opaque, else RGBA; compressed at zlib's
/// default level.
fn encode_png(pixmap: &tiny_skia::Pixmap, dpi: f64) -> Result<Vec<u8>, ProviderError> {
    let (color, data, palette) = match palette_of(pixmap) {
        Some(Palette { rgb, alpha, indices }) => (png::ColorType::Indexed, indices, Some((rgb, alpha))),
        None if pixmap.pixels().iter().all(|p| p.alpha() == 255) => {
            let rgb = pixmap.pixels().iter().flat_map(|p| [p.red(), p.green(), p.blue()]).collect();
            (png::ColorType::Rgb, rgb, None)
        }
        None => {
            let rgba = pixmap.pixels().iter().flat_map(|p| rgba(*p)).collect();
            (png::ColorType::Rgba, rgba, None)
        }
    };
    let mut bytes = Vec::new();
    let err = |e: png::EncodingError| ProviderError::new(format!("PNG encoding failed: {e}"));
    {
        let mut enc = png::Encoder::new(&mut bytes, pixmap.width(), pixmap.height());
        enc.set_color(color);
        enc.set_depth(png::BitDepth::Eight);
        // zlib's default level: measured on a typical chart, 7 % larger than its best
        // level (8,975 against 8,406 bytes) and 15 times faster (2.2 against 32 ms)
        enc.set_compression(png::Compression::Default);
        if let Some((rgb, alpha)) = palette {
            // indices do not predict each other: unfiltered rows compress best
            enc.set_palette(rgb);
            if alpha.iter().any(|&a| a != 255) {
                enc.set_trns(alpha);
            }
            enc.set_filter(png::FilterType::NoFilter);
        } else {
            enc.set_adaptive_filter(png::AdaptiveFilterType::Adaptive);
        }
        let ppm = (dpi / 0.0254).round() as u32;
        enc.set_pixel_dims(Some(png::PixelDimensions { xppu: ppm, yppu: ppm, unit: png::Unit::Meter }));
        let mut writer = enc.write_header().map_err(err)?;
        writer.write_image_data(&data).map_err(err)?;
    }
    Ok(bytes)
}

/// A pixel as PNG stores it: not premultiplied.
fn rgba(p: tiny_skia::PremultipliedColorU8) -> [u8; 4] {
    let c = p.demultiply();
    [c.red(), c.green(), c.blue(), c.alpha()]
}

/// The colours of an indexed PNG, in order of first use, and one index per pixel.
struct Palette {
    rgb: Vec<u8>,
    alpha: Vec<u8>,
    indices: Vec<u8>,
}

/// The palette of a pixmap, or `None` when it holds more than 256 colours (counting each
/// opacity of a colour apart).
fn palette_of(pixmap: &tiny_skia::Pixmap) -> Option<Palette> {
    let mut index: std::collections::HashMap<[u8; 4], u8> = std::collections::HashMap::new();
    let mut palette =
        Palette { rgb: Vec::new(), alpha: Vec::new(), indices: Vec::with_capacity(pixmap.pixels().len()) };
    // Most pixels repeat their left neighbour (the background, a filled bar): looked up once.
    let mut last: Option<(tiny_skia::PremultipliedColorU8, u8)> = None;
    for &p in pixmap.pixels() {
        let i = match last {
            Some((c, i)) if c == p => i,
            _ => {
                let c = rgba(p);
                match index.get(&c) {
                    Some(&i) => i,
                    None => {
                        let i = u8::try_from(index.len()).ok()?;
                        index.insert(c, i);
                        palette.rgb.extend_from_slice(&c[..3]);
                        palette.alpha.push(c[3]);
                        i
                    }
                }
            }
        };
        last = Some((p, i));
        palette.indices.push(i);
    }
    Some(palette)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SVG: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="2in" height="1in" viewBox="0 0 144 72">
<rect x="0" y="0" width="144" height="72" fill="#FFFFFF"/>
<text x="10" y="40" font-family="sans-serif" font-size="12">Hello axis</text>
</svg>"##;

    /// Every pixel of a PNG as RGBA, whatever its colour type.
    fn pixels(png: &[u8]) -> (png::ColorType, Vec<[u8; 4]>) {
        let mut dec = png::Decoder::new(std::io::Cursor::new(png));
        dec.set_transformations(png::Transformations::EXPAND);
        let mut reader = dec.read_info().unwrap();
        let color = reader.info().color_type;
        let mut buf = vec![0; reader.output_buffer_size()];
        let frame = reader.next_frame(&mut buf).unwrap();
        let px = match frame.color_type {
            png::ColorType::Rgb => buf[..frame.buffer_size()].chunks(3).map(|c| [c[0], c[1], c[2], 255]).collect(),
            png::ColorType::Rgba => buf[..frame.buffer_size()].chunks(4).map(|c| [c[0], c[1], c[2], c[3]]).collect(),
            other => panic!("{other:?} after expansion"),
        };
        (color, px)
    }

    #[test]
    fn pngs_are_indexed_when_few_colours_and_lossless_either_way() {
        let tree = parse(SVG).unwrap();
        let png = to_png(&tree, 192.0).unwrap();
        let (color, px) = pixels(&png);
        assert_eq!(color, png::ColorType::Indexed, "white, black and the grey edges of text: few colours");
        // the same pixels as the rendering itself
        let pixmap = raster(&tree, 192.0).unwrap();
        let want: Vec<[u8; 4]> = pixmap.pixels().iter().map(|p| [p.red(), p.green(), p.blue(), p.alpha()]).collect();
        assert!(px == want, "indexed PNG differs from the rendering");
        // a gradient has more than 256 colours: RGB
        let many = r##"<svg xmlns="http://www.w3.org/2000/svg" width="2in" height="1in" viewBox="0 0 144 72">
<defs><linearGradient id="g"><stop offset="0" stop-color="#FF0000"/><stop offset="1" stop-color="#0000FF"/></linearGradient></defs>
<rect width="144" height="72" fill="url(#g)"/><rect width="144" height="36" fill="#00FF00" opacity="0.5"/></svg>"##;
        let (color, _) = pixels(&to_png(&parse(many).unwrap(), 192.0).unwrap());
        assert_eq!(color, png::ColorType::Rgb);
    }

    #[test]
    fn a_transparent_background_stays_indexed_with_each_colours_opacity() {
        // no background: a diagram as the builtin provider draws it
        let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" width="2in" height="1in" viewBox="0 0 144 72">
<rect x="10" y="10" width="60" height="40" rx="6" fill="#0072B2" stroke="#1A1A1A"/>
<text x="80" y="40" font-family="sans-serif" font-size="12">label</text></svg>"##;
        let tree = parse(svg).unwrap();
        let png = to_png(&tree, 192.0).unwrap();
        let (color, px) = pixels(&png);
        assert_eq!(color, png::ColorType::Indexed);
        let want: Vec<[u8; 4]> = raster(&tree, 192.0).unwrap().pixels().iter().map(|p| rgba(*p)).collect();
        assert!(px == want, "indexed PNG with tRNS differs from the rendering");
        assert!(px.iter().any(|p| p[3] == 0) && px.iter().any(|p| p[3] > 0 && p[3] < 255));
        // more than 256 colour-and-opacity pairs: RGBA
        let fade = r##"<svg xmlns="http://www.w3.org/2000/svg" width="2in" height="1in" viewBox="0 0 144 72">
<defs><linearGradient id="h"><stop offset="0" stop-color="#FF0000"/><stop offset="1" stop-color="#0000FF"/></linearGradient>
<linearGradient id="v" x2="0" y2="1"><stop offset="0" stop-color="#00FF00" stop-opacity="0"/><stop offset="1" stop-color="#00FF00" stop-opacity="0.8"/></linearGradient></defs>
<rect width="144" height="72" fill="url(#h)" opacity="0.6"/><rect width="144" height="72" fill="url(#v)"/></svg>"##;
        assert_eq!(pixels(&to_png(&parse(fade).unwrap(), 192.0).unwrap()).0, png::ColorType::Rgba);
    }

    #[test]
    fn a_figure_of_a_fractional_pixel_size_fills_its_png_to_the_edge() {
        // 3.3 in at 192 dpi is 633.6 pixels: 634 columns, the last one once half covered.
        let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" width="3.3in" height="2.376in" viewBox="0 0 237.6 171.072">
<rect width="237.6" height="171.072" fill="#FFFFFF"/><rect x="20" y="20" width="100" height="100" fill="#0072B2"/></svg>"##;
        let png = to_png(&parse(svg).unwrap(), 192.0).unwrap();
        let (color, px) = pixels(&png);
        assert_eq!(color, png::ColorType::Indexed);
        let dec = png::Decoder::new(std::io::Cursor::new(&png));
        let info = dec.read_info().unwrap().info().clone();
        assert_eq!((info.width, info.height), (634, 456));
        assert!(px.iter().all(|p| p[3] == 255), "a pixel is not opaque");
        let w = info.width as usize;
        let right_edge = (0..info.height as usize).map(|y| px[y * w + w - 1]);
        assert!(right_edge.into_iter().all(|p| p == [255, 255, 255, 255]), "the last column is not the background");
    }

    #[test]
    fn renders_all_formats_at_declared_size() {
        let arts = render(SVG, &[Format::Svg, Format::Pdf, Format::Png], 192.0).unwrap();
        assert_eq!(arts.iter().map(|a| a.format).collect::<Vec<_>>(), [Format::Svg, Format::Pdf, Format::Png]);
        assert_eq!(arts[0].bytes, SVG.as_bytes());

        let doc = lopdf::Document::load_mem(&arts[1].bytes).unwrap();
        let pages = doc.get_pages();
        assert_eq!(pages.len(), 1);
        let page = doc.get_object(*pages.values().next().unwrap()).unwrap().as_dict().unwrap();
        let mb: Vec<f32> =
            page.get(b"MediaBox").unwrap().as_array().unwrap().iter().map(|o| o.as_float().unwrap()).collect();
        assert!((mb[2] - 144.0).abs() < 0.01 && (mb[3] - 72.0).abs() < 0.01, "{mb:?}");

        let dec = png::Decoder::new(std::io::Cursor::new(&arts[2].bytes));
        let reader = dec.read_info().unwrap();
        let info = reader.info();
        assert_eq!((info.width, info.height), (384, 192));
        let dims = info.pixel_dims.unwrap();
        assert_eq!(dims.xppu, (192.0f64 / 0.0254).round() as u32);
    }

    #[test]
    fn svg_only_needs_no_parse() {
        let arts = render("not svg", &[Format::Svg], 96.0).unwrap();
        assert_eq!(arts[0].bytes, b"not svg");
        assert!(render("not svg", &[Format::Pdf], 96.0).is_err());
    }

    #[test]
    fn measures_text() {
        let w = text_width("Hello", 10.0, false);
        assert!(w > 20.0 && w < 30.0, "{w}");
        assert!(text_width("Hello", 10.0, true) > w);
        assert_eq!(text_width("", 10.0, false), 0.0);
        let m = font_metrics();
        assert!(m.cap_height > 0.6 && m.cap_height < 0.8, "{m:?}");
    }

    #[test]
    fn pdf_with_two_fonts_and_transparency_is_reproducible() {
        let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" width="2in" height="1in" viewBox="0 0 144 72">
<rect x="0" y="0" width="50" height="30" fill="#0072B2" fill-opacity="0.2"/>
<rect x="20" y="10" width="50" height="30" fill="#E69F00" fill-opacity="0.5"/>
<rect x="40" y="20" width="50" height="30" fill="#009E73" fill-opacity="0.85"/>
<text x="10" y="40" font-size="12">Regular</text>
<text x="10" y="60" font-size="12" font-weight="bold">Bold</text>
</svg>"##;
        let tree = parse(svg).unwrap();
        let first = to_pdf(&tree).unwrap();
        assert!(canon::canonicalize(&first).is_some(), "canonicalizer does not understand svg2pdf's output");
        for _ in 0..10 {
            assert!(to_pdf(&parse(svg).unwrap()).unwrap() == first);
        }
        let doc = lopdf::Document::load_mem(&first).unwrap();
        assert_eq!(doc.get_pages().len(), 1);
        let fonts = doc.objects.values().filter(|o| o.as_dict().is_ok_and(|d| d.has(b"FontFile2"))).count();
        assert_eq!(fonts, 2);
    }

    #[test]
    fn deterministic() {
        let a = render(SVG, &[Format::Pdf, Format::Png], 150.0).unwrap();
        let b = render(SVG, &[Format::Pdf, Format::Png], 150.0).unwrap();
        assert_eq!(a[0].bytes, b[0].bytes);
        assert_eq!(a[1].bytes, b[1].bytes);
    }
}
