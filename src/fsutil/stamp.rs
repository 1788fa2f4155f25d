//! What `stat` says of a file, to know without reading it that it still holds what was
//! read from it (the plan's input digests, the record of a build that needs no TeX).
//!
//! A fingerprint is the device, inode, size, mode, and modification and change times in
//! nanoseconds. Any write moves the change time (`ctime`), which no program can set back,
//! so a file rewritten with the same size and an old modification time still differs. A
//! fingerprint is only trusted later when both times lie [`RACY`] or more before the moment
//! it was taken: a change within the same clock tick could not be told apart (git's "racy"
//! index entries).

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Times younger than this (against the clock when the fingerprint was taken) keep a
/// fingerprint from being trusted later.
pub const RACY: Duration = Duration::from_secs(1);

/// What `stat` says about a file, as compared between builds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Fingerprint {
    pub dev: u64,
    pub ino: u64,
    pub size: u64,
    pub mode: u32,
    pub mtime_ns: i128,
    pub ctime_ns: i128,
}

impl Fingerprint {
    pub fn of(meta: &std::fs::Metadata) -> Fingerprint {
        let ns = |s: i64, n: i64| s as i128 * 1_000_000_000 + n as i128;
        Fingerprint {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
            mode: meta.mode(),
            mtime_ns: ns(meta.mtime(), meta.mtime_nsec()),
            ctime_ns: ns(meta.ctime(), meta.ctime_nsec()),
        }
    }

    /// The fingerprint of the regular file at `path` (symbolic links followed); `None`
    /// for anything else or when it cannot be read.
    pub fn of_file(path: &Path) -> Option<Fingerprint> {
        std::fs::metadata(path).ok().filter(|m| m.is_file()).map(|m| Fingerprint::of(&m))
    }

    /// The fingerprint of the folder at `path` (symbolic links followed): its times move
    /// whenever an entry is added, removed or renamed in it.
    pub fn of_dir(path: &Path) -> Option<Fingerprint> {
        std::fs::metadata(path).ok().filter(|m| m.is_dir()).map(|m| Fingerprint::of(&m))
    }

    /// Whether either time is too close to `now` (or in its future) to be trusted later.
    pub fn racy(&self, now: SystemTime) -> bool {
        let now = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as i128);
        let newest = self.mtime_ns.max(self.ctime_ns);
        now - newest < RACY.as_nanos() as i128
    }
}

/// Reads the regular file at `path`, with a fingerprint that stands for what was read: taken
/// before reading, equal after, and not racy; else `None`.
pub fn read_fingerprinted(path: &Path) -> std::io::Result<(Vec<u8>, Option<Fingerprint>)> {
    let now = SystemTime::now();
    let before = Fingerprint::of_file(path);
    let bytes = std::fs::read(path)?;
    let after = Fingerprint::of_file(path);
    Ok((bytes, before.filter(|b| Some(*b) == after && !b.racy(now))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fingerprint_changes_with_any_write_and_stands_for_contents_only_once_settled() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.pdf");
        std::fs::write(&f, b"one").unwrap();
        let first = Fingerprint::of_file(&f).unwrap();
        // Just written: a change in the same tick might not show, so it stands for nothing.
        let (bytes, kept) = read_fingerprinted(&f).unwrap();
        assert_eq!((bytes.as_slice(), kept), (&b"one"[..], None));
        assert!(first.racy(SystemTime::now()));
        assert!(!first.racy(SystemTime::now() + RACY + Duration::from_millis(10)));
        // Same length, new contents, the modification time set back: the change time moved.
        std::thread::sleep(Duration::from_millis(20));
        std::fs::write(&f, b"two").unwrap();
        let old = std::fs::File::options().write(true).open(&f).unwrap();
        old.set_modified(UNIX_EPOCH + Duration::from_nanos(first.mtime_ns as u64)).unwrap();
        let second = Fingerprint::of_file(&f).unwrap();
        assert_eq!((second.size, second.mtime_ns), (first.size, first.mtime_ns));
        assert_ne!(second, first);
        // Replaced by a rename: another inode.
        std::fs::write(dir.path().join("b"), b"two").unwrap();
        std::fs::rename(dir.path().join("b"), &f).unwrap();
        assert_ne!(Fingerprint::of_file(&f).unwrap().ino, second.ino);
        // Not a regular file: none.
        assert_eq!(Fingerprint::of_file(dir.path()), None);
        assert_eq!(Fingerprint::of_file(&dir.path().join("missing")), None);
    }
}
