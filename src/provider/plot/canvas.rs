//! The drawing surface of builtin plots: a plotters canvas whose backend writes print-ready SVG.
//!
//! Plots are drawn through a plotters `DrawingArea` in points; the backend maps them to
//! integer SVG units of 1/10 pt (fine enough that rounding never shows) and writes:
//! - a root `<svg width="3.3in" height="2.4in" viewBox="0 0 2376 1728">`, so the printed
//!   size is exact and one unit is 1/10 pt;
//! - `fill-opacity` / `stroke-opacity` instead of plotters' `opacity=` (which svg2pdf turns
//!   into one transparency group per element);
//! - text at its real size in points (plotters' own SVG backend divides sizes by 1.24),
//!   with the baseline computed from the font's cap height instead of `dy` em hacks, and a
//!   `font-family` list that keeps Arial-metric text in browsers without Liberation Sans.

use std::cell::RefCell;
use std::convert::Infallible;
use std::fmt::Write as _;
use std::rc::Rc;

use plotters::coord::Shift;
use plotters::element::{Circle, PathElement, Polygon, Rectangle, Text};
use plotters::prelude::DrawingArea;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, FontDesc, FontFamily, FontStyle, FontTransform, RGBColor, ShapeStyle, TextStyle};
use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind};

use super::style;
use crate::model::ProviderError;
use crate::render;

/// A rectangle in points, y downwards.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl Rect {
    pub fn w(&self) -> f64 {
        self.x1 - self.x0
    }
    pub fn h(&self) -> f64 {
        self.y1 - self.y0
    }
    pub fn overlaps(&self, o: &Rect) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }
}

/// SVG units per point.
pub const UNITS: f64 = 10.0;

fn u(pt: f64) -> i32 {
    (pt * UNITS).round() as i32
}

