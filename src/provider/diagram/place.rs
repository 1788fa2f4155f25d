//! Layered layout, second half: coordinates. Cross-axis positions come from separation
//! constraints between neighbours on a rank (a group counts as one block holding its
//! members and its padding), first packed, then pulled towards the positions of each
//! node's neighbours one node at a time, never leaving the feasible region. Rank positions
//! leave room between ranks for the padding and titles of the groups that start or end there.

use super::graph::Graph;
use super::layout::{LKind, Layered};

/// Padding of a group on each side, in points.
#[derive(Clone, Copy, Debug, Default)]
pub struct Insets {
    pub rank_start: f64,
    pub rank_end: f64,
    pub cross_start: f64,
    pub cross_end: f64,
}

/// Spacing rules, in points.
#[derive(Clone, Copy, Debug)]
pub struct Spacing {
    pub rank_gap: f64,
    pub node_gap: f64,
    pub dummy_gap: f64,
    pub group_gap: f64,
}

pub struct Placed {
    /// Cross-axis centre of every layered node.
    pub x: Vec<f64>,
    /// Rank-axis start and end of every rank's band.
    pub band: Vec<(f64, f64)>,
    /// Group boxes as (rank start, rank end, cross start, cross end); None for empty groups.
    pub groups: Vec<Option<[f64; 4]>>,
}

/// Per group: (member, start offset, end offset).
type Members = Vec<Vec<(usize, f64, f64)>>;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Item {
    Node(usize),
    Group(usize),
}

struct Cross<'a> {
    lay: &'a Layered,
    x: Vec<f64>,
    members: Members,
    /// Per layered node: the items it belongs to, innermost first, with its offsets in each.
    chain: Vec<Vec<(Item, f64, f64)>>,
    left_of: Vec<Vec<Item>>,
    right_of: Vec<Vec<Item>>,
    sp: Spacing,
}

impl Cross<'_> {
    fn slot(&self, i: Item) -> usize {
        match i {
            Item::Node(v) => v,
            Item::Group(g) => self.lay.lnodes.len() + g,
        }
    }
    fn left(&self, i: Item) -> f64 {
        match i {
            Item::Node(v) => self.x[v] - self.lay.lnodes[v].wc / 2.0,
            Item::Group(g) => self.members[g].iter().map(|&(m, s, _)| self.x[m] - s).fold(f64::INFINITY, f64::min),
        }
    }
    fn right(&self, i: Item) -> f64 {
        match i {
            Item::Node(v) => self.x[v] + self.lay.lnodes[v].wc / 2.0 + self.lay.lnodes[v].tail,
            Item::Group(g) => self.members[g].iter().map(|&(m, _, e)| self.x[m] + e).fold(f64::NEG_INFINITY, f64::max),
        }
    }
    fn gap(&self, a: Item, b: Item) -> f64 {
        let thin =
            |i: Item| matches!(i, Item::Node(v) if matches!(self.lay.lnodes[v].kind, LKind::Dummy | LKind::Strut));
        if let (Item::Node(x), Item::Node(y)) = (a, b) {
            if let Some(&(_, _, gap)) =
                self.lay.flat_gaps.iter().find(|&&(p, q, _)| (p, q) == (x, y) || (q, p) == (x, y))
            {
                return gap.max(self.sp.node_gap);
            }
        }
        match (a, b) {
            (Item::Group(_), _) | (_, Item::Group(_)) => self.sp.group_gap,
            _ if thin(a) && thin(b) => self.sp.dummy_gap,
            _ if thin(a) || thin(b) => (self.sp.dummy_gap + self.sp.node_gap) / 2.0,
            _ => self.sp.node_gap,
        }
    }
    /// Lowest and highest feasible centre of `v` with everything else where it is.
    fn bounds(&self, v: usize) -> (f64, f64) {
        let (mut lo, mut hi) = (f64::NEG_INFINITY, f64::INFINITY);
        for &(item, s, e) in &self.chain[v] {
            let k = self.slot(item);
            for &a in &self.left_of[k] {
                lo = lo.max(self.right(a) + self.gap(a, item) + s);
            }
            for &b in &self.right_of[k] {
                hi = hi.min(self.left(b) - self.gap(item, b) - e);
            }
        }
        (lo, hi)
    }
}

