//! `[preprocessor.paperfig]` in `book.toml`, read raw from mdBook's context and checked.
//!
//! ```toml
//! [preprocessor.paperfig]
//! command = "paperfig mdbook"          # mdBook's own key
//! fail-on-error = true                 # false: an error box in the chapter, the book still builds
//! cache-dir = ".paperfig"              # relative to the book's root
//! output-dir = "build/paperfig-mdbook" # where figure files are placed (never the build dir)
//! size = "wide"                        # default figure size
//! jobs = 2                             # figures made at once
//! format = { html = "svg", epub = "png" }  # image format per renderer
//! ```
//!
//! A `paperfig.toml` next to `book.toml` is read first; these keys override it for the book.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use crate::config;
use crate::diag::{Code, Diagnostic, Loc, SourceFile};
use crate::model::Format;

/// Keys mdBook itself reads from a preprocessor's table.
const MDBOOK_KEYS: &[&str] = &["command", "renderers", "before", "after", "optional"];
const OUR_KEYS: &[&str] = &["fail-on-error", "cache-dir", "output-dir", "size", "jobs", "format", "dark-figures"];

/// Which figures turn light-on-dark on mdBook's dark themes (`dark-figures`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DarkFigures {
    /// Plots and diagrams: line art drawn on white (the default).
    Drawn,
    /// Every figure, scripts' and services' too.
    All,
    None,
}

/// Renderers paperfig supports without configuration.
pub const DEFAULT_RENDERERS: &[&str] = &["html", "markdown"];

/// Where figure files are placed unless `output-dir` says otherwise (relative to the root).
pub const DEFAULT_OUTPUT_DIR: &str = "build/paperfig-mdbook";

/// The checked options.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    pub fail_on_error: bool,
    pub cache_dir: Option<String>,
    pub output_dir: Option<String>,
    pub size: Option<String>,
    pub jobs: Option<usize>,
    /// Image format per renderer, as configured (defaults are applied by `format_for`).
    pub formats: BTreeMap<String, Format>,
    pub dark_figures: DarkFigures,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            fail_on_error: true,
            cache_dir: None,
            output_dir: None,
            size: None,
            jobs: None,
            formats: BTreeMap::new(),
            dark_figures: DarkFigures::Drawn,
        }
    }
}

impl Options {
    /// Whether paperfig runs for this renderer: the defaults, and any named in `format`.
    pub fn supports(&self, renderer: &str) -> bool {
        DEFAULT_RENDERERS.contains(&renderer) || self.formats.contains_key(renderer)
    }

    /// The image format for a renderer: configured, else SVG for html, else PNG.
    pub fn format_for(&self, renderer: &str) -> Format {
        self.formats.get(renderer).copied().unwrap_or(if renderer == "html" { Format::Svg } else { Format::Png })
    }

    /// Checks the raw table. `root` is the book's root: errors point into its `book.toml`.
    pub fn parse(raw: &Value, root: &Path) -> Result<Options, Diagnostic> {
        let mut o = Options::default();
        let Some(table) = raw.as_object() else { return Ok(o) };
        let bad = |key: &str, msg: String, hint: &str| {
            locate(root, key, Diagnostic::error(Code::Mdbook, msg).hint(hint.to_string()))
        };
        for (key, value) in table {
            let string = || {
                value.as_str().map(str::to_string).ok_or_else(|| {
                    bad(
                        key,
                        format!("`{key}` must be a string"),
                        "write it in quotes, e.g. `cache-dir = \".paperfig\"`",
                    )
                })
            };
            match key.as_str() {
                k if MDBOOK_KEYS.contains(&k) => {}
                "fail-on-error" => {
                    o.fail_on_error = value.as_bool().ok_or_else(|| {
                        bad(key, "`fail-on-error` must be true or false".into(), "fail-on-error = false")
                    })?
                }
                "cache-dir" => o.cache_dir = Some(string()?),
                "dark-figures" => {
                    o.dark_figures = match string()?.as_str() {
                        "drawn" => DarkFigures::Drawn,
                        "all" => DarkFigures::All,
                        "none" => DarkFigures::None,
                        other => {
                            return Err(bad(
                                key,
                                format!("unknown dark-figures value `{other}`"),
                                "dark-figures is \"drawn\" (plots and diagrams, the default), \"all\" or \"none\"",
                            ));
                        }
                    }
                }
                "output-dir" => o.output_dir = Some(string()?),
                "size" => {
                    let size = string()?;
                    if config::parse_size(&size).is_none() {
                        return Err(bad(key, format!("unknown figure size `{size}`"), config::SIZE_HINT));
                    }
                    o.size = Some(size);
                }
                "jobs" => {
                    let n = value.as_u64().filter(|n| (1..=256).contains(n));
                    o.jobs =
                        Some(n.ok_or_else(|| bad(key, "`jobs` must be a number from 1 to 256".into(), "jobs = 2"))?
                            as usize);
                }
                "format" => {
                    let hint =
                        "format maps a renderer to svg or png, e.g. `format = { html = \"svg\", epub = \"png\" }`";
                    let map = value.as_object().ok_or_else(|| bad(key, "`format` must be a table".into(), hint))?;
                    for (renderer, f) in map {
                        let format = f.as_str().and_then(Format::parse).filter(|f| *f != Format::Pdf);
                        let format = format.ok_or_else(|| {
                            bad(renderer, format!("`format.{renderer}` must be \"svg\" or \"png\", not {f}"), hint)
                        })?;
                        o.formats.insert(renderer.clone(), format);
                    }
                }
                _ => {
                    return Err(bad(
                        key,
                        format!("unknown key `{key}` in [preprocessor.paperfig]"),
                        &format!("paperfig reads: {}", OUR_KEYS.join(", ")),
                    ));
                }
            }
        }
        Ok(o)
    }
}

