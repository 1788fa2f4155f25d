//! The incremental state of a watch: the sources as last read (scanned from memory, so only
//! changed files are read again), and which files on disk each figure reads. A batch of
//! changed paths is classified against it into what must be redone.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config;
use crate::digest::Digest;
use crate::plan::Registry;
use crate::project::{Project, ProjectError};
use crate::scan::{self, Directive, Scan};

/// What one batch of changes means.
#[derive(Debug, Default, PartialEq)]
pub struct Changes {
    /// `paperfig.toml` changed: everything is reloaded.
    pub config: bool,
    /// Sources whose text changed, or that appeared or disappeared.
    pub sources: Vec<String>,
    /// Figure inputs (data, scripts, PDFs …) whose contents changed, with their figures.
    pub inputs: Vec<(String, Vec<String>)>,
    /// Files the document read or asked for (bibliographies, styles, images, `\input`
    /// files), or any file before the first compile has told which: figures are checked
    /// and the document is recompiled.
    pub other: Vec<String>,
    /// Files nothing reads: no figure names them and the last compile did not ask for them
    /// (a log written into the project, notes, a notebook's checkpoints). They start
    /// nothing.
    pub ignored: Vec<String>,
}

impl Changes {
    /// Nothing that starts a rebuild (ignored files do not).
    pub fn is_empty(&self) -> bool {
        !self.config && self.sources.is_empty() && self.inputs.is_empty() && self.other.is_empty()
    }

    /// Whether the document may read a changed file directly (not only through figures).
    pub fn touches_document(&self) -> bool {
        self.config || !self.sources.is_empty() || !self.other.is_empty()
    }

    /// The changed files that start a rebuild, for the status line.
    pub fn names(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.config {
            out.push(config::FILE_NAME.to_string());
        }
        out.extend(self.sources.iter().cloned());
        out.extend(self.inputs.iter().map(|(f, _)| f.clone()));
        out.extend(self.other.iter().cloned());
        out
    }
}

/// A file a figure reads, as last seen (`None`: missing, so its appearing counts).
struct Input {
    digest: Option<Digest>,
    figures: Vec<String>,
}

/// A glob a figure reads files by (`inputs="data/*.csv"`), relative to `base`.
struct InputGlob {
    base: PathBuf,
    glob: globset::GlobMatcher,
    figure: String,
}

pub struct State {
    pub project: Project,
    pub registry: Registry,
    /// Source texts as last read, by path.
    texts: BTreeMap<PathBuf, String>,
    /// Files named by figure attributes, by normalized path (see `normalize`).
    inputs: BTreeMap<PathBuf, Input>,
    /// Globs of figure attributes.
    globs: Vec<InputGlob>,
    /// The files the last compile asked for in the document's folder (normalized), when it
    /// could tell; `None` before the first compile: every file may matter then.
    document_files: Option<BTreeSet<PathBuf>>,
    /// Sources deleted since the last rebuild: their figures leave the manifest.
    removed: Vec<PathBuf>,
}

impl State {
    /// Opens the project at `root` and reads every source.
    pub fn open(root: &Path) -> Result<State, ProjectError> {
        let project = Project::open(root)?;
        let registry = crate::compile::figures::registry(&project);
        let mut state = State {
            project,
            registry,
            texts: BTreeMap::new(),
            inputs: BTreeMap::new(),
            globs: Vec::new(),
            document_files: None,
            removed: Vec::new(),
        };
        for p in state.project.sources.clone() {
            if let Ok(text) = std::fs::read_to_string(&p) {
                state.texts.insert(p, text);
            }
        }
        Ok(state)
    }

    pub fn root(&self) -> &Path {
        &self.project.root
    }

    fn name(&self, path: &Path) -> String {
        scan::relative_name(&self.project.root, path)
    }

    /// Scans the sources held in memory.
    pub fn scan(&self) -> Scan {
        let sources: Vec<(PathBuf, String)> = self.texts.iter().map(|(p, t)| (p.clone(), t.clone())).collect();
        scan::scan_sources(&self.project.root, &sources)
    }

