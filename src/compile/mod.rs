//! Stage 6, compile: the finished paper as a PDF, made by the embedded tectonic engine
//! over the installed TeX Live, fully offline.
//!
//! - [`bundle`]: Debian's TeX Live trees as a tectonic bundle (basename index, patched
//!   `latex.ltx`, format source and `paperfig.sty` served from memory).
//! - [`engine`]: one engine run (format cached by bundle digest, BibTeX, reruns), outputs
//!   written to the build folder, runs serialised by a global lock.
//! - [`texlog`]: TeX's errors and warnings → `Diagnostic`s in the user's files.
//! - [`epoch`]: the build date for reproducible PDFs.
//!
//! [`find_main`] decides which document a project builds; [`compile_tex`] compiles a
//! `.tex` file with a [`LineMap`] saying where its lines came from.

pub mod bundle;
pub mod engine;
pub mod epoch;
pub mod markdown;
pub mod texlog;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diag::{Code, Diagnostic, SourceFile};
use crate::project::Project;
use engine::EngineError;
pub use texlog::{LineMap, MappedFile};

/// Why a paper cannot be compiled at all (TeX's own errors are diagnostics in `Compiled`).
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    #[error("cannot build `{}`", path.display())]
    NotADocument { path: PathBuf },
    #[error("[build] main = \"{main}\" does not exist")]
    MainMissing { main: String },
    #[error("no paper to build in {}", root.display())]
    NoPaper { root: PathBuf },
    #[error("several papers in {}: {}", root.display(), papers.join(", "))]
    SeveralPapers { root: PathBuf, papers: Vec<String> },
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot run TeX: {0}")]
    Engine(#[from] EngineError),
    #[error("cannot create {}: {source}", path.display())]
    CreateDir { path: PathBuf, source: std::io::Error },
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
}

/// What `paperfig build` got out of the engine.
#[derive(Debug)]
pub struct Compiled {
    pub pdf: Option<PathBuf>,
    pub log: Option<PathBuf>,
    /// TeX errors (the PDF was not made) and warnings, located in the user's files.
    pub diagnostics: Vec<Diagnostic>,
    pub built_format: bool,
}

impl Compiled {
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }
}

/// The kind of main document.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DocKind {
    Latex,
    Markdown,
}

pub fn doc_kind(path: &Path) -> Option<DocKind> {
    match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
        "tex" | "ltx" => Some(DocKind::Latex),
        "md" | "markdown" => Some(DocKind::Markdown),
        _ => None,
    }
}

/// Whether a source is a whole document: LaTeX with an uncommented `\documentclass`,
/// Markdown that opens with a front matter block (`---` YAML or `+++` TOML).
pub fn is_main_document(path: &Path, text: &str) -> bool {
    match doc_kind(path) {
        Some(DocKind::Latex) => text.lines().any(|l| {
            let code = l.split('%').next().unwrap_or("");
            code.contains("\\documentclass")
        }),
        Some(DocKind::Markdown) => {
            let t = text.trim_start_matches('\u{feff}');
            t.starts_with("---\n") || t.starts_with("---\r\n") || t.starts_with("+++\n") || t.starts_with("+++\r\n")
        }
        None => false,
    }
}

/// The document `paperfig build PATH` compiles: PATH itself when it is a file; for a
/// folder, `[build] main` if set, else the one source that is a whole document.
pub fn find_main(project: &Project, path: &Path) -> Result<PathBuf, CompileError> {
    if path.is_file() {
        let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        if doc_kind(&path).is_none() {
            return Err(CompileError::NotADocument { path });
        }
        return Ok(path);
    }
    if let Some(main) = &project.config.build_main {
        let p = project.root.join(main);
        if !p.is_file() {
            return Err(CompileError::MainMissing { main: main.clone() });
        }
        return Ok(p);
    }
    let candidates: Vec<&PathBuf> =
        project.sources.iter().filter(|p| std::fs::read_to_string(p).is_ok_and(|t| is_main_document(p, &t))).collect();
    let rel = |p: &Path| crate::scan::relative_name(&project.root, p);
    match candidates.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(CompileError::NoPaper { root: project.root.clone() }),
        many => Err(CompileError::SeveralPapers {
            root: project.root.clone(),
            papers: many.iter().map(|p| rel(p)).collect(),
        }),
    }
}

/// Reads a file as a `SourceFile` named relative to the project root.
pub fn source_file(root: &Path, path: &Path) -> Result<Arc<SourceFile>, CompileError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| CompileError::Read { path: path.to_path_buf(), source })?;
    Ok(Arc::new(SourceFile { name: crate::scan::relative_name(root, path), path: path.to_path_buf(), text }))
}

/// Compiles `main` (a `.tex` file on disk) into `project`'s build folder. `map` locates
/// TeX's messages in the user's files; `paperfig.sty` is served to TeX from memory.
pub fn compile_tex(
    project: &Project,
    main: &Path,
    map: &LineMap,
    epoch: Option<u64>,
) -> Result<Compiled, CompileError> {
    let config = &project.config;
    let doc_dir = main.parent().unwrap_or(&project.root);
    let sty = crate::emit::latex_package(doc_dir, &config.output_dir);
    let job = engine::EngineJob {
        main: main.to_path_buf(),
        out_dir: config.build_dir.clone(),
        cache_dir: config.cache_dir.clone(),
        epoch,
        memory_files: vec![("paperfig.sty".to_string(), sty.into_bytes())],
        aux_dir: Some(aux_dir(project, main)),
    };
    let out = engine::compile(&job)?;
    let mut diagnostics = texlog::diagnose(&out, map);
    if out.pdf.is_none() && diagnostics.iter().all(|d| !d.is_error()) {
        let no_pdf = Diagnostic::error(Code::Tex, "TeX did not produce a PDF").hint("see the .log in the build folder");
        diagnostics.insert(0, no_pdf);
    }
    Ok(Compiled { pdf: out.pdf, log: out.log_path, diagnostics, built_format: out.built_format })
}

/// Where the intermediate files of `main` are kept between builds: in the cache, by the
/// document's path relative to the root.
fn aux_dir(project: &Project, main: &Path) -> PathBuf {
    let rel = crate::scan::relative_name(&project.root, main);
    let key = crate::digest::Digest::of(rel.as_bytes()).hex();
    project.config.cache_dir.join("tex").join("aux").join(&key[..16])
}

/// The line map of a LaTeX paper: its `.tex` sources are the user's own files.
pub fn latex_line_map(project: &Project, main: &Path) -> LineMap {
    let mut files = Vec::new();
    let mut paths = vec![main.to_path_buf()];
    paths.extend(project.sources.iter().filter(|p| *p != main && doc_kind(p) == Some(DocKind::Latex)).cloned());
    for p in paths {
        if let Ok(f) = source_file(&project.root, &p) {
            files.push(MappedFile { tex: f, source: None });
        }
    }
    LineMap { files, citations: Vec::new(), reported_citations: Vec::new() }
}