fn num(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

fn num4(v: f64) -> String {
    let s = format!("{v:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn hex(c: BackendColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.rgb.0, c.rgb.1, c.rgb.2)
}

/// A plotters backend that appends SVG elements to a string.
struct PaperSvg {
    buf: String,
    size: (u32, u32),
}

impl PaperSvg {
    /// Ends a shape element: filled with the style's colour, or outlined with it.
    fn fill_or_stroke<S: BackendStyle>(&mut self, s: &S, fill: bool) {
        if fill {
            self.paint("fill", s.color());
        } else {
            self.buf.push_str(" fill=\"none\"");
            self.stroke(s.color(), s.stroke_width());
        }
        self.buf.push_str("/>\n");
    }

    fn paint(&mut self, kind: &str, c: BackendColor) {
        let _ = write!(self.buf, " {kind}=\"{}\"", hex(c));
        if c.alpha < 1.0 {
            let _ = write!(self.buf, " {kind}-opacity=\"{}\"", num(c.alpha));
        }
    }
    fn stroke(&mut self, c: BackendColor, w: u32) {
        self.paint("stroke", c);
        let _ = write!(self.buf, " stroke-width=\"{w}\"");
    }
    fn points<I: IntoIterator<Item = BackendCoord>>(&mut self, pts: I) {
        self.buf.push_str(" points=\"");
        for (i, (x, y)) in pts.into_iter().enumerate() {
            if i > 0 {
                self.buf.push(' ');
            }
            let _ = write!(self.buf, "{x},{y}");
        }
        self.buf.push('"');
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

impl DrawingBackend for PaperSvg {
    type ErrorType = Infallible;

    fn get_size(&self) -> (u32, u32) {
        self.size
    }
    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Infallible>> {
        Ok(())
    }
    fn present(&mut self) -> Result<(), DrawingErrorKind<Infallible>> {
        Ok(())
    }
    fn draw_pixel(&mut self, p: BackendCoord, c: BackendColor) -> Result<(), DrawingErrorKind<Infallible>> {
        self.draw_rect(p, (p.0 + 1, p.1 + 1), &c, true)
    }
    fn draw_line<S: BackendStyle>(
        &mut self,
        a: BackendCoord,
        b: BackendCoord,
        s: &S,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        self.draw_path([a, b], s)
    }
    fn draw_rect<S: BackendStyle>(
        &mut self,
        a: BackendCoord,
        b: BackendCoord,
        s: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        if s.color().alpha == 0.0 {
            return Ok(());
        }
        let (x, y) = (a.0.min(b.0), a.1.min(b.1));
        let (w, h) = ((b.0 - a.0).abs(), (b.1 - a.1).abs());
        let _ = write!(self.buf, "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\"");
        self.fill_or_stroke(s, fill);
        Ok(())
    }
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        s: &S,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        if s.color().alpha == 0.0 {
            return Ok(());
        }
        self.buf.push_str("<polyline fill=\"none\"");
        self.stroke(s.color(), s.stroke_width());
        self.buf.push_str(" stroke-linejoin=\"round\" stroke-linecap=\"butt\"");
        self.points(path);
        self.buf.push_str("/>\n");
        Ok(())
    }
    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        s: &S,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        if s.color().alpha == 0.0 {
            return Ok(());
        }
        self.buf.push_str("<polygon");
        self.paint("fill", s.color());
        self.points(vert);
        self.buf.push_str("/>\n");
        Ok(())
    }
    fn draw_circle<S: BackendStyle>(
        &mut self,
        c: BackendCoord,
        r: u32,
        s: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        if s.color().alpha == 0.0 {
            return Ok(());
        }
        let _ = write!(self.buf, "<circle cx=\"{}\" cy=\"{}\" r=\"{r}\"", c.0, c.1);
        self.fill_or_stroke(s, fill);
        Ok(())
    }
    fn draw_text<T: BackendTextStyle>(
        &mut self,
        text: &str,
        s: &T,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        let size = s.size();
        let cap = render::font_metrics().cap_height * size;
        // Baseline offset in the text's own (possibly rotated) frame: VPos names where
        // the anchor sits on the capitals (top, middle) or the baseline (bottom).
        let dy = match s.anchor().v_pos {
            VPos::Top => cap,
            VPos::Center => cap / 2.0,
            VPos::Bottom => 0.0,
        };
        let anchor = match s.anchor().h_pos {
            HPos::Left => "start",
            HPos::Center => "middle",
            HPos::Right => "end",
        };
        let (x, y) = pos;
        let _ = write!(
            self.buf,
            "<text x=\"{x}\" y=\"{}\" font-family=\"{}, Arial, Helvetica, sans-serif\" font-size=\"{}\" text-anchor=\"{anchor}\"",
            num(f64::from(y) + dy),
            render::FONT_FAMILY,
            num(size),
        );
        if matches!(s.style(), FontStyle::Bold) {
            self.buf.push_str(" font-weight=\"bold\"");
        }
        self.paint("fill", s.color());
        let angle = match s.transform() {
            FontTransform::Rotate90 => 90,
            FontTransform::Rotate180 => 180,
            FontTransform::Rotate270 => -90,
            FontTransform::None => 0,
        };
        if angle != 0 {
            let _ = write!(self.buf, " transform=\"rotate({angle} {x} {y})\"");
        }
        match power_of_ten_exponent(text) {
            // `10ⁿ` tick labels: the exponent as a raised tspan of ordinary digits, so the
            // font needs no superscript glyphs (Liberation Sans lacks ⁰ and ⁴–⁹).
            // Smaller than the base, but never under the 7 pt floor of the house style.
            Some(exp) => {
                let small = (size * 0.7).max(7.0 * UNITS);
                let _ = writeln!(
                    self.buf,
                    ">10<tspan baseline-shift=\"super\" font-size=\"{}\">{exp}</tspan></text>",
                    num(small)
                );
            }
            None => {
                let _ = writeln!(self.buf, ">{}</text>", escape(text));
            }
        }
        Ok(())
    }
}

/// For a label `10ⁿ` written with Unicode superscripts (see `style::fmt_pow10`), the
/// exponent in ordinary characters (`-12`).
fn power_of_ten_exponent(text: &str) -> Option<String> {
    const SUP: &str = "⁰¹²³⁴⁵⁶⁷⁸⁹";
    let rest = text.strip_prefix("10")?;
    let mut out = String::new();
    for c in rest.chars() {
        match (c, SUP.chars().position(|d| d == c)) {
            ('⁻', _) if out.is_empty() => out.push('\u{2212}'),
            (_, Some(d)) => out.push(char::from(b'0' + d as u8)),
            _ => return None,
        }
    }
    out.chars().any(|c| c.is_ascii_digit()).then_some(out)
}

#[cfg(test)]
mod power_tests {
    #[test]
    fn superscript_labels_become_exponents() {
        assert_eq!(super::power_of_ten_exponent("10²⁰").as_deref(), Some("20"));
        assert_eq!(super::power_of_ten_exponent("10⁻⁴").as_deref(), Some("\u{2212}4"));
        assert_eq!(super::power_of_ten_exponent("100"), None);
        assert_eq!(super::power_of_ten_exponent("10⁻"), None);
        assert_eq!(super::power_of_ten_exponent("R²"), None);
    }
}

/// Text placement: where the anchor point is on the text.
#[derive(Clone, Copy)]
pub struct Anchor {
    pub h: HPos,
    pub v: VPos,
}

impl Anchor {
    pub const fn new(h: HPos, v: VPos) -> Anchor {
        Anchor { h, v }
    }
}

/// One figure being drawn, in points from the top-left corner.
pub struct Canvas {
    backend: Rc<RefCell<PaperSvg>>,
    area: DrawingArea<PaperSvg, Shift>,
    pub width: f64,
    pub height: f64,
    width_in: f64,
    height_in: f64,
    /// Characters drawn that the embedded font lacks (they would silently vanish).
    missing: Vec<(char, String)>,
}

fn shape(c: RGBColor, opacity: f64, filled: bool, width_pt: f64) -> ShapeStyle {
    let color = c.mix(opacity);
    ShapeStyle { color, filled, stroke_width: (width_pt * UNITS).round().max(1.0) as u32 }
}

impl Canvas {
    /// A blank white canvas of the given printed size.
    pub fn new(width_in: f64, height_in: f64) -> Canvas {
        style::init();
        let (w, h) = ((width_in * 72.0 * UNITS).ceil() as u32, (height_in * 72.0 * UNITS).ceil() as u32);
        let backend = Rc::new(RefCell::new(PaperSvg { buf: String::with_capacity(16 * 1024), size: (w, h) }));
        let area = DrawingArea::from(&backend);
        let mut c = Canvas {
            backend,
            area,
            width: width_in * 72.0,
            height: height_in * 72.0,
            width_in,
            height_in,
            missing: Vec::new(),
        };
        c.rect(0.0, 0.0, c.width, c.height, style::WHITE, 1.0);
        c
    }

    pub fn rect(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, fill: RGBColor, opacity: f64) {
        let r = Rectangle::new([(u(x0), u(y0)), (u(x1), u(y1))], shape(fill, opacity, true, 0.0));
        let _ = self.area.draw(&r);
    }

    pub fn line(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, c: RGBColor, width: f64) {
        self.polyline(&[(x0, y0), (x1, y1)], c, width, 1.0);
    }

    pub fn polyline(&mut self, pts: &[(f64, f64)], c: RGBColor, width: f64, opacity: f64) {
        if pts.len() < 2 {
            return;
        }
        let p: Vec<(i32, i32)> = pts.iter().map(|&(x, y)| (u(x), u(y))).collect();
        let _ = self.area.draw(&PathElement::new(p, shape(c, opacity, false, width)));
    }

    pub fn polygon(&mut self, pts: &[(f64, f64)], fill: RGBColor, opacity: f64) {
        if pts.len() < 3 {
            return;
        }
        let p: Vec<(i32, i32)> = pts.iter().map(|&(x, y)| (u(x), u(y))).collect();
        let _ = self.area.draw(&Polygon::new(p, shape(fill, opacity, true, 0.0)));
    }

    pub fn circle(&mut self, cx: f64, cy: f64, r: f64, fill: RGBColor, opacity: f64) {
        let r = (r * UNITS).round().max(1.0) as u32;
        let _ = self.area.draw(&Circle::new((u(cx), u(cy)), r, shape(fill, opacity, true, 0.0)));
    }

    /// Text at `size` pt; `vertical` turns it to read bottom-to-top.
    #[allow(clippy::too_many_arguments)]
    pub fn text(&mut self, x: f64, y: f64, s: &str, size: f64, bold: bool, at: Anchor, vertical: bool) {
        self.text_colored(x, y, s, size, bold, at, vertical, style::TEXT);
    }

    /// `text` in another colour (value labels inside bars).
    #[allow(clippy::too_many_arguments)]
    pub fn text_colored(
        &mut self,
        x: f64,
        y: f64,
        s: &str,
        size: f64,
        bold: bool,
        at: Anchor,
        vertical: bool,
        color: RGBColor,
    ) {
        if s.is_empty() {
            return;
        }
        // `10ⁿ` labels are drawn with ordinary digits (see `power_of_ten_exponent`).
        let drawn = power_of_ten_exponent(s).map_or_else(|| s.to_string(), |e| format!("10{e}"));
        for ch in drawn.chars().filter(|c| !render::font_has_glyphs(&c.to_string())) {
            if !self.missing.iter().any(|m| m.0 == ch) {
                self.missing.push((ch, s.to_string()));
            }
        }
        let fstyle = if bold { FontStyle::Bold } else { FontStyle::Normal };
        let font = FontDesc::new(FontFamily::SansSerif, size * UNITS, fstyle);
        let mut ts = TextStyle::from(font).color(&color).pos(Pos::new(at.h, at.v));
        if vertical {
            ts = ts.transform(FontTransform::Rotate270);
        }
        let _ = self.area.draw(&Text::new(s.to_string(), (u(x), u(y)), ts));
    }

    /// A data marker of the given shape, centred on (x, y).
    pub fn marker(&mut self, m: style::Marker, x: f64, y: f64, r: f64, c: RGBColor, opacity: f64) {
        use style::Marker::*;
        let poly = |n: usize, rot: f64, rr: f64| -> Vec<(f64, f64)> {
            (0..n)
                .map(|i| {
                    let a = rot + i as f64 * std::f64::consts::TAU / n as f64;
                    (x + rr * a.cos(), y + rr * a.sin())
                })
                .collect()
        };
        let half_pi = std::f64::consts::FRAC_PI_2;
        match m {
            Circle => self.circle(x, y, r, c, opacity),
            Square => self.polygon(
                &[
                    (x - r * 0.88, y - r * 0.88),
                    (x + r * 0.88, y - r * 0.88),
                    (x + r * 0.88, y + r * 0.88),
                    (x - r * 0.88, y + r * 0.88),
                ],
                c,
                opacity,
            ),
            TriangleUp => self.polygon(&poly(3, -half_pi, r * 1.3), c, opacity),
            TriangleDown => self.polygon(&poly(3, half_pi, r * 1.3), c, opacity),
            Diamond => self.polygon(&poly(4, 0.0, r * 1.25), c, opacity),
            Pentagon => self.polygon(&poly(5, -half_pi, r * 1.15), c, opacity),
        }
    }

    /// The finished SVG document; an error when some text has characters the embedded font
    /// cannot show.
    pub fn finish(self) -> Result<String, ProviderError> {
        let Canvas { backend, area, width, height, width_in, height_in, missing } = self;
        if let Some((ch, text)) = missing.first() {
            let all: String = missing.iter().map(|m| m.0).collect();
            return Err(ProviderError::new(format!("the text `{text}` has a character ({ch:?}) that the embedded font cannot show"))
                .hint(format!("the builtin plots use Liberation Sans (Latin, Greek, Cyrillic and common symbols); replace {all:?} in the data or the attributes")));
        }
        drop(area);
        let buf = std::mem::take(&mut backend.borrow_mut().buf);
        let mut out = String::with_capacity(buf.len() + 256);
        let _ = writeln!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}in\" height=\"{}in\" viewBox=\"0 0 {} {}\">",
            num4(width_in),
            num4(height_in),
            num(width * UNITS),
            num(height * UNITS),
        );
        out.push_str(&buf);
        out.push_str("</svg>\n");
        Ok(out)
    }
}
