//! A document's own format: its preamble (everything before `\begin{document}`) dumped
//! once, so that each later TeX pass starts after it (the example paper's preamble is
//! most of a pass).
//!
//! - **When:** the second build to see the same preamble makes the format (a first
//!   build, often a new project's, is not made slower), and checks it: that build's PDF
//!   is made as always, then again with the format, from the same files and date; only
//!   byte-identical PDFs let the format be used. Later builds compile with it, the
//!   preamble lines left empty so every line keeps its number, and the dump's log of the
//!   preamble put back into the run's log, so its warnings are reported as before.
//! - **How** ([`source`]): XeTeX cannot dump OpenType fonts, and a class selects one as
//!   soon as it sets the font size. A probe run of the preamble measures each OpenType
//!   font it loads; the dump loads a Type 1 stand-in with the same `\fontdimen`s in its
//!   place (lengths in `em` and `ex` come out the same) and forgets it before dumping.
//!   What the preamble put on the main vertical list (hyperref's `\special`) is given
//!   back at the job's start.
//! - **What a format stands for:** the preamble's text, the TeX files (their digest),
//!   what paperfig serves from memory, the job name, the build date (its day, or the
//!   exact epoch of a reproducible build), and the contents of every file the preamble
//!   read in the document's folder (`\input{macros}`, a local `.sty`, a file looked for
//!   and not found). When one of those differs, the document compiles as before and a
//!   format is made again once the new state is seen twice.
//! - **Where:** in the user's cache beside LaTeX's format (`tex/preamble/`), one folder
//!   per document (its record and its one format), so that a build from scratch (the
//!   project's cache deleted) finds it too.
//! - **No format** when the dump or its check fails (a TeX error, an OpenType font loaded
//!   outside NFSS, as fontspec does; the PDFs differ), when the preamble opens a file
//!   for writing (`filecontents`, `\makeindex`: the stream would not survive the dump),
//!   under shell escape or `--trust-all` (reads not seen); a failure is remembered for
//!   its state. A run with the format that fails runs again without it, so errors are
//!   reported as always.

mod source;

use std::path::{Path, PathBuf};

use tectonic::driver::{PassSetting, ProcessingSessionBuilder};
use tectonic::io::memory::MemoryIo;
use tectonic::io::{InputHandle, InputOrigin, IoProvider, OpenResult, OutputHandle};
use tectonic::status::{NoopStatusBackend, StatusBackend};
use tectonic::{TexEngine, TexOutcome};
use tectonic_bridge_core::{CoreBridgeLauncher, DriverHooks, SecuritySettings, SecurityStance};

use super::bundle::{FORMAT_NAME, Seen, TexBundle};
use super::engine::{self, EngineError, EngineJob, EngineOutput, Timer};
use crate::config::Trust;
use crate::digest::Digest;
use crate::fsutil;

pub use super::engine::Loaded;
pub use source::{Split, split};

/// The version of the format's key, its source and the record below.
const VERSION: u32 = 1;

/// Documents whose formats are kept in the user's cache (the most recently made); a
/// format is some 30 MB.
const KEEP: usize = 8;

/// What the last builds of a document saw of its preamble.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Record {
    version: u32,
    /// The state (see [`state`]) of the last build that compiled without a format.
    last_seen: Option<Digest>,
    /// A state whose format could not be made or failed its check; not tried again.
    failed: Option<Digest>,
    format: Option<Dumped>,
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Dumped {
    key: Digest,
    name: String,
    reads: Vec<(PathBuf, Seen)>,
    served: Vec<PathBuf>,
    log: String,
    /// A run with it made the same PDF as a run without.
    checked: bool,
}

