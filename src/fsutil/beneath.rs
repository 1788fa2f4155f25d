//! Walking down a folder without following links: on Unix through file descriptors
//! (`openat`/`fstatat` with `O_NOFOLLOW`), so a folder swapped for a link between the
//! check and the open is refused too; elsewhere by path, checking each step.

use super::stamp::Fingerprint;
use std::ffi::OsStr;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::Path;

/// What a directory entry is, not following a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Regular,
    Folder,
    Symlink,
    Special,
}

#[cfg(unix)]
impl Kind {
    /// The kind a `stat`'s `st_mode` says.
    fn of_mode(mode: libc::mode_t) -> Kind {
        match mode & libc::S_IFMT {
            libc::S_IFREG => Kind::Regular,
            libc::S_IFDIR => Kind::Folder,
            libc::S_IFLNK => Kind::Symlink,
            _ => Kind::Special,
        }
    }
}

/// What is at `path`, not following a link, with its fingerprint.
pub fn lstat(path: &Path) -> io::Result<(Kind, Fingerprint)> {
    let meta = fs::symlink_metadata(path)?;
    Ok((kind_of(&meta), Fingerprint::of(&meta)))
}

pub(super) fn kind_of(meta: &fs::Metadata) -> Kind {
    let t = meta.file_type();
    if t.is_file() {
        Kind::Regular
    } else if t.is_dir() {
        Kind::Folder
    } else if t.is_symlink() {
        Kind::Symlink
    } else {
        Kind::Special
    }
}

/// Opens for reading without waiting for a writer (a FIFO swapped in after the check would
/// otherwise block the open) and without making a terminal the controlling one.
pub(super) fn open_nonblocking(path: &Path) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    o.open(path)
}

/// An open folder whose files are looked at by name (`fstatat` on the folder's descriptor:
/// no walk of the folder's path per file, as a build checking hundreds of outputs would
/// otherwise make), and walked down without following links.
#[cfg(unix)]
#[derive(Debug)]
pub struct Folder(File);

#[cfg(unix)]
impl Folder {
    pub fn open(path: &Path) -> io::Result<Folder> {
        File::open(path).map(Folder)
    }

    fn name(name: &OsStr) -> io::Result<std::ffi::CString> {
        use std::os::unix::ffi::OsStrExt;
        std::ffi::CString::new(name.as_bytes()).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))
    }

    fn stat(&self, name: &OsStr) -> io::Result<libc::stat> {
        use std::os::fd::AsRawFd;
        let c = Folder::name(name)?;
        // SAFETY: `st` is plain old data that fstatat fills in; `c` is NUL-terminated and
        // the descriptor is open for the duration of the call.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        let r = unsafe { libc::fstatat(self.0.as_raw_fd(), c.as_ptr(), &mut st, libc::AT_SYMLINK_NOFOLLOW) };
        if r != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(st)
    }

    /// What `name` in this folder is, not following a link, with its fingerprint (as
    /// [`Fingerprint::of`] its `lstat`).
    pub fn entry(&self, name: &OsStr) -> io::Result<(Kind, Fingerprint)> {
        let st = self.stat(name)?;
        Ok((Kind::of_mode(st.st_mode), Fingerprint::of_stat(&st)))
    }

    fn open_at(&self, name: &OsStr, flags: libc::c_int) -> io::Result<File> {
        use std::os::fd::{AsRawFd, FromRawFd};
        let c = Folder::name(name)?;
        let flags = flags | libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_CLOEXEC;
        // SAFETY: `c` is NUL-terminated and the descriptor is open for the call.
        let fd = unsafe { libc::openat(self.0.as_raw_fd(), c.as_ptr(), flags) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: openat returned a new descriptor that nothing else owns.
        Ok(unsafe { File::from_raw_fd(fd) })
    }

    pub fn folder(&self, name: &OsStr) -> io::Result<Folder> {
        self.open_at(name, libc::O_DIRECTORY).map(Folder)
    }

    pub fn file(&self, name: &OsStr) -> io::Result<File> {
        self.open_at(name, libc::O_NONBLOCK | libc::O_NOCTTY)
    }
}

#[cfg(not(unix))]
#[derive(Debug)]
pub struct Folder(std::path::PathBuf);

#[cfg(not(unix))]
impl Folder {
    pub fn open(path: &Path) -> io::Result<Folder> {
        Ok(Folder(path.to_path_buf()))
    }
    pub fn entry(&self, name: &OsStr) -> io::Result<(Kind, Fingerprint)> {
        lstat(&self.0.join(name))
    }
    pub fn folder(&self, name: &OsStr) -> io::Result<Folder> {
        Ok(Folder(self.0.join(name)))
    }
    pub fn file(&self, name: &OsStr) -> io::Result<File> {
        open_nonblocking(&self.0.join(name))
    }
}

impl Folder {
    /// The size and modification time (nanoseconds since 1970, as [`std::fs::Metadata`]
    /// gives them) of the regular file `name` in this folder, not following a link: `None`
    /// for a link, a folder, anything else or nothing.
    pub fn regular_file(&self, name: &str) -> Option<(u64, u128)> {
        match self.entry(OsStr::new(name)).ok()? {
            (Kind::Regular, fp) => Some((fp.size, u128::try_from(fp.mtime_ns).ok()?)),
            _ => None,
        }
    }
}
