//! LaTeX directives: the `paperfigure` environment and `\paperfigextract`, as provided by
//! `templates/paperfig.sty`:
//!
//! ```latex
//! \begin{paperfigure}[id=fig:acc, kind=plot, data=data/acc.csv]{Top-1 accuracy}
//! Bar chart comparing model accuracy with value labels
//! \end{paperfigure}
//! \paperfigextract[figure=3]{vaswani2017}{Attention maps}
//! ```
//!
//! Commented-out lines (`%`) are skipped. The body is taken verbatim from the line after
//! the caption to `\end{paperfigure}`.

use std::sync::Arc;

use super::attrs::{Attr, AttrList, parse_latex};
use super::raw::{BodyOrigin, RawDirective, attr_error};
use crate::diag::{Code, Diagnostic, Loc, SourceFile};
use crate::model::Kind;

const BEGIN: &str = r"\begin{paperfigure}";
const END: &str = r"\end{paperfigure}";
const EXTRACT: &str = r"\paperfigextract";

pub(crate) fn scan(file: &Arc<SourceFile>) -> (Vec<RawDirective>, Vec<Diagnostic>) {
    let text = file.text.as_str();
    let mut out = Vec::new();
    let mut diags = Vec::new();
    let mut pos = 0;
    while pos < text.len() {
        let next_begin = text[pos..].find(BEGIN).map(|i| (pos + i, true));
        let next_extract = text[pos..].find(EXTRACT).map(|i| (pos + i, false));
        let Some((at, is_env)) = [next_begin, next_extract].into_iter().flatten().min() else { break };
        let token_len = if is_env { BEGIN.len() } else { EXTRACT.len() };
        // `\paperfigextractfoo` would be another macro; comments are not directives.
        let longer_name = !is_env && text[at + token_len..].starts_with(|c: char| c.is_alphabetic());
        if in_comment(text, at) || longer_name {
            pos = at + token_len;
            continue;
        }
        let result = if is_env { environment(file, at) } else { extract(file, at) };
        match result {
            Ok((raw, end)) => {
                pos = end;
                out.push(raw);
            }
            Err((diag, resume)) => {
                diags.push(diag);
                pos = resume;
            }
        }
    }
    (out, diags)
}

type Parsed = Result<(RawDirective, usize), (Diagnostic, usize)>;

/// Whether an unescaped `%` precedes `at` on its line.
fn in_comment(text: &str, at: usize) -> bool {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let mut escaped = false;
    for c in text[line_start..at].chars() {
        match c {
            '\\' => escaped = !escaped,
            '%' if !escaped => return true,
            _ => escaped = false,
        }
    }
    false
}

/// A balanced group opening at `at` (`[` or `{`); returns the inside's range and the end.
fn group(text: &str, at: usize, open: char, close: char) -> Option<(std::ops::Range<usize>, usize)> {
    let mut depth = 0i32;
    let mut escaped = false;
    for (i, c) in text[at..].char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '{' if open != '{' => depth += 1,
            '}' if close != '}' => depth -= 1,
            c if c == open => depth += 1,
            c if c == close => {
                depth -= 1;
                if depth == 0 {
                    return Some((at + 1..at + i, at + i + 1));
                }
            }
            '\n' if open == '[' && text[at..at + i].ends_with("\n") => return None,
            _ => {}
        }
    }
    None
}

fn skip_space(text: &str, mut at: usize) -> usize {
    while let Some(c) = text[at..].chars().next() {
        if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
            at += 1;
        } else {
            break;
        }
    }
    at
}

fn unclosed(file: &Arc<SourceFile>, at: usize, what: &str, hint: &str, resume: usize) -> (Diagnostic, usize) {
    let d = Diagnostic::error(Code::Directive, format!("{what} is not closed"))
        .at(Loc::new(file, at..at + 1), "opened here")
        .hint(hint.to_string());
    (d, resume)
}

