//! Stage 2b, key: the cache key of a figure, SHA-256 over a canonical, versioned encoding
//! of its `Request`.
//!
//! Encoding (version `KEY_VERSION`): the magic `paperfig-key`, the version as u32 LE, then
//! each field as a tag and a value, in this fixed order. Strings are u64 LE length + UTF-8
//! bytes; numbers are f64 bit patterns LE; lists are a u64 count then their items.
//!
//! | tag | value |
//! |---|---|
//! | `kind` | kind name (`plot`) |
//! | `provider` | provider id |
//! | `provider_version` | provider + renderer version |
//! | `attrs` | sorted (name, value) pairs of the figure-shaping attributes |
//! | `body` | body text, line endings normalised to `\n` |
//! | `files` | sorted (attribute name, extension, SHA-256 of the contents); files a provider reads at plan time are named by it (`input:<relative path>` of declared inputs, `draft:NN` of `input=` drafts, numbered in their order, extension from their contents) |
//! | `extra` | sorted (name, value) pairs a provider added at plan time (version 2) |
//! | `formats` | sorted output format names |
//! | `width_in`, `height_in`, `png_dpi` | output size |
//!
//! Never in the key: paths (a file is its contents), modification times, the figure's id,
//! presentation-only attributes, secrets. Bump `KEY_VERSION` whenever this layout changes.

use sha2::{Digest as _, Sha256};

use crate::digest::Digest;
use crate::model::Request;

pub const KEY_VERSION: u32 = 2;

struct Encoder(Sha256);

impl Encoder {
    fn bytes(&mut self, b: &[u8]) {
        self.0.update((b.len() as u64).to_le_bytes());
        self.0.update(b);
    }
    fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }
    fn count(&mut self, n: usize) {
        self.0.update((n as u64).to_le_bytes());
    }
    fn num(&mut self, x: f64) {
        self.0.update(x.to_bits().to_le_bytes());
    }
    fn tag(&mut self, t: &str) {
        self.str(t);
    }
    /// A name → value map: its length, then each name and value.
    fn pairs(&mut self, map: &std::collections::BTreeMap<String, String>) {
        self.count(map.len());
        for (name, value) in map {
            self.str(name);
            self.str(value);
        }
    }
    /// The output formats as a set: count, then the extensions sorted.
    fn formats(&mut self, output: &crate::model::OutputSpec) {
        let mut formats: Vec<&str> = output.formats.iter().map(|f| f.ext()).collect();
        formats.sort_unstable();
        formats.dedup();
        self.count(formats.len());
        for f in formats {
            self.str(f);
        }
    }
}

/// Body text as it enters the key and the provider: CRLF and CR become LF, so a checkout
/// on Windows keys the same as one on Linux.
pub fn normalize_body(body: &str) -> String {
    body.replace("\r\n", "\n").replace('\r', "\n")
}

/// The key of a request.
pub fn key_of(req: &Request) -> Digest {
    let mut e = Encoder(Sha256::new());
    e.0.update(b"paperfig-key");
    e.0.update(KEY_VERSION.to_le_bytes());
    e.tag("kind");
    e.str(req.kind.as_str());
    e.tag("provider");
    e.str(&req.provider);
    e.tag("provider_version");
    e.str(&req.provider_version);
    e.tag("attrs");
    e.pairs(&req.attrs);
    e.tag("body");
    e.str(&normalize_body(&req.body));
    e.tag("files");
    e.count(req.files.len());
    for (name, file) in &req.files {
        e.str(name);
        e.str(&file.ext);
        e.bytes(&file.digest.0);
    }
    e.tag("extra");
    e.pairs(&req.extra);
    e.tag("formats");
    e.formats(&req.output);
    e.tag("width_in");
    e.num(req.output.width_in);
    e.tag("height_in");
    e.num(req.output.height_in);
    e.tag("png_dpi");
    e.num(req.output.png_dpi);
    Digest(e.0.finalize().into())
}

