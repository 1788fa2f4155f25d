//! Running text → LaTeX: escaping, plus what pandoc reads inside plain text:
//! citations (`[@a; @b]`, `[see @a, p. 3]`, `@a`, `[-@a]`) → natbib `\citep`/`\citet`,
//! cross-references (`@fig:x`, `@sec:x`, `@tbl:x`, `@eq:x`) → `Figure~\ref{fig:x}`, and
//! raw LaTeX commands (`\emph{x}`, `\LaTeX{}`) passed through.

use super::escape::{escape, label, push_escaped};

/// A text run turned into LaTeX, with the citation keys and cross-references it used
/// (each with its byte offset in the text).
#[derive(Debug, Default, PartialEq)]
pub struct Rendered {
    pub tex: String,
    pub cites: Vec<(String, usize)>,
    pub refs: Vec<(String, usize)>,
}

/// Cross-reference prefixes and the word printed before the number.
const REF_KINDS: &[(&str, &str, &str)] = &[
    ("fig:", "Figure", "Figures"),
    ("sec:", "Section", "Sections"),
    ("tbl:", "Table", "Tables"),
    ("eq:", "Equation", "Equations"),
];

fn ref_kind(key: &str) -> Option<(&'static str, &'static str, &'static str)> {
    REF_KINDS.iter().copied().find(|(p, _, _)| key.starts_with(p) && key.len() > p.len())
}

/// Renders `text` (already un-escaped Markdown text).
pub fn render(text: &str) -> Rendered {
    let mut r = Rendered::default();
    let mut i = 0;
    let b = text.as_bytes();
    while i < text.len() {
        let c = text[i..].chars().next().unwrap_or(' ');
        if c == '[' {
            if let Some(end) = bracket_citation(text, i, &mut r) {
                i = end;
                continue;
            }
        } else if c == '@' && (i == 0 || !is_word_byte(b[i - 1])) {
            if let Some(len) = key_len(&text[i + 1..]) {
                let key = &text[i + 1..i + 1 + len];
                let mut end = i + 1 + len;
                if ref_kind(key).is_some() {
                    r.tex.push_str(&ref_text(&[key]));
                    r.refs.push((key.to_string(), i));
                } else {
                    // `@key [p. 3]`: a locator for an in-text citation.
                    let locator = text[end..]
                        .strip_prefix(" [")
                        .and_then(|rest| rest.find(']').map(|j| (&rest[..j], end + 2 + j + 1)))
                        .filter(|(inner, _)| !inner.contains('@') && !inner.contains('['));
                    match locator {
                        Some((post, after)) => {
                            r.tex.push_str(&format!("\\citet[{}]{{{}}}", note(post), label(key)));
                            end = after;
                        }
                        None => r.tex.push_str(&format!("\\citet{{{}}}", label(key))),
                    }
                    r.cites.push((key.to_string(), i));
                }
                i = end;
                continue;
            }
        } else if c == '\\' {
            if let Some(len) = raw_command_len(&text[i..]) {
                let raw = &text[i..i + len];
                // `\cite{a,b}`, `\citep[p.~3]{a}`…: the keys are citations too.
                if raw[1..].starts_with("cite") {
                    if let Some(keys) = raw.rfind('{').and_then(|o| raw[o + 1..].strip_suffix('}')) {
                        let keys = keys.split(',').map(str::trim).filter(|k| !k.is_empty());
                        r.cites.extend(keys.map(|k| (k.to_string(), i)));
                    }
                }
                r.tex.push_str(raw);
                i += len;
                continue;
            }
        }
        push_escaped(&mut r.tex, c);
        i += c.len_utf8();
    }
    r
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// Length of a citation key at the start of `s` (pandoc's rule: starts with a letter,
/// digit or `_`; inner punctuation `:.#$%&-+?<>~/` allowed when followed by a key
/// character, so a sentence's final period is not part of the key).
fn key_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    if !b.first().is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_') {
        return None;
    }
    let mut end = 1;
    let mut i = 1;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_alphanumeric() || c == b'_' {
            i += 1;
            end = i;
        } else if b":.#$%&-+?<>~/".contains(&c) {
            i += 1;
        } else {
            break;
        }
    }
    Some(end)
}

