//! Diagnostics that point into the user's files: `file:line:col`, the source line, a hint,
//! a severity and a stable [`Code`].
//!
//! Two kinds of problems become `Diagnostic`s. Problems *in the user's files* (a malformed
//! directive, a figure its provider could not make, a TeX error) are reported where they
//! are found, located, and collected into the build's report; nothing inspects them, they
//! are read. Errors that stop a command (an unreadable `paperfig.toml`, an unusable cache)
//! are typed per module (`ConfigError`, `GenError`, `CompileError`, …) and made into
//! `Diagnostic`s only at the drivers' edge (`crate::diagnose`). The CLI prints them with
//! codespan-reporting and `--json` serialises them.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label};
use codespan_reporting::files::Files;
use codespan_reporting::term;

/// A source file as read, shared by every directive found in it.
#[derive(Debug)]
pub struct SourceFile {
    /// Path relative to the project root, with forward slashes (what users see).
    pub name: String,
    /// Path on disk.
    pub path: PathBuf,
    pub text: String,
    /// Byte offsets where lines start, worked out once: locating each of thousands of
    /// errors in a long file must not read the file again each time.
    line_starts: OnceLock<Vec<usize>>,
}

impl SourceFile {
    pub fn new(name: String, path: PathBuf, text: String) -> SourceFile {
        SourceFile { name, path, text, line_starts: OnceLock::new() }
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts
            .get_or_init(|| std::iter::once(0).chain(self.text.match_indices('\n').map(|(i, _)| i + 1)).collect())
    }

    /// 0-based index of the line holding byte `offset`.
    fn line_index(&self, offset: usize) -> usize {
        let starts = self.line_starts();
        starts.binary_search(&offset).unwrap_or_else(|next| next - 1)
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let line = self.line_index(offset);
        let line_start = self.line_starts()[line];
        (line + 1, self.text[line_start..offset].chars().count() + 1)
    }
}

/// A file's bytes that are not UTF-8: the file as far as it can be shown (each bad sequence
/// as U+FFFD) and the span of the first bad one, so the error points at its line.
#[derive(Debug)]
pub struct NotUtf8 {
    pub file: Arc<SourceFile>,
    pub span: Range<usize>,
    /// The first bad byte.
    pub byte: u8,
}

impl NotUtf8 {
    /// "`paper.md` is not UTF-8 text (byte 0xE9)"; the location goes with it separately.
    pub fn message(&self) -> String {
        format!("`{}` is not UTF-8 text (byte 0x{:02X})", self.file.name, self.byte)
    }

    pub const HINT: &'static str = "save the file as UTF-8 (most editors offer it in \"Save as\"; `iconv -f latin1 -t utf-8 FILE` converts Latin-1)";

    pub fn loc(&self) -> Loc {
        Loc::new(&self.file, self.span.clone())
    }

    /// As an error at the bad byte.
    pub fn diagnostic(&self, code: Code) -> Diagnostic {
        Diagnostic::error(code, self.message()).at(self.loc(), "not UTF-8").hint(Self::HINT)
    }
}

impl SourceFile {
    /// A source file from its bytes, or where they stop being UTF-8.
    /// A leading byte order mark (Windows editors write one) is dropped: it is no text, and
    /// before a fence it would hide the block from every Markdown reader.
    pub fn from_bytes(name: String, path: PathBuf, mut bytes: Vec<u8>) -> Result<SourceFile, NotUtf8> {
        if bytes.starts_with("\u{feff}".as_bytes()) {
            bytes.drain(..3);
        }
        match String::from_utf8(bytes) {
            Ok(text) => Ok(SourceFile::new(name, path, text)),
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                let byte = e.as_bytes()[at];
                // The valid prefix is unchanged by the lossy conversion, so `at` is the
                // replacement character's offset there.
                let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
                let end = at + '\u{FFFD}'.len_utf8();
                Err(NotUtf8 { file: Arc::new(SourceFile::new(name, path, text)), span: at..end, byte })
            }
        }
    }
}

