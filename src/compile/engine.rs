//! The embedded TeX engine: tectonic (XeTeX + BibTeX + xdvipdfmx) linked into paperfig,
//! fed by [`TexBundle`], run without network access.
//!
//! The LaTeX format is built once per bundle digest into the user's cache,
//! `tex/formats/` (~3 s), and reused by every project. tectonic's default pass runs TeX, BibTeX when the `.aux` asks for it, and
//! TeX again until the `.aux` settles (at most six passes), then xdvipdfmx. All outputs
//! stay in memory; the PDF, `.log` and `.blg` are then written atomically to the output
//! folder (the `.log` also on failure). With a build date the output is deterministic:
//! byte-identical PDFs across runs and folders (dates fixed, absolute paths hidden).
//! A SyncTeX file (`<stem>.synctex.gz`) is written beside the PDF for editors. Biber runs
//! when biblatex asks for it (tectonic runs the `biber` on `PATH`). Shell escape is off
//! unless the job allows it; then commands run in a temporary folder holding TeX's files.
//!
//! tectonic's C engines keep global state and are not reentrant, so every run holds
//! [`ENGINE_LOCK`].

use std::collections::BTreeMap;
use std::fmt::Arguments;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use tectonic::driver::{PassSetting, ProcessingSessionBuilder};
use tectonic::status::{MessageKind, StatusBackend};
use tectonic::unstable_opts::UnstableOptions;

use tectonic_bridge_core::{SecuritySettings, SecurityStance};

use super::access::Access;
use super::bundle::{BundleError, FORMAT_NAME, Seen, TexBundle, TexSource};
use crate::config::Trust;
use crate::fsutil;

/// Held while any tectonic engine runs in this process.
pub static ENGINE_LOCK: Mutex<()> = Mutex::new(());

/// What to compile.
#[derive(Clone)]
pub struct EngineJob {
    /// The main `.tex` file on disk; its folder is where TeX finds the document's files.
    pub main: PathBuf,
    /// Where the PDF, `.log` and `.blg` go.
    pub out_dir: PathBuf,
    /// The user's cache folder: the trees' index and the formats live in `tex/` inside,
    /// shared by every project.
    pub user_cache: PathBuf,
    /// The TeX files to read.
    pub tex: TexSource,
    /// What TeX may read (see [`Access`]).
    pub access: Arc<Access>,
    /// Whether `\write18` may run commands.
    pub shell_escape: bool,
    /// Seconds since 1970 used for every date in the output; `None` = now.
    pub epoch: Option<u64>,
    /// Extra files served from memory (name, bytes), such as `paperfig.sty`.
    pub memory_files: Vec<(String, Vec<u8>)>,
    /// Where the previous successful run's `.aux`, `.bbl`, … are kept (see [`AUX_EXTENSIONS`]).
    pub aux_dir: Option<PathBuf>,
    /// The format to run with, when not LaTeX's own: its source is one of `memory_files`,
    /// `tectonic-format-NAME.tex`, and it is cached beside LaTeX's by name.
    pub format: Option<String>,
}

/// A format made from a document's preamble, for [`compile`] ([`super::preamble`]).
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The format's name and the folder it is cached in.
    pub name: String,
    pub dir: PathBuf,
    /// The main file with its preamble lines empty.
    pub body: Vec<u8>,
    /// What the preamble read in the document's folder (part of what the run read).
    pub reads: Vec<(PathBuf, Seen)>,
    /// The TeX files the preamble read.
    pub served: Vec<PathBuf>,
    /// The dump's log of the preamble, to put back into the run's log.
    pub log: String,
}

/// Intermediate files kept between builds of a document, by extension, under any name TeX
/// writes them (`paper.aux`, and `chapters/a.aux` of `\include{chapters/a}`, which
/// `paper.aux` inputs). TeX reads them as it would read last run's files, so a build whose
/// references have not changed needs one TeX pass fewer; tectonic still reruns until the
/// files it reads equal those it writes.
pub const AUX_EXTENSIONS: &[&str] = &["aux", "bbl", "toc", "lof", "lot", "out"];

