//! `paperfig.toml`: read raw, then checked into a `Config` that later stages trust.
//!
//! ```toml
//! [project]
//! sources = ["paper.md"]          # files or globs; default: every .md and .tex file
//! exclude = ["drafts/**"]
//!
//! [output]
//! dir = "build/figures"           # where finished figures are written
//! formats = ["svg", "pdf", "png"]
//! png_dpi = 192
//! size = "column"                 # column (3.3 in), wide (7 in), or e.g. "5in"
//!
//! [cache]
//! dir = ".paperfig"
//! remote = "s3://bucket/prefix"   # optional shared cache (see `store::remote`)
//! remote_write = true             # false: read-only consumer
//! [cache.remote_options]          # passed to object_store's builder, e.g.
//! region = "us-east-1"            # (never secrets: those come from the environment)
//!
//! [defaults]                      # provider per kind
//! plot = "builtin"
//!
//! [runners]                       # scripts of kind=command figures (see `runners`)
//! allow = true
//! sandbox = true                  # under bubblewrap (see `provider::command::sandbox`)
//!
//! [providers.pb]                  # hosted figure services (see `providers`)
//! type = "paperbanana"
//! api_key_env = "PAPERBANANA_API_KEY"
//! [extract]                       # kind=extract figures (see guide/extract.md)
//! bibliography = ["refs.bib"]     # .bib files searched for `cite:KEY`; default: see guide
//! pdf_dir = "papers"              # `cite:KEY` falls back to papers/KEY.pdf
//! [build]                         # `paperfig build`: the PDF
//! main = "paper.md"               # the main document when the folder holds several
//! dir = "build"                   # where the PDF, .log and generated .tex go
//! source_date_epoch = 1700000000  # dates in the PDF when neither SOURCE_DATE_EPOCH nor git give one
//! texmf = ["/opt/tex/texmf-dist"] # the TeX trees to read; default: what kpsewhich says, else Debian's
//! bundle = "https://…/x.ttb"      # the engine's own bundle, used when no TeX is installed (or to pin one)
//! bundle_digest = "…"             # its SHA-256 digest (hex); a bundle with another is refused
//! shell_escape = false            # true: \write18 runs commands (minted); never under --locked
//! trust = "project"               # "all": TeX may read any file (your own machine only)
//! engine = "embedded"             # or "pdflatex", "lualatex", "xelatex": the installed TeX through latexmk
//! ```

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use crate::diag::{Loc, NotUtf8, SourceFile};
use crate::model::{Format, Kind, TableError};
use crate::provider::command::runners;
use crate::provider::hosted::{config as providers, services};

mod engine;
pub use engine::Engine;

