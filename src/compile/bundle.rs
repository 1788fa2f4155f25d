//! The TeX files for the embedded engine, served as a tectonic `Bundle`: the installed
//! TeX trees (found by [`texmf`](super::texmf), indexed by [`index`](super::index)), so
//! that nothing is downloaded; or, when `[build] bundle` names one, the engine's own
//! bundle fetched into the user's cache ([`remote`](super::remote)).
//!
//! Before the trees come three files served from memory: the format source
//! `tectonic-format-latex.tex`, a `latex.ltx` whose `\@missingfileerror` stops with "LaTeX
//! Error: File `x.sty' not found." instead of prompting for another name (the engine has
//! no terminal), and `paperfig.sty` for documents that use the package; then a previous
//! run's intermediate files; then, under `trust = "project"`, the document's own files,
//! each judged by [`Access`] (tectonic's own file access is pointed at an empty folder so
//! that every relative name comes here).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{Cursor, Read as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use sha2::{Digest as _, Sha256};

use tectonic::io::{DigestData, InputHandle, InputOrigin, IoProvider, OpenResult};
use tectonic::status::StatusBackend;
use tectonic_bundles::Bundle;

use super::access::Access;
use super::index::{self, FORMAT_SOURCE, Index, PATCH_VERSION};
use super::remote::{DEFAULT_URL, Fetch, RemoteBundle, RemoteError};
use super::texmf::{Origin, TexTrees};
use crate::config::BundleSource;

/// The format the engine builds, by name (`latex` → `tectonic-format-latex.tex`).
pub const FORMAT_NAME: &str = "latex";
const FORMAT_SOURCE_NAME: &str = "tectonic-format-latex.tex";

/// Which TeX files a build reads.
#[derive(Clone, Debug)]
pub enum TexSource {
    /// The installed trees; found ones holding no LaTeX (no TeX installed) fall back to
    /// the engine's default bundle ([`default_bundle_url`]).
    Trees { trees: TexTrees, fetch: Fetch },
    /// `[build] bundle`: the engine's own bundle.
    Bundle { source: BundleSource, fetch: Fetch },
}

/// The engine's bundle used when no TeX is installed: `$PAPERFIG_TEX_BUNDLE` (a mirror),
/// else tectonic's default.
pub fn default_bundle_url() -> String {
    std::env::var("PAPERFIG_TEX_BUNDLE").ok().filter(|u| !u.is_empty()).unwrap_or_else(|| DEFAULT_URL.to_string())
}

impl TexSource {
    /// Opens the files, with the index or bundle cache in `cache_dir` (the user's cache).
    pub fn open(&self, cache_dir: &Path) -> Result<TexBundle, BundleError> {
        match self {
            TexSource::Trees { trees, fetch } => match TexBundle::installed(cache_dir, trees) {
                Err(tex @ (BundleError::NoTex { .. } | BundleError::NoLatex { .. }))
                    if trees.origin != Origin::Config =>
                {
                    let source = BundleSource { url: default_bundle_url(), digest: None };
                    TexBundle::remote(cache_dir, &source, *fetch).map_err(|bundle| BundleError::Neither {
                        tex: Box::new(tex),
                        url: source.url,
                        bundle: Box::new(bundle),
                    })
                }
                found => found,
            },
            TexSource::Bundle { source, fetch } => TexBundle::remote(cache_dir, source, *fetch),
        }
    }

    /// The digest of the bundle [`TexSource::open`] would open, without opening it when the
    /// installed trees' index has not changed (`index::digest`): a build that runs no TeX
    /// needs only this.
    pub fn digest(&self, cache_dir: &Path) -> Result<String, BundleError> {
        if let TexSource::Trees { trees, .. } = self {
            if let Some(digest) = index::digest(cache_dir, &trees.trees) {
                return Ok(digest);
            }
        }
        Ok(self.open(cache_dir)?.digest_hex().to_string())
    }

    /// The folders TeX reads from on disk (for [`Access`]).
    pub fn folders(&self) -> Vec<PathBuf> {
        match self {
            TexSource::Trees { trees, .. } => trees.trees.iter().map(|t| t.path.clone()).collect(),
            TexSource::Bundle { .. } => Vec::new(),
        }
    }
}

/// The TeX files' digest, found at most once in one build: the TikZ figures' keys and the
/// compile's record both need it, and finding it walks the TeX trees' folders. One per
/// build, never kept across builds (a long-running watch makes one per compile), so a TeX
/// tree changed between builds is seen.
#[derive(Clone, Debug, Default)]
pub struct TexDigest(Arc<std::sync::OnceLock<String>>);

