//! Reading the files a directive references (`data=`, `script=`, a PDF): relative to the
//! directive's source file, never outside the project, each file read once per plan.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::diag::{Code, Diagnostic};
use crate::model::InputFile;
use crate::scan::Directive;

use super::digests::{DigestMemo, Fingerprint};
use crate::fsutil::{Folder, Kind};

/// How many folders a plan keeps open to look at their files by name (each holds a file
/// descriptor).
const OPEN_FOLDERS: usize = 32;

/// Files read during one plan, so a data file shared by many figures is read once.
pub(super) struct FileCache {
    pub files: HashMap<PathBuf, InputFile>,
    pub canonical_root: PathBuf,
    /// Folders resolved so far (symlinks followed), so that a plan of many figures asks the
    /// file system once per folder rather than once per folder per figure; each opened, so
    /// that its files are looked at by name.
    pub dirs: HashMap<PathBuf, (PathBuf, Option<std::rc::Rc<Folder>>)>,
    /// Digests of files unchanged since an earlier build, so they need not be read.
    pub memo: DigestMemo,
    /// The last path a provider had resolved, with its `lstat`: the `stat` its read needs.
    resolved: Option<(PathBuf, Fingerprint)>,
}

impl FileCache {
    /// `cache_dir` holds the digest memo (`None`: nothing remembered across plans).
    pub fn new(canonical_root: PathBuf, cache_dir: Option<&Path>) -> FileCache {
        FileCache {
            files: HashMap::new(),
            canonical_root,
            dirs: HashMap::new(),
            memo: DigestMemo::load(cache_dir),
            resolved: None,
        }
    }

    /// Writes what the digest memo learnt.
    pub fn finish(self) {
        self.memo.save();
    }

    /// The file at `canonical` (inside the project), read once per plan: unread when the
    /// memo knows its digest for `fp`, the fingerprint of the regular file there (taken
    /// before reading; `None`: not known to be one), else read and remembered.
    pub fn input(&mut self, canonical: &Path, fp: Option<Fingerprint>, ext: &str) -> std::io::Result<InputFile> {
        if let Some(f) = self.files.get(canonical) {
            return Ok(f.clone());
        }
        let file = match fp.as_ref().and_then(|fp| self.memo.lookup(canonical, fp)) {
            Some(digest) => InputFile::unread(ext, digest, canonical.to_path_buf()),
            None => {
                let file = InputFile::new(ext, crate::fsutil::read_regular(canonical)?);
                if let Some(fp) = &fp {
                    self.memo.record(canonical, fp, file.digest);
                }
                file
            }
        };
        self.files.insert(canonical.to_path_buf(), file.clone());
        Ok(file)
    }

    /// The regular file at `canonical` (inside the project) for a provider's `prepare`, as
    /// [`FileCache::input`] gives it (unread when the memo knows it).
    pub fn input_at(&mut self, canonical: &Path, ext: &str) -> std::io::Result<InputFile> {
        let fp = match self.resolved.take() {
            Some((path, fp)) if path == canonical => Some(fp),
            _ => Fingerprint::of_file(canonical),
        };
        self.input(canonical, fp, ext)
    }

    /// `path.canonicalize()`, with its folder resolved once per plan: a plain file costs
    /// one `lstat` by name in its opened folder (its fingerprint is returned); a symlinked
    /// file is resolved in full.
    fn canonical(&mut self, path: &Path) -> std::io::Result<(PathBuf, Option<Fingerprint>)> {
        let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
            return Ok((path.canonicalize()?, None));
        };
        let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
        let (resolved, folder) = match self.dirs.get(dir) {
            Some(d) => d.clone(),
            None => {
                let d = dir.canonicalize()?;
                // At most `OPEN_FOLDERS` descriptors are held; past that, by path.
                let open = self.dirs.values().filter(|(_, f)| f.is_some()).count() < OPEN_FOLDERS;
                let folder = open.then(|| Folder::open(&d).ok().map(std::rc::Rc::new)).flatten();
                self.dirs.insert(dir.to_path_buf(), (d.clone(), folder.clone()));
                (d, folder)
            }
        };
        let candidate = resolved.join(name);
        let (kind, fp) = match &folder {
            Some(folder) => folder.entry(name)?,
            None => crate::fsutil::lstat(&candidate)?,
        };
        match kind {
            Kind::Symlink => Ok((candidate.canonicalize()?, None)),
            Kind::Regular => Ok((candidate, Some(fp))),
            _ => Ok((candidate, None)),
        }
    }
}

/// A provider's view of the plan's files: paths resolved with their folders once per plan
/// (a plain file costs one `lstat`, which its read then uses), files read through the
/// digest memo.
impl crate::provider::InputSource for std::cell::RefCell<&mut FileCache> {
    fn resolve(&self, path: &Path) -> std::io::Result<PathBuf> {
        let mut files = self.borrow_mut();
        let (canonical, fp) = files.canonical(path)?;
        files.resolved = fp.map(|fp| (canonical.clone(), fp));
        Ok(canonical)
    }

    fn input(&self, canonical: &Path, ext: &str) -> std::io::Result<InputFile> {
        self.borrow_mut().input_at(canonical, ext)
    }
}

