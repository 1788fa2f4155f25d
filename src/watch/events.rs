//! File events: notify's watcher on the project folder, gathered into batches (one per
//! save) and reduced to the set of paths whose contents may have changed.
//!
//! A batch ends when the folder has been quiet for a while. How long depends on what the
//! batch saw: while a file in it was written and not yet closed, [`DEBOUNCE`] (an editor or
//! a script may still be writing it, in several parts); once every written file was closed,
//! renamed into place or removed (Linux reports closes), only [`SETTLED`], which joins the
//! events of one save and files saved together. A batch lasts at most [`MAX_BATCH`], so a
//! file written without pause (a log) holds back no rebuild for long.
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
use std::time::{Duration, Instant};

use notify::event::{AccessKind, AccessMode, CreateKind, ModifyKind};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher as _};

use crate::diag::{Code, Diagnostic};

/// How quiet the folder must stay before a batch ends while a file in it may still be
/// being written (modified and not closed, or on a platform that does not report closes).
pub const DEBOUNCE: Duration = Duration::from_millis(120);
/// How quiet the folder must stay before a batch ends once every file written in it was
/// closed, renamed into place or removed.
pub const SETTLED: Duration = Duration::from_millis(15);
/// The longest a batch gathers events.
pub const MAX_BATCH: Duration = Duration::from_secs(1);

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

/// The relevant paths one batch of events touched, and which of them may still be being
/// written.
#[derive(Debug, Default)]
pub struct Batch {
    pub paths: BTreeSet<PathBuf>,
    writing: BTreeSet<PathBuf>,
}

impl Batch {
    /// Takes one event in. Access events name no change (a file opened or read, including by
    /// paperfig itself); a close after writing completes that file's save.
    pub fn add(&mut self, event: &Event, filter: &Filter) {
        let relevant = event.paths.iter().filter(|p| filter.relevant(p));
        match event.kind {
            EventKind::Access(AccessKind::Close(AccessMode::Write)) => {
                for p in relevant {
                    self.writing.remove(p);
                }
            }
            EventKind::Access(_) => {}
            // Complete in one step: a rename (its target holds the whole new file), a removal,
            // a new folder, changed metadata (a `touch`).
            EventKind::Modify(ModifyKind::Name(_) | ModifyKind::Metadata(_))
            | EventKind::Remove(_)
            | EventKind::Create(CreateKind::Folder) => {
                for p in relevant {
                    self.writing.remove(p);
                    self.paths.insert(p.clone());
                }
            }
            // Contents written (or an event a platform does not say more about): the file
            // may not be complete until it is closed.
            _ => {
                for p in relevant {
                    self.writing.insert(p.clone());
                    self.paths.insert(p.clone());
                }
            }
        }
    }

    /// How long the folder must stay quiet before this batch is complete.
    pub fn quiet(&self) -> Duration {
        if self.writing.is_empty() { SETTLED } else { DEBOUNCE }
    }
}

