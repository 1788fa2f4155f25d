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
use super::{BodyOrigin, RawDirective, attr_error};
use crate::diag::{Diagnostic, Loc, SourceFile};
use crate::provider::Kind;

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
    let d = Diagnostic::error(format!("{what} is not closed"))
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
        let d = Diagnostic::error("`\\begin{paperfigure}` has no matching `\\end{paperfigure}`")
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
        Diagnostic::error(format!("`\\paperfigextract` is missing its {what}"))
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

#[cfg(test)]
mod tests {
    use crate::provider::Kind;
    use crate::scan::scan_text;

    const PAPER: &str = r"\documentclass{article}
\usepackage{paperfig}
\begin{document}
\begin{paperfigure}[id=fig:acc, kind=plot, data=data/acc.csv, width=.8\linewidth]
  {Top-1 accuracy}  % caption
  Bar chart comparing model accuracy with value labels
\end{paperfigure}
% \begin{paperfigure}[kind=nonsense]{commented out}
% \end{paperfigure}
\paperfigextract[figure=3]{vaswani2017}{Attention maps, reproduced from \cite{vaswani2017}}
\end{document}
";

    #[test]
    fn finds_environment_and_extract_macro() {
        let scan = scan_text("paper.tex", PAPER);
        assert!(scan.diagnostics.is_empty(), "{:?}", scan.diagnostics);
        assert_eq!(scan.directives.len(), 2);
        let acc = &scan.directives[0];
        assert_eq!(acc.name, "fig:acc");
        assert_eq!(acc.kind, Kind::Plot);
        assert_eq!(acc.caption.as_deref(), Some("Top-1 accuracy"));
        assert_eq!(acc.body, "Bar chart comparing model accuracy with value labels\n");
        assert_eq!(acc.attr("width").unwrap().value, r".8\linewidth");
        assert_eq!(acc.loc.display(), "paper.tex:4:1");
        assert_eq!(acc.attr_loc("data").display(), "paper.tex:4:49");

        let ex = &scan.directives[1];
        assert_eq!(ex.kind, Kind::Extract);
        assert_eq!(ex.attr("cite").unwrap().value, "vaswani2017");
        assert_eq!(ex.attr("figure").unwrap().value, "3");
        assert_eq!(ex.caption.as_deref(), Some(r"Attention maps, reproduced from \cite{vaswani2017}"));
    }

    #[test]
    fn missing_end_and_bad_options_are_located() {
        let scan = scan_text(
            "p.tex",
            "x\n\\begin{paperfigure}[kind=plot, draft]{c}\nbody\n\\end{paperfigure}\n\\begin{paperfigure}[kind=plot]{c}\nno end\n",
        );
        assert!(scan.directives.is_empty());
        assert_eq!(scan.diagnostics.len(), 2, "{:?}", scan.diagnostics);
        assert!(scan.diagnostics[0].message.contains("`draft` has no value"));
        assert_eq!(scan.diagnostics[0].location().unwrap(), "p.tex:2:32");
        assert!(scan.diagnostics[1].message.contains("no matching"));
        assert_eq!(scan.diagnostics[1].location().unwrap(), "p.tex:5:1");
    }

    #[test]
    fn body_ranges_map_to_source_lines_and_columns() {
        let scan =
            scan_text("p.tex", "\\begin{paperfigure}[kind=diagram]{Cap}\n    a -> b\n    b -> c\n\\end{paperfigure}\n");
        let d = &scan.directives[0];
        assert_eq!(d.body, "a -> b\nb -> c\n");
        let at = d.body.rfind("c").unwrap();
        assert_eq!(d.body_loc(at..at + 1).display(), "p.tex:3:10");
    }

    #[test]
    fn unknown_kind_in_latex_points_at_value() {
        let scan = scan_text("p.tex", "\\begin{paperfigure}[kind=pie]{c}\n\\end{paperfigure}\n");
        assert_eq!(scan.diagnostics[0].location().unwrap(), "p.tex:1:26");
    }
}