/// Single TeX passes tried from kept files before tectonic's own rerun logic takes over
/// (it stops at six passes; references that have not settled by then rarely do).
const MAX_SINGLE_PASSES: usize = 4;

/// One message from the engines (TeX's errors carry `file:line:` and the context lines).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EngineMessage {
    pub kind: Kind,
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Kind {
    Note,
    Warning,
    Error,
    /// What an external tool (biber) printed when it failed.
    ToolOutput,
}

/// What a run produced.
#[derive(Debug)]
pub struct EngineOutput {
    /// The PDF, when the run succeeded.
    pub pdf: Option<PathBuf>,
    /// The main `.log` as written (empty if TeX never started).
    pub log: String,
    pub log_path: Option<PathBuf>,
    /// BibTeX's `.blg`, if BibTeX ran.
    pub blg: Option<String>,
    pub messages: Vec<EngineMessage>,
    /// The run's failure (`{:#}` of tectonic's error chain), if any.
    pub failure: Option<String>,
    /// Whether the format had to be built in this run.
    pub built_format: bool,
    /// Files TeX asked for and was refused ([`Access`]); then no output was written.
    pub refused: Vec<String>,
    /// The SyncTeX file, when a PDF was made.
    pub synctex: Option<PathBuf>,
    /// The TeX files read from the trees or the bundle's cache (paths on disk).
    pub tex_files: Vec<PathBuf>,
    /// The files TeX asked for in the document's folder (see `TexBundle::asked`), with
    /// what each held when read.
    pub document_reads: Option<BTreeMap<PathBuf, Seen>>,
}

impl EngineOutput {
    /// The files TeX asked for in the document's folder, found or not (`None`: not seen).
    pub fn document_files(&self) -> Option<Vec<PathBuf>> {
        Some(self.document_reads.as_ref()?.keys().cloned().collect())
    }
}

/// Collects the engines' messages instead of printing them.
struct Collect {
    messages: Vec<EngineMessage>,
    timer: Timer,
    access: Arc<Access>,
}

impl StatusBackend for Collect {
    fn report(&mut self, kind: MessageKind, args: Arguments, err: Option<&tectonic::Error>) {
        let kind = match kind {
            MessageKind::Note => Kind::Note,
            MessageKind::Warning => Kind::Warning,
            MessageKind::Error => Kind::Error,
        };
        let mut text = args.to_string();
        if kind == Kind::Note && (text.starts_with("Running TeX") || text.starts_with("Rerunning TeX")) {
            // tectonic's own reruns happen inside one session; each TeX pass says so first.
            fresh_font_caches();
        }
        if let Some(e) = err {
            text.push_str(&format!(": {e:#}"));
        }
        self.timer.lap(&text);
        if kind == Kind::Warning {
            self.access.check_message(&text);
        }
        self.messages.push(EngineMessage { kind, text });
    }

    fn dump_error_logs(&mut self, output: &[u8]) {
        let text = String::from_utf8_lossy(output).into_owned();
        self.messages.push(EngineMessage { kind: Kind::ToolOutput, text });
    }
}

/// Whether `name`, a file TeX wrote, is kept for the next run: an intermediate file
/// ([`AUX_EXTENSIONS`]) named relative to the document's folder and inside it.
fn is_kept(name: &str) -> bool {
    let path = Path::new(name);
    path.components().all(|c| matches!(c, std::path::Component::Normal(_)))
        && path.extension().and_then(|e| e.to_str()).is_some_and(|e| AUX_EXTENSIONS.contains(&e))
}

/// The names of the intermediate files kept in `dir`, as TeX names them (`chapters/a.aux`).
fn kept_names(dir: &Path) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| e.path().strip_prefix(dir).ok()?.to_str().map(str::to_string))
        .filter(|name| is_kept(name))
        .collect()
}