pub const FILE_NAME: &str = "paperfig.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    project: RawProject,
    #[serde(default)]
    output: RawOutput,
    #[serde(default)]
    cache: RawCache,
    #[serde(default)]
    defaults: BTreeMap<String, String>,
    runners: Option<toml::Table>,
    providers: Option<toml::Table>,
    #[serde(default)]
    extract: RawExtract,
    #[serde(default)]
    build: RawBuild,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExtract {
    bibliography: Option<Vec<String>>,
    pdf_dir: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBuild {
    main: Option<String>,
    dir: Option<String>,
    source_date_epoch: Option<u64>,
    texmf: Option<Vec<String>>,
    bundle: Option<String>,
    bundle_digest: Option<String>,
    shell_escape: Option<bool>,
    trust: Option<String>,
    engine: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProject {
    sources: Option<Vec<String>>,
    #[serde(default)]
    exclude: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutput {
    dir: Option<String>,
    formats: Option<Vec<String>>,
    png_dpi: Option<f64>,
    size: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCache {
    dir: Option<String>,
    remote: Option<String>,
    remote_write: Option<bool>,
    remote_options: Option<BTreeMap<String, toml::Value>>,
}

/// A shared remote cache behind the local one (`[cache] remote = …`).
#[derive(Clone, Debug, PartialEq)]
pub struct RemoteConfig {
    /// `s3://`, `gs://`, `az://`, `http(s)://` (WebDAV) or `file://` URL.
    pub url: String,
    /// Whether builds upload what they make (`remote_write`, default true).
    pub write: bool,
    /// Builder options as `object_store` names them (`region`, `endpoint`, `timeout`, …).
    pub options: BTreeMap<String, String>,
}

/// Option names that hold secrets: refused in `paperfig.toml`, which is committed.
const SECRET_OPTIONS: &[&str] = &[
    "access_key_id",
    "secret_access_key",
    "session_token",
    "token",
    "account_key",
    "access_key",
    "sas_key",
    "sas_token",
    "client_secret",
    "service_account_key",
    "bearer_token",
];

/// Why `paperfig.toml` cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {FILE_NAME}: {source}")]
    Read { source: std::io::Error },
    /// A key or value is wrong: where in the file (toml's own spans), and a hint.
    #[error("{message}")]
    Invalid { file: Arc<SourceFile>, span: Range<usize>, message: String, hint: String },
}

impl ConfigError {
    /// `paperfig.toml:line:col` of a wrong key or value.
    pub fn location(&self) -> Option<String> {
        match self {
            ConfigError::Invalid { file, span, .. } => Some(Loc::new(file, span.clone()).display()),
            ConfigError::Read { .. } => None,
        }
    }

    pub fn hint(&self) -> Option<&str> {
        match self {
            ConfigError::Invalid { hint, .. } => Some(hint),
            ConfigError::Read { .. } => None,
        }
    }
}

/// The checked configuration of a project.
#[derive(Clone, Debug)]
pub struct Config {
    /// Source globs relative to the root; `None` = every Markdown and LaTeX file.
    pub sources: Option<Vec<String>>,
    pub exclude: Vec<String>,
    /// Output folder for finished figures (absolute).
    pub output_dir: PathBuf,
    pub formats: Vec<Format>,
    pub png_dpi: f64,
    /// Default figure size (`column`, `wide`, `5in`).
    pub size: String,
    /// Cache folder (absolute).
    pub cache_dir: PathBuf,
    /// Provider id per kind.
    pub defaults: BTreeMap<Kind, String>,
    /// Interpreters `kind=command` figures may use, and whether they may run at all.
    pub runners: runners::Runners,
    /// Hosted figure services (`[providers.NAME]`).
    pub providers: providers::Providers,
    /// Where `kind=extract` figures find the PDF of a citation key.
    pub extract: ExtractConfig,
    /// `[build] main`: the main document, relative to the root.
    pub build_main: Option<String>,
    /// `[build] dir`: where `paperfig build` writes the PDF and log (absolute).
    pub build_dir: PathBuf,
    /// `[build] source_date_epoch`: the last fallback for dates in the PDF.
    pub source_date_epoch: Option<u64>,
    /// The shared remote cache, if any.
    pub remote: Option<RemoteConfig>,
    /// `[build]`: which TeX files the engine reads and what TeX may do.
    pub tex: TexConfig,
}

/// `[build] texmf`, `bundle`, `bundle_digest`, `shell_escape`, `trust`, `engine`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TexConfig {
    /// The TeX trees to read, highest priority first (absolute); `None` = find them.
    pub texmf: Option<Vec<PathBuf>>,
    /// The engine's own bundle: used when no TeX is installed, or always when set.
    pub bundle: Option<BundleSource>,
    /// `\write18` runs commands (minted needs it). Never under `--locked`.
    pub shell_escape: bool,
    pub trust: Trust,
    /// Which TeX engine compiles the paper.
    pub engine: Engine,
}

/// Where the engine's bundle comes from.
#[derive(Clone, Debug, PartialEq)]
pub struct BundleSource {
    pub url: String,
    /// The bundle's SHA-256 digest (hex), when pinned.
    pub digest: Option<String>,
}

/// Which files TeX may read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Trust {
    /// The project, the build and figure folders, the TeX trees and paperfig's caches only
    /// (kpathsea's `openin_any = p`): safe for documents from others (a pull request).
    #[default]
    Project,
    /// Any file the user can read.
    All,
}

/// `[extract]`: where the PDF of a cited work is found (paths absolute).
#[derive(Clone, Debug, Default)]
pub struct ExtractConfig {
    /// `.bib` files to search; `None` = the source's front matter, else every `.bib` file.
    pub bibliography: Option<Vec<PathBuf>>,
    /// A folder holding `<KEY>.pdf` files.
    pub pdf_dir: Option<PathBuf>,
}

impl Config {
    /// Defaults for a project at `root` with no `paperfig.toml`.
    pub fn defaults(root: &Path) -> Config {
        Config {
            sources: None,
            exclude: Vec::new(),
            output_dir: root.join("build/figures"),
            formats: Format::ALL.to_vec(),
            png_dpi: 192.0,
            size: "column".into(),
            cache_dir: root.join(".paperfig"),
            defaults: BTreeMap::new(),
            runners: runners::Runners::defaults(),
            providers: providers::Providers::default(),
            extract: ExtractConfig::default(),
            build_main: None,
            build_dir: root.join("build"),
            source_date_epoch: None,
            remote: None,
            tex: TexConfig::default(),
        }
    }

    /// Reads `root/paperfig.toml` if present.
    pub fn load(root: &Path) -> Result<Config, ConfigError> {
        let path = root.join(FILE_NAME);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::defaults(root)),
            Err(source) => return Err(ConfigError::Read { source }),
        };
        let file = SourceFile::from_bytes(FILE_NAME.into(), path, bytes).map_err(|bad| ConfigError::Invalid {
            message: bad.message(),
            file: bad.file,
            span: bad.span,
            hint: NotUtf8::HINT.into(),
        })?;
        let file = Arc::new(file);
        Config::parse(root, &file)
    }

    pub fn parse(root: &Path, file: &Arc<SourceFile>) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(&file.text).map_err(|e| ConfigError::Invalid {
            file: file.clone(),
            span: e.span().unwrap_or(0..0),
            message: format!("invalid {FILE_NAME}: {}", e.message()),
            hint: "see the guide's configuration chapter for the keys paperfig reads".into(),
        })?;
        let bad_at = |path: &[&str], message: String, hint: &str| ConfigError::Invalid {
            file: file.clone(),
            span: key_span(&file.text, path),
            message,
            hint: hint.into(),
        };
        let mut config = Config::defaults(root);
        config.sources = raw.project.sources;
        config.exclude = raw.project.exclude;
        if let Some(dir) = raw.output.dir {
            config.output_dir = resolve(root, &dir);
        }
        config.build_main = raw.build.main.clone();
        if let Some(dir) = &raw.build.dir {
            config.build_dir = resolve(root, dir);
        }
        config.source_date_epoch = raw.build.source_date_epoch;
        config.tex = parse_tex(root, &raw.build, &bad_at)?;
        if let Some(dir) = raw.cache.dir {
            config.cache_dir = resolve(root, &dir);
        }
        config.remote = parse_remote(raw.cache.remote, raw.cache.remote_write, raw.cache.remote_options, &bad_at)?;
        if let Some(formats) = raw.output.formats {
            config.formats = parse_formats(formats.iter().map(String::as_str)).map_err(|f| {
                bad_at(&["output", "formats"], format!("unknown output format `{f}`"), "formats are svg, pdf and png")
            })?;
            if config.formats.is_empty() {
                let hint = "list at least one of svg, pdf and png, or remove the key for all three";
                return Err(bad_at(
                    &["output", "formats"],
                    "formats is empty: no figure would be written".into(),
                    hint,
                ));
            }
        }
        if let Some(dpi) = raw.output.png_dpi {
            if !(36.0..=1200.0).contains(&dpi) {
                let msg = format!("png_dpi = {dpi} is out of range");
                return Err(bad_at(&["output", "png_dpi"], msg, "use a value from 36 to 1200"));
            }
            config.png_dpi = dpi;
        }
        if let Some(size) = raw.output.size {
            if parse_size(&size).is_none() {
                return Err(bad_at(&["output", "size"], format!("unknown figure size `{size}`"), SIZE_HINT));
            }
            config.size = size;
        }
        for (kind, provider) in raw.defaults {
            let k = Kind::parse(&kind).ok_or_else(|| {
                let msg = format!("`{kind}` is not a figure kind");
                bad_at(&["defaults", &kind], msg, "kinds are plot, diagram, tikz, command, image, extract")
            })?;
            config.defaults.insert(k, provider);
        }
        // A backend's own table: the key inside `[section.table]`.
        let in_table = |section: &str, e: TableError| {
            let path: Vec<&str> = [section].into_iter().chain(e.table.as_deref()).chain([e.key.as_str()]).collect();
            bad_at(&path, e.message, &e.hint)
        };
        config.runners = runners::Runners::parse(raw.runners.as_ref()).map_err(|e| in_table("runners", e))?;
        config.providers = services::parse(raw.providers.as_ref()).map_err(|e| in_table("providers", e))?;
        config.extract = ExtractConfig {
            bibliography: raw.extract.bibliography.map(|b| b.iter().map(|p| resolve(root, p)).collect()),
            pdf_dir: raw.extract.pdf_dir.map(|d| resolve(root, &d)),
        };
        Ok(config)
    }
}

