//! Tests of the local store: round trips, atomicity, corruption, two real processes, gc.

use std::collections::HashSet;
use std::fs::{self, File};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use super::maint::ProblemKind;
use super::*;
use crate::model::Format;
use crate::store::OutputRef;

fn key(n: u64) -> Digest {
    Digest::of(format!("key {n}").as_bytes())
}

/// Deterministic pseudo-random bytes.
fn blob(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (x >> 33) as u8
        })
        .collect()
}

fn entry(key: Digest, version: &str, outputs: &[(Format, &[u8])]) -> ActionEntry {
    ActionEntry {
        key,
        provider: "builtin".into(),
        provider_version: version.into(),
        outputs: outputs.iter().map(|(f, b)| (*f, OutputRef { digest: Digest::of(b), size: b.len() as u64 })).collect(),
        notes: Default::default(),
        images: Vec::new(),
    }
}

fn hit<T: std::fmt::Debug>(l: Lookup<T>) -> T {
    match l {
        Lookup::Hit(t) => t,
        other => panic!("expected a hit, got {other:?}"),
    }
}

fn is_corrupt<T>(l: &Lookup<T>) -> bool {
    matches!(l, Lookup::Corrupt(_))
}

/// Sets a file's mtime `secs` into the past.
fn backdate(path: &Path, secs: u64) {
    let f = File::options().write(true).open(path).unwrap();
    f.set_modified(SystemTime::now() - Duration::from_secs(secs)).unwrap();
}

fn count_files(dir: &Path) -> usize {
    fs::read_dir(dir).map(|rd| rd.count()).unwrap_or(0)
}

#[test]
fn round_trips_objects_and_actions() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join(".paperfig");
    let store = LocalStore::open(&root).unwrap();
    assert!(!root.exists(), "open must not create the directory");
    assert!(matches!(store.get_object(&Digest::of(b"svg")).unwrap(), Lookup::Miss));
    assert!(matches!(store.get_action(&key(1)).unwrap(), Lookup::Miss));

    let d = store.put_object(b"<svg/>").unwrap();
    assert_eq!(d, Digest::of(b"<svg/>"));
    assert_eq!(hit(store.get_object(&d).unwrap()), b"<svg/>");
    assert!(store.has_object(&d).unwrap());
    assert!(!store.has_object(&Digest::of(b"other")).unwrap());
    let hex = d.hex();
    assert!(root.join("objects").join(&hex[..2]).join(&hex[2..]).is_file());
    assert_eq!(fs::read_to_string(root.join("VERSION")).unwrap(), "1\n");

    store.put_object(b"%PDF").unwrap();
    let e = entry(key(1), "1", &[(Format::Svg, b"<svg/>"), (Format::Pdf, b"%PDF")]);
    store.put_action(&e).unwrap();
    assert_eq!(hit(store.get_action(&key(1)).unwrap()), e);
    let khex = key(1).hex();
    assert!(root.join("actions").join(&khex[..2]).join(format!("{}.json", &khex[2..])).is_file());

    // A second build of the same key may record other outputs; the last write wins.
    store.put_object(b"<svg>2</svg>").unwrap();
    let e2 = entry(key(1), "2", &[(Format::Svg, b"<svg>2</svg>")]);
    store.put_action(&e2).unwrap();
    assert_eq!(hit(store.get_action(&key(1)).unwrap()), e2);
    // Nothing left in tmp/, and the store verifies clean.
    assert_eq!(count_files(&root.join("tmp")), 0);
    assert!(store.verify().is_clean());
}