impl TexDigest {
    /// The digest found earlier in this build, else `find`'s (kept when found).
    pub fn get_or_find<E>(&self, find: impl FnOnce() -> Result<String, E>) -> Result<String, E> {
        if let Some(d) = self.0.get() {
            return Ok(d.clone());
        }
        let found = find()?;
        Ok(self.0.get_or_init(|| found).clone())
    }
}

/// Where the TeX files come from.
#[derive(Clone)]
enum Files {
    /// The installed trees.
    Installed(Arc<Index>),
    /// The engine's own bundle, fetched into the user's cache.
    Remote(RemoteBundle),
}

/// What a file TeX asked for in the document's folder held when TeX looked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Seen {
    Missing,
    Read(crate::digest::Digest),
    /// Different things at different times within one build.
    Varied,
}

/// What is at `path` now, as the bundle would record it, and a stamp that stands for it.
pub fn seen_now(path: &Path) -> (Seen, Option<Vec<u8>>, Option<crate::fsutil::Fingerprint>) {
    if !path.is_file() {
        return (Seen::Missing, None, None);
    }
    match crate::fsutil::read_fingerprinted(path) {
        Ok((bytes, stamp)) => (Seen::Read(crate::digest::Digest::of(&bytes)), Some(bytes), stamp),
        Err(_) => (Seen::Varied, None, None),
    }
}

/// The TeX files as a bundle (cheap to clone: the index is shared).
#[derive(Clone)]
pub struct TexBundle {
    files: Files,
    /// The format cache key: the files' digest with what paperfig serves from memory.
    digest: String,
    /// Every TeX file served (its path on disk), for `build --json`.
    served: Arc<Mutex<BTreeSet<PathBuf>>>,
    /// Every file TeX asked for in the document's folder, found or not, with what it held
    /// when read (watch recompiles when one of them changes or appears, and for nothing
    /// else; a figure-only update checks that nothing else changed, `swap`).
    asked: Arc<Mutex<BTreeMap<PathBuf, Seen>>>,
    memory: HashMap<String, Vec<u8>>,
    /// Last run's intermediate files (`paper.aux`), served with read digests so that
    /// tectonic's rerun check can tell whether they changed.
    seeds: HashMap<String, Vec<u8>>,
    /// The document's folder and the rule for reading in it (`None`: tectonic reads the
    /// document's files itself).
    document: Option<(PathBuf, Arc<Access>)>,
}

impl TexBundle {
    /// Opens the installed trees, reusing the index cached in `cache_dir` (the user's
    /// cache) when they have not changed. Fails when they hold no LaTeX.
    pub fn installed(cache_dir: &Path, trees: &TexTrees) -> Result<TexBundle, BundleError> {
        let index = index::load(cache_dir, &trees.trees)
            .ok_or_else(|| BundleError::NoTex { how: trees.describe(), searched: trees.searched.clone() })?;
        let mut memory = HashMap::new();
        memory.insert(FORMAT_SOURCE_NAME.to_string(), FORMAT_SOURCE.as_bytes().to_vec());
        let ltx_path = index
            .get("latex.ltx")
            .ok_or_else(|| BundleError::NoLatex { how: trees.describe(), searched: trees.searched.clone() })?;
        let text = std::fs::read_to_string(&ltx_path)
            .map_err(|source| BundleError::Read { path: ltx_path.clone(), source })?;
        memory.insert("latex.ltx".to_string(), patch_latex_ltx(&text)?.into_bytes());
        let digest = index.digest.clone();
        let bundle = TexBundle::new(Files::Installed(index), digest, memory);
        // Read from the trees, served patched.
        bundle.served.lock().unwrap_or_else(|p| p.into_inner()).insert(ltx_path);
        Ok(bundle)
    }

    /// Opens the engine's own bundle at `source`, fetched into `cache_dir/bundles/`
    /// (`Fetch::Offline`: only what is there).
    pub fn remote(cache_dir: &Path, source: &BundleSource, fetch: Fetch) -> Result<TexBundle, BundleError> {
        let mut remote = RemoteBundle::open(&source.url, &cache_dir.join("bundles"), fetch, source.digest.as_deref())?;
        let mut memory = HashMap::new();
        memory.insert(FORMAT_SOURCE_NAME.to_string(), FORMAT_SOURCE.as_bytes().to_vec());
        let mut ltx = String::new();
        match remote.input_open_name("latex.ltx", &mut tectonic::status::NoopStatusBackend {}) {
            OpenResult::Ok(mut h) => {
                let _ = h.read_to_string(&mut ltx);
            }
            OpenResult::Err(e) => return Err(BundleError::RemoteFile(format!("{e:#}"))),
            OpenResult::NotAvailable => {}
        }
        // tectonic's own bundles carry a patched latex.ltx already.
        if let Ok(patched) = patch_latex_ltx(&ltx) {
            memory.insert("latex.ltx".to_string(), patched.into_bytes());
        }
        let digest = Sha256::digest(format!(
            "paperfig remote bundle\npatch {PATCH_VERSION}\nformat {FORMAT_SOURCE}\n{}\n",
            remote.digest_hex()
        ));
        Ok(TexBundle::new(Files::Remote(remote), hex::encode(digest), memory))
    }

