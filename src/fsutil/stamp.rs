//! What `stat` says of a file, to know without reading it that it still holds what was
//! read from it (the plan's input digests, the record of a build that needs no TeX).
//!
//! A fingerprint is the device, inode, size, mode, and modification and change times in
//! nanoseconds. Any write moves the change time (`ctime`), which no program can set back,
//! so a file rewritten with the same size and an old modification time still differs.
//!
//! A fingerprint stands for contents only once it is *settled*: a change in the same clock
//! tick as the one it saw could not be told apart later (git's "racy" index entries). The
//! moment to compare against is [`clock`], read *before* the `stat`:
//! - on a file system that stamps files with this kernel's clock (ext4, XFS, Btrfs, tmpfs,
//!   …, from `/proc/self/mountinfo`), a fingerprint whose times are older than that reading
//!   is settled: the kernel stamps a later change with its coarse clock, which has moved
//!   past it, or (Linux 6.13's multigrain times) with a finer time than any already seen;
//! - anywhere else (network and FUSE file systems, whose clocks may differ from ours), both
//!   times must lie [`RACY`] or more before it.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// On a file system whose clock may not be this kernel's, times younger than this (against
/// the [`clock`] read before the fingerprint was taken) keep a fingerprint from being
/// trusted later.
pub const RACY: Duration = Duration::from_secs(1);

/// The clock the kernel stamps files with (`CLOCK_REALTIME_COARSE` on Linux), to be read
/// before the `stat`s whose fingerprints [`Fingerprint::racy`] judges against it.
pub fn clock() -> SystemTime {
    #[cfg(target_os = "linux")]
    {
        let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: `ts` is a valid, writable timespec; the call only writes it.
        if unsafe { libc::clock_gettime(libc::CLOCK_REALTIME_COARSE, &mut ts) } == 0 && ts.tv_sec >= 0 {
            return UNIX_EPOCH + Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32);
        }
    }
    SystemTime::now()
}

/// What `stat` says about a file, as compared between builds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Fingerprint {
    pub dev: u64,
    pub ino: u64,
    pub size: u64,
    pub mode: u32,
    pub mtime_ns: i128,
    pub ctime_ns: i128,
}

impl Fingerprint {
    pub fn of(meta: &std::fs::Metadata) -> Fingerprint {
        let ns = |s: i64, n: i64| s as i128 * 1_000_000_000 + n as i128;
        Fingerprint {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
            mode: meta.mode(),
            mtime_ns: ns(meta.mtime(), meta.mtime_nsec()),
            ctime_ns: ns(meta.ctime(), meta.ctime_nsec()),
        }
    }

    /// The fingerprint of what `fstatat` filled in `st`, equal to [`Fingerprint::of`] the
    /// same file's metadata.
    // The fields' types differ between platforms (the casts are no-ops on 64-bit Linux).
    #[allow(clippy::unnecessary_cast)]
    pub fn of_stat(st: &libc::stat) -> Fingerprint {
        let ns = |s: i64, n: i64| s as i128 * 1_000_000_000 + n as i128;
        Fingerprint {
            dev: st.st_dev as u64,
            ino: st.st_ino as u64,
            size: st.st_size as u64,
            mode: st.st_mode as u32,
            mtime_ns: ns(st.st_mtime as i64, st.st_mtime_nsec as i64),
            ctime_ns: ns(st.st_ctime as i64, st.st_ctime_nsec as i64),
        }
    }

    /// The fingerprint of the regular file at `path` (symbolic links followed); `None`
    /// for anything else or when it cannot be read.
    pub fn of_file(path: &Path) -> Option<Fingerprint> {
        std::fs::metadata(path).ok().filter(|m| m.is_file()).map(|m| Fingerprint::of(&m))
    }

    /// The fingerprint of the folder at `path` (symbolic links followed): its times move
    /// whenever an entry is added, removed or renamed in it.
    pub fn of_dir(path: &Path) -> Option<Fingerprint> {
        std::fs::metadata(path).ok().filter(|m| m.is_dir()).map(|m| Fingerprint::of(&m))
    }