/// Reads a referenced file, relative to the directive's source file, inside the project.
pub(super) fn read_input(
    root: &Path,
    d: &Directive,
    attr: &str,
    value: &str,
    files: &mut FileCache,
) -> Result<InputFile, Diagnostic> {
    let loc = d.attr_loc(attr);
    let base = d.loc.file.path.parent().unwrap_or(root);
    let path = base.join(value);
    let fail = |what: String, hint: String| Diagnostic::error(Code::Plan, what).at(loc.clone(), "this file").hint(hint);
    let (canonical, fp) = files.canonical(&path).map_err(|e| {
        fail(
            format!("cannot read {attr} file `{value}`: {}", io_reason(&e)),
            format!("paths are relative to the folder of {}", d.loc.file.name),
        )
    })?;
    if !canonical.starts_with(&files.canonical_root) {
        let marked = files.canonical_root.join("paperfig.toml").is_file();
        let root_note = if marked {
            String::new()
        } else {
            format!(
                "; the project is {}, as no folder above it holds a paperfig.toml: run paperfig in the paper's \
                 folder, or put a paperfig.toml (paperfig init) in the folder that holds everything the paper uses",
                files.canonical_root.display()
            )
        };
        return Err(fail(
            format!("{attr} file `{value}` is outside the project"),
            format!(
                "figures may only read files inside the project folder, so a build cannot leak other files{root_note}"
            ),
        ));
    }
    let ext = canonical.extension().and_then(|e| e.to_str()).unwrap_or("").to_string();
    files.input(&canonical, fp, &ext).map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::InvalidInput {
            "inputs are ordinary files (their contents are part of the figure's key)"
        } else {
            "check the file's permissions"
        };
        fail(format!("cannot read {attr} file `{value}`: {}", io_reason(&e)), hint.into())
    })
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_are_resolved_once_and_symlinks_still_followed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.join("data")).unwrap();
        std::fs::write(root.join("data/a.csv"), "a").unwrap();
        std::fs::write(outside.path().join("secret.csv"), "s").unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret.csv"), root.join("data/link.csv")).unwrap();
        std::os::unix::fs::symlink(outside.path(), root.join("away")).unwrap();
        let mut files = FileCache::new(root.clone(), None);
        assert_eq!(files.canonical(&root.join("data/a.csv")).unwrap().0, root.join("data/a.csv"));
        assert_eq!(files.canonical(&root.join("data/../data/a.csv")).unwrap().0, root.join("data/a.csv"));
        // a symlinked file and a file in a symlinked folder resolve to where they are
        let secret = outside.path().canonicalize().unwrap().join("secret.csv");
        assert_eq!(files.canonical(&root.join("data/link.csv")).unwrap().0, secret);
        assert_eq!(files.canonical(&root.join("away/secret.csv")).unwrap().0, secret);
        assert!(files.canonical(&root.join("data/none.csv")).is_err());
        assert!(files.canonical(&root.join("nowhere/a.csv")).is_err());
        assert_eq!(files.dirs.len(), 3, "{:?}", files.dirs);
    }

    /// The `lstat` taken by name in an opened folder is the file's own, in every folder,
    /// also past the folders kept open; a folder or a link gives none (the read decides).
    #[test]
    fn a_plain_file_is_fingerprinted_by_its_lstat_in_every_folder() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let mut files = FileCache::new(root.clone(), None);
        for i in 0..OPEN_FOLDERS + 8 {
            let file = root.join(format!("d{i}/a.csv"));
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(&file, format!("{i}")).unwrap();
            let (canonical, fp) = files.canonical(&file).unwrap();
            assert_eq!(canonical, file);
            assert_eq!(fp, Some(Fingerprint::of(&std::fs::symlink_metadata(&file).unwrap())), "{i}");
        }
        let open = files.dirs.values().filter(|(_, f)| f.is_some()).count();
        assert_eq!(open, OPEN_FOLDERS);
        assert_eq!(files.canonical(&root.join("d0")).unwrap(), (root.join("d0"), None));
        std::os::unix::fs::symlink(root.join("d1/a.csv"), root.join("d0/link.csv")).unwrap();
        assert_eq!(files.canonical(&root.join("d0/link.csv")).unwrap(), (root.join("d1/a.csv"), None));
    }

    /// A provider resolving its own inputs through the plan (`PrepareContext::resolve`) gets
    /// what `canonicalize` gives, links and `..` included, and the file read after it.
    #[test]
    fn a_provider_resolves_through_the_plan_as_canonicalize_would() {
        use crate::provider::{PrepareContext, Unresolved};
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let base = root.join("chapter");
        std::fs::create_dir_all(&base).unwrap();
        std::fs::create_dir_all(root.join("data")).unwrap();
        std::fs::write(root.join("data/a.csv"), "x,y\n").unwrap();
        std::fs::write(outside.path().join("secret.csv"), "s").unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret.csv"), root.join("data/link.csv")).unwrap();
        std::os::unix::fs::symlink(root.join("data/a.csv"), base.join("inside.csv")).unwrap();
        let mut cache = FileCache::new(root.clone(), None);
        let files = std::cell::RefCell::new(&mut cache);
        let planned = PrepareContext { files: Some(&files), ..PrepareContext::new(&root, &base) };
        let plain = PrepareContext::new(&root, &base);
        for rel in ["../data/a.csv", "inside.csv", "../data/./a.csv", "../data/link.csv", "../../x.csv", "none.csv"] {
            let show = |r: Result<PathBuf, Unresolved>| match r {
                Ok(p) => format!("ok {}", p.display()),
                Err(Unresolved::Outside) => "outside".to_string(),
                Err(Unresolved::Io(e)) => format!("io {:?}", e.kind()),
            };
            assert_eq!(show(planned.resolve(rel)), show(plain.resolve(rel)), "{rel}");
        }
        let Ok(a) = planned.resolve("inside.csv") else { panic!("inside.csv resolves") };
        assert_eq!(a, root.join("data/a.csv"));
        assert_eq!(planned.input(&a, "csv").unwrap().bytes.as_slice(), b"x,y\n");
        assert!(matches!(planned.resolve("../data/link.csv"), Err(Unresolved::Outside)));
    }
}