#[test]
fn put_object_is_idempotent_and_refreshes_mtime() {
    let tmp = tempfile::tempdir().unwrap();
    let store = LocalStore::open(tmp.path()).unwrap();
    let bytes = blob(1, 10_000);
    let d = store.put_object(&bytes).unwrap();
    let path = store.object_path(&d);
    backdate(&path, 7200);
    let before = fs::metadata(&path).unwrap();
    assert_eq!(store.put_object(&bytes).unwrap(), d);
    let after = fs::metadata(&path).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        assert_eq!(before.ino(), after.ino(), "an existing object was rewritten");
    }
    assert!(after.modified().unwrap() > before.modified().unwrap() + Duration::from_secs(3600));
    assert_eq!(hit(store.get_object(&d).unwrap()), bytes);
}

#[test]
fn put_object_replaces_a_damaged_copy() {
    let tmp = tempfile::tempdir().unwrap();
    let store = LocalStore::open(tmp.path()).unwrap();
    let bytes = blob(2, 5000);
    let d = store.put_object(&bytes).unwrap();
    let mut damaged = bytes.clone();
    damaged[100] ^= 0x01;
    fs::write(store.object_path(&d), &damaged).unwrap();
    assert!(is_corrupt(&store.get_object(&d).unwrap()));
    // Rebuilding after a corrupt read must heal the store, not skip the write.
    store.put_object(&bytes).unwrap();
    assert_eq!(hit(store.get_object(&d).unwrap()), bytes);
}

#[test]
fn rebuildable_writes_torn_by_a_power_cut_read_as_corrupt_and_heal() {
    let tmp = tempfile::tempdir().unwrap();
    let store = LocalStore::open(tmp.path()).unwrap();
    let bytes = blob(3, 4000);
    let d = store.put_object_as(&bytes, Durability::Rebuildable).unwrap();
    let e = entry(key(7), "1", &[(Format::Png, &bytes)]);
    store.put_action_as(&e, Durability::Rebuildable).unwrap();
    assert_eq!(hit(store.get_object(&d).unwrap()), bytes);
    assert_eq!(hit(store.get_action(&key(7)).unwrap()).outputs, e.outputs);
    // What ext4 may leave of a file renamed into place but never flushed: its name, no bytes.
    fs::write(store.object_path(&d), b"").unwrap();
    fs::write(store.action_path(&key(7)), b"").unwrap();
    assert!(is_corrupt(&store.get_object(&d).unwrap()));
    assert!(is_corrupt(&store.get_action(&key(7)).unwrap()));
    // The figure made again (a durable put this time) is stored whole.
    store.put_object_as(&bytes, Durability::Durable).unwrap();
    store.put_action_as(&e, Durability::Durable).unwrap();
    assert_eq!(hit(store.get_object(&d).unwrap()), bytes);
    assert_eq!(hit(store.get_action(&key(7)).unwrap()).outputs, e.outputs);
}

#[test]
fn put_action_refuses_unstored_objects() {
    let tmp = tempfile::tempdir().unwrap();
    let store = LocalStore::open(tmp.path()).unwrap();
    let err = store.put_action(&entry(key(1), "1", &[(Format::Png, b"never stored")])).unwrap_err();
    assert!(err.to_string().contains("not stored"), "{err}");
    assert!(matches!(store.get_action(&key(1)).unwrap(), Lookup::Miss));
}

#[test]
fn refuses_a_future_layout() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("VERSION"), "2\n").unwrap();
    let err = LocalStore::open(tmp.path()).unwrap_err();
    assert!(matches!(err, StoreError::Layout { .. }));
    let msg = err.to_string();
    assert!(msg.contains("layout version 2") && msg.contains("upgrade paperfig"), "{msg}");

    fs::write(tmp.path().join("VERSION"), "banana").unwrap();
    let msg = LocalStore::open(tmp.path()).unwrap_err().to_string();
    assert!(msg.contains("`banana`"), "{msg}");

    fs::write(tmp.path().join("VERSION"), "1").unwrap();
    LocalStore::open(tmp.path()).unwrap();
}

