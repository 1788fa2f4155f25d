//! Stage 1, scan: find figure directives in Markdown and LaTeX sources.
//!
//! Each syntax has its own file (`markdown.rs`, `latex.rs`); both produce the same
//! `Directive`, which keeps its source file and span. A malformed directive becomes a
//! `Diagnostic` and is left out; every other directive is still returned.

pub mod attrs;
pub mod latex;
pub mod markdown;
mod raw;

#[cfg(test)]
mod latex_tests;
#[cfg(test)]
mod markdown_tests;

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diag::{Code, Diagnostic, Loc, SourceFile};
use crate::model::Kind;
use attrs::Attr;
pub use raw::BodyOrigin;
use raw::RawDirective;

/// One figure directive, checked: it has a known kind and its required attributes.
#[derive(Clone, Debug)]
pub struct Directive {
    /// Unique name: the id (`fig:acc`) or, for figures without one, `<file>#<n>`.
    pub name: String,
    /// The id, if the figure has one (`fig:acc`).
    pub label: Option<String>,
    pub kind: Kind,
    /// Attributes other than the id and classes, in source order.
    pub attrs: Vec<Attr>,
    pub classes: Vec<String>,
    pub caption: Option<String>,
    pub body: String,
    /// The whole directive.
    pub loc: Loc,
    /// The attribute list (for errors about the directive as a whole).
    pub head: Loc,
    /// Where the body's lines are in the source.
    pub body_origin: BodyOrigin,
}

impl Directive {
    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.attrs.iter().find(|a| a.name == name)
    }

    /// Where an attribute's value is, falling back to the attribute list.
    pub fn attr_loc(&self, name: &str) -> Loc {
        match self.attr(name) {
            Some(a) => Loc::new(&self.loc.file, a.value_span.clone()),
            None => self.head.clone(),
        }
    }

    /// The source location of a byte range of the body (clamped to the body).
    pub fn body_loc(&self, range: Range<usize>) -> Loc {
        let to_source = |offset: usize| {
            let offset = offset.min(self.body.len());
            let line = self.body[..offset].matches('\n').count();
            let line_start = self.body[..offset].rfind('\n').map_or(0, |i| i + 1);
            let text = &self.loc.file.text;
            let mut at = self.body_origin.first_line.min(text.len());
            for _ in 0..line {
                at = text[at..].find('\n').map_or(text.len(), |i| at + i + 1);
            }
            (at + self.body_origin.indent + offset - line_start).min(text.len())
        };
        let start = to_source(range.start);
        Loc::new(&self.loc.file, start..to_source(range.end).max(start))
    }

    /// The file name stem used for outputs (`fig:acc` → `fig-acc`).
    pub fn stem(&self) -> String {
        self.name.chars().map(|c| if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '-' }).collect()
    }
}

/// What scanning a set of files produced.
#[derive(Clone, Debug, Default)]
pub struct Scan {
    pub files: Vec<Arc<SourceFile>>,
    /// Shared with the jobs planned from them (a job is a directive and its request).
    pub directives: Vec<Arc<Directive>>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Whether paperfig reads this file as a source (Markdown or LaTeX, by extension).
pub fn is_source(path: &Path) -> bool {
    syntax_of(path).is_some()
}

type Syntax = fn(&Arc<SourceFile>) -> (Vec<RawDirective>, Vec<Diagnostic>);

/// Whether a file is a LaTeX source, by extension.
fn is_latex(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("tex") || e.eq_ignore_ascii_case("ltx"))
}

/// Which syntax a file is in, by extension.
pub(crate) fn syntax_of(path: &Path) -> Option<Syntax> {
    match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
        "md" | "markdown" => Some(markdown::scan),
        "tex" | "ltx" => Some(latex::scan),
        _ => None,
    }
}

/// Reads and scans the given files. `root` is the project root; names are relative to it.
pub fn scan_files(root: &Path, paths: &[PathBuf]) -> Scan {
    let mut scan = Scan::default();
    let mut seen = HashMap::new();
    for path in paths {
        let name = relative_name(root, path);
        match std::fs::read(path) {
            Ok(bytes) => match SourceFile::from_bytes(name, path.clone(), bytes) {
                Ok(file) => scan_file(&mut scan, &mut seen, Arc::new(file)),
                // LaTeX sources in Latin-1 are common (inputenc reads them; a sibling file the
                // paper never inputs may be one): their directives are ASCII, so they are
                // scanned as they are, and TeX reports the encoding if it matters.
                Err(bad) if is_latex(path) => scan_file(&mut scan, &mut seen, bad.file),
                Err(bad) => scan.diagnostics.push(bad.diagnostic(Code::Project)),
            },
            Err(e) => scan.diagnostics.push(
                Diagnostic::error(Code::Project, format!("cannot read source `{name}`: {e}"))
                    .hint("check that the file exists and is readable"),
            ),
        }
    }
    scan
}

