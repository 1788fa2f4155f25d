//! Stage 5, emit: put finished figures where Markdown and LaTeX can include them.
//!
//! Each figure's outputs are copied from the store to `<output dir>/<stem>.<ext>`
//! (`fig:acc` → `fig-acc.pdf`), only when their bytes differ, so tools that watch the
//! folder (mdbook serve, latexmk -pvc) see no change on a no-op build. `manifest.json`
//! in the same folder lists every figure with its label, caption, key and files; it is
//! what the LaTeX package and the document writers read. It also remembers each file's
//! size and mtime so that a no-op build needs one `stat` per file, not a re-hash.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

use crate::digest::Digest;
use crate::fsutil;
use crate::model::{Format, Notes};
use crate::plan::Job;
use crate::store::{ActionEntry, Lookup, OutputRef, Store, StoreError};

pub const MANIFEST: &str = "manifest.json";
/// The manifest `paperfig.sty` reads (TeX syntax), next to `manifest.json`.
pub const TEX_MANIFEST: &str = "paperfig-figures.tex";

/// One output file as written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutputFile {
    /// File name inside the output folder.
    pub file: String,
    pub digest: Digest,
    pub size: u64,
    /// Modification time in ns when paperfig wrote it (a fast-path hint, never a key input).
    pub mtime_ns: u128,
}

/// One figure in the manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ManifestFigure {
    pub label: Option<String>,
    pub caption: Option<String>,
    pub kind: String,
    /// `file:line` of the directive.
    pub source: String,
    pub key: Digest,
    pub outputs: BTreeMap<Format, OutputFile>,
    /// What the service said about the figure (`model::note`: `title`, `alt`,
    /// `cost_estimate`, `cost_charged`); the caption falls back to the title.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub notes: Notes,
    /// Every image the service returned when it returned several (`figure=N` picked the
    /// one shown), in the cache by digest, as they came.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<OutputRef>,
}

/// A figure whose last build failed: why, for the placeholder the documents show when
/// no earlier output of it exists.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ManifestFailure {
    /// `file:line` of the directive.
    pub source: String,
    /// The diagnostic's first line ([`short_reason`]).
    pub reason: String,
}

/// `manifest.json`: figure name → figure.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub version: u32,
    pub figures: BTreeMap<String, ManifestFigure>,
    /// Figures the last build could not make (figure name → why), whether or not an
    /// earlier output of them is still listed in `figures`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub failed: BTreeMap<String, ManifestFailure>,
}

impl ManifestFigure {
    /// The manifest's record of a planned figure whose outputs were placed as `outputs` from
    /// `entry` (the service's notes and images come from it).
    pub fn new(job: &Job, outputs: &BTreeMap<Format, OutputFile>, entry: &ActionEntry) -> ManifestFigure {
        let d = &job.directive;
        let (line, _) = d.loc.file.line_col(d.loc.span.start);
        ManifestFigure {
            label: d.label.clone(),
            caption: crate::plan::extract::manifest_caption(d, &entry.notes),
            kind: d.kind.to_string(),
            source: format!("{}:{line}", d.loc.file.name),
            key: job.key,
            outputs: outputs.clone(),
            notes: entry.notes.clone(),
            images: entry.images.clone(),
        }
    }
}

