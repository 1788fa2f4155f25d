//! Legends: entries with a swatch per series, measured, laid out in a column (right,
//! inside) or in wrapped rows (top), and drawn.

use plotters::style::RGBColor;
use plotters::style::text_anchor::{HPos, VPos};

use super::canvas::{Anchor, Canvas, Rect};
use super::style::{self, *};

/// Where the legend goes (`legend=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LegendPos {
    /// Inside the plot in the emptiest corner when there is more than one series, else none;
    /// moved to the top when every corner would cover data.
    Auto,
    None,
    Top,
    Right,
    Inside,
}

/// What a legend entry shows next to its text.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Swatch {
    Bar { color: RGBColor, opacity: f64 },
    Line { color: RGBColor, marker: Option<Marker>, band: bool, dash: &'static [f64] },
    Marker { marker: Marker, color: RGBColor },
}

#[derive(Clone, Debug, Default)]
pub struct Legend {
    pub items: Vec<(String, Swatch)>,
}

const LINE_SWATCH: f64 = 13.0;
const BOX_SWATCH: f64 = 6.5;
const SWATCH_GAP: f64 = 3.0;
const ITEM_GAP: f64 = 9.0;
const INSET: f64 = 2.0;

fn swatch_w(s: &Swatch) -> f64 {
    match s {
        Swatch::Line { .. } => LINE_SWATCH,
        Swatch::Bar { .. } | Swatch::Marker { .. } => BOX_SWATCH,
    }
}

fn row_h() -> f64 {
    style::line_h(LEGEND_PT) + 1.0
}

impl Legend {
    fn item_w(&self, i: usize) -> f64 {
        let (label, s) = &self.items[i];
        swatch_w(s) + SWATCH_GAP + text_w(label, LEGEND_PT, false)
    }

    /// Rows of item indices when flowing left to right within `max_w`.
    fn rows(&self, max_w: f64) -> Vec<Vec<usize>> {
        let mut rows: Vec<Vec<usize>> = Vec::new();
        let mut w = 0.0;
        for i in 0..self.items.len() {
            let iw = self.item_w(i);
            match rows.last_mut() {
                Some(r) if w + ITEM_GAP + iw <= max_w + 1e-6 => {
                    r.push(i);
                    w += ITEM_GAP + iw;
                }
                _ => {
                    rows.push(vec![i]);
                    w = iw;
                }
            }
        }
        rows
    }

    fn row_w(&self, row: &[usize]) -> f64 {
        row.iter().map(|&i| self.item_w(i)).sum::<f64>() + ITEM_GAP * row.len().saturating_sub(1) as f64
    }

    /// Width and height in points when placed at `pos` with at most `max_w` points across.
    pub fn size(&self, pos: LegendPos, max_w: f64) -> (f64, f64) {
        if pos == LegendPos::Top {
            let rows = self.rows(max_w);
            let w = rows.iter().map(|r| self.row_w(r)).fold(0.0, f64::max);
            (w, rows.len() as f64 * row_h())
        } else {
            let w = (0..self.items.len()).map(|i| self.item_w(i)).fold(0.0, f64::max);
            (w + 2.0 * INSET, self.items.len() as f64 * row_h() + 2.0 * INSET)
        }
    }
}

/// Draws `legend` in `r`; `flow` for the wrapped-rows layout of a top legend.
pub fn draw(c: &mut Canvas, legend: &Legend, r: Rect, flow: bool) {
    let mut place: Vec<(f64, f64)> = vec![(0.0, 0.0); legend.items.len()];
    if flow {
        for (k, row) in legend.rows(r.w()).iter().enumerate() {
            let mut x = r.x0 + (r.w() - legend.row_w(row)) / 2.0;
            for &i in row {
                place[i] = (x, r.y0 + k as f64 * row_h());
                x += legend.item_w(i) + ITEM_GAP;
            }
        }
    } else {
        c.rect(r.x0, r.y0, r.x1, r.y1, style::WHITE, 0.85);
        for (i, p) in place.iter_mut().enumerate() {
            *p = (r.x0 + INSET, r.y0 + INSET + i as f64 * row_h());
        }
    }
    for ((label, s), (x, y)) in legend.items.iter().zip(place) {
        let yc = y + row_h() / 2.0;
        match *s {
            Swatch::Bar { color, opacity } => {
                let h = BOX_SWATCH / 2.0;
                c.rect(x, yc - h, x + BOX_SWATCH, yc + h, color, opacity);
            }
            Swatch::Line { color, marker, band, dash } => {
                if band {
                    c.rect(x, yc - 2.6, x + LINE_SWATCH, yc + 2.6, color, BAND_OPACITY);
                }
                let r = Rect { x0: x - 1.0, y0: yc - 1.0, x1: x + LINE_SWATCH + 1.0, y1: yc + 1.0 };
                super::clip::dashed_polyline(c, &[(x, yc), (x + LINE_SWATCH, yc)], r, color, LINE_W, dash);
                if let Some(m) = marker {
                    c.marker(m, x + LINE_SWATCH / 2.0, yc, MARKER_R, color, 1.0);
                }
            }
            Swatch::Marker { marker, color } => c.marker(marker, x + BOX_SWATCH / 2.0, yc, MARKER_R, color, 1.0),
        }
        let tx = x + swatch_w(s) + SWATCH_GAP;
        c.text(tx, yc, label, LEGEND_PT, false, Anchor::new(HPos::Left, VPos::Center), false);
    }
}
