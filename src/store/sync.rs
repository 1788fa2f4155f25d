//! `cache push`, `cache pull` and `cache verify --remote`: move and check everything
//! `paperfig.lock` names (each figure's action entry and locked output objects) between the
//! local store and the remote one. The remote is never listed (WebDAV servers refuse deep
//! listings), so the lockfile is the inventory.

use std::collections::BTreeMap;

use super::layered::LayeredStore;
use super::remote::RemoteStore;
use super::{ActionEntry, Lookup, OutputRef, Store, StoreError};
use crate::lock::{LockEntry, Lockfile};

/// What a push, pull or remote verify did; `problems` name figure ids.
#[derive(Debug, Default)]
pub struct SyncReport {
    pub figures: usize,
    pub objects_moved: usize,
    pub entries_moved: usize,
    pub problems: Vec<String>,
}

/// The action entry for a lock entry: the one a store already holds when its outputs are
/// the locked ones, else the one the lock implies, with sizes from the objects themselves.
fn locked_entry(
    found: Lookup<ActionEntry>,
    e: &LockEntry,
    sizes: &BTreeMap<crate::digest::Digest, u64>,
) -> ActionEntry {
    match found {
        Lookup::Hit(entry) if entry.outputs.values().map(|o| o.digest).eq(e.outputs.values().copied()) => entry,
        _ => ActionEntry {
            key: e.key,
            provider: e.provider.clone(),
            provider_version: e.provider_version.clone(),
            outputs: e
                .outputs
                .iter()
                .map(|(f, d)| (*f, OutputRef { digest: *d, size: sizes.get(d).copied().unwrap_or(0) }))
                .collect(),
            notes: e.notes.clone(),
            images: Vec::new(),
        },
    }
}

fn remote_of(store: &LayeredStore) -> Result<&RemoteStore, StoreError> {
    store.remote().ok_or_else(|| StoreError::Remote {
        url: "(none)".into(),
        message: "no remote cache is configured ([cache] remote in paperfig.toml), or --offline".into(),
    })
}

/// Uploads every locked output object and entry the remote lacks.
pub fn push(store: &LayeredStore, lock: &Lockfile) -> Result<SyncReport, StoreError> {
    let remote = remote_of(store)?;
    let mut report = SyncReport::default();
    for (id, e) in &lock.figures {
        report.figures += 1;
        let mut sizes = BTreeMap::new();
        let mut complete = true;
        for digest in e.outputs.values() {
            match store.local().get_object(digest)? {
                Lookup::Hit(bytes) => {
                    sizes.insert(*digest, bytes.len() as u64);
                    if !remote.has_object(digest)? {
                        remote.replace_object(&bytes)?;
                        report.objects_moved += 1;
                    }
                }
                _ => {
                    complete = false;
                    report.problems.push(format!("{id}: output {digest} is not in the local cache"));
                }
            }
        }
        if !complete {
            continue;
        }
        let entry = locked_entry(store.local().get_action(&e.key)?, e, &sizes);
        if !matches!(remote.get_action(&e.key)?, Lookup::Hit(ref r) if *r == entry) {
            remote.put_action(&entry)?;
            report.entries_moved += 1;
        }
    }
    Ok(report)
}

/// Downloads every locked output object and entry the local store lacks (verified).
pub fn pull(store: &LayeredStore, lock: &Lockfile) -> Result<SyncReport, StoreError> {
    let remote = remote_of(store)?;
    let mut report = SyncReport::default();
    for (id, e) in &lock.figures {
        report.figures += 1;
        let mut sizes = BTreeMap::new();
        let mut complete = true;
        for digest in e.outputs.values() {
            if let Lookup::Hit(bytes) = store.local().get_object(digest)? {
                sizes.insert(*digest, bytes.len() as u64);
                continue;
            }
            match remote.get_object(digest)? {
                Lookup::Hit(bytes) => {
                    store.local().put_object(&bytes)?;
                    sizes.insert(*digest, bytes.len() as u64);
                    report.objects_moved += 1;
                }
                Lookup::Corrupt(why) => {
                    complete = false;
                    report.problems.push(format!("{id}: {why} (not used)"));
                }
                Lookup::Miss => {
                    complete = false;
                    report.problems.push(format!("{id}: output {digest} is not in the remote cache"));
                }
            }
        }
        if complete && !matches!(store.local().get_action(&e.key)?, Lookup::Hit(_)) {
            let entry = locked_entry(remote.get_action(&e.key)?, e, &sizes);
            store.local().put_action(&entry)?;
            report.entries_moved += 1;
        }
    }
    Ok(report)
}

/// Checks that the remote holds, undamaged, every locked entry and output object.
pub fn verify_remote(store: &LayeredStore, lock: &Lockfile) -> Result<SyncReport, StoreError> {
    let remote = remote_of(store)?;
    let mut report = SyncReport::default();
    for (id, e) in &lock.figures {
        report.figures += 1;
        match remote.get_action(&e.key)? {
            Lookup::Hit(_) => {}
            Lookup::Miss => report.problems.push(format!("{id}: no entry for key {} in the remote cache", e.key)),
            Lookup::Corrupt(why) => report.problems.push(format!("{id}: {why}")),
        }
        for digest in e.outputs.values() {
            match remote.get_object(digest)? {
                Lookup::Hit(_) => {}
                Lookup::Miss => report.problems.push(format!("{id}: output {digest} is missing from the remote cache")),
                Lookup::Corrupt(why) => report.problems.push(format!("{id}: {why}")),
            }
        }
    }
    Ok(report)
}
