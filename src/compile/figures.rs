//! The embedded engine as the TeX engine of `kind=tikz` figures
//! ([`crate::provider::tikz::TexEngine`]), and the registry the drivers build with it.
//!
//! Each document is compiled in a child process (`paperfig tex-figure DIR`, [`work`]): the
//! engine cannot be stopped from inside, so a picture that loops forever is killed at its
//! time limit with its process group, and two documents compile at once on two cores (the
//! engine itself runs one document at a time per process). The parent writes the document,
//! its files and `job.json` (which TeX files to read) into a temporary folder; the child
//! compiles it untrusted (TeX reads only that folder, the TeX trees and the user's cache)
//! and leaves `figure.pdf` and `out.json` (TeX's errors, each with its line in the
//! document).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use serde::{Deserialize, Serialize};

use super::bundle::TexSource;
use super::engine::{self, EngineJob, Kind, Timer};
use super::remote::Fetch;
use super::texmf::{Origin, TexTrees, Tree};
use super::{access, texlog};
use crate::config::{BundleSource, Trust};
use crate::plan::Registry;
use crate::project::Project;
use crate::provider::command::exec::{self, Exit, Limits};
use crate::provider::tikz::{TexEngine, TexJob, TexOutput, TexProblem, TikzProvider};

/// The build date of every figure (figures hold no visible date; a fixed one keeps them
/// byte-identical).
const EPOCH: u64 = 946_684_800;

/// The name of the document in the job folder.
const MAIN: &str = "figure.tex";

/// The builtin providers, the TikZ one with the embedded engine, then the hosted ones.
pub fn registry(project: &Project) -> Registry {
    registry_sharing(project, super::bundle::TexDigest::default())
}

/// [`registry`] for one build, whose compile then uses the TeX files' digest the TikZ
/// figures' keys found (`digest`, as in the build's [`super::TexRun`]).
pub fn registry_sharing(project: &Project, digest: super::bundle::TexDigest) -> Registry {
    let mut engine = EmbeddedFigures::new(project);
    engine.shared = digest;
    Registry::for_config(&project.config).with_local(Arc::new(TikzProvider::new(Arc::new(engine))))
}

/// What the child needs to know besides the document: where the TeX files are.
#[derive(Serialize, Deserialize)]
struct Job {
    user_cache: PathBuf,
    /// The installed trees (path, `ls-R` only), or the engine's bundle (URL, digest).
    trees: Vec<(PathBuf, bool)>,
    bundle: Option<(String, Option<String>)>,
    /// The format (name, source), when not LaTeX's own.
    format: Option<(String, String)>,
}

/// What the child leaves in `out.json`.
#[derive(Serialize, Deserialize)]
struct Out {
    pdf: bool,
    errors: Vec<Problem>,
}

#[derive(Serialize, Deserialize)]
struct Problem {
    line: Option<usize>,
    message: String,
    context: Vec<String>,
}

/// The embedded engine over a project's TeX files, run in child processes.
pub struct EmbeddedFigures {
    user_cache: PathBuf,
    texmf: Option<Vec<PathBuf>>,
    bundle: Option<BundleSource>,
    /// The TeX files (found once, when a figure first asks).
    source: OnceLock<TexSource>,
    digest: OnceLock<Result<String, String>>,
    /// The digest as the build's compile will use it.
    shared: super::bundle::TexDigest,
    program: PathBuf,
    /// Held by a compile while the engine's format is not in the user's cache yet, so that
    /// one process builds it and the others wait for it.
    first: Mutex<()>,
}

impl EmbeddedFigures {
    pub fn new(project: &Project) -> EmbeddedFigures {
        EmbeddedFigures {
            user_cache: super::user_cache(project),
            texmf: project.config.tex.texmf.clone(),
            bundle: project.config.tex.bundle.clone(),
            source: OnceLock::new(),
            digest: OnceLock::new(),
            shared: super::bundle::TexDigest::default(),
            program: std::env::current_exe().unwrap_or_else(|_| PathBuf::from("paperfig")),
            first: Mutex::new(()),
        }
    }

    fn source(&self) -> &TexSource {
        self.source.get_or_init(|| match &self.bundle {
            Some(source) => TexSource::Bundle { source: source.clone(), fetch: Fetch::Online },
            None => TexSource::Trees {
                trees: TexTrees::find(self.texmf.as_deref(), Some(&self.user_cache)),
                fetch: Fetch::Online,
            },
        })
    }

    fn job(&self, format: Option<(&str, &str)>) -> Job {
        let format = format.map(|(name, source)| (name.to_string(), source.to_string()));
        let user_cache = self.user_cache.clone();
        match self.source() {
            TexSource::Trees { trees, .. } => Job {
                user_cache,
                trees: trees.trees.iter().map(|t| (t.path.clone(), t.ls_r_only)).collect(),
                bundle: None,
                format,
            },
            TexSource::Bundle { source, .. } => {
                Job { user_cache, trees: Vec::new(), bundle: Some((source.url.clone(), source.digest.clone())), format }
            }
        }
    }
}

impl TexEngine for EmbeddedFigures {
    fn tex_digest(&self) -> Result<String, String> {
        let find = || self.source().digest(&self.user_cache).map_err(|e| format!("{e:#}"));
        self.digest.get_or_init(|| self.shared.get_or_find(find)).clone()
    }

