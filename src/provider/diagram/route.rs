//! Edge routes and the final geometry in page coordinates (points, y down).
//!
//! An edge leaves its node's face towards the next rank at a port of its own (ports are
//! spread along the face in the order of the edges' other ends), runs straight across
//! every rank band it passes (through its dummy nodes, which the layout kept clear of
//! nodes and of each other) and bends only in the empty gaps between bands, as a cubic
//! curve whose tangents follow the rank axis. So edges never cross a node box, and a
//! label sits on a straight piece of its edge, on the label dummy's own free space.

use super::graph::{Graph, Shape};
use super::layout::{LKind, LOOP_GAP, LOOP_REACH, LOOP_STEP, Layered, Sizes, loops_of};
use super::place::Placed;
use super::record;
use super::shapes;

pub type P = (f64, f64);

#[derive(Clone, Copy, Debug)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn centre(&self) -> P {
        (self.x + self.w / 2.0, self.y + self.h / 2.0)
    }
}

#[derive(Clone, Copy, Debug)]
pub enum Seg {
    Line(P),
    Curve(P, P, P),
}

#[derive(Clone, Debug)]
pub struct Route {
    pub start: P,
    pub segs: Vec<Seg>,
}

impl Route {
    pub fn end(&self) -> P {
        match self.segs.last() {
            Some(Seg::Line(p) | Seg::Curve(_, _, p)) => *p,
            None => self.start,
        }
    }
}

/// Points along a route, 16 per curve.
pub fn samples(start: P, segs: &[Seg]) -> Vec<P> {
    let mut out = vec![start];
    let mut cur = start;
    for s in segs {
        match *s {
            Seg::Line(p) => {
                for k in 1..=8 {
                    let t = k as f64 / 8.0;
                    out.push((cur.0 + (p.0 - cur.0) * t, cur.1 + (p.1 - cur.1) * t));
                }
                cur = p;
            }
            Seg::Curve(a, b, p) => {
                for k in 1..=16 {
                    let t = k as f64 / 16.0;
                    let m = 1.0 - t;
                    let f = |c0: f64, c1: f64, c2: f64, c3: f64| {
                        m * m * m * c0 + 3.0 * m * m * t * c1 + 3.0 * m * t * t * c2 + t * t * t * c3
                    };
                    out.push((f(cur.0, a.0, b.0, p.0), f(cur.1, a.1, b.1, p.1)));
                }
                cur = p;
            }
        }
    }
    out
}

/// Everything `draw` needs, in points.
#[derive(Clone, Debug)]
pub struct Geometry {
    pub nodes: Vec<Rect>,
    pub groups: Vec<Option<Rect>>,
    pub labels: Vec<Option<Rect>>,
    pub routes: Vec<Route>,
    /// Where each group's title is written (its text box); set by `titles::place`.
    pub titles: Vec<Option<Rect>>,
}

impl Geometry {
    /// Bounding box of every node, group, label and route point.
    pub fn bounds(&self) -> Rect {
        let (mut x0, mut y0, mut x1, mut y1) = (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
        let mut add = |(x, y): P| {
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x);
            y1 = y1.max(y);
        };
        let rects = self.nodes.iter().chain(self.groups.iter().flatten()).chain(self.labels.iter().flatten());
        for r in rects {
            add((r.x, r.y));
            add((r.x + r.w, r.y + r.h));
        }
        for route in &self.routes {
            add(route.start);
            for s in &route.segs {
                match *s {
                    Seg::Line(p) => add(p),
                    Seg::Curve(a, b, p) => {
                        add(a);
                        add(b);
                        add(p);
                    }
                }
            }
        }
        Rect { x: x0, y: y0, w: x1 - x0, h: y1 - y0 }
    }
}

/// Distance from a layered node's centre to its outline along the rank axis (`dir` +1
/// forwards, -1 back) at cross offset `dv`.
fn border(shape: Shape, n: &super::layout::LNode, dir: f64, dv: f64, horizontal: bool) -> f64 {
    let (w, h) = if horizontal { (n.wr, n.wc) } else { (n.wc, n.wr) };
    shapes::reach(shape, w, h, horizontal, dir, dv)
}

