//! Stage 6, compile: the finished paper as a PDF, made by the embedded tectonic engine
//! over the installed TeX Live, fully offline, or by an installed engine
//! (`[build] engine`, [`external`]).
//!
//! - [`texmf`]: which TeX trees to read (`[build] texmf`, else `kpsewhich`, else Debian's).
//! - [`index`]: those trees as a basename index, cached in the user's cache.
//! - [`bundle`]: the index as a tectonic bundle (patched `latex.ltx`, format source and
//!   `paperfig.sty` served from memory; the document's own files as [`access`] allows).
//! - [`remote`]: the engine's own bundle (`[build] bundle`), fetched into the user's cache.
//! - [`access`]: what TeX may read (`[build] trust`).
//! - [`engine`]: one engine run (format cached by bundle digest, BibTeX, reruns), outputs
//!   written to the build folder, runs serialised by a global lock.
//! - [`swap`]: compiles that need no TeX: nothing it reads changed, or only PDF figures
//!   of the same size, replaced in the last PDF ([`pdfpatch`]).
//! - [`texlog`]: TeX's errors and warnings → `Diagnostic`s in the user's files.
//! - [`epoch`]: the build date for reproducible PDFs.
//! - [`engine_hint`]: errors of pdfTeX-only documents under the embedded engine name
//!   `engine = "pdflatex"`.
//! - [`external`]: pdfLaTeX, LuaLaTeX or XeLaTeX as installed, through `latexmk`, with the
//!   same build folder, dates, access rule and diagnostics.
//!
//! [`find_main`] decides which document a project builds; [`compile_tex`] compiles a
//! `.tex` file with a [`LineMap`] saying where its lines came from.

pub mod access;
pub mod bundle;
pub mod engine;
pub mod engine_hint;
pub mod epoch;
pub mod external;
pub mod figures;
pub mod index;
pub mod markdown;
pub mod pdfpatch;
pub mod preamble;
pub mod remote;
pub mod swap;
pub mod texlog;
pub mod texmf;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::{Engine, Trust};
use crate::diag::{Code, Diagnostic, SourceFile};
use crate::project::Project;
pub use bundle::TexDigest;
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
    #[error(transparent)]
    External(#[from] external::ExternalError),
    #[error("cannot create {}: {source}", path.display())]
    CreateDir { path: PathBuf, source: std::io::Error },
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
}

/// How one compile may run, decided once per build from `[build]` and the flags.
#[derive(Clone, Debug)]
pub struct TexRun {
    /// Seconds since 1970 for every date in the PDF (`None` = now).
    pub epoch: Option<u64>,
    pub trust: Trust,
    pub shell_escape: ShellEscape,
    /// Whether a `[build] bundle` may be downloaded (`--offline`: only its cache).
    pub fetch: remote::Fetch,
    /// `[build] engine`, or `--engine`.
    pub engine: Engine,
    /// The TeX files' digest, once found in this run.
    pub digest: TexDigest,
}

/// Whether `\write18` runs commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShellEscape {
    Off,
    /// `[build] shell_escape = true`, but the build is `--locked`.
    OffLocked,
    On,
}

impl TexRun {
    /// `trust_all`: the `--trust-all` flag; `locked`: a `--locked` build (never shell
    /// escape); `network`: whether a bundle may be downloaded.
    pub fn new(
        config: &crate::config::Config,
        epoch: Option<u64>,
        trust_all: bool,
        locked: bool,
        network: crate::options::Network,
    ) -> TexRun {
        let trust = if trust_all { Trust::All } else { config.tex.trust };
        let shell_escape = match (config.tex.shell_escape, locked) {
            (false, _) => ShellEscape::Off,
            (true, true) => ShellEscape::OffLocked,
            (true, false) => ShellEscape::On,
        };
        let fetch = match network {
            crate::options::Network::Online => remote::Fetch::Online,
            crate::options::Network::Offline => remote::Fetch::Offline,
        };
        TexRun { epoch, trust, shell_escape, fetch, engine: config.tex.engine, digest: TexDigest::default() }
    }

