//! The text check of a drawn diagram, read from the SVG as written: every `<text>` box in
//! print points (the view box scaled to the figure's size), then three rules: no text
//! under [`MIN_PT`] at print size, every box inside the canvas, no two boxes overlapping.
//! Tests run it over many diagrams; it reads only what `draw` writes (one line per
//! `<text>`, attributes in double quotes, no transforms).

use crate::render;

/// The smallest text size a printed figure may have, in points.
pub const MIN_PT: f64 = 7.0;

/// One text line as printed: its box in points from the figure's top left, and its size.
#[derive(Clone, Debug, PartialEq)]
pub struct TextBox {
    pub text: String,
    pub pt: f64,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// The figure's size in points and every text line's box, or why the SVG could not be read.
pub fn text_boxes(svg: &str) -> Result<((f64, f64), Vec<TextBox>), String> {
    let head = svg.split('>').next().ok_or("no <svg> element")?;
    let inches = |name: &str| -> Result<f64, String> {
        attr(head, name)
            .and_then(|v| v.strip_suffix("in"))
            .and_then(|v| v.parse::<f64>().ok())
            .ok_or_else(|| format!("<svg> has no {name} in inches"))
    };
    let (w_in, h_in) = (inches("width")?, inches("height")?);
    let vb: Vec<f64> = attr(head, "viewBox")
        .ok_or("<svg> has no viewBox")?
        .split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect();
    let [vx, vy, vw, _] = vb[..] else { return Err("viewBox is not four numbers".into()) };
    let s = w_in * 72.0 / vw;
    let m = render::font_metrics();
    let mut out = Vec::new();
    for piece in svg.split("<text ").skip(1) {
        let (open, rest) = piece.split_once('>').ok_or("unclosed <text>")?;
        let open = &format!(" {open}");
        let content = rest.split("</text>").next().unwrap_or("");
        let text = content.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&");
        let num = |name: &str| attr(open, name).and_then(|v| v.parse::<f64>().ok());
        let (Some(x), Some(y), Some(size)) = (num("x"), num("y"), num("font-size")) else {
            return Err(format!("<text> without x, y or font-size: {open}"));
        };
        let bold = attr(open, "font-weight") == Some("bold");
        let w = render::text_width(&text, size, bold);
        let x0 = match attr(open, "text-anchor") {
            Some("middle") => x - w / 2.0,
            Some("end") => x - w,
            _ => x,
        };
        let y0 = y - m.ascender * size;
        out.push(TextBox {
            text,
            pt: size * s,
            x: (x0 - vx) * s,
            y: (y0 - vy) * s,
            w: w * s,
            h: (m.ascender + m.descender) * size * s,
        });
    }
    Ok(((w_in * 72.0, h_in * 72.0), out))
}

/// The value of `name="..."` in an element's opening tag.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let pat = format!(" {name}=\"");
    let start = tag.find(&pat)? + pat.len();
    tag[start..].split('"').next()
}

/// Checks the three rules; the error lists every broken one.
pub fn check_text(svg: &str) -> Result<(), String> {
    let ((cw, ch), boxes) = text_boxes(svg)?;
    let mut problems = Vec::new();
    let eps = 0.01;
    for b in &boxes {
        if b.pt < MIN_PT - 1e-6 {
            problems.push(format!("`{}` is {:.2} pt", b.text, b.pt));
        }
        if b.x < -eps || b.y < -eps || b.x + b.w > cw + eps || b.y + b.h > ch + eps {
            problems.push(format!("`{}` leaves the {cw:.1} × {ch:.1} pt canvas: {b:?}", b.text));
        }
    }
    for (i, a) in boxes.iter().enumerate() {
        for b in &boxes[i + 1..] {
            let apart =
                a.x + a.w <= b.x + eps || b.x + b.w <= a.x + eps || a.y + a.h <= b.y + eps || b.y + b.h <= a.y + eps;
            if !apart {
                problems.push(format!("`{}` overlaps `{}`", a.text, b.text));
            }
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(problems.join("\n")) }
}

/// The smallest text size in a drawn diagram, in points at print size.
pub fn min_text_pt(svg: &str) -> Option<f64> {
    text_boxes(svg).ok()?.1.iter().map(|b| b.pt).reduce(f64::min)
}
