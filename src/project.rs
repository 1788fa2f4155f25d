//! The project: its root folder, checked configuration, and source files.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::config::{self, Config};
use crate::diag::Diagnostic;

/// Folders never searched for sources.
const SKIP_DIRS: &[&str] = &["target", "node_modules", "build", "book"];

pub struct Project {
    pub root: PathBuf,
    pub config: Config,
    /// Source files to scan, sorted.
    pub sources: Vec<PathBuf>,
}

impl Project {
    /// Opens the project that `path` (a folder or a source file) belongs to: the nearest
    /// folder at or above it holding `paperfig.toml`, else the folder itself.
    pub fn open(path: &Path) -> Result<Project, Diagnostic> {
        let path = path.canonicalize().map_err(|e| {
            Diagnostic::error(format!("cannot open `{}`: {e}", path.display()))
                .hint("give the paper's folder or one of its .md/.tex files")
        })?;
        let (start, single) = if path.is_file() {
            (path.parent().unwrap_or(&path).to_path_buf(), Some(path.clone()))
        } else {
            (path.clone(), None)
        };
        let root = start.ancestors().find(|d| d.join(config::FILE_NAME).is_file()).unwrap_or(&start).to_path_buf();
        let config = Config::load(&root)?;
        let sources = match single {
            Some(file) => vec![file],
            None => find_sources(&root, &config)?,
        };
        Ok(Project { root, config, sources })
    }
}

fn globset(patterns: &[String], what: &str) -> Result<GlobSet, Diagnostic> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        let g = Glob::new(p).map_err(|e| {
            Diagnostic::error(format!("bad {what} pattern `{p}` in {}: {e}", config::FILE_NAME))
                .hint("patterns are globs relative to the project folder, e.g. `chapters/*.md`")
        })?;
        b.add(g);
    }
    b.build().map_err(|e| Diagnostic::error(e.to_string()))
}

/// Markdown and LaTeX files under the root, filtered by `[project] sources/exclude`,
/// skipping hidden folders, the cache and output folders, and build folders.
fn find_sources(root: &Path, config: &Config) -> Result<Vec<PathBuf>, Diagnostic> {
    let include = config.sources.as_ref().map(|s| globset(s, "sources")).transpose()?;
    let exclude = globset(&config.exclude, "exclude")?;
    let mut out = Vec::new();
    let walker = walkdir::WalkDir::new(root).sort_by_file_name().into_iter().filter_entry(|e| {
        if e.depth() == 0 || !e.file_type().is_dir() {
            return true;
        }
        let name = e.file_name().to_string_lossy();
        let p = e.path();
        !(name.starts_with('.')
            || SKIP_DIRS.contains(&name.as_ref())
            || p == config.cache_dir
            || p == config.output_dir
            || p == config.build_dir)
    });
    for entry in walker.filter_map(Result::ok) {
        if !entry.file_type().is_file() || !crate::scan::is_source(entry.path()) {
            continue;
        }
        let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
        if exclude.is_match(rel) || include.as_ref().is_some_and(|inc| !inc.is_match(rel)) {
            continue;
        }
        out.push(entry.path().to_path_buf());
    }
    if let Some(patterns) = &config.sources {
        if out.is_empty() {
            return Err(Diagnostic::error(format!("no source file matches [project] sources = {patterns:?}"))
                .hint("sources are globs of .md/.tex files relative to the project folder"));
        }
    }
    Ok(out)
}