    /// This run with the engine `--engine` names, if it names one.
    pub fn with_engine(mut self, engine: Option<Engine>) -> TexRun {
        if let Some(e) = engine {
            self.engine = e;
        }
        self
    }
}

/// What the embedded engine calls itself in `paperfig.lock`.
pub const EMBEDDED_VERSION: &str = concat!("XeTeX (tectonic 0.17.0), embedded in paperfig ", env!("CARGO_PKG_VERSION"));

/// The version string of `engine` as `paperfig.lock` records it: the first line of the
/// installed engine's `--version`; `None` when it is not installed.
pub fn engine_version(engine: Engine) -> Option<String> {
    match engine {
        Engine::Embedded => Some(EMBEDDED_VERSION.to_string()),
        _ => external::version(engine),
    }
}

/// The user's cache folder, shared by every project: `$XDG_CACHE_HOME/paperfig`, else
/// `~/.cache/paperfig`, else (no home) the project's own cache.
pub fn user_cache(project: &Project) -> PathBuf {
    let xdg = std::env::var_os("XDG_CACHE_HOME").map(PathBuf::from).filter(|p| p.is_absolute());
    let home = std::env::var_os("HOME").map(PathBuf::from).filter(|p| p.is_absolute()).map(|h| h.join(".cache"));
    xdg.or(home).map_or_else(|| project.config.cache_dir.clone(), |c| c.join("paperfig"))
}

/// The TeX trees a project's build reads (when it names no bundle).
pub fn tex_trees(project: &Project) -> texmf::TexTrees {
    texmf::TexTrees::find(project.config.tex.texmf.as_deref(), Some(&user_cache(project)))
}

/// The TeX files a project's build reads: `[build] bundle` if set, else the trees.
pub fn tex_source(project: &Project, fetch: remote::Fetch) -> bundle::TexSource {
    match &project.config.tex.bundle {
        Some(source) => bundle::TexSource::Bundle { source: source.clone(), fetch },
        None => bundle::TexSource::Trees { trees: tex_trees(project), fetch },
    }
}

/// What `paperfig build` got out of the engine.
#[derive(Debug, Default)]
pub struct Compiled {
    pub pdf: Option<PathBuf>,
    pub log: Option<PathBuf>,
    /// TeX errors (the PDF was not made) and warnings, located in the user's files.
    pub diagnostics: Vec<Diagnostic>,
    pub built_format: bool,
    /// The SyncTeX file beside the PDF.
    pub synctex: Option<PathBuf>,
    /// The TeX files read from the trees or the bundle (paths on disk).
    pub tex_files: Vec<PathBuf>,
    /// The files TeX asked for in the document's folder, found or not (`None`: not seen).
    pub document_files: Option<Vec<PathBuf>>,
    /// Whether TeX ran, or the last PDF stood or had only its figures replaced.
    pub reuse: swap::Reuse,
    /// The engine that compiled.
    pub engine: Engine,
    /// The embedded engine's record of what this compile read (see [`swap`]).
    pub record: Option<PathBuf>,
}

