//! File events: notify's debouncer on the project folder, reduced to the set of paths
//! whose contents may have changed.
//!
//! Dropped: access events (a file opened or read, including by paperfig itself), paperfig's
//! own outputs (the build, figure and cache folders, `paperfig.lock`, the `paperfig.sty` it
//! places beside LaTeX sources), version-control and other hidden folders, and editor
//! temporary files (`*~`, `.#*`, `*.swp`, `4913`, `*.tmp`, …). An editor that saves by
//! writing a temporary file and renaming it over the original shows up as the original's
//! path (the rename's target is kept, its temporary source dropped); new, deleted and
//! renamed files show as their paths, and the state decides what each one means.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

use notify::{EventKind, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, DebouncedEvent, Debouncer, RecommendedCache, new_debouncer};

use crate::diag::{Code, Diagnostic};

/// How long the debouncer waits for a burst of events (an editor's save) to settle.
pub const DEBOUNCE: Duration = Duration::from_millis(120);

/// Which paths under the project folder are paperfig's own or an editor's scratch files.
#[derive(Clone, Debug)]
pub struct Filter {
    pub root: PathBuf,
    /// Folders paperfig writes into (build, figures, cache).
    pub own_dirs: Vec<PathBuf>,
    /// The files this process writes its output to (`paperfig watch > watch.log` inside
    /// the project), as (device, inode): their changes are this process's own lines.
    pub own_files: Vec<(u64, u64)>,
}

impl Filter {
    /// Whether a change to `path` can matter to the paper.
    pub fn relevant(&self, path: &Path) -> bool {
        if self.own_dirs.iter().any(|d| path.starts_with(d)) {
            return false;
        }
        if !self.own_files.is_empty() && std::fs::metadata(path).is_ok_and(|m| self.own_files.contains(&file_id(&m))) {
            return false;
        }
        let Ok(rel) = path.strip_prefix(&self.root) else { return false };
        let mut parts = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).peekable();
        let mut name = String::new();
        while let Some(part) = parts.next() {
            if parts.peek().is_some() {
                // A folder: hidden ones (.git, .paperfig, an editor's) and output folders.
                if part.starts_with('.') || matches!(part.as_str(), "target" | "node_modules") {
                    return false;
                }
            } else {
                name = part;
            }
        }
        if name.is_empty() {
            return false;
        }
        !(is_editor_temp(&name) || name == crate::lock::LOCK_FILE || name == "paperfig.sty")
    }
}

/// Device and inode of a file (0, 0 where there are none).
fn file_id(m: &std::fs::Metadata) -> (u64, u64) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        (m.dev(), m.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = m;
        (0, 0)
    }
}

/// The regular files standard output and standard error are written to, as (device,
/// inode): a redirect into the project must not look like an edit.
pub fn own_output_files() -> Vec<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        let mut out = Vec::new();
        for fd in [std::io::stdout().as_fd().try_clone_to_owned(), std::io::stderr().as_fd().try_clone_to_owned()] {
            if let Ok(m) = fd.map(std::fs::File::from).and_then(|f| f.metadata()) {
                if m.is_file() {
                    out.push(file_id(&m));
                }
            }
        }
        out
    }
    #[cfg(not(unix))]
    {
        Vec::new()
    }
}

/// Names editors use for swap, backup and save-by-rename temporary files.
pub fn is_editor_temp(name: &str) -> bool {
    name.ends_with('~')
        || name.starts_with(".#")
        || (name.starts_with('#') && name.ends_with('#'))
        || name == "4913"
        || name.starts_with(".goutputstream-")
        || [".swp", ".swo", ".swx", ".tmp", ".bak", ".part", ".crdownload"].iter().any(|ext| name.ends_with(ext))
        || (name.starts_with('.') && name.len() > 1 && !name[1..].contains('.'))
        || name.starts_with(".~")
}

/// The paths a batch of debounced events touched, filtered.
pub fn changed_paths(events: &[DebouncedEvent], filter: &Filter) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    for ev in events {
        if matches!(ev.event.kind, EventKind::Access(_)) {
            continue;
        }
        for p in &ev.event.paths {
            if filter.relevant(p) {
                out.insert(p.clone());
            }
        }
    }
    out
}

/// The running watcher: events arrive on `rx` until it is dropped.
pub struct Watcher {
    _debouncer: Debouncer<notify::RecommendedWatcher, RecommendedCache>,
    rx: Receiver<DebounceEventResult>,
    filter: Filter,
}

/// What waiting for events gave.
pub enum Wait {
    Changed(BTreeSet<PathBuf>),
    /// Nothing (yet); the caller checks its other work and waits again.
    Idle,
    /// The watcher failed (its messages), or stopped.
    Failed(Vec<String>),
}