/// Optional `[options]` at `at`.
fn options(
    file: &Arc<SourceFile>,
    at: usize,
    resume: usize,
) -> Result<(AttrList, std::ops::Range<usize>, usize), (Diagnostic, usize)> {
    let text = file.text.as_str();
    if !text[at..].starts_with('[') {
        return Ok((AttrList::default(), at..at, at));
    }
    let (inner, end) = group(text, at, '[', ']')
        .ok_or_else(|| unclosed(file, at, "the option list `[`", "close it with `]`", resume))?;
    let attrs = parse_latex(&text[inner.clone()], inner.start).map_err(|e| (attr_error(file, e), resume))?;
    Ok((attrs, at..end, end))
}

fn environment(file: &Arc<SourceFile>, start: usize) -> Parsed {
    let text = file.text.as_str();
    let after = start + BEGIN.len();
    let resume = after;
    let (attrs, head, mut at) = options(file, after, resume)?;
    let head = if head.is_empty() { start..after } else { head };
    // Optional {caption}, possibly on the next line.
    let mut caption = None;
    let cap_at = skip_space(text, at);
    if text[cap_at..].starts_with('{') {
        let (inner, end) = group(text, cap_at, '{', '}')
            .ok_or_else(|| unclosed(file, cap_at, "the caption `{`", "close it with `}`", resume))?;
        caption = Some(text[inner].trim().to_string());
        at = end;
    }
    // The body starts on the line after the caption (the rest of that line is a comment or blank).
    let body_start = text[at..].find('\n').map_or(text.len(), |i| at + i + 1);
    let Some(end_rel) = text[body_start.min(text.len())..].find(END) else {
        let d = Diagnostic::error(Code::Directive, "`\\begin{paperfigure}` has no matching `\\end{paperfigure}`")
            .at(Loc::new(file, start..after), "opened here")
            .hint("add \\end{paperfigure} after the figure's body");
        return Err((d, text.len()));
    };
    let end_at = body_start + end_rel;
    let (body, indent) = dedent(&text[body_start..end_at]);
    let body_origin = BodyOrigin { first_line: body_start, indent };
    let raw =
        RawDirective { attrs, caption, body, span: start..end_at + END.len(), head, implied_kind: None, body_origin };
    Ok((raw, end_at + END.len()))
}

fn extract(file: &Arc<SourceFile>, start: usize) -> Parsed {
    let text = file.text.as_str();
    let after = start + EXTRACT.len();
    let (mut attrs, head, at) = options(file, after, after)?;
    let key_at = skip_space(text, at);
    let missing = |what: &str| {
        Diagnostic::error(Code::Directive, format!("`\\paperfigextract` is missing its {what}"))
            .at(Loc::new(file, start..after), "here")
            .hint("write \\paperfigextract[figure=N]{citekey}{caption}")
    };
    let Some((key, key_end)) = group(text, key_at, '{', '}').filter(|_| text[key_at..].starts_with('{')) else {
        return Err((missing("citation key"), after));
    };
    let cap_at = skip_space(text, key_end);
    let Some((cap, end)) = group(text, cap_at, '{', '}').filter(|_| text[cap_at..].starts_with('{')) else {
        return Err((missing("caption"), after));
    };
    if attrs.get("cite").is_none() && attrs.get("pdf").is_none() {
        let value = text[key.clone()].trim().to_string();
        let is_pdf = value.to_ascii_lowercase().ends_with(".pdf");
        attrs.pairs.push(Attr {
            name: if is_pdf { "pdf" } else { "cite" }.into(),
            value,
            name_span: key.clone(),
            value_span: key,
        });
    }
    let head = if head.is_empty() { start..after } else { head };
    let raw = RawDirective {
        attrs,
        caption: Some(text[cap].trim().to_string()),
        body: String::new(),
        span: start..end,
        head,
        implied_kind: Some(Kind::Extract),
        body_origin: BodyOrigin::default(),
    };
    Ok((raw, end))
}

/// Removes the common leading indentation of the body's lines; returns it too.
fn dedent(body: &str) -> (String, usize) {
    let indent =
        body.lines().filter(|l| !l.trim().is_empty()).map(|l| l.len() - l.trim_start().len()).min().unwrap_or(0);
    let mut out = String::new();
    for line in body.lines() {
        out.push_str(line.get(indent..).unwrap_or(line.trim_start()));
        out.push('\n');
    }
    (out, indent)
}