/// The running watcher: events arrive on `rx` until it is dropped.
pub struct Watcher {
    _watcher: RecommendedWatcher,
    rx: Receiver<notify::Result<Event>>,
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
        let mut watcher = notify::recommended_watcher(tx)
            .map_err(|e| Diagnostic::error(Code::Watch, format!("cannot watch files: {e}")).hint(INOTIFY_HINT))?;
        watcher.watch(&filter.root, RecursiveMode::Recursive).map_err(|e| {
            Diagnostic::error(Code::Watch, format!("cannot watch {}: {e}", filter.root.display())).hint(INOTIFY_HINT)
        })?;
        Ok(Watcher { _watcher: watcher, rx, filter })
    }

    /// Waits up to `timeout` for a first event, then gathers a batch (see the module's
    /// documentation); events queued during a rebuild join the next batch, so edits made
    /// meanwhile become one next rebuild.
    pub fn wait(&self, timeout: Duration) -> Wait {
        match self.batch(timeout) {
            Ok(b) if b.paths.is_empty() => Wait::Idle,
            Ok(b) => Wait::Changed(b.paths),
            Err(msgs) => Wait::Failed(msgs),
        }
    }

    fn batch(&self, timeout: Duration) -> Result<Batch, Vec<String>> {
        let mut batch = Batch::default();
        let mut next = timeout;
        let started = Instant::now();
        loop {
            match self.rx.recv_timeout(next) {
                Ok(Ok(event)) => batch.add(&event, &self.filter),
                Ok(Err(e)) => return Err(vec![e.to_string()]),
                Err(RecvTimeoutError::Timeout) => return Ok(batch),
                Err(RecvTimeoutError::Disconnected) => return Err(vec!["the file watcher stopped".into()]),
            }
            let left = MAX_BATCH.saturating_sub(started.elapsed());
            if left.is_zero() {
                return Ok(batch);
            }
            next = batch.quiet().min(left);
        }
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

    fn event(kind: EventKind, path: &str) -> Event {
        Event::new(kind).add_path(path.into())
    }

    #[test]
    fn access_events_are_dropped() {
        let mut b = Batch::default();
        b.add(&event(EventKind::Access(AccessKind::Open(AccessMode::Any)), "/p/data/a.csv"), &filter());
        assert!(b.paths.is_empty());
        b.add(&event(EventKind::Modify(ModifyKind::Any), "/p/data/a.csv"), &filter());
        assert_eq!(b.paths.into_iter().collect::<Vec<_>>(), vec![PathBuf::from("/p/data/a.csv")]);
    }

    #[test]
    fn a_batch_waits_long_for_a_file_still_open_and_briefly_once_it_is_closed() {
        use notify::event::{DataChange, RemoveKind, RenameMode};
        let f = filter();
        let mut b = Batch::default();
        b.add(&event(EventKind::Modify(ModifyKind::Data(DataChange::Any)), "/p/data/a.csv"), &f);
        b.add(&event(EventKind::Modify(ModifyKind::Data(DataChange::Any)), "/p/paper.md"), &f);
        assert_eq!(b.quiet(), DEBOUNCE);
        b.add(&event(EventKind::Access(AccessKind::Close(AccessMode::Write)), "/p/data/a.csv"), &f);
        assert_eq!(b.quiet(), DEBOUNCE, "paper.md is still open");
        // a close for reading completes nothing
        b.add(&event(EventKind::Access(AccessKind::Close(AccessMode::Read)), "/p/paper.md"), &f);
        assert_eq!(b.quiet(), DEBOUNCE);
        b.add(&event(EventKind::Access(AccessKind::Close(AccessMode::Write)), "/p/paper.md"), &f);
        assert_eq!(b.quiet(), SETTLED);
        // written again after its close: open again
        b.add(&event(EventKind::Create(CreateKind::File), "/p/paper.md"), &f);
        assert_eq!(b.quiet(), DEBOUNCE);

        // A save by rename: the temporary file is written (not relevant), then renamed over.
        let mut b = Batch::default();
        b.add(&event(EventKind::Modify(ModifyKind::Data(DataChange::Any)), "/p/.paper.md.swp"), &f);
        let rename = Event::new(EventKind::Modify(ModifyKind::Name(RenameMode::Both)))
            .add_path("/p/paper.md.tmp".into())
            .add_path("/p/paper.md".into());
        b.add(&rename, &f);
        b.add(&event(EventKind::Remove(RemoveKind::File), "/p/old.csv"), &f);
        assert_eq!(b.quiet(), SETTLED);
        assert_eq!(b.paths.iter().map(|p| p.to_str().unwrap()).collect::<Vec<_>>(), ["/p/old.csv", "/p/paper.md"]);

        // Paperfig's own outputs neither join a batch nor hold it open.
        let mut b = Batch::default();
        b.add(&event(EventKind::Modify(ModifyKind::Data(DataChange::Any)), "/p/build/paper.pdf"), &f);
        assert!(b.paths.is_empty());
        assert_eq!(b.quiet(), SETTLED);
    }

    /// Real inotify: a file written in two parts with the file held open between them is one
    /// batch; the batch is complete once the file is closed.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_file_written_in_parts_is_one_batch_that_completes_when_closed() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let w = Watcher::start(Filter { root: root.clone(), own_dirs: vec![], own_files: vec![] }).unwrap();
        let path = root.join("data.csv");
        let mut file = std::fs::File::create(&path).unwrap();
        file.write_all(b"x,y\n").unwrap();
        let writer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            file.write_all(b"1,2\n").unwrap();
            drop(file);
        });
        let batch = w.batch(Duration::from_secs(5)).unwrap();
        writer.join().unwrap();
        assert_eq!(batch.paths.into_iter().collect::<Vec<_>>(), vec![path.clone()]);
        assert!(batch.writing.is_empty(), "the close ends the file's save: {:?}", batch.writing);
        // nothing of that save is left for a second batch
        assert!(w.batch(Duration::from_millis(200)).unwrap().paths.is_empty());
    }
}
