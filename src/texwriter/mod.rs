//! Stage "emit LaTeX": a Markdown paper → a complete `.tex` file for the compile stage.
//!
//! `write_paper` reads the front matter (`frontmatter.rs`), walks the pulldown-cmark
//! events of the body (`blocks.rs`, with running text in `inline.rs` and escaping in
//! `escape.rs`) and fills a template (`template.rs`, builtin ones in `templates/`).
//! A line map (`linemap.rs`) records the Markdown line of every TeX line, so TeX errors
//! are reported at the user's line.
//!
//! Conventions (documented for users in `guide/papers.md`):
//! - `[@a; @b]` → `\citep{a,b}`, `[see @a, p. 3]` → `\citep[see][p.~3]{a}`, `@a` →
//!   `\citet{a}`, `[-@a]` → `\citeyearpar{a}`;
//! - `@fig:x`, `@sec:x`, `@tbl:x`, `@eq:x` → `Figure~\ref{fig:x}`, `Section~\ref{..}`,
//!   `Table~\ref{..}`, `Equation~\eqref{..}`;
//! - a table's caption is a paragraph `Table: caption {#tbl:id}` right before or after it;
//! - `$$ … $$ {#eq:id}` is a numbered `equation`; without a label, `\[ … \]`;
//! - ```` ```{=latex} ```` blocks, `` `\x`{=latex} `` and inline `\commands{…}` are raw LaTeX.

pub mod bib;
mod blocks;
pub mod escape;
mod floats;
pub mod frontmatter;
pub mod inline;
mod leaves;
pub mod linemap;
pub mod template;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diag::{Code, Diagnostic, Loc, SourceFile};
use crate::emit::Manifest;
use crate::model::Format;
use crate::scan::Directive;
pub use linemap::LineMap;

/// Where the paper is and where its `.tex` goes.
#[derive(Clone, Debug)]
pub struct WriteOptions {
    /// The project root (a user template path may be relative to it).
    pub root: PathBuf,
    /// The folder the `.tex` file is written to: paths in `\includegraphics` and
    /// `\bibliography` are made relative to it.
    pub out_dir: PathBuf,
    /// `Trust::Project`: a template file must be inside the project.
    pub trust: crate::config::Trust,
    /// Figures whose last build failed (name → short reason): a figure of these with no
    /// file gets a placeholder saying why, instead of "not generated yet".
    pub failed: BTreeMap<String, String>,
    /// What services said about figures (name → notes): a figure without a caption takes
    /// its title as the caption, and its alt text goes on `\includegraphics`.
    pub notes: BTreeMap<String, crate::model::Notes>,
}

impl WriteOptions {
    pub fn new(root: impl Into<PathBuf>, out_dir: impl Into<PathBuf>) -> WriteOptions {
        WriteOptions {
            root: root.into(),
            out_dir: out_dir.into(),
            trust: crate::config::Trust::Project,
            failed: BTreeMap::new(),
            notes: BTreeMap::new(),
        }
    }

    pub fn trust(mut self, trust: crate::config::Trust) -> WriteOptions {
        self.trust = trust;
        self
    }

    /// These options with the failed figures a manifest lists and the notes of its figures.
    pub fn with_manifest(mut self, manifest: &Manifest) -> WriteOptions {
        self.failed = manifest.failed.iter().map(|(name, f)| (name.clone(), f.reason.clone())).collect();
        self.notes = manifest
            .figures
            .iter()
            .filter(|(_, f)| !f.notes.is_empty())
            .map(|(name, f)| (name.clone(), f.notes.clone()))
            .collect();
        self
    }
}

/// A written paper.
#[derive(Debug)]
pub struct TexPaper {
    /// The complete `.tex` file.
    pub tex: String,
    /// TeX line → Markdown line (`line_map.lookup(tex_line)`).
    pub line_map: LineMap,
    /// Bibliography files named by the front matter, absolute and existing.
    pub bibliography: Vec<PathBuf>,
    /// Every citation key used, with where (in order of appearance, repeats kept).
    pub citations: Vec<(String, Loc)>,
    /// Non-fatal problems, located: a citation key no bibliography file defines, a
    /// reference to an unknown id, an id defined twice, an image that cannot be included,
    /// an undefined footnote, dropped HTML, unknown front matter keys.
    pub warnings: Vec<Diagnostic>,
    /// Cited keys that `warnings` already reports at the citation (not in the
    /// bibliography, or no bibliography at all), so TeX's log need not list them again.
    pub reported_citations: Vec<String>,
}