/// Compiles `job` ([`engine::compile`]) with the document's preamble format when there
/// is a checked one, making and checking it when this is the second build to see the
/// preamble as it is.
pub(crate) fn compile(
    job: &EngineJob,
    bundle: TexBundle,
    main: &[u8],
    timer: &Timer,
) -> Result<EngineOutput, EngineError> {
    let Some(doc) = Document::of(job, &bundle, main) else {
        return engine::compile(job, bundle, timer.clone(), None);
    };
    let mut record = read(&doc.record).filter(|r| r.version == VERSION).unwrap_or_default();
    record.version = VERSION;
    let current = record
        .format
        .as_ref()
        .filter(|f| f.key == doc.key && unchanged(&f.reads) && format_path(&doc.formats, &bundle, &f.name).is_file());
    if let Some(f) = current.filter(|f| f.checked) {
        timer.lap("the preamble's format is current");
        let loaded = doc.loaded(f);
        let out = engine::compile(job, bundle.fresh_records(), timer.clone(), Some(&loaded))?;
        if out.pdf.is_some() && out.refused.is_empty() {
            return Ok(out);
        }
        timer.lap("the run with the preamble's format failed: again without it");
        return engine::compile(job, bundle, timer.clone(), None);
    }
    let known: Vec<&Path> = record.format.iter().flat_map(|f| f.reads.iter().map(|(p, _)| p.as_path())).collect();
    let now = state(doc.key, &known);
    let ready = current.is_some();
    if record.failed == Some(now) || (!ready && record.last_seen != Some(now)) {
        if record.last_seen != Some(now) {
            record.last_seen = Some(now);
            write(&doc.record, &record);
        }
        return engine::compile(job, bundle, timer.clone(), None);
    }
    // Seen twice: the format is made (unless made but not checked yet), then checked
    // against this build's own PDF.
    let epoch = job.epoch.unwrap_or_else(now_secs);
    let fixed = EngineJob { epoch: Some(epoch), ..job.clone() };
    if !ready {
        match dump(&fixed, &bundle, &doc) {
            Ok(dumped) => record.format = Some(dumped),
            Err(why) => {
                timer.lap(&format!("no preamble format: {why}"));
                record.failed = Some(now);
                write(&doc.record, &record);
                return engine::compile(job, bundle, timer.clone(), None);
            }
        }
        timer.lap("the preamble's format dumped");
    }
    // Made but not checked: the next build checks it without making it again.
    write(&doc.record, &record);
    let seeds = engine::kept_files(job);
    let out = engine::compile(&fixed, bundle.clone(), timer.clone(), None)?;
    let Some(pdf) = out.pdf.as_ref().and_then(|p| std::fs::read(p).ok()) else { return Ok(out) };
    let Some(dumped) = record.format.as_mut() else { return Ok(out) };
    let same = check(&fixed, &bundle, &doc.loaded(dumped), &seeds, &pdf, timer);
    if same {
        dumped.checked = true;
    } else {
        record.format = None;
        record.failed = Some(now);
        let _ = std::fs::remove_dir_all(&doc.formats);
    }
    write(&doc.record, &record);
    Ok(out)
}

/// A document that can have a preamble format, and where it would be kept.
struct Document {
    split: Split,
    jobname: String,
    main_name: String,
    key: Digest,
    record: PathBuf,
    /// The document's folder of formats (one at a time).
    formats: PathBuf,
}

impl Document {
    fn of(job: &EngineJob, bundle: &TexBundle, main: &[u8]) -> Option<Document> {
        if job.shell_escape || job.format.is_some() || job.access.trust() != Trust::Project {
            return None;
        }
        job.aux_dir.as_ref()?;
        let split = split(main)?;
        let jobname = job.main.file_stem()?.to_str()?.to_string();
        let main_name = job.main.file_name()?.to_str()?.to_string();
        let key = key(job, bundle.digest_hex(), &jobname, &split.preamble);
        // Beside LaTeX's format in the user's cache, one folder per document.
        let hash = Digest::of(job.main.as_os_str().as_encoded_bytes()).hex();
        let dir = job.user_cache.join("tex").join("preamble").join(format!("{jobname}.{}", &hash[..16]));
        Some(Document { split, jobname, main_name, key, record: dir.join("record.json"), formats: dir.join("formats") })
    }

    fn loaded(&self, f: &Dumped) -> Loaded {
        Loaded {
            name: f.name.clone(),
            dir: self.formats.clone(),
            body: self.split.body.clone(),
            reads: f.reads.clone(),
            served: f.served.clone(),
            log: f.log.clone(),
        }
    }
}

