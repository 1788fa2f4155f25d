//! The mdBook driver: `paperfig mdbook` as an mdBook 0.5 preprocessor.
//!
//! It calls the same stages as `gen` (`generate_scanned`: plan, cache, generate, place,
//! manifest, lockfile) on directives scanned from the chapter texts mdBook sends, not from
//! disk, since earlier preprocessors (`{{#include}}`) may have changed them. Then each
//! chapter that has figures or references is rewritten: a directive becomes a one-line
//! `<figure>` with the image as a data URI (see `html.rs` for why), `@fig:id` becomes a
//! link, and with `fail-on-error = false` a broken directive becomes an error box.
//! Chapters with neither are returned untouched, byte for byte.

pub mod html;
pub mod options;
pub mod protocol;
pub mod rewrite;

use std::collections::HashMap;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use crate::config::Config;
use crate::diag::{Code, Diagnostic, Loc};
use crate::diagnose::Diagnose;
use crate::model::Format;
use crate::options::{Driver, Flags};
use crate::progress::Verbosity;
use crate::project::Project;
use crate::scan::{self, Directive};
use crate::{GenOptions, GenReport};
pub use options::Options;

/// What one preprocessor run produced.
pub struct Preprocessed {
    /// The book JSON for stdout; `None` when errors stop the build (`fail-on-error = true`).
    pub book: Option<String>,
    /// Every problem, errors and warnings, located in the chapters.
    pub diagnostics: Vec<Diagnostic>,
    pub figures: usize,
    pub generated: usize,
}

impl Preprocessed {
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }
}

/// Runs the preprocessor on mdBook's `[context, book]` JSON. `Err` is for input that cannot
/// be processed at all (malformed JSON, bad options, unusable cache).
pub fn preprocess(input: &str) -> Result<Preprocessed, Diagnostic> {
    let parsed = protocol::parse(input).map_err(|e| Diagnostic::error(Code::Mdbook, e.to_string()).hint(e.hint()))?;
    let ctx = &parsed.context;
    let mut book = parsed.book;
    let opts = Options::parse(&ctx.options, &ctx.root)?;
    let mut diagnostics = Vec::new();
    if !ctx.mdbook_version.starts_with("0.5.") {
        diagnostics.push(
            Diagnostic::warning(
                Code::Mdbook,
                format!("paperfig mdbook was made for mdBook 0.5; this is mdBook {}", ctx.mdbook_version),
            )
            .hint("if the book comes out wrong, use mdBook 0.5"),
        );
    }
    let project = project(ctx, &opts)?;
    let chapters = protocol::chapters(&book);
    let src = ctx.root.join(&ctx.src);
    let sources: Vec<(PathBuf, String)> = chapters.iter().map(|c| (src.join(&c.path), c.content.clone())).collect();
    let project = Project { sources: sources.iter().map(|(p, _)| p.clone()).collect(), ..project };
    let scanned = scan::scan_sources(&project.root, &sources);
    let flags = Flags { jobs: opts.jobs, verbosity: Verbosity::Quiet, ..Flags::default() };
    let gen_opts = GenOptions::new(&flags, Driver::Mdbook).expect("the mdBook driver is never locked");
    let report = crate::generate_scanned(&project, &crate::compile::figures::registry(&project), scanned, &gen_opts)
        .map_err(|e| e.diagnostic())?;
    let format = opts.format_for(&ctx.renderer);

    let numbers = Numbers::new(&project, &chapters, &report.scan.directives, &src);
    let built = Built { directives: &report.scan.directives, report: &report, numbers, format, opts: &opts };
    let mut new_contents = HashMap::new();
    let mut errors = report.diagnostics.clone();
    for (chapter, (path, _)) in chapters.iter().zip(&sources) {
        let name = scan::relative_name(&project.root, path);
        let edits = built.chapter_edits(&name, chapter, &mut errors);
        if !edits.is_empty() {
            new_contents.insert(chapter.path.clone(), rewrite::apply(&chapter.content, edits));
        }
    }
    diagnostics.append(&mut errors);
    let failed = diagnostics.iter().any(|d| d.is_error());
    let out = if failed && opts.fail_on_error {
        None
    } else {
        protocol::replace_contents(&mut book, &new_contents);
        Some(
            serde_json::to_string(&book)
                .map_err(|e| Diagnostic::error(Code::Mdbook, format!("cannot write the book: {e}")))?,
        )
    };
    let figures = report.generated() + report.cached();
    Ok(Preprocessed { book: out, diagnostics, figures, generated: report.generated() })
}