impl Manifest {
    /// The manifest after a build: every figure built now, then each previous entry that
    /// `keep(name, source file)` keeps (a failed or deferred figure keeps its last outputs).
    /// `failed` are the figures that failed now (name, `file:line`, the diagnostic's
    /// message); an earlier failure stays while its figure is neither built nor failed now
    /// and `keep` keeps it.
    pub fn merged<'a>(
        built: impl Iterator<Item = (&'a Job, &'a BTreeMap<Format, OutputFile>, &'a ActionEntry)>,
        failed: impl Iterator<Item = (&'a str, String, &'a str)>,
        previous: &Manifest,
        keep: &dyn Fn(&str, &str) -> bool,
    ) -> Manifest {
        let mut manifest = Manifest::default();
        for (job, outputs, entry) in built {
            manifest.figures.insert(job.directive.name.clone(), ManifestFigure::new(job, outputs, entry));
        }
        for (name, source, message) in failed {
            // Built now under that name (an id used twice fails only its second use): no failure.
            if !manifest.figures.contains_key(name) && !manifest.failed.contains_key(name) {
                manifest.failed.insert(name.to_string(), ManifestFailure { source, reason: short_reason(message) });
            }
        }
        fn file_of(source: &str) -> &str {
            source.rsplit_once(':').map_or(source, |(file, _)| file)
        }
        for (name, fail) in &previous.failed {
            let now = manifest.figures.contains_key(name) || manifest.failed.contains_key(name);
            if !now && keep(name, file_of(&fail.source)) {
                manifest.failed.insert(name.clone(), fail.clone());
            }
        }
        for (name, fig) in &previous.figures {
            if !manifest.figures.contains_key(name) && keep(name, file_of(&fig.source)) {
                manifest.figures.insert(name.clone(), fig.clone());
            }
        }
        manifest
    }

    pub fn read(dir: &Path) -> Manifest {
        std::fs::read(dir.join(MANIFEST))
            .ok()
            .and_then(|b| serde_json::from_slice::<Manifest>(&b).ok())
            .filter(|m| m.version == 1)
            .unwrap_or_default()
    }

    /// Writes the manifest if its contents changed. `previous` is the manifest as read
    /// from `dir` at the start of the build: when this one equals it, its JSON is already
    /// there and is neither written out nor read back (a no-op of a large paper).
    pub fn write(&self, dir: &Path, previous: &Manifest) -> Result<bool, EmitError> {
        let write = |name: &str, bytes: &[u8]| {
            let path = dir.join(name);
            fsutil::write_if_changed(&path, bytes).map_err(|source| EmitError::Write { path, source })
        };
        let unchanged = previous.version == 1 && self.figures == previous.figures && self.failed == previous.failed;
        let json = if unchanged {
            false
        } else {
            let mut m = self.clone();
            m.version = 1;
            let mut text = serde_json::to_string_pretty(&m).expect("a manifest always serialises");
            text.push('\n');
            write(MANIFEST, text.as_bytes())?
        };
        let tex = write(TEX_MANIFEST, self.to_tex().as_bytes())?;
        Ok(json || tex)
    }

    /// The TeX manifest: one `\paperfig@entry{name}{file}` per figure TeX can include
    /// (PDF preferred, else PNG), then one `\paperfig@failed{name}{reason}` per figure
    /// that failed. Anonymous figures (`ch/paper.tex#2`) are named `paper.tex-2`, as
    /// `paperfig.sty` counts them; names TeX cannot read are left out. A reason is
    /// escaped and kept to printable ASCII, so any LaTeX engine reads it.
    pub fn to_tex(&self) -> String {
        let mut out = String::from("% Written by `paperfig gen` for paperfig.sty; do not edit.\n");
        let readable = |s: &str| !s.chars().any(|c| "\\{}%#~^$&".contains(c) || c.is_control());
        for (name, fig) in &self.figures {
            let Some(file) = [Format::Pdf, Format::Png].iter().find_map(|f| fig.outputs.get(f)) else { continue };
            let tex_name = tex_name(name);
            if readable(&tex_name) && readable(&file.file) {
                out.push_str(&format!("\\paperfig@entry{{{tex_name}}}{{{}}}\n", file.file));
            }
        }
        if !self.failed.is_empty() {
            // A paperfig.sty older than this manifest has no \paperfig@failed.
            out.push_str("\\providecommand*\\paperfig@failed[2]{}\n");
        }
        for (name, fail) in &self.failed {
            let tex_name = tex_name(name);
            if readable(&tex_name) {
                out.push_str(&format!("\\paperfig@failed{{{tex_name}}}{{{}}}\n", reason_tex(&fail.reason)));
            }
        }
        out
    }
}