/// codespan-reporting reads the file through the cached line starts.
impl<'a> Files<'a> for SourceFile {
    type FileId = ();
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, (): ()) -> Result<&'a str, codespan_reporting::files::Error> {
        Ok(&self.name)
    }

    fn source(&'a self, (): ()) -> Result<&'a str, codespan_reporting::files::Error> {
        Ok(&self.text)
    }

    fn line_index(&'a self, (): (), byte_index: usize) -> Result<usize, codespan_reporting::files::Error> {
        Ok(SourceFile::line_index(self, byte_index))
    }

    fn line_range(&'a self, (): (), line: usize) -> Result<Range<usize>, codespan_reporting::files::Error> {
        let starts = self.line_starts();
        let start = |i: usize| match i.cmp(&starts.len()) {
            std::cmp::Ordering::Less => Ok(starts[i]),
            std::cmp::Ordering::Equal => Ok(self.text.len()),
            std::cmp::Ordering::Greater => {
                Err(codespan_reporting::files::Error::LineTooLarge { given: i, max: starts.len() - 1 })
            }
        };
        Ok(start(line)?..start(line + 1)?)
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

/// How bad a problem is: an error fails the command (exit code 1 or 2), a warning does not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// What kind of problem a diagnostic reports: a stable name that tools can match on
/// (`--json` prints it as `code`) instead of the message text. Listed in the guide's
/// troubleshooting chapter; names are never reused for another meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Code {
    /// `paperfig.toml` cannot be read, or has a wrong key or value.
    Config,
    /// The project cannot be opened or read: no such folder, a bad `sources` pattern, no
    /// sources, an unreadable source.
    Project,
    /// A figure directive is malformed.
    Directive,
    /// A directive cannot become a job: no such provider, a bad size or format, a file it
    /// names cannot be read.
    Plan,
    /// A provider could not make a figure, or crashed.
    Provider,
    /// A hosted figure was refused before anything was sent: `--offline`, an account check;
    /// or, as a warning, a hosted service's cleanup after the build failed.
    Hosted,
    /// `--max-cost`: the build would cost more.
    Budget,
    /// The local or remote cache failed.
    Cache,
    /// `paperfig.lock` is missing, unreadable, or cannot be written.
    Lockfile,
    /// `--locked`: a figure would change, has no lock entry, or its locked output is missing.
    Locked,
    /// An output (a figure file, the manifest, `paperfig.sty`) cannot be written.
    Output,
    /// The Markdown paper cannot be written as LaTeX (front matter, template, citations).
    Writer,
    /// TeX reported an error or a warning.
    Tex,
    /// The paper cannot be compiled at all: which paper, the TeX installation, the date.
    Build,
    /// The mdBook preprocessor's input or options.
    Mdbook,
    /// Watch mode cannot start or follow the files.
    Watch,
    /// The command line: a flag, a file given to a command, standard input or output.
    Usage,
}

impl Code {
    pub const ALL: [Code; 17] = [
        Code::Config,
        Code::Project,
        Code::Directive,
        Code::Plan,
        Code::Provider,
        Code::Hosted,
        Code::Budget,
        Code::Cache,
        Code::Lockfile,
        Code::Locked,
        Code::Output,
        Code::Writer,
        Code::Tex,
        Code::Build,
        Code::Mdbook,
        Code::Watch,
        Code::Usage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Code::Config => "config",
            Code::Project => "project",
            Code::Directive => "directive",
            Code::Plan => "plan",
            Code::Provider => "provider",
            Code::Hosted => "hosted",
            Code::Budget => "budget",
            Code::Cache => "cache",
            Code::Lockfile => "lockfile",
            Code::Locked => "locked",
            Code::Output => "output",
            Code::Writer => "writer",
            Code::Tex => "tex",
            Code::Build => "build",
            Code::Mdbook => "mdbook",
            Code::Watch => "watch",
            Code::Usage => "usage",
        }
    }
}

/// An error (or warning) about the user's input.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: Code,
    pub message: String,
    /// Where it is; `None` for problems with no place in a source (a provider crash).
    pub loc: Option<Loc>,
    /// Short text under the caret (`unknown kind`).
    pub label: String,
    pub hints: Vec<String>,
    /// The figure this is about, when there is one.
    pub figure: Option<String>,
}

