//! Layered (Sugiyama-style) layout, first half: cycles broken, ranks assigned, long edges
//! split into dummy nodes (one of them carries the edge's label), groups given a presence
//! in every rank they span, and the order within each rank chosen to reduce crossings
//! while keeping every group contiguous and sibling groups in one order on every rank.
//!
//! `place` then gives coordinates. Everything is in points at print size along two
//! abstract axes: the rank axis (down or right) and the cross axis.

use super::graph::Graph;

/// Sizes measured from the text (see `draw::measure`), in points, as drawn (x, y).
#[derive(Clone, Debug)]
pub struct Sizes {
    pub nodes: Vec<(f64, f64)>,
    pub labels: Vec<Option<(f64, f64)>>,
    pub titles: Vec<(f64, f64)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LKind {
    Real(usize),
    Dummy,
    /// Carries the label of this edge.
    Label(usize),
    /// Keeps a group present on every rank it spans.
    Strut,
}

/// A node of the layered graph.
#[derive(Clone, Debug)]
pub struct LNode {
    pub rank: usize,
    /// Size along the rank axis and the cross axis.
    pub wr: f64,
    pub wc: f64,
    /// Room after the node on the cross axis for its self-loops and their labels.
    pub tail: f64,
    /// Size along the rank axis with the self-loops' labels (at least `wr`).
    pub reach: f64,
    pub group: Option<usize>,
    pub kind: LKind,
}

/// The layered nodes one edge passes through, in rank order.
#[derive(Clone, Debug)]
pub struct Chain {
    pub nodes: Vec<usize>,
    /// The edge runs against the ranks (it closed a cycle).
    pub reversed: bool,
    /// Both ends share a rank (`rank=same`): `nodes` is the two ends, made neighbours.
    pub flat: bool,
}

pub struct Layered {
    pub lnodes: Vec<LNode>,
    pub layers: Vec<Vec<usize>>,
    pub chains: Vec<Chain>,
    /// (upper, lower, weight) between adjacent ranks.
    pub segs: Vec<(usize, usize, f64)>,
    /// Per segment, where it attaches across its upper and lower node, as a fraction of the
    /// node from its middle (-0.5..0.5): a record field's port, else 0.
    pub ports: Vec<(f64, f64)>,
    /// (a, b, least gap) for neighbours joined by a flat edge.
    pub flat_gaps: Vec<(usize, usize, f64)>,
}

/// Builds the layered graph and orders it.
// Edges, ranks and groups are indexed in parallel arrays; index loops read best here.
#[allow(clippy::needless_range_loop)]
pub fn layer(g: &Graph, sizes: &Sizes, horizontal: bool) -> Layered {
    let n = g.nodes.len();
    let along = |(w, h): (f64, f64)| if horizontal { (w, h) } else { (h, w) };
    // Nodes that share a rank (`rank=same`) are ranked as one, their representative; an
    // edge between two of them is flat (drawn across, between neighbours on the rank).
    let rep = g.rank_reps();
    let flat = |e: usize| !g.edges[e].is_loop() && rep[g.edges[e].from] == rep[g.edges[e].to];
    let ranked = |e: usize| !g.edges[e].is_loop() && !flat(e);
    // 1. Orient edges so the graph is acyclic: DFS, back edges reversed.
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    for i in (0..g.edges.len()).filter(|&e| ranked(e)) {
        out[rep[g.edges[i].from]].push(i);
    }
    let mut reversed = vec![false; g.edges.len()];
    let mut state = vec![0u8; n];
    for root in 0..n {
        if state[root] != 0 || rep[root] != root {
            continue;
        }
        let mut stack = vec![(root, 0usize)];
        state[root] = 1;
        while let Some((v, k)) = stack.pop() {
            if k < out[v].len() {
                stack.push((v, k + 1));
                let e = out[v][k];
                let w = rep[g.edges[e].to];
                match state[w] {
                    0 => {
                        state[w] = 1;
                        stack.push((w, 0));
                    }
                    1 => reversed[e] = true,
                    _ => {}
                }
            } else {
                state[v] = 2;
            }
        }
    }
    let ends = |e: usize| {
        let ed = &g.edges[e];
        if reversed[e] { (ed.to, ed.from) } else { (ed.from, ed.to) }
    };
    // 2. Ranks: longest path from the sources, then sources pulled down next to their successors.
    let mut indeg = vec![0usize; n];
    // A labelled edge spans at least two ranks: its label gets the rank between.
    let mut succ: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
    for e in (0..g.edges.len()).filter(|&e| ranked(e)) {
        let (a, b) = ends(e);
        let (a, b) = (rep[a], rep[b]);
        indeg[b] += 1;
        succ[a].push((b, if g.edges[e].label.is_some() { 2 } else { 1 }));
    }
    let mut topo = Vec::with_capacity(n);
    let mut deg = indeg.clone();
    let mut ready: Vec<usize> = (0..n).filter(|&v| deg[v] == 0).rev().collect();
    while let Some(v) = ready.pop() {
        topo.push(v);
        for &(w, _) in succ[v].iter().rev() {
            deg[w] -= 1;
            if deg[w] == 0 {
                ready.push(w);
            }
        }
    }
    let mut rank = vec![0usize; n];
    for &v in &topo {
        for &(w, len) in &succ[v] {
            rank[w] = rank[w].max(rank[v] + len);
        }
    }
    for &v in topo.iter().rev() {
        // Grouped sources stay put: pulling them would stretch their group across ranks.
        if indeg[v] == 0 && !succ[v].is_empty() && (0..n).all(|u| rep[u] != v || g.nodes[u].group.is_none()) {
            rank[v] = succ[v].iter().map(|&(w, len)| rank[w] - len).min().unwrap_or(rank[v]);
        }
    }
    for v in 0..n {
        rank[v] = rank[rep[v]];
    }
    let low = rank.iter().copied().min().unwrap_or(0);
    rank.iter_mut().for_each(|r| *r -= low);
    let nranks = rank.iter().max().map_or(1, |r| r + 1);

    // 3. Layered nodes: real ones, then dummies along long edges.
    let mut lnodes: Vec<LNode> = (0..n)
        .map(|i| {
            let (wr, wc) = along(sizes.nodes[i]);
            let (tail, reach) = loop_room(g, sizes, i, wr, along);
            LNode { rank: rank[i], wr, wc, tail, reach, group: g.nodes[i].group, kind: LKind::Real(i) }
        })
        .collect();
    // A long edge's label goes on the rank between its ends that is already thickest
    // (its real nodes' size along the rank axis), nearest the middle: there it costs no room.
    let mut real_thick = vec![0.0f64; nranks];
    for l in &lnodes {
        real_thick[l.rank] = real_thick[l.rank].max(l.wr);
    }
    let mut chains = Vec::with_capacity(g.edges.len());
    let mut segs = Vec::new();
    let mut ports = Vec::new();
    for e in 0..g.edges.len() {
        let (a, b) = ends(e);
        if a == b {
            // A self-loop passes through no rank: it is drawn on its node's side (`route`).
            chains.push(Chain { nodes: vec![a], reversed: false, flat: false });
            continue;
        }
        if flat(e) {
            chains.push(Chain { nodes: vec![a, b], reversed: false, flat: true });
            continue;
        }
        let group = g.common_group(g.nodes[a].group, g.nodes[b].group);
        let centre = rank[a] + (rank[b] - rank[a]) / 2;
        let mid = (rank[a] + 1..rank[b])
            .max_by(|&r, &q| {
                real_thick[r]
                    .total_cmp(&real_thick[q])
                    .then_with(|| r.abs_diff(centre).cmp(&q.abs_diff(centre)).reverse())
            })
            .unwrap_or(centre);
        let mut nodes = vec![a];
        for r in rank[a] + 1..rank[b] {
            let (kind, (wr, wc)) = match sizes.labels[e] {
                Some(s) if r == mid => (LKind::Label(e), along(s)),
                _ => (LKind::Dummy, (0.0, 0.0)),
            };
            lnodes.push(LNode { rank: r, wr, wc, tail: 0.0, reach: wr, group, kind });
            nodes.push(lnodes.len() - 1);
        }
        nodes.push(b);
        let last = nodes.len() - 2;
        for (k, w) in nodes.windows(2).enumerate() {
            let dummies =
                usize::from(lnodes[w[0]].kind != LKind::Real(a)) + usize::from(lnodes[w[1]].kind != LKind::Real(b));
            segs.push((w[0], w[1], [1.0, 2.0, 8.0][dummies]));
            let off = |v: usize, at_end: bool| if at_end { port_offset(g, sizes, e, v, horizontal) } else { 0.0 };
            ports.push((off(a, k == 0), off(b, k == last)));
        }
        chains.push(Chain { nodes, reversed: reversed[e], flat: false });
    }
    // 4. Struts: every group is present on every rank it spans.
    let ng = g.groups.len();
    let mut span = vec![(usize::MAX, 0usize); ng];
    let mut present = vec![vec![false; nranks]; ng];
    for l in &lnodes {
        for gi in g.group_path(l.group) {
            span[gi] = (span[gi].0.min(l.rank), span[gi].1.max(l.rank));
            present[gi][l.rank] = true;
        }
    }
    for gi in 0..ng {
        let (lo, hi) = span[gi];
        if lo == usize::MAX {
            continue;
        }
        for r in lo..=hi {
            if !present[gi][r] {
                lnodes.push(LNode {
                    rank: r,
                    wr: 0.0,
                    wc: 0.0,
                    tail: 0.0,
                    reach: 0.0,
                    group: Some(gi),
                    kind: LKind::Strut,
                });
            }
        }
    }
    // 5. Order within ranks.
    let mut layers: Vec<Vec<usize>> = vec![Vec::new(); nranks];
    for (i, l) in lnodes.iter().enumerate() {
        layers[l.rank].push(i);
    }
    let mut lay = Layered { lnodes, layers, chains, segs, ports, flat_gaps: Vec::new() };
    order(g, &mut lay);
    flat_neighbours(g, sizes, horizontal, &mut lay);
    lay
}

/// Least gap between two nodes joined by a flat edge: room for the arrow, and its label.
const FLAT_GAP: f64 = 16.0;

/// Puts the nodes joined by flat edges next to each other on their rank, in paths (the
/// parser allows no more: `Graph::check_flat`), and records the gap each edge needs.
fn flat_neighbours(g: &Graph, sizes: &Sizes, horizontal: bool, lay: &mut Layered) {
    let flats: Vec<(usize, usize, usize)> =
        lay.chains.iter().enumerate().filter(|(_, c)| c.flat).map(|(e, c)| (e, c.nodes[0], c.nodes[1])).collect();
    if flats.is_empty() {
        return;
    }
    let mut nb: Vec<Vec<usize>> = vec![Vec::new(); g.nodes.len()];
    for &(_, a, b) in &flats {
        nb[a].push(b);
        nb[b].push(a);
    }
    let mut done = vec![false; g.nodes.len()];
    for layer in &mut lay.layers {
        let starts: Vec<usize> = layer.iter().copied().filter(|&v| v < nb.len() && nb[v].len() == 1).collect();
        for s in starts {
            if done[s] {
                continue;
            }
            // Walk the path from this end.
            let mut path = vec![s];
            done[s] = true;
            while let Some(&next) = nb[*path.last().unwrap_or(&s)].iter().find(|&&w| !done[w]) {
                done[next] = true;
                path.push(next);
            }
            let at = layer.iter().position(|&v| v == s).unwrap_or(0);
            let before = layer[..at].iter().filter(|v| path.contains(v)).count();
            layer.retain(|v| !path.contains(v));
            let at = at - before;
            for (k, &v) in path.iter().enumerate() {
                layer.insert(at + k, v);
            }
        }
    }
    for (e, a, b) in flats {
        let cross = sizes.labels[e].map_or(0.0, |(w, h)| if horizontal { h } else { w });
        lay.flat_gaps.push((a, b, FLAT_GAP + cross));
        // A label wider than its nodes along the rank axis widens the rank.
        let along = sizes.labels[e].map_or(0.0, |(w, h)| if horizontal { w } else { h });
        lay.lnodes[a].reach = lay.lnodes[a].reach.max(along);
    }
}

/// How far the first self-loop reaches out of its node's side, the step to the next one
/// (they nest), and the gap between the outermost loop and the labels, in points.
pub const LOOP_REACH: f64 = 9.0;
pub const LOOP_STEP: f64 = 5.0;
pub const LOOP_GAP: f64 = 2.0;

/// The self-loops of node `v`, in edge order.
pub fn loops_of(g: &Graph, v: usize) -> impl Iterator<Item = usize> + '_ {
    g.edges.iter().enumerate().filter(move |(_, e)| e.from == v && e.to == v).map(|(i, _)| i)
}