/// A path from `paperfig.toml` made absolute against the root, with `.` and `..` worked out
/// (`dir = "../out"` is the folder beside the project, not `<root>/../out`): the paths
/// between the document, its figures and the build folder are computed from these, one
/// component at a time, and a `..` left in would be taken for a folder name.
fn resolve(root: &Path, path: &str) -> PathBuf {
    let mut out = PathBuf::new();
    for c in root.join(path).components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.components().next_back(), Some(Component::Normal(_))) => {
                out.pop();
            }
            // `..` above the root stays the root, as the system reads it.
            Component::ParentDir if out.has_root() => {}
            c => out.push(c),
        }
    }
    out
}

/// The span of the key at `path` (`["providers", "pb", "concurrency"]`) in a TOML document,
/// from toml's own spans: the deepest key of the path that the document has (a table's
/// header when the key itself is missing), else the start of the file.
fn key_span(text: &str, path: &[&str]) -> Range<usize> {
    let Ok(doc) = toml::de::DeTable::parse(text) else { return 0..0 };
    let mut table = doc.get_ref();
    let mut span = 0..0;
    for name in path {
        let Some((key, value)) = table.iter().find(|(k, _)| k.get_ref() == name) else { break };
        span = key.span();
        match value.get_ref().as_table() {
            Some(t) => table = t,
            None => break,
        }
    }
    span
}

