//! Reference marks drawn with the data: horizontal and vertical lines (`hline=0.5:chance`),
//! shaded x ranges (`band=2020-03-01,2020-06-01:lockdown`) and text notes at a data point
//! (`note=12,0.8:peak`). Several are separated by `;`. Positions are numbers, or ISO dates
//! on a time axis.

use std::collections::BTreeMap;

use plotters::style::text_anchor::{HPos, VPos};

use super::axes::{AxisKind, Frame};
use super::canvas::{Anchor, Canvas};
use super::spec::ChartType;
use super::style::*;
use crate::model::ProviderError;

/// Grey of reference lines and band labels, darker than the grid.
const REF: plotters::style::RGBColor = plotters::style::RGBColor(0x59, 0x59, 0x59);
const REF_W: f64 = 0.8;
const BAND: plotters::style::RGBColor = plotters::style::RGBColor(0x99, 0x99, 0x99);
const BAND_FILL: f64 = 0.15;
const DASH: (f64, f64) = (3.0, 2.0);

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Refs {
    pub hlines: Vec<(f64, String)>,
    pub vlines: Vec<(f64, String)>,
    pub bands: Vec<(f64, f64, String)>,
    pub notes: Vec<(f64, f64, String)>,
}

fn value(s: &str) -> Option<f64> {
    let s = s.trim();
    s.parse::<f64>().ok().filter(|v| v.is_finite()).or_else(|| super::time::parse(s))
}

fn bad(attr: &str, item: &str, form: &str) -> ProviderError {
    ProviderError::new(format!("invalid {attr}= item `{}`", item.trim()))
        .at_attr(attr)
        .hint(format!("write {form}; separate several with `;`"))
}

/// The `;`-separated items of an attribute, each split into its position and label: the
/// label follows the first `:` after which the position reads whole (so the colons of a
/// time such as `2023-03-05T12:30` stay in the position).
fn items<'a>(attrs: &'a BTreeMap<String, String>, name: &str) -> Vec<(&'a str, String)> {
    let parses = |s: &str| s.split(',').all(|p| value(p).is_some());
    let split = |item: &'a str| -> (&'a str, String) {
        if parses(item) {
            return (item, String::new());
        }
        item.match_indices(':')
            .find(|(i, _)| parses(&item[..*i]))
            .map_or((item, String::new()), |(i, _)| (&item[..i], item[i + 1..].trim().to_string()))
    };
    attrs.get(name).map_or_else(Vec::new, |v| v.split(';').filter(|s| !s.trim().is_empty()).map(split).collect())
}

impl Refs {
    pub fn parse(attrs: &BTreeMap<String, String>) -> Result<Refs, ProviderError> {
        let mut r = Refs::default();
        for (name, list) in [("hline", &mut r.hlines), ("vline", &mut r.vlines)] {
            for (at, label) in items(attrs, name) {
                let v = value(at).ok_or_else(|| bad(name, at, &format!("`{name}=VALUE` or `{name}=VALUE:label`")))?;
                list.push((v, label));
            }
        }
        for (at, label) in items(attrs, "band") {
            let form = "`band=FROM,TO` or `band=FROM,TO:label` (an x range)";
            let (a, b) = at.split_once(',').ok_or_else(|| bad("band", at, form))?;
            let (a, b) =
                (value(a).ok_or_else(|| bad("band", at, form))?, value(b).ok_or_else(|| bad("band", at, form))?);
            r.bands.push((a.min(b), a.max(b), label));
        }
        for (at, label) in items(attrs, "note") {
            let form = "`note=X,Y:text`";
            let (x, y) = at.split_once(',').ok_or_else(|| bad("note", at, form))?;
            let (x, y) =
                (value(x).ok_or_else(|| bad("note", at, form))?, value(y).ok_or_else(|| bad("note", at, form))?);
            if label.is_empty() {
                return Err(bad("note", at, form));
            }
            r.notes.push((x, y, label));
        }
        Ok(r)
    }

