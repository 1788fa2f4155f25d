//! DOT records and ports, `rank=same` and the attributes refused with their place.

use super::dot::parse;
use super::geom_tests::check;
use super::geom_tests::dump;
use super::graph::Shape;
use super::record::{Field, cells, parse as parse_record, ports};
use super::tests::req;
use super::{check::check_text, geometry, svg};

fn text(port: Option<&str>, t: &str) -> Field {
    Field::Text { port: port.map(String::from), text: t.into() }
}

#[test]
fn record_labels_parse_into_fields_ports_and_flips() {
    let f = parse_record("<in> input | {<a> left | <b> right\\|bar} | out", 0..1).unwrap();
    assert_eq!(
        f,
        Field::List(vec![
            text(Some("in"), "input"),
            Field::List(vec![text(Some("a"), "left"), text(Some("b"), "right|bar")]),
            text(None, "out"),
        ])
    );
    assert_eq!(ports(&f), ["in", "a", "b"]);
    for bad in ["{a|b", "a}|b", "<p a|b"] {
        assert!(parse_record(bad, 3..9).is_err_and(|e| e.body == Some(3..9)), "{bad}");
    }
}

#[test]
fn record_fields_tile_the_node_across_the_ranks_and_flip_inside_braces() {
    let f = parse_record("a | { b | c } | d", 0..1).unwrap();
    // Ranks run down: the top level stands side by side, the braced list is stacked.
    let (cs, seps) = cells(&f, (0.0, 0.0, 120.0, 40.0), true);
    assert_eq!(cs.len(), 4);
    assert_eq!(seps.len(), 3);
    let (b, c) = (cs[1].rect, cs[2].rect);
    assert!((b.0 - c.0).abs() < 1e-9 && b.1 < c.1, "b above c: {b:?} {c:?}");
    assert!(cs[0].rect.0 < b.0 && b.0 < cs[3].rect.0, "a, {{b c}}, d left to right");
    let area: f64 = cs.iter().map(|c| c.rect.2 * c.rect.3).sum();
    assert!((area - 120.0 * 40.0).abs() < 1e-6, "cells tile the node: {area}");
}

const RECORDS: &str = r#"digraph {
  node [shape=record];
  struct1 [label="<f0> left|<f1> mid\ dle|<f2> right"];
  struct2 [label="<f0> one|<f1> two"];
  struct3 [shape=Mrecord, label="hello\nworld |{ b |{c|<here> d|e}| f}| g | h"];
  struct1:f1 -> struct2:f0;
  struct1:f2 -> struct3:here;
}"#;

#[test]
fn edges_attach_to_the_named_fields() {
    let g = parse(RECORDS).unwrap();
    assert_eq!(g.nodes[2].shape, Shape::MRecord);
    assert_eq!(g.edges[0].ports, [Some("f1".to_string()), Some("f0".to_string())]);
    check(&g);
    let geo = geometry(&g);
    let field_x = |v: usize, port: &str| {
        let r = geo.nodes[v];
        let (cs, _) = cells(g.nodes[v].record.as_ref().unwrap(), (r.x, r.y, r.w, r.h), true);
        let c = cs.iter().find(|c| c.port.as_deref() == Some(port)).unwrap().rect;
        (c.0, c.0 + c.2)
    };
    for (e, (v, p), (w, q)) in [(0, (0, "f1"), (1, "f0")), (1, (0, "f2"), (2, "here"))] {
        let (route, (a0, a1), (b0, b1)) = (&geo.routes[e], field_x(v, p), field_x(w, q));
        assert!(route.start.0 > a0 && route.start.0 < a1, "edge {e} leaves field {p}: {:?}", route.start);
        assert!(route.end().0 > b0 && route.end().0 < b1, "edge {e} arrives at field {q}: {:?}", route.end());
    }
    let out = svg(&req(&[("syntax", "dot")], RECORDS, 3.3)).unwrap();
    dump("records", &out);
    check_text(&out).unwrap();
    for t in ["left", "mid dle", "right", "hello", "world", "here", "d"] {
        assert!(out.contains(&format!(">{t}</text>")) || t == "here", "{t} drawn as a field");
    }
    assert!(!out.contains("&lt;f0&gt;"), "ports are not printed");
}