#[test]
fn a_newer_layout_created_after_open_is_not_overwritten() {
    let tmp = tempfile::tempdir().unwrap();
    let store = LocalStore::open(tmp.path()).unwrap();
    fs::write(tmp.path().join("VERSION"), "9\n").unwrap();
    assert!(matches!(store.put_object(b"x"), Err(StoreError::Layout { .. })));
    assert_eq!(fs::read_to_string(tmp.path().join("VERSION")).unwrap(), "9\n");
}

#[test]
fn leftover_temp_file_is_invisible_and_collected_after_grace() {
    let tmp = tempfile::tempdir().unwrap();
    let store = LocalStore::open(tmp.path()).unwrap();
    store.put_object(b"warm up").unwrap(); // creates tmp/ and VERSION
    // A build crashed halfway through writing this object into its temp file.
    let bytes = blob(3, 50_000);
    let d = Digest::of(&bytes);
    let temp = tmp.path().join("tmp").join(format!(".{}.4242-0-00ff.tmp", &d.hex()[2..]));
    fs::write(&temp, &bytes[..20_000]).unwrap();

    assert!(matches!(store.get_object(&d).unwrap(), Lookup::Miss));
    assert!(!store.has_object(&d).unwrap());
    assert!(store.verify().is_clean());

    let report = store.gc(&HashSet::new(), Duration::ZERO);
    assert_eq!(report.temps_removed, 0, "a young temp file may belong to a running build");
    assert!(temp.exists());

    backdate(&temp, GC_GRACE.as_secs() + 60);
    let report = store.gc(&HashSet::new(), Duration::ZERO);
    assert_eq!(report.temps_removed, 1);
    assert!(report.bytes_freed >= 20_000);
    assert!(!temp.exists());
    // The object can still be stored normally afterwards.
    store.put_object(&bytes).unwrap();
    assert_eq!(hit(store.get_object(&d).unwrap()), bytes);
}

/// While one thread stores (and deletes again) a large object, another reads it: it must see
/// the whole object or nothing, never a prefix.
#[test]
fn readers_never_see_a_partial_object() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Arc::new(LocalStore::open(tmp.path()).unwrap());
    let bytes = Arc::new(blob(4, 2_000_000));
    let d = Digest::of(&bytes);
    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let (store, done) = (store.clone(), done.clone());
        std::thread::spawn(move || {
            let (mut hits, mut misses) = (0, 0);
            while !done.load(Ordering::Relaxed) {
                match store.get_object(&d).unwrap() {
                    Lookup::Hit(_) => hits += 1,
                    Lookup::Miss => misses += 1,
                    Lookup::Corrupt(why) => panic!("reader saw a partial object: {why}"),
                }
            }
            (hits, misses)
        })
    };
    for _ in 0..40 {
        store.put_object(&bytes).unwrap();
        std::thread::sleep(Duration::from_millis(2));
        fs::remove_file(store.object_path(&d)).unwrap();
    }
    done.store(true, Ordering::Relaxed);
    let (hits, misses) = reader.join().unwrap();
    assert!(hits + misses > 0);
}

