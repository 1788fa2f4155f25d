//! Local drafts for image-to-image: `input=FILE[,FILE…]` names images in the project that a
//! service must fetch by URL (AutoFigureEdit's `options.image_input` takes public `https://`
//! URLs only). At plan time each file is read into the request as `draft:NN` (its contents
//! and detected image type only: the path and the attribute stay out of the key, so moving
//! or renaming a draft costs nothing, and changing one byte of it makes a new figure). An
//! entry `#fig:x` (or `@fig:x`) names another figure of the build instead: its PNG output as
//! the build stored it becomes the draft, exactly like a file with those bytes (the planner
//! plans this figure once that one is built, `plan::Planner`; AI outputs are not
//! reproducible, so the key follows the upstream's bytes, never its key). Just
//! before the one paid submission, each draft is put into the configured remote cache as an
//! ordinary content-addressed object and handed to the service as a presigned GET URL
//! (object_store's `Signer`: S3, GCS, Azure) that expires with the figure's deadline.
//!
//! The URLs are credentials: they are never printed, journaled or put in the key; the
//! client cuts them out of everything the service answers (`Secrets::issue`). A remote that
//! cannot sign (WebDAV, a folder, none at all) is an error at plan time, at the attribute.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::http::Client;
use crate::model::{InputFile, ProviderError, Request};
use crate::provider::inputs::OUTSIDE_HINT;
use crate::provider::{PrepareContext, Unresolved, figure_ref, list_entries};
use crate::store::remote::{self, RemoteStore};

/// Prefix of the request's file names of drafts (`draft:01`, `draft:02`, …, in the order
/// `input=` lists them).
pub const PREFIX: &str = "draft:";

/// A presigned URL lives at most this long (S3's limit is 7 days).
pub const MAX_VALID: Duration = Duration::from_secs(7 * 24 * 3600);

const CONFIGURE: &str = "set `remote = \"s3://bucket/prefix\"` (or gs://bucket, az://container) under [cache] in \
                         paperfig.toml, with the store's credentials in the environment: drafts are uploaded there \
                         and the service fetches them through presigned URLs";

/// Where drafts are published: the project's remote cache (`[cache] remote`), opened on
/// first use (a build whose figures are all cached never connects for drafts).
pub struct DraftHost {
    url: Option<String>,
    options: BTreeMap<String, String>,
    store: OnceLock<Result<RemoteStore, String>>,
}

impl DraftHost {
    /// The remote cache at `url` with its builder options; `None`: no remote configured.
    pub fn new(url: Option<&str>, options: &BTreeMap<String, String>) -> DraftHost {
        DraftHost { url: url.map(str::to_string), options: options.clone(), store: OnceLock::new() }
    }

    /// Why drafts cannot be published, with what to configure; `None` when they can.
    pub fn cannot_sign(&self) -> Option<(String, String)> {
        match &self.url {
            None => Some((
                "input= drafts need a remote cache that can sign URLs, and none is configured".into(),
                CONFIGURE.into(),
            )),
            Some(url) if !remote::can_sign(url) => Some((
                format!(
                    "input= drafts need a remote cache that can sign URLs; `{url}` cannot (WebDAV and folders have no presigned URLs)"
                ),
                CONFIGURE.into(),
            )),
            Some(_) => None,
        }
    }

