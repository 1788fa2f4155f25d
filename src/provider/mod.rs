//! Stage 4, generate: the `Provider` trait every figure backend implements, one module per
//! backend. The `Request` it receives is in `crate::model`; the registry that builds the
//! providers from `paperfig.toml` is `crate::plan::registry`.
//!
//! A provider sees exactly one `Request` (and its key) and nothing else: no paths, no
//! config, no clock.
//! The cache key (`crate::key`) is computed over the same `Request`, so anything a provider
//! could use to draw its figure is, by construction, part of the key. What a provider
//! learns at plan time (a runner's version, declared input globs) it adds to the request in
//! `Provider::prepare`, before the key is taken. The one exception is the command provider,
//! built with its `[runners]` config: it reads limits (timeout, output size) and secret
//! environment values from there, which must never shape the figure or enter the key.

pub mod command;
pub mod diagram;
pub mod extract;
pub mod hosted;
pub mod house;
pub mod inputs;
pub mod plot;
pub mod tikz;

use crate::digest::Digest;
use crate::model::{Artifact, InputFile, Kind, ProviderError, Request};

/// Where a directive lives, for `Provider::prepare`. Paths never reach the key unless a
/// provider deliberately puts a project-relative one there.
pub struct PrepareContext<'a> {
    /// The project root, canonical.
    pub root: &'a std::path::Path,
    /// The folder of the directive's source file; relative paths start here.
    pub base: &'a std::path::Path,
    /// How the planner finds and reads input files ([`InputSource`]): folders resolved once
    /// per plan, and a file unchanged since an earlier build given unread through its digest
    /// memo ([`InputFile::unread`]: same digest, so the same key; `generate` gets the
    /// contents). `None`: each path resolved and read in full.
    pub files: Option<&'a dyn InputSource>,
    /// The PNG output of another figure of the build, by id (`fig:sketch`), for a provider
    /// whose [`Provider::figure_attr`] names it: the planner plans a figure only once the
    /// figures it names are built, and gives their outputs as stored. `None`: no figure's.
    pub figures: Option<&'a FigureReader<'a>>,
}

/// Gives the PNG output of a figure of the build by its id ([`PrepareContext::figures`]);
/// `None` when there is no such figure or it has no PNG.
pub type FigureReader<'a> = dyn Fn(&str) -> Option<InputFile> + 'a;

/// How the planner finds and reads the files a directive names ([`PrepareContext::files`]).
pub trait InputSource {
    /// `path` with links and `..` resolved, as `canonicalize` gives it.
    fn resolve(&self, path: &std::path::Path) -> std::io::Result<std::path::PathBuf>;
    /// The regular file at `canonical` (inside the project), with extension `ext`.
    fn input(&self, canonical: &std::path::Path, ext: &str) -> std::io::Result<InputFile>;
}

/// Why a path named in a directive cannot be read ([`PrepareContext::resolve`]).
pub enum Unresolved {
    /// It cannot be resolved (missing, unreadable folder).
    Io(std::io::Error),
    /// It resolves (through `..` or a link) to outside the project.
    Outside,
}

impl PrepareContext<'_> {
    /// `rel`, relative to the directive's folder, canonical (links and `..` resolved) when
    /// it lies inside the project.
    pub fn resolve(&self, rel: &str) -> Result<std::path::PathBuf, Unresolved> {
        let path = self.base.join(rel);
        let canonical = match self.files {
            Some(files) => files.resolve(&path),
            None => path.canonicalize(),
        }
        .map_err(Unresolved::Io)?;
        if canonical.starts_with(self.root) { Ok(canonical) } else { Err(Unresolved::Outside) }
    }

    /// A context that reads files in full and knows no other figure (tests, tools).
    pub fn new<'b>(root: &'b std::path::Path, base: &'b std::path::Path) -> PrepareContext<'b> {
        PrepareContext { root, base, files: None, figures: None }
    }

    /// The PNG output of the figure with id `id` (`fig:sketch`), as the build stored it.
    pub fn figure(&self, id: &str) -> Option<InputFile> {
        self.figures.and_then(|f| f(id))
    }

    /// The input file at `canonical` (a regular file inside the project), as the planner
    /// reads inputs ([`PrepareContext::files`]).
    pub fn input(&self, canonical: &std::path::Path, ext: &str) -> std::io::Result<InputFile> {
        match self.files {
            Some(files) => files.input(canonical, ext),
            None => Ok(InputFile::new(ext, crate::fsutil::read_regular(canonical)?)),
        }
    }
}

