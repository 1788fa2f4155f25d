//! The TeX files for the embedded engine: Debian's installed TeX Live trees served as a
//! tectonic `Bundle`, so nothing is ever downloaded.
//!
//! TeX asks for bare names (`article.cls`), like kpathsea with its `ls-R`; the bundle is
//! a basename → file index over the trees in [`TREES`]. When two trees or two folders hold
//! the same name, the one in the earlier [`rank`] wins (`tex/latex` before `fonts`, …),
//! then the earlier tree. Folders of other engines, `tex/latex-dev` (its `latex.ltx`
//! would shadow the release one), documentation, sources and every `*.fmt` (a pdfTeX
//! format must never be loaded) are skipped.
//!
//! Three files are served from memory: the format source `tectonic-format-latex.tex`,
//! a `latex.ltx` whose `\@missingfileerror` stops with "LaTeX Error: File `x.sty' not
//! found." instead of prompting for another name (the engine has no terminal), and
//! `paperfig.sty` for documents that use the package.
//!
//! The digest (which keys the cached format) covers the listing with each file's size
//! and modification time, the patch version and the format source. Walking the trees
//! costs ~0.2 s, so the index is cached in `<cache>/tex/` and reused while the trees'
//! `ls-R` files, top folders and dpkg's status file are unchanged.

use std::collections::HashMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use tectonic::io::{DigestData, InputHandle, InputOrigin, IoProvider, OpenResult};
use tectonic::status::StatusBackend;
use tectonic_bundles::Bundle;

use crate::fsutil;

/// The trees searched, highest priority first (Debian's TEXMF order).
pub const TREES: &[&str] =
    &["/etc/texmf", "/var/lib/texmf", "/usr/local/share/texmf", "/usr/share/texmf", "/usr/share/texlive/texmf-dist"];

/// Bumped whenever a file served from memory or the index rules change.
const PATCH_VERSION: u32 = 1;
const INDEX_FILE: &str = "texlive-index-v1.json";

/// The format the engine builds, by name (`latex` → `tectonic-format-latex.tex`).
pub const FORMAT_NAME: &str = "latex";
const FORMAT_SOURCE_NAME: &str = "tectonic-format-latex.tex";
const FORMAT_SOURCE: &str = "\\input xelatex.ini\n";

/// Folders under `tex/` that belong to this engine (XeLaTeX); other engines' are skipped.
const TEX_KEEP: &[&str] = &["xelatex", "latex", "xetex", "plain", "generic"];
/// Top-level folders of a tree never searched.
const TOP_SKIP: &[&str] = &["doc", "source", "scripts", "texdoc", "texdoctk"];

/// Precedence of a file inside a tree by its tree-relative path; `None` = skipped.
pub fn rank(rel: &str) -> Option<u8> {
    let mut parts = rel.split('/');
    let top = parts.next()?;
    let name = rel.rsplit('/').next().unwrap_or(rel);
    if name.starts_with("ls-R") || name.ends_with(".fmt") || TOP_SKIP.contains(&top) {
        return None;
    }
    match top {
        "tex" => {
            let sub = parts.next()?;
            TEX_KEEP.iter().position(|k| *k == sub).map(|_| 0)
        }
        "bibtex" => Some(1),
        "web2c" => Some(2),
        "fonts" => Some(3),
        _ => Some(4),
    }
}

/// Whether a folder (tree-relative) holds nothing the bundle serves.
fn skip_dir(rel: &str) -> bool {
    let mut parts = rel.split('/');
    match (parts.next(), parts.next()) {
        (Some(top), None) => TOP_SKIP.contains(&top),
        (Some("tex"), Some(sub)) => !TEX_KEEP.contains(&sub),
        _ => false,
    }
}

/// One indexed file.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Entry {
    path: PathBuf,
    /// (rank, tree index): lower wins.
    order: (u8, u8),
}

#[derive(Debug, Serialize, Deserialize)]
struct Index {
    /// What the cached index was made from (see [`stamp`]).
    stamp: String,
    digest: String,
    files: HashMap<String, Entry>,
}

/// The installed TeX Live trees as a bundle (cheap to clone: the index is shared).
#[derive(Clone)]
pub struct TexLiveBundle {
    index: std::sync::Arc<Index>,
    memory: HashMap<String, Vec<u8>>,
    /// Last run's intermediate files (`paper.aux`), served with read digests so that
    /// tectonic's rerun check can tell whether they changed.
    seeds: HashMap<String, Vec<u8>>,
}

