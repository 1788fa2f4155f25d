//! Tests of the diagram language parser: a full example, and every error with its span.

use super::*;

const GOOD: &str = r#"# a pipeline
direction: down
node data "Web corpus" [shape=cylinder, fill=blue]
group train "Training" [fill=orange] {
  enc "Vision\nencoder" [emphasis, ellipse]
  group inner "Inner" { head }   // nested
  enc -> head "features" [dashed]
}
data -> enc -> out [bold]; out "Output" [shape=box]
"#;

#[test]
fn parses_nodes_edges_groups_and_direction() {
    let g = parse(GOOD).unwrap();
    assert_eq!(g.direction, Direction::Down);
    let ids: Vec<&str> = g.nodes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, ["data", "enc", "head", "out"]);
    let enc = &g.nodes[1];
    assert_eq!(enc.label, "Vision\nencoder");
    assert!(enc.emphasis);
    assert_eq!(enc.shape, Shape::Ellipse);
    assert_eq!(enc.group, Some(0));
    assert_eq!(g.nodes[0].shape, Shape::Cylinder);
    assert_eq!(g.nodes[0].fill, Some(Fill::Palette(0)));
    assert_eq!(g.nodes[2].group, Some(1), "head is declared in the nested group");
    assert_eq!(g.groups[1].parent, Some(0));
    assert_eq!(g.groups[0].title, "Training");
    assert_eq!(g.nodes[3].label, "Output");
    assert_eq!(g.nodes[3].shape, Shape::Box);
    assert_eq!(g.nodes[3].group, None);
    assert_eq!(g.edges.len(), 3);
    assert_eq!(g.edges[0].label.as_deref(), Some("features"));
    assert_eq!(g.edges[0].style, LineStyle::Dashed);
    assert_eq!((g.edges[1].from, g.edges[1].to, g.edges[1].style), (0, 1, LineStyle::Bold));
    assert_eq!((g.edges[2].from, g.edges[2].to), (1, 3));
    assert_eq!(&GOOD[g.edges[0].span.clone()], "enc -> head");
}

#[test]
fn implicit_nodes_take_the_group_of_their_first_mention() {
    let g = parse("group a \"A\" { x -> y }\ny -> z\n").unwrap();
    assert_eq!(g.nodes.iter().map(|n| n.group).collect::<Vec<_>>(), [Some(0), Some(0), None]);
    assert_eq!(g.nodes[2].label, "z");
    assert_eq!(g.direction, Direction::Right, "default direction");
}

/// The error for `src` and the text its span covers.
fn error(src: &str) -> (String, String) {
    let e = parse(src).expect_err(src);
    let span = e.body.clone().expect("error has a body span");
    assert!(e.hint.is_some(), "error without a hint: {}", e.message);
    (e.message, src[span].to_string())
}

#[test]
fn every_error_points_at_its_text() {
    let cases: &[(&str, &str, &str)] = &[
        ("a -> b\nc \"unterminated\n", "unterminated string", "\"unterminated"),
        ("a \"x\\q\"", "unknown escape in string", "\\q"),
        ("a -> b\n  a $ b", "unexpected character `$`", "$"),
        ("a -> b c", "expected the end of the statement, found `c`", "c"),
        ("a -> ", "expected a node id after `->`, found the end of the diagram", ""),
        ("a [shape=star]", "unknown shape `star`", "shape=star"),
        ("a [fill=teal]", "unknown fill `teal`", "fill=teal"),
        ("a [colour=blue]", "unknown node attribute `colour`", "colour=blue"),
        ("a -> b [wavy]", "unknown edge attribute `wavy`", "wavy"),
        ("a -> b [style=wavy]", "unknown edge style `wavy`", "style=wavy"),
        ("a [shape]", "`shape` needs a value", "shape"),
        ("a [emphasis=very]", "`emphasis` is a flag, not `very`", "emphasis=very"),
        ("a [fill=blue\nb", "this `[` is never closed", "["),
        ("a\na", "node `a` is declared twice", "a"),
        ("group g { a }\ngroup g { b }", "group `g` is declared twice", "g"),
        ("group g \"G\" {\n a\n", "this `{` is never closed", "{"),
        ("a\n}", "`}` without a matching `group ... {`", "}"),
        ("group g \"G\" a", "expected `{`, found `a`", "a"),
        ("group g { a }\ng -> a", "`g` is a group, not a node", "g"),
        ("direction: sideways\na", "unknown direction `sideways`", "sideways"),
        ("group g \"Empty\" { }\na", "group `g` is empty", "g"),
        ("# only a comment\n", "the diagram has no nodes", "# only a comment\n"),
        ("a -> b [label=]", "expected a value after `label=`, found `]`", "]"),
    ];
    for (src, msg, at) in cases {
        let (m, s) = error(src);
        assert_eq!((m.as_str(), s.as_str()), (*msg, *at), "for {src:?}");
    }
}

#[test]
fn spans_count_bytes_after_multibyte_text() {
    let src = "a \"Größe – µ\"\nb [shape=star]";
    let (_, s) = error(src);
    assert_eq!(s, "shape=star");
}

#[test]
fn thousands_of_nested_groups_fail_with_a_message_not_a_stack_overflow() {
    let deep = |n: usize| {
        let mut src = String::new();
        for i in 0..n {
            src += &format!("group g{i} {{\n");
        }
        src += "a\n";
        src += &"}\n".repeat(n);
        src
    };
    let e = parse(&deep(3000)).unwrap_err();
    assert!(e.to_string().contains("nested more than 32 deep"), "{e}");
    assert!(parse(&deep(MAX_NESTING)).is_ok());
}