    /// The sources a rebuild covers: the current ones, plus those deleted since the last
    /// rebuild (so that `generate_scanned` treats them as scanned and drops their figures,
    /// instead of keeping entries of files it was not asked about). Clears the deleted list.
    pub fn take_scanned_sources(&mut self) -> Vec<PathBuf> {
        let mut all = self.project.sources.clone();
        all.append(&mut self.removed);
        all
    }

    /// Records the files each figure names (attribute values that are paths next to its
    /// source, existing or not yet, and globs), with their digests, so that later changes
    /// can be told apart from touches.
    pub fn record_inputs(&mut self, directives: &[Arc<Directive>]) {
        let mut inputs: BTreeMap<PathBuf, Input> = BTreeMap::new();
        let mut globs = Vec::new();
        for d in directives {
            let base = d.loc.file.path.parent().unwrap_or(&self.project.root).to_path_buf();
            for a in &d.attrs {
                if a.value.is_empty() || a.value.contains('\n') || a.value.len() > 4096 {
                    continue;
                }
                // a path, or (`inputs=`) several separated by commas or spaces (the whole
                // value still counts: a file name may hold a space)
                let mut values = vec![a.value.as_str()];
                if a.value.contains([',', ' ', '\t']) {
                    values.extend(a.value.split([',', ' ', '\t']).map(str::trim).filter(|s| !s.is_empty()));
                }
                for value in values {
                    if value.contains(['*', '?', '[', '{']) {
                        let glob = globset::GlobBuilder::new(value).literal_separator(true).build();
                        if let Ok(g) = glob {
                            globs.push(InputGlob {
                                base: base.clone(),
                                glob: g.compile_matcher(),
                                figure: d.name.clone(),
                            });
                        }
                        continue;
                    }
                    let path = normalize(&base.join(value));
                    if path.is_dir() || !path.starts_with(&self.project.root) || path == self.project.root {
                        continue;
                    }
                    let entry = inputs
                        .entry(path.clone())
                        .or_insert_with(|| Input { digest: digest_of(&path), figures: vec![] });
                    if !entry.figures.contains(&d.name) {
                        entry.figures.push(d.name.clone());
                    }
                }
            }
        }
        self.inputs = inputs;
        self.globs = globs;
    }

    /// Records what the last compile asked for in the document's folder, each path
    /// resolved once here (`None`: it could not tell, and every file may matter).
    pub fn record_document_files(&mut self, files: Option<Vec<PathBuf>>) {
        self.document_files = files.map(|f| f.iter().map(|p| normalize(p)).collect());
    }

    /// Whether the document may read `path`: it asked for it last time, it is a
    /// bibliography (BibTeX and biber read those themselves), or nothing is known yet.
    /// `path` is normalized (`normalize`), as the record is.
    fn document_reads(&self, path: &Path) -> bool {
        let Some(files) = &self.document_files else { return true };
        path.extension().is_some_and(|e| e == "bib") || files.contains(path)
    }

    /// The figures whose input globs match `path`.
    fn glob_figures(&self, path: &Path) -> Vec<String> {
        let mut out: Vec<String> = self
            .globs
            .iter()
            .filter(|g| path.strip_prefix(&g.base).is_ok_and(|r| g.glob.is_match(r)))
            .map(|g| g.figure.clone())
            .collect();
        out.dedup();
        out
    }

