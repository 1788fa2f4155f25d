//! A hosted service's PNG → the formats a figure asks for: the PNG itself; an SVG that
//! embeds it (data URL) at the figure's printed width; a PDF of that SVG (the PNG placed
//! on a page of the same size). The height follows the image's aspect ratio, never the
//! directive's height, so the image is never stretched.

use base64::Engine as _;

use crate::model::{Artifact, Format, OutputSpec, ProviderError};

/// Pixel size of a PNG, checking that it decodes.
pub fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().ok()?;
    let (w, h) = (reader.info().width, reader.info().height);
    let mut buf = vec![0; reader.output_buffer_size()];
    reader.next_frame(&mut buf).ok()?;
    Some((w, h))
}

/// The requested artifacts from a PNG that `provider` returned.
pub fn artifacts(png: &[u8], output: &OutputSpec, provider: &str) -> Result<Vec<Artifact>, ProviderError> {
    let (w, h) = png_size(png).ok_or_else(|| {
        ProviderError::new(format!("{provider} returned an image that is not a valid PNG ({} bytes)", png.len()))
            .hint("the service sent a damaged image; run gen again to fetch it anew")
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

    #[test]
    fn a_broken_png_is_an_error() {
        let spec = OutputSpec { formats: vec![Format::Png], width_in: 3.0, height_in: 2.0, png_dpi: 96.0 };
        let e = artifacts(b"\x89PNG\r\n\x1a\nbroken", &spec, "pb").unwrap_err();
        assert!(e.message.contains("pb returned an image that is not a valid PNG"), "{}", e.message);
    }
}
