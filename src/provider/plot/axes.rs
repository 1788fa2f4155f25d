//! Axes shared by every chart family: scales, tick choice, frame layout from measured text,
//! and drawing of grid, spines, ticks, tick labels, axis labels and title.
//!
//! Layout works in points at print size. Every text block is measured with the embedded
//! font, so label areas are exactly as large as their labels (nothing is clipped and no
//! fixed margins are wasted); the plot area is what remains.

use plotters::style::text_anchor::{HPos, VPos};

pub use super::canvas::Rect;
use super::canvas::{Anchor, Canvas};
use super::fit_text::{block_h, block_w, cat_lines, ellipsize, fit_axis_label, fit_title, wrap};
pub use super::fit_text::{cats_fit, height_for_rows};
use super::legend::{self, Legend, LegendPos};
use super::spec::ChartSpec;
use super::style::*;
pub use super::ticks::RangeMode;
use super::ticks::{linear, logarithmic};
use crate::model::ProviderError;

/// What a chart asks of one axis.
#[derive(Clone, Debug)]
pub enum AxisData {
    Num {
        lo: f64,
        hi: f64,
        log: bool,
        /// `xlim=`/`ylim=`: fixed ends, each optional.
        lim: (Option<f64>, Option<f64>),
        mode: RangeMode,
        /// Free space in points wanted below the lowest / above the highest value
        /// (value labels on bars).
        headroom: (f64, f64),
        /// The data are whole numbers (counts, steps): no ticks between integers.
        int: bool,
    },
    Cat(Vec<String>),
    /// Dates and times, in seconds since 1970 (ticks at calendar units).
    Time {
        lo: f64,
        hi: f64,
        lim: (Option<f64>, Option<f64>),
    },
}

#[derive(Clone, Debug)]
pub struct AxisReq {
    pub data: AxisData,
    pub label: String,
    pub grid: bool,
}

impl AxisReq {
    /// The y axis of the series of line and scatter charts, spanning `lo..hi`, gridded.
    pub fn values(spec: &ChartSpec, lo: f64, hi: f64, mode: RangeMode) -> AxisReq {
        AxisReq {
            data: AxisData::Num {
                lo,
                hi,
                log: spec.logy,
                lim: spec.ylim,
                mode,
                headroom: (0.0, 0.0),
                int: all_int(spec.series.iter().flat_map(|s| s.y.iter())),
            },
            label: spec.ylabel.clone(),
            grid: true,
        }
    }
}

/// A laid-out axis.
#[derive(Clone, Debug)]
pub struct Axis {
    pub kind: AxisKind,
    pub label: String,
    pub grid: bool,
    /// Positions in points of the low and high ends (categories: first and last band edge).
    pub range: (f64, f64),
}

#[derive(Clone, Debug)]
pub enum AxisKind {
    Num { lo: f64, hi: f64, log: bool, ticks: Vec<(f64, String)>, minor: Vec<f64> },
    Cat { lines: Vec<Vec<String>>, vertical: bool },
}

impl Axis {
    /// Position in points of a numeric value (categories: of a fractional band index).
    pub fn pos(&self, v: f64) -> f64 {
        let f = match &self.kind {
            AxisKind::Num { lo, hi, log: true, .. } => (v.log10() - lo.log10()) / (hi.log10() - lo.log10()),
            // Halved first, so that values near ±f64::MAX do not overflow.
            AxisKind::Num { lo, hi, .. } => (v / 2.0 - lo / 2.0) / (hi / 2.0 - lo / 2.0),
            AxisKind::Cat { lines, .. } => v / lines.len() as f64,
        };
        self.range.0 + f * (self.range.1 - self.range.0)
    }
    /// Start position and (signed) width of band `i` on a category axis.
    pub fn band(&self, i: usize) -> (f64, f64) {
        let n = match &self.kind {
            AxisKind::Cat { lines, .. } => lines.len() as f64,
            AxisKind::Num { .. } => 1.0,
        };
        let w = (self.range.1 - self.range.0) / n;
        (self.range.0 + w * i as f64, w)
    }
    /// Numeric limits `(lo, hi)`; for categories `(0, n)`.
    pub fn limits(&self) -> (f64, f64) {
        match &self.kind {
            AxisKind::Num { lo, hi, .. } => (*lo, *hi),
            AxisKind::Cat { lines, .. } => (0.0, lines.len() as f64),
        }
    }
    /// Clamps a value into the axis limits.
    pub fn clamp(&self, v: f64) -> f64 {
        let (lo, hi) = self.limits();
        v.clamp(lo, hi)
    }
}

