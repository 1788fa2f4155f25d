//! Tests of the Markdown syntax (`markdown.rs`), through the whole scan (`scan_text`).

use super::scan_text;
use crate::model::Kind;

const PAPER: &str = r#"# Results

```{paperfig #fig:acc kind=plot data=data/acc.csv caption="Top-1 accuracy"}
Bar chart comparing model accuracy with value labels
```

Plain code is left alone:

```python
print("hi")
```

````markdown
```{paperfig #fig:doc kind=plot}
shown in docs, not a directive
```
````

![Attention maps, reproduced from @vaswani2017](cite:vaswani2017#figure=3)
![Overview figure](papers/related.pdf#figure=1){#fig:overview}
![A photo](photo.png)
"#;

#[test]
fn finds_fenced_and_image_directives_with_locations() {
    let scan = scan_text("paper.md", PAPER);
    assert!(scan.diagnostics.is_empty(), "{:?}", scan.diagnostics);
    let names: Vec<_> = scan.directives.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, vec!["fig:acc", "paper.md#2", "fig:overview"]);
    let acc = &scan.directives[0];
    assert_eq!(acc.kind, Kind::Plot);
    assert_eq!(acc.caption.as_deref(), Some("Top-1 accuracy"));
    assert_eq!(acc.body, "Bar chart comparing model accuracy with value labels\n");
    assert_eq!(acc.attr("data").unwrap().value, "data/acc.csv");
    assert_eq!(acc.loc.display(), "paper.md:3:1");
    assert_eq!(acc.attr_loc("data").display(), "paper.md:3:38");

    let cite = &scan.directives[1];
    assert_eq!(cite.kind, Kind::Extract);
    assert_eq!(cite.attr("cite").unwrap().value, "vaswani2017");
    assert_eq!(cite.attr("figure").unwrap().value, "3");
    assert_eq!(cite.caption.as_deref(), Some("Attention maps, reproduced from @vaswani2017"));

    let pdf = &scan.directives[2];
    assert_eq!(pdf.attr("pdf").unwrap().value, "papers/related.pdf");
    assert_eq!(pdf.label.as_deref(), Some("fig:overview"));
}

#[test]
fn class_form_and_tilde_fences_and_indentation_work() {
    let text = "- item\n\n  ~~~{.paperfig #fig:x kind=plot}\n  a,b\n  ~~~\n";
    let scan = scan_text("p.md", text);
    assert!(scan.diagnostics.is_empty(), "{:?}", scan.diagnostics);
    assert_eq!(scan.directives[0].name, "fig:x");
    assert_eq!(scan.directives[0].loc.display(), "p.md:3:3");
}

#[test]
fn unclosed_attribute_list_and_quote_are_errors_not_text() {
    let scan = scan_text("p.md", "```{paperfig kind=plot\n```\n\n```{paperfig kind=plot caption=\"x}\n```\n");
    assert!(scan.directives.is_empty());
    assert_eq!(scan.diagnostics.len(), 2);
    assert!(scan.diagnostics[0].message.contains("not closed"));
    assert_eq!(scan.diagnostics[0].location().unwrap(), "p.md:1:4");
    assert!(scan.diagnostics[1].message.contains("unclosed quote"));
    assert_eq!(scan.diagnostics[1].location().unwrap(), "p.md:4:32");
}

/// A block never closed would take the rest of the paper as its body: an error at its
/// fence. One closed by a longer fence, one at the end of the file, and one inside a
/// quote that ends are not.
#[test]
fn a_block_never_closed_is_an_error_at_its_fence() {
    let text = "# P\n\n```{paperfig #fig:open kind=plot}\nLine chart\n\n# Conclusion\n\nMore text.\n";
    let scan = scan_text("p.md", text);
    assert!(scan.directives.is_empty());
    assert_eq!(scan.diagnostics.len(), 1, "{:?}", scan.diagnostics);
    let d = &scan.diagnostics[0];
    assert!(d.message.contains("never closed"), "{}", d.message);
    assert_eq!(d.location().unwrap(), "p.md:3:4");
    for ok in [
        "```{paperfig #fig:a kind=plot}\nbody\n````\n",
        "```{paperfig #fig:a kind=plot}\nbody\n```",
        "> ```{paperfig #fig:a kind=plot}\n> body\n\nAfter the quote.\n",
    ] {
        let scan = scan_text("p.md", ok);
        assert!(scan.diagnostics.is_empty(), "{ok:?}: {:?}", scan.diagnostics);
        assert_eq!(scan.directives.len(), 1, "{ok:?}");
    }
}

#[test]
fn body_ranges_map_to_source_lines_and_columns() {
    let scan = scan_text("p.md", "# T\n\n- item\n\n  ```{paperfig kind=diagram}\n  a -> b\n  b -> c\n  ```\n");
    let d = &scan.directives[0];
    assert_eq!(d.body, "a -> b\nb -> c\n");
    let at = d.body.find("c").unwrap();
    assert_eq!(d.body_loc(at..at + 1).display(), "p.md:7:8");
    assert_eq!(d.body_loc(0..1).display(), "p.md:6:3");
}

#[test]
fn stray_words_are_rejected() {
    let scan = scan_text("p.md", "```{paperfig plot kind=plot}\n```\n");
    assert!(scan.diagnostics[0].message.contains("unexpected word `plot`"));
}

#[test]
fn a_mistyped_kind_gets_the_nearest_kind() {
    let scan = scan_text("p.md", "```{paperfig #fig:a kind=plott}\nx\n```\n");
    let d = &scan.diagnostics[0];
    assert!(d.message.contains("unknown figure kind `plott`"), "{}", d.message);
    assert!(d.hints[0].starts_with("did you mean `plot`? kind is one of:"), "{}", d.hints[0]);
}