impl TexLiveBundle {
    /// Opens the bundle, reusing the index cached in `cache_dir` when the trees have not
    /// changed. Fails when no TeX Live is installed.
    pub fn open(cache_dir: &Path) -> Result<TexLiveBundle, BundleError> {
        let index = load_index(cache_dir, TREES)?;
        let mut memory = HashMap::new();
        memory.insert(FORMAT_SOURCE_NAME.to_string(), FORMAT_SOURCE.as_bytes().to_vec());
        let ltx = index.files.get("latex.ltx").ok_or(BundleError::NoLatex)?;
        let text = std::fs::read_to_string(&ltx.path)
            .map_err(|source| BundleError::Read { path: ltx.path.clone(), source })?;
        memory.insert("latex.ltx".to_string(), patch_latex_ltx(&text)?.into_bytes());
        Ok(TexLiveBundle { index, memory, seeds: HashMap::new() })
    }

    /// Serves `name` from memory (e.g. `paperfig.sty`); not part of the digest, so only
    /// for files the format does not read.
    pub fn add_memory_file(&mut self, name: &str, bytes: Vec<u8>) {
        self.memory.insert(name.to_string(), bytes);
    }

    /// Serves a previous run's intermediate file (`paper.aux`) when the document's folder
    /// has none.
    pub fn add_seed_file(&mut self, name: &str, bytes: Vec<u8>) {
        self.seeds.insert(name.to_string(), bytes);
    }

    /// Forgets the seed files (before seeding another run).
    pub fn clear_seed_files(&mut self) {
        self.seeds.clear();
    }

    /// Where a name resolves on disk, if it is indexed (tests, diagnostics).
    pub fn resolve(&self, name: &str) -> Option<&Path> {
        self.lookup(name).map(|e| e.path.as_path())
    }

    fn lookup(&self, name: &str) -> Option<&Entry> {
        let base = name.rsplit('/').next().unwrap_or(name);
        let e = self.index.files.get(base)?;
        // `sub/file.tex` must be in a folder named `sub`.
        if name.contains('/') && !e.path.to_string_lossy().ends_with(&format!("/{}", name.trim_start_matches("./"))) {
            return None;
        }
        Some(e)
    }

    pub fn file_count(&self) -> usize {
        self.index.files.len()
    }

    /// The digest as hex (the format cache key).
    pub fn digest_hex(&self) -> &str {
        &self.index.digest
    }
}

impl IoProvider for TexLiveBundle {
    fn input_open_name(&mut self, name: &str, _status: &mut dyn StatusBackend) -> OpenResult<InputHandle> {
        if let Some(bytes) = self.memory.get(name) {
            return OpenResult::Ok(InputHandle::new_read_only(name, Cursor::new(bytes.clone()), InputOrigin::Other));
        }
        if let Some(bytes) = self.seeds.get(name) {
            return OpenResult::Ok(InputHandle::new(name, Cursor::new(bytes.clone()), InputOrigin::Other));
        }
        if name.starts_with('/') {
            return OpenResult::NotAvailable;
        }
        let Some(entry) = self.lookup(name) else { return OpenResult::NotAvailable };
        match std::fs::read(&entry.path) {
            Ok(bytes) => OpenResult::Ok(InputHandle::new_read_only(name, Cursor::new(bytes), InputOrigin::Other)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => OpenResult::NotAvailable,
            Err(e) => OpenResult::Err(e.into()),
        }
    }
}

impl Bundle for TexLiveBundle {
    fn get_digest(&mut self) -> tectonic::Result<DigestData> {
        self.index.digest.parse::<DigestData>()
    }