/// A figure backend.
pub trait Provider: Send + Sync {
    /// Stable id used in `provider=` and in the key.
    fn id(&self) -> &'static str;
    /// Version of the provider and its renderer; part of every key it produces.
    fn version(&self) -> &'static str;
    /// Kinds this provider can make.
    fn kinds(&self) -> &'static [Kind];
    /// Attributes this provider reads for `kind`, besides its `file_attrs` and the ones every
    /// figure has (`plan::NOT_FIGURE_INPUTS`). A name ending in `.` stands for every name with
    /// that prefix. Any other attribute is an error at plan time, so typos never pass
    /// silently (`plan::attrs`).
    fn attrs(&self, kind: Kind) -> &'static [&'static str];
    /// Attributes that name files whose contents are inputs (resolved by the planner).
    fn file_attrs(&self) -> &'static [&'static str] {
        &["data"]
    }
    /// The attribute whose entries may name other figures of the build (`input=#fig:sketch`,
    /// or `@fig:sketch`; [`figure_ref`]) beside files: `prepare` reads their PNG outputs through
    /// [`PrepareContext::figure`]. The planner plans such a figure after the figures it names
    /// are built (`plan::Planner`), and refuses unknown ids and cycles at the attribute.
    fn figure_attr(&self) -> Option<&'static str> {
        None
    }
    /// Whether the caption is an input of the figure (hosted diagram services draw from it).
    /// When false, the caption is kept out of the request and the key, so editing it never
    /// regenerates the figure.
    fn uses_caption(&self) -> bool {
        false
    }
    /// Plan-time preparation, before the key is computed: the provider may read more input
    /// files (into `req.files`) and add key material (`req.extra`) that the directive
    /// implies, such as declared input globs or a runner's version. Errors point at the
    /// directive like errors of `generate`.
    fn prepare(&self, _req: &mut Request, _ctx: &PrepareContext<'_>) -> Result<(), ProviderError> {
        Ok(())
    }
    /// Whether `prepare` looks at the contents of `req.files`. The planner may leave a file
    /// unchanged since an earlier build unread (`InputFile::unread`); it reads it first for
    /// a provider that says yes. `generate` and `explain` always get the contents.
    fn reads_files_to_prepare(&self) -> bool {
        false
    }
    /// Whether a figure is cheaper to make again than to flush to disk (a builtin renderer,
    /// milliseconds of CPU). The store then writes its outputs without fsync
    /// ([`crate::store::Durability::Rebuildable`]). False for anything that costs money or
    /// unknown time (hosted services, user scripts): their outputs survive a power cut.
    fn cheap_to_remake(&self) -> bool {
        false
    }
    /// Makes the figure in every requested format. `key` is the key of `req` (the runner
    /// computed it at plan time): a provider that records work by key (a hosted service's
    /// journal) uses it, the others ignore it.
    fn generate(&self, req: &Request, key: &Digest) -> Result<Vec<Artifact>, ProviderError>;
    /// Called by the runner, before any `generate`, with every figure of this provider it
    /// is about to make (the cache has none of them). A provider that makes several
    /// figures faster together (TikZ: one TeX run) makes them here and keeps each for its
    /// `generate`, which must still make a figure this did not.
    fn make_together(&self, _jobs: &[(&Request, &Digest)]) {}
    /// What `paperfig gen -v` says about a figure this run made: choices taken from the
    /// data (rows aggregated, say) and warnings of the text check. Called only in verbose
    /// runs, after `generate` succeeded; may redo some of its work.
    fn explain(&self, _req: &Request) -> Vec<String> {
        Vec::new()
    }
}

/// The entries of a list attribute (`input=a.png,#fig:x`): separated by commas or spaces.
pub fn list_entries(value: &str) -> impl Iterator<Item = &str> {
    value.split([',', ' ']).filter(|s| !s.is_empty())
}

/// The figure id an entry of a list attribute names, if it is one: `#fig:x` or `@fig:x`
/// (the directive id syntax, and the Markdown reference syntax) → `fig:x`.
pub fn figure_ref(entry: &str) -> Option<&str> {
    entry.strip_prefix('#').or_else(|| entry.strip_prefix('@')).filter(|id| !id.is_empty())
}

/// The PNG resolution a figure asks for: `dpi=`, else `[output] png_dpi`.
pub fn png_dpi(req: &Request) -> Result<f64, ProviderError> {
    let Some(d) = req.attr("dpi") else { return Ok(req.output.png_dpi) };
    d.trim().parse::<f64>().ok().filter(|v| (36.0..=1200.0).contains(v)).ok_or_else(|| {
        ProviderError::new(format!("dpi `{d}` is out of range")).at_attr("dpi").hint("use a resolution from 36 to 1200")
    })
}