/// Builds the geometry from a placed layered graph.
pub fn build(g: &Graph, sizes: &Sizes, lay: &Layered, pl: &Placed, horizontal: bool) -> Geometry {
    let labels_along = |e: usize| sizes.labels[e].map(|(w, h)| if horizontal { (w, h) } else { (h, w) });
    let xy = |u: f64, v: f64| if horizontal { (u, v) } else { (v, u) };
    let centre_u = |r: usize| (pl.band[r].0 + pl.band[r].1) / 2.0;
    let rect_of = |l: usize| {
        let n = &lay.lnodes[l];
        let (u, v) = (centre_u(n.rank), pl.x[l]);
        let (cx, cy) = xy(u, v);
        let (w, h) = if horizontal { (n.wr, n.wc) } else { (n.wc, n.wr) };
        Rect { x: cx - w / 2.0, y: cy - h / 2.0, w, h }
    };
    let nodes = (0..g.nodes.len()).map(rect_of).collect();
    let groups = pl
        .groups
        .iter()
        .map(|b| {
            b.map(|[u0, u1, v0, v1]| {
                let (x0, y0) = xy(u0, v0);
                let (x1, y1) = xy(u1, v1);
                Rect { x: x0, y: y0, w: x1 - x0, h: y1 - y0 }
            })
        })
        .collect();
    let mut labels = vec![None; g.edges.len()];
    for (l, n) in lay.lnodes.iter().enumerate() {
        if let LKind::Label(e) = n.kind {
            labels[e] = Some(rect_of(l));
        }
    }
    // Ports: edges leaving (entering) a node are spread along its face in the cross order
    // of their other ends.
    let nn = g.nodes.len();
    let mut outs: Vec<Vec<(f64, usize)>> = vec![Vec::new(); nn];
    let mut ins: Vec<Vec<(f64, usize)>> = vec![Vec::new(); nn];
    for (e, ch) in lay.chains.iter().enumerate().filter(|(_, ch)| !ch.flat && ch.nodes.len() > 1) {
        let (a, b) = (ch.nodes[0], ch.nodes[ch.nodes.len() - 1]);
        outs[a].push((pl.x[ch.nodes[1]], e));
        ins[b].push((pl.x[ch.nodes[ch.nodes.len() - 2]], e));
    }
    // An edge naming a record field (`a:port`) attaches at the field's middle.
    let field_at = |v: usize, name: &Option<String>| -> Option<f64> {
        let (f, name) = (g.nodes[v].record.as_ref()?, name.as_ref()?);
        let r = rect_of(v);
        let (cells, _) = record::cells(f, (r.x, r.y, r.w, r.h), !horizontal);
        let (x, y, w, h) = cells.iter().find(|c| c.port.as_ref() == Some(name))?.rect;
        Some(if horizontal { y + h / 2.0 } else { x + w / 2.0 })
    };
    let mut port_out = vec![0.0; g.edges.len()];
    let mut port_in = vec![0.0; g.edges.len()];
    for (v, (o, i)) in outs.iter_mut().zip(ins.iter_mut()).enumerate() {
        let wc = lay.lnodes[v].wc;
        let frac = shapes::port_span(g.nodes[v].shape);
        for (list, ports) in [(o, &mut port_out), (i, &mut port_in)] {
            let end = |e: usize| usize::from(g.edges[e].from != v);
            list.retain(|&(_, e)| match field_at(v, &g.edges[e].ports[end(e)]) {
                Some(at) => {
                    ports[e] = at;
                    false
                }
                None => true,
            });
            list.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let k = list.len() as f64;
            let step = (wc * frac / k).min(7.0);
            for (j, &(_, e)) in list.iter().enumerate() {
                ports[e] = pl.x[v] + (j as f64 - (k - 1.0) / 2.0) * step;
            }
        }
    }
    let mut routes = Vec::with_capacity(g.edges.len());
    for (v, node) in lay.lnodes.iter().enumerate().take(nn) {
        let loops: Vec<usize> = loops_of(g, v).collect();
        let k = loops.len();
        let (u, c) = (centre_u(node.rank), pl.x[v] + node.wc / 2.0);
        let row_len = loops.iter().filter_map(|&e| labels_along(e)).map(|l| l.0).sum::<f64>()
            + LOOP_GAP * loops.iter().filter(|&&e| g.edges[e].label.is_some()).count().saturating_sub(1) as f64;
        let mut at = u - row_len / 2.0;
        let beyond = c + LOOP_REACH + LOOP_STEP * k.saturating_sub(1) as f64 + LOOP_GAP;
        for &e in &loops {
            if let Some((lr, lc)) = labels_along(e) {
                let (x, y) = xy(at, beyond);
                let (w, h) = if horizontal { (lr, lc) } else { (lc, lr) };
                labels[e] = Some(Rect { x, y, w, h });
                at += lr + LOOP_GAP;
            }
        }
    }
    for (e, ch) in lay.chains.iter().enumerate() {
        let (a, b) = (ch.nodes[0], ch.nodes[ch.nodes.len() - 1]);
        if a == b {
            loop_route(g, lay, pl, e, horizontal, &mut routes);
            continue;
        }
        if ch.flat {
            let (route, mid) = flat_route(g, lay, pl, e, horizontal);
            if let Some((lr, lc)) = labels_along(e) {
                let (x, y) = xy(mid.0 - lr / 2.0, mid.1 - lc / 2.0);
                let (w, h) = if horizontal { (lr, lc) } else { (lc, lr) };
                labels[e] = Some(Rect { x, y, w, h });
            }
            routes.push(route);
            continue;
        }
        let (na, nb) = (&lay.lnodes[a], &lay.lnodes[b]);
        let (pa, pb) = (port_out[e], port_in[e]);
        let start = (centre_u(na.rank) + border(g.nodes[a].shape, na, 1.0, pa - pl.x[a], horizontal), pa);
        let end = (centre_u(nb.rank) - border(g.nodes[b].shape, nb, -1.0, pb - pl.x[b], horizontal), pb);
        // Waypoints (u, v) pairs: band entry and exit of each rank the edge crosses.
        let mut pts: Vec<(P, bool)> = vec![(start, false)];
        let line_to = |pts: &mut Vec<(P, bool)>, p: P, curve: bool| {
            let last = pts.last().unwrap().0;
            if (last.0 - p.0).abs() > 1e-6 || (last.1 - p.1).abs() > 1e-6 {
                pts.push((p, curve));
            }
        };
        line_to(&mut pts, (pl.band[na.rank].1, pa), false);
        for &d in &ch.nodes[1..ch.nodes.len() - 1] {
            let r = lay.lnodes[d].rank;
            line_to(&mut pts, (pl.band[r].0, pl.x[d]), true);
            line_to(&mut pts, (pl.band[r].1, pl.x[d]), false);
        }
        line_to(&mut pts, (pl.band[nb.rank].0, pb), true);
        line_to(&mut pts, end, false);
        if ch.reversed {
            // Walk back: a piece's kind belongs to the piece ending at its point.
            let kinds: Vec<bool> = pts.iter().map(|p| p.1).collect();
            pts.reverse();
            for (i, p) in pts.iter_mut().enumerate() {
                p.1 = if i == 0 { false } else { kinds[kinds.len() - i] };
            }
        }
        let mut segs = Vec::with_capacity(pts.len());
        for w in pts.windows(2) {
            let ((p, _), (q, curve)) = (w[0], w[1]);
            segs.push(if curve {
                let mid = (p.0 + q.0) / 2.0;
                Seg::Curve(xy(mid, p.1), xy(mid, q.1), xy(q.0, q.1))
            } else {
                Seg::Line(xy(q.0, q.1))
            });
        }
        let s = pts[0].0;
        routes.push(Route { start: xy(s.0, s.1), segs });
    }
    Geometry { nodes, groups, labels, routes, titles: Vec::new() }
}

