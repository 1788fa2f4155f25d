//! Diagnostics that point into the user's files: `file:line:col`, the source line, a hint.
//!
//! Every stage reports problems as `Diagnostic`s attached to a figure or a source file;
//! the CLI prints them with codespan-reporting and `--json` serialises them.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term;

/// A source file as read, shared by every directive found in it.
#[derive(Debug)]
pub struct SourceFile {
    /// Path relative to the project root, with forward slashes (what users see).
    pub name: String,
    /// Path on disk.
    pub path: PathBuf,
    pub text: String,
}

impl SourceFile {
    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..floor_char_boundary(&self.text, offset)];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count() + 1;
        (line, col)
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Where in a source file something is.
#[derive(Clone, Debug)]
pub struct Loc {
    pub file: Arc<SourceFile>,
    pub span: Range<usize>,
}

impl Loc {
    pub fn new(file: &Arc<SourceFile>, span: Range<usize>) -> Loc {
        Loc { file: Arc::clone(file), span }
    }

    /// `paper.md:12:5`
    pub fn display(&self) -> String {
        let (line, col) = self.file.line_col(self.span.start);
        format!("{}:{}:{}", self.file.name, line, col)
    }
}

/// An error (or warning) about the user's input.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub message: String,
    /// Where it is; `None` for problems with no place in a source (a provider crash).
    pub loc: Option<Loc>,
    /// Short text under the caret (`unknown kind`).
    pub label: String,
    pub hints: Vec<String>,
    /// The figure this is about, when there is one.
    pub figure: Option<String>,
    pub warning: bool,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            message: message.into(),
            loc: None,
            label: String::new(),
            hints: Vec::new(),
            figure: None,
            warning: false,
        }
    }

    pub fn warning(message: impl Into<String>) -> Diagnostic {
        Diagnostic { warning: true, ..Diagnostic::error(message) }
    }

    pub fn at(mut self, loc: Loc, label: impl Into<String>) -> Diagnostic {
        self.loc = Some(loc);
        self.label = label.into();
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hints.push(hint.into());
        self
    }

    pub fn for_figure(mut self, figure: &str) -> Diagnostic {
        self.figure = Some(figure.to_string());
        self
    }

    /// `paper.md:12:5`, if located.
    pub fn location(&self) -> Option<String> {
        self.loc.as_ref().map(Loc::display)
    }

    /// The report as printed on the terminal: header, `┌─ file:line:col`, the source line
    /// with a caret, and hints.
    pub fn render(&self) -> String {
        let severity = if self.warning {
            codespan_reporting::diagnostic::Severity::Warning
        } else {
            codespan_reporting::diagnostic::Severity::Error
        };
        let mut cs = CsDiagnostic::new(severity).with_message(&self.message);
        let notes: Vec<String> = self.hints.iter().map(|h| format!("hint: {h}")).collect();
        cs = cs.with_notes(notes);
        match &self.loc {
            Some(loc) => {
                let file = SimpleFile::new(loc.file.name.as_str(), loc.file.text.as_str());
                let span = clamp_span(&loc.file.text, &loc.span);
                cs = cs.with_labels(vec![Label::primary((), span).with_message(&self.label)]);
                let config = term::Config::default();
                term::emit_into_string(&config, &file, &cs).unwrap_or_else(|_| self.render_plain())
            }
            None => self.render_plain(),
        }
    }

    fn render_plain(&self) -> String {
        let mut out = format!("{}: {}\n", if self.warning { "warning" } else { "error" }, self.message);
        if let Some(loc) = self.location() {
            out.push_str(&format!("  at {loc}\n"));
        }
        for h in &self.hints {
            out.push_str(&format!("  = hint: {h}\n"));
        }
        out
    }

    pub fn to_json(&self) -> serde_json::Value {
        let (line, col) =
            self.loc.as_ref().map(|l| l.file.line_col(l.span.start)).map_or((None, None), |(l, c)| (Some(l), Some(c)));
        serde_json::json!({
            "severity": if self.warning { "warning" } else { "error" },
            "message": self.message,
            "file": self.loc.as_ref().map(|l| l.file.name.clone()),
            "line": line,
            "column": col,
            "location": self.location(),
            "hints": self.hints,
            "figure": self.figure,
        })
    }
}

fn clamp_span(text: &str, span: &Range<usize>) -> Range<usize> {
    let start = floor_char_boundary(text, span.start.min(text.len()));
    let end = floor_char_boundary(text, span.end.min(text.len())).max(start);
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> Arc<SourceFile> {
        Arc::new(SourceFile { name: "paper.md".into(), path: "paper.md".into(), text: text.into() })
    }

    #[test]
    fn line_and_column_are_one_based_and_count_characters() {
        let f = file("ab\ncdé x\n");
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(3), (2, 1));
        // 'x' is after "cdé " (é is two bytes): byte 8, character column 5.
        assert_eq!(f.line_col(8), (2, 5));
    }

    #[test]
    fn render_shows_location_source_line_and_hint() {
        let f = file("intro\n```{paperfig kind=pie}\n```\n");
        let d = Diagnostic::error("unknown kind `pie`")
            .at(Loc::new(&f, 20..23), "not a kind")
            .hint("use one of plot, diagram");
        let text = d.render();
        assert!(text.contains("paper.md:2:15"), "{text}");
        assert!(text.contains("```{paperfig kind=pie}"), "{text}");
        assert!(text.contains("hint: use one of plot, diagram"), "{text}");
    }
}