/// Everything placed on the figure except the data.
#[derive(Clone, Debug)]
pub struct Frame {
    pub plot: Rect,
    pub x: Axis,
    pub y: Axis,
    pub title: String,
    pub legend: Option<(Legend, Rect, bool)>,
    pub fig: (f64, f64),
}

/// Builds one numeric axis on `len` points.
fn num_axis(d: &AxisData, len: f64, horizontal: bool) -> AxisKind {
    if let AxisData::Time { lo, hi, lim } = d {
        return time_axis(*lo, *hi, *lim, len, horizontal);
    }
    let AxisData::Num { lo, hi, log, lim, mode, headroom, int } = d else { unreachable!() };
    // Leave room for value labels: stretch the data range (in log space on log axes) so
    // `headroom` points stay free.
    let (t, inv) = if *log {
        (f64::log10 as fn(f64) -> f64, (|v: f64| 10f64.powf(v)) as fn(f64) -> f64)
    } else {
        ((|v| v) as fn(f64) -> f64, (|v| v) as fn(f64) -> f64)
    };
    let (mut dlo, mut dhi) = (t(*lo), t(*hi));
    let span = (dhi - dlo).max(if *log { 0.3 } else { f64::MIN_POSITIVE });
    let usable = (len - headroom.0 - headroom.1).max(len * 0.5);
    if headroom.1 > 0.0 {
        dhi += span * headroom.1 / usable;
    }
    if headroom.0 > 0.0 {
        dlo -= span * headroom.0 / usable;
    }
    let (dlo, dhi) = (inv(dlo), inv(dhi));
    if *log {
        let (lo, hi, ticks, minor) = logarithmic(dlo, dhi, *lim, *mode);
        return AxisKind::Num { lo, hi, log: true, ticks, minor };
    }
    let per_tick = if horizontal { 48.0 } else { 28.0 };
    let mut target = ((len / per_tick).round() as usize).clamp(3, 8);
    loop {
        let (lo, hi, ticks) = linear(dlo, dhi, *lim, *mode, target, *int);
        let labels = fmt_ticks(&ticks);
        let fits = !horizontal || {
            // adjacent labels need a gap of at least 4 pt
            let pos = |v: f64| (v / 2.0 - lo / 2.0) / (hi / 2.0 - lo / 2.0) * len;
            ticks.windows(2).zip(labels.windows(2)).all(|(t, l)| {
                pos(t[1]) - pos(t[0]) >= (text_w(&l[0], TICK_PT, false) + text_w(&l[1], TICK_PT, false)) / 2.0 + 4.0
            })
        };
        if fits || target <= 2 {
            return AxisKind::Num { lo, hi, log: false, ticks: ticks.into_iter().zip(labels).collect(), minor: vec![] };
        }
        target -= 1;
    }
}

/// A time axis on `len` points: the data range (or `xlim=`), ticks at calendar units with
/// at least 4 pt between neighbouring labels.
fn time_axis(lo: f64, hi: f64, lim: (Option<f64>, Option<f64>), len: f64, horizontal: bool) -> AxisKind {
    let (mut lo, mut hi) = (lim.0.unwrap_or(lo), lim.1.unwrap_or(hi));
    if hi <= lo {
        // one instant: a day around it
        (lo, hi) = (lo - 43_200.0, hi + 43_200.0);
    }
    let per_tick = if horizontal { 40.0 } else { 20.0 };
    let max = ((len / per_tick).floor() as usize).clamp(2, 12);
    let ticks = super::time::ticks(lo, hi, max, |ticks| {
        !horizontal
            || ticks.windows(2).all(|t| {
                let gap = (t[1].0 - t[0].0) / (hi - lo) * len;
                gap >= (text_w(&t[0].1, TICK_PT, false) + text_w(&t[1].1, TICK_PT, false)) / 2.0 + 4.0
            })
    });
    AxisKind::Num { lo, hi, log: false, ticks, minor: vec![] }
}

