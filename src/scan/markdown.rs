//! Markdown directives, found with pulldown-cmark: fenced blocks whose info string is a
//! pandoc attribute list marked `paperfig` (`{paperfig #fig:a kind=plot ...}`), and image
//! links to a figure in a PDF (`![caption](cite:KEY#figure=3)`, `![..](a.pdf#figure=1)`).

use std::sync::Arc;

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

use super::attrs::{Attr, AttrList, parse_pandoc};
use super::{BodyOrigin, RawDirective, attr_error};
use crate::diag::{Diagnostic, Loc, SourceFile};
use crate::provider::Kind;

/// Parser options shared with every later Markdown stage, so they all see the same blocks.
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_MATH
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_STRIKETHROUGH
}

/// Is this fence info string (raw, as in the source) a paperfig directive?
fn is_paperfig_info(raw: &str) -> bool {
    let Some(rest) = raw.strip_prefix('{') else { return false };
    let rest = rest.trim_start();
    let rest = rest.strip_prefix('.').unwrap_or(rest);
    rest.strip_prefix("paperfig")
        .is_some_and(|after| after.is_empty() || after.starts_with(|c: char| c.is_whitespace() || c == '}'))
}

pub(crate) fn scan(file: &Arc<SourceFile>) -> (Vec<RawDirective>, Vec<Diagnostic>) {
    let text = file.text.as_str();
    let mut out = Vec::new();
    let mut diags = Vec::new();
    let mut events = Parser::new_ext(text, options()).into_offset_iter();
    while let Some((event, range)) = events.next() {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(_))) => {
                let (info_start, raw_info) = fence_info(text, range.start);
                if !is_paperfig_info(raw_info) {
                    continue;
                }
                let mut body = String::new();
                for (ev, _) in events.by_ref() {
                    match ev {
                        Event::Text(t) => body.push_str(&t),
                        Event::End(TagEnd::CodeBlock) => break,
                        _ => {}
                    }
                }
                let head = info_start..info_start + raw_info.len();
                let fence_line_end = text[range.start..].find('\n').map_or(text.len(), |i| range.start + i + 1);
                // Columns before the fence (list indentation) are stripped from body lines.
                let indent = range.start - text[..range.start].rfind('\n').map_or(0, |i| i + 1);
                let body_origin = BodyOrigin { first_line: fence_line_end, indent };
                match fenced_attrs(file, raw_info, info_start) {
                    Ok(attrs) => out.push(RawDirective {
                        attrs,
                        caption: None,
                        body,
                        span: range,
                        head,
                        implied_kind: None,
                        body_origin,
                    }),
                    Err(d) => diags.push(d),
                }
            }
            Event::Start(Tag::Image { dest_url, .. }) => {
                let Some(mut attrs) = pdf_link_attrs(text, range.clone(), &dest_url) else { continue };
                let mut alt = String::new();
                for (ev, _) in events.by_ref() {
                    match ev {
                        Event::Text(t) | Event::Code(t) | Event::InlineMath(t) => alt.push_str(&t),
                        Event::End(TagEnd::Image) => break,
                        _ => {}
                    }
                }
                // Optional pandoc attributes right after the image: `![..](..){#fig:x width=50%}`.
                let mut span = range.clone();
                if let Some(rest) = text[range.end..].strip_prefix('{') {
                    if let Some(close) = rest.find('}').filter(|&c| !rest[..c].contains('\n')) {
                        let inner_start = range.end + 1;
                        match parse_pandoc(&rest[..close], inner_start) {
                            Ok((_, extra)) => {
                                attrs.id = extra.id;
                                attrs.classes = extra.classes;
                                for a in extra.pairs {
                                    if attrs.get(&a.name).is_none() {
                                        attrs.pairs.push(a);
                                    }
                                }
                                span.end = inner_start + close + 1;
                            }
                            Err(e) => {
                                diags.push(attr_error(file, e));
                                continue;
                            }
                        }
                    }
                }
                out.push(RawDirective {
                    attrs,
                    caption: Some(alt),
                    body: String::new(),
                    head: range.clone(),
                    span,
                    implied_kind: Some(Kind::Extract),
                    body_origin: BodyOrigin::default(),
                });
            }
            _ => {}
        }
    }
    (out, diags)
}

/// The raw info string of a fence opening at `start`, and its offset.
fn fence_info(text: &str, start: usize) -> (usize, &str) {
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line = &text[start..line_end];
    let indent = line.len() - line.trim_start().len();
    let after_indent = &line[indent..];
    let fence_char = after_indent.chars().next().unwrap_or('`');
    let fence_len = after_indent.len() - after_indent.trim_start_matches(fence_char).len();
    let after_fence = &after_indent[fence_len..];
    let gap = after_fence.len() - after_fence.trim_start().len();
    let info = after_fence.trim();
    (start + indent + fence_len + gap, info)
}

/// Attributes of a fenced directive; `raw` starts with `{`.
fn fenced_attrs(file: &Arc<SourceFile>, raw: &str, at: usize) -> Result<AttrList, Diagnostic> {
    let Some(inner) = raw.strip_prefix('{').and_then(|r| r.strip_suffix('}')) else {
        return Err(Diagnostic::error("the attribute list is not closed")
            .at(Loc::new(file, at..at + raw.len()), "no closing `}`")
            .hint("end the fence line with `}`, e.g. ```{paperfig kind=plot}"));
    };
    let (words, mut attrs) = parse_pandoc(inner, at + 1).map_err(|e| attr_error(file, e))?;
    attrs.classes.retain(|c| c != "paperfig");
    let mut stray = words.iter().filter(|w| w.as_str() != "paperfig");
    if let Some(word) = stray.next() {
        let pos = at + 1 + inner.find(word.as_str()).unwrap_or(0);
        return Err(Diagnostic::error(format!("unexpected word `{word}` in the attribute list"))
            .at(Loc::new(file, pos..pos + word.len()), "not key=value")
            .hint("attributes are written `key=value`; quote values with spaces: key=\"a b\""));
    }
    Ok(attrs)
}

/// For an image whose destination is a figure in a PDF, the implied attributes.
fn pdf_link_attrs(text: &str, range: std::ops::Range<usize>, dest: &str) -> Option<AttrList> {
    let (target, fragment) = dest.split_once('#').unwrap_or((dest, ""));
    let cite = target.strip_prefix("cite:");
    let is_pdf = target.to_ascii_lowercase().ends_with(".pdf");
    let pdf_figure = is_pdf && !fragment.is_empty();
    if cite.is_none() && !pdf_figure {
        return None;
    }
    let dest_at = text[range.clone()].rfind(dest).map_or(range.start, |i| range.start + i);
    let span = dest_at..dest_at + dest.len();
    let attr = |name: &str, value: &str| Attr {
        name: name.into(),
        value: value.into(),
        name_span: span.clone(),
        value_span: span.clone(),
    };
    let mut attrs = AttrList::default();
    match cite {
        Some(key) => attrs.pairs.push(attr("cite", key)),
        None => attrs.pairs.push(attr("pdf", target)),
    }
    for part in fragment.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        if attrs.get(k).is_none() {
            attrs.pairs.push(attr(k, v));
        }
    }
    Some(attrs)
}

#[cfg(test)]
mod tests {
    use crate::provider::Kind;
    use crate::scan::scan_text;

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
}