    fn new(files: Files, digest: String, memory: HashMap<String, Vec<u8>>) -> TexBundle {
        TexBundle {
            files,
            digest,
            served: Arc::default(),
            asked: Arc::default(),
            memory,
            seeds: HashMap::new(),
            document: None,
        }
    }

    /// Every TeX file served so far (paths on disk).
    pub fn served(&self) -> Vec<PathBuf> {
        self.served.lock().unwrap_or_else(|p| p.into_inner()).iter().cloned().collect()
    }

    /// Every file asked for in the document's folder (`None` when tectonic reads that
    /// folder itself, unseen: `--trust-all`).
    pub fn asked(&self) -> Option<Vec<PathBuf>> {
        Some(self.reads()?.into_keys().collect())
    }

    /// Every file asked for in the document's folder with what TeX found there.
    pub fn reads(&self) -> Option<BTreeMap<PathBuf, Seen>> {
        self.document.as_ref()?;
        Some(self.asked.lock().unwrap_or_else(|p| p.into_inner()).clone())
    }

    /// A copy whose records of what it serves and what TeX asks for start empty and are
    /// its own (a preamble's dump, [`super::preamble`]).
    pub fn fresh_records(&self) -> TexBundle {
        TexBundle { served: Arc::default(), asked: Arc::default(), ..self.clone() }
    }

    /// Records what another run read as read by this one: a format's preamble, which
    /// this run does not read again but depends on.
    pub fn note_reads(&self, reads: &[(PathBuf, Seen)], served: &[PathBuf]) {
        for (path, seen) in reads {
            self.note(path, *seen);
        }
        self.served.lock().unwrap_or_else(|p| p.into_inner()).extend(served.iter().cloned());
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

    /// Serves the files of the document's folder `dir`, each as `access` allows.
    pub fn serve_document(&mut self, dir: &Path, access: Arc<Access>) {
        self.document = Some((dir.to_path_buf(), access));
    }

    /// Where a name resolves in the installed trees, if it is indexed.
    fn resolve(index: &Index, name: &str) -> Option<PathBuf> {
        let base = name.rsplit('/').next().unwrap_or(name);
        let path = index.get(base)?;
        // `sub/file.tex` must be in a folder named `sub`.
        if name.contains('/') && !path.to_string_lossy().ends_with(&format!("/{}", name.trim_start_matches("./"))) {
            return None;
        }
        Some(path)
    }

    /// The digest as hex (the format cache key).
    pub fn digest_hex(&self) -> &str {
        &self.digest
    }

    /// Records that `path` held `what` when looked at; something else seen before makes
    /// it [`Seen::Varied`].
    fn note(&self, path: &Path, what: Seen) {
        let mut asked = self.asked.lock().unwrap_or_else(|p| p.into_inner());
        let entry = asked.entry(path.to_path_buf()).or_insert(what);
        if *entry != what {
            *entry = Seen::Varied;
        }
    }

    /// A relative `name` in the document's folder: served when allowed, refused (and
    /// recorded) when it resolves outside, `None` when there is no such file.
    fn document_file(&self, name: &str) -> Option<OpenResult<(InputHandle, Option<PathBuf>)>> {
        let (dir, access) = self.document.as_ref()?;
        let path = dir.join(name);
        // as asked (TeX asks for hundreds of names here, most of them not there); watch
        // resolves them when it reads the record
        let seen = |what: Seen| self.note(&path, what);
        if !path.is_file() {
            seen(Seen::Missing);
            return None;
        }
        if !access.allows(&path) {
            access.refuse(name);
            return Some(OpenResult::NotAvailable);
        }
        Some(match std::fs::read(&path) {
            Ok(bytes) => {
                seen(Seen::Read(crate::digest::Digest::of(&bytes)));
                let handle = InputHandle::new_read_only(name, Cursor::new(bytes), InputOrigin::Filesystem);
                // SyncTeX names the files by these paths.
                OpenResult::Ok((handle, path.canonicalize().ok()))
            }
            Err(e) => OpenResult::Err(e.into()),
        })
    }
}

impl IoProvider for TexBundle {
    fn input_open_name(&mut self, name: &str, status: &mut dyn StatusBackend) -> OpenResult<InputHandle> {
        match self.input_open_name_with_abspath(name, status) {
            OpenResult::Ok((handle, _)) => OpenResult::Ok(handle),
            OpenResult::NotAvailable => OpenResult::NotAvailable,
            OpenResult::Err(e) => OpenResult::Err(e),
        }
    }

