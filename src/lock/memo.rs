//! The memos that spare a build reading and merging `paperfig.lock` (see [`MergeMemo`]).

use std::path::Path;

use crate::digest::Digest;
use crate::fsutil::{self, Fingerprint};

/// The last merge of a project's lockfile, remembered in its cache folder: the digest of
/// the file as written and of what was merged into it (the figures built, and what decided
/// which old entries stay). Merging is idempotent (the merged entries replace theirs, the
/// rule keeps the same old ones), so when the file is still as written and the same is
/// merged again, the result is the file itself, and a build with nothing new neither
/// parses nor writes it.
///
/// Once the file has settled, the memo also keeps its fingerprint (see
/// [`crate::fsutil::Fingerprint`]): while `stat` still finds that fingerprint, the file is
/// known to hold the bytes the memo stands for without reading it.
///
/// The memo is written atomically but not synced: losing it costs a read, while syncing it
/// in the first build after a large one waited for the disk to take in all that one wrote.
pub struct MergeMemo {
    path: std::path::PathBuf,
}

/// What [`MergeMemo::check`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Check {
    /// Merging changes nothing.
    Settled,
    /// It may: the lockfile's bytes, or `None` when it cannot be read.
    Unsettled(Option<Vec<u8>>),
}

impl MergeMemo {
    /// The memo of the lockfile at `lock` (one per lockfile, in a shared cache too).
    pub fn new(cache_dir: &Path, lock: &Path) -> MergeMemo {
        MergeMemo::named(cache_dir, lock, "lock-merge")
    }

    /// The memo of the `[engine]` recorded in `lock` (see `record_engine`).
    pub fn engine(cache_dir: &Path, lock: &Path) -> MergeMemo {
        MergeMemo::named(cache_dir, lock, "lock-engine")
    }

    fn named(cache_dir: &Path, lock: &Path, what: &str) -> MergeMemo {
        let name = Digest::of(lock.as_os_str().as_encoded_bytes()).hex();
        MergeMemo { path: cache_dir.join(format!("{what}-{}", &name[..16])) }
    }

    /// Whether merging `merge` into the lockfile at `lock` changes nothing. The file is not
    /// read when it still has the settled fingerprint the memo keeps for the same merge;
    /// when it is read and the memo stands for its bytes, the memo learns its fingerprint
    /// if it has settled.
    pub fn check(&self, lock: &Path, merge: Digest) -> Check {
        let memo = std::fs::read_to_string(&self.path).unwrap_or_default();
        let (line, at) = MergeMemo::parts(&memo);
        let merged = line.strip_suffix(merge.hex().as_str()).is_some_and(|l| l.ends_with(' '));
        if merged && at.is_some() && Fingerprint::of_file(lock) == at {
            return Check::Settled;
        }
        let Ok((bytes, fingerprint)) = fsutil::read_fingerprinted(lock) else { return Check::Unsettled(None) };
        if format!("{line}\n") != MergeMemo::line(&bytes, merge) {
            return Check::Unsettled(Some(bytes));
        }
        if let Some(fp) = fingerprint.filter(|fp| at != Some(*fp)) {
            self.keep(line, fp);
        }
        Check::Settled
    }

    /// Keeps the lockfile's fingerprint `fp` in the memo when the memo stands for `bytes`,
    /// the lockfile as read with that settled fingerprint ([`MergeMemo::settle_all`]).
    fn settle(&self, bytes: &[u8], fp: Fingerprint) {
        let Ok(memo) = std::fs::read_to_string(&self.path) else { return };
        let (line, at) = MergeMemo::parts(&memo);
        if at != Some(fp) && line.starts_with(&MergeMemo::head(bytes)) {
            self.keep(line, fp);
        }
    }

    /// Keeps the lockfile's fingerprint in each of `memos` (the merge and the engine memo)
    /// when the file has settled and holds the bytes the memo stands for. A build that wrote
    /// the lockfile calls this once the file clock has ticked past the write, so that the
    /// next build need not read the file; it is read once here for all of them.
    pub fn settle_all(memos: &[MergeMemo], lock: &Path) {
        let Ok((bytes, Some(fp))) = fsutil::read_fingerprinted(lock) else { return };
        for memo in memos {
            memo.settle(&bytes, fp);
        }
    }

    /// The memo's line and the fingerprint it keeps, if any.
    fn parts(memo: &str) -> (&str, Option<Fingerprint>) {
        match memo.split_once(" at ") {
            Some((line, at)) => (line, Fingerprint::from_words(&mut at.split_whitespace())),
            None => (memo.trim_end_matches('\n'), None),
        }
    }

    fn keep(&self, line: &str, fp: Fingerprint) {
        let _ = fsutil::replace_if_changed(&self.path, format!("{line} at {}\n", fp.to_words()).as_bytes());
    }

    /// Remembers that merging `merge` gave the lockfile `lock` (best effort: a memo that
    /// cannot be written only costs the next build a parse).
    pub fn remember(&self, lock: &[u8], merge: Digest) {
        let _ = fsutil::replace_if_changed(&self.path, MergeMemo::line(lock, merge).as_bytes());
    }

    /// Carries the memo over to the lockfile's new bytes `to` when it stood for `from` and
    /// the change keeps every merge's result (the `[engine]` line, which merges keep).
    pub fn carry(&self, from: &[u8], to: &[u8]) {
        let Ok(text) = std::fs::read_to_string(&self.path) else { return };
        let (line, _) = MergeMemo::parts(&text);
        if let Some(merge) = line.strip_prefix(&MergeMemo::head(from)) {
            let _ = fsutil::replace_if_changed(&self.path, format!("{}{merge}\n", MergeMemo::head(to)).as_bytes());
        }
    }

    fn line(lock: &[u8], merge: Digest) -> String {
        format!("{}{}\n", MergeMemo::head(lock), merge.hex())
    }

    /// The memo's line up to the merge's digest.
    fn head(lock: &[u8]) -> String {
        format!("merge-memo/2 {} ", Digest::of(lock).hex())
    }
}