/// Cross-axis positions.
fn cross(g: &Graph, lay: &Layered, insets: &[Insets], sp: Spacing) -> (Vec<f64>, Members) {
    let nl = lay.lnodes.len();
    let ng = g.groups.len();
    let paths: Vec<Vec<usize>> = lay.lnodes.iter().map(|l| g.group_path(l.group)).collect();
    let mut members = vec![Vec::new(); ng];
    let mut chain = Vec::with_capacity(nl);
    for (v, l) in lay.lnodes.iter().enumerate() {
        let (mut s, mut e) = (l.wc / 2.0, l.wc / 2.0 + l.tail);
        let mut c = vec![(Item::Node(v), s, e)];
        for &gi in paths[v].iter().rev() {
            s += insets[gi].cross_start;
            e += insets[gi].cross_end;
            members[gi].push((v, s, e));
            c.push((Item::Group(gi), s, e));
        }
        chain.push(c);
    }
    let mut left_of = vec![Vec::new(); nl + ng];
    let mut right_of = vec![Vec::new(); nl + ng];
    let slot = |i: Item| match i {
        Item::Node(v) => v,
        Item::Group(gi) => nl + gi,
    };
    for layer in &lay.layers {
        for w in layer.windows(2) {
            let (pa, pb) = (&paths[w[0]], &paths[w[1]]);
            let k = pa.iter().zip(pb).take_while(|(x, y)| x == y).count();
            let a = pa.get(k).map_or(Item::Node(w[0]), |&gi| Item::Group(gi));
            let b = pb.get(k).map_or(Item::Node(w[1]), |&gi| Item::Group(gi));
            if !left_of[slot(b)].contains(&a) {
                left_of[slot(b)].push(a);
                right_of[slot(a)].push(b);
            }
        }
    }
    let mut c = Cross { lay, x: vec![0.0; nl], members, chain, left_of, right_of, sp };
    // Pack to the left (constraints are acyclic, so pushing right settles).
    for _ in 0..nl + 2 {
        let mut changed = false;
        for layer in &lay.layers {
            for &v in layer {
                let (lo, _) = c.bounds(v);
                if c.x[v] < lo - 1e-9 {
                    c.x[v] = lo;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    // Pull towards neighbours.
    let mut nb: Vec<Vec<(usize, f64)>> = vec![Vec::new(); nl];
    for &(a, b, w) in &lay.segs {
        nb[a].push((b, w));
        nb[b].push((a, w));
    }
    for pass in 0..40 {
        let forward = pass % 2 == 0;
        let order: Vec<usize> = if forward {
            lay.layers.iter().flatten().copied().collect()
        } else {
            lay.layers.iter().rev().flat_map(|l| l.iter().rev()).copied().collect()
        };
        for v in order {
            let target = if nb[v].is_empty() {
                match (lay.lnodes[v].kind, lay.lnodes[v].group) {
                    (LKind::Strut, Some(gi)) => (c.left(Item::Group(gi)) + c.right(Item::Group(gi))) / 2.0,
                    _ => continue,
                }
            } else {
                let (s, w) = nb[v].iter().fold((0.0, 0.0), |(s, w), &(u, wt)| (s + c.x[u] * wt, w + wt));
                s / w
            };
            let (lo, hi) = c.bounds(v);
            if lo <= hi {
                c.x[v] = target.clamp(lo, hi);
            }
        }
    }
    let lay_min = (0..nl)
        .map(|v| c.chain[v].iter().map(|&(_, s, _)| c.x[v] - s).fold(f64::INFINITY, f64::min))
        .fold(f64::INFINITY, f64::min);
    let x = c.x.iter().map(|x| x - lay_min).collect();
    (x, c.members)
}

/// Coordinates for a layered graph.
pub fn place(g: &Graph, lay: &Layered, insets: &[Insets], sp: Spacing, title_along_rank: &[f64]) -> Placed {
    let (x, members) = cross(g, lay, insets, sp);
    let nr = lay.layers.len();
    let ng = g.groups.len();
    // Rank span of each group.
    let mut span = vec![(usize::MAX, 0usize); ng];
    for (gi, m) in members.iter().enumerate() {
        for &(v, _, _) in m {
            let r = lay.lnodes[v].rank;
            span[gi] = (span[gi].0.min(r), span[gi].1.max(r));
        }
    }
    // Padding stacked at the start / end of a group: its own plus that of nested groups
    // starting / ending on the same rank.
    let mut start_stack = vec![0.0; ng];
    let mut end_stack = vec![0.0; ng];
    let mut by_depth: Vec<usize> = (0..ng).collect();
    by_depth.sort_by_key(|&gi| std::cmp::Reverse(g.group_path(Some(gi)).len()));
    for &gi in &by_depth {
        start_stack[gi] += insets[gi].rank_start;
        end_stack[gi] += insets[gi].rank_end;
        if let Some(p) = g.groups[gi].parent {
            if span[p].0 == span[gi].0 {
                start_stack[p] = f64::max(start_stack[p], start_stack[gi]);
            }
            if span[p].1 == span[gi].1 {
                end_stack[p] = f64::max(end_stack[p], end_stack[gi]);
            }
        }
    }
    // Padding needed before / after each rank: the outermost groups starting / ending there.
    let mut before = vec![0.0f64; nr];
    let mut after = vec![0.0f64; nr];
    for gi in 0..ng {
        if span[gi].0 == usize::MAX {
            continue;
        }
        let top = g.groups[gi].parent.is_none_or(|p| span[p].0 != span[gi].0);
        if top {
            before[span[gi].0] = before[span[gi].0].max(start_stack[gi]);
        }
        let bottom = g.groups[gi].parent.is_none_or(|p| span[p].1 != span[gi].1);
        if bottom {
            after[span[gi].1] = after[span[gi].1].max(end_stack[gi]);
        }
    }
    let mut thick: Vec<f64> = vec![0.0; nr];
    for l in &lay.lnodes {
        thick[l.rank] = thick[l.rank].max(l.reach);
    }
    let mut extra_gap = vec![0.0; nr];
    let mut band = vec![(0.0, 0.0); nr];
    let mut boxes = vec![None; ng];
    for round in 0..4 {
        let mut u = 0.0;
        for r in 0..nr {
            u += before[r] + extra_gap[r];
            band[r] = (u, u + thick[r]);
            u += thick[r] + after[r] + if r + 1 < nr { sp.rank_gap } else { 0.0 };
        }
        let mut grew = false;
        for gi in 0..ng {
            let (lo, hi) = span[gi];
            if lo == usize::MAX {
                continue;
            }
            let u0 = band[lo].0 - start_stack[gi];
            let u1 = band[hi].1 + end_stack[gi];
            let v0 = members[gi].iter().map(|&(m, s, _)| x[m] - s).fold(f64::INFINITY, f64::min);
            let v1 = members[gi].iter().map(|&(m, _, e)| x[m] + e).fold(f64::NEG_INFINITY, f64::max);
            boxes[gi] = Some([u0, u1, v0, v1]);
            let deficit = title_along_rank[gi] - (u1 - u0);
            if deficit > 0.01 && round < 3 {
                grew = true;
                if lo == hi {
                    thick[lo] += deficit;
                } else {
                    for gap in &mut extra_gap[lo + 1..=hi] {
                        *gap += deficit / (hi - lo) as f64;
                    }
                }
            }
        }
        if !grew {
            break;
        }
    }
    Placed { x, band, groups: boxes }
}
