//! The digests of input files from earlier builds, trusted while `stat` shows the file
//! unchanged, so a no-op build neither reads nor hashes its data files and cited PDFs.
//!
//! A figure's key needs only the SHA-256 of each input (`key.rs`); its contents matter only
//! when the figure is made. `<cache>/digests` maps a file's canonical path and fingerprint
//! (device, inode, size, mode, modification and change times in nanoseconds) to the digest
//! of its contents. A file whose fingerprint matches is planned as
//! [`InputFile::unread`](crate::model::InputFile::unread); any difference, even a touch,
//! reads and hashes it again. The change time cannot be set by a program, so a file
//! rewritten with the same size and an old modification time still differs.
//!
//! An entry is written only when the file's times are more than [`RACY`](crate::fsutil::RACY) old: a change
//! within the same clock tick as the fingerprint could not be told apart later (git's
//! "racy" index entries). The memo is one small text file, written atomically and only when
//! it changed; a damaged or foreign one is ignored. Losing it costs one read of each input.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::digest::Digest;

/// The memo's file name in the cache folder.
const FILE: &str = "digests";
/// First line of the file; bumped when the fingerprint or the layout changes.
const HEADER: &str = "paperfig-digests 1";
/// Entries kept at most: the ones this plan used first, then older ones.
const MAX_ENTRIES: usize = 100_000;

pub(super) use crate::fsutil::Fingerprint;

/// One line of the memo for a file at `path` with `fp`, holding `digest`.
fn line(fp: &Fingerprint, digest: &Digest, path: &str) -> String {
    format!("{} {} {path}\n", digest.hex(), fp.to_words())
}

/// A line of the memo, read back.
fn parse(line: &str) -> Option<(PathBuf, Fingerprint, Digest)> {
    let mut parts = line.splitn(8, ' ');
    let digest = Digest::parse(parts.next()?)?;
    let fp = Fingerprint::from_words(&mut parts)?;
    let path = PathBuf::from(parts.next()?);
    path.is_absolute().then_some((path, fp, digest))
}

/// The memo as loaded, and what this plan saw.
pub(super) struct DigestMemo {
    file: Option<PathBuf>,
    old: HashMap<PathBuf, (Fingerprint, Digest)>,
    /// Entries this plan used or made, in order.
    seen: Vec<(PathBuf, Fingerprint, Digest)>,
    changed: bool,
    now: SystemTime,
}

impl DigestMemo {
    /// The memo in `cache_dir`, or an empty one (`None`: never saved, for tests and callers
    /// without a cache).
    pub fn load(cache_dir: Option<&Path>) -> DigestMemo {
        let file = cache_dir.map(|d| d.join(FILE));
        let text = file.as_ref().and_then(|f| std::fs::read_to_string(f).ok()).unwrap_or_default();
        let mut lines = text.lines();
        let old = if lines.next() == Some(HEADER) {
            lines.filter_map(parse).map(|(p, fp, d)| (p, (fp, d))).collect()
        } else {
            HashMap::new()
        };
        DigestMemo { file, old, seen: Vec::new(), changed: false, now: crate::fsutil::clock() }
    }

    /// The digest of `path` (canonical) if the memo holds it for this very fingerprint.
    pub fn lookup(&mut self, path: &Path, fp: &Fingerprint) -> Option<Digest> {
        let (old_fp, digest) = self.old.get(path)?;
        if old_fp != fp || fp.racy(self.now) {
            return None;
        }
        let digest = *digest;
        self.seen.push((path.to_path_buf(), *fp, digest));
        Some(digest)
    }

    /// Remembers the digest of contents read after `fp` was taken, unless `fp` is racy or
    /// the path cannot be written on one line.
    pub fn record(&mut self, path: &Path, fp: &Fingerprint, digest: Digest) {
        let writable = path.to_str().is_some_and(|p| !p.contains('\n'));
        if !writable || fp.racy(self.now) {
            return;
        }
        self.changed |= self.old.get(path) != Some(&(*fp, digest));
        self.seen.push((path.to_path_buf(), *fp, digest));
    }

