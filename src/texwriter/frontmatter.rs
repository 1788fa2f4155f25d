//! The paper's front matter: a YAML block (`---` … `---`) or a TOML block (`+++` … `+++`)
//! at the very start of the Markdown file. Known keys: `title`, `author`/`authors` (names,
//! or `{name, affiliation, email}`), `abstract`, `keywords`, `bibliography`, `template`,
//! `date`. Errors point at the front matter line.

use std::ops::Range;
use std::sync::Arc;

use serde::Deserialize;

use crate::diag::{Code, Diagnostic, Loc, SourceFile};

/// The front matter as written (values still Markdown), with where each key is.
#[derive(Debug, Default)]
pub struct FrontMatter {
    pub title: Option<String>,
    pub authors: Vec<Author>,
    pub abstract_: Option<String>,
    pub keywords: Vec<String>,
    pub bibliography: Vec<String>,
    pub template: Option<String>,
    pub date: Option<String>,
    /// The whole block, including its fences (empty when there is none).
    pub span: Range<usize>,
    /// Byte offset where the Markdown after the front matter starts.
    pub body_start: usize,
    /// `key` → span of its line, for errors about a value.
    keys: Vec<(String, Range<usize>)>,
    /// Unknown keys (ignored, as pandoc's other keys would be).
    pub warnings: Vec<Diagnostic>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Author {
    pub name: String,
    pub affiliation: Option<String>,
    pub email: Option<String>,
}

impl FrontMatter {
    /// Where `key` is written, else the whole block, else the file's start.
    pub fn key_loc(&self, file: &Arc<SourceFile>, key: &str) -> Loc {
        match self.keys.iter().find(|(k, _)| k == key) {
            Some((_, span)) => Loc::new(file, span.clone()),
            None => Loc::new(file, self.span.start..self.span.start.max(self.span.end.min(self.span.start + 3))),
        }
    }