/// Checks `[cache] remote`, `remote_write` and `[cache.remote_options]`.
fn parse_remote(
    url: Option<String>,
    write: Option<bool>,
    options: Option<BTreeMap<String, toml::Value>>,
    bad_at: &dyn Fn(&[&str], String, &str) -> ConfigError,
) -> Result<Option<RemoteConfig>, ConfigError> {
    let bad = |key: &str, msg: String, hint: &str| bad_at(&["cache", key], msg, hint);
    let Some(url) = url else {
        if write.is_some() || options.is_some() {
            let key = if write.is_some() { "remote_write" } else { "remote_options" };
            return Err(bad(key, "remote_write and remote_options need `remote = \"<url>\"`".into(), REMOTE_HINT));
        }
        return Ok(None);
    };
    let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    if !scheme.as_deref().is_some_and(|s| crate::store::remote::SCHEMES.contains(&s)) {
        return Err(bad("remote", format!("`{url}` is not a remote cache URL"), REMOTE_HINT));
    }
    if url.split_once("://").is_some_and(|(_, rest)| rest.split('/').next().unwrap_or("").contains('@')) {
        return Err(bad(
            "remote",
            "the remote URL holds credentials; paperfig.toml is committed".into(),
            "put credentials in the environment (AWS_ACCESS_KEY_ID, GOOGLE_APPLICATION_CREDENTIALS, …)",
        ));
    }
    let mut opts = BTreeMap::new();
    for (k, v) in options.unwrap_or_default() {
        let name = k.to_ascii_lowercase();
        let bare = name.trim_start_matches("aws_").trim_start_matches("google_").trim_start_matches("azure_storage_");
        if SECRET_OPTIONS.contains(&bare) || SECRET_OPTIONS.contains(&name.as_str()) {
            return Err(bad_at(
                &["cache", "remote_options", &k],
                format!("`{k}` is a secret and paperfig.toml is committed"),
                "set it in the environment variable the service's tools use (e.g. AWS_SECRET_ACCESS_KEY)",
            ));
        }
        let value = match v {
            toml::Value::String(s) => s,
            toml::Value::Boolean(b) => b.to_string(),
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => f.to_string(),
            _ => {
                let msg = format!("remote option `{k}` must be a string, number or boolean");
                return Err(bad_at(&["cache", "remote_options", &k], msg, REMOTE_HINT));
            }
        };
        opts.insert(name, value);
    }
    Ok(Some(RemoteConfig { url, write: write.unwrap_or(true), options: opts }))
}