    /// The fingerprint as six space-separated numbers, for the memos that keep one in a
    /// line of text ([`Fingerprint::from_words`] reads it back).
    pub fn to_words(&self) -> String {
        let Fingerprint { dev, ino, size, mode, mtime_ns, ctime_ns } = self;
        format!("{dev} {ino} {size} {mode} {mtime_ns} {ctime_ns}")
    }

    /// Reads a fingerprint from the next six words of `words` ([`Fingerprint::to_words`]).
    pub fn from_words<'a>(words: &mut impl Iterator<Item = &'a str>) -> Option<Fingerprint> {
        let mut num = || words.next()?.parse::<i128>().ok();
        let (dev, ino, size, mode) = (num()?, num()?, num()?, num()?);
        let (mtime_ns, ctime_ns) = (num()?, num()?);
        Some(Fingerprint {
            dev: u64::try_from(dev).ok()?,
            ino: u64::try_from(ino).ok()?,
            size: u64::try_from(size).ok()?,
            mode: u32::try_from(mode).ok()?,
            mtime_ns,
            ctime_ns,
        })
    }

    /// Whether its file system stamps files with this kernel's clock, so that the fingerprint
    /// settles one clock tick after its last change ([`wait_for_tick`]).
    pub fn kernel_clocked(&self) -> bool {
        kernel_clocked(self.dev)
    }

    /// Whether a change made after this fingerprint was taken might leave it unchanged:
    /// either time is not older than `now` (a [`clock`] reading from before the `stat`),
    /// or, on a file system not known to use this kernel's clock, less than [`RACY`] older.
    pub fn racy(&self, now: SystemTime) -> bool {
        let now = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as i128);
        let newest = self.mtime_ns.max(self.ctime_ns);
        newest >= now || (now - newest < RACY.as_nanos() as i128 && !kernel_clocked(self.dev))
    }
}

/// Waits until the kernel's file clock ([`clock`]) has moved past this moment (one tick:
/// 1 to 10 ms; at most 50 ms), so that what was written before can be fingerprinted as
/// settled on a file system stamped by it. For a process that has just written files it
/// will want to recognise without reading them again.
pub fn wait_for_tick() {
    let now = SystemTime::now();
    let start = std::time::Instant::now();
    while clock() <= now && start.elapsed() < Duration::from_millis(50) {
        std::thread::sleep(Duration::from_micros(500));
    }
}

/// Whether the file system of device `dev` stamps files with this kernel's clock.
fn kernel_clocked(dev: u64) -> bool {
    #[cfg(target_os = "linux")]
    {
        static DEVICES: std::sync::OnceLock<Vec<u64>> = std::sync::OnceLock::new();
        let devices = DEVICES.get_or_init(|| {
            std::fs::read_to_string("/proc/self/mountinfo").map(|t| kernel_clocked_devices(&t)).unwrap_or_default()
        });
        devices.contains(&dev)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = dev;
        false
    }
}

/// Local file systems whose times come from the kernel's clock. Network file systems
/// (NFS, SMB, 9p), FUSE and overlays of unknown layers are left out: their times may come
/// from another clock.
const KERNEL_CLOCKED: &[&str] = &["ext2", "ext3", "ext4", "xfs", "btrfs", "tmpfs", "f2fs", "bcachefs", "jfs"];

/// The devices (`st_dev`) of the mounts in a `/proc/self/mountinfo` text whose file system
/// is one of [`KERNEL_CLOCKED`]. A line reads `id parent MAJOR:MINOR root point options
/// [tags…] - TYPE source super-options`.
fn kernel_clocked_devices(mountinfo: &str) -> Vec<u64> {
    let mut devices = Vec::new();
    for line in mountinfo.lines() {
        let mut fields = line.split(' ');
        let Some((major, minor)) = fields.nth(2).and_then(|d| d.split_once(':')) else { continue };
        let (Ok(major), Ok(minor)) = (major.parse::<u64>(), minor.parse::<u64>()) else { continue };
        let Some(kind) = fields.skip_while(|f| *f != "-").nth(1) else { continue };
        if KERNEL_CLOCKED.contains(&kind) {
            // glibc's `makedev`: the low bits of each number first, the high bits above.
            let dev = (minor & 0xff) | ((major & 0xfff) << 8) | ((minor & !0xff) << 12) | ((major & !0xfff) << 32);
            devices.push(dev);
        }
    }
    devices
}