    fn all_files(&self) -> Vec<String> {
        let mut names: Vec<String> = self.index.files.keys().cloned().collect();
        names.extend(self.memory.keys().cloned());
        names.sort();
        names.dedup();
        names
    }
}

/// Why the TeX Live files cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("no TeX Live files found under /usr/share/texlive")]
    NoTexLive,
    #[error("LaTeX is not installed (no latex.ltx in the TeX Live trees)")]
    NoLatex,
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    /// This `latex.ltx` does not have the macro paperfig patches.
    #[error("latex.ltx: {0}")]
    Patch(&'static str),
}

/// `latex.ltx` with `\@missingfileerror` replaced by a fatal error naming the file.
pub fn patch_latex_ltx(text: &str) -> Result<String, BundleError> {
    const START: &str = "\\gdef\\@missingfileerror#1#2{%";
    const NEXT: &str = "\\def\\@obsoletefile";
    let start = text.find(START).ok_or(BundleError::Patch("no \\@missingfileerror to patch"))?;
    let end = start + text[start..].find(NEXT).ok_or(BundleError::Patch("end of \\@missingfileerror not found"))?;
    let replacement = "\\gdef\\@missingfileerror#1#2{%\n\
        \\errhelp{The file is not installed; paperfig names the Debian package when it knows it.}%\n\
        \\errmessage{LaTeX Error: File `#1.#2' not found}%\n\
        \\let\\@missingfile@area\\@empty\\let\\@missingfile@base\\@empty\\def\\@missingfile@ext{tex}}\n";
    Ok(format!("{}{}{}", &text[..start], replacement, &text[end..]))
}

/// A cheap signature of the trees: dpkg's status file, each tree's top folder and `ls-R`
/// files (package installs touch all of these).
fn stamp(trees: &[&str]) -> String {
    let mut parts = Vec::new();
    let mut add = |p: &Path| {
        let m = std::fs::metadata(p).ok();
        let t = m.as_ref().and_then(|m| m.modified().ok()).and_then(|t| t.duration_since(UNIX_EPOCH).ok());
        parts.push(format!("{}:{}:{}", p.display(), m.map_or(0, |m| m.len()), t.map_or(0, |t| t.as_nanos())));
    };
    add(Path::new("/var/lib/dpkg/status"));
    for tree in trees {
        let tree = Path::new(tree);
        add(tree);
        if let Ok(rd) = std::fs::read_dir(tree) {
            let mut names: Vec<PathBuf> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
            names.sort();
            for p in names {
                add(&p);
            }
        }
    }
    format!("v{PATCH_VERSION}\n{}", parts.join("\n"))
}

/// The index last loaded in this process, with the file it came from: a long-running
/// process (watch mode, the mdBook preprocessor under `mdbook serve`) compiles many times,
/// and only the stamp needs checking between compiles, not 3 MB of JSON.
static LOADED: std::sync::Mutex<Option<(PathBuf, std::sync::Arc<Index>)>> = std::sync::Mutex::new(None);

fn load_index(cache_dir: &Path, trees: &[&str]) -> Result<std::sync::Arc<Index>, BundleError> {
    let stamp = stamp(trees);
    let path = cache_dir.join("tex").join(INDEX_FILE);
    let mut loaded = LOADED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, index)) = loaded.as_ref().filter(|(p, i)| *p == path && i.stamp == stamp) {
        return Ok(index.clone());
    }
    let index = load_index_file(&path, trees, stamp, cache_dir)?;
    *loaded = Some((path, index.clone()));
    Ok(index)
}

fn load_index_file(
    path: &Path,
    trees: &[&str],
    stamp: String,
    cache_dir: &Path,
) -> Result<std::sync::Arc<Index>, BundleError> {
    if let Some(index) =
        std::fs::read(path).ok().and_then(|b| serde_json::from_slice::<Index>(&b).ok()).filter(|i| i.stamp == stamp)
    {
        return Ok(std::sync::Arc::new(index));
    }
    let index = build_index(trees, stamp);
    if index.files.is_empty() {
        return Err(BundleError::NoTexLive);
    }
    // The cache is an optimisation: a read-only cache folder only costs the walk.
    if let Ok(bytes) = serde_json::to_vec(&index) {
        let _ = std::fs::create_dir_all(path.parent().unwrap_or(cache_dir));
        let _ = fsutil::write_if_changed(path, &bytes);
    }
    Ok(std::sync::Arc::new(index))
}