impl Watcher {
    /// Watches `filter.root` recursively.
    pub fn start(filter: Filter) -> Result<Watcher, Diagnostic> {
        let (tx, rx) = channel();
        let mut debouncer = new_debouncer(DEBOUNCE, None, tx)
            .map_err(|e| Diagnostic::error(Code::Watch, format!("cannot watch files: {e}")).hint(INOTIFY_HINT))?;
        debouncer.watch(&filter.root, RecursiveMode::Recursive).map_err(|e| {
            Diagnostic::error(Code::Watch, format!("cannot watch {}: {e}", filter.root.display())).hint(INOTIFY_HINT)
        })?;
        Ok(Watcher { _debouncer: debouncer, rx, filter })
    }

    /// Waits up to `timeout` for changes, then takes every batch already queued with it, so
    /// edits made during a rebuild become one next rebuild.
    pub fn wait(&self, timeout: Duration) -> Wait {
        let mut paths = BTreeSet::new();
        let mut take = |res: DebounceEventResult| -> Result<(), Vec<String>> {
            match res {
                Ok(events) => {
                    paths.extend(changed_paths(&events, &self.filter));
                    Ok(())
                }
                Err(errors) => Err(errors.iter().map(|e| e.to_string()).collect()),
            }
        };
        match self.rx.recv_timeout(timeout) {
            Ok(res) => {
                if let Err(msgs) = take(res) {
                    return Wait::Failed(msgs);
                }
            }
            Err(RecvTimeoutError::Timeout) => return Wait::Idle,
            Err(RecvTimeoutError::Disconnected) => return Wait::Failed(vec!["the file watcher stopped".into()]),
        }
        while let Ok(res) = self.rx.try_recv() {
            if let Err(msgs) = take(res) {
                return Wait::Failed(msgs);
            }
        }
        if paths.is_empty() { Wait::Idle } else { Wait::Changed(paths) }
    }
}

const INOTIFY_HINT: &str =
    "on Linux, raise the inotify limits (sysctl fs.inotify.max_user_watches / max_user_instances)";

#[cfg(test)]
mod tests {
    use super::*;

    fn filter() -> Filter {
        Filter { root: "/p".into(), own_dirs: vec!["/p/build".into(), "/p/.paperfig".into()], own_files: vec![] }
    }

    #[test]
    fn outputs_and_scratch_files_are_not_relevant() {
        let f = filter();
        for p in [
            "/p/build/paper.pdf",
            "/p/build/figures/fig-a.svg",
            "/p/.paperfig/objects/x",
            "/p/.git/index",
            "/p/paperfig.lock",
            "/p/chapters/paperfig.sty",
            "/p/paper.md~",
            "/p/.paper.md.swp",
            "/p/4913",
            "/p/.#paper.md",
            "/p/#paper.md#",
            "/other/paper.md",
            "/p",
        ] {
            assert!(!f.relevant(Path::new(p)), "{p} should be ignored");
        }
    }

    #[test]
    fn sources_data_and_config_are_relevant() {
        let f = filter();
        for p in ["/p/paper.md", "/p/data/acc.csv", "/p/paperfig.toml", "/p/refs.bib", "/p/.latexmkrc.d/x/y.tex"] {
            let want = !p.contains("/.latexmkrc.d/");
            assert_eq!(f.relevant(Path::new(p)), want, "{p}");
        }
    }

    #[test]
    fn the_files_this_process_writes_its_output_to_are_not_relevant() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let (log, notes) = (root.join("watch.log"), root.join("notes.txt"));
        std::fs::write(&log, "[watch] #1").unwrap();
        std::fs::write(&notes, "n").unwrap();
        let own = file_id(&std::fs::metadata(&log).unwrap());
        let f = Filter { root: root.clone(), own_dirs: vec![], own_files: vec![own] };
        assert!(!f.relevant(&log));
        assert!(f.relevant(&notes));
        // the same file under another name (a hard link) is still this process's output
        std::fs::hard_link(&log, root.join("copy.log")).unwrap();
        assert!(!f.relevant(&root.join("copy.log")));
    }

    #[test]
    fn access_events_are_dropped() {
        use notify::event::{AccessKind, AccessMode, ModifyKind};
        let ev = |kind| {
            DebouncedEvent::new(notify::Event::new(kind).add_path("/p/data/a.csv".into()), std::time::Instant::now())
        };
        let events = vec![ev(EventKind::Access(AccessKind::Open(AccessMode::Any)))];
        assert!(changed_paths(&events, &filter()).is_empty());
        let events = vec![ev(EventKind::Modify(ModifyKind::Any))];
        assert_eq!(
            changed_paths(&events, &filter()).into_iter().collect::<Vec<_>>(),
            vec![PathBuf::from("/p/data/a.csv")]
        );
    }
}