    /// Reads what changed among `paths` and updates the sources held in memory.
    pub fn apply(&mut self, paths: &BTreeSet<PathBuf>) -> Result<Changes, ProjectError> {
        let mut changes = Changes::default();
        let config_file = self.project.root.join(config::FILE_NAME);
        if paths.contains(&config_file) {
            *self = State::open(&self.project.root.clone())?;
            changes.config = true;
            return Ok(changes);
        }
        let mut source_set_changed = false;
        for p in paths {
            if scan::is_source(p) {
                match std::fs::read_to_string(p) {
                    Ok(text) => match self.texts.get(p) {
                        Some(old) if *old == text => {}
                        Some(_) => {
                            self.texts.insert(p.clone(), text);
                            changes.sources.push(self.name(p));
                        }
                        None => source_set_changed = true,
                    },
                    Err(_) if self.texts.contains_key(p) => source_set_changed = true,
                    Err(_) => {}
                }
            } else {
                let normal = normalize(p);
                if let Some(input) = self.inputs.get_mut(&normal) {
                    let now = digest_of(p);
                    if now != input.digest {
                        input.digest = now;
                        let figures = input.figures.clone();
                        changes.inputs.push((self.name(p), figures));
                    }
                } else if p.is_dir() {
                } else if let figures @ [_, ..] = self.glob_figures(p).as_slice() {
                    changes.inputs.push((self.name(p), figures.to_vec()));
                } else if self.document_reads(&normal) {
                    changes.other.push(self.name(p));
                } else {
                    changes.ignored.push(self.name(p));
                }
            }
        }
        if source_set_changed {
            // A source appeared or disappeared: list the sources again (the project's own
            // rules: [project] sources/exclude, skipped folders) and read the new ones.
            let project = Project::open(&self.project.root)?;
            let old: BTreeSet<PathBuf> = self.texts.keys().cloned().collect();
            let new: BTreeSet<PathBuf> = project.sources.iter().cloned().collect();
            for gone in old.difference(&new) {
                self.texts.remove(gone);
                self.removed.push(gone.clone());
                changes.sources.push(self.name(gone));
            }
            for added in new.difference(&old) {
                if let Ok(text) = std::fs::read_to_string(added) {
                    self.texts.insert(added.clone(), text);
                    changes.sources.push(self.name(added));
                }
            }
            self.project.sources = project.sources;
        }
        Ok(changes)
    }
}

/// `path` with symlinks resolved when it exists, else with its existing folder resolved
/// and `.`/`..` of the rest taken lexically: one spelling per file, so that a path TeX
/// asked for and a path a file watcher reports compare equal.
fn normalize(path: &Path) -> PathBuf {
    if let Ok(p) = path.canonicalize() {
        return p;
    }
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            c => out.push(c),
        }
    }
    match (out.parent().and_then(|d| d.canonicalize().ok()), out.file_name()) {
        (Some(dir), Some(name)) => dir.join(name),
        _ => out,
    }
}

