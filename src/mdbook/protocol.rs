//! mdBook's preprocessor protocol (0.5): `[context, book]` as JSON on stdin, the book as
//! JSON on stdout.
//!
//! The book is kept as a `serde_json::Value` and only the `content` of chapters that change
//! is replaced, so every field paperfig does not know (and every chapter it does not touch)
//! goes back exactly as mdBook sent it.

use std::path::PathBuf;

use serde_json::Value;

/// The `context` half of the input.
pub struct Context {
    /// The book's root folder (where `book.toml` is), absolute.
    pub root: PathBuf,
    /// The book's source folder relative to the root (`[book] src`, default `src`).
    pub src: String,
    pub renderer: String,
    pub mdbook_version: String,
    /// `[preprocessor.paperfig]` of `book.toml`, as mdBook passed it on.
    pub options: Value,
}

/// The input, parsed.
pub struct Input {
    pub context: Context,
    pub book: Value,
}

/// Why the input could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    #[error("stdin is not JSON: {0}")]
    NotJson(serde_json::Error),
    #[error("stdin is not an mdBook preprocessor input: {0}")]
    Shape(String),
    #[error("this book comes from mdBook {0}, whose book format (`sections`) paperfig does not read")]
    OldMdbook(String),
}

impl ProtocolError {
    pub fn hint(&self) -> &'static str {
        match self {
            ProtocolError::NotJson(_) | ProtocolError::Shape(_) => {
                "`paperfig mdbook` is run by mdBook (`[preprocessor.paperfig]` in book.toml); it reads `[context, book]` as mdBook 0.5 sends it"
            }
            ProtocolError::OldMdbook(_) => "use mdBook 0.5 (`cargo install mdbook --locked --version 0.5.4`)",
        }
    }
}

/// Parses `[context, book]`.
pub fn parse(input: &str) -> Result<Input, ProtocolError> {
    let value: Value = serde_json::from_str(input).map_err(ProtocolError::NotJson)?;
    let Value::Array(mut parts) = value else {
        return Err(ProtocolError::Shape("expected an array `[context, book]`".into()));
    };
    if parts.len() != 2 {
        return Err(ProtocolError::Shape(format!("expected 2 elements `[context, book]`, found {}", parts.len())));
    }
    let book = parts.pop().unwrap_or_default();
    let context = parts.pop().unwrap_or_default();
    let field = |name: &str| context.get(name).and_then(Value::as_str).map(str::to_string);
    let (Some(root), Some(renderer)) = (field("root"), field("renderer")) else {
        return Err(ProtocolError::Shape("the context has no `root` or `renderer`".into()));
    };
    let mdbook_version = field("mdbook_version").unwrap_or_default();
    if book.get("sections").is_some() {
        return Err(ProtocolError::OldMdbook(mdbook_version));
    }
    if !book.get("items").is_some_and(Value::is_array) {
        return Err(ProtocolError::Shape("the book has no `items` list".into()));
    }
    let config = context.get("config");
    let src = config.and_then(|c| c.pointer("/book/src")).and_then(Value::as_str).unwrap_or("src").to_string();
    let options = config.and_then(|c| c.pointer("/preprocessor/paperfig")).cloned().unwrap_or(Value::Null);
    Ok(Input { context: Context { root: PathBuf::from(root), src, renderer, mdbook_version, options }, book })
}

/// One chapter with a source file, in book order.
pub struct Chapter {
    /// Path of the chapter's file relative to the source folder (`intro/setup.md`).
    pub path: String,
    pub content: String,
}

/// Every chapter that has a file (drafts have none), depth first, in book order.
pub fn chapters(book: &Value) -> Vec<Chapter> {
    let mut out = Vec::new();
    if let Some(items) = book.get("items").and_then(Value::as_array) {
        walk(items, &mut |ch| {
            let path = ch.get("source_path").and_then(Value::as_str).or(ch.get("path").and_then(Value::as_str));
            if let (Some(path), Some(content)) = (path, ch.get("content").and_then(Value::as_str)) {
                out.push(Chapter { path: path.to_string(), content: content.to_string() });
            }
        });
    }
    out
}