/// Last successful run's intermediate files in `job.aux_dir` (name, bytes), as the next
/// run reads them.
pub(crate) fn kept_files(job: &EngineJob) -> Vec<(String, Vec<u8>)> {
    let Some(dir) = &job.aux_dir else { return Vec::new() };
    kept_names(dir).into_iter().filter_map(|file| std::fs::read(dir.join(&file)).ok().map(|b| (file, b))).collect()
}

/// Keeps `files` (name, bytes) in `dir` for the next run, each at its name.
pub(crate) fn keep_files(dir: &Path, files: &[(String, Vec<u8>)]) -> std::io::Result<()> {
    for (file, bytes) in files {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap_or(dir))?;
        fsutil::write_if_changed(&path, bytes)?;
    }
    Ok(())
}

/// The empty folder tectonic's own file access is pointed at for an untrusted document,
/// so that every relative name reaches the bundle.
pub(crate) fn empty_root(user_cache: &Path) -> std::io::Result<PathBuf> {
    let empty = user_cache.join("tex").join("empty");
    std::fs::create_dir_all(&empty)?;
    Ok(empty)
}

/// Whether a run that read `seeds` left them as it found them: each kept file it wrote
/// equals the one it read (one it left unwritten stays as it was, as on disk: the `.aux`
/// of a file `\includeonly` leaves out).
fn settled(seeds: &[(String, Vec<u8>)], files: &tectonic::io::memory::MemoryFileCollection) -> bool {
    files.iter().filter(|(name, _)| is_kept(name)).all(|(name, f)| seeds.iter().any(|(s, b)| s == name && *b == f.data))
}

/// `seeds` with the kept files a run wrote in place of the ones it read.
fn write_over(seeds: &mut Vec<(String, Vec<u8>)>, files: &tectonic::io::memory::MemoryFileCollection) {
    for (name, f) in files.iter().filter(|(name, _)| is_kept(name)) {
        match seeds.iter_mut().find(|(s, _)| s == name) {
            Some((_, bytes)) => bytes.clone_from(&f.data),
            None => seeds.push((name.clone(), f.data.clone())),
        }
    }
}

/// A main file given to tectonic as bytes is `texput` in the SyncTeX file; editors need
/// its path there. `None` when the file does not read as expected.
fn name_main_in_synctex(gz: &[u8], main: &Path) -> Option<Vec<u8>> {
    use std::io::Read as _;
    let mut text = String::new();
    flate2::read::GzDecoder::new(gz).take(1 << 30).read_to_string(&mut text).ok()?;
    let start = text.find("\nInput:1:")? + "\nInput:1:".len();
    let end = start + text[start..].find('\n')?;
    let path = main.canonicalize().ok()?;
    text.replace_range(start..end, path.to_str()?);
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(text.as_bytes()).ok()?;
    enc.finish().ok()
}

/// `PAPERFIG_TIMINGS=1`: the engine's steps with the time since the build started, on
/// stderr (for profiling; see guide/building.md).
#[derive(Clone, Default)]
pub(crate) struct Timer {
    start: Option<std::time::Instant>,
}

impl Timer {
    pub(crate) fn from_env() -> Timer {
        let on = std::env::var_os("PAPERFIG_TIMINGS").is_some_and(|v| !v.is_empty() && v != "0");
        Timer { start: on.then(std::time::Instant::now) }
    }

    pub(crate) fn lap(&self, what: &str) {
        if let Some(start) = self.start {
            let ms = start.elapsed().as_secs_f64() * 1000.0;
            let _ = writeln!(std::io::stderr(), "timing: {ms:>7.1} ms  {}", what.trim_end_matches(" ..."));
        }
    }
}

/// Forgets what the engine keeps between runs by TeX font number (glyph boxes,
/// protrusion codes): font numbers name other fonts in another run, and a run after one
/// that loaded its fonts in another order would measure its words with their boxes
/// (`vendor/README.md`). Called before every TeX pass, under [`ENGINE_LOCK`].
pub(crate) fn fresh_font_caches() {
    tectonic_xetex_layout::clear_font_number_caches();
}