/// The project of a book: `paperfig.toml` beside `book.toml` if present, then the
/// `[preprocessor.paperfig]` options on top, and figure files under
/// `<output-dir>/<renderer>` so renderers with different formats do not replace each
/// other's files.
fn project(ctx: &protocol::Context, opts: &Options) -> Result<Project, Diagnostic> {
    let root = ctx.root.canonicalize().map_err(|e| {
        Diagnostic::error(Code::Mdbook, format!("cannot open the book's root `{}`: {e}", ctx.root.display()))
            .hint("run paperfig through mdbook build/serve in the book's folder")
    })?;
    let mut config = Config::load(&root).map_err(|e| e.diagnostic())?;
    if let Some(dir) = &opts.cache_dir {
        config.cache_dir = root.join(dir);
    }
    config.output_dir =
        root.join(opts.output_dir.as_deref().unwrap_or(options::DEFAULT_OUTPUT_DIR)).join(&ctx.renderer);
    if let Some(size) = &opts.size {
        config.size = size.clone();
    }
    config.formats = vec![opts.format_for(&ctx.renderer)];
    Ok(Project { root, config, sources: Vec::new() })
}

/// Figure numbers in book order, and which chapter each labelled figure is in.
struct Numbers {
    /// Directive name → number.
    number: HashMap<String, usize>,
    /// Label → (chapter path relative to the source folder, number).
    labels: HashMap<String, (String, usize)>,
}

impl Numbers {
    fn new(
        project: &Project,
        chapters: &[protocol::Chapter],
        directives: &[Arc<Directive>],
        src: &std::path::Path,
    ) -> Numbers {
        let chapter_of: HashMap<String, &str> = chapters
            .iter()
            .map(|c| (scan::relative_name(&project.root, &src.join(&c.path)), c.path.as_str()))
            .collect();
        let mut n = Numbers { number: HashMap::new(), labels: HashMap::new() };
        for (i, d) in directives.iter().enumerate() {
            n.number.insert(d.name.clone(), i + 1);
            if let (Some(label), Some(ch)) = (&d.label, chapter_of.get(&d.loc.file.name)) {
                n.labels.insert(label.clone(), (ch.to_string(), i + 1));
            }
        }
        n
    }
}

/// What the stages built for the whole book, which each chapter's rewrite reads.
struct Built<'a> {
    directives: &'a [Arc<Directive>],
    report: &'a GenReport,
    numbers: Numbers,
    /// The image format for this renderer.
    format: Format,
    opts: &'a Options,
}

