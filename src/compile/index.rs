//! The installed TeX trees as a basename index, as kpathsea's `ls-R` is.
//!
//! TeX asks for bare names (`article.cls`). When two trees or two folders hold the same
//! name, the one in the earlier [`rank`] wins (`tex/latex` before `fonts`, …), then the
//! earlier tree. Folders of other engines, `tex/latex-dev` (its `latex.ltx` would shadow
//! the release one), documentation, sources and every `*.fmt` (a pdfTeX format must never
//! be loaded) are skipped.
//!
//! The digest (which keys the cached format) covers the listing with each file's size and
//! modification time. Walking the trees costs ~0.2 s, so the index is cached in the user's
//! cache (`tex/texlive-index-v3-<trees>`, see [`table`]) and reused while the trees' [`stamp`] is
//! unchanged: for a tree searched through its `ls-R`, the tree's top folders and `ls-R`
//! (package managers and `mktexlsr` touch these); for any other tree (TEXMFHOME), every
//! name and folder in it, since kpathsea searches such a tree on disk and a package copied
//! there counts at once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use sha2::{Digest as _, Sha256};

use super::texmf::Tree;
use crate::fsutil;
use table::Found;
pub use table::Index;

mod table;

/// Bumped whenever a file served from memory or the index rules change.
pub const PATCH_VERSION: u32 = 3;

/// What the format source is (`bundle` serves it); part of the digest.
pub const FORMAT_SOURCE: &str = "\\input xelatex.ini\n";

/// Folders under `tex/` that belong to this engine (XeLaTeX); other engines' are skipped.
const TEX_KEEP: &[&str] = &["xelatex", "latex", "xetex", "plain", "generic"];
/// Top-level folders of a tree never searched: documentation, and the caches LuaTeX's
/// packages write into `TEXMFVAR` on every run (a LuaLaTeX run elsewhere would otherwise
/// change the digest, and make a new LaTeX format, every time).
const TOP_SKIP: &[&str] =
    &["doc", "source", "scripts", "texdoc", "texdoctk", "luatex-cache", "luametatex-cache", "luamplib_cache"];

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

/// The folders of `root` the index walks (skipped ones left out), with `root` itself.
fn walker(root: &Path) -> impl Iterator<Item = walkdir::DirEntry> + '_ {
    walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(move |e| {
            if e.depth() == 0 || !e.file_type().is_dir() {
                return true;
            }
            let rel = e.path().strip_prefix(root).unwrap_or(e.path()).to_string_lossy().replace('\\', "/");
            !skip_dir(&rel)
        })
        .filter_map(Result::ok)
}

/// A cheap signature of the trees (see the module comment).
fn stamp(trees: &[Tree]) -> String {
    let line = |p: &Path| {
        let m = std::fs::metadata(p).ok();
        let t = m.as_ref().and_then(|m| m.modified().ok()).and_then(|t| t.duration_since(UNIX_EPOCH).ok());
        format!("{}:{}:{}", p.display(), m.map_or(0, |m| m.len()), t.map_or(0, |t| t.as_nanos()))
    };
    let mut parts = vec![line(Path::new("/var/lib/dpkg/status"))];
    for tree in trees {
        parts.push(line(&tree.path));
        if tree.ls_r_only {
            if let Ok(rd) = std::fs::read_dir(&tree.path) {
                let mut names: Vec<PathBuf> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
                names.sort();
                parts.extend(names.iter().map(|p| line(p)));
            }
        } else {
            // Every name, so that a file added within one clock tick still counts.
            for e in walker(&tree.path) {
                parts.push(if e.file_type().is_dir() { line(e.path()) } else { e.path().display().to_string() });
            }
        }
    }
    format!("v{PATCH_VERSION}\n{}", parts.join("\n"))
}

/// The index last loaded in this process, with the file it came from: a long-running
/// process (watch mode, the mdBook preprocessor under `mdbook serve`) compiles many times,
/// and only the stamp needs checking between compiles, not the whole index.
static LOADED: std::sync::Mutex<Option<(PathBuf, Arc<Index>)>> = std::sync::Mutex::new(None);

/// The index of `trees`, from this process's memory, the cache folder or a fresh walk.
/// `None` when the trees hold no file at all.
pub fn load(cache_dir: &Path, trees: &[Tree]) -> Option<Arc<Index>> {
    load_stamped(cache_dir, trees, stamp_digest(trees))
}

/// The digest of the trees' [`stamp`], which the index made from them keeps.
fn stamp_digest(trees: &[Tree]) -> String {
    hex::encode(Sha256::digest(stamp(trees).as_bytes()))
}

