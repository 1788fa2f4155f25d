//! Atomic file writes (temp file + fsync + rename) for the store, the lockfile and emitted outputs.
//!
//! A reader of the target path sees either the old file or the complete new one, never a
//! prefix: the bytes go to a uniquely named temp file on the same filesystem, are fsynced, and
//! only then renamed over the target (an atomic replace on POSIX filesystems), after which the
//! parent directory is fsynced so the rename itself survives a crash. A crash before the rename
//! leaves a stray temp file and the target untouched; a crash after it leaves the new file.
//!
//! On Windows the rename is `MoveFileEx(REPLACE_EXISTING)`, which is atomic for readers too
//! but fails if another process holds the target open; directory fsync is skipped there.

use std::fs::{self, File, OpenOptions};
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

mod beneath;
mod stamp;
pub use beneath::{Folder, Kind, lstat};
use beneath::{kind_of, open_nonblocking};
pub use stamp::{Fingerprint, RACY, clock, read_fingerprinted, wait_for_tick};

/// Suffix of every temp file this module creates (so cleaners can recognise them).
pub const TEMP_SUFFIX: &str = ".tmp";

/// Whether a write failed because the disk (or the user's quota on it) is full.
pub fn is_disk_full(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded)
}

/// A failed write of `path` as a user reads it: a full disk said in so many words (the
/// OS's "No space left on device (os error 28)" after a long path is easy to miss).
pub fn write_failure(path: &Path, e: &io::Error) -> String {
    if is_disk_full(e) {
        format!("no space left on device while writing {}", path.display())
    } else {
        format!("cannot write {}: {e}", path.display())
    }
}

/// What to do about a full disk.
pub const DISK_FULL_HINT: &str = "free space on that disk (`paperfig cache gc` deletes cache entries no build used for 30 days), or move the cache or the figures to another disk with [cache] dir or [output] dir in paperfig.toml";

/// Why a file that must be a regular file was not read.
#[derive(Debug, thiserror::Error)]
pub enum NotRegular {
    #[error("{0}")]
    Io(#[from] io::Error),
    /// This path (relative to the folder the read started from) is a symbolic link.
    #[error("`{}` is a symbolic link", .0.display())]
    Symlink(PathBuf),
    #[error("it is a folder")]
    Folder,
    #[error("it is not a regular file (a pipe, socket or device)")]
    Special,
    /// The file holds more than the limit, in bytes.
    #[error("it is larger than {0} bytes")]
    TooLarge(u64),
}

/// Reads a file a user named as an input, which must be a regular file: a FIFO or a
/// device would block or never end (symbolic links are followed).
pub fn read_regular(path: &Path) -> io::Result<Vec<u8>> {
    let refused = |what: &str| io::Error::new(io::ErrorKind::InvalidInput, what.to_string());
    let checked = match kind_of(&fs::metadata(path)?) {
        Kind::Regular => open_nonblocking(path).map_err(NotRegular::from).and_then(|f| read_open(f, u64::MAX)),
        Kind::Folder => Err(NotRegular::Folder),
        Kind::Symlink | Kind::Special => Err(NotRegular::Special),
    };
    checked.map_err(|e| match e {
        NotRegular::Io(e) => e,
        NotRegular::Folder => refused("a folder"),
        _ => refused("not a regular file (a pipe, socket or device)"),
    })
}

/// Reads `rel`, a relative path below `dir`, following no symbolic link on the way: `rel`
/// and every folder of it must be real, and `rel` a regular file of at most `max` bytes
/// (checked on the opened file, and the read stops one byte past `max`, so a file growing
/// meanwhile cannot make it read more). For files something untrusted wrote (a script's
/// outputs): a link out of `dir`, a FIFO or a device is refused without being opened.
pub fn read_regular_beneath(dir: &Path, rel: &Path, max: u64) -> Result<Vec<u8>, NotRegular> {
    let names: Vec<&std::ffi::OsStr> = rel
        .components()
        .map(|c| match c {
            std::path::Component::Normal(n) => Ok(n),
            _ => Err(io::Error::new(io::ErrorKind::InvalidInput, "not a plain relative path")),
        })
        .collect::<io::Result<_>>()?;
    let Some((last, folders)) = names.split_last() else {
        return Err(NotRegular::Folder);
    };
    let mut at = Folder::open(dir)?;
    let mut walked = PathBuf::new();
    for name in folders {
        walked.push(name);
        match at.entry(name)?.0 {
            Kind::Folder => at = at.folder(name)?,
            Kind::Symlink => return Err(NotRegular::Symlink(walked)),
            _ => return Err(io::Error::new(io::ErrorKind::NotFound, "not a folder").into()),
        }
    }
    walked.push(last);
    match at.entry(last)?.0 {
        Kind::Regular => read_open(at.file(last)?, max),
        Kind::Symlink => Err(NotRegular::Symlink(walked)),
        Kind::Folder => Err(NotRegular::Folder),
        Kind::Special => Err(NotRegular::Special),
    }
}

/// Reads an opened file that must still be regular (it may have been swapped since it was
/// looked at), bounded by `max` bytes.
fn read_open(file: File, max: u64) -> Result<Vec<u8>, NotRegular> {
    let meta = file.metadata()?;
    if kind_of(&meta) != Kind::Regular {
        return Err(NotRegular::Special);
    }
    if meta.len() > max {
        return Err(NotRegular::TooLarge(max));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(NotRegular::TooLarge(max));
    }
    Ok(bytes)
}

/// Writes `bytes` to `path` atomically, with the temp file beside the target. Creates
/// missing parent directories.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = parent_dir(path);
    write_atomic_in(path, bytes, &dir)
}