/// `\name`, then `[..]` and `{..}` groups (balanced), if `s` starts with a LaTeX command.
fn raw_command_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let name = b[1..].iter().take_while(|c| c.is_ascii_alphabetic()).count();
    if name == 0 {
        return None;
    }
    let mut i = 1 + name;
    if b.get(i) == Some(&b'*') {
        i += 1;
    }
    loop {
        let (open, close) = match b.get(i) {
            Some(b'{') => (b'{', b'}'),
            Some(b'[') => (b'[', b']'),
            _ => break,
        };
        let mut depth = 0;
        let mut j = i;
        let mut closed = None;
        while j < b.len() {
            if b[j] == b'\\' {
                j += 2;
                continue;
            }
            if b[j] == open {
                depth += 1;
            } else if b[j] == close {
                depth -= 1;
                if depth == 0 {
                    closed = Some(j + 1);
                    break;
                }
            }
            j += 1;
        }
        match closed {
            Some(end) => i = end,
            None => break,
        }
    }
    Some(i.min(s.len()))
}

/// One `@key` item of a bracketed citation: prefix, suppress-author flag, key, suffix.
struct Item<'a> {
    prefix: &'a str,
    suppress: bool,
    key: &'a str,
    offset: usize,
    suffix: &'a str,
}

/// Parses `[ ... ]` at `start` as a citation group; on success writes it and returns the
/// offset after `]`.
fn bracket_citation(text: &str, start: usize, r: &mut Rendered) -> Option<usize> {
    let close = start + text[start..].find(']')?;
    let inner = &text[start + 1..close];
    if inner.contains('[') || !inner.contains('@') {
        return None;
    }
    let mut items = Vec::new();
    let mut at = start + 1;
    for part in inner.split(';') {
        let at_sign = part.find('@')?;
        let (prefix, suppress) = match part[..at_sign].strip_suffix('-') {
            Some(p) => (p, true),
            None => (&part[..at_sign], false),
        };
        let prev = prefix.as_bytes().last();
        if prev.is_some_and(|&c| is_word_byte(c)) {
            return None;
        }
        let len = key_len(&part[at_sign + 1..])?;
        let key = &part[at_sign + 1..at_sign + 1 + len];
        let suffix = part[at_sign + 1 + len..].trim();
        let suffix = suffix.strip_prefix(',').unwrap_or(suffix).trim();
        items.push(Item { prefix: prefix.trim(), suppress, key, offset: at + at_sign, suffix });
        at += part.len() + 1;
    }
    let all_refs = items.iter().all(|it| ref_kind(it.key).is_some() && it.prefix.is_empty() && it.suffix.is_empty());
    if all_refs {
        let keys: Vec<&str> = items.iter().map(|it| it.key).collect();
        r.tex.push_str(&ref_text(&keys));
        r.refs.extend(items.iter().map(|it| (it.key.to_string(), it.offset)));
        return Some(close + 1);
    }
    if items.iter().any(|it| ref_kind(it.key).is_some()) {
        return None;
    }
    let keys: Vec<String> = items.iter().map(|it| label(it.key)).collect();
    // natbib takes one prenote and one postnote per citation: the first prefix and the
    // last suffix written.
    let pre = items.iter().map(|it| it.prefix).find(|p| !p.is_empty()).unwrap_or("");
    let post = items.iter().rev().map(|it| it.suffix).find(|p| !p.is_empty()).unwrap_or("");
    let cmd = if items.len() == 1 && items[0].suppress { "citeyearpar" } else { "citep" };
    r.tex.push('\\');
    r.tex.push_str(cmd);
    match (pre.is_empty(), post.is_empty()) {
        (true, true) => {}
        (true, false) => r.tex.push_str(&format!("[{}]", note(post))),
        (false, _) => r.tex.push_str(&format!("[{}][{}]", note(pre), note(post))),
    }
    r.tex.push_str(&format!("{{{}}}", keys.join(",")));
    r.cites.extend(items.iter().map(|it| (it.key.to_string(), it.offset)));
    Some(close + 1)
}

/// A citation's pre- or postnote: escaped, with a tie after `p.`/`pp.`.
fn note(s: &str) -> String {
    let s = escape(s.trim());
    for abbr in ["pp. ", "p. ", "ch. ", "sec. "] {
        if let Some(rest) = s.strip_prefix(abbr) {
            return format!("{}~{}", abbr.trim_end(), rest);
        }
    }
    s
}