    fn compile(&self, job: &TexJob<'_>) -> Result<TexOutput, String> {
        let formats = engine::format_dir(&self.user_cache);
        let digest = self.tex_digest()?;
        let name = job.format.map_or(super::bundle::FORMAT_NAME, |(name, _)| name);
        let has_format = std::fs::read_dir(&formats)
            .map(|rd| {
                rd.filter_map(Result::ok).any(|e| {
                    let file = e.file_name().to_string_lossy().into_owned();
                    file.starts_with(&format!("{digest}-{name}-")) && file.ends_with(".fmt")
                })
            })
            .unwrap_or(false);
        let _first = (!has_format).then(|| self.first.lock().unwrap_or_else(|p| p.into_inner()));
        let tmp = self.user_cache.join("tex").join("figures");
        std::fs::create_dir_all(&tmp).map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
        let dir =
            tempfile::tempdir_in(&tmp).map_err(|e| format!("cannot create a folder in {}: {e}", tmp.display()))?;
        let _folder = crate::children::Folder::track(dir.path().to_path_buf());
        let write = |rel: &str, bytes: &[u8]| {
            let path = dir.path().join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
            }
            std::fs::write(&path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
        };
        write(MAIN, job.tex.as_bytes())?;
        for (rel, bytes) in &job.files {
            write(rel, bytes)?;
        }
        let spec = serde_json::to_vec(&self.job(job.format)).map_err(|e| e.to_string())?;
        write("job.json", &spec)?;
        let argv = [self.program.display().to_string(), "tex-figure".into(), dir.path().display().to_string()];
        let env: Vec<(String, String)> =
            std::env::var("PAPERFIG_TIMINGS").map(|v| vec![("PAPERFIG_TIMINGS".into(), v)]).unwrap_or_default();
        let ran = exec::run(&argv, dir.path(), &env, &Limits { timeout: job.timeout, watch: None });
        match ran.exit {
            Exit::Success => {}
            Exit::TimedOut => return Ok(TexOutput { timed_out: true, ..TexOutput::default() }),
            Exit::NotStarted(e) => return Err(format!("cannot start {}: {e}", self.program.display())),
            Exit::Failed(_) | Exit::TooLarge(_) => {
                return Err(format!("the TeX process failed: {}", ran.stderr.trim()));
            }
        }
        let out: Out = std::fs::read(dir.path().join("out.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or("the TeX process left no result")?;
        let pdf = if out.pdf { std::fs::read(dir.path().join("out").join("figure.pdf")).ok() } else { None };
        let errors = out
            .errors
            .into_iter()
            .map(|p| TexProblem { line: p.line, message: p.message, context: p.context })
            .collect();
        Ok(TexOutput { pdf, errors, timed_out: false })
    }
}

/// The child's side (`paperfig tex-figure DIR`): compiles `DIR/figure.tex` with the
/// embedded engine and writes `DIR/out.json` (and `DIR/out/figure.pdf`).
pub fn work(dir: &Path) -> Result<(), String> {
    let spec = std::fs::read(dir.join("job.json")).map_err(|e| format!("cannot read job.json: {e}"))?;
    let spec: Job = serde_json::from_slice(&spec).map_err(|e| format!("bad job.json: {e}"))?;
    let tex = match spec.bundle {
        Some((url, digest)) => TexSource::Bundle { source: BundleSource { url, digest }, fetch: Fetch::Offline },
        None => {
            let trees = spec.trees.into_iter().map(|(path, ls_r_only)| Tree { path, ls_r_only }).collect();
            TexSource::Trees {
                trees: TexTrees { trees, origin: Origin::Config, searched: Vec::new() },
                fetch: Fetch::Offline,
            }
        }
    };
    let bundle = tex.open(&spec.user_cache).map_err(|e| format!("{e:#}"))?;
    let memory_files = match &spec.format {
        Some((name, source)) => vec![(format!("tectonic-format-{name}.tex"), source.clone().into_bytes())],
        None => Vec::new(),
    };
    let mut roots = vec![dir.to_path_buf(), spec.user_cache.clone()];
    roots.extend(tex.folders());
    let job = EngineJob {
        main: dir.join(MAIN),
        out_dir: dir.join("out"),
        user_cache: spec.user_cache,
        tex,
        access: Arc::new(access::Access::new(Trust::Project, roots)),
        shell_escape: false,
        epoch: Some(EPOCH),
        memory_files,
        aux_dir: None,
        format: spec.format.map(|(name, _)| name),
    };
    let out = engine::compile(&job, bundle, Timer::from_env(), None).map_err(|e| format!("{e:#}"))?;
    let mut log_errors = texlog::log_error_contexts(&out.log);
    let mut errors: Vec<Problem> = out
        .messages
        .iter()
        .filter(|m| m.kind == Kind::Error && !texlog::is_driver_noise(&m.text))
        .map(|m| texlog::parse_error(&m.text))
        .filter(|e| !e.message.is_empty())
        .map(|mut e| {
            if e.context.is_empty() {
                if let Some(i) = log_errors.iter().position(|(m, _)| *m == e.message) {
                    e.context = log_errors.remove(i).1;
                }
            }
            let in_main = e.file.as_deref().is_some_and(|f| f.trim_start_matches("./") == MAIN);
            Problem { line: e.line.filter(|_| in_main), message: e.message, context: e.context }
        })
        .collect();
    for name in &out.refused {
        errors.push(Problem {
            line: None,
            message: format!("TeX may not read `{name}`: a figure reads only its own files and the TeX trees"),
            context: Vec::new(),
        });
    }
    if out.pdf.is_none() && errors.is_empty() {
        errors.push(Problem {
            line: None,
            message: out.failure.clone().unwrap_or_else(|| "TeX made no PDF".into()),
            context: Vec::new(),
        });
    }
    let result = Out { pdf: out.pdf.is_some(), errors };
    std::fs::write(dir.join("out.json"), serde_json::to_vec(&result).map_err(|e| e.to_string())?)
        .map_err(|e| format!("cannot write out.json: {e}"))
}