/// Room a node needs for its self-loops: (after it on the cross axis, along the rank axis).
/// The loops nest on the side after the node; their labels stand in a row along the rank
/// axis beyond the outermost loop, centred on the node.
fn loop_room(g: &Graph, sizes: &Sizes, v: usize, wr: f64, along: impl Fn((f64, f64)) -> (f64, f64)) -> (f64, f64) {
    let loops: Vec<usize> = loops_of(g, v).collect();
    if loops.is_empty() {
        return (0.0, wr);
    }
    let reach = LOOP_REACH + LOOP_STEP * (loops.len() - 1) as f64;
    let labels: Vec<(f64, f64)> = loops.iter().filter_map(|&e| sizes.labels[e]).map(&along).collect();
    let row: f64 = labels.iter().map(|l| l.0).sum::<f64>() + LOOP_GAP * labels.len().saturating_sub(1) as f64;
    let cross = labels.iter().map(|l| l.1).fold(0.0, f64::max);
    let tail = reach + if labels.is_empty() { LOOP_GAP } else { LOOP_GAP + cross };
    (tail, wr.max(row))
}

/// A neighbour in the next or previous rank: (node, weight, port offset on that node).
type Nb = (usize, f64, f64);

/// Where edge `e` attaches across record node `v` (its port's field), as a fraction of
/// the node from its middle; 0 for other nodes and edges without a port there.
fn port_offset(g: &Graph, sizes: &Sizes, e: usize, v: usize, horizontal: bool) -> f64 {
    let edge = &g.edges[e];
    let (Some(f), Some(port)) = (&g.nodes[v].record, &edge.ports[usize::from(edge.from != v)]) else {
        return 0.0;
    };
    let (w, h) = sizes.nodes[v];
    let (cells, _) = super::record::cells(f, (0.0, 0.0, w, h), !horizontal);
    cells.iter().find(|c| c.port.as_ref() == Some(port)).map_or(0.0, |c| {
        let (x, y, cw, ch) = c.rect;
        if horizontal { (y + ch / 2.0) / h - 0.5 } else { (x + cw / 2.0) / w - 0.5 }
    })
}