/// Like [`write_atomic`] but puts the temp file in `tmp_dir`, which must be on the same
/// filesystem as `path` (a rename cannot cross filesystems; that fails with an error rather
/// than falling back to a non-atomic copy). `tmp_dir` is created if missing.
pub fn write_atomic_in(path: &Path, bytes: &[u8], tmp_dir: &Path) -> io::Result<()> {
    replace_via_temp(path, bytes, tmp_dir, true)
}

/// Like [`write_atomic_in`] but without fsync (see [`replace_if_changed`]): for files a
/// power cut may lose or tear because every reader verifies them.
pub fn replace_in(path: &Path, bytes: &[u8], tmp_dir: &Path) -> io::Result<()> {
    replace_via_temp(path, bytes, tmp_dir, false)
}

/// Proves that files can be created in `dir` (created if missing) before work that must be
/// recorded there starts: a uniquely named probe file is created (`create_new`), written and
/// removed again. A crash in between leaves at most a stray temp file.
pub fn probe_writable(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    let (mut file, tmp) = create_temp(dir, Path::new("write-probe"))?;
    let guard = TempGuard(Some(tmp));
    file.write_all(b"probe\n")?;
    drop(file);
    fs::remove_file(guard.path())?;
    guard.disarm();
    Ok(())
}

/// Temp file + rename; with `durable`, the file is fsynced before the rename and the
/// directory after it.
fn replace_via_temp(path: &Path, bytes: &[u8], tmp_dir: &Path, durable: bool) -> io::Result<()> {
    let (mut file, tmp) = create_temp(tmp_dir, path)?;
    let guard = TempGuard(Some(tmp));
    file.write_all(bytes)?;
    if durable {
        file.sync_all()?;
    }
    drop(file);
    let tmp_path = guard.path();
    if let Err(e) = fs::rename(tmp_path, path) {
        if e.kind() != io::ErrorKind::NotFound {
            return Err(e);
        }
        // The target's directory does not exist (yet, or any more): create it and retry.
        fs::create_dir_all(parent_dir(path))?;
        fs::rename(tmp_path, path)?;
    }
    guard.disarm();
    if durable {
        sync_dir(&parent_dir(path));
    }
    Ok(())
}