#[test]
fn records_read_across_the_flow_in_both_directions() {
    let lr = RECORDS.replace("digraph {", "digraph { rankdir=LR;");
    let g = parse(&lr).unwrap();
    check(&g);
    let out = svg(&req(&[("syntax", "dot")], &lr, 3.3)).unwrap();
    dump("records-lr", &out);
    check_text(&out).unwrap();
    let geo = geometry(&g);
    let r = geo.nodes[1];
    assert!(r.h > r.w * 0.8, "two fields stacked when ranks run right: {r:?}");
}

#[test]
fn rank_same_puts_nodes_on_one_rank_with_flat_edges_between_neighbours() {
    let dot = r#"digraph {
  start -> a; start -> x; start -> b;
  a -> end; b -> end; x -> end;
  { rank=same; a -> b [label="handoff"]; }
  { rank=same; end; other }
}"#;
    let g = parse(dot).unwrap();
    assert_eq!(g.same_rank.len(), 2);
    check(&g);
    let geo = geometry(&g);
    let cy = |i: usize| geo.nodes[i].centre().1;
    let id = |s: &str| g.node_index(s).unwrap();
    assert!((cy(id("a")) - cy(id("b"))).abs() < 1e-6 && (cy(id("end")) - cy(id("other"))).abs() < 1e-6);
    // a and b are neighbours (x moved aside), the edge runs straight across between them.
    let (ra, rb) = (geo.nodes[id("a")], geo.nodes[id("b")]);
    let r = &geo.routes[6];
    assert!((r.start.1 - r.end().1).abs() < 1e-6, "flat: {r:?}");
    let (lo, hi) = if ra.x < rb.x { (ra.x + ra.w, rb.x) } else { (rb.x + rb.w, ra.x) };
    let rx = geo.nodes[id("x")];
    assert!(rx.x + rx.w <= lo.min(hi) || rx.x >= hi.max(lo), "x is not between a and b");
    let l = geo.labels[6].unwrap();
    assert!(l.x >= lo - 1e-6 && l.x + l.w <= hi + 1e-6, "the label sits in the gap: {l:?} in {lo}..{hi}");
    let out = svg(&req(&[("syntax", "dot")], dot, 3.3)).unwrap();
    dump("rank-same", &out);
    check_text(&out).unwrap();
}

#[test]
fn rank_same_edges_must_chain_within_one_cluster() {
    for (src, msg) in [
        ("digraph { { rank=same; a -> b; b -> c; c -> a } }", "too many edges between nodes of one rank"),
        ("digraph { subgraph cluster_x { a } { rank=same; a -> b } }", "share a rank but not a cluster"),
    ] {
        let e = super::parse(&req(&[("syntax", "dot")], src, 3.3)).unwrap_err();
        assert!(e.message.contains(msg) && e.body.is_some(), "{src}: {e:?}");
    }
}

#[test]
fn random_graphs_with_rank_same_sets_lay_out_cleanly() {
    let mut drawn = 0;
    for seed in 200..260u64 {
        let mut g = super::geom_tests::random_graph(seed, 6 + seed as usize % 12, (seed as usize) % 3, seed % 3 == 0);
        let n = g.nodes.len();
        let k = seed as usize;
        g.same_rank.push(vec![k % n, (k * 7 + 1) % n, (k * 3 + 2) % n]);
        g.same_rank[0].sort_unstable();
        g.same_rank[0].dedup();
        if g.check_flat().is_err() {
            continue;
        }
        drawn += 1;
        check(&g);
        let geo = geometry(&g);
        let horizontal = g.direction == super::graph::Direction::Right;
        let u = |i: usize| if horizontal { geo.nodes[i].centre().0 } else { geo.nodes[i].centre().1 };
        let set = &g.same_rank[0];
        assert!(set.iter().all(|&i| (u(i) - u(set[0])).abs() < 1e-6), "seed {seed}: {set:?} share a rank");
    }
    assert!(drawn >= 20, "only {drawn} graphs passed check_flat");
}