/// Checks the TeX keys of `[build]`.
fn parse_tex(
    root: &Path,
    raw: &RawBuild,
    bad_at: &dyn Fn(&[&str], String, &str) -> ConfigError,
) -> Result<TexConfig, ConfigError> {
    let bad = |key: &str, msg: String, hint: &str| bad_at(&["build", key], msg, hint);
    let texmf = match &raw.texmf {
        Some(list) if list.is_empty() => {
            return Err(bad("texmf", "texmf is empty".into(), "list TeX trees, or remove the key to find them"));
        }
        Some(list) => Some(list.iter().map(|t| expand_home(root, t)).collect()),
        None => None,
    };
    let digest = match &raw.bundle_digest {
        Some(d) if d.len() != 64 || !d.bytes().all(|b| b.is_ascii_hexdigit()) => {
            let msg = format!("bundle_digest `{d}` is not a SHA-256 digest");
            return Err(bad("bundle_digest", msg, "64 hexadecimal digits, as `paperfig status` prints"));
        }
        Some(d) => Some(d.to_ascii_lowercase()),
        None => None,
    };
    let bundle = match &raw.bundle {
        Some(url) if !(url.starts_with("https://") || url.starts_with("http://")) => {
            let msg = format!("bundle `{url}` is not an http(s) URL");
            return Err(bad("bundle", msg, "the URL of a tectonic bundle (.ttb), e.g. https://host/bundle.ttb"));
        }
        Some(url) => Some(BundleSource { url: url.clone(), digest }),
        None if digest.is_some() => {
            return Err(bad("bundle_digest", "bundle_digest needs `bundle = \"<url>\"`".into(), "set both"));
        }
        None => None,
    };
    let trust = match raw.trust.as_deref() {
        None | Some("project") => Trust::Project,
        Some("all") => Trust::All,
        Some(other) => {
            let msg = format!("trust = \"{other}\" is not a trust level");
            return Err(bad("trust", msg, "\"project\" (the default: TeX reads the project only) or \"all\""));
        }
    };
    let engine = match raw.engine.as_deref() {
        None => Engine::Embedded,
        Some(name) => Engine::parse(name).ok_or_else(|| {
            bad(
                "engine",
                format!("engine = \"{name}\" is not an engine"),
                "\"embedded\" (the default), \"pdflatex\", \"lualatex\" or \"xelatex\" (the installed TeX, through latexmk)",
            )
        })?,
    };
    Ok(TexConfig { texmf, bundle, shell_escape: raw.shell_escape.unwrap_or(false), trust, engine })
}

/// A path from `paperfig.toml`: `~/x` is in the home folder, a relative one in the root.
fn expand_home(root: &Path, path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => root.join(path),
    }
}

const REMOTE_HINT: &str = "remote is a URL such as s3://bucket/prefix, gs://bucket, az://container, \
                           https://host/dav/ (WebDAV) or file:///shared/cache";

pub const SIZE_HINT: &str = "size is `column` (3.3 in), `wide` (7 in), or a width such as `5in`, `12cm`, `90mm`";

/// Parses a list of format names; on failure returns the bad name.
pub fn parse_formats<'a>(names: impl Iterator<Item = &'a str>) -> Result<Vec<Format>, String> {
    let mut out = Vec::new();
    for name in names {
        let f = Format::parse(name.trim()).ok_or_else(|| name.trim().to_string())?;
        if !out.contains(&f) {
            out.push(f);
        }
    }
    out.sort();
    Ok(out)
}

/// A figure width in inches from `column`, `wide`, `5in`, `12cm`, `90mm`.
pub fn parse_size(s: &str) -> Option<f64> {
    let s = s.trim();
    match s {
        "column" => return Some(3.3),
        "wide" => return Some(7.0),
        _ => {}
    }
    let (num, per_inch) = if let Some(n) = s.strip_suffix("in") {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix("cm") {
        (n, 2.54)
    } else if let Some(n) = s.strip_suffix("mm") {
        (n, 25.4)
    } else {
        return None;
    };
    let v: f64 = num.trim().parse().ok()?;
    let inches = v / per_inch;
    (0.5..=20.0).contains(&inches).then_some(inches)
}

#[cfg(test)]
mod tests;
