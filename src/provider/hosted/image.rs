//! A hosted service's PNG → the formats a figure asks for: the PNG itself; an SVG that
//! embeds it (data URL) at the figure's printed width; a PDF of that SVG (the PNG placed
//! on a page of the same size). The height follows the image's aspect ratio, never the
//! directive's height, so the image is never stretched. A JPEG or WebP answer (found by
//! its signature) is decoded and written as PNG first, then goes the same way.
//!
//! Every image a hosted service returns comes through here, and an image's size on the wire
//! says nothing of its size in memory (a 400 KB PNG can hold 20000 × 20000 pixels, 1.2 GB
//! decoded). So the header is read first and the image refused, before anything is
//! decoded, beyond [`MAX_PIXELS`] or [`MAX_DECODED_BYTES`]; that fails its figure alone.

use base64::Engine as _;

use crate::model::{Artifact, Format, OutputSpec, ProviderError};

/// The most pixels taken from a hosted service: 50 megapixels (7071 × 7071; a full A4 page
/// at 600 dpi is 35 megapixels, AutoFigureEdit's 4K is 17).
pub const MAX_PIXELS: u64 = 50_000_000;

/// The most bytes one hosted image may decode to: 256 MiB, which holds 50 megapixels of
/// 8-bit RGBA (200 MB) but not of 16-bit RGBA.
pub const MAX_DECODED_BYTES: usize = 256 * 1024 * 1024;

/// Why a service's image is refused.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum ImageError {
    #[error("an image that is not a valid PNG")]
    NotPng,
    /// A JPEG or WebP image (by its signature) that does not decode.
    #[error("an image that is not a valid {0}")]
    Broken(&'static str),
    #[error("a {width} × {height} image ({:.1} megapixels; paperfig takes at most {} from a hosted service)",
        megapixels(*width, *height), MAX_PIXELS / 1_000_000)]
    TooManyPixels { width: u32, height: u32 },
    #[error("a {width} × {height} image that decodes to {} MiB (paperfig decodes at most {} MiB of a hosted image)",
        bytes.div_ceil(1 << 20), MAX_DECODED_BYTES >> 20)]
    TooManyBytes { width: u32, height: u32, bytes: usize },
}

fn megapixels(width: u32, height: u32) -> f64 {
    f64::from(width) * f64::from(height) / 1e6
}

/// Pixel size of a PNG, checking that it decodes within the limits. The size is read from
/// the header and checked before any pixel buffer is allocated; the decoder's own buffers
/// (rows, metadata) are capped at [`MAX_DECODED_BYTES`] too.
pub fn png_size(bytes: &[u8]) -> Result<(u32, u32), ImageError> {
    let limits = png::Limits { bytes: MAX_DECODED_BYTES };
    let mut decoder = png::Decoder::new_with_limits(std::io::Cursor::new(bytes), limits);
    let header = decoder.read_header_info().map_err(|_| ImageError::NotPng)?;
    let (width, height) = (header.width, header.height);
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(ImageError::TooManyPixels { width, height });
    }
    let mut reader = decoder.read_info().map_err(|_| ImageError::NotPng)?;
    let bytes = reader.output_buffer_size();
    if bytes > MAX_DECODED_BYTES {
        return Err(ImageError::TooManyBytes { width, height, bytes });
    }
    let mut buf = vec![0; bytes];
    reader.next_frame(&mut buf).map_err(|_| ImageError::NotPng)?;
    Ok((width, height))
}