impl Frame {
    /// Lays out title, legend, axes and the plot area on a `fig` (points) figure.
    pub fn layout(
        fig: (f64, f64),
        title: &str,
        xr: &AxisReq,
        yr: &AxisReq,
        legend: Option<&Legend>,
        pos: LegendPos,
    ) -> Result<Frame, ProviderError> {
        let (fw, fh) = fig;
        let legend_size = legend.map(|l| l.size(pos, fw - 2.0 * PAD));
        let mut top = PAD;
        if !title.is_empty() {
            top += cap_h(TITLE_PT) + GAP * 2.0;
        }
        if let (Some((_, lh)), LegendPos::Top) = (legend_size, pos) {
            top += lh + GAP;
        }
        let mut right = PAD;
        if let (Some((lw, _)), LegendPos::Right) = (legend_size, pos) {
            right += lw + GAP * 2.0;
        }
        let xlabel_h = if xr.label.is_empty() { 0.0 } else { GAP + line_h(LABEL_PT) };
        let ylabel_w = if yr.label.is_empty() { 0.0 } else { line_h(LABEL_PT) + GAP };
        // Two passes: the second uses the plot size the first one found.
        let mut plot = Rect { x0: PAD + 30.0, y0: top + cap_h(TICK_PT), x1: fw - right - 10.0, y1: fh - PAD - 20.0 };
        let mut axes = None;
        for _ in 0..3 {
            let y_kind = match &yr.data {
                d @ (AxisData::Num { .. } | AxisData::Time { .. }) => num_axis(d, plot.h(), false),
                AxisData::Cat(labels) => {
                    // as many lines as a band holds (up to 4), else cut short with `…`
                    let max = (fw * 0.4).max(40.0);
                    let band = plot.h() / labels.len().max(1) as f64;
                    let fit = ((band * 0.95 / line_h(TICK_PT)).floor() as usize).clamp(1, 4);
                    let cut = |l: &String, middle: bool| {
                        if text_w(l, TICK_PT, false) <= max {
                            vec![l.clone()]
                        } else {
                            wrap(l, max, TICK_PT, fit).unwrap_or_else(|| vec![ellipsize(l, max, middle)])
                        }
                    };
                    let mut lines: Vec<Vec<String>> = labels.iter().map(|l| cut(l, false)).collect();
                    // names that differ only in their ends keep their ends
                    let mut seen = std::collections::HashSet::new();
                    if !lines.iter().all(|l| seen.insert(l)) {
                        lines = labels.iter().map(|l| cut(l, true)).collect();
                    }
                    AxisKind::Cat { lines, vertical: false }
                }
            };
            let y_tick_w = match &y_kind {
                AxisKind::Num { ticks, .. } => {
                    ticks.iter().map(|t| text_w(&t.1, TICK_PT, false)).fold(0.0, f64::max) + TICK_LEN + GAP
                }
                AxisKind::Cat { lines, .. } => lines.iter().map(|l| block_w(l)).fold(0.0, f64::max) + GAP * 1.5,
            };
            let x0 = PAD + ylabel_w + y_tick_w;
            let x_kind = match &xr.data {
                d @ (AxisData::Num { .. } | AxisData::Time { .. }) => num_axis(d, fw - right - x0, true),
                AxisData::Cat(labels) => {
                    let (lines, vertical) = cat_lines(labels, (fw - right - x0) / labels.len().max(1) as f64, fh * 0.3);
                    AxisKind::Cat { lines, vertical }
                }
            };
            let (x_tick_h, first, last) = match &x_kind {
                AxisKind::Num { ticks, .. } => {
                    let half = |t: Option<&(f64, String)>| t.map_or(0.0, |t| text_w(&t.1, TICK_PT, false) / 2.0);
                    (TICK_LEN + GAP + cap_h(TICK_PT) + 1.5, half(ticks.first()), half(ticks.last()))
                }
                AxisKind::Cat { lines, vertical: true } => {
                    (GAP * 1.5 + lines.iter().map(|l| block_w(l)).fold(0.0, f64::max), 0.0, 0.0)
                }
                AxisKind::Cat { lines, .. } => {
                    (GAP * 1.5 + block_h(lines.iter().map(Vec::len).max().unwrap_or(1)) + 1.5, 0.0, 0.0)
                }
            };
            // numeric labels centred on the ends of the x axis stick out by half their width
            let x0 = x0.max(PAD + first);
            let x1 = (fw - right).min(fw - PAD - last);
            let y0 = top + if matches!(y_kind, AxisKind::Num { .. }) { cap_h(TICK_PT) / 2.0 + 1.0 } else { 0.0 };
            let y1 = fh - PAD - xlabel_h - x_tick_h;
            plot = Rect { x0, y0, x1, y1 };
            axes = Some((x_kind, y_kind));
        }
        if plot.w() < 30.0 || plot.h() < 30.0 {
            return Err(ProviderError::new(format!(
                "the figure ({:.2} × {:.2} in) is too small for its labels",
                fw / 72.0,
                fh / 72.0
            ))
            .hint(
                "make the figure larger, shorten the labels and the title, or use chart=barh for long category names",
            ));
        }
        let (xk, yk) = axes.expect("laid out");
        let x_range = (plot.x0, plot.x1);
        let y_range = if matches!(yk, AxisKind::Cat { .. }) { (plot.y0, plot.y1) } else { (plot.y1, plot.y0) };
        let legend = match (legend, legend_size) {
            (Some(l), Some((lw, lh))) => {
                let r = match pos {
                    LegendPos::Top => {
                        let y = top - lh - GAP;
                        // centred on the plot, but never past either edge of the figure
                        let x = ((plot.x0 + plot.x1 - lw) / 2.0).min(fw - PAD - lw).max(PAD);
                        Rect { x0: x, y0: y, x1: x + lw, y1: y + lh }
                    }
                    LegendPos::Right => Rect { x0: fw - PAD - lw, y0: plot.y0, x1: fw - PAD, y1: plot.y0 + lh },
                    // inside: placed later by `legend::place_inside`
                    _ => Rect { x0: plot.x1 - lw, y0: plot.y0, x1: plot.x1, y1: plot.y0 + lh },
                };
                Some((l.clone(), r, pos == LegendPos::Top))
            }
            _ => None,
        };
        Ok(Frame {
            plot,
            x: Axis { kind: xk, label: xr.label.clone(), grid: xr.grid, range: x_range },
            y: Axis { kind: yk, label: yr.label.clone(), grid: yr.grid, range: y_range },
            title: title.to_string(),
            legend,
            fig,
        })
    }

