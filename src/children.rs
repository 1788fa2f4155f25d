//! What a build started outside itself, so that an interrupted build leaves none of it
//! behind: the process groups of the scripts and TeX runs it spawned, and the temporary
//! working copies they run in.
//!
//! [`install`] (the command line, for every command but `watch`, which stops between
//! rebuilds instead) catches SIGINT and SIGTERM. The handler does only what is safe in a
//! signal handler: it kills every registered process group (`kill(2)`) and writes the
//! signal's number to a pipe. A thread waiting on that pipe then removes the registered
//! folders and exits with 128 + the signal's number, as the default action would report.
//! Everything else a build writes is written atomically, so an exit at any point loses
//! nothing finished.
//!
//! Registration is by guard: [`Group::track`] and [`Folder::track`] hold a slot until the
//! group ended or the folder was removed.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI32, Ordering};

/// Process groups a build may run at once (one per figure job and TeX run); a group that
/// finds no free slot is still run, only not killed on interrupt.
const SLOTS: usize = 256;

static GROUPS: [AtomicI32; SLOTS] = [const { AtomicI32::new(0) }; SLOTS];
static FOLDERS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
/// The write end of the pipe the handler signals through (-1 before `install`).
static PIPE: AtomicI32 = AtomicI32::new(-1);

/// A registered process group, killed on interrupt while the guard lives.
pub struct Group(Option<usize>);

impl Group {
    /// Tracks the process group `pgid` (a child started with `process_group(0)` leads the
    /// group of its own pid).
    pub fn track(pgid: u32) -> Group {
        let Ok(pgid) = i32::try_from(pgid) else { return Group(None) };
        let slot = GROUPS.iter().position(|s| s.compare_exchange(0, pgid, Ordering::SeqCst, Ordering::SeqCst).is_ok());
        Group(slot)
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        if let Some(i) = self.0 {
            GROUPS[i].store(0, Ordering::SeqCst);
        }
    }
}

/// A registered temporary folder, removed on interrupt while the guard lives.
pub struct Folder(PathBuf);

impl Folder {
    pub fn track(path: PathBuf) -> Folder {
        FOLDERS.lock().unwrap_or_else(|p| p.into_inner()).push(path.clone());
        Folder(path)
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let mut folders = FOLDERS.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(i) = folders.iter().position(|p| *p == self.0) {
            folders.swap_remove(i);
        }
    }
}

#[cfg(unix)]
extern "C" fn on_signal(signo: libc::c_int) {
    for slot in &GROUPS {
        let pgid = slot.load(Ordering::SeqCst);
        if pgid > 0 {
            // SAFETY: kill(2) is async-signal-safe and has no memory preconditions.
            unsafe { libc::kill(-pgid, libc::SIGKILL) };
        }
    }
    let fd = PIPE.load(Ordering::SeqCst);
    let byte = u8::try_from(signo).unwrap_or(15);
    if fd < 0 {
        // SAFETY: _exit is async-signal-safe.
        unsafe { libc::_exit(128 + signo) };
    }
    // SAFETY: write(2) is async-signal-safe; the buffer is a live local.
    unsafe { libc::write(fd, (&byte as *const u8).cast(), 1) };
}

/// Catches SIGINT and SIGTERM for the rest of the process (see the module docs). Failing
/// to set up the pipe or thread leaves the default actions in place.
pub fn install() {
    #[cfg(unix)]
    {
        let mut fds = [0 as libc::c_int; 2];
        // SAFETY: pipe(2) writes two descriptors into the array it is given.
        if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
            return;
        }
        let read_end = fds[0];
        let waiter = std::thread::Builder::new().name("interrupt".into()).spawn(move || {
            let mut byte = 0u8;
            // SAFETY: reads one byte into a live local from a descriptor this thread owns.
            let n = unsafe { libc::read(read_end, (&mut byte as *mut u8).cast(), 1) };
            if n != 1 {
                return;
            }
            let folders = std::mem::take(&mut *FOLDERS.lock().unwrap_or_else(|p| p.into_inner()));
            for folder in folders {
                let _ = std::fs::remove_dir_all(folder);
            }
            std::process::exit(128 + i32::from(byte));
        });
        if waiter.is_err() {
            return;
        }
        PIPE.store(fds[1], Ordering::SeqCst);
        // SAFETY: the handler only calls async-signal-safe functions.
        unsafe {
            let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            libc::signal(libc::SIGINT, handler);
            libc::signal(libc::SIGTERM, handler);
        }
    }
}