/// Where the index of `trees` is cached.
fn index_path(cache_dir: &Path, trees: &[Tree]) -> PathBuf {
    let list: Vec<String> = trees.iter().map(|t| format!("{}:{}", t.ls_r_only, t.path.display())).collect();
    let which = hex::encode(&Sha256::digest(list.join("\n").as_bytes())[..8]);
    cache_dir.join("tex").join(format!("texlive-index-v3-{which}"))
}

/// Removes the JSON index (and its digest) that paperfig kept before the text one at
/// `path`, for the same trees: 3.3 MB no build reads any more.
fn remove_json_index(path: &Path) {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else { return };
    let Some(which) = name.strip_prefix("texlive-index-v3-") else { return };
    for old in [format!("texlive-index-v2-{which}.json"), format!("texlive-index-v2-{which}.digest")] {
        let _ = std::fs::remove_file(path.with_file_name(old));
    }
}

/// The digest of the index of `trees` (the installed bundle's digest), from a small file
/// beside the cached index while the trees' stamp holds: reading the whole index takes tens
/// of milliseconds, and a build asks for this digest to key TikZ figures.
pub fn digest(cache_dir: &Path, trees: &[Tree]) -> Option<String> {
    let stamp_digest = stamp_digest(trees);
    let side = index_path(cache_dir, trees).with_extension("digest");
    if let Ok(text) = std::fs::read_to_string(&side) {
        if let Some((s, d)) = text.trim_end().split_once('\n') {
            if s == stamp_digest {
                return Some(d.to_string());
            }
        }
    }
    let index = load_stamped(cache_dir, trees, stamp_digest.clone())?;
    let _ = fsutil::write_if_changed(&side, format!("{stamp_digest}\n{}\n", index.digest).as_bytes());
    Some(index.digest.clone())
}

fn load_stamped(cache_dir: &Path, trees: &[Tree], stamp: String) -> Option<Arc<Index>> {
    let path = index_path(cache_dir, trees);
    let mut loaded = LOADED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, index)) = loaded.as_ref().filter(|(p, i)| *p == path && i.stamp == stamp) {
        return Some(index.clone());
    }
    let index = load_file(&path, trees, stamp)?;
    *loaded = Some((path, index.clone()));
    Some(index)
}

fn load_file(path: &Path, trees: &[Tree], stamp: String) -> Option<Arc<Index>> {
    let cached = std::fs::read_to_string(path).ok().and_then(Index::parse).filter(|i| i.stamp == stamp);
    if let Some(index) = cached {
        return Some(Arc::new(index));
    }
    let text = build(trees, &stamp)?;
    let index = Index::parse(text.clone()).filter(|i| !i.is_empty())?;
    // The cache is an optimisation: a read-only cache folder only costs the walk.
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
        if fsutil::write_if_changed(path, text.as_bytes()).is_ok() {
            remove_json_index(path);
        }
    }
    Some(Arc::new(index))
}