/// Points a diagnostic at `key` inside `[preprocessor.paperfig]` of `root/book.toml`, when
/// the file can be read and the key found.
fn locate(root: &Path, key: &str, diag: Diagnostic) -> Diagnostic {
    let path = root.join("book.toml");
    let Ok(text) = std::fs::read_to_string(&path) else { return diag };
    let from = text.find("[preprocessor.paperfig").unwrap_or(0);
    let Some(at) = text[from..].find(key).map(|i| from + i) else { return diag };
    let file = Arc::new(SourceFile::new("book.toml".into(), path, text));
    diag.at(Loc::new(&file, at..at + key.len()), "here")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_and_every_key() {
        let o = Options::parse(&Value::Null, Path::new("/nonexistent")).unwrap();
        assert_eq!(o, Options::default());
        assert!(o.fail_on_error);
        assert_eq!(o.format_for("html"), Format::Svg);
        assert_eq!(o.format_for("epub"), Format::Png);
        assert!(o.supports("html") && o.supports("markdown") && !o.supports("latex"));
        let raw = json!({"command": "paperfig mdbook", "renderers": ["html"], "fail-on-error": false,
            "cache-dir": "c", "output-dir": "o", "size": "wide", "jobs": 3, "format": {"html": "png", "latex": "svg"},
            "dark-figures": "none"});
        let o = Options::parse(&raw, Path::new("/nonexistent")).unwrap();
        assert!(!o.fail_on_error);
        assert_eq!(
            (o.cache_dir.as_deref(), o.output_dir.as_deref(), o.size.as_deref()),
            (Some("c"), Some("o"), Some("wide"))
        );
        assert_eq!(o.jobs, Some(3));
        assert_eq!((o.dark_figures, Options::default().dark_figures), (DarkFigures::None, DarkFigures::Drawn));
        assert_eq!(o.format_for("html"), Format::Png);
        assert!(o.supports("latex"), "a renderer named in `format` is supported");
    }

    #[test]
    fn bad_values_point_into_book_toml() {
        let dir = tempfile::tempdir().unwrap();
        let toml =
            "[book]\ntitle = \"x\"\n\n[preprocessor.paperfig]\ncommand = \"paperfig mdbook\"\nfail-on-eror = true\n";
        std::fs::write(dir.path().join("book.toml"), toml).unwrap();
        let e = Options::parse(&json!({"fail-on-eror": true}), dir.path()).unwrap_err();
        assert!(e.message.contains("unknown key `fail-on-eror`"), "{}", e.message);
        assert_eq!(e.location().unwrap(), "book.toml:6:1");
        assert!(e.hints[0].contains("fail-on-error"));
        let e = Options::parse(&json!({"format": {"html": "pdf"}}), dir.path()).unwrap_err();
        assert!(e.message.contains("format.html"), "{}", e.message);
        assert!(Options::parse(&json!({"size": "huge"}), dir.path()).is_err());
        assert!(Options::parse(&json!({"jobs": 0}), dir.path()).is_err());
        assert!(Options::parse(&json!({"dark-figures": "sometimes"}), dir.path()).is_err());
    }
}