    /// Refuses marks a chart has no axis for: x positions on a category axis, any mark on
    /// a heatmap.
    pub fn check(&self, chart: ChartType, categorical_x: bool) -> Result<(), ProviderError> {
        let x_marks =
            [("vline", !self.vlines.is_empty()), ("band", !self.bands.is_empty()), ("note", !self.notes.is_empty())];
        let no_x =
            categorical_x || matches!(chart, ChartType::Bar | ChartType::Barh | ChartType::Box | ChartType::Violin);
        for (attr, used) in x_marks {
            if used && (no_x || chart == ChartType::Heatmap) {
                return Err(ProviderError::new(format!("{attr}= needs a numeric or time x axis"))
                    .at_attr(attr)
                    .hint("categories have no positions between them; use hline= for a reference value"));
            }
        }
        if chart == ChartType::Heatmap && !self.hlines.is_empty() {
            return Err(ProviderError::new("a heatmap has no value axis for hline=").at_attr("hline"));
        }
        Ok(())
    }

    /// The y range widened to show every horizontal line and note.
    pub fn extend_y(&self, lo: f64, hi: f64) -> (f64, f64) {
        let ys = self.hlines.iter().map(|h| h.0).chain(self.notes.iter().map(|n| n.1));
        ys.fold((lo, hi), |(l, h), v| (l.min(v), h.max(v)))
    }

    /// The x range widened to show every vertical line, band and note.
    pub fn extend_x(&self, lo: f64, hi: f64) -> (f64, f64) {
        let xs = self
            .vlines
            .iter()
            .map(|v| v.0)
            .chain(self.bands.iter().flat_map(|b| [b.0, b.1]))
            .chain(self.notes.iter().map(|n| n.0));
        xs.fold((lo, hi), |(l, h), v| (l.min(v), h.max(v)))
    }

    /// Bands, under the data.
    pub fn draw_under(&self, c: &mut Canvas, f: &Frame) {
        let p = f.plot;
        for (a, b, label) in &self.bands {
            let (x0, x1) = (f.x.pos(f.x.clamp(*a)).max(p.x0), f.x.pos(f.x.clamp(*b)).min(p.x1));
            c.rect(x0, p.y0, x1, p.y1, BAND, BAND_FILL);
            if !label.is_empty() && text_w(label, TICK_PT, false) + 2.0 * GAP <= x1 - x0 {
                c.text_colored(
                    (x0 + x1) / 2.0,
                    p.y0 + GAP,
                    label,
                    TICK_PT,
                    false,
                    Anchor::new(HPos::Center, VPos::Top),
                    false,
                    REF,
                );
            }
        }
    }

    /// Lines and notes, over the data.
    pub fn draw_over(&self, c: &mut Canvas, f: &Frame) {
        let p = f.plot;
        let inside = |lo: f64, hi: f64, v: f64| v >= lo.min(hi) - 0.01 && v <= lo.max(hi) + 0.01;
        for (v, label) in &self.hlines {
            let y = f.y.pos(*v);
            if !matches!(f.y.kind, AxisKind::Num { .. }) || !inside(p.y0, p.y1, y) {
                continue;
            }
            dashed(c, (p.x0, y), (p.x1, y));
            if !label.is_empty() {
                // above the line, or below it when it runs along the top of the plot
                let above = y - GAP - cap_h(TICK_PT) - 1.0 >= p.y0;
                let (ly, v) = if above { (y - GAP, VPos::Bottom) } else { (y + GAP, VPos::Top) };
                haloed(c, (p.x1 - GAP, ly), label, (HPos::Right, v), REF);
            }
        }
        for (v, label) in &self.vlines {
            let x = f.x.pos(*v);
            if !matches!(f.x.kind, AxisKind::Num { .. }) || !inside(p.x0, p.x1, x) {
                continue;
            }
            dashed(c, (x, p.y1), (x, p.y0));
            if !label.is_empty() {
                // to the left of the line when it would run past the plot's right edge
                let right = x + GAP + text_w(label, TICK_PT, false) > p.x1;
                let (lx, h) = if right { (x - GAP, HPos::Right) } else { (x + GAP, HPos::Left) };
                haloed(c, (lx, p.y0 + GAP), label, (h, VPos::Top), REF);
            }
        }
        for (x, y, label) in &self.notes {
            let (px, py) = (f.x.pos(*x), f.y.pos(*y));
            if !inside(p.x0, p.x1, px) || !inside(p.y0, p.y1, py) {
                continue;
            }
            c.circle(px, py, 1.2, TEXT, 1.0);
            // to the left of the point when the text would run past the plot's right edge
            let w = text_w(label, TICK_PT, false);
            let (x, h) = if px + GAP + w > p.x1 { (px - GAP, HPos::Right) } else { (px + GAP, HPos::Left) };
            haloed(c, (x, py - GAP), label, (h, VPos::Bottom), TEXT);
        }
    }
}

