//! Maintenance of the local store: `verify` (and `repair`) re-checks everything; `gc` deletes
//! what no current figure needs.
//!
//! Both may run while builds write to the store. They only delete after re-checking a file,
//! never touch objects or temp files younger than [`GC_GRACE`] when collecting, and never
//! remove shard directories (a concurrent writer may be renaming into one).

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::fs::{self, Metadata};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use rayon::prelude::*;

use super::{ACTION_EXT, ACTIONS, BadAction, GC_GRACE, LocalStore, OBJECTS, TMP, digest_from_parts, parse_action};
use crate::digest::Digest;
use crate::store::{Lookup, Store};

/// What `verify` found. Clean when `problems` is empty.
#[derive(Debug, Default)]
pub struct VerifyReport {
    /// Objects re-hashed.
    pub objects: usize,
    /// Action entries checked.
    pub actions: usize,
    pub problems: Vec<Problem>,
}

impl VerifyReport {
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}

/// One thing wrong with one file of the store.
#[derive(Debug, Clone)]
pub struct Problem {
    pub path: PathBuf,
    pub kind: ProblemKind,
    /// What is wrong, for people.
    pub detail: String,
    /// Whether `repair` (or `gc`) deleted the file.
    pub removed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// An object whose contents do not hash to its name.
    CorruptObject,
    /// An action entry that does not parse, or records a wrong size for an output.
    CorruptAction,
    /// An action entry whose `key` differs from the key in its file name.
    WrongKey,
    /// An action entry that references an object that is missing or corrupt.
    MissingObject,
    /// A file or directory that is not part of the layout (left alone, even by `repair`).
    Stray,
    /// The file could not be read or deleted.
    Io,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.detail)?;
        if self.removed {
            f.write_str(" (removed)")?;
        }
        Ok(())
    }
}

/// What `gc` deleted and kept.
#[derive(Debug, Default)]
pub struct GcReport {
    pub actions_removed: usize,
    pub actions_kept: usize,
    pub objects_removed: usize,
    pub objects_kept: usize,
    pub temps_removed: usize,
    pub bytes_freed: u64,
    /// Files that could not be read or deleted.
    pub errors: Vec<Problem>,
}

/// A file found under `objects/` or `actions/` whose name is a valid digest.
struct Found {
    path: PathBuf,
    digest: Digest,
    meta: Metadata,
}

impl LocalStore {
    /// Re-hashes every object, parses every action entry, checks each entry's key against its
    /// file name and that every object it references exists with the recorded size.
    pub fn verify(&self) -> VerifyReport {
        self.check(false)
    }

    /// Like [`verify`](Self::verify), and deletes corrupt objects and bad entries (each after
    /// re-checking it), so the next build regenerates them. Stray files are left alone.
    pub fn repair(&self) -> VerifyReport {
        self.check(true)
    }