/// Barycentre sweeps with hierarchical sorting; keeps the order with the fewest crossings.
fn order(g: &Graph, lay: &mut Layered) {
    let nl = lay.lnodes.len();
    let mut up: Vec<Vec<Nb>> = vec![Vec::new(); nl];
    let mut down: Vec<Vec<Nb>> = vec![Vec::new(); nl];
    for (&(a, b, w), &(pa, pb)) in lay.segs.iter().zip(&lay.ports) {
        down[a].push((b, w, pb));
        up[b].push((a, w, pa));
    }
    let paths: Vec<Vec<usize>> = lay.lnodes.iter().map(|l| g.group_path(l.group)).collect();
    let mut pos = vec![0.0; nl];
    let set_pos = |layers: &[Vec<usize>], pos: &mut [f64]| {
        for layer in layers {
            for (i, &v) in layer.iter().enumerate() {
                pos[v] = (i as f64 + 0.5) / layer.len() as f64;
            }
        }
    };
    // Start from a sort with every node at its insertion position (declaration order).
    set_pos(&lay.layers, &mut pos);
    let keys = pos.clone();
    let gk = group_keys(g, &paths, &pos);
    for layer in lay.layers.iter_mut() {
        sort_layer(layer, &paths, &keys, &gk);
    }
    set_pos(&lay.layers, &mut pos);
    let mut best = (crossings(lay), lay.layers.clone());
    for iter in 0..16 {
        let downward = iter % 2 == 0;
        let gk = group_keys(g, &paths, &pos);
        let ranks: Vec<usize> = if downward {
            (1..lay.layers.len()).collect()
        } else {
            (0..lay.layers.len().saturating_sub(1)).rev().collect()
        };
        for r in ranks {
            let nb = if downward { &up } else { &down };
            let mut keys = pos.clone();
            for &v in &lay.layers[r] {
                let at = |u: usize, off: f64| pos[u] + off * 0.9 / lay.layers[lay.lnodes[u].rank].len() as f64;
                let (s, w) = nb[v].iter().fold((0.0, 0.0), |(s, w), &(u, wt, off)| (s + at(u, off) * wt, w + wt));
                if w > 0.0 {
                    keys[v] = s / w;
                }
            }
            sort_layer(&mut lay.layers[r], &paths, &keys, &gk);
            let len = lay.layers[r].len() as f64;
            for (i, &v) in lay.layers[r].iter().enumerate() {
                pos[v] = (i as f64 + 0.5) / len;
            }
        }
        let c = crossings(lay);
        if c < best.0 {
            best = (c, lay.layers.clone());
        }
    }
    lay.layers = best.1;
    transpose(lay, &paths, &up, &down);
}