/// `Figure~\ref{fig:a}`, `Figures~\ref{fig:a} and~\ref{fig:b}`, `Equation~\eqref{eq:x}`;
/// mixed kinds are written one after another.
fn ref_text(keys: &[&str]) -> String {
    let one = |k: &str| {
        if k.starts_with("eq:") { format!("\\eqref{{{}}}", label(k)) } else { format!("\\ref{{{}}}", label(k)) }
    };
    let Some(first) = keys.first().and_then(|k| ref_kind(k)) else { return String::new() };
    if keys.iter().all(|k| ref_kind(k).map(|r| r.0) == Some(first.0)) {
        let word = if keys.len() == 1 { first.1 } else { first.2 };
        let refs: Vec<String> = keys.iter().map(|k| one(k)).collect();
        let list = match refs.len() {
            1 => refs[0].clone(),
            n => format!("{} and~{}", refs[..n - 1].join(", "), refs[n - 1]),
        };
        return format!("{word}~{list}");
    }
    let parts: Vec<String> = keys.iter().map(|k| ref_text(&[k])).collect();
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tex(s: &str) -> String {
        render(s).tex
    }

    #[test]
    fn bracketed_citations_become_citep() {
        assert_eq!(tex("as shown [@knuth84]."), "as shown \\citep{knuth84}.");
        assert_eq!(tex("[@a; @b]"), "\\citep{a,b}");
        assert_eq!(tex("[see @a, p. 3]"), "\\citep[see][p.~3]{a}");
        assert_eq!(tex("[@a, ch. 2]"), "\\citep[ch.~2]{a}");
        assert_eq!(tex("[see @a; @b, pp. 3-5]"), "\\citep[see][pp.~3-5]{a,b}");
        assert_eq!(tex("[-@a]"), "\\citeyearpar{a}");
    }

    #[test]
    fn bare_citations_become_citet() {
        assert_eq!(tex("@vaswani2017 showed"), "\\citet{vaswani2017} showed");
        assert_eq!(tex("by @doe:2020."), "by \\citet{doe:2020}.");
        assert_eq!(tex("@a [p. 4] says"), "\\citet[p.~4]{a} says");
    }

    #[test]
    fn citations_are_listed_with_offsets() {
        let r = render("x [@a; @b] and @c.");
        let keys: Vec<_> = r.cites.iter().map(|(k, o)| (k.as_str(), *o)).collect();
        assert_eq!(keys, vec![("a", 3), ("b", 7), ("c", 15)]);
    }

    #[test]
    fn email_addresses_and_lone_at_signs_are_text() {
        assert_eq!(tex("mail ada@example.org now"), "mail ada@example.org now");
        assert_eq!(tex("a @ b"), "a @ b");
        assert!(render("ada@example.org").cites.is_empty());
        assert_eq!(tex("[not a cite]"), "{[}not a cite{]}");
        assert_eq!(tex("[x@y.org]"), "{[}x@y.org{]}");
    }

    #[test]
    fn cross_references() {
        assert_eq!(tex("@fig:acc shows"), "Figure~\\ref{fig:acc} shows");
        assert_eq!(tex("in @sec:intro."), "in Section~\\ref{sec:intro}.");
        assert_eq!(tex("(@tbl:res)"), "(Table~\\ref{tbl:res})");
        assert_eq!(tex("@eq:loss"), "Equation~\\eqref{eq:loss}");
        assert_eq!(tex("[@fig:a; @fig:b]"), "Figures~\\ref{fig:a} and~\\ref{fig:b}");
        assert_eq!(tex("[@fig:a; @fig:b; @fig:c]"), "Figures~\\ref{fig:a}, \\ref{fig:b} and~\\ref{fig:c}");
        let r = render("@fig:a and [@tbl:b]");
        assert_eq!(r.refs, vec![("fig:a".to_string(), 0), ("tbl:b".to_string(), 12)]);
        assert!(r.cites.is_empty());
    }

    #[test]
    fn raw_cite_commands_count_as_citations() {
        let r = render("as in \\citep[p.~3]{a, b} and \\citeauthor{c}");
        assert_eq!(r.tex, "as in \\citep[p.~3]{a, b} and \\citeauthor{c}");
        let keys: Vec<_> = r.cites.iter().map(|(k, o)| (k.as_str(), *o)).collect();
        assert_eq!(keys, vec![("a", 6), ("b", 6), ("c", 29)]);
    }

    #[test]
    fn raw_commands_pass_and_everything_else_is_escaped() {
        assert_eq!(tex("the \\LaTeX{} way"), "the \\LaTeX{} way");
        assert_eq!(tex("\\textsc{Abc}[x] & 5%"), "\\textsc{Abc}[x] \\& 5\\%");
        assert_eq!(tex("C:\\ 50$"), "C:\\textbackslash{} 50\\$");
        assert_eq!(tex("a_b #1 ~ ^"), "a\\_b \\#1 \\textasciitilde{} \\textasciicircum{}");
    }
}
