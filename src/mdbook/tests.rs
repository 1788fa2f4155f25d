//! The driver in-process on books in temporary folders (the real mdbook runs in tests/it/mdbook.rs).

use serde_json::{Value, json};

use super::*;

const PLOT: &str = "# One\n\nAs @fig:acc shows.\n\n```{paperfig #fig:acc kind=plot data=data/acc.csv caption=\"Accuracy\"}\nBar chart\n```\nafter\n";
const PLAIN: &str = "# Plain\n\nNo figures here, only `@fig:code` in code and a\r\nCRLF line and tabs\t.\n";
const REFS: &str = "# Refs\n\nSee @fig:acc and @fig:arch.\n\n```{paperfig #fig:arch kind=diagram}\na -> b\n```\n";
const BROKEN: &str = "# Broken\n\ntext\n\n```{paperfig #fig:bad kind=pie}\nx\n```\n\nend\n";

fn book(dir: &std::path::Path, chapters: &[(&str, &str)], options: Value) -> String {
    std::fs::create_dir_all(dir.join("src/data")).unwrap();
    std::fs::write(dir.join("src/data/acc.csv"), "model,acc\nA,0.7\nB,0.8\n").unwrap();
    let items: Vec<Value> = chapters
        .iter()
        .map(|(path, content)| {
            json!({"Chapter": {"name": path, "content": content, "number": [1], "sub_items": [],
                "path": path, "source_path": path, "parent_names": []}})
        })
        .collect();
    let ctx = json!({"root": dir, "config": {"book": {"title": "T"}, "preprocessor": {"paperfig": options}},
        "renderer": "html", "mdbook_version": "0.5.4"});
    serde_json::to_string(&json!([ctx, {"items": items}])).unwrap()
}

fn contents(book: &str) -> Vec<String> {
    let v: Value = serde_json::from_str(book).unwrap();
    v["items"].as_array().unwrap().iter().map(|i| i["Chapter"]["content"].as_str().unwrap().to_string()).collect()
}

#[test]
fn figures_become_figure_elements_and_references_links_across_chapters() {
    let dir = tempfile::tempdir().unwrap();
    let input = book(dir.path(), &[("one.md", PLOT), ("sub/refs.md", REFS)], json!({}));
    let out = preprocess(&input).unwrap();
    assert_eq!(out.errors(), 0, "{:?}", out.diagnostics);
    assert_eq!((out.figures, out.generated), (2, 2));
    let c = contents(&out.book.unwrap());
    assert!(c[0].contains("As [Figure 1](#fig:acc) shows."), "{}", c[0]);
    // a plot: turned light-on-dark on the dark themes
    let head = format!(
        "<figure id=\"fig:acc\" class=\"paperfig paperfig-drawn\">{}<img src=\"data:image/svg+xml;base64,",
        html::DARK_CSS
    );
    assert!(c[0].contains(&head), "{}", c[0]);
    assert!(c[0].contains("</figure>\n\nafter\n"), "a blank line keeps `after` out of the HTML block: {}", c[0]);
    assert!(!c[0].contains("```"), "the directive is gone");
    assert!(c[1].contains("See [Figure 1](../one.md#fig:acc) and [Figure 2](#fig:arch)."), "{}", c[1]);
    // A second run is served from the cache, with the same chapters.
    let again = preprocess(&input).unwrap();
    assert_eq!(again.generated, 0);
    assert_eq!(contents(&again.book.unwrap()), c);
}

#[test]
fn chapters_without_directives_come_back_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let input = book(dir.path(), &[("plain.md", PLAIN), ("one.md", PLOT)], json!({}));
    let out = preprocess(&input).unwrap();
    let c = contents(&out.book.unwrap());
    assert_eq!(c[0], PLAIN);
    assert_ne!(c[1], PLOT);
}

#[test]
fn an_error_stops_the_book_or_becomes_a_box_and_the_rest_builds() {
    let dir = tempfile::tempdir().unwrap();
    let input = book(dir.path(), &[("one.md", PLOT), ("broken.md", BROKEN)], json!({}));
    let out = preprocess(&input).unwrap();
    assert!(out.book.is_none(), "fail-on-error defaults to true");
    let e = out.diagnostics.iter().find(|d| d.is_error()).unwrap();
    assert_eq!(e.location().unwrap(), "src/broken.md:5:28");

    let input = book(dir.path(), &[("one.md", PLOT), ("broken.md", BROKEN)], json!({"fail-on-error": false}));
    let out = preprocess(&input).unwrap();
    assert_eq!(out.errors(), 1);
    let c = contents(&out.book.unwrap());
    assert!(c[0].contains("<figure id=\"fig:acc\""), "the other chapter still has its figure");
    let broken = &c[1];
    assert!(broken.starts_with("# Broken\n\ntext\n\n<div class=\"paperfig-error\""), "{broken}");
    assert!(broken.contains("<code>src/broken.md:5:28</code>: unknown figure kind `pie`"), "{broken}");
    assert!(broken.ends_with("</div>\n\nend\n"), "{broken}");
}

#[test]
fn a_provider_error_is_boxed_at_its_figure() {
    let dir = tempfile::tempdir().unwrap();
    let text = "# C\n\n```{paperfig #fig:m kind=plot data=data/missing.csv}\nBars\n```\n";
    let input = book(dir.path(), &[("c.md", text)], json!({"fail-on-error": false}));
    let out = preprocess(&input).unwrap();
    let c = contents(&out.book.unwrap());
    assert!(c[0].starts_with("# C\n\n<div class=\"paperfig-error\""), "{}", c[0]);
    assert!(c[0].contains("missing.csv"), "{}", c[0]);
    assert_eq!(out.diagnostics[0].location().unwrap(), "src/c.md:3:36");
}

#[test]
fn png_for_other_renderers_and_malformed_input_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let input = book(dir.path(), &[("one.md", PLOT)], json!({"format": {"html": "png"}}));
    let c = contents(&preprocess(&input).unwrap().book.unwrap());
    assert!(c[0].contains("src=\"data:image/png;base64,iVBORw0KGgo"), "PNG signature in base64");
    let e = preprocess("[{\"root\": 1}").err().unwrap();
    assert!(e.message.contains("not JSON"), "{}", e.message);
}

#[test]
fn a_figure_with_only_a_pdf_output_is_an_error_not_a_silent_gap() {
    let dir = tempfile::tempdir().unwrap();
    let text = "# C\n\n```{paperfig #fig:p kind=plot data=data/acc.csv formats=pdf}\nBars\n```\n";
    let input = book(dir.path(), &[("c.md", text)], json!({"fail-on-error": false}));
    let out = preprocess(&input).unwrap();
    assert_eq!(out.errors(), 1);
    assert_eq!(out.diagnostics[0].location().unwrap(), "src/c.md:3:4");
    let c = contents(&out.book.unwrap());
    assert!(c[0].contains("<div class=\"paperfig-error\"") && c[0].contains("no SVG or PNG output"), "{}", c[0]);
}
