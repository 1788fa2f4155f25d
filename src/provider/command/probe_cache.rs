//! Runner probes cached across builds, revalidated by `stat` only.
//!
//! Probing a runner (`python3 --version`, each package's version) starts interpreters and
//! costs up to a second per build, for answers that change only when software is
//! installed. The answers are key material, so a stale one would silently serve a figure
//! made by another version: an entry is reused only while nothing it could depend on has
//! changed, and anything paperfig cannot watch is probed every time.
//!
//! An entry, `<cache>/probes/<sha256 of the identity>.json`, holds:
//! - the **identity**: the entry format, the runner's commands (`command`, `version`,
//!   `package_version`, `probe_paths`), its packages, the values of the environment
//!   variables probes see (`PATH`, `HOME`, `VIRTUAL_ENV`, …) and the path each program
//!   resolves to on `PATH`;
//! - the **watched paths** with their fingerprints (canonical path, device, inode, size,
//!   mode, mtime and ctime in nanoseconds, or "absent"): every program, the paths the
//!   runner's `probe_paths` command printed (for Python `sys.path`, the site folders and
//!   their `.pth` files, the real interpreter; `pip install -U` replaces `*.dist-info`
//!   folders, which changes the site folder), and for a pyenv shim pyenv's version files;
//! - the probe results.
//!
//! What is cached: a runner whose probes are all `[program, --flag]` without packages (the
//! program's own version), or one with `probe_paths`. Programs must be native executables;
//! a `#!` script can run anything, except a pyenv shim, whose choices are watched (and
//! then `probe_paths` is required). Everything else is probed on every build.
//!
//! Fingerprints are taken before probing, so a change while probing shows up next time. An
//! entry is not written when a watched time is less than [`RACY`](crate::fsutil::RACY) old: a change within the
//! same timestamp tick could not be told apart later (git's "racy" index entries).
//! Entries are written atomically; a damaged or foreign entry is a miss.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use super::exec;
use super::probe::{self, Probe};
use super::runners::Runner;

/// Bumped whenever the identity, the fingerprints or the file layout change.
const FORMAT: u32 = 1;
/// The environment variables probes see (`base_env`), so part of the identity.
const ENV: &[&str] = &["PATH", "HOME", "VIRTUAL_ENV", "PYENV_ROOT", "PYENV_VERSION", "CONDA_PREFIX"];

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    format: u32,
    identity: String,
    /// (path, fingerprint) as seen before probing.
    watched: Vec<(String, String)>,
    probe: Vec<(String, String)>,
}

/// The runner's probe, from the entry in `cache_dir` when it is still valid, else probed
/// (and stored when it can be trusted later).
pub(super) fn probe_cached(cache_dir: &Path, r: &Runner) -> Probe {
    let Some(plan) = Plan::new(r) else { return probe::probe(r) };
    let file = cache_dir
        .join("probes")
        .join(format!("{}.json", &crate::digest::Digest::of(plan.identity.as_bytes()).hex()[..32]));
    if let Some(hit) = read(&file, &plan.identity) {
        return Ok(hit);
    }
    let started = crate::fsutil::clock();
    let mut watched: Vec<PathBuf> = plan.watch.clone();
    let mut complete = true;
    if !r.probe_paths.is_empty() {
        match probe::probe_output(r, &r.probe_paths, "list of probed paths") {
            Ok(out) => watched.extend(out.lines().map(str::trim).filter(|l| !l.is_empty()).map(PathBuf::from)),
            Err(_) => complete = false,
        }
    }
    watched.sort();
    watched.dedup();
    let prints: Vec<(String, Fingerprint)> =
        watched.iter().map(|p| (p.to_string_lossy().into_owned(), Fingerprint::of(p))).collect();
    let result = probe::probe(r);
    let settled = prints.iter().all(|(_, f)| !f.is_racy(started));
    if let (Ok(found), true, true) = (&result, complete, settled) {
        let entry = Entry {
            format: FORMAT,
            identity: plan.identity,
            watched: prints.iter().map(|(p, f)| (p.clone(), f.render())).collect(),
            probe: found.clone(),
        };
        // The cache only saves time: a folder that cannot be written costs the probes.
        if let Ok(bytes) = serde_json::to_vec_pretty(&entry) {
            let _ = std::fs::create_dir_all(file.parent().unwrap_or(cache_dir));
            let _ = crate::fsutil::write_atomic(&file, &bytes);
        }
    }
    result
}