/// A figure's name as `paperfig.sty` knows it: its id, or `paper.tex-2` for the second
/// anonymous figure of `ch/paper.tex` (`ch/paper.tex#2`).
fn tex_name(name: &str) -> String {
    match name.rsplit_once('#') {
        Some((source, n)) => format!("{}-{n}", source.rsplit('/').next().unwrap_or(source)),
        None => name.to_string(),
    }
}

/// The longest reason a placeholder shows, in characters.
const REASON_CHARS: usize = 160;

/// What a failed figure's placeholder says: the first line of its diagnostic (the details
/// under it, such as a script's stderr, are for the terminal), at most [`REASON_CHARS`]
/// characters. Secrets never reach it: hosted providers redact their keys from the
/// messages they make (`provider::hosted::http`), and nothing else puts one in a message.
pub fn short_reason(message: &str) -> String {
    let first = message.lines().next().unwrap_or("").trim();
    let first = first.strip_suffix("; its stderr ends:").unwrap_or(first).trim_end_matches([':', ';', ' ']);
    if first.chars().count() <= REASON_CHARS {
        return first.to_string();
    }
    let cut: String = first.chars().take(REASON_CHARS - 3).collect();
    format!("{}...", cut.trim_end())
}

/// A failure's reason as LaTeX text that every engine and font encoding reads: TeX's
/// special characters escaped, `code` in backticks as `\texttt`, anything outside
/// printable ASCII as `?`.
pub fn reason_tex(text: &str) -> String {
    let mut out = String::new();
    let mut code = false;
    for c in text.chars() {
        match c {
            '`' => {
                out.push_str(if code { "}" } else { "\\texttt{" });
                code = !code;
            }
            '\\' => out.push_str("\\textbackslash{}"),
            '{' | '}' | '$' | '&' | '#' | '%' | '_' => {
                out.push('\\');
                out.push(c);
            }
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            '<' => out.push_str("\\textless{}"),
            '>' => out.push_str("\\textgreater{}"),
            '|' => out.push_str("\\textbar{}"),
            ' '..='~' => out.push(c),
            _ => out.push('?'),
        }
    }
    if code {
        out.push('}');
    }
    out
}

/// `paperfig.sty` as shipped; [`latex_package`] adapts it to a document's folder.
pub const PAPERFIG_STY: &str = include_str!("../templates/paperfig.sty");
const STY_DIR_LINE: &str = "% paperfig:dir";