/// Everything the format stands for besides the files the preamble reads.
fn key(job: &EngineJob, bundle: &str, jobname: &str, preamble: &[u8]) -> Digest {
    let mut parts = vec![
        format!("preamble-format/{VERSION}"),
        format!("engine {}", tectonic::FORMAT_SERIAL),
        format!("bundle {bundle}"),
        format!("job {jobname}"),
        format!("main {}", job.main.display()),
        format!("preamble {}", Digest::of(preamble).hex()),
        format!("date {}", date_key(job.epoch)),
        // What the preamble may read: a file refused now was perhaps read then.
        format!("access {}", job.access.describe()),
    ];
    for (name, bytes) in &job.memory_files {
        parts.push(format!("memory {name}={}", Digest::of(bytes).hex()));
    }
    Digest::of(parts.join("\n").as_bytes())
}

/// The build date as far as a format depends on it: a reproducible build's exact epoch,
/// else the day (a preamble that keeps the time of day would keep the dump's).
fn date_key(epoch: Option<u64>) -> String {
    match epoch {
        Some(e) => format!("epoch {e}"),
        None => format!("day {}", now_secs() / 86_400),
    }
}

fn now_secs() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// `key` with what the files at `paths` hold now.
fn state(key: Digest, paths: &[&Path]) -> Digest {
    let reads: Vec<(PathBuf, Seen)> = paths.iter().map(|p| (p.to_path_buf(), super::bundle::seen_now(p).0)).collect();
    identity(key, &reads)
}

/// Removes the formats of all but the `keep` documents whose formats were made last.
fn prune(root: &Path, keep: usize) {
    let Ok(entries) = std::fs::read_dir(root) else { return };
    let made = |d: &Path| std::fs::metadata(d.join("formats")).and_then(|m| m.modified()).ok();
    let mut dirs: Vec<(std::time::SystemTime, PathBuf)> =
        entries.flatten().map(|e| e.path()).filter_map(|d| Some((made(&d)?, d))).collect();
    dirs.sort_by_key(|d| std::cmp::Reverse(d.0));
    for (_, d) in dirs.into_iter().skip(keep) {
        let _ = std::fs::remove_dir_all(d.join("formats"));
    }
}

/// `key` with the files the preamble read and what they held.
fn identity(key: Digest, reads: &[(PathBuf, Seen)]) -> Digest {
    let mut text = key.hex();
    for (p, s) in reads {
        text.push_str(&format!("\n{}={s:?}", p.display()));
    }
    Digest::of(text.as_bytes())
}

/// Whether every file holds what it held when the preamble read it.
fn unchanged(reads: &[(PathBuf, Seen)]) -> bool {
    reads.iter().all(|(p, seen)| *seen != Seen::Varied && super::bundle::seen_now(p).0 == *seen)
}

fn read(path: &Path) -> Option<Record> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

/// Atomic, not synced: the record only spares work (a lost one makes a format again).
fn write(path: &Path, record: &Record) {
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if let Ok(json) = serde_json::to_vec(record) {
        let _ = fsutil::replace(path, &json);
    }
}

/// Where the engine looks for format `name` in `dir` (tectonic's format cache naming).
fn format_path(dir: &Path, bundle: &TexBundle, name: &str) -> PathBuf {
    dir.join(format!("{}-{name}-{}.fmt", bundle.digest_hex(), tectonic::FORMAT_SERIAL))
}

/// Whether `job` compiled with the format, from `seeds` in a scratch folder, makes `pdf`.
fn check(
    job: &EngineJob,
    bundle: &TexBundle,
    loaded: &Loaded,
    seeds: &[(String, Vec<u8>)],
    pdf: &[u8],
    timer: &Timer,
) -> bool {
    let scratch = loaded.dir.join("check");
    let _ = std::fs::remove_dir_all(&scratch);
    let aux = scratch.join("aux");
    if std::fs::create_dir_all(&aux).is_err() || engine::keep_files(&aux, seeds).is_err() {
        return false;
    }
    let trial = EngineJob { out_dir: scratch.join("out"), aux_dir: Some(aux), ..job.clone() };
    // Silent: its passes are not the build's (`PAPERFIG_TIMINGS` shows the verdict below).
    let made = engine::compile(&trial, bundle.fresh_records(), Timer::default(), Some(loaded));
    let same = made.ok().and_then(|o| o.pdf).and_then(|p| std::fs::read(p).ok()).is_some_and(|b| b == pdf);
    let _ = std::fs::remove_dir_all(&scratch);
    timer.lap(if same {
        "the preamble's format makes the same PDF"
    } else {
        "the preamble's format makes another PDF: not used"
    });
    same
}