/// A valid entry's probe results.
fn read(file: &Path, identity: &str) -> Option<Vec<(String, String)>> {
    let entry: Entry = serde_json::from_slice(&std::fs::read(file).ok()?).ok()?;
    if entry.format != FORMAT || entry.identity != identity {
        return None;
    }
    let unchanged = entry.watched.iter().all(|(p, f)| Fingerprint::of(Path::new(p)).render() == *f);
    unchanged.then_some(entry.probe)
}

/// What a cacheable runner's entry is named by and which paths it watches before
/// `probe_paths` adds its own.
struct Plan {
    identity: String,
    watch: Vec<PathBuf>,
}

impl Plan {
    /// `None` when the runner's probes cannot be cached safely (or there is nothing to probe).
    fn new(r: &Runner) -> Option<Plan> {
        if r.version.is_empty() && r.packages.is_empty() {
            return None;
        }
        let declared = !r.probe_paths.is_empty();
        let self_describing = r.packages.is_empty() && is_flag_form(&r.version);
        if !(declared || self_describing) {
            return None;
        }
        let path = std::env::var("PATH").unwrap_or_default();
        let mut identity = format!("paperfig runner probe v{FORMAT}\n");
        let json = |v: &[String]| serde_json::to_string(v).unwrap_or_default();
        for (what, v) in [
            ("command", &r.command),
            ("version", &r.version),
            ("package_version", &r.package_version),
            ("packages", &r.packages),
            ("probe_paths", &r.probe_paths),
        ] {
            identity.push_str(&format!("{what} {}\n", json(v)));
        }
        for name in ENV {
            identity.push_str(&format!("env {name} {:?}\n", std::env::var(name).ok()));
        }
        let mut watch = Vec::new();
        let mut programs: Vec<&String> = Vec::new();
        for argv in [&r.command, &r.version, &r.package_version, &r.probe_paths] {
            if let Some(p) = argv.first().filter(|p| !programs.contains(p)) {
                programs.push(p);
            }
        }
        for program in programs {
            let found = exec::find_program(program, &path)?;
            identity.push_str(&format!("program {program} {}\n", found.display()));
            match native_or_shim(&found)? {
                Program::Native => {}
                Program::PyenvShim(paths) if declared => watch.extend(paths),
                Program::PyenvShim(_) => return None,
            }
            watch.push(found);
        }
        Some(Plan { identity, watch })
    }
}

/// `[program, -flag]`: a program asked for its own version.
fn is_flag_form(argv: &[String]) -> bool {
    matches!(argv, [_, flag] if flag.starts_with('-') && flag.len() > 1
        && flag.trim_start_matches('-').chars().all(|c| c.is_ascii_alphanumeric()))
}

enum Program {
    Native,
    /// A pyenv shim and the files that decide which Python it runs.
    PyenvShim(Vec<PathBuf>),
}