impl Built<'_> {
    /// The replacements for one chapter (`name` is its path relative to the book root).
    /// Warnings about unknown references and errors about figures that cannot be shown are
    /// added to `errors`.
    fn chapter_edits(
        &self,
        name: &str,
        chapter: &protocol::Chapter,
        errors: &mut Vec<Diagnostic>,
    ) -> Vec<(Range<usize>, String)> {
        let Built { directives, report, numbers, format, opts } = self;
        let format = *format;
        let text = &chapter.content;
        let here: Vec<&Directive> = directives.iter().filter(|d| d.loc.file.name == name).map(|d| &**d).collect();
        // Each error in this chapter belongs to the directive block it points into.
        let mut boxes: Vec<(Range<usize>, Vec<Diagnostic>)> = Vec::new();
        for diag in errors.iter().filter(|d| d.is_error()) {
            let Some(loc) = diag.loc.as_ref().filter(|l| l.file.name == name) else { continue };
            let at = loc.span.start;
            let block = here
                .iter()
                .find(|d| d.loc.span.contains(&at) || d.loc.span.start == at)
                .map_or_else(|| rewrite::enclosing_block(text, at), |d| d.loc.span.clone());
            match boxes.iter_mut().find(|(r, _)| *r == block) {
                Some((_, list)) => list.push(diag.clone()),
                None => boxes.push((block, vec![diag.clone()])),
            }
        }
        let mut edits = Vec::new();
        for (range, diags) in &boxes {
            if !opts.fail_on_error {
                edits.push((range.clone(), block_text(text, range, &html::error_box(diags))));
            }
        }
        let mut missing = Vec::new();
        for d in &here {
            if boxes.iter().any(|(r, _)| *r == d.loc.span) {
                continue;
            }
            let Some((_, built)) = report.built().find(|(job, _)| job.directive.name == d.name) else { continue };
            let outputs = report.outputs(built);
            let pick = outputs
                .iter()
                .find(|(f, _)| *f == format)
                .or_else(|| [Format::Svg, Format::Png].iter().find_map(|want| outputs.iter().find(|(f, _)| f == want)));
            let bytes = pick.and_then(|(f, path)| std::fs::read(path).ok().map(|b| (*f, b)));
            let Some((format, bytes)) = bytes else {
                let diag =
                    Diagnostic::error(Code::Mdbook, format!("figure `{}` has no SVG or PNG output to show", d.name))
                        .at(d.head.clone(), "this figure")
                        .hint("remove formats= from the directive, or list svg or png in it")
                        .for_figure(&d.name);
                if !opts.fail_on_error {
                    edits.push((
                        d.loc.span.clone(),
                        block_text(text, &d.loc.span, &html::error_box(std::slice::from_ref(&diag))),
                    ));
                }
                missing.push(diag);
                continue;
            };
            let number = numbers.number.get(&d.name).copied().unwrap_or(0);
            // Figures from cited PDFs carry their provenance line, as in the paper.
            let notes = &built.entry.notes;
            let caption = crate::plan::extract::book_caption(d, notes);
            let invert_on_dark = match opts.dark_figures {
                options::DarkFigures::Drawn => matches!(d.kind, crate::model::Kind::Plot | crate::model::Kind::Diagram),
                options::DarkFigures::All => true,
                options::DarkFigures::None => false,
            };
            let figure = html::Figure {
                id: d.label.as_deref(),
                number,
                caption: caption.as_deref(),
                alt: notes.get(crate::model::note::ALT).map(String::as_str),
                format,
                bytes: &bytes,
                invert_on_dark,
            };
            edits.push((d.loc.span.clone(), block_text(text, &d.loc.span, &html::figure(&figure))));
        }
        errors.append(&mut missing);
        for r in rewrite::references(text) {
            match numbers.labels.get(&r.label) {
                Some((chapter_path, number)) => {
                    let target = rewrite::link(&chapter.path, chapter_path);
                    edits.push((r.span, format!("[Figure {number}]({target}#{})", r.label)));
                }
                None if r.label.starts_with("fig:") => {
                    let file = here.first().map(|d| d.loc.file.clone()).unwrap_or_else(|| {
                        std::sync::Arc::new(crate::diag::SourceFile::new(
                            name.to_string(),
                            PathBuf::from(name),
                            text.clone(),
                        ))
                    });
                    errors.push(
                        Diagnostic::warning(Code::Mdbook, format!("no figure has the id `{}`", r.label))
                            .at(Loc::new(&file, r.span), "unknown figure")
                            .hint("ids are set with #fig:… in a paperfig directive; the text is left as it is"),
                    );
                }
                None => {}
            }
        }
        edits
    }
}

/// What replaces a block: the HTML, ending where the block ended; a block that ended its
/// line is followed by a blank line, so Markdown after it is not swallowed into the HTML block.
fn block_text(text: &str, range: &Range<usize>, html: &str) -> String {
    let end = range.end.min(text.len());
    let (own_newline, rest) = if text[..end].ends_with('\n') {
        (true, &text[end..])
    } else if let Some(rest) = text[end..].strip_prefix('\n') {
        (false, rest)
    } else {
        return html.to_string(); // inside a line (an image link), or at the end of the text
    };
    let blank = if rest.is_empty() || rest.starts_with('\n') || rest.starts_with("\r\n") { "" } else { "\n" };
    let newline = if own_newline { "\n" } else { "" };
    format!("{html}{newline}{blank}")
}

#[cfg(test)]
mod tests;
