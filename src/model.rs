//! The vocabulary every stage shares: what a directive asks for (`Kind`), the formats it
//! comes out in (`Format`), the exact `Request` a provider receives (and the key hashes),
//! what a provider makes (`Artifact`) and why it could not (`ProviderError`); and what a
//! backend's own table of `paperfig.toml` got wrong (`TableError`).
//!
//! This is the ground floor: it uses nothing of the crate but `digest`, so scan, plan, key,
//! store, lock, config, render and every provider can speak of figures without standing
//! on one another.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
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
    Tikz,
}

impl Kind {
    pub const ALL: [Kind; 6] = [Kind::Plot, Kind::Diagram, Kind::Tikz, Kind::Command, Kind::Image, Kind::Extract];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Plot => "plot",
            Kind::Diagram => "diagram",
            Kind::Command => "command",
            Kind::Image => "image",
            Kind::Extract => "extract",
            Kind::Tikz => "tikz",
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
    /// The contents; empty while `unread` is set.
    pub bytes: Arc<Vec<u8>>,
    pub digest: Digest,
    /// Where the contents are, when the planner knew their digest without reading them (a
    /// file unchanged since an earlier build, `plan::digests`): the key needs only the
    /// digest, so a cache hit never reads the file. [`Request::with_contents`] reads it,
    /// checked against `digest`, before a provider looks at the contents.
    pub unread: Option<Arc<PathBuf>>,
}

impl InputFile {
    pub fn new(ext: &str, bytes: Vec<u8>) -> InputFile {
        let digest = Digest::of(&bytes);
        InputFile { ext: ext.to_ascii_lowercase(), bytes: Arc::new(bytes), digest, unread: None }
    }

    /// A file whose digest is known and whose contents are read when needed.
    pub fn unread(ext: &str, digest: Digest, path: PathBuf) -> InputFile {
        InputFile { ext: ext.to_ascii_lowercase(), bytes: Arc::new(Vec::new()), digest, unread: Some(Arc::new(path)) }
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

    /// The request with every file's contents in `bytes`: itself when none is `unread`,
    /// else a copy with those files read. A file whose contents no longer match the digest
    /// the key was made from fails (it changed during the build): making the figure from
    /// it would store it under another input's key.
    pub fn with_contents(&self) -> Result<std::borrow::Cow<'_, Request>, ProviderError> {
        if self.files.values().all(|f| f.unread.is_none()) {
            return Ok(std::borrow::Cow::Borrowed(self));
        }
        let mut req = self.clone();
        for (name, f) in req.files.iter_mut() {
            let Some(path) = f.unread.take() else { continue };
            let bytes = crate::fsutil::read_regular(&path)
                .map_err(|e| ProviderError::new(format!("cannot read the {name} file: {e}")).at_attr(name))?;
            if Digest::of(&bytes) != f.digest {
                return Err(ProviderError::new(format!("the {name} file changed while this build ran"))
                    .at_attr(name)
                    .hint("build again: the figure is made from the file as it is then"));
            }
            f.bytes = Arc::new(bytes);
        }
        Ok(std::borrow::Cow::Owned(req))
    }
}

/// One produced file.
#[derive(Clone, Debug)]
pub struct Artifact {
    pub format: Format,
    pub bytes: Vec<u8>,
}

/// What a service said about a figure it made besides the image, by name ([`note`]): kept
/// with the figure's outputs in the store, the lockfile and the manifest. Never part of
/// the key (it is known only once the figure is made) and never read by a provider.
pub type Notes = BTreeMap<String, String>;

/// The names of [`Notes`].
pub mod note {
    /// The figure's title as the service found it (Papermill), the caption of a figure
    /// whose directive has none.
    pub const TITLE: &str = "title";
    /// A description of the image (PaperBanana), its alt text.
    pub const ALT: &str = "alt";
    /// What the figure was estimated to cost before it was sent (`3 credits`).
    pub const COST_ESTIMATE: &str = "cost_estimate";
    /// What the service reports it charged (AutoFigureEdit's `cost_credits`: `6 credits`).
    pub const COST_CHARGED: &str = "cost_charged";
}

