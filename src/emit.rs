//! Stage 5, emit: put finished figures where Markdown and LaTeX can include them.
//!
//! Each figure's outputs are copied from the store to `<output dir>/<stem>.<ext>`
//! (`fig:acc` → `fig-acc.pdf`), only when their bytes differ, so tools that watch the
//! folder (mdbook serve, latexmk -pvc) see no change on a no-op build. `manifest.json`
//! in the same folder lists every figure with its label, caption, key and files; it is
//! what the LaTeX package and the document writers read. It also remembers each file's
//! size and mtime so that a no-op build needs one `stat` per file, not a re-hash.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

use crate::digest::Digest;
use crate::fsutil;
use crate::provider::Format;
use crate::store::{ActionEntry, Lookup, Store, StoreError};

pub const MANIFEST: &str = "manifest.json";

/// One output file as written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutputFile {
    /// File name inside the output folder.
    pub file: String,
    pub digest: Digest,
    pub size: u64,
    /// Modification time in ns when paperfig wrote it (a fast-path hint, never a key input).
    pub mtime_ns: u128,
}

/// One figure in the manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ManifestFigure {
    pub label: Option<String>,
    pub caption: Option<String>,
    pub kind: String,
    /// `file:line` of the directive.
    pub source: String,
    pub key: Digest,
    pub outputs: BTreeMap<Format, OutputFile>,
}

/// `manifest.json`: figure name → figure.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub version: u32,
    pub figures: BTreeMap<String, ManifestFigure>,
}

impl Manifest {
    pub fn read(dir: &Path) -> Manifest {
        std::fs::read(dir.join(MANIFEST))
            .ok()
            .and_then(|b| serde_json::from_slice::<Manifest>(&b).ok())
            .filter(|m| m.version == 1)
            .unwrap_or_default()
    }

    /// Writes the manifest if its contents changed.
    pub fn write(&self, dir: &Path) -> std::io::Result<bool> {
        let mut m = self.clone();
        m.version = 1;
        let mut text = serde_json::to_string_pretty(&m).map_err(std::io::Error::other)?;
        text.push('\n');
        fsutil::write_if_changed(&dir.join(MANIFEST), text.as_bytes())
    }
}

/// Why outputs could not be placed.
#[derive(Debug, thiserror::Error)]
pub enum EmitError {
    /// The store lost or damaged an object the entry names; the figure must be rebuilt.
    #[error("cached output {0} is missing or damaged")]
    Damaged(Digest),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
}

fn mtime_ns(meta: &std::fs::Metadata) -> u128 {
    meta.modified().ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos())
}

/// Places a figure's outputs in `dir` as `<stem>.<ext>`. `previous` is what the last
/// manifest said about this figure's files; `fresh` holds outputs just made (by format),
/// which are written from memory instead of being read back from the store.
pub fn place(
    store: &dyn Store,
    entry: &ActionEntry,
    formats: &[Format],
    dir: &Path,
    stem: &str,
    previous: Option<&ManifestFigure>,
    fresh: Option<&BTreeMap<Format, Vec<u8>>>,
) -> Result<BTreeMap<Format, OutputFile>, EmitError> {
    let mut placed = BTreeMap::new();
    for &format in formats {
        let Some(out) = entry.outputs.get(&format) else {
            return Err(EmitError::Damaged(entry.key));
        };
        let file = format!("{stem}.{}", format.ext());
        let path = dir.join(&file);
        let meta = std::fs::metadata(&path).ok();
        let unchanged = previous.and_then(|p| p.outputs.get(&format)).zip(meta.as_ref()).is_some_and(|(prev, meta)| {
            prev.file == file && prev.digest == out.digest && prev.size == meta.len() && prev.mtime_ns == mtime_ns(meta)
        });
        if !unchanged {
            let stored;
            let bytes = match fresh.and_then(|f| f.get(&format)) {
                Some(b) => b,
                None => match store.get_object(&out.digest)? {
                    Lookup::Hit(b) => {
                        stored = b;
                        &stored
                    }
                    Lookup::Miss | Lookup::Corrupt(_) => return Err(EmitError::Damaged(out.digest)),
                },
            };
            let write = if meta.is_some() {
                fsutil::replace_if_changed(&path, bytes)
            } else {
                fsutil::replace(&path, bytes).map(|()| true)
            };
            write.map_err(|source| EmitError::Write { path: path.clone(), source })?;
        }
        let meta = std::fs::metadata(&path).map_err(|source| EmitError::Write { path: path.clone(), source })?;
        placed.insert(format, OutputFile { file, digest: out.digest, size: meta.len(), mtime_ns: mtime_ns(&meta) });
    }
    Ok(placed)
}

/// Deletes output files listed in `old` that `new` no longer lists.
pub fn remove_stale(dir: &Path, old: &Manifest, new: &Manifest) {
    let keep: std::collections::HashSet<&str> =
        new.figures.values().flat_map(|f| f.outputs.values().map(|o| o.file.as_str())).collect();
    for fig in old.figures.values() {
        for out in fig.outputs.values() {
            if !keep.contains(out.file.as_str()) {
                let _ = std::fs::remove_file(dir.join(&out.file));
            }
        }
    }
}