/// A format decoded besides PNG: the decoder's format, its name, its signature test.
type Decoded = (image::ImageFormat, &'static str, fn(&[u8]) -> bool);

/// The formats decoded besides PNG.
const OTHER_FORMATS: [Decoded; 2] = [
    (image::ImageFormat::Jpeg, "JPEG", |b| b.starts_with(b"\xff\xd8\xff")),
    (image::ImageFormat::WebP, "WebP", |b| b.starts_with(b"RIFF") && b.get(8..12) == Some(b"WEBP")),
];

/// Whether bytes start like an image [`as_png`] takes: PNG, JPEG or WebP.
pub fn is_known(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x89PNG\r\n\x1a\n") || OTHER_FORMATS.iter().any(|(_, _, is)| is(bytes))
}

/// A service's image as PNG: a PNG as it is; a JPEG or WebP decoded (its size checked
/// against the limits from its header first) and written as an 8-bit PNG.
pub fn as_png(bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, ImageError> {
    let Some(&(format, name, _)) = OTHER_FORMATS.iter().find(|(_, _, is)| is(bytes)) else {
        return Ok(std::borrow::Cow::Borrowed(bytes));
    };
    let reader = || {
        let mut r = image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
        let mut limits = image::Limits::default();
        limits.max_alloc = Some(MAX_DECODED_BYTES as u64);
        r.limits(limits);
        r
    };
    let (width, height) = reader().into_dimensions().map_err(|_| ImageError::Broken(name))?;
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(ImageError::TooManyPixels { width, height });
    }
    let decoded = reader().decode().map_err(|e| match e {
        image::ImageError::Limits(_) => {
            ImageError::TooManyBytes { width, height, bytes: (width as usize) * (height as usize) * 4 }
        }
        _ => ImageError::Broken(name),
    })?;
    let (color, data) = if decoded.color().has_alpha() {
        (png::ColorType::Rgba, decoded.into_rgba8().into_raw())
    } else {
        (png::ColorType::Rgb, decoded.into_rgb8().into_raw())
    };
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, width, height);
    enc.set_color(color);
    enc.write_header().and_then(|mut w| w.write_image_data(&data)).map_err(|_| ImageError::Broken(name))?;
    Ok(std::borrow::Cow::Owned(out))
}