#[test]
fn ports_order_the_next_rank_so_their_edges_do_not_cross() {
    let dot = "digraph { node [shape=record]; a [label=\"<l> left|<r> right\"]; a:r -> x; a:l -> y }";
    let g = parse(dot).unwrap();
    let sizes = super::draw::measure(&g);
    let lay = super::layout::layer(&g, &sizes, false);
    assert_eq!(super::layout::crossings(&lay), 0);
    let geo = geometry(&g);
    let (x, y) = (geo.nodes[1].centre().0, geo.nodes[2].centre().0);
    assert!(y < x, "y (from the left field) stands left of x: {y} {x}");
    let out = svg(&req(&[("syntax", "dot")], dot, 3.3)).unwrap();
    dump("ports-order", &out);
}

#[test]
fn scrambled_dot_never_panics() {
    const TOKS: [&str; 24] = [
        "digraph",
        "graph",
        "{",
        "}",
        "a",
        "b",
        "c",
        "->",
        "--",
        "[",
        "]",
        "=",
        ";",
        ":",
        "p",
        "shape=record",
        "label=\"<p> x|{y|<q> z}\"",
        "rank=same",
        "subgraph",
        "cluster_x",
        "label=\"T\"",
        "a -> a",
        "{ rank=same; a -> b }",
        "b:q -> c",
    ];
    let mut s: u64 = 7;
    for _ in 0..400 {
        let mut body = String::from("digraph { ");
        for _ in 0..12 {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            body.push_str(TOKS[(s >> 33) as usize % TOKS.len()]);
            body.push(' ');
        }
        body.push('}');
        // Any outcome but a panic: a drawing, or an error pointing into the body.
        if let Err(e) = svg(&req(&[("syntax", "dot")], &body, 3.3)) {
            assert!(e.body.as_ref().is_none_or(|r| r.end <= body.len()), "{body}: {e:?}");
        }
    }
}

#[test]
fn random_mixes_of_dot_statements_draw_or_fail_cleanly() {
    const STMTS: [&str; 16] = [
        "a -> b;",
        "b -> c [label=\"x\"];",
        "a -> a;",
        "{ rank=same; b -> c; }",
        "{ rank=same; a; c }",
        "subgraph cluster_x { label=\"T\"; c; d -> e }",
        "node [shape=box];",
        "g [shape=Mrecord, label=\"{a|b}\"];",
        "d:p -> a;",
        "e -> d:q;",
        "c -> a;",
        "rankdir=LR;",
        "f [shape=diamond];",
        "f -> f [label=\"again\"];",
        "b -> d;",
        "e -> b [style=dashed];",
    ];
    let (mut s, mut drawn) = (11u64, 0);
    for _ in 0..300 {
        let mut body = String::from("digraph {\nd [shape=record, label=\"<p> x|{y|<q> z}\"];\n");
        for _ in 0..7 {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            body.push_str(STMTS[(s >> 33) as usize % STMTS.len()]);
            body.push('\n');
        }
        body.push('}');
        match svg(&req(&[("syntax", "dot")], &body, 7.0)) {
            Ok(out) => {
                drawn += 1;
                check_text(&out).unwrap_or_else(|e| panic!("{body}\n{e}"));
                check(&parse(&body).unwrap());
            }
            Err(e) => assert!(e.body.is_some() || e.attr.is_some(), "{body}: {e:?}"),
        }
    }
    assert!(drawn > 100, "{drawn}");
}