fn build_index(trees: &[&str], stamp: String) -> Index {
    let mut files: HashMap<String, Entry> = HashMap::new();
    let mut listing = Vec::new();
    for (t, tree) in trees.iter().enumerate() {
        let root = Path::new(tree);
        let walker = walkdir::WalkDir::new(root).follow_links(true).sort_by_file_name().into_iter().filter_entry(|e| {
            if e.depth() == 0 || !e.file_type().is_dir() {
                return true;
            }
            let rel = e.path().strip_prefix(root).unwrap_or(e.path()).to_string_lossy().replace('\\', "/");
            !skip_dir(&rel)
        });
        for e in walker.filter_map(Result::ok) {
            if e.file_type().is_dir() {
                continue;
            }
            let rel = e.path().strip_prefix(root).unwrap_or(e.path()).to_string_lossy().into_owned();
            let Some(r) = rank(&rel) else { continue };
            let name = e.file_name().to_string_lossy().into_owned();
            let meta = e.metadata().ok();
            let mtime = meta
                .as_ref()
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_secs());
            listing.push(format!("{t}/{rel}\t{}\t{mtime}", meta.map_or(0, |m| m.len())));
            let entry = Entry { path: e.path().to_path_buf(), order: (r, t as u8) };
            match files.get(&name) {
                Some(old) if old.order <= entry.order => {}
                _ => {
                    files.insert(name, entry);
                }
            }
        }
    }
    listing.sort();
    let mut h = Sha256::new();
    h.update(format!("paperfig texlive bundle\npatch {PATCH_VERSION}\nformat {FORMAT_SOURCE}\n"));
    for line in &listing {
        h.update(line.as_bytes());
        h.update(b"\n");
    }
    Index { stamp, digest: hex::encode(h.finalize()), files }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_prefer_tex_folders_and_skip_other_engines_docs_and_formats() {
        assert_eq!(rank("tex/latex/base/article.cls"), Some(0));
        assert_eq!(rank("tex/generic/config/language.dat"), Some(0));
        assert_eq!(rank("bibtex/bst/natbib/plainnat.bst"), Some(1));
        assert_eq!(rank("fonts/type1/public/lm/lmr10.pfb"), Some(3));
        assert!(rank("tex/latex/base/article.cls") < rank("fonts/x/article.cls"));
        assert_eq!(rank("tex/latex-dev/base/latex.ltx"), None);
        assert_eq!(rank("tex/lualatex/x/y.sty"), None);
        assert_eq!(rank("tex/context/base/x.tex"), None);
        assert_eq!(rank("doc/latex/x.pdf"), None);
        assert_eq!(rank("source/latex/x.dtx"), None);
        assert_eq!(rank("web2c/pdftex/pdflatex.fmt"), None);
        assert_eq!(rank("ls-R"), None);
        assert!(skip_dir("doc") && skip_dir("tex/latex-dev") && skip_dir("tex/luatex"));
        assert!(!skip_dir("tex") && !skip_dir("tex/latex") && !skip_dir("fonts") && !skip_dir("tex/latex/base"));
    }

    #[test]
    fn patch_replaces_the_prompt_with_a_fatal_error() {
        let text = "a\n\\gdef\\@missingfileerror#1#2{%\n \\message{Enter file name: }%\n  {\\read-1 to\\x}}\n\\def\\@obsoletefile#1#2{}\n";
        let out = patch_latex_ltx(text).unwrap();
        assert!(out.contains("\\errmessage{LaTeX Error: File `#1.#2' not found}"), "{out}");
        assert!(!out.contains("Enter file name"), "{out}");
        assert!(out.starts_with("a\n") && out.contains("\\def\\@obsoletefile#1#2{}"), "{out}");
        assert!(patch_latex_ltx("no such macro").is_err());
    }

    #[test]
    fn an_index_kept_in_memory_is_replaced_when_a_tree_changes() {
        let dir = tempfile::tempdir().unwrap();
        let tree = dir.path().join("tree");
        std::fs::create_dir_all(tree.join("tex/latex/a")).unwrap();
        std::fs::write(tree.join("tex/latex/a/a.sty"), "a").unwrap();
        let trees = [tree.to_str().unwrap()];
        let cache = dir.path().join("cache");
        let first = load_index(&cache, &trees).unwrap();
        assert!(first.files.contains_key("a.sty") && !first.files.contains_key("b.sty"));
        // A package install adds a top-level folder entry (and touches dpkg's status).
        std::fs::create_dir_all(tree.join("fonts/b")).unwrap();
        std::fs::write(tree.join("fonts/b/b.sty"), "b").unwrap();
        let second = load_index(&cache, &trees).unwrap();
        assert!(second.files.contains_key("b.sty"), "the changed tree is indexed again");
        assert_ne!(first.digest, second.digest);
        assert_eq!(load_index(&cache, &trees).unwrap().digest, second.digest);
    }

    #[test]
    fn index_prefers_earlier_tree_and_higher_rank_and_digest_follows_listing() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        for (p, text) in [
            (a.join("fonts/misc/x.sty"), "fonts in a"),
            (b.join("tex/latex/pkg/x.sty"), "latex in b"),
            (a.join("tex/latex/pkg/y.sty"), "y in a"),
            (b.join("tex/latex/pkg/y.sty"), "y in b"),
            (b.join("tex/latex-dev/base/latex.ltx"), "dev"),
            (b.join("web2c/xelatex.fmt"), "fmt"),
        ] {
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let trees = [a.to_str().unwrap(), b.to_str().unwrap()];
        let index = build_index(&trees, String::new());
        assert_eq!(index.files["x.sty"].path, b.join("tex/latex/pkg/x.sty"));
        assert_eq!(index.files["y.sty"].path, a.join("tex/latex/pkg/y.sty"));
        assert!(!index.files.contains_key("latex.ltx"));
        assert!(!index.files.contains_key("xelatex.fmt"));
        let before = index.digest.clone();
        std::fs::write(b.join("tex/latex/pkg/z.sty"), "new").unwrap();
        assert_ne!(build_index(&trees, String::new()).digest, before, "a new file changes the digest");
        assert_eq!(build_index(&trees, String::new()).digest, build_index(&trees, String::new()).digest);
    }
}