/// The format cache folder inside paperfig's cache.
pub fn format_dir(cache_dir: &Path) -> PathBuf {
    cache_dir.join("tex").join("formats")
}

/// Formats kept in the user's cache: each is some 35 MB, and every change of the TeX files
/// (an update, a package installed) makes a new one.
const FORMATS_KEPT: usize = 8;

/// Formats made this recently are kept whatever their number (builds running at once
/// against several TeX installations, as the tests do, each need theirs).
const FORMATS_KEPT_FOR: Duration = Duration::from_secs(7 * 24 * 3600);

/// After a format was made: removes those older than [`FORMATS_KEPT_FOR`] beyond the
/// [`FORMATS_KEPT`] most recently made ones (a format still in use that is removed is made
/// again by its next build).
fn prune_formats(dir: &Path) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut formats: Vec<(SystemTime, PathBuf)> = rd
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".fmt"))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    formats.sort_by_key(|f| std::cmp::Reverse(f.0));
    let now = SystemTime::now();
    let stale = |made: &SystemTime| now.duration_since(*made).is_ok_and(|age| age > FORMATS_KEPT_FOR);
    for (_, old) in formats.into_iter().skip(FORMATS_KEPT).filter(|(made, _)| stale(made)) {
        let _ = std::fs::remove_file(old);
    }
}

/// Why the engine could not run (TeX's own errors are in the output, not here).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Bundle(#[from] BundleError),
    #[error("the main file name is not UTF-8")]
    MainName,
    #[error("cannot create {}: {source}", path.display())]
    CreateDir { path: PathBuf, source: std::io::Error },
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
}