    /// The Markdown line (1-based) of `key`, if written.
    pub fn key_line(&self, file: &SourceFile, key: &str) -> Option<u32> {
        let (_, span) = self.keys.iter().find(|(k, _)| k == key)?;
        Some(file.line_col(span.start).0 as u32)
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    fn into_vec(self) -> Vec<T> {
        match self {
            OneOrMany::One(t) => vec![t],
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawAuthor {
    Name(String),
    Full { name: String, affiliation: Option<OneOrMany<String>>, email: Option<String> },
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Scalar {
    Text(String),
    Int(i64),
    Float(f64),
}

#[derive(Deserialize)]
struct Raw {
    title: Option<String>,
    author: Option<OneOrMany<RawAuthor>>,
    authors: Option<OneOrMany<RawAuthor>>,
    #[serde(rename = "abstract")]
    abstract_: Option<String>,
    keywords: Option<OneOrMany<String>>,
    bibliography: Option<OneOrMany<String>>,
    template: Option<String>,
    date: Option<Scalar>,
}

const KNOWN: &[&str] = &["title", "author", "authors", "abstract", "keywords", "bibliography", "template", "date"];
const KEYS: &str = "title, author(s), abstract, keywords, bibliography, template, date";

/// Finds and parses the front matter at the start of `file`. No front matter is not an
/// error (everything is empty and the body starts at 0).
pub fn parse(file: &Arc<SourceFile>) -> Result<FrontMatter, Diagnostic> {
    let full = file.text.as_str();
    // A byte-order mark before the front matter is allowed (and skipped).
    let bom = if full.starts_with('\u{feff}') { '\u{feff}'.len_utf8() } else { 0 };
    let text = full;
    let Some((fence, yaml)) = [("---", true), ("+++", false)]
        .into_iter()
        .find(|(f, _)| text[bom..].strip_prefix(f).is_some_and(|r| r.starts_with('\n') || r.starts_with("\r\n")))
    else {
        return Ok(FrontMatter::default());
    };
    let inner_start = text.find('\n').map_or(text.len(), |i| i + 1);
    // The closing fence: a line that is exactly the fence (YAML also allows `...`).
    let mut at = inner_start;
    let mut close = None;
    while at < text.len() {
        let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
        let line = text[at..end].trim_end_matches('\r');
        if line == fence || (yaml && line == "...") {
            close = Some((at, (end + 1).min(text.len())));
            break;
        }
        at = end + 1;
    }
    let Some((inner_end, body_start)) = close else {
        return Err(Diagnostic::error(Code::Writer, "the front matter is not closed")
            .at(Loc::new(file, bom..bom + fence.len()), "opened here")
            .hint(format!("end the front matter with a line `{fence}`")));
    };
    let inner = &text[inner_start..inner_end];
    let keys = key_lines(inner, inner_start, yaml);
    let warnings = keys
        .iter()
        .filter(|(k, _)| !KNOWN.contains(&k.as_str()))
        .map(|(k, span)| {
            Diagnostic::warning(Code::Writer, format!("unknown front matter key `{k}` is ignored"))
                .at(Loc::new(file, span.clone()), "not used by paperfig")
                .hint(format!("known keys: {KEYS}"))
        })
        .collect();
    let raw: Raw = if yaml {
        serde_yaml_ng::from_str(inner).map_err(|e| {
            let span = match e.location() {
                Some(l) => line_span(text, inner_start, l.line(), l.column()),
                None => inner_start..inner_start,
            };
            value_error(file, span, &e.to_string(), "YAML")
        })?
    } else {
        toml::from_str(inner).map_err(|e| {
            let span = e.span().map_or(inner_start..inner_start, |s| inner_start + s.start..inner_start + s.end);
            value_error(file, span, e.message(), "TOML")
        })?
    };
    let authors = raw.authors.or(raw.author).map(OneOrMany::into_vec).unwrap_or_default();
    let authors = authors
        .into_iter()
        .map(|a| match a {
            RawAuthor::Name(name) => Author { name, affiliation: None, email: None },
            RawAuthor::Full { name, affiliation, email } => {
                Author { name, affiliation: affiliation.map(|a| a.into_vec().join("; ")), email }
            }
        })
        .collect();
    let keywords = raw
        .keywords
        .map(OneOrMany::into_vec)
        .unwrap_or_default()
        .iter()
        .flat_map(|k| k.split(','))
        .map(|k| k.trim().to_string())
        .filter(|k| !k.is_empty())
        .collect();
    Ok(FrontMatter {
        title: raw.title,
        authors,
        abstract_: raw.abstract_.map(|a| a.trim().to_string()).filter(|a| !a.is_empty()),
        keywords,
        bibliography: raw.bibliography.map(OneOrMany::into_vec).unwrap_or_default(),
        template: raw.template,
        date: raw.date.map(|d| match d {
            Scalar::Text(s) => s,
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(f) => f.to_string(),
        }),
        span: 0..body_start,
        body_start,
        keys,
        warnings,
    })
}

fn value_error(file: &Arc<SourceFile>, span: Range<usize>, message: &str, lang: &str) -> Diagnostic {
    // serde's messages end in " at line L column C" (positions inside the block): the
    // location is shown separately, with the file's own line numbers.
    let message = message.split(" at line ").next().unwrap_or(message).trim();
    Diagnostic::error(Code::Writer, format!("invalid front matter: {message}"))
        .at(Loc::new(file, span), "here")
        .hint(format!("the front matter is {lang}; known keys: {KEYS}"))
        .hint("authors are a list of names or of `{name, affiliation, email}`")
}

/// Span of (1-based line, column) inside the block starting at `inner_start`.
fn line_span(text: &str, inner_start: usize, line: usize, column: usize) -> Range<usize> {
    let mut at = inner_start;
    for _ in 1..line {
        at = text[at..].find('\n').map_or(text.len(), |i| at + i + 1);
    }
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let start = (at + column.saturating_sub(1)).min(end);
    start..end.max(start)
}

/// Top-level keys and the span of their line (`key:` in YAML, `key =` in TOML).
fn key_lines(inner: &str, base: usize, yaml: bool) -> Vec<(String, Range<usize>)> {
    let mut out = Vec::new();
    let mut at = base;
    for line in inner.split_inclusive('\n') {
        let content = line.trim_end();
        let sep = if yaml { ':' } else { '=' };
        if !content.starts_with([' ', '\t', '#', '-', '[']) {
            if let Some(i) = content.find(sep) {
                let key = content[..i].trim().trim_matches('"');
                if !key.is_empty() && key.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-') {
                    out.push((key.to_string(), at..at + content.len()));
                }
            }
        }
        at += line.len();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> Arc<SourceFile> {
        Arc::new(SourceFile::new("paper.md".into(), "paper.md".into(), text.into()))
    }

    #[test]
    fn yaml_front_matter_with_structured_authors() {
        let f = file(
            "---\ntitle: \"A & B\"\nauthors:\n  - name: Ada\n    affiliation: [Uni A, Lab B]\n    email: ada@x.org\n  - Bob\nkeywords: graphs, caching\nbibliography: refs.bib\ndate: 2026\n---\n# Intro\n",
        );
        let fm = parse(&f).unwrap();
        assert_eq!(fm.title.as_deref(), Some("A & B"));
        assert_eq!(fm.authors.len(), 2);
        assert_eq!(fm.authors[0].affiliation.as_deref(), Some("Uni A; Lab B"));
        assert_eq!(fm.authors[0].email.as_deref(), Some("ada@x.org"));
        assert_eq!(fm.authors[1], Author { name: "Bob".into(), affiliation: None, email: None });
        assert_eq!(fm.keywords, vec!["graphs", "caching"]);
        assert_eq!(fm.bibliography, vec!["refs.bib"]);
        assert_eq!(fm.date.as_deref(), Some("2026"), "a bare YAML number is a date too");
        assert!(f.text[fm.body_start..].starts_with("# Intro"));
        assert_eq!(fm.key_line(&f, "bibliography"), Some(9));
    }

    #[test]
    fn the_guides_example_parses() {
        let guide = include_str!("../../guide/papers.md");
        let start = guide.find("```yaml\n").unwrap() + "```yaml\n".len();
        let block = &guide[start..start + guide[start..].find("```").unwrap()];
        let fm = parse(&file(&format!("{block}body\n"))).unwrap();
        assert_eq!(fm.authors.len(), 2);
        assert_eq!(fm.authors[1].name, "B. Engineer");
        assert_eq!(fm.template.as_deref(), Some("conference"));
        assert_eq!(fm.date.as_deref(), Some("2026-05-01"));
        assert!(fm.warnings.is_empty());
    }

    #[test]
    fn toml_front_matter() {
        let f = file("+++\ntitle = \"T\"\ntemplate = \"conference\"\nauthor = \"Ann\"\n+++\nbody\n");
        let fm = parse(&f).unwrap();
        assert_eq!(fm.template.as_deref(), Some("conference"));
        assert_eq!(fm.authors[0].name, "Ann");
        assert_eq!(&f.text[fm.body_start..], "body\n");
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        let f = file("\u{feff}---\ntitle: T\n---\nbody\n");
        let fm = parse(&f).unwrap();
        assert_eq!(fm.title.as_deref(), Some("T"));
        assert_eq!(&f.text[fm.body_start..], "body\n");
    }

    #[test]
    fn no_front_matter_is_empty() {
        let fm = parse(&file("# Title\n---\n")).unwrap();
        assert_eq!(fm.body_start, 0);
        assert!(fm.title.is_none());
    }

    #[test]
    fn yaml_errors_point_at_the_file_line() {
        let f = file("---\ntitle: T\nauthors:\n  - name: [unclosed\n---\n");
        let d = parse(&f).unwrap_err();
        assert!(d.message.starts_with("invalid front matter"), "{}", d.message);
        let line: usize = d.location().unwrap().split(':').nth(1).unwrap().parse().unwrap();
        assert!((4..=5).contains(&line), "{:?}", d.location());
        assert!(d.hints[0].contains("YAML"));
    }

    #[test]
    fn unknown_keys_are_warnings_listing_the_known_ones() {
        let f = file("---\ntitle: T\nautors: [A]\n---\n");
        let fm = parse(&f).unwrap();
        assert_eq!(fm.warnings.len(), 1);
        let d = &fm.warnings[0];
        assert!(!d.is_error() && d.message.contains("`autors`"), "{}", d.message);
        assert_eq!(d.location().unwrap(), "paper.md:3:1");
        assert!(d.hints[0].contains("bibliography"));
    }

    #[test]
    fn unclosed_front_matter_is_an_error() {
        let d = parse(&file("---\ntitle: T\n# Intro\n")).unwrap_err();
        assert!(d.message.contains("not closed"));
        assert_eq!(d.location().unwrap(), "paper.md:1:1");
    }
}