/// `paperfig.sty` for a document in `doc_dir` whose figures are in `figures_dir`: the
/// package with its figures folder set relative to the document.
pub fn latex_package(doc_dir: &Path, figures_dir: &Path) -> String {
    let rel = fsutil_relative(doc_dir, figures_dir);
    let dir = if rel.is_empty() { String::new() } else { format!("{rel}/") };
    PAPERFIG_STY
        .lines()
        .map(|l| {
            if l.ends_with(STY_DIR_LINE) {
                format!("\\def\\paperfig@dir{{{dir}}}{STY_DIR_LINE}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// `to` relative to `from` (both absolute), with forward slashes; `..` where needed.
pub fn fsutil_relative(from: &Path, to: &Path) -> String {
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); from.len() - common];
    parts.extend(to[common..].iter().map(|c| c.as_os_str().to_string_lossy().into_owned()));
    parts.join("/")
}

/// Writes `paperfig.sty` next to every LaTeX source that loads the package, so that
/// pdflatex and latexmk find it after `paperfig gen` (only when changed). A
/// `paperfig.sty` that paperfig did not write (no `% paperfig:dir` line) is left alone.
pub fn place_latex_package(sources: &[PathBuf], figures_dir: &Path) -> Vec<(PathBuf, std::io::Error)> {
    let mut failed = Vec::new();
    let mut done = std::collections::HashSet::new();
    for src in sources {
        let is_tex = src.extension().is_some_and(|e| e == "tex" || e == "ltx");
        let Some(dir) = src.parent() else { continue };
        if !is_tex || done.contains(dir) {
            continue;
        }
        let uses = std::fs::read_to_string(src).is_ok_and(|t| uses_package(&t));
        if !uses {
            continue;
        }
        done.insert(dir.to_path_buf());
        let path = dir.join("paperfig.sty");
        if let Ok(old) = std::fs::read_to_string(&path) {
            if !old.contains(STY_DIR_LINE) {
                continue;
            }
        }
        if let Err(e) = fsutil::write_if_changed(&path, latex_package(dir, figures_dir).as_bytes()) {
            failed.push((path, e));
        }
    }
    failed
}

/// Whether LaTeX source text loads paperfig (`\usepackage{paperfig}`, also in a list).
pub fn uses_package(text: &str) -> bool {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('%'))
        .any(|l| l.contains("\\usepackage") && l.split(['{', '}', ',']).any(|p| p.trim() == "paperfig"))
}

/// Why outputs could not be placed.
#[derive(Debug, thiserror::Error)]
pub enum EmitError {
    /// The store lost or damaged an object the entry names; the figure must be rebuilt.
    #[error("cached output {0} is missing or damaged")]
    Damaged(Digest),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{}", fsutil::write_failure(path, source))]
    Write { path: PathBuf, source: std::io::Error },
}

impl EmitError {
    /// Whether placing failed because a disk (of the outputs, or of the cache read back) is full.
    pub fn is_disk_full(&self) -> bool {
        match self {
            EmitError::Write { source, .. } => fsutil::is_disk_full(source),
            EmitError::Store(e) => e.is_disk_full(),
            EmitError::Damaged(_) => false,
        }
    }
}

fn mtime_ns(meta: &std::fs::Metadata) -> u128 {
    meta.modified().ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos())
}

/// Places a figure's outputs in `dir` as `<stem>.<ext>`. `previous` is what the last
/// manifest said about this figure's files; `fresh` holds outputs just made (by format),
/// which are written from memory instead of being read back from the store.
pub fn place(
    store: &dyn Store,
    entry: &ActionEntry,
    formats: &[Format],
    dir: &Path,
    stem: &str,
    previous: Option<&ManifestFigure>,
    fresh: Option<&BTreeMap<Format, Vec<u8>>>,
) -> Result<BTreeMap<Format, OutputFile>, EmitError> {
    let mut placed = BTreeMap::new();
    for &format in formats {
        let Some(out) = entry.outputs.get(&format) else {
            return Err(EmitError::Damaged(entry.key));
        };
        let file = format!("{stem}.{}", format.ext());
        let path = dir.join(&file);
        let meta = std::fs::metadata(&path).ok();
        let unchanged = previous.and_then(|p| p.outputs.get(&format)).zip(meta.as_ref()).is_some_and(|(prev, meta)| {
            prev.file == file && prev.digest == out.digest && prev.size == meta.len() && prev.mtime_ns == mtime_ns(meta)
        });
        if !unchanged {
            let stored;
            let bytes = match fresh.and_then(|f| f.get(&format)) {
                Some(b) => b,
                None => match store.get_object(&out.digest)? {
                    Lookup::Hit(b) => {
                        stored = b;
                        &stored
                    }
                    Lookup::Miss | Lookup::Corrupt(_) => return Err(EmitError::Damaged(out.digest)),
                },
            };
            let write = if meta.is_some() {
                fsutil::replace_if_changed(&path, bytes)
            } else {
                fsutil::replace(&path, bytes).map(|()| true)
            };
            write.map_err(|source| EmitError::Write { path: path.clone(), source })?;
        }
        // one stat per output when it was already in place; a second only after a write
        let meta = match meta.filter(|_| unchanged) {
            Some(m) => m,
            None => std::fs::metadata(&path).map_err(|source| EmitError::Write { path: path.clone(), source })?,
        };
        placed.insert(format, OutputFile { file, digest: out.digest, size: meta.len(), mtime_ns: mtime_ns(&meta) });
    }
    Ok(placed)
}

/// `previous` and the outputs it lists, when it was built from `key` and each of its files for
/// `formats` is still the one paperfig wrote (same name, size and modification time): a
/// hit that needs neither the store's entry nor its objects, one `stat` per output. The
/// manifest is only written after its outputs were placed, so its digests are those of
/// the files as written.
pub fn still_placed<'a>(
    previous: Option<&'a ManifestFigure>,
    key: &Digest,
    formats: &[Format],
    dir: &fsutil::Folder,
    stem: &str,
) -> Option<(&'a ManifestFigure, BTreeMap<Format, OutputFile>)> {
    let previous = previous.filter(|p| p.key == *key)?;
    let mut placed = BTreeMap::new();
    for &format in formats {
        let prev = previous.outputs.get(&format)?;
        let file = format!("{stem}.{}", format.ext());
        if prev.file != file {
            return None;
        }
        // Not following a link: paperfig places regular files, and one replaced by a
        // link is placed again.
        if dir.regular_file(&file)? != (prev.size, prev.mtime_ns) {
            return None;
        }
        placed.insert(format, prev.clone());
    }
    Some((previous, placed))
}