/// Writes `bytes` to `path` (atomically) unless the file already holds exactly these bytes.
/// Returns whether it wrote. Compares sizes first, then contents.
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> io::Result<bool> {
    if same_contents(path, bytes)? {
        return Ok(false);
    }
    write_atomic(path, bytes)?;
    Ok(true)
}

/// Like [`write_if_changed`] but without fsync: for files derived from durable ones (the
/// figures copied out of the store), which readers must never see half-written but which
/// need not survive a power cut, since the next build re-derives them. Skipping the two
/// fsyncs per file is most of the cost of placing a freshly built figure.
pub fn replace_if_changed(path: &Path, bytes: &[u8]) -> io::Result<bool> {
    if same_contents(path, bytes)? {
        return Ok(false);
    }
    replace(path, bytes)?;
    Ok(true)
}

/// Replaces `path` with `bytes` via a temp file and rename, without fsync (see
/// [`replace_if_changed`]).
pub fn replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
    replace_via_temp(path, bytes, &parent_dir(path), false)
}

/// Whether the file at `path` exists and holds exactly `bytes` (size checked before reading).
pub fn same_contents(path: &Path, bytes: &[u8]) -> io::Result<bool> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    file_has_contents(&file, bytes)
}

/// Whether an open file holds exactly `bytes`: compares the size, then reads at most one
/// byte past `bytes.len()` (the file may be growing under a non-atomic writer).
pub fn file_has_contents(file: &File, bytes: &[u8]) -> io::Result<bool> {
    let meta = file.metadata()?;
    if !meta.is_file() || meta.len() != bytes.len() as u64 {
        return Ok(false);
    }
    let mut existing = Vec::with_capacity(bytes.len());
    file.take(bytes.len() as u64 + 1).read_to_end(&mut existing)?;
    Ok(existing == bytes)
}

/// The directory holding `path` (`.` for a bare file name).
fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Creates a new, uniquely named temp file in `dir` (created if missing). The name is
/// `.<target name>.<pid>-<counter>-<random>.tmp`; `create_new` makes a clash an error we
/// retry rather than two writers sharing one file.
fn create_temp(dir: &Path, target: &Path) -> io::Result<(File, PathBuf)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let stem: String = target.file_name().map(|n| n.to_string_lossy().chars().take(64).collect()).unwrap_or_default();
    let mut created_dir = false;
    for _ in 0..100 {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!(".{stem}.{}-{n}-{:016x}{TEMP_SUFFIX}", std::process::id(), random_u64());
        let tmp = dir.join(name);
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(f) => return Ok((f, tmp)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) if e.kind() == io::ErrorKind::NotFound && !created_dir => {
                fs::create_dir_all(dir)?;
                created_dir = true;
            }
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!("could not create a unique temp file in {}", dir.display()),
    ))
}

/// 64 random-enough bits without a dependency: std's per-process random hash keys, mixed
/// with the time. Uniqueness does not rest on this alone (pid + counter + `create_new`).
fn random_u64() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    h.write_u128(nanos);
    h.finish()
}

/// Fsyncs a directory so a rename into it is durable. Best effort: the rename has already
/// happened, and if this fails the worst case after a power loss is the old file (or none),
/// never a partial one, because the file's own data was fsynced before the rename.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Removes the temp file on early return (error paths); disarmed once renamed.
struct TempGuard(Option<PathBuf>);

