//! Self-loops: drawn on their node's side after it on the cross axis, labels beside them.

use super::geom_tests::dump;
use super::geom_tests::samples;
use super::graph::Direction;
use super::tests::req;
use super::{check::check_text, geometry, lang, svg};

#[test]
fn a_self_loop_leaves_and_returns_on_the_nodes_side_with_its_label_beyond() {
    for (dir, horizontal) in [("right", true), ("down", false)] {
        let body = format!("direction: {dir}\na -> b -> c\nb -> b \"retry\"");
        let g = lang::parse(&body).unwrap();
        assert_eq!(g.direction == Direction::Right, horizontal);
        let geo = geometry(&g);
        let (node, route, label) = (geo.nodes[1], &geo.routes[2], geo.labels[2].expect("the loop's label is placed"));
        // The side after the node on the cross axis: below it (right) or right of it (down).
        let far = |p: (f64, f64)| if horizontal { p.1 - (node.y + node.h) } else { p.0 - (node.x + node.w) };
        let pts = samples(route.start, &route.segs);
        let reach = pts.iter().map(|&p| far(p)).fold(f64::NEG_INFINITY, f64::max);
        assert!(reach > 5.0, "{dir}: the loop reaches {reach} pt out of its node");
        assert!(far(route.start).abs() < 1e-6 && far(route.end()).abs() < 1e-6, "{dir}: both feet on the side");
        let label_near = if horizontal { label.y - (node.y + node.h) } else { label.x - (node.x + node.w) };
        assert!(label_near >= reach - 1e-6, "{dir}: the label stands beyond the loop ({label_near} < {reach})");
        // Nothing else comes near: the other edges stay off the loop's room.
        for (e, r) in geo.routes.iter().enumerate().take(2) {
            for p in samples(r.start, &r.segs) {
                assert!(far(p) <= 1e-6 || !inside_span(p, &node, horizontal), "{dir}: edge {e} runs through the loop");
            }
        }
        let out = svg(&req(&[], &body, 3.3)).unwrap();
        dump(&format!("loop-{dir}"), &out);
        check_text(&out).unwrap();
    }
}

/// Whether `p` lies within the node's extent along the rank axis.
fn inside_span(p: (f64, f64), node: &super::route::Rect, horizontal: bool) -> bool {
    if horizontal { p.0 > node.x && p.0 < node.x + node.w } else { p.1 > node.y && p.1 < node.y + node.h }
}

#[test]
fn loops_on_one_node_nest_and_their_labels_do_not_collide() {
    let body = "a -> a \"first\"\na -> a \"second\"\na -> a\na -> b";
    let g = lang::parse(body).unwrap();
    let geo = geometry(&g);
    let reach = |e: usize| {
        samples(geo.routes[e].start, &geo.routes[e].segs).iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max)
    };
    assert!(reach(0) < reach(1) && reach(1) < reach(2), "nested: {} {} {}", reach(0), reach(1), reach(2));
    let out = svg(&req(&[], body, 3.3)).unwrap();
    dump("loops-nested", &out);
    check_text(&out).unwrap();
}

#[test]
fn every_shape_is_drawn_with_its_text_inside_and_edges_on_its_outline() {
    // geom_tests' random graphs use every shape too; this one is to look at.
    let names = super::graph::Shape::NAMES.split(", ").collect::<Vec<_>>();
    let mut body = String::from("direction: down\n");
    for (i, name) in names.iter().enumerate() {
        body.push_str(&format!("s{i} \"{name}\\nshape\" [shape={name}]\n"));
    }
    for i in 1..names.len() {
        body.push_str(&format!("s{} -> s{i}\n", (i - 1) / 3));
    }
    let g = lang::parse(&body).unwrap();
    super::geom_tests::check(&g);
    let out = svg(&req(&[], &body, 7.0)).unwrap();
    dump("shapes", &out);
    check_text(&out).unwrap();
}