/// Scans texts held in memory that stand for the files at the given paths (the mdBook
/// preprocessor: chapter contents as mdBook sent them, which earlier preprocessors may have
/// changed). Names are relative to `root`; ids must be unique across all of them.
pub fn scan_sources(root: &Path, sources: &[(PathBuf, String)]) -> Scan {
    let mut scan = Scan::default();
    let mut seen = HashMap::new();
    for (path, text) in sources {
        let file = SourceFile::new(relative_name(root, path), path.clone(), text.clone());
        scan_file(&mut scan, &mut seen, Arc::new(file));
    }
    scan
}

/// Scans text held in memory (tests); Markdown unless the name ends in `.tex`.
pub fn scan_text(name: &str, text: &str) -> Scan {
    let mut scan = Scan::default();
    let file = Arc::new(SourceFile::new(name.into(), name.into(), text.into()));
    scan_file(&mut scan, &mut HashMap::new(), file);
    scan
}

/// Scans one file into `scan`; `seen` maps the ids found so far to where, across files.
fn scan_file(scan: &mut Scan, seen: &mut HashMap<String, Loc>, file: Arc<SourceFile>) {
    let syntax = syntax_of(&file.path).unwrap_or(markdown::scan);
    let (raws, diags) = syntax(&file);
    scan.diagnostics.extend(diags);
    let mut anonymous = 0;
    for raw in raws {
        match check(&file, raw, &mut anonymous) {
            Ok(d) => match seen.get(&d.name) {
                Some(first) => scan.diagnostics.push(
                    Diagnostic::error(Code::Directive, format!("figure id `{}` is used twice", d.name))
                        .at(d.head.clone(), "second use")
                        .hint(format!("first used at {}; ids must be unique", first.display()))
                        .for_figure(&d.name),
                ),
                None => {
                    seen.insert(d.name.clone(), d.head.clone());
                    scan.directives.push(Arc::new(d));
                }
            },
            Err(diag) => scan.diagnostics.push(diag),
        }
    }
    scan.files.push(file);
}

pub(crate) fn relative_name(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect::<Vec<_>>().join("/")
}