fn digest_of(path: &Path) -> Option<Digest> {
    std::fs::read(path).ok().map(|b| Digest::of(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("data")).unwrap();
        std::fs::write(root.join("data/a.csv"), "x,y\n1,2\n").unwrap();
        std::fs::write(root.join("notes.txt"), "hi").unwrap();
        std::fs::write(
            root.join("paper.md"),
            "# P\n\n```{paperfig #fig:a kind=plot data=data/a.csv type=bar x=x y=y}\nA\n```\n",
        )
        .unwrap();
        (dir, root)
    }

    fn set(paths: &[&Path]) -> BTreeSet<PathBuf> {
        paths.iter().map(|p| p.to_path_buf()).collect()
    }

    #[test]
    fn a_touch_is_no_change_and_an_edit_is_one() {
        let (_d, root) = project();
        let mut s = State::open(&root).unwrap();
        let scan = s.scan();
        assert_eq!(scan.directives.len(), 1);
        s.record_inputs(&scan.directives);
        let data = root.join("data/a.csv");
        let paper = root.join("paper.md");
        assert!(s.apply(&set(&[&data, &paper])).unwrap().is_empty());
        std::fs::write(&data, "x,y\n1,3\n").unwrap();
        let c = s.apply(&set(&[&data])).unwrap();
        assert_eq!(c.inputs, vec![("data/a.csv".to_string(), vec!["fig:a".to_string()])]);
        assert!(!c.touches_document());
        std::fs::write(&paper, "# P2\n").unwrap();
        let c = s.apply(&set(&[&paper])).unwrap();
        assert_eq!(c.sources, vec!["paper.md".to_string()]);
        assert!(s.scan().directives.is_empty());
    }

    #[test]
    fn new_and_deleted_sources_and_other_files() {
        let (_d, root) = project();
        let mut s = State::open(&root).unwrap();
        let extra = root.join("extra.md");
        std::fs::write(&extra, "```{paperfig #fig:b kind=plot data=data/a.csv type=bar x=x y=y}\nB\n```\n").unwrap();
        let c = s.apply(&set(&[&extra])).unwrap();
        assert_eq!(c.sources, vec!["extra.md".to_string()]);
        assert_eq!(s.scan().directives.len(), 2);
        std::fs::remove_file(&extra).unwrap();
        let c = s.apply(&set(&[&extra])).unwrap();
        assert_eq!(c.sources, vec!["extra.md".to_string()]);
        assert_eq!(s.scan().directives.len(), 1);
        // before any compile has said what it reads, any file may matter
        let notes = root.join("notes.txt");
        let c = s.apply(&set(&[&notes])).unwrap();
        assert_eq!(c.other, vec!["notes.txt".to_string()]);
        assert!(c.touches_document());
    }

    #[test]
    fn after_a_compile_only_what_it_read_and_what_figures_name_matter() {
        let (_d, root) = project();
        let mut s = State::open(&root).unwrap();
        let (refs, logo, chapter, notes, log) = (
            root.join("refs.bib"),
            root.join("logo.png"),
            root.join("chapter.tex"),
            root.join("notes.txt"),
            root.join("watch.log"),
        );
        std::fs::write(&logo, "png").unwrap();
        // TeX asked for the logo and for chapter.tex, which does not exist yet
        s.record_document_files(Some(vec![logo.clone(), root.join("sub/../chapter.tex")]));
        s.record_inputs(&s.scan().directives);
        for (path, contents) in [(&notes, "x"), (&log, "[watch] #1"), (&refs, "@misc{a}"), (&chapter, "\\section{A}")] {
            std::fs::write(path, contents).unwrap();
        }
        let c = s.apply(&set(&[&notes, &log, &refs, &logo, &chapter])).unwrap();
        assert_eq!(c.ignored, vec!["notes.txt".to_string(), "watch.log".to_string()]);
        assert_eq!(c.other, vec!["logo.png".to_string(), "refs.bib".to_string()]);
        assert_eq!(c.sources, vec!["chapter.tex".to_string()], "a new LaTeX file is a source too");
        // ignored files alone are no change
        let c = s.apply(&set(&[&notes, &log])).unwrap();
        assert!(c.is_empty() && c.names().is_empty() && c.ignored.len() == 2);
        // a data file a figure names, though it does not exist yet, is an input
        std::fs::write(
            root.join("paper.md"),
            "```{paperfig #fig:n kind=plot data=data/new.csv}\nN\n```\n\n```{paperfig #fig:g kind=command run=python inputs=\"in/*.csv, x.py\"}\nG\n```\n",
        )
        .unwrap();
        s.apply(&set(&[&root.join("paper.md")])).unwrap();
        s.record_inputs(&s.scan().directives);
        let new = root.join("data/new.csv");
        std::fs::write(&new, "x,y\n1,2\n").unwrap();
        assert_eq!(
            s.apply(&set(&[&new])).unwrap().inputs,
            vec![("data/new.csv".to_string(), vec!["fig:n".to_string()])]
        );
        // and so is a file an input glob matches
        std::fs::create_dir_all(root.join("in")).unwrap();
        let matched = root.join("in/run1.csv");
        std::fs::write(&matched, "1").unwrap();
        assert_eq!(
            s.apply(&set(&[&matched])).unwrap().inputs,
            vec![("in/run1.csv".to_string(), vec!["fig:g".to_string()])]
        );
        // a compile that could not tell what it read makes every file matter again
        s.record_document_files(None);
        assert_eq!(s.apply(&set(&[&notes])).unwrap().other, vec!["notes.txt".to_string()]);
    }

    #[test]
    fn config_change_reloads() {
        let (_d, root) = project();
        let mut s = State::open(&root).unwrap();
        let toml = root.join("paperfig.toml");
        std::fs::write(&toml, "").unwrap();
        assert!(s.apply(&set(&[&toml])).unwrap().config);
    }
}