/// The route of self-loop `e`: a cubic out of its node's side after it on the cross axis
/// and back, nested outside the node's earlier loops, ending with the arrow into the node.
fn loop_route(g: &Graph, lay: &Layered, pl: &Placed, e: usize, horizontal: bool, routes: &mut Vec<Route>) {
    let v = g.edges[e].from;
    let k = loops_of(g, v).position(|x| x == e).unwrap_or(0) as f64;
    let n = &lay.lnodes[v];
    let u = (pl.band[n.rank].0 + pl.band[n.rank].1) / 2.0;
    let xy = |u: f64, c: f64| if horizontal { (u, c) } else { (c, u) };
    // Feet a fifth of the node from its centre, outer loops' feet further out.
    let d = (n.wr * 0.2 + k * 4.0).min(n.wr / 2.0 - 1.0).max(0.0);
    let (w, h) = if horizontal { (n.wr, n.wc) } else { (n.wc, n.wr) };
    let side = |du: f64| pl.x[v] + shapes::reach(g.nodes[v].shape, w, h, !horizontal, 1.0, du);
    let reach = LOOP_REACH + LOOP_STEP * k;
    let (c0, c1) = (side(-d), side(d));
    let out = pl.x[v] + n.wc / 2.0 + reach * 4.0 / 3.0;
    routes.push(Route {
        start: xy(u - d, c0),
        segs: vec![Seg::Curve(xy(u - d - reach * 0.5, out), xy(u + d + reach * 0.5, out), xy(u + d, c1))],
    });
}

/// The route of flat edge `e` (both ends on one rank, neighbours there): straight across
/// from the facing side of one to the other; also the middle (rank, cross) for its label.
fn flat_route(g: &Graph, lay: &Layered, pl: &Placed, e: usize, horizontal: bool) -> (Route, P) {
    let (a, b) = (g.edges[e].from, g.edges[e].to);
    let u = (pl.band[lay.lnodes[a].rank].0 + pl.band[lay.lnodes[a].rank].1) / 2.0;
    let xy = |u: f64, c: f64| if horizontal { (u, c) } else { (c, u) };
    let dir = if pl.x[b] >= pl.x[a] { 1.0 } else { -1.0 };
    let side = |v: usize, d: f64| {
        let n = &lay.lnodes[v];
        let (w, h) = if horizontal { (n.wr, n.wc) } else { (n.wc, n.wr) };
        pl.x[v] + d * shapes::reach(g.nodes[v].shape, w, h, !horizontal, d, 0.0)
    };
    let (s, t) = (side(a, dir), side(b, -dir));
    (Route { start: xy(u, s), segs: vec![Seg::Line(xy(u, t))] }, (u, (s + t) / 2.0))
}