    fn input_open_name_with_abspath(
        &mut self,
        name: &str,
        status: &mut dyn StatusBackend,
    ) -> OpenResult<(InputHandle, Option<PathBuf>)> {
        let from_memory = |bytes: &Vec<u8>, writable: bool| {
            let cursor = Cursor::new(bytes.clone());
            let handle = if writable {
                InputHandle::new(name, cursor, InputOrigin::Other)
            } else {
                InputHandle::new_read_only(name, cursor, InputOrigin::Other)
            };
            OpenResult::Ok((handle, None))
        };
        if let Some(bytes) = self.memory.get(name) {
            return from_memory(bytes, false);
        }
        if let Some(bytes) = self.seeds.get(name) {
            return from_memory(bytes, true);
        }
        if name.starts_with('/') {
            return OpenResult::NotAvailable;
        }
        if let Some(found) = self.document_file(name) {
            return found;
        }
        let index = match &mut self.files {
            Files::Installed(index) => index,
            Files::Remote(remote) => {
                let found = remote.input_open_name(name, status);
                let path = matches!(found, OpenResult::Ok(_)).then(|| remote.resolve_cached(name)).flatten();
                if let Some(p) = &path {
                    self.served.lock().unwrap_or_else(|p| p.into_inner()).insert(p.clone());
                }
                return match found {
                    OpenResult::Ok(h) => OpenResult::Ok((h, path)),
                    OpenResult::NotAvailable => OpenResult::NotAvailable,
                    OpenResult::Err(e) => OpenResult::Err(e),
                };
            }
        };
        let Some(path) = TexBundle::resolve(index, name) else { return OpenResult::NotAvailable };
        match std::fs::read(&path) {
            Ok(bytes) => {
                let handle = InputHandle::new_read_only(name, Cursor::new(bytes), InputOrigin::Other);
                self.served.lock().unwrap_or_else(|p| p.into_inner()).insert(path.clone());
                OpenResult::Ok((handle, Some(path)))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => OpenResult::NotAvailable,
            Err(e) => OpenResult::Err(e.into()),
        }
    }
}

impl Bundle for TexBundle {
    fn get_digest(&mut self) -> tectonic::Result<DigestData> {
        self.digest.parse::<DigestData>()
    }

    fn all_files(&self) -> Vec<String> {
        let mut names: Vec<String> = match &self.files {
            Files::Installed(index) => index.names().map(str::to_string).collect(),
            Files::Remote(remote) => remote.all_files(),
        };
        names.extend(self.memory.keys().cloned());
        names.sort();
        names.dedup();
        names
    }
}

/// Why the TeX Live files cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("no TeX installation found (trees from {how}; searched: {})", list(searched))]
    NoTex { how: String, searched: Vec<String> },
    #[error("LaTeX is not installed: no latex.ltx in the TeX trees (from {how}; searched: {})", list(searched))]
    NoLatex { how: String, searched: Vec<String> },
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Remote(#[from] RemoteError),
    /// No TeX installed, and the default bundle could not be used either.
    #[error("{tex}; nor could the engine's bundle {url} be used: {bundle}")]
    Neither { tex: Box<BundleError>, url: String, bundle: Box<BundleError> },
    #[error("the TeX bundle's latex.ltx: {0}")]
    RemoteFile(String),
    /// This `latex.ltx` does not have the macro paperfig patches.
    #[error("latex.ltx: {0}")]
    Patch(&'static str),
}

fn list(items: &[String]) -> String {
    if items.is_empty() { "nothing".into() } else { items.join(", ") }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// One build finds the TeX files' digest once, for the TikZ keys and the record alike;
    /// a failure is not kept (the next asker tries again), and another build finds it anew.
    #[test]
    fn a_builds_tex_digest_is_found_once_and_a_failure_is_not_kept() {
        let digest = TexDigest::default();
        let shared = digest.clone();
        let calls = std::cell::Cell::new(0);
        let find = |answer: Result<&'static str, &'static str>| {
            calls.set(calls.get() + 1);
            answer.map(str::to_string)
        };
        assert_eq!(digest.get_or_find(|| find(Err("no trees"))), Err("no trees"));
        assert_eq!(shared.get_or_find(|| find(Ok("abc"))), Ok("abc".to_string()));
        assert_eq!(digest.get_or_find(|| find(Ok("other"))), Ok("abc".to_string()));
        assert_eq!(calls.get(), 2);
        assert_eq!(TexDigest::default().get_or_find(|| find(Ok("new"))), Ok::<_, &str>("new".to_string()));
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
}