/// What a provider made: its files, the service's notes about them and, when the service
/// returned several images, all of them as they came (the files are made from one).
#[derive(Clone, Debug, Default)]
pub struct Made {
    pub artifacts: Vec<Artifact>,
    pub notes: Notes,
    pub images: Vec<Vec<u8>>,
}

impl From<Vec<Artifact>> for Made {
    fn from(artifacts: Vec<Artifact>) -> Made {
        Made { artifacts, notes: Notes::new(), images: Vec::new() }
    }
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
    /// A line (1-based) of the file that `attr` names (a TikZ preamble, say).
    pub file_line: Option<usize>,
    pub hint: Option<String>,
}

impl ProviderError {
    pub fn new(message: impl Into<String>) -> ProviderError {
        ProviderError { message: message.into(), attr: None, body: None, file_line: None, hint: None }
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
    /// Points the error at line `line` (1-based) of the file the attribute (`at_attr`)
    /// names; the runner reads that file to show the line.
    pub fn in_file(mut self, line: usize) -> ProviderError {
        self.file_line = Some(line);
        self
    }
    pub fn hint(mut self, hint: impl Into<String>) -> ProviderError {
        self.hint = Some(hint.into());
        self
    }
}

/// A problem in one table of `paperfig.toml` that a backend checks itself (`[runners]`,
/// `[providers]`): the key to point at, inside the table `table` when it is about one
/// runner's or provider's key, the message and a hint. `config` finds the key's place in
/// the file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct TableError {
    /// The runner's or provider's table the key is in; `None` when `key` is the table's own
    /// name.
    pub table: Option<String>,
    pub key: String,
    pub message: String,
    pub hint: String,
}

impl TableError {
    pub fn new(key: &str, message: String, hint: &str) -> TableError {
        TableError { table: None, key: key.into(), message, hint: hint.into() }
    }

    /// The same error, as found inside the table `name`.
    pub fn within(self, name: &str) -> TableError {
        let table = (self.key != name).then(|| name.to_string());
        TableError { table, ..self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(files: BTreeMap<String, InputFile>) -> Request {
        Request {
            kind: Kind::Plot,
            provider: "builtin".into(),
            provider_version: "1".into(),
            attrs: BTreeMap::new(),
            body: String::new(),
            files,
            extra: BTreeMap::new(),
            output: OutputSpec { formats: vec![Format::Svg], width_in: 3.0, height_in: 2.0, png_dpi: 96.0 },
        }
    }

    #[test]
    fn unread_files_are_read_when_needed_and_refused_when_they_changed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.csv");
        std::fs::write(&path, "a\n1\n").unwrap();
        let read = request(BTreeMap::from([("data".to_string(), InputFile::new("csv", b"a\n1\n".to_vec()))]));
        assert!(matches!(read.with_contents().unwrap(), std::borrow::Cow::Borrowed(_)));

        let unread =
            |digest| request(BTreeMap::from([("data".to_string(), InputFile::unread("csv", digest, path.clone()))]));
        let ok = unread(Digest::of(b"a\n1\n"));
        let full = ok.with_contents().unwrap();
        assert_eq!(full.files["data"].bytes.as_slice(), b"a\n1\n");
        assert!(full.files["data"].unread.is_none());
        assert_eq!(full.files["data"].digest, ok.files["data"].digest);

        // The key was made from other contents: never make the figure from these.
        let err = unread(Digest::of(b"a\n2\n")).with_contents().unwrap_err();
        assert!(err.message.contains("changed while this build ran"), "{}", err.message);
        assert_eq!(err.attr.as_deref(), Some("data"));
        std::fs::remove_file(&path).unwrap();
        let err = ok.with_contents().unwrap_err();
        assert!(err.message.contains("cannot read the data file"), "{}", err.message);
    }
}
