//! Exactly-once submission: before polling starts, the task id a service returned is
//! written (atomically) to `.paperfig/hosted/<provider>/<key>.json`. A later build of the
//! same figure key finds it and resumes polling that task instead of submitting again, so
//! a build interrupted by Ctrl-C, `kill -9` or a crash never pays twice.
//!
//! An entry is removed once the figure is stored in the cache, or when the service reports
//! the task failed or canceled (a new build then submits afresh). It records the base URL
//! it was submitted to: a task id means nothing to another server, so an entry for a
//! different base URL is ignored. No secret is ever written here.
//!
//! The journal is shared by every process building the project, so a submission is
//! *claimed* first ([`Journal::claim`]): an exclusive lock on `<key>.claim` beside the
//! entry, held from before the submission until its task id is recorded. Another build of
//! the same figure waits for the claim, then finds the entry and polls the same task; the
//! kernel releases the lock of a process that dies, so a crash never leaves a claim behind.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::digest::Digest;

/// One submitted task.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The service type (`paperbanana`).
    pub service: String,
    /// Where it was submitted (without credentials).
    pub base_url: String,
    pub task_id: String,
    /// Seconds since the Unix epoch.
    pub submitted_at: u64,
}

/// The journal of one provider.
#[derive(Clone, Debug)]
pub struct Journal {
    dir: PathBuf,
}

impl Journal {
    /// The journal of provider `name` under the cache folder.
    pub fn new(cache_dir: &Path, name: &str) -> Journal {
        Journal { dir: cache_dir.join("hosted").join(name) }
    }

    fn path(&self, key: &Digest) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    /// The folder the entries are in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Claims the submission of `key` for this process, waiting while another process
    /// holds it (calling `on_wait` once), until `deadline`. After a wait the other process
    /// has usually recorded its task: read the journal again before submitting.
    pub fn claim(&self, key: &Digest, deadline: Instant, on_wait: &dyn Fn()) -> Result<Claim, ClaimError> {
        let path = self.dir.join(format!("{key}.claim"));
        let io = |source: std::io::Error| ClaimError::Io { path: path.clone(), source };
        std::fs::create_dir_all(&self.dir).map_err(io)?;
        let mut waited = false;
        loop {
            let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path).map_err(io)?;
            if lock::try_exclusive(&file).map_err(io)? {
                // The holder before us removes the file as it releases it: a lock on a file
                // no longer at `path` claims nothing, so open the one there now.
                if lock::same_file(&file, &path) {
                    return Ok(Claim { path, _file: file });
                }
                continue;
            }
            drop(file);
            if !waited {
                on_wait();
                waited = true;
            }
            if Instant::now() >= deadline {
                return Err(ClaimError::Busy { path });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The task submitted for `key` to `base_url`, if any. Unreadable entries count as none.
    pub fn get(&self, key: &Digest, base_url: &str) -> Option<Entry> {
        let bytes = std::fs::read(self.path(key)).ok()?;
        let e: Entry = serde_json::from_slice(&bytes).ok()?;
        (e.base_url == base_url).then_some(e)
    }

    /// Records a submitted task; durable before this returns.
    pub fn record(&self, key: &Digest, entry: &Entry) -> std::io::Result<()> {
        let bytes = serde_json::to_vec_pretty(entry).map_err(std::io::Error::other)?;
        crate::fsutil::write_atomic(&self.path(key), &bytes)
    }

    /// Records the images (by digest, in the service's order) a task returned for a request
    /// that `base` names without its `figure=` (best effort: without it, another figure
    /// number of the same request is asked for anew).
    pub fn record_images(&self, base: &Digest, images: &[Digest]) {
        let text: String = images.iter().map(|d| format!("{}\n", d.hex())).collect();
        let _ = std::fs::create_dir_all(&self.dir);
        let _ = crate::fsutil::write_atomic(&self.dir.join(format!("{base}.images")), text.as_bytes());
    }

    /// The images recorded for `base` (see [`Journal::record_images`]), if any.
    pub fn images(&self, base: &Digest) -> Option<Vec<Digest>> {
        let text = std::fs::read_to_string(self.dir.join(format!("{base}.images"))).ok()?;
        let all: Option<Vec<Digest>> = text.lines().map(Digest::parse).collect();
        all.filter(|a| a.len() > 1)
    }

    /// Forgets the task of `key` (stored, failed or canceled).
    pub fn remove(&self, key: &Digest) {
        let _ = std::fs::remove_file(self.path(key));
    }

    /// Number of tasks waiting to be resumed.
    pub fn pending(&self) -> usize {
        std::fs::read_dir(&self.dir).map_or(0, |d| {
            d.filter_map(Result::ok).filter(|e| e.path().extension().is_some_and(|x| x == "json")).count()
        })
    }
}

/// A held claim on one figure's submission; released (and its file removed) when dropped,
/// or by the kernel when the process dies.
#[derive(Debug)]
pub struct Claim {
    path: PathBuf,
    _file: File,
}

impl Drop for Claim {
    fn drop(&mut self) {
        // Removed while still locked, so no process can lock this file after us (see `claim`).
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Why a submission could not be claimed.
#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    #[error("cannot create the claim file {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    /// Another process held the claim until the deadline.
    #[error("another paperfig build held {} (it is submitting this figure) until the timeout", path.display())]
    Busy { path: PathBuf },
}

#[cfg(unix)]
mod lock {
    use std::fs::File;
    use std::os::unix::fs::MetadataExt;
    use std::os::unix::io::AsRawFd;
    use std::path::Path;

    /// `flock(LOCK_EX | LOCK_NB)`: true when taken, false when another open file holds it.
    pub fn try_exclusive(file: &File) -> std::io::Result<bool> {
        // SAFETY: flock on a file descriptor this `File` owns for the whole call.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
            return Ok(true);
        }
        let e = std::io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EWOULDBLOCK) | Some(libc::EINTR) => Ok(false),
            _ => Err(e),
        }
    }

