//! What TeX may read. Under `[build] trust = "project"` (the default) a document reads
//! only the project, its build and figure folders, paperfig's caches, the TeX trees and
//! the system's font folders, as kpathsea's `openin_any = p` keeps TeX to the working
//! folder: building someone else's document (a pull request in CI) cannot put the
//! runner's files into the PDF. `trust = "all"` lifts it on the user's own machine.
//!
//! The engine reads a document's own files through paperfig's bundle, which asks
//! [`Access::allows`] first (a name is resolved, symlinks and `..` included, before it is
//! judged). Absolute names are opened by tectonic itself, which reports each one it
//! opened; such a name outside the allowed folders is a refusal found after the run, and
//! then nothing the run made is written.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::config::Trust;

/// The rule for one build, shared by the bundle and the message collector.
#[derive(Debug)]
pub struct Access {
    trust: Trust,
    /// Allowed folders, resolved.
    roots: Vec<PathBuf>,
    refused: Mutex<Vec<String>>,
    /// Absolute names tectonic opened itself (they are not in the bundle's record).
    opened: Mutex<Vec<String>>,
}

impl Access {
    /// `roots`: the project's folders, the caches and the TeX trees (the system's font
    /// folders are added).
    pub fn new(trust: Trust, roots: impl IntoIterator<Item = PathBuf>) -> Access {
        let mut all: Vec<PathBuf> = roots.into_iter().collect();
        all.extend(font_dirs());
        let roots = all.iter().filter_map(|r| r.canonicalize().ok()).collect();
        Access { trust, roots, refused: Mutex::new(Vec::new()), opened: Mutex::new(Vec::new()) }
    }

    pub fn trust(&self) -> Trust {
        self.trust
    }

    /// The rule as text, for keys of what a run under it made (a preamble's format).
    pub fn describe(&self) -> String {
        let roots: Vec<String> = self.roots.iter().map(|r| r.display().to_string()).collect();
        format!("{:?} {}", self.trust, roots.join(":"))
    }

    /// Whether TeX may read `path` (an existing file; resolved before it is judged).
    pub fn allows(&self, path: &Path) -> bool {
        if self.trust == Trust::All || path == Path::new("/dev/null") {
            return true;
        }
        match path.canonicalize() {
            Ok(real) => self.roots.iter().any(|r| real.starts_with(r)),
            Err(_) => false,
        }
    }

    /// Records that TeX asked for `name` and was refused (reported once per name).
    pub fn refuse(&self, name: &str) {
        let mut refused = self.refused.lock().unwrap_or_else(|p| p.into_inner());
        if !refused.iter().any(|r| r == name) {
            refused.push(name.to_string());
        }
    }

    /// Checks a message of the engine: tectonic reports every absolute path it opened.
    pub fn check_message(&self, text: &str) {
        if let Some(path) = opened_absolute_path(text) {
            self.opened.lock().unwrap_or_else(|p| p.into_inner()).push(path.to_string());
            if !self.allows(Path::new(path)) {
                self.refuse(path);
            }
        }
    }

    /// The absolute names tectonic opened so far.
    pub fn opened(&self) -> Vec<String> {
        self.opened.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The names refused so far, in the order TeX asked for them.
    pub fn refused(&self) -> Vec<String> {
        self.refused.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// The path in tectonic's "accessing absolute path `/x`; build may not be reproducible…".
fn opened_absolute_path(text: &str) -> Option<&str> {
    let rest = text.strip_prefix("accessing absolute path `")?;
    let end = rest.find("`; ")?;
    Some(&rest[..end])
}

/// Where fontconfig finds system fonts (`\setmainfont{DejaVu Serif}` reads them).
pub(crate) fn font_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> =
        ["/usr/share/fonts", "/usr/local/share/fonts", "/Library/Fonts", "/System/Library/Fonts"]
            .iter()
            .map(PathBuf::from)
            .collect();
    if let Some(home) = std::env::var_os("HOME").map(PathBuf::from) {
        dirs.extend([home.join(".fonts"), home.join(".local/share/fonts"), home.join("Library/Fonts")]);
    }
    dirs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_files_under_the_roots_are_allowed_after_resolving_links_and_dots() {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path().join("project");
        let outside = dir.path().join("secret.txt");
        std::fs::create_dir_all(project.join("sub")).unwrap();
        std::fs::write(project.join("sub/ch.tex"), "ok").unwrap();
        std::fs::write(&outside, "secret").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&outside, project.join("link.tex")).unwrap();
        let access = Access::new(Trust::Project, [project.clone()]);
        assert!(access.allows(&project.join("sub/ch.tex")));
        assert!(!access.allows(&outside));
        assert!(!access.allows(&project.join("sub/../../secret.txt")), "`..` leaves the project");
        #[cfg(unix)]
        assert!(!access.allows(&project.join("link.tex")), "a link out of the project");
        assert!(!access.allows(Path::new("/etc/hostname")));
        assert!(access.allows(Path::new("/dev/null")));
        assert!(Access::new(Trust::All, [project]).allows(&outside));
    }

    #[test]
    fn absolute_paths_the_engine_reports_are_checked_once() {
        let dir = tempfile::tempdir().unwrap();
        let access = Access::new(Trust::Project, [dir.path().to_path_buf()]);
        let inside = dir.path().join("a.tex");
        std::fs::write(&inside, "").unwrap();
        let msg =
            |p: &str| format!("accessing absolute path `{p}`; build may not be reproducible in other environments");
        access.check_message(&msg(inside.to_str().unwrap()));
        access.check_message(&msg("/etc/hostname"));
        access.check_message(&msg("/etc/hostname"));
        access.check_message("some other warning about `/etc/passwd`; x");
        assert_eq!(access.refused(), ["/etc/hostname"]);
    }
}
