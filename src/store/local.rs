//! The local store under `.paperfig/`: objects by content digest, action entries by key,
//! written atomically, verified on read, shared safely by concurrent builds without locks.
//!
//! # Layout (version [`LAYOUT_VERSION`])
//!
//! ```text
//! .paperfig/VERSION                      layout version, a decimal number
//! .paperfig/objects/<2 hex>/<62 hex>     raw bytes of the object with that sha256
//! .paperfig/actions/<2 hex>/<62 hex>.json  serde_json `ActionEntry` for that key
//! .paperfig/tmp/                         temp files, renamed into place when complete
//! ```
//!
//! The directory is created on the first write; reading a store that does not exist yet is
//! a miss. A store whose `VERSION` is newer than this build is refused at `open`.
//!
//! # Why concurrent builds cannot corrupt it
//!
//! There are no locks; safety comes from how files reach their final names.
//!
//! * A final path only ever appears through `rename(2)` of a fully written temp file from
//!   `tmp/` (same filesystem), so a reader sees a complete file or none. Nothing writes to
//!   a final path in place. The temp file is fsynced first unless the figure is
//!   [`Durability::Rebuildable`]: then a power cut may leave a torn file, which a read
//!   reports as `Corrupt` (see below) and the build makes again.
//! * Object names are the digest of their contents, so two processes storing "the same"
//!   object write identical bytes and either rename wins with the same result. Reads
//!   re-hash and report `Corrupt` on any mismatch (disk damage, a user editing the file).
//! * An action entry's name is its key and it carries the key inside, checked on read. Two
//!   builds of one key (e.g. a non-deterministic AI provider) may write different entries;
//!   each is complete and references objects stored before it, so whichever rename lands
//!   last is a valid answer. Temp files carry pid + counter + random and are opened with
//!   `create_new`, so writers never share one.
//! * Objects are stored before the entry that references them, so an entry never points
//!   at an object that was not yet there. `gc` honours that order with a grace period
//!   (see `maint.rs`): it never deletes objects or temp files younger than [`GC_GRACE`],
//!   and `put_object` refreshes an existing object's mtime so a build reusing an old object
//!   protects it too.
//!
//! What it does not guard against: a `gc` racing a build that stored its objects more than
//! [`GC_GRACE`] before writing the entry. The outcome is an entry whose object is missing:
//! a `Miss` on `get_object` (never wrong bytes), which the build treats as a miss.

pub mod maint;
#[cfg(test)]
mod tests;

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use super::{ActionEntry, Durability, Lookup, Store, StoreError};
use crate::digest::Digest;
use crate::fsutil;

/// The layout version this build reads and writes.
pub const LAYOUT_VERSION: u32 = 1;

/// Objects and temp files younger than this are never garbage-collected: a concurrent build
/// writes its objects before the action entry that references them.
pub const GC_GRACE: Duration = Duration::from_secs(60 * 60);

const OBJECTS: &str = "objects";
const ACTIONS: &str = "actions";
const TMP: &str = "tmp";
const VERSION_FILE: &str = "VERSION";
const ACTION_EXT: &str = ".json";

/// A content-addressed store in a local directory (normally `<project>/.paperfig`).
#[derive(Debug)]
pub struct LocalStore {
    root: PathBuf,
    /// Whether `VERSION` and `tmp/` are known to exist (checked once per process).
    initialized: AtomicBool,
}

impl LocalStore {
    /// Opens the store in `dir` without creating anything. Fails if `dir` holds a layout
    /// from a newer paperfig or an unreadable `VERSION` file.
    pub fn open(dir: &Path) -> Result<LocalStore, StoreError> {
        let store = LocalStore { root: dir.to_path_buf(), initialized: AtomicBool::new(false) };
        store.check_version()?;
        Ok(store)
    }

    /// The store's directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    pub(crate) fn object_path(&self, digest: &Digest) -> PathBuf {
        let hex = digest.hex();
        self.root.join(OBJECTS).join(&hex[..2]).join(&hex[2..])
    }

    pub(crate) fn action_path(&self, key: &Digest) -> PathBuf {
        let hex = key.hex();
        self.root.join(ACTIONS).join(&hex[..2]).join(format!("{}{ACTION_EXT}", &hex[2..]))
    }

    fn tmp_dir(&self) -> PathBuf {
        self.root.join(TMP)
    }

    /// Reads `VERSION`: absent is fine (a new or pre-VERSION store), newer is an error.
    fn check_version(&self) -> Result<Option<u32>, StoreError> {
        let path = self.root.join(VERSION_FILE);
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_err(&path, e)),
        };
        let layout = |reason: String| StoreError::Layout { path: path.display().to_string(), reason };
        let found: u32 = text
            .trim()
            .parse()
            .map_err(|_| layout(format!("expected a layout version number, found `{}`", text.trim())))?;
        if found > LAYOUT_VERSION {
            return Err(layout(format!(
                "the cache has layout version {found}, but this paperfig only understands \
                 version {LAYOUT_VERSION}; upgrade paperfig, or point it at another cache directory"
            )));
        }
        Ok(Some(found))
    }

    /// Creates the directory, `tmp/` and `VERSION` before the first write of this process.
    fn ensure_init(&self) -> Result<(), StoreError> {
        if self.initialized.load(Ordering::Acquire) {
            return Ok(());
        }
        let tmp = self.tmp_dir();
        fs::create_dir_all(&tmp).map_err(|e| io_err(&tmp, e))?;
        // Re-check: another (possibly newer) paperfig may have created the store since `open`.
        if self.check_version()?.is_none() {
            let path = self.root.join(VERSION_FILE);
            fsutil::write_atomic_in(&path, format!("{LAYOUT_VERSION}\n").as_bytes(), &tmp)
                .map_err(|e| io_err(&path, e))?;
        }
        self.initialized.store(true, Ordering::Release);
        Ok(())
    }

    fn write(&self, path: &Path, bytes: &[u8], durability: Durability) -> Result<(), StoreError> {
        self.ensure_init()?;
        let tmp = self.tmp_dir();
        match durability {
            Durability::Durable => fsutil::write_atomic_in(path, bytes, &tmp),
            Durability::Rebuildable => fsutil::replace_in(path, bytes, &tmp),
        }
        .map_err(|e| io_err(path, e))
    }

    /// If the object exists with exactly these bytes, refreshes its mtime (so `gc` sees it as
    /// young while the caller's build goes on to reference it) and returns true.
    /// A durable put flushes the object it found: a rebuildable figure may have written the
    /// same bytes unflushed.
    fn existing_object_matches(&self, path: &Path, bytes: &[u8], durability: Durability) -> Result<bool, StoreError> {
        let file = match File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(io_err(path, e)),
        };
        if !fsutil::file_has_contents(&file, bytes).map_err(|e| io_err(path, e))? {
            // Damaged or a stray non-file: replace it (rename over it) with the right bytes.
            return Ok(false);
        }
        if durability == Durability::Durable {
            file.sync_all().map_err(|e| io_err(path, e))?;
        }
        // Best effort: a read-only object owned by someone else keeps its old mtime.
        let _ = file.set_modified(SystemTime::now());
        // A gc may have unlinked the file we hold open; then write it again.
        Ok(path.is_file())
    }
}

