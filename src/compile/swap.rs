//! Builds that need no TeX. After each successful compile a record is kept beside the
//! document's intermediate files: every file TeX asked for in the document's folder with
//! what it held when read (`TexBundle::reads`), the engine's messages and log, and which
//! Form XObject of the PDF each PDF figure became ([`pdfpatch`]). The next compile
//! compares the files with the record:
//!
//! - nothing TeX reads changed, and the PDF is as written: the last output is given again
//!   (with its diagnostics, made again from the kept messages and log), TeX does not run;
//! - only PDF figures changed, each with the same box (the page layout cannot have moved):
//!   the figures are replaced in the PDF by an incremental update, TeX does not run;
//! - anything else (a source, the engine's files, the build date, a figure of a new size,
//!   a file that appeared): TeX runs as always, and the record is made again.
//!
//! Files the engine opened by absolute path itself (the fonts fontspec finds by name
//! through fontconfig) are recorded like the others, with the stamps of the system's font
//! folders and fontconfig's configuration: a font installed or removed there (which could
//! change what a name finds) makes TeX run, as it makes fontconfig rescan. No record is
//! kept when the engine read files it did not show paperfig (`--trust-all`, shell escape)
//! or when a file changed while TeX read it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::bundle::{Seen, seen_now};
use super::engine::{self, EngineError, EngineJob, EngineMessage, EngineOutput};
use super::pdfpatch::{self, Trailer};
use crate::digest::Digest;
use crate::fsutil::{self, Fingerprint as Stamp};

/// How a compile got its PDF.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Reuse {
    /// TeX ran.
    #[default]
    Engine,
    /// Nothing TeX reads changed: the last PDF stands.
    Unchanged,
    /// This many figures were replaced in the last PDF.
    Figures(usize),
}

const VERSION: u32 = 1;

/// A PDF figure as placed: the names TeX read it by and the Form XObject it became.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct Placed {
    paths: Vec<PathBuf>,
    object: u32,
    bbox: [f64; 4],
}

/// What the last compile of one document read and made.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Record {
    version: u32,
    /// The engine's files, the main file, what is served from memory, the build date, the
    /// trust rule (see [`identity`]).
    identity: Digest,
    reads: Vec<(PathBuf, Seen)>,
    figures: Vec<Placed>,
    pdf: PathBuf,
    /// The PDF as the engine wrote it: its length, digest and last cross-reference section.
    base_len: u64,
    base: Digest,
    trailer: Trailer,
    /// The PDF as last written, and the figures replaced in it (name, digest).
    written: Digest,
    replaced: Vec<(PathBuf, Digest)>,
    log_path: Option<PathBuf>,
    log: Option<Digest>,
    blg: Option<String>,
    messages: Vec<EngineMessage>,
    synctex: Option<PathBuf>,
    tex_files: Vec<PathBuf>,
    /// Stamps that stand for what the record holds of a file (one TeX read, the PDF as
    /// written, the log): an equal stamp spares reading and digesting the file
    /// ([`fsutil::Fingerprint`]; taken once a file has settled, so mostly one run later).
    #[serde(default)]
    stamps: BTreeMap<PathBuf, Stamp>,
    /// When the engine opened files by absolute path: every folder fontconfig reads, with
    /// its stamp (`None`: not there), as they were at the compile.
    #[serde(default)]
    font_dirs: Vec<(PathBuf, Option<Stamp>)>,
}

/// Folders of fonts and of fontconfig's configuration that a font lookup by name depends
/// on, each with its stamp (at most 4000 folders, 6 deep). `None` when one changed too
/// recently for its stamp to stand for it.
fn font_folders(now: std::time::SystemTime) -> Option<Vec<(PathBuf, Option<Stamp>)>> {
    let mut roots = super::access::font_dirs();
    roots.push(PathBuf::from("/etc/fonts"));
    let mut out = Vec::new();
    for root in roots {
        let Some(stamp) = Stamp::of_dir(&root) else {
            out.push((root, None));
            continue;
        };
        let dirs = walkdir::WalkDir::new(&root).max_depth(6).into_iter().filter_map(Result::ok);
        for dir in dirs.filter(|e| e.file_type().is_dir()).take(4000) {
            let stamp = if dir.depth() == 0 { Some(stamp) } else { Stamp::of_dir(dir.path()) };
            if stamp.is_some_and(|s| s.racy(now)) {
                return None;
            }
            out.push((dir.into_path(), stamp));
        }
    }
    Some(out)
}