    /// Writes the memo if it changed: this plan's entries, then earlier ones it did not
    /// touch (up to [`MAX_ENTRIES`]). Errors are ignored: the memo only saves time.
    pub fn save(self) {
        let Some(file) = self.file.filter(|_| self.changed) else { return };
        if !file.parent().is_some_and(Path::is_dir) {
            return;
        }
        let mut text = format!("{HEADER}\n");
        let mut written = std::collections::HashSet::new();
        for (path, fp, digest) in &self.seen {
            if written.insert(path.as_path()) {
                text.push_str(&line(fp, digest, &path.to_string_lossy()));
            }
        }
        for (path, (fp, digest)) in &self.old {
            if written.len() >= MAX_ENTRIES {
                break;
            }
            if let Some(p) = path.to_str().filter(|_| written.insert(path.as_path())) {
                text.push_str(&line(fp, digest, p));
            }
        }
        // A cache: without fsync, so that the first build after a large one does not wait for
        // the disk to take in what that one wrote (a lost memo costs one read of each input).
        let _ = crate::fsutil::replace_if_changed(&file, text.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn aged(path: &Path) {
        let old = UNIX_EPOCH + Duration::from_secs(1_600_000_000);
        std::fs::File::options().write(true).open(path).unwrap().set_modified(old).unwrap();
    }

    #[test]
    fn a_digest_is_reused_only_for_the_same_fingerprint_and_never_while_racy() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache");
        std::fs::create_dir(&cache).unwrap();
        let file = dir.path().join("d.csv");
        std::fs::write(&file, "a,b\n1,2\n").unwrap();
        let fp = || Fingerprint::of(&std::fs::metadata(&file).unwrap());
        let digest = Digest::of(b"a,b\n1,2\n");

        // Just written: its change time is now, so nothing is recorded.
        let mut memo = DigestMemo::load(Some(&cache));
        memo.record(&file, &fp(), digest);
        memo.save();
        assert!(!cache.join(FILE).exists(), "a racy fingerprint was written");

        // With both times old enough (the change time read from a memo made a while ago).
        aged(&file);
        let mut memo = DigestMemo::load(Some(&cache));
        memo.now += Duration::from_secs(5);
        memo.record(&file, &fp(), digest);
        memo.save();
        let mut memo = DigestMemo::load(Some(&cache));
        memo.now += Duration::from_secs(5);
        assert_eq!(memo.lookup(&file, &fp()), Some(digest));
        assert_eq!(memo.lookup(&dir.path().join("other.csv"), &fp()), None);

        // Rewritten with the same size and its old modification time put back: the change
        // time differs, so the memo no longer answers.
        let before = fp();
        std::thread::sleep(Duration::from_millis(30)); // past the file system's clock tick
        std::fs::write(&file, "a,b\n1,3\n").unwrap();
        aged(&file);
        let after = fp();
        assert_eq!((before.size, before.mtime_ns), (after.size, after.mtime_ns));
        let mut memo = DigestMemo::load(Some(&cache));
        memo.now += Duration::from_secs(5);
        assert_eq!(memo.lookup(&file, &after), None);
    }

    #[test]
    fn damaged_or_foreign_memos_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let d = Digest::of(b"x");
        for text in [
            "something else\n".to_string(),
            format!("{HEADER}\nnot a line\n{} 1 2 3 4 5 6 relative/path\n", d.hex()),
            format!("{HEADER}\n{} -1 2 3 4 5 6 /abs\n", d.hex()),
        ] {
            std::fs::write(dir.path().join(FILE), text).unwrap();
            assert!(DigestMemo::load(Some(dir.path())).old.is_empty());
        }
        std::fs::write(dir.path().join(FILE), format!("{HEADER}\n{} 1 2 3 4 5 6 /a b\n", d.hex())).unwrap();
        let memo = DigestMemo::load(Some(dir.path()));
        assert_eq!(memo.old[Path::new("/a b")].1, d, "a path with a space");
    }
}
