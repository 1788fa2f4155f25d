//! Reading the files a directive references (`data=`, `script=`, a PDF): relative to the
//! directive's source file, never outside the project, each file read once per plan.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::diag::{Code, Diagnostic};
use crate::model::InputFile;
use crate::scan::Directive;

/// Files read during one plan, so a data file shared by many figures is read once.
pub(super) struct FileCache {
    pub files: HashMap<PathBuf, InputFile>,
    pub canonical_root: PathBuf,
    /// Folders resolved so far (symlinks followed), so that a plan of many figures asks the
    /// file system once per folder rather than once per folder per figure.
    pub dirs: HashMap<PathBuf, PathBuf>,
}

impl FileCache {
    pub fn new(canonical_root: PathBuf) -> FileCache {
        FileCache { files: HashMap::new(), canonical_root, dirs: HashMap::new() }
    }

    /// `path.canonicalize()`, with its folder resolved once per plan: a plain file costs
    /// one `lstat`; a symlinked file is resolved in full.
    fn canonical(&mut self, path: &Path) -> std::io::Result<PathBuf> {
        let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else { return path.canonicalize() };
        let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
        let resolved = match self.dirs.get(dir) {
            Some(d) => d.clone(),
            None => {
                let d = dir.canonicalize()?;
                self.dirs.insert(dir.to_path_buf(), d.clone());
                d
            }
        };
        let candidate = resolved.join(name);
        if std::fs::symlink_metadata(&candidate)?.file_type().is_symlink() {
            return candidate.canonicalize();
        }
        Ok(candidate)
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
    let canonical = files.canonical(&path).map_err(|e| {
        fail(
            format!("cannot read {attr} file `{value}`: {}", io_reason(&e)),
            format!("paths are relative to the folder of {}", d.loc.file.name),
        )
    })?;
    if !canonical.starts_with(&files.canonical_root) {
        return Err(fail(
            format!("{attr} file `{value}` is outside the project"),
            "figures may only read files inside the project folder, so a build cannot leak other files".into(),
        ));
    }
    if let Some(f) = files.files.get(&canonical) {
        return Ok(f.clone());
    }
    let bytes = crate::fsutil::read_regular(&canonical).map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::InvalidInput {
            "inputs are ordinary files (their contents are part of the figure's key)"
        } else {
            "check the file's permissions"
        };
        fail(format!("cannot read {attr} file `{value}`: {}", io_reason(&e)), hint.into())
    })?;
    let ext = canonical.extension().and_then(|e| e.to_str()).unwrap_or("");
    let file = InputFile::new(ext, bytes);
    files.files.insert(canonical, file.clone());
    Ok(file)
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
        let mut files = FileCache::new(root.clone());
        assert_eq!(files.canonical(&root.join("data/a.csv")).unwrap(), root.join("data/a.csv"));
        assert_eq!(files.canonical(&root.join("data/../data/a.csv")).unwrap(), root.join("data/a.csv"));
        // a symlinked file and a file in a symlinked folder resolve to where they are
        let secret = outside.path().canonicalize().unwrap().join("secret.csv");
        assert_eq!(files.canonical(&root.join("data/link.csv")).unwrap(), secret);
        assert_eq!(files.canonical(&root.join("away/secret.csv")).unwrap(), secret);
        assert!(files.canonical(&root.join("data/none.csv")).is_err());
        assert!(files.canonical(&root.join("nowhere/a.csv")).is_err());
        assert_eq!(files.dirs.len(), 3, "{:?}", files.dirs);
    }
}