/// Whether `path` is a native executable (ELF, Mach-O), a pyenv shim, or neither (`None`).
fn native_or_shim(path: &Path) -> Option<Program> {
    use std::io::Read;
    let mut head = Vec::new();
    std::fs::File::open(path).ok()?.take(1024).read_to_end(&mut head).ok()?;
    const MAGIC: &[&[u8]] = &[
        b"\x7fELF",
        b"\xfe\xed\xfa\xce",
        b"\xfe\xed\xfa\xcf",
        b"\xce\xfa\xed\xfe",
        b"\xcf\xfa\xed\xfe",
        b"\xca\xfe\xba\xbe",
    ];
    if MAGIC.iter().any(|m| head.starts_with(m)) {
        return Some(Program::Native);
    }
    let text = String::from_utf8_lossy(&head);
    let in_shims = path.parent().and_then(|d| d.file_name()).is_some_and(|n| n == "shims");
    if !(text.starts_with("#!") && in_shims && text.contains("pyenv\" exec")) {
        return None;
    }
    // pyenv picks the version from PYENV_VERSION (in the identity), `.python-version` in
    // the working folder (a fresh temporary folder) and its parents, then `$PYENV_ROOT/version`.
    let root = text
        .lines()
        .find_map(|l| l.strip_prefix("export PYENV_ROOT=\""))
        .map(|r| PathBuf::from(r.trim_end_matches('"')))
        .or_else(|| path.parent()?.parent().map(Path::to_path_buf))?;
    let mut paths = vec![root.join("version"), root.join("versions"), root.join("libexec/pyenv")];
    paths.extend(std::env::temp_dir().ancestors().map(|d| d.join(".python-version")));
    Some(Program::PyenvShim(paths))
}

/// A path's identity and last change, as far as `stat` tells.
#[derive(Debug, PartialEq)]
enum Fingerprint {
    Absent,
    Unreadable(String),
    Present { canonical: String, stat: crate::fsutil::Fingerprint },
}