#[test]
fn corruption_is_detected_reported_and_repaired() {
    let tmp = tempfile::tempdir().unwrap();
    let store = LocalStore::open(tmp.path()).unwrap();
    let (a, b, c) = (blob(10, 3000), blob(11, 3000), blob(12, 3000));
    for o in [&a, &b, &c] {
        store.put_object(o).unwrap();
    }
    store.put_action(&entry(key(1), "1", &[(Format::Svg, &a)])).unwrap(); // its object gets corrupted
    store.put_action(&entry(key(2), "1", &[(Format::Svg, &b)])).unwrap(); // gets truncated
    store.put_action(&entry(key(3), "1", &[(Format::Svg, &b)])).unwrap(); // gets garbled
    store.put_action(&entry(key(4), "1", &[(Format::Svg, &c)])).unwrap(); // copied to key 5's name
    store.put_action(&entry(key(6), "1", &[(Format::Svg, &c)])).unwrap(); // stays healthy
    store.put_action(&entry(key(7), "1", &[(Format::Svg, &c)])).unwrap(); // records a wrong size
    assert!(store.verify().is_clean());

    // Flip one byte of object a.
    let a_path = store.object_path(&Digest::of(&a));
    let mut bytes = fs::read(&a_path).unwrap();
    bytes[1234] ^= 0x80;
    fs::write(&a_path, &bytes).unwrap();
    assert!(is_corrupt(&store.get_object(&Digest::of(&a)).unwrap()));

    let p2 = store.action_path(&key(2));
    let json = fs::read(&p2).unwrap();
    fs::write(&p2, &json[..json.len() / 2]).unwrap();
    assert!(is_corrupt(&store.get_action(&key(2)).unwrap()));

    fs::write(store.action_path(&key(3)), b"\x00\x01 not json").unwrap();
    assert!(is_corrupt(&store.get_action(&key(3)).unwrap()));

    let p5 = store.action_path(&key(5));
    fs::create_dir_all(p5.parent().unwrap()).unwrap();
    fs::copy(store.action_path(&key(4)), &p5).unwrap();
    match store.get_action(&key(5)).unwrap() {
        Lookup::Corrupt(why) => assert!(why.contains("another key"), "{why}"),
        other => panic!("entry under the wrong key was served: {other:?}"),
    }

    let p7 = store.action_path(&key(7));
    let text = fs::read_to_string(&p7).unwrap().replace("\"size\": 3000", "\"size\": 3001");
    fs::write(&p7, text).unwrap();

    let stray = tmp.path().join("objects").join("zz");
    fs::create_dir_all(&stray).unwrap();

    let report = store.verify();
    let mut found: Vec<(ProblemKind, PathBuf)> = report.problems.iter().map(|p| (p.kind, p.path.clone())).collect();
    found.sort_by(|x, y| x.1.cmp(&y.1));
    let mut expected = vec![
        (ProblemKind::CorruptObject, a_path.clone()),
        (ProblemKind::MissingObject, store.action_path(&key(1))),
        (ProblemKind::CorruptAction, p2.clone()),
        (ProblemKind::CorruptAction, store.action_path(&key(3))),
        (ProblemKind::WrongKey, p5.clone()),
        (ProblemKind::CorruptAction, p7.clone()),
        (ProblemKind::Stray, stray.clone()),
    ];
    expected.sort_by(|x, y| x.1.cmp(&y.1));
    assert_eq!(found, expected, "{:#?}", report.problems);
    assert!(report.problems.iter().all(|p| !p.removed));
    assert_eq!((report.objects, report.actions), (3, 7));

    let repaired = store.repair();
    assert_eq!(repaired.problems.len(), 7);
    for p in &repaired.problems {
        assert_eq!(p.removed, p.kind != ProblemKind::Stray, "{p}");
        assert_eq!(p.path.exists(), p.kind == ProblemKind::Stray, "{p}");
    }
    fs::remove_dir(&stray).unwrap();
    assert!(store.verify().is_clean(), "{:#?}", store.verify().problems);
    assert_eq!(hit(store.get_action(&key(4)).unwrap()).key, key(4));
    assert_eq!(hit(store.get_action(&key(6)).unwrap()).key, key(6));
    assert!(matches!(store.get_object(&Digest::of(&a)).unwrap(), Lookup::Miss));
    for k in [1, 2, 3, 5, 7] {
        assert!(matches!(store.get_action(&key(k)).unwrap(), Lookup::Miss), "key {k}");
    }
}