/// Why no format was made.
#[derive(Debug, thiserror::Error)]
enum DumpError {
    #[error("TeX stopped: {0}")]
    Tex(String),
    #[error("TeX reported errors")]
    Errors,
    #[error("the probe of the preamble's fonts found no measures")]
    Probe,
    #[error("the preamble writes {0}")]
    Writes(String),
    #[error("the preamble read files it may not")]
    Refused,
    #[error("the preamble read a file that changed while it was read")]
    Varied,
    #[error("TeX wrote no format")]
    NoFormat,
    #[error("cannot write the format: {0}")]
    Write(std::io::Error),
}

/// The bundle a probe or dump reads through: its own records, the document's folder,
/// what paperfig serves from memory, the preamble as the main file.
fn preamble_bundle(job: &EngineJob, bundle: &TexBundle, doc: &Document) -> TexBundle {
    let mut own = bundle.fresh_records();
    own.serve_document(job.main.parent().unwrap_or(Path::new(".")), job.access.clone());
    for (name, bytes) in &job.memory_files {
        own.add_memory_file(name, bytes.clone());
    }
    own.add_memory_file(&doc.main_name, doc.split.preamble.clone());
    own
}

/// Runs the preamble once as a normal job, to measure the OpenType fonts it loads.
fn probe(job: &EngineJob, bundle: &TexBundle, doc: &Document) -> Result<Vec<source::NativeFont>, DumpError> {
    let own = preamble_bundle(job, bundle, doc);
    let empty = engine::empty_root(&job.user_cache).map_err(DumpError::Write)?;
    let input = source::probe(&doc.main_name);
    let mut status = NoopStatusBackend::default();
    let mut builder =
        ProcessingSessionBuilder::new_with_security(SecuritySettings::new(SecurityStance::DisableInsecures));
    builder
        .bundle(Box::new(own))
        .tex_input_name("paperfig-probe.tex")
        .primary_input_buffer(input.as_bytes())
        .filesystem_root(&empty)
        .format_name(FORMAT_NAME)
        .format_cache_path(engine::format_dir(&job.user_cache))
        .do_not_write_output_files()
        .keep_logs(true)
        .pass(PassSetting::Tex)
        .build_date(std::time::UNIX_EPOCH + std::time::Duration::from_secs(job.epoch.unwrap_or(0)))
        .shell_escape_disabled();
    let files = {
        let _guard = engine::ENGINE_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        engine::fresh_font_caches();
        let mut session = builder.create(&mut status).map_err(|e| DumpError::Tex(format!("{e:#}")))?;
        session.run(&mut status).map_err(|e| DumpError::Tex(format!("{e:#}")))?;
        session.into_file_data()
    };
    let log = files.get("paperfig-probe.log").ok_or(DumpError::Probe)?;
    source::probed(&String::from_utf8_lossy(&log.data)).ok_or(DumpError::Probe)
}

/// The engine's files for the dump: the format source as the primary input, every
/// other name from the preamble's bundle; what TeX writes stays in memory, and every
/// name it opens for writing once the preamble is read is noted.
struct DumpIo {
    bundle: TexBundle,
    source: Vec<u8>,
    main_name: String,
    out: MemoryIo,
    in_preamble: bool,
    opened: Vec<String>,
}

impl IoProvider for DumpIo {
    fn output_open_name(&mut self, name: &str) -> OpenResult<OutputHandle> {
        if self.in_preamble {
            self.opened.push(name.to_string());
        }
        self.out.output_open_name(name)
    }

    fn output_open_stdout(&mut self) -> OpenResult<OutputHandle> {
        self.out.output_open_stdout()
    }

    fn input_open_name(&mut self, name: &str, status: &mut dyn StatusBackend) -> OpenResult<InputHandle> {
        self.in_preamble |= name == self.main_name;
        self.bundle.input_open_name(name, status)
    }

