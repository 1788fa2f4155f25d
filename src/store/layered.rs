//! The local store with an optional remote behind it: what `gen` (and every build) uses.
//!
//! * **Reads**: local hit → done. Local miss (or damaged) → the remote; what it returns is
//!   verified (objects re-hashed, entries checked against their key), stored locally, then
//!   returned. An action entry is taken from the remote only once every object it names is
//!   stored locally, so a local entry never dangles.
//! * **Writes**: always local; also remote when `remote_write` is on (the default). Objects
//!   go up before the entry that names them, as locally.
//! * **A damaged remote object** (its bytes do not hash to its name) is never used: the
//!   lookup is a miss, so the figure is made again (or, with `--locked`, fails), and the next
//!   upload of that object replaces the damaged copy instead of trusting the name.
//! * **A remote that fails** (down, slow past its timeout, refusing credentials) is switched
//!   off for the rest of the process after the first failure, with one warning
//!   ([`LayeredStore::warning`]); the build goes on local-only.

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use super::local::LocalStore;
use super::remote::RemoteStore;
use super::{ActionEntry, Durability, Lookup, Store, StoreError};
use crate::digest::Digest;

/// Local store first, remote second.
pub struct LayeredStore {
    local: LocalStore,
    remote: Option<RemoteStore>,
    write_remote: bool,
    down: AtomicBool,
    warning: Mutex<Option<String>>,
    /// Objects found damaged on the remote: uploads replace them.
    damaged: Mutex<HashSet<Digest>>,
    /// Messages about damaged remote data, one per object or entry.
    damage_notes: Mutex<Vec<String>>,
    downloaded: AtomicUsize,
    uploaded: AtomicUsize,
}

/// Counters for reports and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RemoteStats {
    pub downloaded: usize,
    pub uploaded: usize,
}

impl LayeredStore {
    pub fn new(local: LocalStore, remote: Option<RemoteStore>, write_remote: bool) -> LayeredStore {
        LayeredStore {
            local,
            remote,
            write_remote,
            down: AtomicBool::new(false),
            warning: Mutex::new(None),
            damaged: Mutex::new(HashSet::new()),
            damage_notes: Mutex::new(Vec::new()),
            downloaded: AtomicUsize::new(0),
            uploaded: AtomicUsize::new(0),
        }
    }

    pub fn local(&self) -> &LocalStore {
        &self.local
    }

    /// The remote, unless none is configured or it failed earlier in this process.
    pub fn remote(&self) -> Option<&RemoteStore> {
        self.remote.as_ref().filter(|_| !self.down.load(Ordering::Acquire))
    }

    pub fn has_remote(&self) -> bool {
        self.remote.is_some()
    }

    /// The one warning about the remote having been switched off, if it was.
    pub fn warning(&self) -> Option<String> {
        self.failure().map(|e| format!("{e}; continuing with the local cache only for this build"))
    }

    /// The error that switched the remote off, if one did.
    pub fn failure(&self) -> Option<String> {
        self.warning.lock().unwrap().clone()
    }

    /// Damaged remote objects and entries seen (each was ignored).
    pub fn damage_notes(&self) -> Vec<String> {
        self.damage_notes.lock().unwrap().clone()
    }

    pub fn stats(&self) -> RemoteStats {
        RemoteStats {
            downloaded: self.downloaded.load(Ordering::Relaxed),
            uploaded: self.uploaded.load(Ordering::Relaxed),
        }
    }

    /// Runs `f` on the remote; on failure switches the remote off (first failure: one
    /// warning) and returns `None`, as when there is no remote.
    fn on_remote<T>(&self, f: impl FnOnce(&RemoteStore) -> Result<T, StoreError>) -> Option<T> {
        let remote = self.remote()?;
        match f(remote) {
            Ok(v) => Some(v),
            Err(e) => {
                if !self.down.swap(true, Ordering::AcqRel) {
                    *self.warning.lock().unwrap() = Some(e.to_string());
                }
                None
            }
        }
    }

    fn note_damage(&self, digest: Option<Digest>, message: String) {
        if let Some(d) = digest {
            self.damaged.lock().unwrap().insert(d);
        }
        self.damage_notes.lock().unwrap().push(message);
    }