#[test]
fn gc_keeps_what_is_live_or_young() {
    let tmp = tempfile::tempdir().unwrap();
    let store = LocalStore::open(tmp.path()).unwrap();
    let old = GC_GRACE.as_secs() + 3600 * 24 * 40;
    let live_obj = blob(20, 1000); // referenced by an old but live entry
    let dead_obj = blob(21, 2000); // referenced only by an old dead entry
    let young_entry_obj = blob(22, 3000); // referenced by a young dead entry
    let orphan_old = blob(23, 4000); // referenced by nothing, old
    let orphan_young = blob(24, 5000); // referenced by nothing, just written
    for o in [&live_obj, &dead_obj, &young_entry_obj, &orphan_old, &orphan_young] {
        store.put_object(o).unwrap();
    }
    store.put_action(&entry(key(1), "1", &[(Format::Svg, &live_obj)])).unwrap();
    store.put_action(&entry(key(2), "1", &[(Format::Svg, &dead_obj)])).unwrap();
    store.put_action(&entry(key(3), "1", &[(Format::Svg, &young_entry_obj)])).unwrap();
    for o in [&live_obj, &dead_obj, &young_entry_obj, &orphan_old] {
        backdate(&store.object_path(&Digest::of(o)), old);
    }
    backdate(&store.action_path(&key(1)), old);
    backdate(&store.action_path(&key(2)), old);
    let dead_entry_len = fs::metadata(store.action_path(&key(2))).unwrap().len();

    let live: HashSet<Digest> = [key(1)].into();
    let report = store.gc(&live, Duration::from_secs(30 * 24 * 3600));
    assert_eq!((report.actions_removed, report.actions_kept), (1, 2));
    assert_eq!((report.objects_removed, report.objects_kept), (2, 3));
    assert_eq!(report.bytes_freed, dead_entry_len + 2000 + 4000);
    assert!(report.errors.is_empty(), "{:?}", report.errors);

    assert!(matches!(store.get_action(&key(1)).unwrap(), Lookup::Hit(_)));
    assert!(matches!(store.get_action(&key(2)).unwrap(), Lookup::Miss));
    assert!(matches!(store.get_action(&key(3)).unwrap(), Lookup::Hit(_)));
    for (o, kept) in
        [(&live_obj, true), (&dead_obj, false), (&young_entry_obj, true), (&orphan_old, false), (&orphan_young, true)]
    {
        assert_eq!(store.has_object(&Digest::of(o)).unwrap(), kept, "object of {} bytes", o.len());
    }
    assert!(store.verify().is_clean());
    // A second run finds nothing more to do.
    let again = store.gc(&live, Duration::from_secs(30 * 24 * 3600));
    assert_eq!((again.actions_removed, again.objects_removed, again.bytes_freed), (0, 0, 0));
}

/// A service's images (`ActionEntry::images`) are objects of their entry: recorded
/// only once stored, and kept by gc while the entry is.
#[test]
fn other_images_are_objects_of_their_entry() {
    let tmp = tempfile::tempdir().unwrap();
    let store = LocalStore::open(tmp.path()).unwrap();
    let (shown, other) = (blob(30, 1000), blob(31, 2000));
    store.put_object(&shown).unwrap();
    let mut e = entry(key(1), "1", &[(Format::Png, &shown)]);
    e.images.push(OutputRef { digest: Digest::of(&other), size: other.len() as u64 });
    assert!(store.put_action(&e).is_err(), "an entry naming an unstored image is refused");
    store.put_object(&other).unwrap();
    store.put_action(&e).unwrap();
    let old = GC_GRACE.as_secs() + 3600 * 24 * 40;
    for o in [&shown, &other] {
        backdate(&store.object_path(&Digest::of(o)), old);
    }
    backdate(&store.action_path(&key(1)), old);
    let report = store.gc(&[key(1)].into(), Duration::from_secs(30 * 24 * 3600));
    assert_eq!(report.objects_removed, 0, "{report:?}");
    assert!(store.has_object(&Digest::of(&other)).unwrap());
    match store.get_action(&key(1)).unwrap() {
        Lookup::Hit(back) => assert_eq!(back.images, e.images),
        other => panic!("{other:?}"),
    }
}