/// Walks `trees` into the text of their index ([`table`]); `None` when it cannot be
/// written (a tree root holding a line break).
fn build(trees: &[Tree], stamp: &str) -> Option<String> {
    let mut files: BTreeMap<String, Found> = BTreeMap::new();
    let mut listing = Vec::new();
    for (t, tree) in trees.iter().enumerate() {
        let root = tree.path.as_path();
        for e in walker(root) {
            if e.file_type().is_dir() {
                continue;
            }
            // A path that is not UTF-8 could not be found again from the index's text.
            let Some(rel) = e.path().strip_prefix(root).unwrap_or(e.path()).to_str() else { continue };
            let Some(r) = rank(rel) else { continue };
            let name = e.file_name().to_string_lossy().into_owned();
            let meta = e.metadata().ok();
            let mtime = meta
                .as_ref()
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_secs());
            listing.push(format!("{t}/{rel}\t{}\t{mtime}", meta.map_or(0, |m| m.len())));
            // (rank, tree): lower wins.
            if files.get(&name).is_some_and(|old| (old.rank, old.tree) <= (r, t)) {
                continue;
            }
            let folder = rel.rsplit_once('/').map_or("", |(folder, _)| folder).to_string();
            files.insert(name, Found { rank: r, tree: t, folder });
        }
    }
    listing.sort();
    let mut h = Sha256::new();
    h.update(format!("paperfig texlive bundle\npatch {PATCH_VERSION}\nformat {FORMAT_SOURCE}\n"));
    for line in &listing {
        h.update(line.as_bytes());
        h.update(b"\n");
    }
    let roots: Vec<PathBuf> = trees.iter().map(|t| t.path.clone()).collect();
    Index::write(stamp, &hex::encode(h.finalize()), &roots, &files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(p: &Path, ls_r_only: bool) -> Tree {
        Tree { path: p.to_path_buf(), ls_r_only }
    }

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
        assert!(skip_dir("luatex-cache") && rank("luatex-cache/generic/names/luaotfload-names.luc").is_none());
        assert!(!skip_dir("tex") && !skip_dir("tex/latex") && !skip_dir("fonts") && !skip_dir("tex/latex/base"));
    }

    #[test]
    fn an_ls_r_tree_is_indexed_again_when_a_top_folder_changes() {
        let dir = tempfile::tempdir().unwrap();
        let t = dir.path().join("tree");
        std::fs::create_dir_all(t.join("tex/latex/a")).unwrap();
        std::fs::write(t.join("tex/latex/a/a.sty"), "a").unwrap();
        let trees = [tree(&t, true)];
        let cache = dir.path().join("cache");
        let first = load(&cache, &trees).unwrap();
        assert!(first.get("a.sty").is_some() && first.get("b.sty").is_none());
        // A package install adds a top-level folder entry (and touches dpkg's status).
        std::fs::create_dir_all(t.join("fonts/b")).unwrap();
        std::fs::write(t.join("fonts/b/b.sty"), "b").unwrap();
        let second = load(&cache, &trees).unwrap();
        assert!(second.get("b.sty").is_some(), "the changed tree is indexed again");
        assert_ne!(first.digest, second.digest);
        assert_eq!(load(&cache, &trees).unwrap().digest, second.digest);
    }

    #[test]
    fn the_json_index_an_earlier_paperfig_kept_for_the_same_trees_is_removed() {
        let (_dir, _home, trees, cache) = home_tree_with_one_package();
        let v3 = index_path(&cache, &trees);
        let name = v3.file_name().unwrap().to_str().unwrap().replace("-v3-", "-v2-");
        let (json, digest) = (v3.with_file_name(format!("{name}.json")), v3.with_file_name(format!("{name}.digest")));
        let other = v3.with_file_name("texlive-index-v2-0000000000000000.json");
        std::fs::create_dir_all(cache.join("tex")).unwrap();
        for f in [&json, &digest, &other] {
            std::fs::write(f, "{}").unwrap();
        }
        assert!(load(&cache, &trees).unwrap().get("one.sty").is_some());
        assert!(!json.exists() && !digest.exists(), "the same trees' old index is removed");
        assert!(other.exists(), "another set of trees' is not");
    }

    /// A tree searched on disk (no `ls-R`) holding `tex/latex/mine/one.sty`, and a cache folder.
    fn home_tree_with_one_package() -> (tempfile::TempDir, PathBuf, [Tree; 1], PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("texmf");
        std::fs::create_dir_all(home.join("tex/latex/mine")).unwrap();
        std::fs::write(home.join("tex/latex/mine/one.sty"), "1").unwrap();
        let trees = [tree(&home, false)];
        let cache = dir.path().join("cache");
        (dir, home, trees, cache)
    }

    #[test]
    fn the_digest_is_the_index_digest_and_follows_a_changed_tree() {
        let (_dir, home, trees, cache) = home_tree_with_one_package();
        let first = digest(&cache, &trees).unwrap();
        assert_eq!(first, load(&cache, &trees).unwrap().digest);
        // Read back from the small file, still the same.
        assert_eq!(digest(&cache, &trees).unwrap(), first);
        std::fs::write(home.join("tex/latex/mine/two.sty"), "2").unwrap();
        let second = digest(&cache, &trees).unwrap();
        assert_ne!(second, first);
        assert_eq!(second, load(&cache, &trees).unwrap().digest);
    }

    #[test]
    fn a_package_copied_deep_into_a_home_tree_counts_at_once() {
        let (_dir, home, trees, cache) = home_tree_with_one_package();
        assert!(load(&cache, &trees).unwrap().get("one.sty").is_some());
        // Only `tex/latex/mine` changes: an ls-R tree's stamp would not see it.
        std::fs::write(home.join("tex/latex/mine/two.sty"), "2").unwrap();
        assert!(load(&cache, &trees).unwrap().get("two.sty").is_some());
        assert!(load(&cache, &[]).is_none(), "no trees, no index");
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
        let trees = [tree(&a, true), tree(&b, true)];
        let built = |trees: &[Tree]| Index::parse(build(trees, "").unwrap()).unwrap();
        let index = built(&trees);
        assert_eq!(index.get("x.sty").unwrap(), b.join("tex/latex/pkg/x.sty"));
        assert_eq!(index.get("y.sty").unwrap(), a.join("tex/latex/pkg/y.sty"));
        assert!(index.get("latex.ltx").is_none());
        assert!(index.get("xelatex.fmt").is_none());
        let before = index.digest.clone();
        std::fs::write(b.join("tex/latex/pkg/z.sty"), "new").unwrap();
        assert_ne!(built(&trees).digest, before, "a new file changes the digest");
        assert_eq!(built(&trees).digest, built(&trees).digest);
    }
}