/// Sets the content of the chapters whose path is a key of `new` (the same walk as `chapters`).
pub fn replace_contents(book: &mut Value, new: &std::collections::HashMap<String, String>) {
    if let Some(items) = book.get_mut("items").and_then(Value::as_array_mut) {
        walk_mut(items, &mut |ch| {
            let path = ch.get("source_path").and_then(Value::as_str).or(ch.get("path").and_then(Value::as_str));
            if let Some(text) = path.and_then(|p| new.get(p)) {
                ch["content"] = Value::String(text.clone());
            }
        });
    }
}

fn walk(items: &[Value], f: &mut dyn FnMut(&Value)) {
    for item in items {
        if let Some(ch) = item.get("Chapter") {
            f(ch);
            if let Some(sub) = ch.get("sub_items").and_then(Value::as_array) {
                walk(sub, f);
            }
        }
    }
}

fn walk_mut(items: &mut [Value], f: &mut dyn FnMut(&mut Value)) {
    for item in items {
        if let Some(ch) = item.get_mut("Chapter") {
            f(ch);
            if let Some(sub) = ch.get_mut("sub_items").and_then(Value::as_array_mut) {
                walk_mut(sub, f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INPUT: &str = r#"[{"root":"/b","config":{"book":{"title":"T"},"preprocessor":{"paperfig":{"fail-on-error":false}}},
        "renderer":"html","mdbook_version":"0.5.4"},
        {"items":[{"Chapter":{"name":"A","content":"a","number":[1],"path":"a.md","source_path":"a.md","parent_names":[],
        "sub_items":[{"Chapter":{"name":"B","content":"b","number":[1,1],"path":"x/b.md","source_path":"x/b.md","parent_names":["A"],"sub_items":[]}}]}},
        "Separator",{"PartTitle":"P"},
        {"Chapter":{"name":"Draft","content":"","number":null,"path":null,"source_path":null,"parent_names":[],"sub_items":[]}}]}]"#;

    #[test]
    fn reads_context_and_nested_chapters_in_order() {
        let input = parse(INPUT).unwrap();
        assert_eq!(input.context.root, PathBuf::from("/b"));
        assert_eq!(input.context.src, "src");
        assert_eq!(input.context.renderer, "html");
        assert_eq!(input.context.options["fail-on-error"], Value::Bool(false));
        let paths: Vec<_> = chapters(&input.book).into_iter().map(|c| c.path).collect();
        assert_eq!(paths, vec!["a.md", "x/b.md"], "drafts have no file and are skipped");
    }

    #[test]
    fn replacing_one_chapter_leaves_everything_else_equal() {
        let mut input = parse(INPUT).unwrap();
        let before = input.book.clone();
        let new = [("x/b.md".to_string(), "B!".to_string())].into_iter().collect();
        replace_contents(&mut input.book, &new);
        assert_eq!(input.book["items"][0]["Chapter"]["sub_items"][0]["Chapter"]["content"], "B!");
        input.book["items"][0]["Chapter"]["sub_items"][0]["Chapter"]["content"] = "b".into();
        assert_eq!(input.book, before);
    }

    #[test]
    fn malformed_inputs_are_told_apart() {
        assert!(matches!(parse("{not json"), Err(ProtocolError::NotJson(_))));
        assert!(matches!(parse("[1]"), Err(ProtocolError::Shape(_))));
        assert!(matches!(parse(r#"[{"root":"/b"},{"items":[]}]"#), Err(ProtocolError::Shape(_))));
        let old = r#"[{"root":"/b","renderer":"html","mdbook_version":"0.4.40"},{"sections":[]}]"#;
        assert!(matches!(parse(old), Err(ProtocolError::OldMdbook(v)) if v == "0.4.40"));
    }
}
