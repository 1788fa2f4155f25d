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
    let canonical = path.canonicalize().map_err(|e| {
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
