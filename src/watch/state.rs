//! The incremental state of a watch: the sources as last read (scanned from memory, so only
//! changed files are read again), and which files on disk each figure reads. A batch of
//! changed paths is classified against it into what must be redone.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

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
    /// Other files (bibliographies, styles, images, inputs not yet known): figures are
    /// checked (a missing input may have appeared) and the document is recompiled.
    pub other: Vec<String>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        !self.config && self.sources.is_empty() && self.inputs.is_empty() && self.other.is_empty()
    }

    /// Whether the document may read a changed file directly (not only through figures).
    pub fn touches_document(&self) -> bool {
        self.config || !self.sources.is_empty() || !self.other.is_empty()
    }

    /// The changed files, for the status line.
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

/// A file a figure reads, as last seen.
struct Input {
    digest: Option<Digest>,
    figures: Vec<String>,
}

pub struct State {
    pub project: Project,
    pub registry: Registry,
    /// Source texts as last read, by path.
    texts: BTreeMap<PathBuf, String>,
    /// Files named by figure attributes, by canonical path.
    inputs: BTreeMap<PathBuf, Input>,
    /// Sources deleted since the last rebuild: their figures leave the manifest.
    removed: Vec<PathBuf>,
}

impl State {
    /// Opens the project at `root` and reads every source.
    pub fn open(root: &Path) -> Result<State, ProjectError> {
        let project = Project::open(root)?;
        let registry = Registry::for_config(&project.config);
        let mut state =
            State { project, registry, texts: BTreeMap::new(), inputs: BTreeMap::new(), removed: Vec::new() };
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

    /// Records the files each figure names (attribute values that are files next to its
    /// source), with their digests, so that later changes can be told apart from touches.
    pub fn record_inputs(&mut self, directives: &[Directive]) {
        let mut inputs: BTreeMap<PathBuf, Input> = BTreeMap::new();
        for d in directives {
            let base = d.loc.file.path.parent().unwrap_or(&self.project.root).to_path_buf();
            for a in &d.attrs {
                if a.value.is_empty() || a.value.contains('\n') || a.value.len() > 4096 {
                    continue;
                }
                let Ok(path) = base.join(&a.value).canonicalize() else { continue };
                if !path.is_file() || !path.starts_with(&self.project.root) {
                    continue;
                }
                let entry =
                    inputs.entry(path.clone()).or_insert_with(|| Input { digest: digest_of(&path), figures: vec![] });
                entry.figures.push(d.name.clone());
            }
        }
        self.inputs = inputs;
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
            } else if let Some(input) = self.inputs.get_mut(p) {
                let now = digest_of(p);
                if now != input.digest {
                    input.digest = now;
                    let figures = input.figures.clone();
                    changes.inputs.push((self.name(p), figures));
                }
            } else if p.is_file() || !p.exists() {
                changes.other.push(self.name(p));
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
        let notes = root.join("notes.txt");
        let c = s.apply(&set(&[&notes])).unwrap();
        assert_eq!(c.other, vec!["notes.txt".to_string()]);
        assert!(c.touches_document());
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