/// Swaps neighbours on a rank (of the same groups, so groups stay whole) while that
/// removes crossings with the ranks on either side: Graphviz's `transpose` step, which
/// catches what barycentres miss, such as a back edge's dummy on the wrong side.
fn transpose(lay: &mut Layered, paths: &[Vec<usize>], up: &[Vec<Nb>], down: &[Vec<Nb>]) {
    let mut idx = vec![0usize; lay.lnodes.len()];
    for layer in &lay.layers {
        for (i, &v) in layer.iter().enumerate() {
            idx[v] = i;
        }
    }
    // Crossings among the segments of u and v (u left of v) towards one neighbour rank.
    let cross = |u: usize, v: usize, nb: &[Vec<Nb>], idx: &[usize]| {
        let mut c = 0;
        for &(p, _, op) in &nb[u] {
            for &(q, _, oq) in &nb[v] {
                if idx[p] as f64 + op * 0.9 > idx[q] as f64 + oq * 0.9 {
                    c += 1;
                }
            }
        }
        c
    };
    for _ in 0..8 {
        let mut improved = false;
        for r in 0..lay.layers.len() {
            for i in 0..lay.layers[r].len().saturating_sub(1) {
                let (u, v) = (lay.layers[r][i], lay.layers[r][i + 1]);
                if paths[u] != paths[v] {
                    continue;
                }
                let now = cross(u, v, up, &idx) + cross(u, v, down, &idx);
                let swapped = cross(v, u, up, &idx) + cross(v, u, down, &idx);
                if swapped < now {
                    lay.layers[r].swap(i, i + 1);
                    idx[u] = i + 1;
                    idx[v] = i;
                    improved = true;
                }
            }
        }
        if !improved {
            break;
        }
    }
}

