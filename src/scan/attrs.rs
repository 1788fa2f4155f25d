//! Attribute lists: pandoc's `{#id .class key=value key="quoted value"}` (Markdown) and
//! the `[key=value, key={braced, value}]` option lists of the LaTeX environment.
//!
//! Both produce `Attr`s with byte spans into the source file, so later stages can point
//! at the exact attribute they object to.

use std::ops::Range;

/// One `key=value` pair with where its parts are in the source file.
#[derive(Clone, Debug, PartialEq)]
pub struct Attr {
    pub name: String,
    pub value: String,
    pub name_span: Range<usize>,
    pub value_span: Range<usize>,
}

/// A parsed attribute list.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AttrList {
    /// `#fig:acc` (Markdown) or `id=fig:acc` (LaTeX), without the `#`.
    pub id: Option<(String, Range<usize>)>,
    pub classes: Vec<String>,
    pub pairs: Vec<Attr>,
}

impl AttrList {
    pub fn get(&self, name: &str) -> Option<&Attr> {
        self.pairs.iter().find(|a| a.name == name)
    }
}

/// A syntax error in an attribute list: what, where (absolute byte span), and a hint.
#[derive(Clone, Debug, PartialEq)]
pub struct AttrError {
    pub message: String,
    pub span: Range<usize>,
    pub label: String,
    pub hint: String,
}

fn err(message: String, span: Range<usize>, label: &str, hint: &str) -> AttrError {
    AttrError { message, span, label: label.into(), hint: hint.into() }
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':')
}

/// Parses the inside of a pandoc attribute list (the text between `{` and `}`), whose
/// first byte is at `base` in the source file. Leading words that are not `#id`, `.class`
/// or `key=value` (the `paperfig` marker) are returned separately.
pub fn parse_pandoc(text: &str, base: usize) -> Result<(Vec<String>, AttrList), AttrError> {
    let mut words = Vec::new();
    let mut list = AttrList::default();
    let bytes: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    let at = |i: usize| bytes.get(i).map_or(text.len(), |&(o, _)| o) + base;
    while i < bytes.len() {
        let (_, c) = bytes[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        if c == '#' || c == '.' {
            i += 1;
            while i < bytes.len() && is_name_char(bytes[i].1) {
                i += 1;
            }
            let word: String = bytes[start + 1..i].iter().map(|&(_, c)| c).collect();
            if word.is_empty() {
                return Err(err(
                    format!("`{c}` must be followed by a name"),
                    at(start)..at(start + 1),
                    "empty name",
                    "write `#fig:name` for an id or `.name` for a class",
                ));
            }
            if c == '#' {
                if let Some((_, prev)) = &list.id {
                    return Err(err(
                        "a figure can have only one id".into(),
                        at(start)..at(i),
                        "second id",
                        &format!("the id is already set at byte {}; remove one", prev.start),
                    ));
                }
                list.id = Some((word, at(start + 1)..at(i)));
            } else {
                list.classes.push(word);
            }
            continue;
        }
        if c == '"' || c == '\'' || c == '=' {
            return Err(err(
                format!("unexpected `{c}`"),
                at(i)..at(i + 1),
                "expected a name",
                "attributes are written `key=value` or `key=\"value with spaces\"`",
            ));
        }
        while i < bytes.len() && !bytes[i].1.is_whitespace() && bytes[i].1 != '=' {
            i += 1;
        }
        let name: String = bytes[start..i].iter().map(|&(_, c)| c).collect();
        let name_span = at(start)..at(i);
        if i >= bytes.len() || bytes[i].1 != '=' {
            words.push(name);
            continue;
        }
        if let Some(bad) = name.chars().find(|&c| !is_name_char(c)) {
            return Err(err(
                format!("`{bad}` is not allowed in an attribute name"),
                name_span,
                "bad name",
                "attribute names use letters, digits, `_`, `-`, `.` and `:`",
            ));
        }
        i += 1; // '='
        let (value, value_span) = if i < bytes.len() && matches!(bytes[i].1, '"' | '\'') {
            let quote = bytes[i].1;
            let open = i;
            i += 1;
            let mut value = String::new();
            loop {
                if i >= bytes.len() {
                    return Err(err(
                        format!("unclosed quote in the value of `{name}`"),
                        at(open)..at(bytes.len()),
                        "this quote is never closed",
                        &format!("add a closing {quote} after the value"),
                    ));
                }
                let ch = bytes[i].1;
                if ch == '\\' && i + 1 < bytes.len() && matches!(bytes[i + 1].1, '"' | '\'' | '\\') {
                    value.push(bytes[i + 1].1);
                    i += 2;
                    continue;
                }
                if ch == quote {
                    i += 1;
                    break;
                }
                value.push(ch);
                i += 1;
            }
            (value, at(open + 1)..at(i - 1))
        } else {
            let vstart = i;
            while i < bytes.len() && !bytes[i].1.is_whitespace() {
                if matches!(bytes[i].1, '"' | '\'') {
                    return Err(err(
                        format!("quote inside the unquoted value of `{name}`"),
                        at(i)..at(i + 1),
                        "unexpected quote",
                        "quote the whole value: key=\"value\"",
                    ));
                }
                i += 1;
            }
            let value: String = bytes[vstart..i].iter().map(|&(_, c)| c).collect();
            (value, at(vstart)..at(i))
        };
        push_pair(&mut list, Attr { name, value, name_span, value_span })?;
    }
    Ok((words, list))
}

fn push_pair(list: &mut AttrList, attr: Attr) -> Result<(), AttrError> {
    if list.get(&attr.name).is_some() {
        return Err(err(
            format!("attribute `{}` is given twice", attr.name),
            attr.name_span.clone(),
            "repeated here",
            "keep one of the two",
        ));
    }
    list.pairs.push(attr);
    Ok(())
}

/// Parses a LaTeX option list (the text between `[` and `]`) at `base`:
/// `id=fig:acc, kind=plot, caption={A, b}`. `id` becomes the list's id; `wide`, the one
/// option `paperfig.sty` takes without a value, becomes the class `wide` (Markdown's `.wide`).
pub fn parse_latex(text: &str, base: usize) -> Result<AttrList, AttrError> {
    let mut list = AttrList::default();
    for (start, item) in split_top_level(text) {
        let trimmed_start = start + (item.len() - item.trim_start().len());
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let abs = base + trimmed_start;
        if item == "wide" {
            list.classes.push(item.to_string());
            continue;
        }
        let Some(eq) = item.find('=') else {
            return Err(err(
                format!("option `{item}` has no value"),
                abs..abs + item.len(),
                "expected key=value",
                "write options as `key=value`, separated by commas",
            ));
        };
        let name = item[..eq].trim().to_string();
        let raw = item[eq + 1..].trim_start();
        let vstart = abs + eq + 1 + (item[eq + 1..].len() - raw.len());
        let (value, value_span) = match raw.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
            Some(inner) => (inner.to_string(), vstart + 1..vstart + 1 + inner.len()),
            None => (raw.to_string(), vstart..vstart + raw.len()),
        };
        if name.is_empty() || name.chars().any(|c| !is_name_char(c)) {
            return Err(err(
                format!("`{name}` is not a valid option name"),
                abs..abs + eq,
                "bad name",
                "option names use letters, digits, `_`, `-`, `.` and `:`",
            ));
        }
        if name == "id" {
            list.id = Some((value, value_span));
            continue;
        }
        let name_span = abs..abs + eq;
        push_pair(&mut list, Attr { name, value, name_span, value_span })?;
    }
    Ok(list)
}