/// Deletes output files listed in `old` that `new` no longer lists.
pub fn remove_stale(dir: &Path, old: &Manifest, new: &Manifest) {
    let keep: std::collections::HashSet<&str> =
        new.figures.values().flat_map(|f| f.outputs.values().map(|o| o.file.as_str())).collect();
    for fig in old.figures.values() {
        for out in fig.outputs.values() {
            if !keep.contains(out.file.as_str()) {
                let _ = std::fs::remove_file(dir.join(&out.file));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figure(files: &[(Format, &str)]) -> ManifestFigure {
        ManifestFigure {
            label: None,
            caption: None,
            kind: "plot".into(),
            source: "paper.tex:1".into(),
            key: Digest::of(b"k"),
            outputs: files
                .iter()
                .map(|(f, n)| (*f, OutputFile { file: n.to_string(), digest: Digest::of(b"x"), size: 1, mtime_ns: 0 }))
                .collect(),
            notes: Notes::new(),
            images: Vec::new(),
        }
    }

    #[test]
    fn tex_manifest_prefers_pdf_names_anonymous_figures_by_file_and_skips_unreadable() {
        let mut m = Manifest::default();
        m.figures.insert("fig:acc".into(), figure(&[(Format::Svg, "fig-acc.svg"), (Format::Pdf, "fig-acc.pdf")]));
        m.figures.insert("ch/paper.tex#2".into(), figure(&[(Format::Png, "ch-paper.tex-2.png")]));
        m.figures.insert("fig:svg".into(), figure(&[(Format::Svg, "fig-svg.svg")]));
        m.figures.insert("fig:50%".into(), figure(&[(Format::Pdf, "fig-50-.pdf")]));
        let tex = m.to_tex();
        assert!(tex.contains("\\paperfig@entry{fig:acc}{fig-acc.pdf}\n"), "{tex}");
        assert!(tex.contains("\\paperfig@entry{paper.tex-2}{ch-paper.tex-2.png}\n"), "{tex}");
        assert!(!tex.contains("fig:svg"), "an SVG cannot be included: {tex}");
        assert!(!tex.contains("50%"), "{tex}");
    }

    #[test]
    fn failures_are_listed_for_tex_escaped_ascii_and_short() {
        let mut m = Manifest::default();
        let fail = |reason: &str| ManifestFailure { source: "paper.tex:3".into(), reason: short_reason(reason) };
        m.figures.insert("fig:ok".into(), figure(&[(Format::Pdf, "fig-ok.pdf")]));
        m.failed.insert("fig:bad".into(), fail("invalid value `pie` for chart=\nhint: more"));
        m.failed.insert("ch/paper.tex#2".into(), fail("50% of $x & {y} #1 ~ a_b \\par <é>"));
        let tex = m.to_tex();
        assert!(tex.contains("\\providecommand*\\paperfig@failed[2]{}\n"), "{tex}");
        assert!(tex.contains("\\paperfig@failed{fig:bad}{invalid value \\texttt{pie} for chart=}\n"), "{tex}");
        assert!(
            tex.contains(
                "\\paperfig@failed{paper.tex-2}{50\\% of \\$x \\& \\{y\\} \\#1 \\textasciitilde{} a\\_b \\textbackslash{}par \\textless{}?\\textgreater{}}\n"
            ),
            "{tex}"
        );
        assert!(tex.is_ascii());
        let long = short_reason(&"x".repeat(500));
        assert_eq!(long.chars().count(), REASON_CHARS);
        assert!(long.ends_with("..."));
        let script = "the `sh` script exited with status 1; its stderr ends:\n  TOKEN=abc\n";
        assert_eq!(short_reason(script), "the `sh` script exited with status 1");
        assert!(!Manifest::default().to_tex().contains("failed"), "no failures, no line");
    }

    #[test]
    fn a_failure_is_kept_until_its_figure_builds_or_is_gone() {
        let previous = Manifest {
            failed: [("fig:a", "a.md:1"), ("fig:b", "b.md:1"), ("fig:c", "a.md:9")]
                .into_iter()
                .map(|(n, src)| (n.to_string(), ManifestFailure { source: src.into(), reason: "old".into() }))
                .collect(),
            ..Manifest::default()
        };
        // fig:a fails again with a new reason; fig:c is gone from scanned a.md; b.md was not scanned.
        let now = [("fig:a", "a.md:1".to_string(), "new reason")];
        let keep = |_: &str, source: &str| source == "b.md";
        let m = Manifest::merged(std::iter::empty(), now.into_iter(), &previous, &keep);
        assert_eq!(m.failed.keys().collect::<Vec<_>>(), ["fig:a", "fig:b"]);
        assert_eq!(m.failed["fig:a"].reason, "new reason");
        assert_eq!(m.failed["fig:b"].reason, "old");
    }

    #[test]
    fn package_copy_points_at_the_figures_folder_from_the_document() {
        let sty = latex_package(Path::new("/p/paper"), Path::new("/p/build/figures"));
        assert!(sty.contains("\\def\\paperfig@dir{../build/figures/}% paperfig:dir\n"), "{sty}");
        assert_eq!(sty.lines().count(), PAPERFIG_STY.lines().count());
        let same = latex_package(Path::new("/p"), Path::new("/p"));
        assert!(same.contains("\\def\\paperfig@dir{}% paperfig:dir"));
    }

    #[test]
    fn package_use_is_detected_outside_comments() {
        assert!(uses_package("\\usepackage{paperfig}"));
        assert!(uses_package("\\usepackage{graphicx, paperfig}"));
        assert!(!uses_package("% \\usepackage{paperfig}"));
        assert!(!uses_package("\\usepackage{paperfigx}"));
    }

    #[test]
    fn gen_places_the_package_beside_documents_that_use_it_and_keeps_foreign_copies() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("a")).unwrap();
        std::fs::create_dir_all(root.join("b")).unwrap();
        std::fs::write(root.join("a/paper.tex"), "\\usepackage{paperfig}\n").unwrap();
        std::fs::write(root.join("b/paper.tex"), "\\usepackage{paperfig}\n").unwrap();
        std::fs::write(root.join("b/paperfig.sty"), "my own\n").unwrap();
        std::fs::write(root.join("c.tex"), "no package\n").unwrap();
        let sources = ["a/paper.tex", "b/paper.tex", "c.tex"].map(|s| root.join(s));
        assert!(place_latex_package(&sources, &root.join("build/figures")).is_empty());
        let a = std::fs::read_to_string(root.join("a/paperfig.sty")).unwrap();
        assert!(a.contains("{../build/figures/}"));
        assert_eq!(std::fs::read_to_string(root.join("b/paperfig.sty")).unwrap(), "my own\n");
        assert!(!root.join("paperfig.sty").exists());
    }
}