/// A label on a white ground (so it reads over lines and bands), anchored at `at`.
fn haloed(c: &mut Canvas, at: (f64, f64), text: &str, anchor: (HPos, VPos), ink: plotters::style::RGBColor) {
    let (w, h) = (text_w(text, TICK_PT, false), cap_h(TICK_PT));
    let x0 = match anchor.0 {
        HPos::Left => at.0,
        HPos::Right => at.0 - w,
        HPos::Center => at.0 - w / 2.0,
    };
    let y0 = match anchor.1 {
        VPos::Top => at.1,
        VPos::Bottom => at.1 - h,
        VPos::Center => at.1 - h / 2.0,
    };
    c.rect(x0 - 1.0, y0 - 1.0, x0 + w + 1.0, y0 + h + 1.5, WHITE, 0.85);
    c.text_colored(at.0, at.1, text, TICK_PT, false, Anchor::new(anchor.0, anchor.1), false, ink);
}

/// A dashed reference line from `a` to `b`.
fn dashed(c: &mut Canvas, a: (f64, f64), b: (f64, f64)) {
    let len = (b.0 - a.0).hypot(b.1 - a.1);
    if len <= 0.0 {
        return;
    }
    let (dx, dy) = ((b.0 - a.0) / len, (b.1 - a.1) / len);
    let mut t = 0.0;
    while t < len {
        let e = (t + DASH.0).min(len);
        c.line(a.0 + dx * t, a.1 + dy * t, a.0 + dx * e, a.1 + dy * e, REF, REF_W);
        t += DASH.0 + DASH.1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(pairs: &[(&str, &str)]) -> Result<Refs, ProviderError> {
        Refs::parse(&pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn reads_lines_bands_and_notes() {
        let r = refs(&[
            ("hline", "0.5:chance; 0.9"),
            ("vline", "2023-03-05T12:30"),
            ("band", "2020-06-01,2020-03-01:lockdown"),
            ("note", "12,0.8:peak: 0.8"),
        ])
        .unwrap();
        assert_eq!(r.hlines, [(0.5, "chance".to_string()), (0.9, String::new())]);
        assert_eq!(r.vlines, [(super::super::time::parse("2023-03-05T12:30").unwrap(), String::new())]);
        let (a, b) =
            (super::super::time::parse("2020-03-01").unwrap(), super::super::time::parse("2020-06-01").unwrap());
        assert_eq!(r.bands, [(a, b, "lockdown".to_string())]);
        assert_eq!(r.notes, [(12.0, 0.8, "peak: 0.8".to_string())]);
        assert_eq!(r.extend_y(0.6, 0.7), (0.5, 0.9));
    }

    #[test]
    fn bad_items_name_the_attribute() {
        for (attr, v) in [("hline", "half"), ("band", "1"), ("note", "1,2"), ("note", "x,2:t")] {
            let e = refs(&[(attr, v)]).unwrap_err();
            assert_eq!(e.attr.as_deref(), Some(attr), "{v}");
        }
        let r = refs(&[("vline", "3")]).unwrap();
        assert_eq!(r.check(ChartType::Bar, true).unwrap_err().attr.as_deref(), Some("vline"));
        assert!(r.check(ChartType::Line, false).is_ok());
    }
}