    fn input_open_name_with_abspath(
        &mut self,
        name: &str,
        status: &mut dyn StatusBackend,
    ) -> OpenResult<(InputHandle, Option<PathBuf>)> {
        self.in_preamble |= name == self.main_name;
        self.bundle.input_open_name_with_abspath(name, status)
    }

    fn input_open_primary(&mut self, _status: &mut dyn StatusBackend) -> OpenResult<InputHandle> {
        let cursor = std::io::Cursor::new(self.source.clone());
        OpenResult::Ok(InputHandle::new_read_only(self.main_name.as_str(), cursor, InputOrigin::Other))
    }

    fn input_open_primary_with_abspath(
        &mut self,
        status: &mut dyn StatusBackend,
    ) -> OpenResult<(InputHandle, Option<PathBuf>)> {
        match self.input_open_primary(status) {
            OpenResult::Ok(h) => OpenResult::Ok((h, None)),
            _ => OpenResult::NotAvailable,
        }
    }
}

impl DriverHooks for DumpIo {
    fn io(&mut self) -> &mut dyn IoProvider {
        self
    }
}

/// Probes the preamble's fonts and dumps it into a format in the document's folder of
/// formats (replacing an older one).
fn dump(job: &EngineJob, bundle: &TexBundle, doc: &Document) -> Result<Dumped, DumpError> {
    let fonts = probe(job, bundle, doc)?;
    let epoch = job.epoch.unwrap_or_else(now_secs);
    let own = preamble_bundle(job, bundle, doc);
    let mut io = DumpIo {
        bundle: own.clone(),
        source: source::format(&doc.jobname, &doc.main_name, epoch, &fonts).into_bytes(),
        main_name: doc.main_name.clone(),
        out: MemoryIo::new(true),
        in_preamble: false,
        opened: Vec::new(),
    };
    let refused_before = job.access.refused().len();
    let outcome = {
        let _guard = engine::ENGINE_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        engine::fresh_font_caches();
        let mut status = NoopStatusBackend::default();
        let security = SecuritySettings::new(SecurityStance::DisableInsecures);
        let mut launcher = CoreBridgeLauncher::new_with_security(&mut io, &mut status, security);
        TexEngine::default()
            .halt_on_error_mode(true)
            .initex_mode(true)
            .shell_escape(false)
            .build_date(std::time::UNIX_EPOCH + std::time::Duration::from_secs(epoch))
            .process(&mut launcher, "UNUSED.fmt", &doc.main_name)
    };
    match outcome {
        Ok(TexOutcome::Spotless | TexOutcome::Warnings) => {}
        Ok(TexOutcome::Errors) => return Err(DumpError::Errors),
        Err(e) => return Err(DumpError::Tex(format!("{e:#}"))),
    }
    if job.access.refused().len() > refused_before {
        return Err(DumpError::Refused);
    }
    let (fmt_name, log_name) = (format!("{}.fmt", doc.jobname), format!("{}.log", doc.jobname));
    if let Some(other) = io.opened.iter().find(|n| **n != fmt_name && **n != log_name) {
        return Err(DumpError::Writes(other.clone()));
    }
    let reads: Vec<(PathBuf, Seen)> = own.reads().unwrap_or_default().into_iter().collect();
    if reads.iter().any(|(_, s)| *s == Seen::Varied) {
        return Err(DumpError::Varied);
    }
    let files = io.out.files.borrow();
    let fmt = files.get(&fmt_name).filter(|f| !f.data.is_empty()).ok_or(DumpError::NoFormat)?;
    let log = files.get(&log_name).map(|f| source::preamble_log(&String::from_utf8_lossy(&f.data))).unwrap_or_default();
    let name = format!("preamble-{}", &identity(doc.key, &reads).hex()[..20]);
    let _ = std::fs::remove_dir_all(&doc.formats);
    std::fs::create_dir_all(&doc.formats).map_err(DumpError::Write)?;
    fsutil::replace(&format_path(&doc.formats, bundle, &name), &fmt.data).map_err(DumpError::Write)?;
    // The user cache's `tex/preamble/`, which holds every document's folder.
    if let Some(root) = doc.formats.parent().and_then(Path::parent) {
        prune(root, KEEP);
    }
    Ok(Dumped { key: doc.key, name, reads, served: own.served(), log, checked: false })
}

#[cfg(test)]
mod tests;