    fn check(&self, repair: bool) -> VerifyReport {
        let mut report = VerifyReport::default();
        let objects = self.list_sharded(OBJECTS, "", &mut report.problems);
        report.objects = objects.len();
        let hashed: Vec<(&Found, io::Result<Digest>)> =
            objects.par_iter().map(|f| (f, fs::read(&f.path).map(|b| Digest::of(&b)))).collect();
        let mut good: HashMap<Digest, u64> = HashMap::new();
        for (f, result) in hashed {
            match result {
                Ok(actual) if actual == f.digest => {
                    good.insert(f.digest, f.meta.len());
                }
                Ok(actual) => {
                    // A build may have replaced it with the right bytes since we read it.
                    let still_bad = |_: &Path| matches!(self.get_object(&f.digest), Ok(Lookup::Corrupt(_)));
                    let detail = format!("contents hash to {actual}, not to the name");
                    report.problems.push(self.problem(&f.path, ProblemKind::CorruptObject, detail, repair, still_bad));
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {} // removed meanwhile
                Err(e) => report.problems.push(io_problem(&f.path, e)),
            }
        }

        let actions = self.list_sharded(ACTIONS, ACTION_EXT, &mut report.problems);
        report.actions = actions.len();
        for f in &actions {
            let bytes = match fs::read(&f.path) {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => {
                    report.problems.push(io_problem(&f.path, e));
                    continue;
                }
            };
            let Some((kind, detail)) = self.check_action(&f.digest, &bytes, &good) else { continue };
            // Delete only if the file still holds what we judged (a build may have replaced it).
            let unchanged = |p: &Path| fs::read(p).is_ok_and(|now| now == bytes);
            report.problems.push(self.problem(&f.path, kind, detail, repair, unchanged));
        }
        report
    }

    /// What is wrong with one action entry, if anything.
    fn check_action(&self, key: &Digest, bytes: &[u8], good: &HashMap<Digest, u64>) -> Option<(ProblemKind, String)> {
        let entry = match parse_action(bytes, key) {
            Ok(e) => e,
            Err(e @ BadAction::Unparsable(_)) => return Some((ProblemKind::CorruptAction, e.to_string())),
            Err(e @ BadAction::WrongKey(_)) => return Some((ProblemKind::WrongKey, e.to_string())),
        };
        for (format, output) in &entry.outputs {
            // Not in the scan: perhaps stored since by a concurrent build; look directly.
            let size = good.get(&output.digest).copied().or_else(|| match self.get_object(&output.digest) {
                Ok(Lookup::Hit(b)) => Some(b.len() as u64),
                _ => None,
            });
            match size {
                None => {
                    let detail = format!("its {format} output {} is missing or corrupt", output.digest);
                    return Some((ProblemKind::MissingObject, detail));
                }
                Some(size) if size != output.size => {
                    let detail =
                        format!("records {} bytes for its {format} output, the object has {size}", output.size);
                    return Some((ProblemKind::CorruptAction, detail));
                }
                Some(_) => {}
            }
        }
        None
    }

    /// Builds a problem, deleting the file first when repairing and `confirm` still holds.
    fn problem(
        &self,
        path: &Path,
        kind: ProblemKind,
        detail: String,
        repair: bool,
        confirm: impl Fn(&Path) -> bool,
    ) -> Problem {
        let mut p = Problem { path: path.to_path_buf(), kind, detail, removed: false };
        if repair && confirm(path) {
            match fs::remove_file(path) {
                Ok(()) => p.removed = true,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => p.detail = format!("{}; could not remove it: {e}", p.detail),
            }
        }
        p
    }

    /// Deletes action entries whose key is not in `live_keys` and that were last written more
    /// than `max_age` ago, then objects that no remaining entry references, and temp files;
    /// objects and temp files younger than [`GC_GRACE`] are always kept.
    pub fn gc(&self, live_keys: &HashSet<Digest>, max_age: Duration) -> GcReport {
        let now = SystemTime::now();
        // A modification time in the future (clock skew) counts as age zero.
        let age = |m: &Metadata| m.modified().ok().and_then(|t| now.duration_since(t).ok()).unwrap_or_default();
        let mut report = GcReport::default();
        let mut ignored = Vec::new();

        let mut referenced: HashSet<Digest> = HashSet::new();
        for f in self.list_sharded(ACTIONS, ACTION_EXT, &mut ignored) {
            if live_keys.contains(&f.digest) || age(&f.meta) < max_age {
                report.actions_kept += 1;
                // An unreadable or corrupt entry protects nothing; it will be rebuilt anyway.
                let entry = fs::read(&f.path).ok().and_then(|b| parse_action(&b, &f.digest).ok());
                referenced.extend(entry.iter().flat_map(|e| e.objects().map(|o| o.digest)));
            } else {
                remove_counted(&f.path, f.meta.len(), &mut report, |r| r.actions_removed += 1);
            }
        }

        for f in self.list_sharded(OBJECTS, "", &mut ignored) {
            if referenced.contains(&f.digest) || age(&f.meta) < GC_GRACE {
                report.objects_kept += 1;
            } else {
                remove_counted(&f.path, f.meta.len(), &mut report, |r| r.objects_removed += 1);
            }
        }

        let tmp = self.root.join(TMP);
        for entry in read_dir_or_empty(&tmp, &mut report.errors) {
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_file() && age(&meta) >= GC_GRACE {
                remove_counted(&entry.path(), meta.len(), &mut report, |r| r.temps_removed += 1);
            }
        }
        report.errors.extend(ignored.into_iter().filter(|p| p.kind == ProblemKind::Io));
        report
    }

    /// Files `<sub>/<2 hex>/<62 hex><ext>`; anything else under `sub` becomes a `Stray` problem.
    fn list_sharded(&self, sub: &str, ext: &str, problems: &mut Vec<Problem>) -> Vec<Found> {
        let mut found = Vec::new();
        let stray = |path: PathBuf, what: &str| Problem {
            path,
            kind: ProblemKind::Stray,
            detail: format!("{what} that is not part of the cache layout"),
            removed: false,
        };
        for shard in read_dir_or_empty(&self.root.join(sub), problems) {
            let shard_name = shard.file_name().to_string_lossy().into_owned();
            let is_shard = shard_name.len() == 2 && digest_from_parts(&shard_name, &"0".repeat(62)).is_some();
            if !is_shard || !shard.file_type().is_ok_and(|t| t.is_dir()) {
                problems.push(stray(shard.path(), "an entry"));
                continue;
            }
            for file in read_dir_or_empty(&shard.path(), problems) {
                let path = file.path();
                let name = file.file_name().to_string_lossy().into_owned();
                let digest = name.strip_suffix(ext).and_then(|rest| digest_from_parts(&shard_name, rest));
                let meta = match file.metadata() {
                    Ok(m) => m,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                    Err(e) => {
                        problems.push(io_problem(&path, e));
                        continue;
                    }
                };
                match digest {
                    Some(digest) if meta.is_file() => found.push(Found { path, digest, meta }),
                    _ => problems.push(stray(path, if meta.is_file() { "a file" } else { "an entry" })),
                }
            }
        }
        found
    }
}

fn remove_counted(path: &Path, len: u64, report: &mut GcReport, count: impl FnOnce(&mut GcReport)) {
    match fs::remove_file(path) {
        Ok(()) => {
            report.bytes_freed += len;
            count(report);
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => report.errors.push(io_problem(path, e)),
    }
}

/// The entries of a directory; a missing directory is empty, other errors become problems.
fn read_dir_or_empty(dir: &Path, problems: &mut Vec<Problem>) -> Vec<fs::DirEntry> {
    match fs::read_dir(dir) {
        Ok(rd) => rd.filter_map(|e| e.map_err(|e| problems.push(io_problem(dir, e))).ok()).collect(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(e) => {
            problems.push(io_problem(dir, e));
            Vec::new()
        }
    }
}

fn io_problem(path: &Path, e: io::Error) -> Problem {
    Problem { path: path.to_path_buf(), kind: ProblemKind::Io, detail: e.to_string(), removed: false }
}