/// Compiles `job` with the engine ([`engine::compile`]), or without TeX when the record
/// allows. `digest` holds the TeX files' digest when the build found it already.
pub fn compile(job: &EngineJob, digest: &super::bundle::TexDigest) -> Result<(EngineOutput, Reuse), EngineError> {
    let timer = engine::Timer::from_env();
    let digest = digest.get_or_find(|| job.tex.digest(&job.user_cache))?;
    timer.lap("TeX files' digest");
    let main = std::fs::read(&job.main).map_err(|source| EngineError::Read { path: job.main.clone(), source })?;
    let identity = identity(job, &digest, &main);
    let path = record_path(job);
    if let Some(path) = &path {
        if let Some(mut record) = read(path).filter(|r| r.version == VERSION && r.identity == identity) {
            if let Some((done, restamped)) = record.reuse(&timer) {
                if restamped || matches!(done.1, Reuse::Figures(_)) {
                    write(path, &record);
                }
                timer.lap(match done.1 {
                    Reuse::Figures(_) => "figures replaced in the last PDF, TeX not run",
                    _ => "nothing TeX reads changed, TeX not run",
                });
                return Ok(done);
            }
        }
        let _ = std::fs::remove_file(path);
    }
    timer.lap("TeX must run");
    let bundle = job.tex.open(&job.user_cache)?;
    timer.lap("bundle index and latex.ltx");
    let out = super::preamble::compile(job, bundle, &main, &timer)?;
    if let Some(path) = &path {
        if let Some(record) = Record::of(job, identity, &out) {
            write(path, &record);
        }
    }
    timer.lap("record kept");
    Ok((out, Reuse::Engine))
}

/// Everything a compile depends on besides the files TeX reads in the document's folder.
fn identity(job: &EngineJob, bundle: &str, main: &[u8]) -> Digest {
    let mut parts = vec![format!("swap/{VERSION}"), bundle.to_string(), Digest::of(main).hex()];
    parts.push(job.main.display().to_string());
    parts.push(job.out_dir.display().to_string());
    for (name, bytes) in &job.memory_files {
        parts.push(format!("{name}={}", Digest::of(bytes).hex()));
    }
    parts.push(format!("epoch={:?} trust={:?} shell={}", job.epoch, job.access.trust(), job.shell_escape));
    Digest::of(parts.join("\n").as_bytes())
}

/// One record per document on disk: a cache folder shared by several projects keeps
/// each one's.
pub(super) fn record_path(job: &EngineJob) -> Option<PathBuf> {
    let stem = job.main.file_stem()?.to_str()?;
    let main = Digest::of(job.main.as_os_str().as_encoded_bytes()).hex();
    Some(job.aux_dir.as_ref()?.join(format!("{stem}.{}.swap.json", &main[..16])))
}

/// Records anew the folders of the record at `path` that changed after it was written
/// while every file TeX looked for in them and did not find is still missing. Their new
/// stamps are taken once the file clock has ticked past the change (see [`Record::of`]).
pub(super) fn restamp(path: &Path) {
    let Some(mut record) = read(path).filter(|r| r.version == VERSION) else { return };
    fsutil::wait_for_tick();
    let mut changed = false;
    for (d, stamp) in settled_missing_dirs(&record.reads, fsutil::clock()) {
        changed |= record.stamps.insert(d, stamp) != Some(stamp);
    }
    if changed {
        write(path, &record);
    }
}