    /// Grid lines (under the data).
    pub fn draw_grid(&self, c: &mut Canvas) {
        let p = self.plot;
        if let (true, AxisKind::Num { ticks, .. }) = (self.y.grid, &self.y.kind) {
            for (v, _) in ticks {
                let y = self.y.pos(*v);
                if y > p.y0 + 0.5 && y < p.y1 - 0.5 {
                    c.line(p.x0, y, p.x1, y, GRID, GRID_W);
                }
            }
        }
        if let (true, AxisKind::Num { ticks, .. }) = (self.x.grid, &self.x.kind) {
            for (v, _) in ticks {
                let x = self.x.pos(*v);
                if x > p.x0 + 0.5 && x < p.x1 - 0.5 {
                    c.line(x, p.y0, x, p.y1, GRID, GRID_W);
                }
            }
        }
    }

    /// Spines, ticks, labels, title and legend (over the data).
    pub fn draw_axes(&self, c: &mut Canvas) {
        let p = self.plot;
        let half = AXIS_W / 2.0;
        c.line(p.x0 - half, p.y1, p.x1, p.y1, AXIS, AXIS_W);
        c.line(p.x0, p.y1 + half, p.x0, p.y0, AXIS, AXIS_W);
        let tick_top = Anchor::new(HPos::Center, VPos::Top);
        let mut label_y = p.y1;
        match &self.x.kind {
            AxisKind::Num { ticks, minor, .. } => {
                for v in minor {
                    let x = self.x.pos(*v);
                    c.line(x, p.y1, x, p.y1 + MINOR_TICK_LEN, AXIS, AXIS_W);
                }
                for (v, s) in ticks {
                    let x = self.x.pos(*v);
                    c.line(x, p.y1, x, p.y1 + TICK_LEN, AXIS, AXIS_W);
                    c.text(x, p.y1 + TICK_LEN + GAP, s, TICK_PT, false, tick_top, false);
                }
                label_y += TICK_LEN + GAP + cap_h(TICK_PT) + 1.5;
            }
            AxisKind::Cat { lines, vertical } => {
                let mut deepest: f64 = 0.0;
                for (i, l) in lines.iter().enumerate() {
                    let (b0, bw) = self.x.band(i);
                    let x = b0 + bw / 2.0;
                    if *vertical {
                        let n = l.len() as f64;
                        for (k, line) in l.iter().enumerate() {
                            let xk = x + (k as f64 - (n - 1.0) / 2.0) * line_h(TICK_PT);
                            c.text(
                                xk,
                                p.y1 + GAP * 1.5,
                                line,
                                TICK_PT,
                                false,
                                Anchor::new(HPos::Right, VPos::Center),
                                true,
                            );
                        }
                        deepest = deepest.max(block_w(l));
                    } else {
                        for (k, line) in l.iter().enumerate() {
                            c.text(
                                x,
                                p.y1 + GAP * 1.5 + k as f64 * line_h(TICK_PT),
                                line,
                                TICK_PT,
                                false,
                                tick_top,
                                false,
                            );
                        }
                        deepest = deepest.max(block_h(l.len()) + 1.5);
                    }
                }
                label_y += GAP * 1.5 + deepest;
            }
        }
        // Axis labels are centred on their axis: what fits between there and the figure's edges.
        let room = |mid: f64, extent: f64| 2.0 * (mid - PAD).min(extent - PAD - mid);
        if !self.x.label.is_empty() {
            let mid = (p.x0 + p.x1) / 2.0;
            let label = fit_axis_label(&self.x.label, room(mid, self.fig.0));
            c.text(mid, label_y + GAP, &label, LABEL_PT, false, tick_top, false);
        }
        let right = Anchor::new(HPos::Right, VPos::Center);
        let mut label_x = p.x0;
        match &self.y.kind {
            AxisKind::Num { ticks, minor, .. } => {
                for v in minor {
                    let y = self.y.pos(*v);
                    c.line(p.x0 - MINOR_TICK_LEN, y, p.x0, y, AXIS, AXIS_W);
                }
                let mut widest: f64 = 0.0;
                for (v, s) in ticks {
                    let y = self.y.pos(*v);
                    c.line(p.x0 - TICK_LEN, y, p.x0, y, AXIS, AXIS_W);
                    c.text(p.x0 - TICK_LEN - GAP, y, s, TICK_PT, false, right, false);
                    widest = widest.max(text_w(s, TICK_PT, false));
                }
                label_x -= TICK_LEN + GAP + widest;
            }
            AxisKind::Cat { lines, .. } => {
                let mut widest: f64 = 0.0;
                for (i, l) in lines.iter().enumerate() {
                    let (b0, bh) = self.y.band(i);
                    let yc = b0 + bh / 2.0;
                    let n = l.len() as f64;
                    for (k, line) in l.iter().enumerate() {
                        let y = yc + (k as f64 - (n - 1.0) / 2.0) * line_h(TICK_PT);
                        c.text(p.x0 - GAP * 1.5, y, line, TICK_PT, false, right, false);
                    }
                    widest = widest.max(block_w(l));
                }
                label_x -= GAP * 1.5 + widest;
            }
        }
        if !self.y.label.is_empty() {
            let x = (label_x - GAP - line_h(LABEL_PT)).max(PAD);
            let mid = (p.y0 + p.y1) / 2.0;
            let label = fit_axis_label(&self.y.label, room(mid, self.fig.1));
            c.text(x, mid, &label, LABEL_PT, false, Anchor::new(HPos::Center, VPos::Top), true);
        }
        if !self.title.is_empty() {
            let (title, size) = fit_title(&self.title, self.fig.0 - 2.0 * PAD);
            let half = text_w(&title, size, true) / 2.0;
            let x = ((p.x0 + p.x1) / 2.0).clamp(PAD + half, (self.fig.0 - PAD - half).max(PAD + half));
            c.text(x, PAD, &title, size, true, tick_top, false);
        }
        if let Some((l, r, flow)) = &self.legend {
            legend::draw(c, l, *r, *flow);
        }
    }