    fn store(&self) -> Result<&RemoteStore, String> {
        self.store
            .get_or_init(|| {
                let url = self.url.as_deref().ok_or("no remote cache is configured")?;
                RemoteStore::open(url, &self.options).map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Uploads `bytes` (unless the remote has them) and returns a GET URL for them, valid
    /// for `valid_for` (at most [`MAX_VALID`]). The URL is a credential.
    pub fn publish(&self, bytes: &[u8], valid_for: Duration) -> Result<url::Url, String> {
        let valid_for = valid_for.clamp(Duration::from_secs(1), MAX_VALID);
        self.store()?.put_signed(bytes, valid_for).map_err(|e| e.to_string())
    }
}

/// The presigned URLs of `req`'s drafts for provider `name`, valid for `valid_for` (the
/// figure's time left), each draft put in the remote cache first; every URL is kept out of
/// what `client` shows from now on (`Client::issue_secret`). The second value is a warning,
/// given once per provider (`warned`), when the URLs are ones a service on the Internet
/// cannot fetch (a remote on plain http or a private address: fine for a local test
/// service). Fails, before anything is submitted, when a draft cannot be uploaded or signed.
pub fn publish_all(
    host: &DraftHost,
    name: &str,
    client: &Client,
    req: &Request,
    valid_for: Duration,
    warned: &AtomicBool,
) -> Result<(Vec<String>, Option<String>), ProviderError> {
    let mut urls = Vec::new();
    let mut notice = None;
    for (i, draft) in of(req).into_iter().enumerate() {
        let url = host.publish(&draft.bytes, valid_for).map_err(|e| {
            let n = i + 1;
            ProviderError::new(
                client.redact(&format!("{name}: cannot put draft {n} of input= in the remote cache: {e}")),
            )
            .at_attr("input")
            .hint("check the remote cache's credentials and that it is reachable and writable; nothing was submitted")
        })?;
        client.issue_secret(url.as_str());
        if let Some(why) = unfetchable(&url) {
            if !warned.swap(true, Ordering::SeqCst) {
                let origin = url.origin().ascii_serialization();
                notice = Some(format!(
                    "{name}: input= drafts are served from {origin}, which {why}; the real service fetches only public https:// URLs and will refuse them"
                ));
            }
        }
        urls.push(url.to_string());
    }
    Ok((urls, notice))
}

/// Why a service on the Internet could not fetch `url` (plain http, a loopback or private
/// address, a non-standard port), as a phrase; `None` when it looks public.
pub fn unfetchable(url: &url::Url) -> Option<&'static str> {
    use std::net::IpAddr;
    if url.scheme() != "https" {
        return Some("is not https");
    }
    if url.port().is_some_and(|p| p != 443) {
        return Some("uses a non-standard port");
    }
    let private = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback() || ip.is_private() || ip.is_link_local() || ip.is_unspecified(),
        Some(url::Host::Ipv6(ip)) => {
            let ip = IpAddr::V6(ip);
            ip.is_loopback()
                || ip.is_unspecified()
                || matches!(ip, IpAddr::V6(v6) if (v6.segments()[0] & 0xfe00) == 0xfc00 || (v6.segments()[0] & 0xffc0) == 0xfe80)
        }
        Some(url::Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost") || !d.contains('.'),
        None => true,
    };
    private.then_some("is a loopback or private address")
}

/// The image type of `bytes` from its first bytes (`png`, `jpg`, `webp`, `gif`).
pub fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("png")
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("jpg")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("webp")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("gif")
    } else {
        None
    }
}

/// The drafts of a request, in `input=` order.
pub fn of(req: &Request) -> Vec<&InputFile> {
    req.files.iter().filter(|(name, _)| name.starts_with(PREFIX)).map(|(_, f)| f).collect()
}

