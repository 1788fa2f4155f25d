//! One layout of a graph, start to end: text measured, layered, placed, routed, titles
//! placed; `fit` calls it with tighter gaps when space is short.

use super::graph::{Direction, Graph};
use super::place::Spacing;
use super::route::Geometry;
use super::{draw, layout, place, route, titles};

/// Lays a graph out: the geometry `draw::svg` draws and the tests check.
pub fn geometry(g: &Graph) -> Geometry {
    geometry_with(g, 0)
}

/// Lays a graph out with the usual gaps (`tight` 0), or tighter ones (1, 2) when space is short.
pub fn geometry_with(g: &Graph, tight: u8) -> Geometry {
    let horizontal = g.direction == Direction::Right;
    let sizes = draw::measure(g);
    let insets = draw::insets(g, &sizes, horizontal);
    let labelled = sizes.labels.iter().any(Option::is_some);
    let lay = layout::layer(g, &sizes, horizontal);
    let (rank_gap, node_gap, group_gap) = match tight {
        0 => (if labelled { 10.0 } else { 16.0 }, 10.0, 8.0),
        1 => (if labelled { 8.0 } else { 11.0 }, 7.0, 6.0),
        _ => (if labelled { 6.0 } else { 8.0 }, 5.0, 4.0),
    };
    let sp = Spacing { rank_gap, node_gap, dummy_gap: if tight > 0 { 3.0 } else { 4.0 }, group_gap };
    let titles: Vec<f64> = sizes.titles.iter().map(|t| if horizontal { t.0 } else { 0.0 }).collect();
    let mut insets = insets;
    let mut placed = place::place(g, &lay, &insets, sp, &titles);
    if !horizontal {
        // A group narrower than its title gets wider padding on both sides, and is placed again.
        let mut again = false;
        for (gi, b) in placed.groups.iter().enumerate() {
            let deficit = b.map_or(0.0, |[_, _, v0, v1]| sizes.titles[gi].0 - (v1 - v0));
            if deficit > 0.01 {
                insets[gi].cross_start += deficit / 2.0;
                insets[gi].cross_end += deficit / 2.0;
                again = true;
            }
        }
        if again {
            placed = place::place(g, &lay, &insets, sp, &titles);
        }
    }
    let mut geo = route::build(g, &sizes, &lay, &placed, horizontal);
    for round in 0..3 {
        let crossed = titles::place(g, &mut geo);
        if crossed.is_empty() || horizontal || round == 2 {
            break;
        }
        // Ranks run down and edges cross every place on a title's strip: room is made at
        // the group's left, under the title, where no node stands.
        for gi in crossed {
            insets[gi].cross_start += sizes.titles[gi].0;
        }
        placed = place::place(g, &lay, &insets, sp, &titles);
        geo = route::build(g, &sizes, &lay, &placed, horizontal);
    }
    geo
}
