//! Tests of the DOT subset: graphs, clusters, attribute scopes and errors with spans.

use super::*;
use crate::provider::diagram::graph::Fill;

const DOT: &str = r#"digraph G {
  rankdir=LR; // comment
  node [shape=box, style="rounded,filled", fillcolor=sky];
  /* block
     comment */
  subgraph cluster_data {
    label="Data";
    color=blue;
    raw [label="Raw\ndata", shape=cylinder];
    clean;
    subgraph cluster_inner { label="Inner"; split }
  }
  raw -> clean -> split [label="rows", style=dashed];
  split -> model [penwidth=2.5];
  edge [style=bold];
  model -> report;
  "quoted id" -> model;
}"#;

#[test]
fn parses_clusters_attributes_and_scopes() {
    let g = parse(DOT).unwrap();
    assert_eq!(g.direction, Direction::Right);
    let ids: Vec<&str> = g.nodes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, ["raw", "clean", "split", "model", "report", "quoted id"]);
    assert_eq!(g.groups.len(), 2);
    assert_eq!((g.groups[0].title.as_str(), g.groups[0].fill), ("Data", Some(Fill::Palette(0))));
    assert_eq!((g.groups[1].title.as_str(), g.groups[1].parent), ("Inner", Some(0)));
    assert_eq!(g.nodes[0].label, "Raw\ndata");
    assert_eq!(g.nodes[0].shape, Shape::Cylinder);
    assert_eq!(g.nodes[1].shape, Shape::Rounded, "node defaults apply: box + rounded");
    assert_eq!(g.nodes[1].fill, Some(Fill::Palette(5)));
    assert_eq!(g.nodes.iter().map(|n| n.group).collect::<Vec<_>>(), [Some(0), Some(0), Some(1), None, None, None]);
    assert_eq!(g.edges.len(), 5);
    assert_eq!((g.edges[0].label.as_deref(), g.edges[0].style), (Some("rows"), LineStyle::Dashed));
    assert_eq!(g.edges[1].label.as_deref(), Some("rows"));
    assert_eq!(g.edges[2].style, LineStyle::Bold, "penwidth >= 2 is bold");
    assert_eq!(g.edges[3].style, LineStyle::Bold, "edge defaults apply after their statement");
    assert_eq!(g.edges[4].style, LineStyle::Bold);
    assert_eq!(&DOT[g.edges[0].span.clone()], "raw -> clean");
}

#[test]
fn undirected_graphs_and_default_shapes() {
    let g = parse("graph { a -- b; b -- c }").unwrap();
    assert_eq!(g.edges.len(), 2);
    assert_eq!(g.nodes[0].shape, Shape::Ellipse, "Graphviz's default shape");
    assert_eq!(g.direction, Direction::Down);
}

#[test]
fn errors_point_at_their_text() {
    let cases: &[(&str, &str, &str)] = &[
        ("flowchart { a }", "expected `digraph` or `graph`, found `flowchart`", "flowchart"),
        ("digraph { a -> b", "expected `}`, found the end of the body", ""),
        ("digraph { a [label=<b>x</b>] }", "HTML labels are not supported", "<"),
        ("digraph { a -> { b c } }", "expected a node id, found `{`", "{"),
        ("digraph { a [label=\"x] }", "unterminated string", "\"x] }"),
        ("digraph { }", "the graph has no nodes", "digraph { }"),
        ("digraph { a } b", "expected the end of the body, found `b`", "b"),
        ("digraph { a -> b:n }", "node `b` has no port `n`", "n"),
        ("digraph { a:p:s -> b }", "compass point `:s` is not supported", "s"),
        ("digraph { a [shape=record, label=\"<x> x\"]; a:y -> b }", "node `a` has no port `y`", "y"),
        ("digraph { a [shape=star] }", "shape `star` is not supported", "shape=star"),
        (
            "digraph { a [fillcolor=\"#ffcc00\"] }",
            "colour `#ffcc00` is not in the house palette",
            "fillcolor=\"#ffcc00\"",
        ),
        ("digraph { a -> b [constraint=false] }", "`constraint=false` is not supported", "constraint=false"),
        ("digraph { a -> b [xlabel=x] }", "`xlabel` is not drawn", "xlabel=x"),
        ("digraph { rankdir=RL; a }", "`rankdir=RL` is not supported", "rankdir=RL"),
        ("digraph { label=\"T\"; a }", "a graph's own label is not drawn", "label=\"T\""),
        ("digraph { { rank=min; a } }", "`rank=min` is not supported", "rank=min"),
        ("digraph { a [style=invis] }", "style `invis` is not supported here", "style=invis"),
        ("digraph { a -> b [colour=red] }", "unknown DOT attribute `colour`", "colour=red"),
        ("digraph { a -> b [color=red] }", "edge colour `red` is not drawn", "color=red"),
        (
            "digraph { node [shape=record]; a [label=\"{x|y\"] }",
            "a `{` in a record label is never closed",
            "label=\"{x|y\"",
        ),
    ];
    for (src, msg, at) in cases {
        let e = parse(src).expect_err(src);
        let span = e.body.clone().expect("span");
        assert_eq!((e.message.as_str(), &src[span]), (*msg, *at), "for {src:?}");
    }
}

#[test]
fn thousands_of_nested_braces_fail_with_a_message_not_a_stack_overflow() {
    for open in ["{ ", "subgraph cluster_x { ", "subgraph { "] {
        let src = format!("digraph G {{ {} a {} }}", open.repeat(3000), "} ".repeat(3000));
        let e = parse(&src).unwrap_err();
        assert!(e.to_string().contains("nested more than 32 deep"), "{e}");
    }
    // Nesting as deep as the limit parses.
    let ok = format!("digraph G {{ {} a {} }}", "subgraph cluster_x { ".repeat(MAX_NESTING), "} ".repeat(MAX_NESTING));
    assert!(parse(&ok).is_ok());
}

#[test]
fn undirected_edges_and_dir_none_have_no_arrowhead() {
    let g = parse("graph { a -- b; b -- c [dir=forward] }").unwrap();
    assert_eq!(g.edges.iter().map(|e| e.arrow).collect::<Vec<_>>(), [false, true]);
    let g = parse("digraph { a -> b [dir=none]; b -> c }").unwrap();
    assert_eq!(g.edges.iter().map(|e| e.arrow).collect::<Vec<_>>(), [false, true]);
    let e = parse("digraph { a -> b [dir=back] }").unwrap_err();
    assert!(e.message.contains("`dir=back` is not supported"));
}
