//! A PNG a service returned → the requested output formats.
//!
//! PNG: the service's bytes unchanged. SVG: one `<image>` holding the PNG as a data URL,
//! `width_in` wide with the PNG's aspect ratio. PDF: that SVG through `crate::render::to_pdf`
//! (svg2pdf embeds the PNG losslessly on a page of the same size).

use base64::Engine;

use crate::provider::{Artifact, Format, OutputSpec, ProviderError};

/// Pixel size of a PNG, read from its header (after checking the signature).
pub fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let header = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().ok()?;
    let info = header.info();
    Some((info.width, info.height))
}

/// The PNG as every format in `output.formats`, in that order. `what` names the service in
/// errors ("the Banana model", "Papermill").
pub fn png_artifacts(png: &[u8], output: &OutputSpec, what: &str) -> Result<Vec<Artifact>, ProviderError> {
    let (w, h) =
        png_size(png).ok_or_else(|| ProviderError::new(format!("{what} returned an image that is not a valid PNG")))?;
    let width_in = output.width_in;
    let height_in = width_in * f64::from(h) / f64::from(w.max(1));
    let data = base64::engine::general_purpose::STANDARD.encode(png);
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" \
         width=\"{width_in:.4}in\" height=\"{height_in:.4}in\" viewBox=\"0 0 {w} {h}\">\
         <image width=\"{w}\" height=\"{h}\" preserveAspectRatio=\"none\" xlink:href=\"data:image/png;base64,{data}\"/>\
         </svg>\n"
    );
    let mut out = Vec::with_capacity(output.formats.len());
    for &format in &output.formats {
        let bytes = match format {
            Format::Png => png.to_vec(),
            Format::Svg => svg.as_bytes().to_vec(),
            Format::Pdf => crate::render::to_pdf(&crate::render::parse(&svg)?)?,
        };
        out.push(Artifact { format, bytes });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny_png(w: u32, h: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        let mut writer = enc.write_header().unwrap();
        writer.write_image_data(&vec![120u8; (w * h * 3) as usize]).unwrap();
        writer.finish().unwrap();
        out
    }

    #[test]
    fn every_format_from_one_png() {
        let png = tiny_png(40, 20);
        let spec = OutputSpec { formats: Format::ALL.to_vec(), width_in: 4.0, height_in: 1.0, png_dpi: 96.0 };
        let out = png_artifacts(&png, &spec, "test").unwrap();
        assert_eq!(out.len(), 3);
        let svg = String::from_utf8(out[0].bytes.clone()).unwrap();
        assert!(svg.contains("height=\"2.0000in\""), "aspect ratio kept: {svg}");
        assert!(out[1].bytes.starts_with(b"%PDF-"));
        let pdf = lopdf::Document::load_mem(&out[1].bytes).unwrap();
        assert_eq!(pdf.get_pages().len(), 1);
        let images = pdf.objects.values().filter(|o| {
            o.as_stream().is_ok_and(|s| s.dict.get(b"Subtype").is_ok_and(|t| t.as_name().is_ok_and(|n| n == b"Image")))
        });
        assert_eq!(images.count(), 1, "the PNG is embedded as one image");
        assert_eq!(out[2].bytes, png);
        assert!(png_artifacts(b"not a png", &spec, "X").unwrap_err().message.contains("X returned"));
    }
}