/// TeX fills arrays of a few hundred megabytes from its format at every pass, and frees
/// them after. glibc gives allocations that large fresh pages from the system each time
/// (`mmap`), which the kernel must zero again (half of a pass's time, measured); taken from
/// the heap, and the heap never trimmed, every pass after a process's first reuses the
/// pages the first one touched: the second of two passes, and each compile of `watch`
/// (which then keeps ~200 MB between compiles).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_freed_memory() {
    // SAFETY: mallopt only changes glibc's allocation policy, under glibc's own lock.
    unsafe {
        libc::mallopt(libc::M_MMAP_MAX, 0);
        libc::mallopt(libc::M_TRIM_THRESHOLD, libc::c_int::MAX);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_freed_memory() {}

/// Compiles `job.main` to PDF with the job's TeX files, `bundle`, opened. `Err` is for problems before TeX runs (no TeX Live);
/// TeX errors are in the output's `failure` and `messages`.
///
/// With last build's intermediate files, one TeX pass (then BibTeX, then xdvipdfmx) is
/// tried first: when every kept file TeX read equals the one it wrote (the `.bbl` after
/// BibTeX included), the references have settled and that pass's PDF is final, as latexmk
/// would decide. Otherwise another single pass runs from the files this one wrote, up to
/// [`MAX_SINGLE_PASSES`]; then (and from scratch) tectonic's own rerun logic runs, seeded
/// with the newest files.
///
/// With `preamble` (the document's own format, [`super::preamble`]), the main file is
/// given with its preamble lines empty.
pub(crate) fn compile(
    job: &EngineJob,
    mut bundle: TexBundle,
    timer: Timer,
    preamble: Option<&Loaded>,
) -> Result<EngineOutput, EngineError> {
    keep_freed_memory();
    // Untrusted: tectonic's own file access looks in an empty folder, so that every
    // relative name reaches the bundle, which asks `Access`.
    let doc_dir = job.main.parent().unwrap_or(Path::new(".")).to_path_buf();
    // (A main file given by path would make its folder tectonic's root again, so it is
    // given as bytes.)
    let untrusted = if job.access.trust() == Trust::Project {
        bundle.serve_document(&doc_dir, job.access.clone());
        let empty = empty_root(&job.user_cache)
            .map_err(|source| EngineError::CreateDir { path: job.user_cache.join("tex").join("empty"), source })?;
        let main = match preamble {
            Some(p) => p.body.clone(),
            None => std::fs::read(&job.main).map_err(|source| EngineError::Read { path: job.main.clone(), source })?,
        };
        Some((main, empty))
    } else {
        None
    };
    for (name, bytes) in &job.memory_files {
        bundle.add_memory_file(name, bytes.clone());
    }
    if let Some(p) = preamble {
        bundle.note_reads(&p.reads, &p.served);
    }
    let mut seeds = kept_files(job);
    let formats = format_dir(&job.user_cache);
    let format_file_exists = std::fs::read_dir(&formats)
        .map(|rd| rd.filter_map(Result::ok).any(|e| e.file_name().to_string_lossy().starts_with(bundle.digest_hex())))
        .unwrap_or(false);
    std::fs::create_dir_all(&formats).map_err(|source| EngineError::CreateDir { path: formats.clone(), source })?;
    let name = job.main.file_name().and_then(|n| n.to_str()).ok_or(EngineError::MainName)?.to_string();
    let stem = Path::new(&name).file_stem().and_then(|s| s.to_str()).unwrap_or("paper").to_string();
    let date = SystemTime::UNIX_EPOCH
        + Duration::from_secs(
            job.epoch
                .unwrap_or_else(|| SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs())),
        );
    let session = |seeds: &[(String, Vec<u8>)], one_pass: bool| {
        let mut bundle = bundle.clone();
        bundle.clear_seed_files();
        for (file, bytes) in seeds {
            bundle.add_seed_file(file, bytes.clone());
        }
        let mut status = Collect { timer: timer.clone(), messages: Vec::new(), access: job.access.clone() };
        let stance =
            if job.shell_escape { SecurityStance::MaybeAllowInsecures } else { SecurityStance::DisableInsecures };
        let mut builder = ProcessingSessionBuilder::new_with_security(SecuritySettings::new(stance));
        builder
            .bundle(Box::new(bundle))
            .tex_input_name(&name)
            .format_name(preamble.map_or(job.format.as_deref().unwrap_or(FORMAT_NAME), |p| &p.name))
            .format_cache_path(preamble.map_or(&formats, |p| &p.dir))
            .do_not_write_output_files()
            .keep_logs(true)
            .pass(PassSetting::Default)
            .build_date(date)
            // Not tectonic's deterministic mode: all it changes is to leave SyncTeX without
            // file names; dates come from `build_date`, and the PDF holds no paths.
            .unstables(UnstableOptions::default())
            .synctex(true);
        match &untrusted {
            Some((main, empty)) => builder.primary_input_buffer(main).filesystem_root(empty),
            None => builder.primary_input_path(&job.main),
        };
        if job.shell_escape {
            builder.shell_escape_with_temp_dir();
        } else {
            builder.shell_escape_disabled();
        }
        if one_pass {
            builder.reruns(0);
        }
        let (result, files) = match builder.create(&mut status) {
            Ok(mut session) => {
                let result = session.run(&mut status);
                (result, session.into_file_data())
            }
            Err(e) => (Err(e), Default::default()),
        };
        timer.lap(if one_pass { "one pass with kept files done" } else { "passes done" });
        (result, files, status.messages)
    };

    let guard = ENGINE_LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut run = None;
    // Single passes, each from the files the one before wrote, until one reads what it
    // writes (an edit that moves a page reference settles in the second; new citations,
    // with BibTeX run in the first, in the third). tectonic's own rerun logic would run TeX
    // again after every BibTeX run, needed or not.
    let mut passes = 0;
    while !seeds.is_empty() && passes < MAX_SINGLE_PASSES {
        passes += 1;
        let (result, files, messages) = session(&seeds, true);
        if result.is_err() || settled(&seeds, &files) {
            run = Some((result, files, messages));
            break;
        }
        // The references moved: go on from the files this pass wrote.
        write_over(&mut seeds, &files);
    }
    let (result, files, messages) = run.unwrap_or_else(|| session(&seeds, false));
    write_over(&mut seeds, &files);
    drop(guard);

    if !format_file_exists {
        prune_formats(&formats);
    }
    let mut out = EngineOutput {
        pdf: None,
        log: String::new(),
        log_path: None,
        blg: None,
        messages,
        failure: result.err().map(|e| format!("{e:#}")),
        built_format: !format_file_exists,
        refused: job.access.refused(),
        synctex: None,
        tex_files: bundle.served(),
        document_reads: bundle.reads(),
    };
    if !out.refused.is_empty() {
        // TeX may have read a refused file: nothing of this run leaves memory (its log
        // could quote the file), and its intermediate files are not kept.
        out.failure = Some("TeX was refused files outside the project".into());
        if let Some(dir) = &job.aux_dir {
            for file in kept_names(dir) {
                let _ = std::fs::remove_file(dir.join(file));
            }
        }
        return Ok(out);
    }
    std::fs::create_dir_all(&job.out_dir)
        .map_err(|source| EngineError::CreateDir { path: job.out_dir.clone(), source })?;
    let write = |file: &str, bytes: &[u8]| -> Result<PathBuf, EngineError> {
        let path = job.out_dir.join(file);
        fsutil::write_if_changed(&path, bytes).map_err(|source| EngineError::Write { path: path.clone(), source })?;
        Ok(path)
    };
    if let Some(log) = files.get(&format!("{stem}.log")) {
        out.log = String::from_utf8_lossy(&log.data).into_owned();
        let path = format!("{stem}.log");
        out.log_path = Some(match preamble {
            Some(p) => {
                out.log = splice_log(&out.log, &name, &p.log);
                write(&path, out.log.as_bytes())?
            }
            None => write(&path, &log.data)?,
        });
    }
    if let Some(blg) = files.get(&format!("{stem}.blg")) {
        out.blg = Some(String::from_utf8_lossy(&blg.data).into_owned());
        write(&format!("{stem}.blg"), &blg.data)?;
    }
    if out.failure.is_none() {
        match files.get(&format!("{stem}.pdf")) {
            Some(pdf) if !pdf.data.is_empty() => {
                out.pdf = Some(write(&format!("{stem}.pdf"), &pdf.data)?);
                let synctex = format!("{stem}.synctex.gz");
                if let Some(f) = files.get(&synctex) {
                    let named = untrusted.as_ref().and_then(|_| name_main_in_synctex(&f.data, &job.main));
                    out.synctex = Some(write(&synctex, named.as_deref().unwrap_or(&f.data))?);
                }
            }
            _ => out.failure = Some("TeX produced no PDF (is the document empty?)".into()),
        }
    }
    // Keep the intermediate files of a good run for the next one; drop them after a
    // failure (a broken .aux would break the next run too).
    if let Some(dir) = &job.aux_dir {
        if out.pdf.is_some() {
            let _ = keep_files(dir, &seeds);
        } else {
            for file in kept_names(dir) {
                let _ = std::fs::remove_file(dir.join(file));
            }
        }
    }
    Ok(out)
}

/// `log` (a run with the preamble's format) with the preamble's part put back where the
/// main file opens: after the first `(` that opens it, else at the start.
pub(crate) fn splice_log(log: &str, main_name: &str, preamble: &str) -> String {
    if preamble.is_empty() {
        return log.to_string();
    }
    let at = log.match_indices('(').find_map(|(i, _)| {
        let rest = &log[i + 1..];
        let name = rest.trim_start_matches("./");
        name.starts_with(main_name).then(|| i + 1 + (rest.len() - name.len()) + main_name.len())
    });
    // Inside the main file already: without the dump's own opening and closing of it.
    let inner = preamble.trim();
    let inner = inner.strip_prefix('(').map(|r| r.trim_start_matches("./")).and_then(|r| r.strip_prefix(main_name));
    let inner = inner.and_then(|r| r.strip_suffix(')')).map_or(preamble.trim_end(), str::trim);
    match at {
        Some(at) => format!("{}\n{}{}", &log[..at], inner, &log[at..]),
        None => format!("{preamble}{log}"),
    }
}
