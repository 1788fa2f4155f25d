//! Escaping text for LaTeX (XeLaTeX first, pdfLaTeX too): every TeX special character,
//! characters that the default font encodings print wrongly, and URLs for hyperref.

/// Stands for a backslash the Markdown escaped (`\\`) in running text, so that it is not
/// read as the start of a raw LaTeX command; printed as a backslash.
pub const LITERAL_BACKSLASH: char = '\u{e000}';

/// Appends `c` escaped for LaTeX text mode.
pub fn push_escaped(out: &mut String, c: char) {
    match c {
        '\\' | LITERAL_BACKSLASH => out.push_str("\\textbackslash{}"),
        '{' => out.push_str("\\{"),
        '}' => out.push_str("\\}"),
        '#' => out.push_str("\\#"),
        '$' => out.push_str("\\$"),
        '%' => out.push_str("\\%"),
        '&' => out.push_str("\\&"),
        '_' => out.push_str("\\_"),
        '~' => out.push_str("\\textasciitilde{}"),
        '^' => out.push_str("\\textasciicircum{}"),
        '<' => out.push_str("\\textless{}"),
        '>' => out.push_str("\\textgreater{}"),
        '|' => out.push_str("\\textbar{}"),
        '"' => out.push_str("\\textquotedbl{}"),
        '`' => out.push_str("\\textasciigrave{}"),
        // Brackets would be read as an optional argument after `\\` or `\item`.
        '[' => out.push_str("{[}"),
        ']' => out.push_str("{]}"),
        // `--`, `---`, `''` and `,,` are ligatures in TeX fonts: keep the characters apart.
        '-' if out.ends_with('-') => out.push_str("{}-"),
        '\'' if out.ends_with('\'') => out.push_str("{}'"),
        ',' if out.ends_with(',') => out.push_str("{},"),
        '\u{a0}' => out.push('~'),
        '\t' | '\r' => out.push(' '),
        '\u{2013}' => out.push_str("--"),
        '\u{2014}' => out.push_str("---"),
        '\u{2018}' => out.push('`'),
        '\u{2019}' => out.push('\''),
        '\u{201c}' => out.push_str("``"),
        '\u{201d}' => out.push_str("''"),
        '\u{2026}' => out.push_str("\\ldots{}"),
        c if c.is_control() && c != '\n' => {}
        c => out.push(c),
    }
}

/// `s` escaped for LaTeX text mode.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_escaped(&mut out, c);
    }
    out
}

/// A URL for `\href{..}` or `\url{..}`: hyperref reads it verbatim except for these.
pub fn escape_url(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        match c {
            '\\' | '#' | '%' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_whitespace() => out.push_str("\\%20"),
            c => out.push(c),
        }
    }
    out
}

/// A `\label{..}`/`\ref{..}` key: letters, digits and `:-_.` pass; others become `-`.
pub fn label(id: &str) -> String {
    id.chars().map(|c| if c.is_alphanumeric() || matches!(c, ':' | '-' | '_' | '.' | '/') { c } else { '-' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a TeX reader sees: no special character is left bare.
    fn assert_no_bare_specials(tex: &str) {
        let bytes = tex.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            if matches!(b, b'#' | b'$' | b'%' | b'&' | b'_') {
                assert!(i > 0 && bytes[i - 1] == b'\\', "bare {:?} at {i} in {tex:?}", b as char);
            }
            if matches!(b, b'~' | b'^') {
                panic!("bare {:?} in {tex:?}", b as char);
            }
        }
    }

    #[test]
    fn every_special_is_escaped() {
        let tex = escape(r#"# $ % & ~ _ ^ \ { } < > | " `"#);
        assert_no_bare_specials(&tex);
        for piece in [
            "\\#",
            "\\$",
            "\\%",
            "\\&",
            "\\textasciitilde{}",
            "\\_",
            "\\textasciicircum{}",
            "\\textbackslash{}",
            "\\{",
            "\\}",
            "\\textless{}",
            "\\textgreater{}",
            "\\textbar{}",
            "\\textquotedbl{}",
            "\\textasciigrave{}",
        ] {
            assert!(tex.contains(piece), "{piece} missing from {tex}");
        }
        // Braces only appear escaped or as the empty groups after control words.
        let stripped = tex.replace("\\{", "").replace("\\}", "").replace("{}", "");
        assert!(!stripped.contains('{') && !stripped.contains('}'), "{tex}");
    }

    #[test]
    fn backslash_does_not_eat_the_next_word() {
        assert_eq!(escape("a\\b"), "a\\textbackslash{}b");
        assert_eq!(escape("100%"), "100\\%");
    }

    #[test]
    fn brackets_and_ligatures_are_kept_apart() {
        assert_eq!(escape("[x]"), "{[}x{]}");
        assert_eq!(escape("a--b"), "a-{}-b");
        assert_eq!(escape("''"), "'{}'");
    }

    #[test]
    fn unicode_dashes_and_quotes_become_tex_ligatures() {
        assert_eq!(escape("a\u{2013}b\u{2014}c"), "a--b---c");
        assert_eq!(escape("\u{201c}hi\u{201d} \u{2018}x\u{2019}"), "``hi'' `x'");
        assert_eq!(escape("1\u{a0}GB"), "1~GB");
        assert_eq!(escape("±µ café"), "±µ café", "other Unicode passes through to XeLaTeX");
    }

    #[test]
    fn spaces_in_urls_are_percent_encoded_and_escaped() {
        assert_eq!(escape_url("a b"), "a\\%20b");
    }

    #[test]
    fn urls_keep_their_characters() {
        assert_eq!(escape_url("https://x.org/a_b?q=1&r=%20#frag"), "https://x.org/a_b?q=1&r=\\%20\\#frag");
    }

    #[test]
    fn labels_are_safe() {
        assert_eq!(label("fig:acc"), "fig:acc");
        assert_eq!(label("sec:a b#c"), "sec:a-b-c");
    }
}