/// Checks a raw directive: kind known, required attributes present.
fn check(file: &Arc<SourceFile>, raw: RawDirective, anonymous: &mut usize) -> Result<Directive, Diagnostic> {
    *anonymous += 1;
    let head = Loc::new(file, raw.head.clone());
    let kind_attr = raw.attrs.get("kind");
    let kind = match (kind_attr, raw.implied_kind) {
        (Some(a), _) => Kind::parse(&a.value).ok_or_else(|| {
            let names: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
            let near =
                crate::diag::closest(&a.value, &names).map(|n| format!("did you mean `{n}`? ")).unwrap_or_default();
            Diagnostic::error(Code::Directive, format!("unknown figure kind `{}`", a.value))
                .at(Loc::new(file, a.value_span.clone()), "not a kind")
                .hint(format!("{near}kind is one of: {}", names.join(", ")))
        })?,
        (None, Some(k)) => k,
        (None, None) => {
            return Err(Diagnostic::error(
                Code::Directive,
                "figure directive is missing the required attribute `kind`",
            )
            .at(head, "no kind= here")
            .hint("add kind=plot, kind=diagram, kind=tikz, kind=command, kind=image or kind=extract"));
        }
    };
    if kind == Kind::Extract {
        let has_region = raw.attrs.get("page").is_some() && raw.attrs.get("bbox").is_some();
        if raw.attrs.get("figure").is_none() && !has_region {
            return Err(Diagnostic::error(
                Code::Directive,
                "extract figure is missing the required attribute `figure`",
            )
            .at(head, "which figure?")
            .hint("add figure=N (the figure number in the PDF), or page= and bbox= to force a region"));
        }
        if raw.attrs.get("cite").is_none() && raw.attrs.get("pdf").is_none() {
            return Err(Diagnostic::error(Code::Directive, "extract figure names no PDF")
                .at(head, "from which PDF?")
                .hint("use cite:KEY#figure=N, path/to.pdf#figure=N, or the attributes cite= or pdf="));
        }
    }
    let label = raw.attrs.id.as_ref().map(|(id, _)| id.clone());
    let name = label.clone().unwrap_or_else(|| format!("{}#{}", file.name, *anonymous));
    let caption = raw.caption.or_else(|| raw.attrs.get("caption").map(|a| a.value.clone()));
    Ok(Directive {
        name,
        label,
        kind,
        attrs: raw.attrs.pairs,
        classes: raw.attrs.classes,
        caption,
        body: raw.body,
        loc: Loc::new(file, raw.span),
        head,
        body_origin: raw.body_origin,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_kind_is_reported_and_other_figures_survive() {
        let text = "```{paperfig #fig:a}\nx\n```\n\n```{paperfig #fig:b kind=plot}\ny\n```\n";
        let scan = scan_text("paper.md", text);
        assert_eq!(scan.directives.len(), 1);
        assert_eq!(scan.directives[0].name, "fig:b");
        assert_eq!(scan.diagnostics.len(), 1);
        let d = &scan.diagnostics[0];
        assert!(d.message.contains("missing the required attribute `kind`"), "{}", d.message);
        assert_eq!(d.location().unwrap(), "paper.md:1:4");
    }

    #[test]
    fn unknown_kind_points_at_the_value_and_lists_kinds() {
        let scan = scan_text("paper.md", "text\n\n```{paperfig kind=pie}\n```\n");
        let d = &scan.diagnostics[0];
        assert!(d.message.contains("unknown figure kind `pie`"));
        assert_eq!(d.location().unwrap(), "paper.md:3:19");
        assert!(d.hints[0].contains("plot, diagram, tikz, command, image, extract"));
    }

    #[test]
    fn anonymous_figures_are_named_by_file_and_position() {
        let scan = scan_text("ch/intro.md", "```{paperfig kind=plot}\n```\n\n```{paperfig kind=plot}\n```\n");
        let names: Vec<_> = scan.directives.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, vec!["ch/intro.md#1", "ch/intro.md#2"]);
        assert_eq!(scan.directives[1].stem(), "ch-intro.md-2");
    }

    #[test]
    fn extract_requires_a_figure_number() {
        let scan = scan_text("p.md", "![Overview](papers/related.pdf)\n\n```{paperfig kind=extract pdf=a.pdf}\n```\n");
        assert!(scan.directives.is_empty(), "{:?}", scan.directives);
        assert_eq!(scan.diagnostics.len(), 1, "a plain image link is not a directive");
        assert!(scan.diagnostics[0].message.contains("`figure`"));
    }

    /// A LaTeX source in Latin-1 (inputenc reads it) is scanned, its directives found, and
    /// no error is reported: TeX reports the encoding if the paper reads it and it matters.
    #[test]
    fn a_latin1_latex_source_is_scanned_without_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let tex = b"% Fran\xe7ais\n\\begin{paperfigure}[id=fig:l, kind=plot]\na,b\n1,2\n\\end{paperfigure}\n";
        std::fs::write(dir.path().join("other.tex"), tex).unwrap();
        let scan = scan_files(dir.path(), &[dir.path().join("other.tex")]);
        assert!(scan.diagnostics.is_empty(), "{:?}", scan.diagnostics);
        assert_eq!(scan.directives.len(), 1);
        assert_eq!(scan.directives[0].loc.display(), "other.tex:2:1");
    }

    #[test]
    fn a_source_that_is_not_utf8_is_an_error_at_its_first_bad_byte_and_others_still_scan() {
        let dir = tempfile::tempdir().unwrap();
        // "Résumé" saved as Latin-1 on line 3, column 3 (after "R")
        std::fs::write(dir.path().join("a.md"), b"# Paper\n\nR\xe9sum\xe9\n").unwrap();
        std::fs::write(dir.path().join("b.md"), "```{paperfig #fig:b kind=plot}\ny\n```\n").unwrap();
        let scan = scan_files(dir.path(), &[dir.path().join("a.md"), dir.path().join("b.md")]);
        assert_eq!(scan.directives.len(), 1);
        let d = &scan.diagnostics[0];
        assert_eq!(d.message, "`a.md` is not UTF-8 text (byte 0xE9)");
        assert_eq!(d.location().unwrap(), "a.md:3:2");
        let shown = d.render();
        assert!(shown.contains("R\u{FFFD}sum\u{FFFD}"), "the line is shown: {shown}");
        assert!(d.hints[0].contains("iconv"), "{:?}", d.hints);
    }
}