    /// A verified object from the remote, stored locally. `None` if the remote lacks it,
    /// holds a damaged copy, or is unavailable.
    fn fetch_object(&self, digest: &Digest) -> Option<Vec<u8>> {
        match self.on_remote(|r| r.get_object(digest))? {
            Lookup::Hit(bytes) => {
                self.downloaded.fetch_add(1, Ordering::Relaxed);
                // A local write failure only costs a later re-download.
                let _ = self.local.put_object(&bytes);
                Some(bytes)
            }
            Lookup::Corrupt(why) => {
                self.note_damage(Some(*digest), format!("ignored a damaged object in the remote cache: {why}"));
                None
            }
            Lookup::Miss => None,
        }
    }

    /// Whether the remote has a complete entry for `key` (the entry and each object it
    /// names), downloading nothing but the entry.
    pub fn remote_has(&self, key: &Digest) -> bool {
        self.on_remote(|r| match r.get_action(key)? {
            Lookup::Hit(entry) => {
                for out in entry.objects() {
                    if !r.has_object(&out.digest)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            _ => Ok(false),
        })
        .unwrap_or(false)
    }

    /// Uploads an object that is already stored locally (for `cache push`).
    pub fn upload_object(&self, bytes: &[u8]) -> Option<bool> {
        let digest = Digest::of(bytes);
        let damaged = self.damaged.lock().unwrap().contains(&digest);
        self.on_remote(|r| {
            if damaged {
                r.replace_object(bytes)?;
                return Ok(true);
            }
            if r.has_object(&digest)? {
                return Ok(false);
            }
            r.replace_object(bytes).map(|_| true)
        })
        .inspect(|&up| {
            if up {
                self.uploaded.fetch_add(1, Ordering::Relaxed);
                self.damaged.lock().unwrap().remove(&digest);
            }
        })
    }
}

impl Store for LayeredStore {
    fn describe(&self) -> String {
        match &self.remote {
            Some(r) => format!("{} with {}", self.local.describe(), r.describe()),
            None => self.local.describe(),
        }
    }

    fn get_action(&self, key: &Digest) -> Result<Lookup<ActionEntry>, StoreError> {
        let local = self.local.get_action(key)?;
        if let Lookup::Hit(_) = local {
            return Ok(local);
        }
        let Some(found) = self.on_remote(|r| r.get_action(key)) else { return Ok(local) };
        let entry = match found {
            Lookup::Hit(entry) => entry,
            Lookup::Corrupt(why) => {
                self.note_damage(None, format!("ignored a damaged entry in the remote cache: {why}"));
                return Ok(local);
            }
            Lookup::Miss => return Ok(local),
        };
        for out in entry.objects() {
            if !self.local.has_object(&out.digest)? && self.fetch_object(&out.digest).is_none() {
                return Ok(local);
            }
        }
        self.local.put_action(&entry)?;
        self.downloaded.fetch_add(1, Ordering::Relaxed);
        Ok(Lookup::Hit(entry))
    }

    fn put_action_as(&self, entry: &ActionEntry, durability: Durability) -> Result<(), StoreError> {
        self.local.put_action_as(entry, durability)?;
        if self.write_remote {
            self.on_remote(|r| r.put_action(entry));
        }
        Ok(())
    }

    fn get_object(&self, digest: &Digest) -> Result<Lookup<Vec<u8>>, StoreError> {
        let local = self.local.get_object(digest)?;
        if let Lookup::Hit(_) = local {
            return Ok(local);
        }
        Ok(self.fetch_object(digest).map_or(local, Lookup::Hit))
    }

    fn put_object_as(&self, bytes: &[u8], durability: Durability) -> Result<Digest, StoreError> {
        let digest = self.local.put_object_as(bytes, durability)?;
        if self.write_remote {
            self.upload_object(bytes);
        }
        Ok(digest)
    }

    /// Only the local cache must be writable: a failing remote is switched off.
    fn check_writable(&self) -> Result<(), StoreError> {
        self.local.check_writable()
    }

    fn has_object(&self, digest: &Digest) -> Result<bool, StoreError> {
        if self.local.has_object(digest)? {
            return Ok(true);
        }
        Ok(self.on_remote(|r| r.has_object(digest)).unwrap_or(false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Format;
    use crate::store::OutputRef;
    use std::collections::BTreeMap;

    fn remote_at(dir: &std::path::Path) -> RemoteStore {
        let url = url::Url::from_directory_path(dir).unwrap().to_string();
        RemoteStore::open(&url, &BTreeMap::new()).unwrap()
    }

    fn layered(local: &std::path::Path, remote: &std::path::Path, write: bool) -> LayeredStore {
        LayeredStore::new(LocalStore::open(local).unwrap(), Some(remote_at(remote)), write)
    }

    fn entry_for(store: &dyn Store, key: &[u8], bytes: &[u8]) -> ActionEntry {
        let digest = store.put_object(bytes).unwrap();
        let entry = ActionEntry {
            key: Digest::of(key),
            provider: "p".into(),
            provider_version: "1".into(),
            outputs: BTreeMap::from([(Format::Svg, OutputRef { digest, size: bytes.len() as u64 })]),
            notes: Default::default(),
            images: Vec::new(),
        };
        store.put_action(&entry).unwrap();
        entry
    }

    #[test]
    fn a_second_checkout_reads_what_the_first_wrote() {
        let t = tempfile::tempdir().unwrap();
        let a = layered(&t.path().join("a"), &t.path().join("r"), true);
        let entry = entry_for(&a, b"key", b"<svg/>");
        assert_eq!(a.stats().uploaded, 1);
        let b = layered(&t.path().join("b"), &t.path().join("r"), true);
        assert!(matches!(b.get_action(&entry.key).unwrap(), Lookup::Hit(e) if e == entry));
        // Now local to b: the remote is no longer needed.
        assert!(matches!(b.local().get_action(&entry.key).unwrap(), Lookup::Hit(_)));
        assert!(matches!(b.local().get_object(&entry.outputs[&Format::Svg].digest).unwrap(), Lookup::Hit(_)));
    }

    #[test]
    fn read_only_consumers_upload_nothing() {
        let t = tempfile::tempdir().unwrap();
        let a = layered(&t.path().join("a"), &t.path().join("r"), false);
        let entry = entry_for(&a, b"key", b"<svg/>");
        assert_eq!(a.stats().uploaded, 0);
        let b = layered(&t.path().join("b"), &t.path().join("r"), true);
        assert!(matches!(b.get_action(&entry.key).unwrap(), Lookup::Miss));
    }

    #[test]
    fn a_damaged_remote_object_is_never_used_and_is_replaced_on_upload() {
        let t = tempfile::tempdir().unwrap();
        let a = layered(&t.path().join("a"), &t.path().join("r"), true);
        let entry = entry_for(&a, b"key", b"<svg/>");
        let digest = entry.outputs[&Format::Svg].digest;
        let hex = digest.hex();
        let obj = t.path().join("r/paperfig-v1/objects").join(&hex[..2]).join(&hex[2..]);
        std::fs::write(&obj, b"<svg>").unwrap();
        let b = layered(&t.path().join("b"), &t.path().join("r"), true);
        assert!(matches!(b.get_action(&entry.key).unwrap(), Lookup::Miss));
        assert!(!matches!(b.get_object(&digest).unwrap(), Lookup::Hit(_)));
        assert_eq!(b.damage_notes().len(), 2, "{:?}", b.damage_notes());
        // b makes the figure again: the upload replaces the damaged copy.
        entry_for(&b, b"key", b"<svg/>");
        assert_eq!(std::fs::read(&obj).unwrap(), b"<svg/>");
    }

    #[test]
    fn an_unreachable_remote_degrades_with_one_warning() {
        let t = tempfile::tempdir().unwrap();
        // Nothing listens on port 9 of localhost: every request fails at once.
        let opts = BTreeMap::from([("connect_timeout".to_string(), "1s".to_string())]);
        let remote = RemoteStore::open("http://127.0.0.1:9/cache", &opts).unwrap();
        let s = LayeredStore::new(LocalStore::open(&t.path().join("a")).unwrap(), Some(remote), true);
        let entry = entry_for(&s, b"key", b"<svg/>");
        assert!(matches!(s.get_action(&entry.key).unwrap(), Lookup::Hit(_)));
        assert!(matches!(s.get_action(&Digest::of(b"other")).unwrap(), Lookup::Miss));
        let w = s.warning().expect("one warning");
        assert!(w.contains("127.0.0.1:9"), "{w}");
        assert!(s.remote().is_none());
    }
}
