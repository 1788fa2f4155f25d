//! Edits to a chapter's Markdown: where a broken directive's block is, which `@fig:…`
//! references the text holds (never inside code), and applying byte-range replacements.

use std::ops::Range;

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

use crate::scan::markdown;

/// The smallest fenced or indented code block containing `offset`, else its line (without
/// the newline). Used to put an error box where a directive that did not scan was.
pub fn enclosing_block(text: &str, offset: usize) -> Range<usize> {
    let mut best: Option<Range<usize>> = None;
    for (event, range) in Parser::new_ext(text, markdown::options()).into_offset_iter() {
        if let Event::Start(Tag::CodeBlock(_)) = event {
            if range.contains(&offset) && best.as_ref().is_none_or(|b| range.len() < b.len()) {
                best = Some(range);
            }
        }
    }
    best.unwrap_or_else(|| {
        let offset = offset.min(text.len());
        let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
        start..end
    })
}

/// A `@label` in running text.
#[derive(Debug, PartialEq)]
pub struct Reference {
    /// The `@label` bytes.
    pub span: Range<usize>,
    pub label: String,
}

/// Every `@label` in the text outside code, where the label looks like a figure id
/// (`@fig:acc`, any `@name:rest`), so citation keys such as `@vaswani2017` are left alone.
pub fn references(text: &str) -> Vec<Reference> {
    let mut out = Vec::new();
    let mut in_code = 0usize;
    for (event, range) in Parser::new_ext(text, markdown::options()).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code += 1,
            Event::End(TagEnd::CodeBlock) => in_code = in_code.saturating_sub(1),
            Event::Text(_) if in_code == 0 => find_refs(text, range, &mut out),
            _ => {}
        }
    }
    out
}

fn find_refs(text: &str, range: Range<usize>, out: &mut Vec<Reference>) {
    let part = &text[range.clone()];
    let is_label = |c: char| c.is_alphanumeric() || matches!(c, '_' | '-' | ':' | '.');
    for (i, _) in part.match_indices('@') {
        let at = range.start + i;
        if text[..at].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '.' || c == '_') {
            continue; // an e-mail address
        }
        let rest = &part[i + 1..];
        let len = rest.find(|c: char| !is_label(c)).unwrap_or(rest.len());
        let label = rest[..len].trim_end_matches(['.', ':', '-']);
        if label.split_once(':').is_some_and(|(a, b)| !a.is_empty() && !b.is_empty()) {
            out.push(Reference { span: at..at + 1 + label.len(), label: label.to_string() });
        }
    }
}

/// Applies replacements (byte range → text) that do not overlap; later ones that overlap an
/// earlier one are dropped.
pub fn apply(text: &str, mut edits: Vec<(Range<usize>, String)>) -> String {
    edits.sort_by_key(|(r, _)| (r.start, r.end));
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (range, new) in edits {
        if range.start < at || range.end > text.len() {
            continue;
        }
        out.push_str(&text[at..range.start]);
        out.push_str(&new);
        at = range.end;
    }
    out.push_str(&text[at..]);
    out
}

/// Relative link from one chapter to another (paths relative to the source folder).
pub fn link(from: &str, to: &str) -> String {
    if from == to {
        return String::new();
    }
    let depth = from.matches('/').count();
    format!("{}{to}", "../".repeat(depth))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_skip_code_emails_and_citations() {
        let text = "See @fig:acc. Mail a@fig:x.org, cite @vaswani2017.\n\n`@fig:code`\n\n```\n@fig:block\n```\n\nAnd (@tab:t1).\n";
        let refs = references(text);
        let labels: Vec<_> = refs.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels, vec!["fig:acc", "tab:t1"]);
        assert_eq!(&text[refs[0].span.clone()], "@fig:acc");
    }

    #[test]
    fn enclosing_block_finds_the_fence_or_the_line() {
        let text = "intro\n\n```{paperfig kind=pie}\nbody\n```\n\nlast line\n";
        let b = enclosing_block(text, text.find("pie").unwrap());
        assert!(text[b].starts_with("```{paperfig"));
        let b = enclosing_block(text, text.find("last").unwrap() + 2);
        assert_eq!(&text[b], "last line");
    }

    #[test]
    fn apply_replaces_in_order_and_drops_overlaps() {
        assert_eq!(apply("abcdef", vec![(4..5, "E".into()), (0..2, "AB".into()), (1..3, "x".into())]), "ABcdEf");
    }

    #[test]
    fn links_climb_out_of_folders() {
        assert_eq!(link("a.md", "a.md"), "");
        assert_eq!(link("a.md", "b/c.md"), "b/c.md");
        assert_eq!(link("x/y/a.md", "b.md"), "../../b.md");
    }
}
