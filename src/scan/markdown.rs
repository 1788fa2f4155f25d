//! Markdown directives, found with pulldown-cmark: fenced blocks whose info string is a
//! pandoc attribute list marked `paperfig` (`{paperfig #fig:a kind=plot ...}`), and image
//! links to a figure in a PDF (`![caption](cite:KEY#figure=3)`, `![..](a.pdf#figure=1)`).

use std::sync::Arc;

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

use super::attrs::{Attr, AttrList, parse_pandoc};
use super::raw::{BodyOrigin, RawDirective, attr_error};
use crate::diag::{Code, Diagnostic, Loc, SourceFile};
use crate::model::Kind;

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
                if let Some(d) = unclosed(file, range.clone(), info_start..info_start + raw_info.len()) {
                    diags.push(d);
                    continue;
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

/// The error for a paperfig block whose fence is never closed: CommonMark runs it to the
/// end of the document, so everything after it would become the figure's body.
fn unclosed(file: &Arc<SourceFile>, block: std::ops::Range<usize>, head: std::ops::Range<usize>) -> Option<Diagnostic> {
    if !file.text[block.end..].trim().is_empty() {
        return None;
    }
    let text = &file.text[block.clone()];
    let opening = text.lines().next().unwrap_or("").trim_start();
    let fence_char = opening.chars().next()?;
    let fence_len = opening.len() - opening.trim_start_matches(fence_char).len();
    let closing = text.lines().skip(1).filter(|l| !l.trim().is_empty()).last().map(str::trim);
    let closed = closing.is_some_and(|l| {
        let run = l.len() - l.trim_start_matches(fence_char).len();
        run >= fence_len && l[run..].trim().is_empty()
    });
    if closed {
        return None;
    }
    let lines = text.lines().count().saturating_sub(1);
    let fence = fence_char.to_string().repeat(fence_len);
    Some(
        Diagnostic::error(Code::Directive, "this paperfig block is never closed")
            .at(Loc::new(file, head), format!("its body runs to the end of the file ({lines} lines)"))
            .hint(format!("end the figure's body with a line of {fence}")),
    )
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
        return Err(Diagnostic::error(Code::Directive, "the attribute list is not closed")
            .at(Loc::new(file, at..at + raw.len()), "no closing `}`")
            .hint("end the fence line with `}`, e.g. ```{paperfig kind=plot}"));
    };
    let (words, mut attrs) = parse_pandoc(inner, at + 1).map_err(|e| attr_error(file, e))?;
    attrs.classes.retain(|c| c != "paperfig");
    let mut stray = words.iter().filter(|w| w.as_str() != "paperfig");
    if let Some(word) = stray.next() {
        let pos = at + 1 + inner.find(word.as_str()).unwrap_or(0);
        return Err(Diagnostic::error(Code::Directive, format!("unexpected word `{word}` in the attribute list"))
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