impl Fingerprint {
    #[cfg(unix)]
    fn of(path: &Path) -> Fingerprint {
        match std::fs::metadata(path) {
            Ok(m) => Fingerprint::Present {
                canonical: path.canonicalize().map_or_else(|_| String::new(), |c| c.to_string_lossy().into_owned()),
                stat: crate::fsutil::Fingerprint::of(&m),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Fingerprint::Absent,
            Err(e) => Fingerprint::Unreadable(format!("{:?}", e.kind())),
        }
    }

    /// Without inode change times nothing can be trusted: every path is unreadable.
    #[cfg(not(unix))]
    fn of(_path: &Path) -> Fingerprint {
        Fingerprint::Unreadable("no stat".into())
    }

    fn render(&self) -> String {
        match self {
            Fingerprint::Absent => "absent".into(),
            Fingerprint::Unreadable(why) => format!("unreadable {why}"),
            Fingerprint::Present { canonical, stat } => {
                let crate::fsutil::Fingerprint { dev, ino, size, mode, mtime_ns, ctime_ns } = stat;
                format!("{canonical} dev={dev} ino={ino} size={size} mode={mode:o} mtime={mtime_ns} ctime={ctime_ns}")
            }
        }
    }

    /// Changed too recently (or in the future) to be told apart from a change right after
    /// it; unreadable paths never validate an entry.
    fn is_racy(&self, now: SystemTime) -> bool {
        match self {
            Fingerprint::Absent => false,
            Fingerprint::Present { stat, .. } => stat.racy(now),
            Fingerprint::Unreadable(_) => true,
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn fingerprints_see_changes_inside_a_folder_and_to_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        std::fs::create_dir_all(site.join("pkg-1.0.dist-info")).unwrap();
        let f = Fingerprint::of(&site).render();
        assert_eq!(Fingerprint::of(&site).render(), f, "stable while nothing changes");
        std::fs::rename(site.join("pkg-1.0.dist-info"), site.join("pkg-1.1.dist-info")).unwrap();
        assert_ne!(Fingerprint::of(&site).render(), f, "a replaced dist-info folder");
        let missing = dir.path().join("user-site");
        assert_eq!(Fingerprint::of(&missing), Fingerprint::Absent);
        std::fs::create_dir(&missing).unwrap();
        assert_ne!(Fingerprint::of(&missing), Fingerprint::Absent, "a folder that appears");
        let exe = dir.path().join("tool");
        std::fs::write(&exe, "a").unwrap();
        let f = Fingerprint::of(&exe).render();
        std::fs::write(dir.path().join("tool.new"), "b").unwrap();
        std::fs::rename(dir.path().join("tool.new"), &exe).unwrap();
        assert_ne!(Fingerprint::of(&exe).render(), f, "a replaced file (new inode)");
    }

    #[test]
    fn fresh_changes_are_racy_old_ones_and_absent_paths_are_not() {
        let now = crate::fsutil::clock();
        let dir = tempfile::tempdir().unwrap();
        assert!(Fingerprint::of(dir.path()).is_racy(now), "created after the clock was read");
        assert!(!Fingerprint::of(&dir.path().join("none")).is_racy(now));
        assert!(!Fingerprint::of(dir.path()).is_racy(now + Duration::from_secs(5)));
        assert!(Fingerprint::Unreadable("x".into()).is_racy(now));
    }

    fn runner(version: &[&str], packages: &[&str], probe_paths: &[&str]) -> Runner {
        let mut r = crate::provider::command::runners::Runners::defaults().runners["sh"].clone();
        r.version = version.iter().map(|s| s.to_string()).collect();
        r.packages = packages.iter().map(|s| s.to_string()).collect();
        r.package_version =
            if packages.is_empty() { Vec::new() } else { vec!["sh".into(), "-c".into(), "{package}".into()] };
        r.probe_paths = probe_paths.iter().map(|s| s.to_string()).collect();
        r
    }

    #[test]
    fn only_self_describing_or_declared_probes_of_native_programs_are_cached() {
        // `sh` is a native executable on every unix.
        assert!(Plan::new(&runner(&["sh", "--version"], &[], &[])).is_some(), "a program's own version");
        assert!(Plan::new(&runner(&[], &[], &[])).is_none(), "nothing to probe");
        assert!(Plan::new(&runner(&["sh", "-c", "cat VERSION"], &[], &[])).is_none(), "reads who knows what");
        assert!(Plan::new(&runner(&["sh", "--version"], &["numpy"], &[])).is_none(), "packages need probe_paths");
        assert!(Plan::new(&runner(&["sh", "--version"], &["numpy"], &["sh", "-c", "echo /x"])).is_some());
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("tool");
        std::fs::write(&script, "#!/bin/sh\necho 1\n").unwrap();
        let s = script.to_string_lossy();
        assert!(Plan::new(&runner(&[&s, "--version"], &[], &[])).is_none(), "a #! script can do anything");
        assert!(Plan::new(&runner(&["no-such-program-here", "--version"], &[], &[])).is_none());
    }

    #[test]
    fn a_pyenv_shim_watches_the_version_files_and_needs_probe_paths() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("pyenv");
        std::fs::create_dir_all(root.join("shims")).unwrap();
        let shim = root.join("shims/python3");
        let text = format!(
            "#!/usr/bin/env bash\nset -e\nexport PYENV_ROOT=\"{}\"\nexec \"{}/libexec/pyenv\" exec \"$program\" \"$@\"\n",
            root.display(),
            root.display()
        );
        std::fs::write(&shim, text).unwrap();
        let Some(Program::PyenvShim(paths)) = native_or_shim(&shim) else { panic!("not seen as a pyenv shim") };
        assert!(paths.contains(&root.join("version")), "{paths:?}");
        assert!(paths.iter().any(|p| p.ends_with(".python-version")), "{paths:?}");
        let s = shim.to_string_lossy();
        assert!(Plan::new(&runner(&[&s, "--version"], &[], &[])).is_none(), "a shim without probe_paths");
        let plan = Plan::new(&runner(&[&s, "--version"], &[], &[&s, "-c", "paths"])).unwrap();
        assert!(plan.watch.contains(&root.join("version")) && plan.watch.contains(&shim), "{:?}", plan.watch);
    }
}
