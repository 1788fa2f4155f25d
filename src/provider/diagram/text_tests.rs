//! The text check (`check::check_text`) over many drawn diagrams: the guide's and the
//! example's, hand-written corner cases and seeded random graphs, in both widths.

use super::check::{MIN_PT, check_text, min_text_pt, text_boxes};
use super::fit::{MAX_HEIGHT_IN, fit};
use super::geom_tests::{dump, random_graph};
use super::graph::Graph;
use super::svg;
use super::tests::req;

/// A diagram directive of the guide: where it is, its attributes and its body.
type Documented = (String, Vec<(String, String)>, String);

/// Every builtin diagram directive of the guide and the example paper.
fn documented() -> Vec<Documented> {
    let pages = [
        ("guide/diagrams.md", include_str!("../../../guide/diagrams.md")),
        ("guide/mdbook.md", include_str!("../../../guide/mdbook.md")),
        ("examples/paper/paper.md", include_str!("../../../examples/paper/paper.md")),
    ];
    let mut out = Vec::new();
    for (page, text) in pages {
        let mut lines = text.lines().enumerate();
        while let Some((no, line)) = lines.next() {
            let Some(head) = line.strip_prefix("```{paperfig ") else { continue };
            if !head.contains("kind=diagram") || head.contains("provider=") {
                continue;
            }
            let mut attrs = Vec::new();
            for key in ["size", "syntax", "direction"] {
                if let Some(v) = head.split(&format!(" {key}=")).nth(1) {
                    attrs.push((key.to_string(), v.split([' ', '}']).next().unwrap_or("").to_string()));
                }
            }
            let body: Vec<&str> = lines.by_ref().map(|(_, l)| l).take_while(|l| !l.starts_with("```")).collect();
            out.push((format!("{page}:{}", no + 1), attrs, body.join("\n") + "\n"));
        }
    }
    out
}

fn draw(attrs: &[(String, String)], body: &str) -> Result<String, crate::model::ProviderError> {
    let width = match attrs.iter().find(|(k, _)| k == "size").map(|(_, v)| v.as_str()) {
        Some("wide") => 7.0,
        _ => 3.3,
    };
    let a: Vec<(&str, &str)> =
        attrs.iter().filter(|(k, _)| k != "size").map(|(k, v)| (k.as_str(), v.as_str())).collect();
    svg(&req(&a, body, width))
}

#[test]
fn the_guides_diagrams_keep_their_text_legible() {
    let all = documented();
    assert!(all.len() >= 5, "found {} diagrams", all.len());
    for (at, attrs, body) in all {
        let out = draw(&attrs, &body).unwrap_or_else(|e| panic!("{at}: {e:?}"));
        dump(&at, &out);
        assert!(min_text_pt(&out).is_some_and(|pt| pt >= MIN_PT), "{at}");
        check_text(&out).unwrap_or_else(|e| panic!("{at}:\n{e}"));
        let width = if attrs.iter().any(|(k, v)| k == "size" && v == "wide") { 7.0 } else { 3.3 };
        let a: Vec<(&str, &str)> = attrs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let g = super::parse(&req(&a, &body, width)).unwrap();
        let f = fit(&g, width, width * 0.72).unwrap();
        let clutter = super::geom_tests::clutter(&f.graph, &f.geometry);
        assert!(clutter.is_empty(), "{at}: {clutter:?}");
    }
}

/// Draws a graph as the provider would, or the fitting error.
fn draw_graph(g: &Graph, width_in: f64) -> Result<String, crate::model::ProviderError> {
    let f = fit(g, width_in, width_in * 0.72)?;
    Ok(super::draw::svg(&f.graph, &f.geometry, f.frame))
}

#[test]
fn random_diagrams_either_pass_the_text_check_or_fail_with_a_hint() {
    let mut drawn = 0;
    for seed in 0..40 {
        let g = random_graph(seed, 3 + (seed as usize * 5) % 18, (seed as usize) % 4, seed % 3 == 0);
        for width in [3.3, 7.0] {
            match draw_graph(&g, width) {
                Ok(out) => {
                    drawn += 1;
                    dump(&format!("random-{seed}-{width}"), &out);
                    check_text(&out).unwrap_or_else(|e| panic!("seed {seed} at {width} in:\n{e}"));
                }
                Err(e) => {
                    assert!(e.message.contains("needs") || e.message.contains("high"), "{e:?}");
                    assert!(e.hint.as_deref().is_some_and(|h| h.contains("direction")), "{e:?}");
                }
            }
        }
    }
    assert!(drawn >= 40, "only {drawn} of 80 drawn");
}

#[test]
fn a_diagram_too_wide_for_its_column_fails_with_the_width_it_needs() {
    let chain: String = (0..14).map(|i| format!("step{i} -> step{} \"then\"\n", i + 1)).collect();
    let e = svg(&req(&[], &chain, 3.3)).unwrap_err();
    assert_eq!(e.attr.as_deref(), Some("size"));
    assert!(e.message.contains("needs") && e.message.contains("3.3 in wide"), "{}", e.message);
    assert!(e.hint.unwrap().contains("direction: down"));
    // Before: drawn anyway, its text scaled far below 7 pt.
}

#[test]
fn long_labels_wrap_rather_than_shrink() {
    let body = "direction: right\na \"Collect the raw measurements\"\nb \"Normalise every channel separately\"\nc \"Train the final ensemble model\"\na -> b -> c -> d";
    let out = svg(&req(&[], body, 3.3)).unwrap();
    dump("wrapped", &out);
    check_text(&out).unwrap();
    let boxes = text_boxes(&out).unwrap();
    assert!(boxes.iter().all(|b| b.size_pt >= MIN_PT));
    assert!(boxes.len() > 4, "labels were broken into lines: {}", boxes.len());
}

#[test]
fn a_tall_diagram_grows_the_figure_instead_of_shrinking_its_text() {
    let tall: String = (0..9).map(|i| format!("n{i} -> n{}\n", i + 1)).collect();
    let out = svg(&req(&[("direction", "down")], &tall, 3.3)).unwrap();
    let h: f64 = out.split("height=\"").nth(1).unwrap().split("in\"").next().unwrap().parse().unwrap();
    assert!(h > 3.3 * 0.72, "taller than the default height: {h} in");
    check_text(&out).unwrap();
    let taller: String = (0..40).map(|i| format!("n{i} -> n{}\n", i + 1)).collect();
    let e = svg(&req(&[("direction", "down")], &taller, 3.3)).unwrap_err();
    assert!(e.message.contains(&format!("figures stop at {MAX_HEIGHT_IN} in")), "{}", e.message);
    assert!(e.hint.unwrap().contains("direction: right"));
}

#[test]
fn huge_diagrams_are_refused_quickly() {
    let body: String = (0..401).map(|i| format!("n{i} -> n{}\n", i + 1)).collect();
    let e = svg(&req(&[], &body, 7.0)).unwrap_err();
    assert!(e.message.contains("at most 400"), "{}", e.message);
    // Under the bound but far too wide: one layout, then the error.
    let t = std::time::Instant::now();
    let body: String = (0..120).map(|i| format!("n{i} -> n{}\n", i + 1)).collect();
    let e = svg(&req(&[], &body, 3.3)).unwrap_err();
    assert!(e.message.contains("needs"), "{}", e.message);
    assert!(t.elapsed().as_secs_f64() < 20.0, "{:?}", t.elapsed());
}