impl Compiled {
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    /// After the build wrote into a folder in which TeX looked for files that were not
    /// there (the lockfile, into the project's): records the folder as it now is, so that
    /// the next build need not look for those files again one by one.
    pub fn wrote_after(&self) {
        if let Some(record) = &self.record {
            swap::restamp(record);
        }
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
    Ok(Arc::new(SourceFile::new(crate::scan::relative_name(root, path), path.to_path_buf(), text)))
}

/// Compiles `main` (a `.tex` file on disk) into `project`'s build folder. `map` locates
/// TeX's messages in the user's files; `paperfig.sty` is served to TeX from memory.
pub fn compile_tex(project: &Project, main: &Path, map: &LineMap, run: &TexRun) -> Result<Compiled, CompileError> {
    let doc_dir = main.parent().unwrap_or(&project.root);
    compile_tex_in(project, main, doc_dir, map, run)
}

/// [`compile_tex`] with TeX's working folder given: relative names in `main` are relative
/// to `work_dir` (the embedded engine always reads them beside `main`).
pub fn compile_tex_in(
    project: &Project,
    main: &Path,
    work_dir: &Path,
    map: &LineMap,
    run: &TexRun,
) -> Result<Compiled, CompileError> {
    if run.engine != Engine::Embedded {
        return compile_external(project, main, work_dir, map, run);
    }
    let config = &project.config;
    let doc_dir = main.parent().unwrap_or(&project.root);
    let sty = crate::emit::latex_package(doc_dir, &config.output_dir);
    let tex = tex_source(project, run.fetch);
    let user_cache = user_cache(project);
    let mut roots = vec![project.root.clone(), config.build_dir.clone(), config.output_dir.clone()];
    roots.extend([config.cache_dir.clone(), user_cache.clone()]);
    roots.extend(tex.folders());
    let job = engine::EngineJob {
        main: main.to_path_buf(),
        out_dir: config.build_dir.clone(),
        user_cache,
        tex,
        access: Arc::new(access::Access::new(run.trust, roots)),
        shell_escape: run.shell_escape == ShellEscape::On,
        epoch: run.epoch,
        memory_files: vec![("paperfig.sty".to_string(), sty.into_bytes())],
        aux_dir: Some(aux_dir(project, main).join(run.engine.as_str())),
        format: None,
    };
    let (out, reuse) = swap::compile(&job, &run.digest)?;
    let record = swap::record_path(&job);
    if !out.refused.is_empty() {
        let diagnostics = refusals(&out.refused).map(|name| refused_diagnostic(name, map, false)).collect();
        return Ok(Compiled { diagnostics, built_format: out.built_format, ..Compiled::default() });
    }
    let diagnostics = diagnose(&out, map, run, "TeX", |d| engine_hint::hint_other_engines(d));
    let document_files = out.document_files();
    let (synctex, tex_files) = (out.synctex, out.tex_files);
    Ok(Compiled {
        pdf: out.pdf,
        log: out.log_path,
        diagnostics,
        built_format: out.built_format,
        synctex,
        tex_files,
        document_files,
        reuse,
        engine: Engine::Embedded,
        record,
    })
}

/// An engine's messages as diagnostics at the user's lines, with what only that engine
/// adds (`more`), an error when `who` made no PDF and said no error, and the shell-escape
/// note of a locked build.
fn diagnose(
    out: &engine::EngineOutput,
    map: &LineMap,
    run: &TexRun,
    who: &str,
    more: impl FnOnce(&mut Vec<Diagnostic>),
) -> Vec<Diagnostic> {
    let mut diagnostics = texlog::diagnose(out, map);
    more(&mut diagnostics);
    if out.pdf.is_none() && diagnostics.iter().all(|d| !d.is_error()) {
        let no_pdf = Diagnostic::error(Code::Tex, format!("{who} did not produce a PDF"))
            .hint("see the .log in the build folder");
        diagnostics.insert(0, no_pdf);
    }
    diagnostics.extend(shell_escape_note(run));
    diagnostics
}

/// The warning of a `--locked` build whose configuration turns shell escape on.
fn shell_escape_note(run: &TexRun) -> Option<Diagnostic> {
    (run.shell_escape == ShellEscape::OffLocked).then(|| {
        Diagnostic::warning(Code::Tex, "shell escape is off: --locked never runs commands from TeX")
            .hint("[build] shell_escape = true applies to builds without --locked")
    })
}

/// [`compile_tex_in`] with an installed engine ([`external`]).
fn compile_external(
    project: &Project,
    main: &Path,
    work_dir: &Path,
    map: &LineMap,
    run: &TexRun,
) -> Result<Compiled, CompileError> {
    let config = &project.config;
    let sty = crate::emit::latex_package(work_dir, &config.output_dir);
    let job = external::ExternalJob {
        engine: run.engine,
        main: main.to_path_buf(),
        work_dir: work_dir.to_path_buf(),
        out_dir: config.build_dir.clone(),
        aux_dir: aux_dir(project, main).join(run.engine.as_str()),
        trust: run.trust,
        shell_escape: run.shell_escape == ShellEscape::On,
        epoch: run.epoch,
        memory_files: vec![("paperfig.sty".to_string(), sty.into_bytes())],
        time_limit: external::TIME_LIMIT,
    };
    let (out, document_files) = external::compile(&job)?;
    if !out.refused.is_empty() {
        let diagnostics = refusals(&out.refused).map(|name| refused_diagnostic(name, map, true)).collect();
        return Ok(Compiled { diagnostics, engine: run.engine, ..Compiled::default() });
    }
    let diagnostics = diagnose(&out, map, run, run.engine.as_str(), |d| {
        d.extend(external::installation_problems(run.engine, &out.log))
    });
    Ok(Compiled {
        pdf: out.pdf,
        log: out.log_path,
        diagnostics,
        built_format: false,
        synctex: out.synctex,
        tex_files: out.tex_files,
        document_files,
        reuse: swap::Reuse::Engine,
        engine: run.engine,
        record: None,
    })
}

/// The refused names worth an error each: a name that is another refused name with an
/// extension added (`a.png.pdf`, `a.png.jpg`: graphicx trying the extensions it knows after
/// the name as written) is the same refusal.
fn refusals(names: &[String]) -> impl Iterator<Item = &str> {
    names.iter().map(String::as_str).filter(|n| {
        !names.iter().any(|m| {
            n.len() > m.len()
                && n.starts_with(m.as_str())
                && n[m.len()..].starts_with('.')
                && !n[m.len()..].contains('/')
        })
    })
}

/// The error for a file TeX was refused, at the line that names it when one does. An
/// installed engine (`installed`) refuses any name that goes up a folder (kpathsea's
/// `openin_any = p`), inside the project or not.
fn refused_diagnostic(name: &str, map: &LineMap, installed: bool) -> Diagnostic {
    let climbs = name.split(['/', '\\']).any(|part| part == "..");
    if installed && climbs {
        let d = Diagnostic::error(
            Code::Tex,
            format!("TeX may not read `{name}`: an installed engine refuses names that go up a folder (`..`)"),
        );
        let d = match map.find_anywhere(name) {
            Some(loc) => d.at(loc, "read here"),
            None => d,
        };
        return d.hint(
            "name the file from the folder TeX runs in (the project's root: \\graphicspath{{figs/}} or \
             figs/a.png), build with the embedded engine (--engine embedded), or, on your own machine, set \
             [build] trust = \"all\"",
        );
    }
    let d = Diagnostic::error(Code::Tex, format!("TeX may not read `{name}`: it is outside the project"));
    let d = match map.find_anywhere(name.trim_end_matches(".tex")) {
        Some(loc) => d.at(loc, "read here"),
        None => d,
    };
    d.hint(
        "paperfig builds documents untrusted: TeX reads only the project, its build and figure folders, the \
         caches and the TeX trees, so that a document from someone else cannot copy your files into its PDF; \
         on your own machine, set [build] trust = \"all\" in paperfig.toml (or pass --trust-all)",
    )
}

/// Where the intermediate files of `main` are kept between builds: in the cache, by the
/// document's path relative to the root, a folder per engine inside.
fn aux_dir(project: &Project, main: &Path) -> PathBuf {
    let rel = crate::scan::relative_name(&project.root, main);
    // A cache inside the project moves with it; one outside it (`[cache] dir` shared by
    // several projects) must not give two projects' `paper.tex` one folder.
    let name = match project.config.cache_dir.starts_with(&project.root) {
        true => rel,
        false => format!("{}\n{rel}", project.root.display()),
    };
    let key = crate::digest::Digest::of(name.as_bytes()).hex();
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
