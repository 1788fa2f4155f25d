//! Stage 3, cache: the `Store` trait (content-addressed objects plus action entries
//! key → outputs) and its implementations, one file each.
//!
//! Callers hold a `&dyn Store`. `LayeredStore` (`layered.rs`) wraps the local store and the
//! remote one; an offline build is the same wrapper without a remote. `--locked` is not a
//! store: it is a strategy of the runner (`crate::run::Strategy::Locked`), which asks the
//! lockfile instead of the store for each figure's entry and never writes.

pub mod layered;
pub mod local;
pub mod remote;
pub mod sync;

use std::collections::BTreeMap;

use crate::digest::Digest;
use crate::model::{Format, Notes};

/// What a cache lookup found.
#[derive(Debug)]
pub enum Lookup<T> {
    Hit(T),
    Miss,
    /// Present but failed verification (bad digest, unparsable entry); treat as a miss and
    /// rebuild. The string says what was wrong.
    Corrupt(String),
}

/// One output of a figure, as recorded in an action entry and the lockfile.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OutputRef {
    pub digest: Digest,
    pub size: u64,
}

/// The result of building one key: which objects hold its outputs.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ActionEntry {
    /// The key this entry answers (checked on read).
    pub key: Digest,
    pub provider: String,
    pub provider_version: String,
    pub outputs: BTreeMap<Format, OutputRef>,
    /// What the service said about the figure (`model::note`); absent in older entries.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub notes: Notes,
    /// Every image a service returned for the request, as it came and in its order, when it
    /// returned more than one (the outputs are made from image `figure=N`, the first by
    /// default); absent otherwise and in older entries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<OutputRef>,
}

impl ActionEntry {
    /// Every object the entry names: its outputs, then the service's images.
    pub fn objects(&self) -> impl Iterator<Item = &OutputRef> {
        self.outputs.values().chain(&self.images)
    }
}

/// Errors of the store itself (I/O), as opposed to a miss or a corrupt entry.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{}", io_message(path, source))]
    Io { path: String, source: std::io::Error },
    /// The cache directory holds a layout this build cannot use (e.g. from a newer paperfig).
    #[error("cache at {path}: {reason}")]
    Layout { path: String, reason: String },
    /// The remote cache failed (unreachable, timed out, refused the credentials, bad URL).
    #[error("remote cache {url}: {message}")]
    Remote { url: String, message: String },
}

fn io_message(path: &str, source: &std::io::Error) -> String {
    if crate::fsutil::is_disk_full(source) {
        format!("no space left on device while writing {path}")
    } else {
        format!("cache I/O error at {path}: {source}")
    }
}

impl StoreError {
    /// Whether the store failed because its disk is full.
    pub fn is_disk_full(&self) -> bool {
        matches!(self, StoreError::Io { source, .. } if crate::fsutil::is_disk_full(source))
    }
}

/// Whether a write must survive a power cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Durability {
    /// Flushed to disk before it is named: for figures that cost money or unknown time to
    /// make again (hosted services, user scripts).
    Durable,
    /// Named atomically but not flushed, so a power cut may lose or tear it. Reading finds
    /// that out (objects are re-hashed, an entry must parse and name its key) and the figure
    /// is made again: for figures cheaper to remake than to flush (builtin renderers).
    Rebuildable,
}

/// A content-addressed store of figure outputs.
pub trait Store: Send + Sync {
    /// Human description for messages (`local cache at .paperfig`).
    fn describe(&self) -> String;
    /// Looks up the action entry for a key.
    fn get_action(&self, key: &Digest) -> Result<Lookup<ActionEntry>, StoreError>;
    /// Records the outputs of a key, durably. Objects must already be stored.
    fn put_action(&self, entry: &ActionEntry) -> Result<(), StoreError> {
        self.put_action_as(entry, Durability::Durable)
    }
    /// [`Store::put_action`] for a figure of the given [`Durability`] (only the local store
    /// can skip flushing; the others ignore it).
    fn put_action_as(&self, entry: &ActionEntry, durability: Durability) -> Result<(), StoreError>;
    /// Reads an object, verifying its digest.
    fn get_object(&self, digest: &Digest) -> Result<Lookup<Vec<u8>>, StoreError>;
    /// Stores an object durably, returning its digest. Storing an object that exists is a
    /// no-op.
    fn put_object(&self, bytes: &[u8]) -> Result<Digest, StoreError> {
        self.put_object_as(bytes, Durability::Durable)
    }
    /// [`Store::put_object`] for a figure of the given [`Durability`].
    fn put_object_as(&self, bytes: &[u8], durability: Durability) -> Result<Digest, StoreError>;
    /// Proves that new entries and objects can be written, before work that cannot be
    /// redone for free (a paid hosted figure) starts. Stores that cannot tell say yes.
    fn check_writable(&self) -> Result<(), StoreError> {
        Ok(())
    }
    /// Whether an object exists (without reading it).
    fn has_object(&self, digest: &Digest) -> Result<bool, StoreError> {
        Ok(matches!(self.get_object(digest)?, Lookup::Hit(_)))
    }
}