    /// Moves an inside legend to the emptiest corner of the plot; false when every corner
    /// covers some data.
    pub fn place_legend(&mut self, obstacles: &[Rect]) -> bool {
        let Some((_, r, _)) = &mut self.legend else { return true };
        let (w, h) = (r.w(), r.h());
        let p = self.plot;
        let m = 3.0;
        let corners = [
            Rect { x0: p.x1 - w - m, y0: p.y0 + m, x1: p.x1 - m, y1: p.y0 + m + h },
            Rect { x0: p.x0 + m + 2.0, y0: p.y0 + m, x1: p.x0 + m + 2.0 + w, y1: p.y0 + m + h },
            Rect { x0: p.x1 - w - m, y0: p.y1 - m - h, x1: p.x1 - m, y1: p.y1 - m },
            Rect { x0: p.x0 + m + 2.0, y0: p.y1 - m - h, x1: p.x0 + m + 2.0 + w, y1: p.y1 - m },
        ];
        let hits = |c: &Rect| obstacles.iter().filter(|o| o.overlaps(c)).count();
        let best = corners.iter().min_by_key(|c| hits(c)).copied().expect("four corners");
        *r = best;
        hits(&best) == 0
    }
}

/// Lays out the frame with the legend where `pos` asks; `Auto` puts it inside the plot
/// in the emptiest corner when there are several entries, or on top when every corner
/// would cover some of the `obstacles` (data drawn for that frame).
pub fn frame_with_legend(
    fig: (f64, f64),
    title: &str,
    xr: &AxisReq,
    yr: &AxisReq,
    legend: &Legend,
    pos: LegendPos,
    obstacles: impl Fn(&Frame) -> Vec<Rect>,
) -> Result<Frame, ProviderError> {
    let pos = match pos {
        LegendPos::Auto if legend.items.len() > 1 => LegendPos::Auto,
        LegendPos::Auto | LegendPos::None => return Frame::layout(fig, title, xr, yr, None, LegendPos::None),
        p if legend.items.is_empty() => {
            let _ = p;
            return Frame::layout(fig, title, xr, yr, None, LegendPos::None);
        }
        p => p,
    };
    match pos {
        LegendPos::Top | LegendPos::Right => Frame::layout(fig, title, xr, yr, Some(legend), pos),
        _ => {
            let mut f = Frame::layout(fig, title, xr, yr, Some(legend), LegendPos::Inside)?;
            if f.place_legend(&obstacles(&f)) || pos == LegendPos::Inside {
                Ok(f)
            } else {
                Frame::layout(fig, title, xr, yr, Some(legend), LegendPos::Top)
            }
        }
    }
}
