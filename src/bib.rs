//! Just enough BibTeX for paperfig (the extract planner and the Markdown writer share it):
//! entries, their keys and fields (braced, quoted, numbers and `#` concatenation), and the
//! `file` field as written by JabRef
//! (`:papers/a.pdf:PDF`), Zotero/Better BibTeX (`Full Text:papers/a.pdf:application/pdf`)
//! or by hand (`papers/a.pdf`), several files separated by `;`.

use std::collections::BTreeMap;

/// One entry: its key and its fields, names lower-cased.
#[derive(Debug, Default, PartialEq)]
pub struct Entry {
    pub key: String,
    pub fields: BTreeMap<String, String>,
}

/// Every entry of a `.bib` file, in order. Malformed parts are skipped: a bibliography
/// is only searched here, never checked.
pub fn parse(text: &str) -> Vec<Entry> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(at) = text[i..].find('@') {
        i += at + 1;
        let ty_end = i + text[i..].find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(text.len() - i);
        let ty = text[i..ty_end].to_ascii_lowercase();
        let mut j = skip_ws(b, ty_end);
        if j >= b.len() || !(b[j] == b'{' || b[j] == b'(') {
            continue;
        }
        let close = if b[j] == b'{' { b'}' } else { b')' };
        if matches!(ty.as_str(), "comment" | "string" | "preamble") || ty.is_empty() {
            i = balanced_end(b, j).unwrap_or(b.len());
            continue;
        }
        j += 1;
        let key_end = j + text[j..].find([',', '}', ')']).unwrap_or(text.len() - j);
        let mut entry = Entry { key: text[j..key_end].trim().to_string(), ..Entry::default() };
        j = key_end;
        // Fields: `, name = value`.
        loop {
            j = skip_ws(b, j);
            if j >= b.len() || b[j] == close {
                j += 1;
                break;
            }
            if b[j] == b',' {
                j += 1;
                continue;
            }
            let name_end = j + text[j..].find(['=', close as char]).unwrap_or(text.len() - j);
            if name_end >= b.len() || b[name_end] != b'=' {
                j = name_end;
                continue;
            }
            let name = text[j..name_end].trim().to_ascii_lowercase();
            let (value, end) = value(text, name_end + 1, close);
            entry.fields.insert(name, value);
            j = end;
        }
        i = j.min(b.len());
        out.push(entry);
    }
    out
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// The index after the brace or parenthesis group opening at `open`.
fn balanced_end(b: &[u8], open: usize) -> Option<usize> {
    let (o, c) = if b[open] == b'(' { (b'(', b')') } else { (b'{', b'}') };
    let mut depth = 0usize;
    for (k, &ch) in b.iter().enumerate().skip(open) {
        if ch == o {
            depth += 1;
        } else if ch == c {
            depth -= 1;
            if depth == 0 {
                return Some(k + 1);
            }
        }
    }
    None
}

/// A field value starting at `i`: parts joined by `#`; returns the text and where it ends.
fn value(text: &str, mut i: usize, close: u8) -> (String, usize) {
    let b = text.as_bytes();
    let mut out = String::new();
    loop {
        i = skip_ws(b, i);
        if i >= b.len() {
            return (out, i);
        }
        match b[i] {
            b'{' => match balanced_end(b, i) {
                Some(end) => {
                    out.push_str(&text[i + 1..end - 1]);
                    i = end;
                }
                None => {
                    out.push_str(&text[i + 1..]);
                    i = b.len();
                }
            },
            b'"' => {
                let mut depth = 0;
                let mut k = i + 1;
                while k < b.len() && !(b[k] == b'"' && depth == 0) {
                    match b[k] {
                        b'{' => depth += 1,
                        b'}' => depth -= 1,
                        _ => {}
                    }
                    k += 1;
                }
                out.push_str(&text[i + 1..k.min(b.len())]);
                i = (k + 1).min(b.len());
            }
            _ => {
                let end = i + text[i..].find([',', '#', close as char]).unwrap_or(text.len() - i);
                out.push_str(text[i..end].trim());
                i = end;
            }
        }
        i = skip_ws(b, i);
        if i < b.len() && b[i] == b'#' {
            i += 1;
            continue;
        }
        return (out, i);
    }
}

/// The paths a `file` field names, in order, unescaped.
pub fn file_paths(field: &str) -> Vec<String> {
    split_unescaped(field, ';')
        .into_iter()
        .filter_map(|item| {
            let parts = split_unescaped(item.trim(), ':');
            let path = match parts.len() {
                0 => return None,
                1 => parts[0].to_string(),
                2 => parts[1].to_string(),
                n => parts[1..n - 1].join(":"),
            };
            let path = path.replace("\\:", ":").replace("\\;", ";").replace("\\\\", "\\");
            let path = path.trim().to_string();
            (!path.is_empty()).then_some(path)
        })
        .collect()
}

/// The first path of a `file` field that is a PDF, else the first path.
pub fn pdf_path(field: &str) -> Option<String> {
    let paths = file_paths(field);
    paths.iter().find(|p| p.to_ascii_lowercase().ends_with(".pdf")).or(paths.first()).cloned()
}

fn split_unescaped(s: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == sep {
            out.push(&s[start..i]);
            start = i + 1;
        }
    }
    out.push(&s[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_entries_and_fields() {
        let bib = r#"
@comment{ignored @article{fake, file={no.pdf}} }
@string{ venue = "NeurIPS" }
@article{vaswani2017,
  title = {Attention {Is} All You Need},
  year = 2017,
  booktitle = venue # " 2017",
  file = {papers/vaswani.pdf}
}
@inproceedings(he2016, author = "He, {K}aiming", file = ":papers/resnet.pdf:PDF")
"#;
        let entries = parse(bib);
        let keys: Vec<&str> = entries.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["vaswani2017", "he2016"]);
        assert_eq!(entries[0].fields["title"], "Attention {Is} All You Need");
        assert_eq!(entries[0].fields["year"], "2017");
        assert_eq!(entries[0].fields["booktitle"], "venue 2017");
        assert_eq!(entries[0].fields["file"], "papers/vaswani.pdf");
        assert_eq!(entries[1].fields["author"], "He, {K}aiming");
        assert_eq!(pdf_path(&entries[1].fields["file"]).unwrap(), "papers/resnet.pdf");
    }

    #[test]
    fn file_field_styles() {
        assert_eq!(pdf_path("papers/a.pdf").unwrap(), "papers/a.pdf");
        assert_eq!(pdf_path(":papers/a.pdf:PDF").unwrap(), "papers/a.pdf");
        assert_eq!(pdf_path("Full Text:papers/a.pdf:application/pdf").unwrap(), "papers/a.pdf");
        assert_eq!(pdf_path("Snapshot:s.html:text/html;Full Text:b.pdf:application/pdf").unwrap(), "b.pdf");
        assert_eq!(pdf_path(r"PDF:C\:\\papers\\a.pdf:PDF").unwrap(), r"C:\papers\a.pdf");
        assert_eq!(pdf_path(""), None);
    }

    #[test]
    fn malformed_input_does_not_panic() {
        for text in
            ["@", "@article", "@article{", "@article{k, title = {unclosé", "@article{k, t = \"x", "@{}", "@x(k,a=#)"]
        {
            let _ = parse(text);
        }
        assert_eq!(parse("@article{k, a = {b}")[0].fields["a"], "b");
    }
}