/// Writes the Markdown paper `source` as LaTeX.
///
/// `directives` are the figures scanned from the project (those of other files are
/// ignored); paperfig figure blocks and PDF-extract image links are matched to them by
/// their source offset. `figure_file` names the generated file to include for a
/// directive (PDF preferred, PNG otherwise); `None` puts a framed placeholder in its place,
/// saying why the figure failed if `opts.failed` has it, else that it is not generated yet.
///
/// Errors (front matter syntax, unknown template, missing bibliography file, a template
/// that cannot be read or uses an unknown placeholder) are returned together; everything
/// else is a warning.
pub fn write_paper(
    source: &Arc<SourceFile>,
    directives: &[Arc<Directive>],
    figure_file: &dyn Fn(&Directive) -> Option<PathBuf>,
    opts: &WriteOptions,
) -> Result<TexPaper, Vec<Diagnostic>> {
    let fm = frontmatter::parse(source).map_err(|d| vec![d])?;
    let mut errors = Vec::new();
    let src_dir = source_dir(source, &opts.root);

    let template = match template::resolve(fm.template.as_deref(), &src_dir, &opts.root, opts.trust) {
        Ok(t) => Some(t),
        Err(msg) => {
            errors.push(msg.into_diagnostic(fm.key_loc(source, "template")));
            None
        }
    };
    let mut bibliography = Vec::new();
    for name in &fm.bibliography {
        let path = src_dir.join(name);
        if path.is_file() {
            bibliography.push(std::path::absolute(&path).unwrap_or(path));
        } else {
            errors.push(
                Diagnostic::error(Code::Writer, format!("bibliography file `{name}` not found"))
                    .at(fm.key_loc(source, "bibliography"), "named here")
                    .hint(format!("looked for {}; paths are relative to the Markdown file", path.display())),
            );
        }
    }
    let Some(template) = template else { return Err(errors) };
    if !errors.is_empty() {
        return Err(errors);
    }

    let mut w =
        blocks::Writer::new(source, directives, figure_file, &opts.failed, &opts.notes, &src_dir, &opts.out_dir);
    let body = w.body(fm.body_start, !bibliography.is_empty());
    let mut fields = template::Fields::default();
    let line = |key: &str| fm.key_line(source, key);
    if let Some(title) = &fm.title {
        fields.set("title", w.inline_fragment(title, line("title")), line("title"));
    }
    fields.set("author", w.authors(&fm.authors), line("authors").or(line("author")));
    if let Some(date) = &fm.date {
        fields.set("date", escape::escape(date), line("date"));
    }
    if let Some(abs) = &fm.abstract_ {
        fields.set("abstract", w.block_fragment(abs, line("abstract")), line("abstract"));
    }
    if !fm.keywords.is_empty() {
        let kw: Vec<String> = fm.keywords.iter().map(|k| escape::escape(k)).collect();
        fields.set("keywords", kw.join(", "), line("keywords"));
    }
    if !bibliography.is_empty() {
        let stems: Vec<String> =
            bibliography.iter().map(|b| tex_path(&relative_to(&b.with_extension(""), &opts.out_dir))).collect();
        fields.set("bibliography", stems.join(","), line("bibliography"));
    }
    let (tex, line_map) = template.fill(&fields, body).map_err(|d| vec![d])?;

    let mut warnings = fm.warnings;
    let (citations, more) = w.finish();
    warnings.extend(more);
    let mut reported_citations = Vec::new();
    if !bibliography.is_empty() {
        let (keys, found) = bib::undefined(&bibliography, &citations);
        reported_citations = keys;
        warnings.extend(found);
    }
    if bibliography.is_empty() {
        for (key, _) in &citations {
            if !reported_citations.contains(key) {
                reported_citations.push(key.clone());
            }
        }
        if let Some((key, loc)) = citations.first() {
            warnings.push(
                Diagnostic::warning(
                    Code::Writer,
                    format!("citation `@{key}` but the front matter names no bibliography"),
                )
                .at(loc.clone(), "cited here")
                .hint("add `bibliography: refs.bib` to the front matter"),
            );
        }
    }
    Ok(TexPaper { tex, line_map, bibliography, citations, warnings, reported_citations })
}

/// A `figure_file` for `write_paper` from a figures folder and its manifest: the figure's
/// PDF if it has one, else its PNG; `None` for figures the manifest does not list.
pub fn figure_files(manifest: &Manifest, fig_dir: &Path) -> impl Fn(&Directive) -> Option<PathBuf> + use<> {
    let files: HashMap<String, PathBuf> = manifest
        .figures
        .iter()
        .filter_map(|(name, fig)| {
            let out = fig.outputs.get(&Format::Pdf).or_else(|| fig.outputs.get(&Format::Png))?;
            Some((name.clone(), fig_dir.join(&out.file)))
        })
        .collect();
    move |d: &Directive| files.get(&d.name).cloned()
}

/// The folder of the Markdown file, absolute.
fn source_dir(source: &SourceFile, root: &Path) -> PathBuf {
    let path = if source.path.is_absolute() { source.path.clone() } else { root.join(&source.path) };
    path.parent().map(Path::to_path_buf).unwrap_or_else(|| root.to_path_buf())
}

/// `path` relative to `base` (both made absolute), with `..` where needed.
pub(crate) fn relative_to(path: &Path, base: &Path) -> PathBuf {
    let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let (path, base) = (abs(path), abs(base));
    let p: Vec<_> = path.components().collect();
    let b: Vec<_> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return path;
    }
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &p[common..] {
        out.push(c);
    }
    out
}

/// A path as TeX reads it: forward slashes.
pub(crate) fn tex_path(path: &Path) -> String {
    path.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect::<Vec<_>>().join("/")
}

#[cfg(test)]
mod tests;
