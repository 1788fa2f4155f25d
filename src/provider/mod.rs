//! Stage 4, generate: the `Provider` trait every figure backend implements, and the
//! `Request` it receives.
//!
//! A provider sees exactly one `Request` and nothing else: no paths, no config, no clock.
//! The cache key (`crate::key`) is computed over the same `Request`, so anything a provider
//! could use to draw its figure is, by construction, part of the key. What a provider
//! learns at plan time (a runner's version, declared input globs) it adds to the request in
//! `Provider::prepare`, before the key is taken. The one exception is the command provider,
//! built with its `[runners]` config: it reads limits (timeout, output size) and secret
//! environment values from there, which must never shape the figure or enter the key.

pub mod command;
pub mod diagram;
pub mod extract;
pub mod hosted;
pub mod house;
pub mod plot;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::digest::Digest;

/// What a figure directive asks for (`kind=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Plot,
    Diagram,
    Command,
    Image,
    Extract,
}

impl Kind {
    pub const ALL: [Kind; 5] = [Kind::Plot, Kind::Diagram, Kind::Command, Kind::Image, Kind::Extract];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Plot => "plot",
            Kind::Diagram => "diagram",
            Kind::Command => "command",
            Kind::Image => "image",
            Kind::Extract => "extract",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An output file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Svg,
    Pdf,
    Png,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Svg, Format::Pdf, Format::Png];

    pub fn ext(self) -> &'static str {
        match self {
            Format::Svg => "svg",
            Format::Pdf => "pdf",
            Format::Png => "png",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.ext() == s)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.ext())
    }
}

/// The contents of a file a directive references (`data=`, `script=`, ...). Only the
/// contents and the file's extension reach the provider and the key, never its path.
#[derive(Clone, Debug)]
pub struct InputFile {
    /// Lower-case extension without the dot (`csv`, `json`), used to pick a parser.
    pub ext: String,
    pub bytes: Arc<Vec<u8>>,
    pub digest: Digest,
}

impl InputFile {
    pub fn new(ext: &str, bytes: Vec<u8>) -> InputFile {
        let digest = Digest::of(&bytes);
        InputFile { ext: ext.to_ascii_lowercase(), bytes: Arc::new(bytes), digest }
    }
}

/// Size and formats of the figure to produce.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputSpec {
    pub formats: Vec<Format>,
    /// Printed width in inches (3.3 for one column, 7 for two).
    pub width_in: f64,
    /// Printed height in inches.
    pub height_in: f64,
    /// PNG resolution in dots per inch (192 = 2x a 96 dpi screen).
    pub png_dpi: f64,
}

/// Everything a provider may use to make one figure. This is also the key's input.
#[derive(Clone, Debug)]
pub struct Request {
    pub kind: Kind,
    /// Provider id (`builtin`, `paperbanana`, ...).
    pub provider: String,
    /// Provider and renderer version; bumped whenever the same request would draw differently.
    pub provider_version: String,
    /// Attributes that shape the figure, by name. Excludes the id, file references (see
    /// `files`) and presentation-only attributes such as `width` (see `crate::plan`).
    pub attrs: BTreeMap<String, String>,
    /// The directive's body text (intent, DSL, script or inline data).
    pub body: String,
    /// Referenced files by attribute name (`data` → contents).
    pub files: BTreeMap<String, InputFile>,
    /// Key material a provider adds at plan time (`Provider::prepare`) beyond attributes and
    /// files: for scripts, the runner command, its version and declared environment values.
    pub extra: BTreeMap<String, String>,
    pub output: OutputSpec,
}

impl Request {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.get(name).map(String::as_str)
    }
}

/// One produced file.
#[derive(Clone, Debug)]
pub struct Artifact {
    pub format: Format,
    pub bytes: Vec<u8>,
}

/// Why a provider could not make a figure. `attr` names the attribute at fault, if any,
/// so the error can point at it in the user's source.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct ProviderError {
    pub message: String,
    pub attr: Option<String>,
    /// A byte range of `Request::body` at fault (a syntax error in a diagram, say).
    pub body: Option<std::ops::Range<usize>>,
    pub hint: Option<String>,
}

impl ProviderError {
    pub fn new(message: impl Into<String>) -> ProviderError {
        ProviderError { message: message.into(), attr: None, body: None, hint: None }
    }
    pub fn at_attr(mut self, attr: &str) -> ProviderError {
        self.attr = Some(attr.to_string());
        self
    }
    /// Points the error at a byte range of the request's body; the runner maps it to the
    /// line and column in the user's source file.
    pub fn at_body(mut self, range: std::ops::Range<usize>) -> ProviderError {
        self.body = Some(range);
        self
    }
    pub fn hint(mut self, hint: impl Into<String>) -> ProviderError {
        self.hint = Some(hint.into());
        self
    }
}

/// Where a directive lives, for `Provider::prepare`. Paths never reach the key unless a
/// provider deliberately puts a project-relative one there.
pub struct PrepareContext<'a> {
    /// The project root, canonical.
    pub root: &'a std::path::Path,
    /// The folder of the directive's source file; relative paths start here.
    pub base: &'a std::path::Path,
}

/// A figure backend.
pub trait Provider: Send + Sync {
    /// Stable id used in `provider=` and in the key.
    fn id(&self) -> &'static str;
    /// Version of the provider and its renderer; part of every key it produces.
    fn version(&self) -> &'static str;
    /// Kinds this provider can make.
    fn kinds(&self) -> &'static [Kind];
    /// Attributes that name files whose contents are inputs (resolved by the planner).
    fn file_attrs(&self) -> &'static [&'static str] {
        &["data"]
    }
    /// Whether the caption is an input of the figure (hosted diagram services draw from it).
    /// When false, the caption is kept out of the request and the key, so editing it never
    /// regenerates the figure.
    fn uses_caption(&self) -> bool {
        false
    }
    /// Plan-time preparation, before the key is computed: the provider may read more input
    /// files (into `req.files`) and add key material (`req.extra`) that the directive
    /// implies, such as declared input globs or a runner's version. Errors point at the
    /// directive like errors of `generate`.
    fn prepare(&self, _req: &mut Request, _ctx: &PrepareContext<'_>) -> Result<(), ProviderError> {
        Ok(())
    }
    /// Makes the figure in every requested format.
    fn generate(&self, req: &Request) -> Result<Vec<Artifact>, ProviderError>;
    /// A provider on the network (`hosted`): the runner gives it its own concurrency, and
    /// `status`/`gen` check cost, credits and `--offline` before a build.
    fn hosted(&self) -> Option<&hosted::HostedProvider> {
        None
    }
}

/// The providers compiled into this build, in lookup order, set up from the project's
/// configuration (the command provider needs its runners).
pub fn builtin_providers(config: &crate::config::Config) -> Vec<Arc<dyn Provider>> {
    vec![
        Arc::new(plot::PlotProvider::new()),
        Arc::new(diagram::DiagramProvider::new()),
        Arc::new(command::CommandProvider::new(config.runners.clone())),
        Arc::new(extract::ExtractProvider),
    ]
}