    /// Whether `file` is the file now at `path`.
    pub fn same_file(file: &File, path: &Path) -> bool {
        match (file.metadata(), std::fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
}

/// Without `flock` there is no cross-process claim: concurrent builds may each submit (the
/// journal still resumes tasks across builds run one after another).
#[cfg(not(unix))]
mod lock {
    use std::fs::File;
    use std::path::Path;

    pub fn try_exclusive(_file: &File) -> std::io::Result<bool> {
        Ok(true)
    }

    pub fn same_file(_file: &File, _path: &Path) -> bool {
        true
    }
}

/// Now, in seconds since the Unix epoch.
pub fn now_unix() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_finds_and_forgets() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::new(dir.path(), "pb");
        let key = Digest::of(b"figure");
        assert_eq!(j.get(&key, "http://a"), None);
        let e =
            Entry { service: "paperbanana".into(), base_url: "http://a".into(), task_id: "t1".into(), submitted_at: 5 };
        j.record(&key, &e).unwrap();
        assert_eq!(j.get(&key, "http://a"), Some(e));
        assert_eq!(j.get(&key, "http://b"), None, "a task id is only valid on its own server");
        assert_eq!(j.pending(), 1);
        j.remove(&key);
        assert_eq!(j.get(&key, "http://a"), None);
        assert_eq!(j.pending(), 0);
    }

    #[cfg(unix)]
    #[test]
    fn a_claim_is_exclusive_until_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (Journal::new(dir.path(), "pb"), Journal::new(dir.path(), "pb"));
        let key = Digest::of(b"figure");
        let soon = || Instant::now() + Duration::from_millis(200);
        let held = a.claim(&key, soon(), &|| {}).unwrap();
        let waited = std::cell::Cell::new(false);
        let busy = b.claim(&key, soon(), &|| waited.set(true));
        assert!(matches!(busy, Err(ClaimError::Busy { .. })), "{busy:?}");
        assert!(waited.get(), "the wait is reported");
        drop(held);
        let again = b.claim(&key, soon(), &|| panic!("nobody holds it")).unwrap();
        drop(again);
        assert_eq!(std::fs::read_dir(dir.path().join("hosted/pb")).unwrap().count(), 0, "claims leave no file");
    }
}