const CHILD_DIR_VAR: &str = "PAPERFIG_TEST_STORE_DIR";
const CHILD_WORKER_VAR: &str = "PAPERFIG_TEST_STORE_WORKER";
const SHARED: u64 = 16;
const PRIVATE: u64 = 40;
const ROUNDS: u64 = 12;

fn shared_object(i: u64) -> Vec<u8> {
    blob(1000 + i, 40_000 + i as usize * 997)
}

fn private_object(worker: u64, i: u64) -> Vec<u8> {
    blob(100_000 * (worker + 1) + i, 20_000 + i as usize * 13)
}

fn private_key(worker: u64, i: u64) -> Digest {
    key(100_000 * (worker + 1) + i)
}

/// The body of one child process of `two_processes_share_the_store` (does nothing when run
/// on its own). Every read must be a hit or a miss, never corrupt.
#[test]
#[ignore = "child process of two_processes_share_the_store"]
fn concurrent_child() {
    let Ok(dir) = std::env::var(CHILD_DIR_VAR) else { return };
    let worker: u64 = std::env::var(CHILD_WORKER_VAR).unwrap().parse().unwrap();
    let other = 1 - worker;
    let store = LocalStore::open(Path::new(&dir)).unwrap();
    let check_read = |k: &Digest| match store.get_action(k).unwrap() {
        Lookup::Hit(e) => {
            assert_eq!(e.key, *k);
            for o in e.outputs.values() {
                assert_eq!(hit(store.get_object(&o.digest).unwrap()).len() as u64, o.size);
            }
        }
        Lookup::Miss => {}
        Lookup::Corrupt(why) => panic!("worker {worker} read a corrupt entry: {why}"),
    };
    for round in 0..ROUNDS {
        for i in 0..SHARED {
            // Same objects and keys from both workers; entries differ in provider_version.
            let obj = shared_object(i);
            store.put_object(&obj).unwrap();
            store.put_action(&entry(key(i), &format!("worker-{worker}"), &[(Format::Png, &obj)])).unwrap();
            check_read(&key((i + round) % SHARED));
        }
        for i in (round * PRIVATE / ROUNDS)..((round + 1) * PRIVATE / ROUNDS) {
            let obj = private_object(worker, i);
            store.put_object(&obj).unwrap();
            store.put_action(&entry(private_key(worker, i), "1", &[(Format::Pdf, &obj)])).unwrap();
            check_read(&private_key(other, i));
        }
    }
}

#[test]
fn two_processes_share_the_store() {
    let tmp = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    // Spawn both before waiting on either, so they really run at the same time.
    let spawned: Vec<_> = (0..2u64)
        .map(|worker| {
            Command::new(&exe)
                .args(["--exact", "store::local::tests::concurrent_child", "--ignored", "--nocapture"])
                .env(CHILD_DIR_VAR, tmp.path())
                .env(CHILD_WORKER_VAR, worker.to_string())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in spawned {
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "child failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains("1 passed"), "the child test did not run:\n{stdout}");
    }

    let store = LocalStore::open(tmp.path()).unwrap();
    let report = store.verify();
    assert!(report.is_clean(), "{:#?}", report.problems);
    assert_eq!(report.actions as u64, SHARED + 2 * PRIVATE);
    for i in 0..SHARED {
        let e = hit(store.get_action(&key(i)).unwrap());
        assert!(e.provider_version == "worker-0" || e.provider_version == "worker-1");
        assert_eq!(hit(store.get_object(&e.outputs[&Format::Png].digest).unwrap()), shared_object(i));
    }
    for worker in 0..2 {
        for i in 0..PRIVATE {
            let e = hit(store.get_action(&private_key(worker, i)).unwrap());
            assert_eq!(hit(store.get_object(&e.outputs[&Format::Pdf].digest).unwrap()), private_object(worker, i));
        }
    }
    assert_eq!(count_files(&tmp.path().join("tmp")), 0);
}