impl TempGuard {
    fn path(&self) -> &Path {
        self.0.as_deref().expect("temp guard is armed")
    }
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for TempGuard {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = fs::remove_file(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;

    /// A file looked at by name in an opened folder has the size, time and fingerprint
    /// its path's `lstat` gives; a link, a folder and nothing are no regular file.
    #[test]
    fn a_folder_looks_at_its_files_as_lstat_does() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.pdf");
        std::fs::write(&file, b"12345").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&file, dir.path().join("link.pdf")).unwrap();
        let folder = Folder::open(dir.path()).unwrap();
        let meta = std::fs::symlink_metadata(&file).unwrap();
        let mtime = meta.modified().unwrap().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        assert_eq!(folder.regular_file("a.pdf"), Some((5, mtime)));
        assert_eq!(folder.entry(std::ffi::OsStr::new("a.pdf")).unwrap(), (Kind::Regular, Fingerprint::of(&meta)));
        assert_eq!(folder.regular_file("link.pdf"), None);
        assert_eq!(folder.regular_file("sub"), None);
        assert_eq!(folder.regular_file("none.pdf"), None);
        assert_eq!(folder.entry(std::ffi::OsStr::new("link.pdf")).unwrap().0, Kind::Symlink);
        assert_eq!(folder.entry(std::ffi::OsStr::new("sub")).unwrap().0, Kind::Folder);
    }

    #[cfg(unix)]
    fn mkfifo(path: &Path) {
        let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: `c` is a NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo {}", path.display());
    }

    #[cfg(unix)]
    #[test]
    fn read_regular_beneath_follows_no_link_and_opens_no_pipe() {
        let tmp = tempfile::tempdir().unwrap();
        let (dir, outside) = (tmp.path().join("work"), tmp.path().join("outside.txt"));
        fs::create_dir_all(dir.join("out")).unwrap();
        fs::write(&outside, b"secret").unwrap();
        fs::write(dir.join("out/ok.svg"), b"<svg/>").unwrap();
        let read = |rel: &str, max: u64| read_regular_beneath(&dir, Path::new(rel), max);
        assert_eq!(read("out/ok.svg", 6).unwrap(), b"<svg/>");
        assert!(matches!(read("out/ok.svg", 5), Err(NotRegular::TooLarge(5))));
        assert!(matches!(read("out/none.svg", 9), Err(NotRegular::Io(e)) if e.kind() == io::ErrorKind::NotFound));
        std::os::unix::fs::symlink(&outside, dir.join("out/link.svg")).unwrap();
        assert!(matches!(read("out/link.svg", 99), Err(NotRegular::Symlink(p)) if p == Path::new("out/link.svg")));
        // A relative link inside the folder is refused too: outputs are files, not links.
        std::os::unix::fs::symlink("ok.svg", dir.join("out/rel.svg")).unwrap();
        assert!(matches!(read("out/rel.svg", 99), Err(NotRegular::Symlink(_))));
        // A linked folder on the way.
        std::os::unix::fs::symlink(tmp.path(), dir.join("up")).unwrap();
        assert!(matches!(read("up/outside.txt", 99), Err(NotRegular::Symlink(p)) if p == Path::new("up")));
        assert!(matches!(read("out", 99), Err(NotRegular::Folder)));
        assert!(read("../outside.txt", 99).is_err() && read("/etc/hostname", 99).is_err());
        // A FIFO with no writer: refused at once, never opened (opening would block).
        mkfifo(&dir.join("out/fifo.svg"));
        assert!(matches!(read("out/fifo.svg", 99), Err(NotRegular::Special)));
    }

    #[cfg(unix)]
    #[test]
    fn read_regular_refuses_pipes_and_folders() {
        let tmp = tempfile::tempdir().unwrap();
        let fifo = tmp.path().join("fifo.csv");
        mkfifo(&fifo);
        let e = read_regular(&fifo).unwrap_err();
        assert_eq!(
            (e.kind(), e.to_string()),
            (io::ErrorKind::InvalidInput, "not a regular file (a pipe, socket or device)".into())
        );
        assert_eq!(read_regular(tmp.path()).unwrap_err().to_string(), "a folder");
        let file = tmp.path().join("a.csv");
        fs::write(&file, b"x\n").unwrap();
        std::os::unix::fs::symlink(&file, tmp.path().join("link.csv")).unwrap();
        assert_eq!(read_regular(&tmp.path().join("link.csv")).unwrap(), b"x\n", "inputs follow links");
    }