/// Reads the drafts `attr` lists into `req.files` as `draft:01`, `draft:02`, … and takes the
/// attribute out of `req.attrs` (the key holds the drafts' contents, not their paths or ids).
/// Each is an image file inside the project, or a figure id (`#fig:x`, `@fig:x`) whose PNG
/// output the planner gives through `ctx` ([`PrepareContext::figure`]). `host` says whether
/// drafts can be published at all.
pub fn read(req: &mut Request, ctx: &PrepareContext<'_>, attr: &str, host: &DraftHost) -> Result<(), ProviderError> {
    let Some(value) = req.attrs.remove(attr) else { return Ok(()) };
    let bad = |msg: String, hint: &str| ProviderError::new(msg).at_attr(attr).hint(hint.to_string());
    let entries: Vec<&str> = list_entries(&value).collect();
    if entries.is_empty() {
        return Err(bad(
            format!("{attr}= names no file"),
            "give the draft images as paths or figure ids (#fig:x), separated by commas",
        ));
    }
    for (i, entry) in entries.iter().enumerate() {
        if let Some(id) = figure_ref(entry) {
            // The planner gives every figure it lets this one name (checked there: known id,
            // no cycle, a PNG output); without a planner there is none.
            let Some(png) = ctx.figure(id).filter(|f| image_type(&f.bytes) == Some("png")) else {
                return Err(bad(
                    format!("{attr}=`{entry}`: figure `{id}` has no PNG output in this build"),
                    "name a figure of the same build that has png among its formats",
                ));
            };
            req.files.insert(format!("{PREFIX}{:02}", i + 1), png);
            continue;
        }
        let canonical = ctx.resolve(entry).map_err(|why| match why {
            Unresolved::Io(e) => {
                let why =
                    if e.kind() == std::io::ErrorKind::NotFound { "no such file".to_string() } else { e.to_string() };
                bad(
                    format!("cannot read {attr} file `{entry}`: {why}"),
                    "paths are relative to the folder of the file with the directive",
                )
            }
            Unresolved::Outside => bad(format!("{attr} file `{entry}` is outside the project"), OUTSIDE_HINT),
        })?;
        let bytes = crate::fsutil::read_regular(Path::new(&canonical))
            .map_err(|e| bad(format!("cannot read {attr} file `{entry}`: {e}"), "drafts are ordinary image files"))?;
        let Some(ext) = image_type(&bytes) else {
            return Err(bad(
                format!("{attr} file `{entry}` is not a PNG, JPEG, WebP or GIF image"),
                "the service edits images; convert the draft to PNG first",
            ));
        };
        req.files.insert(format!("{PREFIX}{:02}", i + 1), InputFile::new(ext, bytes));
    }
    if let Some((msg, hint)) = host.cannot_sign() {
        return Err(bad(msg, &hint));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_service_on_the_internet_cannot_fetch() {
        let u = |s: &str| url::Url::parse(s).unwrap();
        assert_eq!(unfetchable(&u("https://bucket.s3.amazonaws.com/o?X-Amz-Signature=1")), None);
        assert_eq!(unfetchable(&u("https://storage.googleapis.com:443/b/o")), None);
        assert_eq!(unfetchable(&u("http://bucket.s3.amazonaws.com/o")), Some("is not https"));
        assert_eq!(unfetchable(&u("https://example.com:8443/o")), Some("uses a non-standard port"));
        for private in [
            "https://127.0.0.1/o",
            "https://10.1.2.3/o",
            "https://192.168.0.2/o",
            "https://localhost/o",
            "https://[::1]/o",
            "https://[fd00::1]/o",
            "https://minio/o",
        ] {
            assert_eq!(unfetchable(&u(private)), Some("is a loopback or private address"), "{private}");
        }
    }

    #[test]
    fn image_types_from_their_first_bytes() {
        assert_eq!(image_type(b"\x89PNG\r\n\x1a\nrest"), Some("png"));
        assert_eq!(image_type(&[0xff, 0xd8, 0xff, 0xe0]), Some("jpg"));
        assert_eq!(image_type(b"RIFF\0\0\0\0WEBPVP8L"), Some("webp"));
        assert_eq!(image_type(b"GIF89a"), Some("gif"));
        assert_eq!(image_type(b"<svg/>"), None);
        assert_eq!(image_type(b""), None);
    }

    #[test]
    fn remotes_that_cannot_sign_say_what_to_configure() {
        let none = DraftHost::new(None, &BTreeMap::new());
        let (msg, hint) = none.cannot_sign().unwrap();
        assert!(msg.contains("none is configured"), "{msg}");
        assert!(hint.contains("[cache]") && hint.contains("s3://"), "{hint}");
        let dav = DraftHost::new(Some("https://dav.example.org/cache"), &BTreeMap::new());
        assert!(dav.cannot_sign().unwrap().0.contains("cannot"));
        assert!(DraftHost::new(Some("file:///srv/cache"), &BTreeMap::new()).cannot_sign().is_some());
        for ok in ["s3://b/p", "gs://b", "az://c/p", "S3://b"] {
            assert!(DraftHost::new(Some(ok), &BTreeMap::new()).cannot_sign().is_none(), "{ok}");
        }
    }

    fn request(input: &str) -> Request {
        use crate::model::{Format, Kind, OutputSpec};
        Request {
            kind: Kind::Image,
            provider: "afe".into(),
            provider_version: "autofigureedit/1".into(),
            attrs: BTreeMap::from([("input".to_string(), input.to_string())]),
            body: "Restyle this".into(),
            files: Default::default(),
            extra: Default::default(),
            output: OutputSpec { formats: vec![Format::Png], width_in: 3.3, height_in: 2.0, png_dpi: 192.0 },
        }
    }

    /// The drafts' contents and order are in the key; their paths and names are not.
    #[test]
    fn drafts_are_keyed_by_contents_and_order_not_by_path() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let png = |tail: &[u8]| [b"\x89PNG\r\n\x1a\n".as_slice(), tail].concat();
        std::fs::create_dir_all(root.join("old")).unwrap();
        std::fs::write(root.join("a.png"), png(b"A")).unwrap();
        std::fs::write(root.join("old/moved.PNG"), png(b"A")).unwrap();
        std::fs::write(root.join("b.png"), png(b"B")).unwrap();
        std::fs::write(root.join("notes.txt"), "not an image").unwrap();
        let host = DraftHost::new(Some("s3://bucket/p"), &BTreeMap::new());
        let ctx = PrepareContext::new(&root, &root);
        let key = |input: &str| {
            let mut r = request(input);
            read(&mut r, &ctx, "input", &host).unwrap();
            assert!(!r.attrs.contains_key("input"), "the paths stay out of the key");
            (crate::key::key_of(&r), r.files.keys().cloned().collect::<Vec<_>>())
        };
        let (a, names) = key("a.png");
        assert_eq!(names, ["draft:01"]);
        assert_eq!(key("old/moved.PNG").0, a, "the same contents at another path");
        assert_eq!(key("./a.png").0, a);
        let (ab, names) = key("a.png,b.png");
        assert_eq!(names, ["draft:01", "draft:02"]);
        assert_ne!(ab, a);
        assert_ne!(key("b.png, a.png").0, ab, "order is what the service gets");
        std::fs::write(root.join("a.png"), png(b"A2")).unwrap();
        assert_ne!(key("a.png").0, a, "a changed draft is a new figure");

        let err = |input: &str, host: &DraftHost| {
            let mut r = request(input);
            let e = read(&mut r, &ctx, "input", host).unwrap_err();
            assert_eq!(e.attr.as_deref(), Some("input"));
            e.message
        };
        assert!(err("notes.txt", &host).contains("is not a PNG, JPEG, WebP or GIF image"));
        assert!(err("none.png", &host).contains("no such file"));
        assert!(err("../x.png", &host).contains("no such file") || err("../x.png", &host).contains("outside"));
        // Without a planner no figure's output is known.
        assert!(err("#fig:sketch", &host).contains("figure `fig:sketch` has no PNG output in this build"));
        let none = DraftHost::new(None, &BTreeMap::new());
        assert!(err("a.png", &none).contains("need a remote cache that can sign URLs"));
    }

    /// A figure id is a draft exactly like a file with the bytes of that figure's PNG
    /// output: the key follows the output's contents, not the id or the figure's own key.
    #[test]
    fn a_figure_id_is_the_figures_png_output_keyed_by_its_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let png = |tail: &[u8]| [b"\x89PNG\r\n\x1a\n".as_slice(), tail].concat();
        std::fs::write(root.join("a.png"), png(b"A")).unwrap();
        std::fs::write(root.join("b.png"), png(b"B")).unwrap();
        let host = DraftHost::new(Some("s3://bucket/p"), &BTreeMap::new());
        let output = std::cell::RefCell::new(png(b"A"));
        let figures = |id: &str| match id {
            "fig:sketch" => Some(InputFile::new("png", output.borrow().clone())),
            "fig:vector" => Some(InputFile::new("svg", b"<svg/>".to_vec())),
            _ => None,
        };
        let ctx = PrepareContext { figures: Some(&figures), ..PrepareContext::new(&root, &root) };
        let read_with = |input: &str| {
            let mut r = request(input);
            read(&mut r, &ctx, "input", &host).map(|()| {
                assert!(!r.attrs.contains_key("input"), "ids stay out of the key");
                (crate::key::key_of(&r), r.files.keys().cloned().collect::<Vec<_>>())
            })
        };
        let (by_id, names) = read_with("#fig:sketch").unwrap();
        assert_eq!(names, ["draft:01"]);
        assert_eq!(by_id, read_with("a.png").unwrap().0, "the same bytes as a file: the same key");
        assert_eq!(read_with("@fig:sketch").unwrap().0, by_id, "`@id` is the same figure");
        let (mixed, names) = read_with("#fig:sketch, b.png").unwrap();
        assert_eq!(names, ["draft:01", "draft:02"]);
        assert_eq!(mixed, read_with("a.png,b.png").unwrap().0);
        assert_ne!(read_with("b.png,#fig:sketch").unwrap().0, mixed, "order still counts");
        // Another output of the same figure (an AI service answered differently): another key.
        *output.borrow_mut() = png(b"A, drawn again");
        assert_ne!(read_with("#fig:sketch").unwrap().0, by_id);
        for (input, why) in [("#fig:nope", "figure `fig:nope` has no PNG output"), ("#fig:vector", "fig:vector")] {
            let e = read_with(input).unwrap_err();
            assert!(e.message.contains(why), "{input}: {}", e.message);
            assert_eq!(e.attr.as_deref(), Some("input"));
        }
    }
}