impl Diagnostic {
    pub fn error(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            loc: None,
            label: String::new(),
            hints: Vec::new(),
            figure: None,
        }
    }

    pub fn warning(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(code, message) }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
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
        let severity = match self.severity {
            Severity::Warning => codespan_reporting::diagnostic::Severity::Warning,
            Severity::Error => codespan_reporting::diagnostic::Severity::Error,
        };
        let mut cs = CsDiagnostic::new(severity).with_message(&self.message);
        let notes: Vec<String> = self.hints.iter().map(|h| format!("hint: {h}")).collect();
        cs = cs.with_notes(notes);
        match &self.loc {
            Some(loc) => {
                let span = clamp_span(&loc.file.text, &loc.span);
                cs = cs.with_labels(vec![Label::primary((), span).with_message(&self.label)]);
                let config = term::Config::default();
                term::emit_into_string(&config, &*loc.file, &cs).unwrap_or_else(|_| self.render_plain())
            }
            None => self.render_plain(),
        }
    }

    fn render_plain(&self) -> String {
        let mut out = format!("{}: {}\n", self.severity_name(), self.message);
        if let Some(loc) = self.location() {
            out.push_str(&format!("  at {loc}\n"));
        }
        for h in &self.hints {
            out.push_str(&format!("  = hint: {h}\n"));
        }
        out
    }

    fn severity_name(&self) -> &'static str {
        match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        let (line, col) =
            self.loc.as_ref().map(|l| l.file.line_col(l.span.start)).map_or((None, None), |(l, c)| (Some(l), Some(c)));
        serde_json::json!({
            "severity": self.severity_name(),
            "code": self.code.as_str(),
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

/// The known name nearest to `name` by edit distance, if it is near enough to be a typo.
pub fn closest<'a>(name: &str, names: &[&'a str]) -> Option<&'a str> {
    // Long names are no typo of a short one; this also bounds the work on absurd input.
    if name.chars().count() > 40 {
        return None;
    }
    let name = name.to_ascii_lowercase();
    names
        .iter()
        .filter(|n| !n.ends_with('.'))
        .map(|n| (distance(&name, n), *n))
        .filter(|&(d, n)| d <= (n.len() / 3).max(1))
        .min_by_key(|&(d, _)| d)
        .map(|(_, n)| n)
}

/// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
/// neighbours each cost 1 (`xlable` is one swap from `xlabel`).
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_come_from_cached_line_starts_as_from_the_text() {
        let text = "ab\nçé x\n\n  ∑ last";
        let f = file(text);
        for offset in 0..=text.len() + 3 {
            let o = floor_char_boundary(text, offset.min(text.len()));
            let before = &text[..o];
            let line = before.matches('\n').count() + 1;
            let col = before[before.rfind('\n').map_or(0, |i| i + 1)..].chars().count() + 1;
            assert_eq!(f.line_col(offset), (line, col), "offset {offset}");
        }
        // codespan reads the same lines through them as through its own SimpleFile.
        for span in [0..2, 3..7, 9..9, 12..17] {
            let d = Diagnostic::error(Code::Directive, "x").at(Loc::new(&f, span.clone()), "here");
            let simple = codespan_reporting::files::SimpleFile::new("paper.md", text);
            let cs = CsDiagnostic::error()
                .with_message("x")
                .with_labels(vec![Label::primary((), span).with_message("here")]);
            let want = term::emit_into_string(&term::Config::default(), &simple, &cs).unwrap();
            assert_eq!(d.render(), want);
        }
    }

    fn file(text: &str) -> Arc<SourceFile> {
        Arc::new(SourceFile::new("paper.md".into(), "paper.md".into(), text.into()))
    }

    #[test]
    fn line_and_column_are_one_based_and_count_characters() {
        let f = file("ab\ncdé x\n");
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(3), (2, 1));
        // 'x' is after "cdé " (é is two bytes): byte 8, character column 5.
        assert_eq!(f.line_col(8), (2, 5));
    }

    /// Codes are what tools match on: each has its own name, and the guide lists it.
    #[test]
    fn every_code_is_unique_and_documented() {
        let guide = include_str!("../guide/troubleshooting.md");
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            assert!(seen.insert(code.as_str()), "{code:?} reuses a name");
            assert!(guide.contains(&format!("| `{}` |", code.as_str())), "{code:?} is missing from the guide");
        }
    }

    #[test]
    fn render_shows_location_source_line_and_hint() {
        let f = file("intro\n```{paperfig kind=pie}\n```\n");
        let d = Diagnostic::error(Code::Directive, "unknown kind `pie`")
            .at(Loc::new(&f, 20..23), "not a kind")
            .hint("use one of plot, diagram");
        let text = d.render();
        assert!(text.contains("paper.md:2:15"), "{text}");
        assert!(text.contains("```{paperfig kind=pie}"), "{text}");
        assert!(text.contains("hint: use one of plot, diagram"), "{text}");
    }
}