    #[test]
    fn probe_writable_leaves_nothing_and_fails_where_nothing_can_be_created() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("new/folder");
        probe_writable(&target).unwrap();
        assert!(dir_entries(&target).is_empty(), "the probe file is removed");
        let file = dir.path().join("file");
        fs::write(&file, b"x").unwrap();
        assert!(probe_writable(&file).is_err());
        assert!(probe_writable(&file.join("below")).is_err());
    }

    fn dir_entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> =
            fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        v.sort();
        v
    }

    #[test]
    fn writes_creates_parents_and_replaces() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("a/b/out.txt");
        write_atomic(&path, b"first").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"first");
        write_atomic(&path, b"second, longer").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second, longer");
        write_atomic(&path, b"").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"");
        // No temp files left behind.
        assert_eq!(dir_entries(&tmp.path().join("a/b")), vec!["out.txt"]);
    }

    #[test]
    fn temp_dir_variant_leaves_nothing_in_it() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("objects/x");
        let tmp_dir = tmp.path().join("tmp");
        write_atomic_in(&path, b"data", &tmp_dir).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"data");
        assert!(dir_entries(&tmp_dir).is_empty());
    }

    #[test]
    fn failed_write_removes_its_temp_file() {
        let tmp = tempfile::tempdir().unwrap();
        // The target is an existing non-empty directory: the rename fails.
        let target = tmp.path().join("target");
        fs::create_dir_all(target.join("inside")).unwrap();
        let tmp_dir = tmp.path().join("tmp");
        assert!(write_atomic_in(&target, b"x", &tmp_dir).is_err());
        assert!(dir_entries(&tmp_dir).is_empty(), "temp file was not cleaned up");
        assert!(target.join("inside").is_dir());
    }

    #[test]
    fn write_if_changed_only_writes_differences() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("f");
        assert!(write_if_changed(&path, b"abc").unwrap());
        let before = fs::metadata(&path).unwrap();
        assert!(!write_if_changed(&path, b"abc").unwrap());
        let after = fs::metadata(&path).unwrap();
        // Untouched: same inode (a rewrite would rename a new file in).
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            assert_eq!(before.ino(), after.ino());
        }
        assert_eq!(before.modified().unwrap(), after.modified().unwrap());
        // Same size, different bytes; then a different size.
        assert!(write_if_changed(&path, b"abd").unwrap());
        assert_eq!(fs::read(&path).unwrap(), b"abd");
        assert!(write_if_changed(&path, b"abcd").unwrap());
        assert_eq!(fs::read(&path).unwrap(), b"abcd");
    }

    #[test]
    fn temp_names_are_unique() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("t");
        let mut names = std::collections::HashSet::new();
        for _ in 0..200 {
            let (_f, p) = create_temp(tmp.path(), &target).unwrap();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            assert!(name.starts_with(".t.") && name.ends_with(TEMP_SUFFIX), "{name}");
            assert!(names.insert(name));
        }
    }

    /// A reader polling the target while a writer alternates two contents of different
    /// sizes must only ever see one of the two, complete.
    #[test]
    fn readers_never_see_partial_content() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("f");
        let a: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        let b: Vec<u8> = vec![7u8; 700_000];
        write_atomic(&path, &a).unwrap();
        let done = Arc::new(AtomicBool::new(false));
        let reader = {
            let (path, a, b, done) = (path.clone(), a.clone(), b.clone(), done.clone());
            std::thread::spawn(move || {
                let mut reads = 0u32;
                while !done.load(Ordering::Relaxed) || reads < 10 {
                    let got = fs::read(&path).unwrap();
                    assert!(got == a || got == b, "read a partial file of {} bytes", got.len());
                    reads += 1;
                }
                reads
            })
        };
        for i in 0..60 {
            write_atomic(&path, if i % 2 == 0 { &b } else { &a }).unwrap();
        }
        done.store(true, Ordering::Relaxed);
        let reads = reader.join().unwrap();
        assert!(reads >= 10);
    }
}