/// One digest per part of a request, for the lockfile's `inputs` (so `--locked` can say
/// which input changed): `attrs`, `body`, `extra`, `output` (formats, size, dpi), and
/// `file:<attribute>` per file (its extension and contents). Each uses the encoding of
/// [`key_of`] for that part. The kind, provider and provider version are lockfile fields of
/// their own. Two requests with equal parts have equal keys.
pub fn input_digests(req: &Request) -> std::collections::BTreeMap<String, Digest> {
    let part = |tag: &str, f: &dyn Fn(&mut Encoder)| {
        let mut e = Encoder(Sha256::new());
        e.0.update(b"paperfig-input");
        e.0.update(KEY_VERSION.to_le_bytes());
        e.tag(tag);
        f(&mut e);
        Digest(e.0.finalize().into())
    };
    let mut out = std::collections::BTreeMap::new();
    out.insert("attrs".to_string(), part("attrs", &|e| e.pairs(&req.attrs)));
    out.insert("body".to_string(), part("body", &|e| e.str(&normalize_body(&req.body))));
    out.insert("extra".to_string(), part("extra", &|e| e.pairs(&req.extra)));
    out.insert(
        "output".to_string(),
        part("output", &|e| {
            e.formats(&req.output);
            e.num(req.output.width_in);
            e.num(req.output.height_in);
            e.num(req.output.png_dpi);
        }),
    );
    for (name, file) in &req.files {
        out.insert(
            format!("file:{name}"),
            part("file", &|e| {
                e.str(&file.ext);
                e.bytes(&file.digest.0);
            }),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Format, InputFile, Kind, OutputSpec};
    use std::collections::BTreeMap;

    fn base() -> Request {
        let mut attrs = BTreeMap::new();
        attrs.insert("chart".to_string(), "bar".to_string());
        attrs.insert("title".to_string(), "Accuracy".to_string());
        let mut files = BTreeMap::new();
        files.insert("data".to_string(), InputFile::new("csv", b"model,acc\nA,1\n".to_vec()));
        Request {
            kind: Kind::Plot,
            provider: "builtin".into(),
            provider_version: "plot/1".into(),
            attrs,
            body: "Bar chart\n".into(),
            files,
            extra: BTreeMap::from([("runner.version".to_string(), "Python 3.11.2".to_string())]),
            output: OutputSpec {
                formats: vec![Format::Svg, Format::Pdf],
                width_in: 3.3,
                height_in: 2.4,
                png_dpi: 192.0,
            },
        }
    }

    /// Every way of changing one input, each of which must change the key.
    #[test]
    fn every_input_changes_the_key() {
        let k0 = key_of(&base());
        type Change = Box<dyn Fn(&mut Request)>;
        let changes: Vec<(&str, Change)> = vec![
            ("kind", Box::new(|r| r.kind = Kind::Diagram)),
            ("provider", Box::new(|r| r.provider = "paperbanana".into())),
            ("provider version", Box::new(|r| r.provider_version = "plot/2".into())),
            (
                "attribute value",
                Box::new(|r| {
                    r.attrs.insert("chart".into(), "line".into());
                }),
            ),
            (
                "attribute added",
                Box::new(|r| {
                    r.attrs.insert("logy".into(), "true".into());
                }),
            ),
            (
                "attribute removed",
                Box::new(|r| {
                    r.attrs.remove("title");
                }),
            ),
            (
                "attribute renamed",
                Box::new(|r| {
                    let v = r.attrs.remove("title").unwrap();
                    r.attrs.insert("xlabel".into(), v);
                }),
            ),
            ("body", Box::new(|r| r.body = "Line chart\n".into())),
            ("body whitespace", Box::new(|r| r.body = "Bar  chart\n".into())),
            (
                "file contents",
                Box::new(|r| {
                    r.files.insert("data".into(), InputFile::new("csv", b"model,acc\nA,2\n".to_vec()));
                }),
            ),
            (
                "file extension",
                Box::new(|r| {
                    r.files.insert("data".into(), InputFile::new("json", b"model,acc\nA,1\n".to_vec()));
                }),
            ),
            (
                "file role",
                Box::new(|r| {
                    let f = r.files.remove("data").unwrap();
                    r.files.insert("style".into(), f);
                }),
            ),
            (
                "file added",
                Box::new(|r| {
                    r.files.insert("style".into(), InputFile::new("toml", b"".to_vec()));
                }),
            ),
            (
                "extra value (runner version)",
                Box::new(|r| {
                    r.extra.insert("runner.version".into(), "Python 3.12.0".into());
                }),
            ),
            (
                "extra added (package version)",
                Box::new(|r| {
                    r.extra.insert("runner.package.matplotlib".into(), "3.9.0".into());
                }),
            ),
            (
                "extra removed",
                Box::new(|r| {
                    r.extra.clear();
                }),
            ),
            (
                "extra renamed (same value, other variable)",
                Box::new(|r| {
                    let v = r.extra.remove("runner.version").unwrap();
                    r.extra.insert("env.SEED".into(), v);
                }),
            ),
            ("formats", Box::new(|r| r.output.formats.push(Format::Png))),
            ("width", Box::new(|r| r.output.width_in = 7.0)),
            ("height", Box::new(|r| r.output.height_in = 2.5)),
            ("png dpi", Box::new(|r| r.output.png_dpi = 300.0)),
        ];
        let mut seen = std::collections::HashSet::new();
        seen.insert(k0);
        for (what, change) in changes {
            let mut r = base();
            change(&mut r);
            let k = key_of(&r);
            assert_ne!(k, k0, "changing the {what} must change the key");
            assert!(seen.insert(k), "changing the {what} collides with another change");
        }
    }

    /// Each input change moves exactly the part that names it.
    #[test]
    fn input_digests_name_the_part_that_changed() {
        let d0 = input_digests(&base());
        assert_eq!(d0.keys().cloned().collect::<Vec<_>>(), ["attrs", "body", "extra", "file:data", "output"]);
        let changed = |f: &dyn Fn(&mut Request)| {
            let mut r = base();
            f(&mut r);
            let d = input_digests(&r);
            let mut names: Vec<String> =
                d0.keys().chain(d.keys()).filter(|k| d0.get(*k) != d.get(*k)).cloned().collect();
            names.dedup();
            names
        };
        assert_eq!(changed(&|r| r.body = "x".into()), ["body"]);
        assert_eq!(
            changed(&|r| {
                r.attrs.insert("title".into(), "T".into());
            }),
            ["attrs"]
        );
        assert_eq!(
            changed(&|r| {
                r.files.insert("data".into(), InputFile::new("csv", b"model,acc\nA,2\n".to_vec()));
            }),
            ["file:data"]
        );
        assert_eq!(
            changed(&|r| {
                r.files.insert("style".into(), InputFile::new("toml", b"".to_vec()));
            }),
            ["file:style"]
        );
        assert_eq!(
            changed(&|r| {
                r.extra.insert("runner.version".into(), "3.12".into());
            }),
            ["extra"]
        );
        assert_eq!(changed(&|r| r.output.png_dpi = 300.0), ["output"]);
        assert!(changed(&|_| {}).is_empty());
    }

    #[test]
    fn field_boundaries_are_unambiguous() {
        let mut a = base();
        a.attrs.clear();
        a.attrs.insert("ab".into(), "c".into());
        let mut b = base();
        b.attrs.clear();
        b.attrs.insert("a".into(), "bc".into());
        assert_ne!(key_of(&a), key_of(&b));
        let mut c = base();
        c.attrs.clear();
        c.body = "".into();
        let mut d = base();
        d.attrs.clear();
        d.attrs.insert("".into(), "".into());
        d.body = "".into();
        assert_ne!(key_of(&c), key_of(&d));
        // An attribute and an extra entry with the same name and value are different inputs.
        let mut e = base();
        e.extra.clear();
        e.attrs.insert("x".into(), "1".into());
        let mut f = base();
        f.extra.clear();
        f.extra.insert("x".into(), "1".into());
        assert_ne!(key_of(&e), key_of(&f));
    }

    #[test]
    fn format_order_duplicates_and_line_endings_do_not_matter() {
        let k0 = key_of(&base());
        let mut r = base();
        r.output.formats = vec![Format::Pdf, Format::Svg, Format::Pdf];
        assert_eq!(key_of(&r), k0);
        let mut r = base();
        r.body = "Bar chart\r\n".into();
        assert_eq!(key_of(&r), k0);
    }

    /// `key_of(&base())` and its input digests under each encoding version: goldens, on
    /// purpose (version 2's were computed by an independent implementation of the encoding
    /// described at the top of this file). If this fails the encoding changed: bump
    /// `KEY_VERSION` and add the new version's vector (never change an old one: a key must
    /// not take a new meaning).
    type Vector = (u32, &'static str, &'static [(&'static str, &'static str)]);
    const PINNED: &[Vector] = &[(
        2,
        "sha256:42b3661857a02b5d9c0f9807d085964d20e4ae26b434254a59ca06e32c0fcd6c",
        &[
            ("attrs", "sha256:fcf73ba918ee8911533a4d1e907bc46bc31590295030233daf73b6f36709ad23"),
            ("body", "sha256:d0b12f2d33455966c364b1954b84d457e117c73cf53cd2e4f34cf5b9ba6b6434"),
            ("extra", "sha256:497d5c8915a5816566c567e71abf797e630814d56ef667bcd0b0f82770ff5272"),
            ("file:data", "sha256:24c63140040f752d4ad45794036b26a9059bb0347c64391aab29a0802bb24697"),
            ("output", "sha256:f5abb31b4a72299063baa1334be18b47c26c5c161e872cd92ad195bc6b750398"),
        ],
    )];

    #[test]
    fn the_encoding_is_pinned_per_version() {
        let Some((_, key, inputs)) = PINNED.iter().find(|(v, _, _)| *v == KEY_VERSION) else {
            panic!(
                "KEY_VERSION {KEY_VERSION} has no pinned vector: add key_of(&base()) and its input digests to PINNED"
            );
        };
        assert_eq!(key_of(&base()).to_string(), *key, "the key encoding changed without a new KEY_VERSION");
        let now: Vec<(String, String)> = input_digests(&base()).into_iter().map(|(k, d)| (k, d.to_string())).collect();
        let pinned: Vec<(String, String)> = inputs.iter().map(|(k, d)| (k.to_string(), d.to_string())).collect();
        assert_eq!(now, pinned, "the input digests' encoding changed without a new KEY_VERSION");
    }

    #[test]
    fn same_request_same_key_and_file_path_is_not_an_input() {
        // InputFile has no path at all: two files with equal contents are the same input.
        let a = base();
        let b = base();
        assert_eq!(key_of(&a), key_of(&b));
    }
}