/// Splits at commas outside braces, returning (offset, piece).
fn split_top_level(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push((start, &text[start..i]));
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push((start, &text[start..]));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pandoc_ids_classes_and_pairs_with_spans() {
        let src = r#"paperfig #fig:acc .wide kind=plot caption="Top-1 \"acc\"" x='a b'"#;
        let (words, list) = parse_pandoc(src, 100).unwrap();
        assert_eq!(words, vec!["paperfig"]);
        let (id, span) = list.id.clone().unwrap();
        assert_eq!(id, "fig:acc");
        assert_eq!(&src[span.start - 100..span.end - 100], "fig:acc");
        assert_eq!(list.classes, vec!["wide"]);
        assert_eq!(list.get("kind").unwrap().value, "plot");
        assert_eq!(list.get("caption").unwrap().value, "Top-1 \"acc\"");
        assert_eq!(list.get("x").unwrap().value, "a b");
        let kind = list.get("kind").unwrap();
        assert_eq!(&src[kind.value_span.start - 100..kind.value_span.end - 100], "plot");
    }

    #[test]
    fn pandoc_whitespace_and_order_do_not_matter_to_values() {
        let (_, a) = parse_pandoc("paperfig  kind=plot\t data=x.csv ", 0).unwrap();
        let (_, b) = parse_pandoc("paperfig data=x.csv kind=plot", 0).unwrap();
        for name in ["kind", "data"] {
            assert_eq!(a.get(name).unwrap().value, b.get(name).unwrap().value);
        }
    }

    #[test]
    fn pandoc_unclosed_quote_points_at_the_quote() {
        let src = r#"paperfig kind=plot caption="Top-1"#;
        let e = parse_pandoc(src, 10).unwrap_err();
        assert!(e.message.contains("unclosed quote"), "{e:?}");
        assert_eq!(e.span.start, 10 + src.find('"').unwrap());
        assert!(e.hint.contains("closing"));
    }

    #[test]
    fn pandoc_rejects_repeated_attributes_and_stray_quotes() {
        assert!(parse_pandoc("paperfig kind=plot kind=bar", 0).unwrap_err().message.contains("twice"));
        assert!(parse_pandoc("paperfig kind=pl\"ot", 0).unwrap_err().message.contains("quote"));
        assert!(parse_pandoc("paperfig # kind=plot", 0).unwrap_err().message.contains("followed by a name"));
    }

    #[test]
    fn latex_options_with_braces_and_id() {
        let src = r"id=fig:acc, kind=plot,caption={A, b}, width=.8\linewidth";
        let list = parse_latex(src, 5).unwrap();
        assert_eq!(list.id.as_ref().unwrap().0, "fig:acc");
        assert_eq!(list.get("caption").unwrap().value, "A, b");
        assert_eq!(list.get("width").unwrap().value, r".8\linewidth");
        let k = list.get("kind").unwrap();
        assert_eq!(&src[k.value_span.start - 5..k.value_span.end - 5], "plot");
    }

    #[test]
    fn latex_wide_flag_is_a_class() {
        let list = parse_latex("kind=plot, wide, width=\\linewidth", 0).unwrap();
        assert_eq!(list.classes, ["wide"]);
        assert!(list.get("wide").is_none());
        assert_eq!(list.get("width").unwrap().value, "\\linewidth");
    }

    #[test]
    fn latex_option_without_value_is_an_error() {
        let e = parse_latex("kind=plot, draft", 0).unwrap_err();
        assert!(e.message.contains("`draft` has no value"));
        assert_eq!(e.span, 11..16);
    }
}