impl Store for LocalStore {
    fn describe(&self) -> String {
        format!("local cache at {}", self.root.display())
    }

    /// A probe file created and removed in `tmp/`, `objects/` and `actions/`, where every
    /// write goes (through `tmp/`, renamed into the other two).
    fn check_writable(&self) -> Result<(), StoreError> {
        self.ensure_init()?;
        for dir in [TMP, OBJECTS, ACTIONS].map(|d| self.root.join(d)) {
            fsutil::probe_writable(&dir).map_err(|e| io_err(&dir, e))?;
        }
        Ok(())
    }

    fn get_action(&self, key: &Digest) -> Result<Lookup<ActionEntry>, StoreError> {
        let path = self.action_path(key);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Lookup::Miss),
            Err(e) => return Err(io_err(&path, e)),
        };
        Ok(match parse_action(&bytes, key) {
            Ok(entry) => Lookup::Hit(entry),
            Err(reason) => Lookup::Corrupt(format!("action entry {}: {reason}", path.display())),
        })
    }

    fn put_action_as(&self, entry: &ActionEntry, durability: Durability) -> Result<(), StoreError> {
        // Refuse to record a dangling reference: objects must be stored first.
        for output in entry.objects() {
            let obj = self.object_path(&output.digest);
            if !obj.is_file() {
                let msg = format!("action entry for {} references an object that is not stored", entry.key);
                return Err(io_err(&obj, io::Error::new(io::ErrorKind::NotFound, msg)));
            }
        }
        let json = serde_json::to_vec_pretty(entry).expect("an ActionEntry always serialises");
        self.write(&self.action_path(&entry.key), &json, durability)
    }

    fn get_object(&self, digest: &Digest) -> Result<Lookup<Vec<u8>>, StoreError> {
        let path = self.object_path(digest);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Lookup::Miss),
            Err(e) => return Err(io_err(&path, e)),
        };
        let actual = Digest::of(&bytes);
        if actual != *digest {
            return Ok(Lookup::Corrupt(format!("object {}: contents hash to {actual}, not {digest}", path.display())));
        }
        Ok(Lookup::Hit(bytes))
    }

    fn put_object_as(&self, bytes: &[u8], durability: Durability) -> Result<Digest, StoreError> {
        let digest = Digest::of(bytes);
        let path = self.object_path(&digest);
        if !self.existing_object_matches(&path, bytes, durability)? {
            self.write(&path, bytes, durability)?;
        }
        Ok(digest)
    }

    /// Whether the object file exists; one `stat`, no read. `get_object` still verifies.
    fn has_object(&self, digest: &Digest) -> Result<bool, StoreError> {
        let path = self.object_path(digest);
        match fs::metadata(&path) {
            Ok(m) => Ok(m.is_file()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(io_err(&path, e)),
        }
    }
}

/// Why a stored action entry was rejected.
enum BadAction {
    Unparsable(serde_json::Error),
    /// Parsed, but answers a different key (misplaced or tampered with).
    WrongKey(Digest),
}

impl std::fmt::Display for BadAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BadAction::Unparsable(e) => write!(f, "unparsable: {e}"),
            BadAction::WrongKey(k) => write!(f, "holds the entry for another key, {k}"),
        }
    }
}

/// Parses an action entry and checks it answers `key`.
fn parse_action(bytes: &[u8], key: &Digest) -> Result<ActionEntry, BadAction> {
    let entry: ActionEntry = serde_json::from_slice(bytes).map_err(BadAction::Unparsable)?;
    if entry.key != *key {
        return Err(BadAction::WrongKey(entry.key));
    }
    Ok(entry)
}

/// Digest from a shard directory name and a file name (without extension).
fn digest_from_parts(shard: &str, rest: &str) -> Option<Digest> {
    if shard.len() != 2 || rest.len() != 62 {
        return None;
    }
    // Only lower-case hex is ours; `Digest::parse` would also accept upper case.
    let all_lower_hex = |s: &str| s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !all_lower_hex(shard) || !all_lower_hex(rest) {
        return None;
    }
    Digest::parse(&format!("{shard}{rest}"))
}

fn io_err(path: &Path, source: io::Error) -> StoreError {
    StoreError::Io { path: path.display().to_string(), source }
}