/// The requested artifacts from an image (PNG, JPEG or WebP) that `provider` returned.
pub fn artifacts(image: &[u8], output: &OutputSpec, provider: &str) -> Result<Vec<Artifact>, ProviderError> {
    let too_large = |e: ImageError| {
        ProviderError::new(format!("{provider} returned {e}")).hint(
            "ask the service for a smaller image (a lower resolution or size in the directive); the limit keeps \
             one figure from taking gigabytes of memory",
        )
    };
    let damaged = |what: &str| {
        ProviderError::new(format!("{provider} returned an image that is not a valid {what} ({} bytes)", image.len()))
            .hint("the service sent a damaged image; run gen again to fetch it anew")
    };
    let png = match as_png(image) {
        Ok(png) => png,
        Err(ImageError::Broken(what)) => return Err(damaged(what)),
        Err(e) => return Err(too_large(e)),
    };
    let png = &png[..];
    let (w, h) = png_size(png).map_err(|e| match e {
        ImageError::NotPng | ImageError::Broken(_) => damaged("PNG"),
        e => too_large(e),
    })?;
    let width_in = output.width_in;
    let height_in = width_in * f64::from(h) / f64::from(w);
    let svg = || {
        let data = base64::engine::general_purpose::STANDARD.encode(png);
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"{width_in:.4}in\" height=\"{height_in:.4}in\" viewBox=\"0 0 {w} {h}\"><image width=\"{w}\" height=\"{h}\" xlink:href=\"data:image/png;base64,{data}\"/></svg>"
        )
    };
    let mut out = Vec::new();
    for &format in &output.formats {
        let bytes = match format {
            Format::Png => png.to_vec(),
            Format::Svg => svg().into_bytes(),
            Format::Pdf => crate::render::to_pdf(&crate::render::parse(&svg())?)?,
        };
        out.push(Artifact { format, bytes });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, w, h);
            enc.set_color(png::ColorType::Rgb);
            let mut wr = enc.write_header().unwrap();
            wr.write_image_data(&vec![200u8; (w * h * 3) as usize]).unwrap();
        }
        out
    }

    #[test]
    fn every_format_from_a_png() {
        let spec = OutputSpec {
            formats: vec![Format::Svg, Format::Pdf, Format::Png],
            width_in: 4.0,
            height_in: 1.0,
            png_dpi: 96.0,
        };
        let p = png(200, 100);
        let arts = artifacts(&p, &spec, "pb").unwrap();
        assert_eq!(arts[2].bytes, p);
        let svg = String::from_utf8(arts[0].bytes.clone()).unwrap();
        assert!(svg.contains("width=\"4.0000in\" height=\"2.0000in\""), "{svg}");
        let doc = lopdf::Document::load_mem(&arts[1].bytes).unwrap();
        let page = doc.get_object(*doc.get_pages().values().next().unwrap()).unwrap().as_dict().unwrap();
        let mb: Vec<f32> =
            page.get(b"MediaBox").unwrap().as_array().unwrap().iter().map(|o| o.as_float().unwrap()).collect();
        assert!((mb[2] - 288.0).abs() < 0.5 && (mb[3] - 144.0).abs() < 0.5, "{mb:?}");
        let images = doc.objects.values().filter(|o| {
            o.as_stream().is_ok_and(|s| s.dict.get(b"Subtype").is_ok_and(|v| v.as_name().is_ok_and(|n| n == b"Image")))
        });
        assert!(images.count() >= 1, "the PDF embeds no image");
    }

    /// A PNG of `w`×`h` black 1-bit pixels, small however large (all-zero rows compress
    /// about 1000:1), written row by row without holding the image.
    fn huge_png(w: u32, h: u32) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, w, h);
            enc.set_color(png::ColorType::Grayscale);
            enc.set_depth(png::BitDepth::One);
            enc.set_compression(png::Compression::Best);
            let mut wr = enc.write_header().unwrap();
            let mut stream = wr.stream_writer().unwrap();
            let row = vec![0u8; w.div_ceil(8) as usize];
            for _ in 0..h {
                std::io::Write::write_all(&mut stream, &row).unwrap();
            }
            stream.finish().unwrap();
        }
        out
    }

    #[test]
    fn images_beyond_the_limits_fail_before_they_are_decoded() {
        let spec = OutputSpec { formats: vec![Format::Png, Format::Pdf], width_in: 3.0, height_in: 2.0, png_dpi: 96.0 };
        let huge = huge_png(20_000, 20_000);
        assert!(huge.len() < 1_000_000, "{} bytes on the wire", huge.len());
        let t = std::time::Instant::now();
        let e = artifacts(&huge, &spec, "pb").unwrap_err();
        assert!(t.elapsed() < std::time::Duration::from_secs(2), "took {:?}", t.elapsed());
        assert_eq!(
            e.message,
            "pb returned a 20000 × 20000 image (400.0 megapixels; paperfig takes at most 50 from a hosted service)"
        );
        assert!(e.hint.as_deref().is_some_and(|h| h.contains("smaller image")), "{e:?}");
        // Within the pixel limit, but 16-bit RGBA: 45 megapixels decode to 343 MiB. Only
        // the header is read, so a 1×1 image's data behind a larger header does.
        let mut wide = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut wide, 1, 1);
            enc.set_color(png::ColorType::Rgba);
            enc.set_depth(png::BitDepth::Sixteen);
            enc.write_header().unwrap().write_image_data(&[0; 8]).unwrap();
        }
        // Signature (8), IHDR length and type (8), width and height (8), then CRC over type+data.
        wide[16..20].copy_from_slice(&9000u32.to_be_bytes());
        wide[20..24].copy_from_slice(&5000u32.to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(&wide[12..29]);
        wide[29..33].copy_from_slice(&crc.sum().to_be_bytes());
        assert_eq!(
            png_size(&wide),
            Err(ImageError::TooManyBytes { width: 9000, height: 5000, bytes: 9000 * 5000 * 8 })
        );
        // A normal image still passes; so does a large one within both limits.
        assert_eq!(png_size(&png(200, 100)), Ok((200, 100)));
        assert_eq!(png_size(&huge_png(7000, 7000)), Ok((7000, 7000)));
        assert_eq!(artifacts(&png(200, 100), &spec, "pb").unwrap().len(), 2);
    }

    /// A `w`×`h` image in `format`, encoded by the image crate: a gradient, with alpha
    /// when asked.
    fn encoded(w: u32, h: u32, alpha: bool, format: image::ImageFormat) -> Vec<u8> {
        let img = image::RgbaImage::from_fn(w, h, |x, y| {
            image::Rgba([(x % 256) as u8, (y % 256) as u8, 90, if alpha { 128 } else { 255 }])
        });
        let img = if alpha {
            image::DynamicImage::ImageRgba8(img)
        } else {
            image::DynamicImage::ImageRgb8(image::DynamicImage::ImageRgba8(img).into_rgb8())
        };
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    #[test]
    fn jpeg_and_webp_answers_become_png_outputs() {
        let spec = OutputSpec { formats: vec![Format::Svg, Format::Png], width_in: 4.0, height_in: 1.0, png_dpi: 96.0 };
        for (format, alpha, color) in [
            (image::ImageFormat::Jpeg, false, png::ColorType::Rgb),
            (image::ImageFormat::WebP, true, png::ColorType::Rgba),
            (image::ImageFormat::WebP, false, png::ColorType::Rgb),
        ] {
            let bytes = encoded(200, 100, alpha, format);
            assert!(!bytes.starts_with(b"\x89PNG"));
            let arts = artifacts(&bytes, &spec, "afe").unwrap();
            let svg = String::from_utf8(arts[0].bytes.clone()).unwrap();
            assert!(svg.contains("width=\"4.0000in\" height=\"2.0000in\""), "{format:?}: {svg}");
            assert!(svg.contains("data:image/png;base64,"), "{format:?}");
            let reader = png::Decoder::new(std::io::Cursor::new(&arts[1].bytes)).read_info().unwrap();
            let info = reader.info();
            assert_eq!((info.width, info.height, info.color_type), (200, 100, color), "{format:?}");
            // The same answer gives the same bytes.
            assert_eq!(artifacts(&bytes, &spec, "afe").unwrap()[1].bytes, arts[1].bytes);
        }
    }

    #[test]
    fn broken_or_huge_jpeg_and_webp_fail_before_decoding() {
        let spec = OutputSpec { formats: vec![Format::Png], width_in: 3.0, height_in: 2.0, png_dpi: 96.0 };
        let e = artifacts(b"\xff\xd8\xff\xe0broken", &spec, "afe").unwrap_err();
        assert!(e.message.starts_with("afe returned an image that is not a valid JPEG"), "{}", e.message);
        let e = artifacts(b"RIFF\x10\0\0\0WEBPVP8 nonsense", &spec, "afe").unwrap_err();
        assert!(e.message.starts_with("afe returned an image that is not a valid WebP"), "{}", e.message);
        // A small JPEG whose frame header claims 20000 × 20000 pixels.
        let mut jpeg = encoded(16, 16, false, image::ImageFormat::Jpeg);
        let sof = jpeg.windows(2).position(|w| w == [0xff, 0xc0]).unwrap();
        jpeg[sof + 5..sof + 7].copy_from_slice(&20_000u16.to_be_bytes());
        jpeg[sof + 7..sof + 9].copy_from_slice(&20_000u16.to_be_bytes());
        let t = std::time::Instant::now();
        assert_eq!(as_png(&jpeg).unwrap_err(), ImageError::TooManyPixels { width: 20_000, height: 20_000 });
        assert!(t.elapsed() < std::time::Duration::from_secs(2), "took {:?}", t.elapsed());
        assert!(artifacts(&jpeg, &spec, "afe").unwrap_err().message.contains("400.0 megapixels"));
    }

    #[test]
    fn a_broken_png_is_an_error() {
        let spec = OutputSpec { formats: vec![Format::Png], width_in: 3.0, height_in: 2.0, png_dpi: 96.0 };
        let e = artifacts(b"\x89PNG\r\n\x1a\nbroken", &spec, "pb").unwrap_err();
        assert!(e.message.contains("pb returned an image that is not a valid PNG"), "{}", e.message);
    }
}