/// Reads the regular file at `path`, with a fingerprint that stands for what was read: taken
/// before reading, equal after, and not racy; else `None`.
pub fn read_fingerprinted(path: &Path) -> std::io::Result<(Vec<u8>, Option<Fingerprint>)> {
    let now = clock();
    let before = Fingerprint::of_file(path);
    let bytes = std::fs::read(path)?;
    let after = Fingerprint::of_file(path);
    Ok((bytes, before.filter(|b| Some(*b) == after && !b.racy(now))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fingerprint_changes_with_any_write_and_stands_for_contents_only_once_settled() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.pdf");
        let before = clock();
        std::fs::write(&f, b"one").unwrap();
        let first = Fingerprint::of_file(&f).unwrap();
        // Written after the clock was read: a change in the same tick might not show, so it
        // stands for nothing.
        assert!(first.racy(before));
        assert!(!first.racy(before + RACY + Duration::from_millis(10)));
        // Once the clock has moved on, it stands for the contents on a file system stamped
        // by this kernel's clock (the temporary folder's, on the machines this runs on);
        // elsewhere only a second later.
        std::thread::sleep(Duration::from_millis(30));
        let (bytes, kept) = read_fingerprinted(&f).unwrap();
        assert_eq!(bytes, b"one");
        assert_eq!(kept, kernel_clocked(first.dev).then_some(first));
        assert_eq!(first.racy(clock()), !kernel_clocked(first.dev));
        // Same length, new contents, the modification time set back: the change time moved.
        std::thread::sleep(Duration::from_millis(20));
        std::fs::write(&f, b"two").unwrap();
        let old = std::fs::File::options().write(true).open(&f).unwrap();
        old.set_modified(UNIX_EPOCH + Duration::from_nanos(first.mtime_ns as u64)).unwrap();
        let second = Fingerprint::of_file(&f).unwrap();
        assert_eq!((second.size, second.mtime_ns), (first.size, first.mtime_ns));
        assert_ne!(second, first);
        // Replaced by a rename: another inode.
        std::fs::write(dir.path().join("b"), b"two").unwrap();
        std::fs::rename(dir.path().join("b"), &f).unwrap();
        assert_ne!(Fingerprint::of_file(&f).unwrap().ino, second.ino);
        // Not a regular file: none.
        assert_eq!(Fingerprint::of_file(dir.path()), None);
        assert_eq!(Fingerprint::of_file(&dir.path().join("missing")), None);
    }

    #[test]
    fn the_devices_of_local_file_systems_from_mountinfo() {
        let text = "\
22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
23 22 0:21 / /proc rw,nosuid shared:5 - proc proc rw
24 22 0:45 / /tmp rw shared:7 master:2 - tmpfs tmpfs rw,size=100k
25 22 0:50 / /mnt/nfs rw - nfs4 server:/x rw
26 22 259:65540 / /data rw - xfs /dev/nvme0n1p4 rw
27 22 8:1 / /fuse rw - fuse.sshfs host: rw
garbage line
";
        let devs = kernel_clocked_devices(text);
        // st_dev as glibc's makedev encodes it: 254:0, 0:45 and 259:65540.
        assert_eq!(devs, vec![254 << 8, 45, (4 & 0xff) | ((259 & 0xfff) << 8) | ((65540 & !0xff) << 12)]);
        // The same encoding as the C library's.
        assert_eq!(devs[2], libc::makedev(259, 65540));
    }
}