/// Mean position of each group's members over all ranks (fixed for one sweep, so sibling
/// groups come in the same order on every rank).
fn group_keys(g: &Graph, paths: &[Vec<usize>], pos: &[f64]) -> Vec<f64> {
    let mut sum = vec![(0.0, 0.0); g.groups.len()];
    for (v, path) in paths.iter().enumerate() {
        for &gi in path {
            sum[gi].0 += pos[v];
            sum[gi].1 += 1.0;
        }
    }
    sum.iter().enumerate().map(|(i, (s, n))| if *n > 0.0 { s / n + i as f64 * 1e-9 } else { 0.0 }).collect()
}

/// Sorts one rank so each group's members are contiguous, nested groups inside theirs:
/// compares two nodes at the first level where their group paths differ.
fn sort_layer(layer: &mut [usize], paths: &[Vec<usize>], keys: &[f64], gk: &[f64]) {
    layer.sort_by(|&a, &b| {
        let (pa, pb) = (&paths[a], &paths[b]);
        let k = pa.iter().zip(pb).take_while(|(x, y)| x == y).count();
        let ka = pa.get(k).map_or(keys[a], |&gi| gk[gi]);
        let kb = pb.get(k).map_or(keys[b], |&gi| gk[gi]);
        // Ties: a group against a node is decided the same way for every member of the
        // group (by index, the tie would make the order intransitive and split the group).
        ka.total_cmp(&kb).then_with(|| match (pa.get(k), pb.get(k)) {
            (Some(x), Some(y)) => x.cmp(y),
            (Some(_), None) => std::cmp::Ordering::Greater,
            (None, Some(_)) => std::cmp::Ordering::Less,
            (None, None) => a.cmp(&b),
        })
    });
}

/// Number of crossings between segments of adjacent ranks.
pub fn crossings(lay: &Layered) -> usize {
    let mut idx = vec![0usize; lay.lnodes.len()];
    for layer in &lay.layers {
        for (i, &v) in layer.iter().enumerate() {
            idx[v] = i;
        }
    }
    // Positions along the rank, a port's place across its node included.
    let mut by_rank: Vec<Vec<(f64, f64)>> = vec![Vec::new(); lay.layers.len()];
    for (&(a, b, _), &(pa, pb)) in lay.segs.iter().zip(&lay.ports) {
        by_rank[lay.lnodes[a].rank].push((idx[a] as f64 + pa * 0.9, idx[b] as f64 + pb * 0.9));
    }
    let mut total = 0;
    for segs in &mut by_rank {
        segs.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.total_cmp(&y.1)));
        for i in 0..segs.len() {
            for j in i + 1..segs.len() {
                if segs[i].0 < segs[j].0 && segs[i].1 > segs[j].1 {
                    total += 1;
                }
            }
        }
    }
    total
}