fn read(path: &Path) -> Option<Record> {
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Atomic but not synced: a record only spares work (one lost to a power cut, or cut
/// short by it, fails to parse or to match, and TeX runs), and syncing it would make a
/// no-op build wait for the file system to write out everything an earlier build wrote.
fn write(path: &Path, record: &Record) {
    if let Ok(json) = serde_json::to_vec(record) {
        let _ = fsutil::replace(path, &json);
    }
}

/// The folders in which TeX looked for files it did not find, with their stamps, where
/// the stamp has settled (a [`fsutil::clock`] reading `now` from before) and every one of
/// those files is still missing.
fn settled_missing_dirs(reads: &[(PathBuf, Seen)], now: std::time::SystemTime) -> Vec<(PathBuf, Stamp)> {
    let all_missing_in = |dir: &Path| {
        reads.iter().filter(|(p, s)| *s == Seen::Missing && p.parent() == Some(dir)).all(|(p, _)| !p.exists())
    };
    missing_dirs(reads)
        .into_iter()
        .filter_map(|d| Stamp::of_dir(&d).filter(|s| !s.racy(now)).map(|s| (d, s)))
        .filter(|(d, _)| all_missing_in(d))
        .collect()
}

/// The folders of the files TeX looked for and did not find.
fn missing_dirs<'a>(reads: impl IntoIterator<Item = &'a (PathBuf, Seen)>) -> std::collections::BTreeSet<PathBuf> {
    reads
        .into_iter()
        .filter(|(_, s)| *s == Seen::Missing)
        .filter_map(|(p, _)| p.parent().filter(|d| !d.as_os_str().is_empty()).map(Path::to_path_buf))
        .collect()
}

/// The contents of `path` when they are those of digest `want`: read and digested, or,
/// when `stamps` holds a stamp of the file equal to its stamp now, read only. A new stamp
/// that stands for them goes into `stamps` (and `restamped` is set).
fn verified(path: &Path, want: Digest, stamps: &mut BTreeMap<PathBuf, Stamp>, restamped: &mut bool) -> Option<Vec<u8>> {
    if stamps.get(path).is_some_and(|s| Stamp::of_file(path) == Some(*s)) {
        return std::fs::read(path).ok();
    }
    let (bytes, stamp) = fsutil::read_fingerprinted(path).ok()?;
    (Digest::of(&bytes) == want).then_some(())?;
    if let Some(stamp) = stamp {
        stamps.insert(path.to_path_buf(), stamp);
        *restamped = true;
    }
    Some(bytes)
}

impl Record {
    /// The record of a compile that made a PDF, when every file it read was seen.
    fn of(job: &EngineJob, identity: Digest, out: &EngineOutput) -> Option<Record> {
        let mut reads = out.document_reads.clone()?;
        let clean = out.failure.is_none() && out.refused.is_empty();
        if !clean || job.shell_escape || reads.values().any(|s| *s == Seen::Varied) {
            return None;
        }
        // What the engine opened by itself (fonts found by name) is read like the rest.
        let opened = job.access.opened();
        for path in opened.iter().map(PathBuf::from) {
            let (seen, _, _) = seen_now(&path);
            reads.entry(path).or_insert(seen);
        }
        let font_dirs = if opened.is_empty() { Vec::new() } else { font_folders(fsutil::clock())? };
        let reads = &reads;
        let pdf_path = out.pdf.clone()?;
        let mut stamps = BTreeMap::new();
        // The PDF and the log were just written: once the file clock has ticked past them
        // (a few milliseconds, against the seconds TeX took) their stamps stand for them,
        // and the next build need not read them again.
        let now = fsutil::clock();
        let fresh = |p: &PathBuf| Stamp::of_file(p).is_some_and(|s| s.kernel_clocked() && s.racy(now));
        if fresh(&pdf_path) || out.log_path.as_ref().is_some_and(fresh) {
            fsutil::wait_for_tick();
        }
        let (pdf, pdf_stamp) = fsutil::read_fingerprinted(&pdf_path).ok()?;
        stamps.extend(pdf_stamp.map(|s| (pdf_path.clone(), s)));
        // The files TeX read that still hold what it read and have settled (a source
        // edited long ago); the figures just made are not read again here, they settle by
        // the next build.
        let now = fsutil::clock();
        for (path, seen) in reads {
            let Seen::Read(digest) = seen else { continue };
            if Stamp::of_file(path).is_none_or(|s| s.racy(now)) {
                continue;
            }
            if let Ok((bytes, Some(stamp))) = fsutil::read_fingerprinted(path) {
                if Digest::of(&bytes) == *digest {
                    stamps.insert(path.clone(), stamp);
                }
            }
        }
        // The folders of files TeX looked for and did not find, stamped before those files
        // are looked at again (all still missing).
        let reads_list: Vec<(PathBuf, Seen)> = reads.iter().map(|(p, s)| (p.clone(), *s)).collect();
        stamps.extend(settled_missing_dirs(&reads_list, now));
        let trailer = pdfpatch::trailer(&pdf)?;
        let figures = placed(reads, &pdfpatch::forms(&pdf)?);
        let log = match &out.log_path {
            Some(p) => {
                let (bytes, stamp) = fsutil::read_fingerprinted(p).ok()?;
                stamps.extend(stamp.map(|s| (p.clone(), s)));
                Some(Digest::of(&bytes))
            }
            None => None,
        };
        // Until figures are replaced in it, the PDF as written is the base.
        let digest = Digest::of(&pdf);
        Some(Record {
            version: VERSION,
            identity,
            reads: reads_list,
            figures,
            pdf: pdf_path,
            base_len: pdf.len() as u64,
            base: digest,
            trailer,
            written: digest,
            replaced: Vec::new(),
            log_path: out.log_path.clone(),
            log,
            blg: out.blg.clone(),
            messages: out.messages.clone(),
            synctex: out.synctex.clone(),
            tex_files: out.tex_files.clone(),
            stamps,
            font_dirs,
        })
    }

    /// The output without TeX, when only figures changed (then the PDF is updated and the
    /// record says so); `None` when TeX must run. With it, whether stamps were added to
    /// the record (worth writing it again).
    fn reuse(&mut self, timer: &engine::Timer) -> Option<((EngineOutput, Reuse), bool)> {
        let mut restamped = false;
        // A font installed or removed where fontconfig looks may change what a name finds.
        if !self.font_dirs.is_empty() && font_folders(fsutil::clock()).as_ref() != Some(&self.font_dirs) {
            return None;
        }
        // The PDF as written: its bytes are only needed when figures are to be replaced.
        let pdf_stamped = self.stamps.get(&self.pdf).is_some_and(|s| Stamp::of_file(&self.pdf) == Some(*s));
        let mut current =
            if pdf_stamped { None } else { Some(verified(&self.pdf, self.written, &mut self.stamps, &mut restamped)?) };
        let log = match (&self.log_path, self.log) {
            (Some(p), Some(d)) => {
                let bytes = verified(p, d, &mut self.stamps, &mut restamped)?;
                String::from_utf8_lossy(&bytes).into_owned()
            }
            (None, None) => String::new(),
            _ => return None,
        };
        // Folders in which TeX looked for files that were not there, unchanged since: none
        // of those files can have appeared. The other folders' stamps are taken before
        // their files are looked at: they stand for them next time when those files are all
        // still missing (else TeX runs).
        let mut settled_dirs = std::collections::BTreeSet::new();
        let mut dirs_now: Vec<(PathBuf, Stamp)> = Vec::new();
        let clock = fsutil::clock();
        for d in missing_dirs(&self.reads) {
            let Some(now) = Stamp::of_dir(&d) else { continue };
            if self.stamps.get(&d) == Some(&now) {
                settled_dirs.insert(d);
            } else if !now.racy(clock) {
                dirs_now.push((d, now));
            }
        }
        let mut changed: BTreeMap<usize, (Digest, Vec<u8>)> = BTreeMap::new();
        for (path, was) in &self.reads {
            if *was == Seen::Missing && path.parent().is_some_and(|d| settled_dirs.contains(d)) {
                continue;
            }
            if self.stamps.get(path).is_some_and(|s| Stamp::of_file(path) == Some(*s)) {
                continue;
            }
            let (now, bytes, stamp) = seen_now(path);
            if now == *was {
                if let Some(stamp) = stamp {
                    self.stamps.insert(path.clone(), stamp);
                    restamped = true;
                }
                continue;
            }
            let figure = self.figures.iter().position(|f| f.paths.contains(path))?;
            let (Seen::Read(digest), Some(bytes)) = (now, bytes) else { return None };
            let page = pdfpatch::figure_page(&bytes)?;
            if !pdfpatch::same_box(page.bbox, self.figures[figure].bbox) {
                return None;
            }
            if changed.get(&figure).is_some_and(|(d, _)| *d != digest) {
                return None;
            }
            changed.insert(figure, (digest, bytes));
        }
        // Every file looked for and missing is still missing.
        restamped |= !dirs_now.is_empty();
        self.stamps.extend(dirs_now);
        timer.lap("files TeX read compared with the record");
        let replaced: Vec<(PathBuf, Digest)> =
            changed.iter().map(|(&i, (d, _))| (self.figures[i].paths[0].clone(), *d)).collect();
        let how = if replaced == self.replaced {
            Reuse::Unchanged
        } else {
            if current.is_none() {
                current = Some(std::fs::read(&self.pdf).ok().filter(|b| Digest::of(b) == self.written)?);
            }
            let current = current.as_deref()?;
            let base = current.get(..usize::try_from(self.base_len).ok()?)?;
            let updated = if changed.is_empty() {
                base.to_vec()
            } else {
                (Digest::of(base) == self.base).then_some(())?;
                let figures: Vec<(u32, &[u8])> =
                    changed.iter().map(|(&i, (_, b))| (self.figures[i].object, b.as_slice())).collect();
                pdfpatch::update(base, &self.trailer, &figures).ok()?
            };
            fsutil::write_atomic(&self.pdf, &updated).ok()?;
            // The figures that now draw differently from the PDF as it was.
            let digest_of = |list: &[(PathBuf, Digest)], p: &Path| list.iter().find(|(q, _)| q == p).map(|(_, d)| *d);
            let mut paths: Vec<&PathBuf> = replaced.iter().chain(&self.replaced).map(|(p, _)| p).collect();
            paths.sort();
            paths.dedup();
            let n = paths.iter().filter(|p| digest_of(&replaced, p) != digest_of(&self.replaced, p)).count();
            self.written = Digest::of(&updated);
            self.stamps.remove(&self.pdf);
            self.replaced = replaced;
            Reuse::Figures(n)
        };
        let out = EngineOutput {
            pdf: Some(self.pdf.clone()),
            log,
            log_path: self.log_path.clone(),
            blg: self.blg.clone(),
            messages: self.messages.clone(),
            failure: None,
            built_format: false,
            refused: Vec::new(),
            synctex: self.synctex.clone(),
            tex_files: self.tex_files.clone(),
            document_reads: Some(self.reads.iter().cloned().collect()),
        };
        Some(((out, how), restamped))
    }
}

/// The PDF figures among `reads` and the Form each became: a one-page PDF whose page
/// contents are those of exactly one Form of the same box, no other figure's the same.
fn placed(reads: &BTreeMap<PathBuf, Seen>, forms: &[pdfpatch::Form]) -> Vec<Placed> {
    // One entry per file, however many names TeX read it by.
    let mut files: BTreeMap<PathBuf, (Vec<PathBuf>, Digest)> = BTreeMap::new();
    for (path, seen) in reads {
        let Seen::Read(digest) = seen else { continue };
        let is_pdf = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("pdf"));
        if !is_pdf {
            continue;
        }
        let real = path.canonicalize().unwrap_or_else(|_| path.clone());
        files.entry(real).or_insert_with(|| (Vec::new(), *digest)).0.push(path.clone());
    }
    let mut found: Vec<(Placed, Digest)> = Vec::new();
    for (real, (paths, digest)) in files {
        let Ok(bytes) = std::fs::read(&real) else { continue };
        if Digest::of(&bytes) != digest {
            continue;
        }
        let Some(page) = pdfpatch::figure_page(&bytes) else { continue };
        let matching: Vec<&pdfpatch::Form> = forms.iter().filter(|f| f.content == page.content).collect();
        if let [form] = matching.as_slice() {
            if pdfpatch::same_box(form.bbox, page.bbox) {
                found.push((Placed { paths, object: form.object, bbox: form.bbox }, page.content));
            }
        }
    }
    // Two files drawing the same thing cannot be told apart in the PDF.
    let contents: Vec<Digest> = found.iter().map(|(_, c)| *c).collect();
    found.into_iter().filter(|(_, c)| contents.iter().filter(|x| *x == c).count() == 1).map(|(p, _)| p).collect()
}
