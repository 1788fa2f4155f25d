//! The project: its root folder, checked configuration, and source files.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::config::{self, Config, ConfigError};

/// Folders never searched for sources.
const SKIP_DIRS: &[&str] = &["target", "node_modules", "build", "book"];

/// Why a project cannot be opened.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    #[error("cannot open `{}`: {source}", path.display())]
    Open { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("bad {what} pattern `{pattern}` in {}: {message}", config::FILE_NAME)]
    Pattern { what: &'static str, pattern: String, message: String },
    #[error("no source file matches [project] sources = {patterns:?}")]
    NoSources { patterns: Vec<String> },
}

pub struct Project {
    pub root: PathBuf,
    pub config: Config,
    /// Source files to scan, sorted.
    pub sources: Vec<PathBuf>,
}

impl Project {
    /// Opens the project that `path` (a folder or a source file) belongs to: the nearest
    /// folder at or above it holding `paperfig.toml`, else the folder itself.
    pub fn open(path: &Path) -> Result<Project, ProjectError> {
        let path = path.canonicalize().map_err(|source| ProjectError::Open { path: path.to_path_buf(), source })?;
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

fn globset(patterns: &[String], what: &'static str) -> Result<GlobSet, ProjectError> {
    let bad = |pattern: &str, e: globset::Error| ProjectError::Pattern {
        what,
        pattern: pattern.to_string(),
        message: e.to_string(),
    };
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        b.add(Glob::new(p).map_err(|e| bad(p, e))?);
    }
    b.build().map_err(|e| {
        let pattern = e.glob().unwrap_or_default().to_string();
        bad(&pattern, e)
    })
}

/// Markdown and LaTeX files under the root, filtered by `[project] sources/exclude`,
/// skipping hidden folders, the cache and output folders, and build folders.
fn find_sources(root: &Path, config: &Config) -> Result<Vec<PathBuf>, ProjectError> {
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
            return Err(ProjectError::NoSources { patterns: patterns.clone() });
        }
    }
    Ok(out)
}
