//! Exactly-once submission: before polling starts, the task id a service returned is
//! written (atomically) to `.paperfig/hosted/<provider>/<key>.json`. A later build of the
//! same figure key finds it and resumes polling that task instead of submitting again, so
//! a build interrupted by Ctrl-C, `kill -9` or a crash never pays twice.
//!
//! An entry is removed once the figure is stored in the cache, or when the service reports
//! the task failed or canceled (a new build then submits afresh). It records the base URL
//! it was submitted to: a task id means nothing to another server, so an entry for a
//! different base URL is ignored. No secret is ever written here.

use std::path::{Path, PathBuf};

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
}
