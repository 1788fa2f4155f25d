//! End-to-end tests of the diagram provider: request → SVG, PDF and PNG.

use std::collections::BTreeMap;

use super::*;
use crate::model::{Format, OutputSpec};

pub const PIPELINE: &str = r#"direction: right
group data "Data" [fill=blue] {
  raw "Web images" [shape=cylinder]
  aug "Augment"
  raw -> aug
}
group model "Model" [fill=orange] {
  enc "Encoder" [emphasis]
  head "Head"
  enc -> head "features"
}
loss "Loss" [shape=ellipse]
aug -> enc "batches"
head -> loss [dashed]
"#;

pub fn req(attrs: &[(&str, &str)], body: &str, width_in: f64) -> Request {
    Request {
        kind: Kind::Diagram,
        provider: "builtin".into(),
        provider_version: VERSION.into(),
        attrs: attrs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>(),
        body: body.into(),
        files: BTreeMap::new(),
        extra: Default::default(),
        output: OutputSpec {
            formats: vec![Format::Svg, Format::Pdf, Format::Png],
            width_in,
            height_in: width_in * 0.72,
            png_dpi: 192.0,
        },
    }
}

#[test]
fn renders_every_format_at_print_width() {
    let arts = make(&DiagramProvider::new(), &req(&[], PIPELINE, 7.0)).unwrap();
    let svg = std::str::from_utf8(&arts[0].bytes).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("width=\"7in\""), "{}", &svg[..200]);
    for label in ["Web images", "Encoder", "features", "Data", "Model"] {
        assert!(svg.contains(&format!(">{label}</text>")), "{label} missing");
    }
    let doc = lopdf::Document::load_mem(&arts[1].bytes).unwrap();
    assert_eq!(doc.get_pages().len(), 1);
    let mut reader = png::Decoder::new(std::io::Cursor::new(&arts[2].bytes)).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut buf).unwrap();
    assert_eq!(frame.width, 7 * 192);
    let dark = buf.chunks(3).filter(|p| p.iter().all(|&c| c < 100)).count();
    assert!(dark > 200, "PNG looks blank");
}

#[test]
fn height_follows_the_drawing() {
    let out = svg(&req(&[], "a -> b", 3.3)).unwrap();
    let h: f64 = out.split("height=\"").nth(1).unwrap().split("in\"").next().unwrap().parse().unwrap();
    assert!(h > 0.2 && h < 1.0, "a two-node diagram is short: {h} in");
}

#[test]
fn dot_goes_through_the_same_layout() {
    let dot = "digraph { rankdir=LR; subgraph cluster_a { label=\"A\"; x -> y } y -> z [label=\"out\"] }";
    let out = svg(&req(&[("syntax", "dot")], dot, 3.3)).unwrap();
    assert!(out.contains(">A</text>") && out.contains(">out</text>"));
}

#[test]
fn undirected_dot_edges_are_drawn_without_arrowheads() {
    let arrowheads = |body: &str| svg(&req(&[("syntax", "dot")], body, 3.3)).unwrap().matches("Z\" fill=\"#").count();
    assert_eq!(arrowheads("digraph { a -> b; b -> c }"), 2);
    assert_eq!(arrowheads("graph { a -- b; b -- c }"), 0);
}

#[test]
fn attribute_errors_name_the_attribute() {
    let e = svg(&req(&[("syntax", "mermaid")], "a -> b", 3.3)).unwrap_err();
    assert_eq!(e.attr.as_deref(), Some("syntax"));
    let e = svg(&req(&[], "a -> b [wavy]", 3.3)).unwrap_err();
    assert_eq!(e.body, Some(8..12), "`wavy`");
}

#[test]
fn dot_without_syntax_dot_is_told_to_say_so() {
    for body in ["digraph {\n  a -> b\n}", "# a pipeline\nstrict graph G {\n a -- b\n}"] {
        let e = svg(&req(&[], body, 3.3)).unwrap_err();
        assert!(e.hint.as_deref().is_some_and(|h| h.contains("syntax=dot")), "{body}: {:?}", e.hint);
    }
    // Other mistakes keep their own hint, and the diagram language's own `graph`-free
    // bodies are never taken for DOT.
    let e = svg(&req(&[], "a -> b {", 3.3)).unwrap_err();
    assert!(!e.hint.as_deref().unwrap_or("").contains("syntax=dot"), "{:?}", e.hint);
}

#[test]
fn outputs_are_deterministic() {
    let a = make(&DiagramProvider::new(), &req(&[], PIPELINE, 7.0)).unwrap();
    let b = make(&DiagramProvider::new(), &req(&[], PIPELINE, 7.0)).unwrap();
    for (x, y) in a.iter().zip(&b) {
        assert!(x.bytes == y.bytes, "{} differs", x.format);
    }
}

/// Makes the figure of `req` (builtin providers do not use the key, which is still the real one).
fn make(p: &dyn Provider, req: &Request) -> Result<Vec<Artifact>, ProviderError> {
    p.generate(req, &crate::key::key_of(req))
}
