//! The engine's own bundle of TeX files, fetched over HTTP: for machines with no TeX installed.
//!
//! A [`RemoteBundle`] reads a tectonic bundle at a URL with HTTP Range requests and keeps
//! what it fetched in a cache shared by all projects. Two formats, told apart by the URL
//! as tectonic does: a **TTBv1** bundle (`*.ttb`), where every byte is verified (the index
//! against the bundle digest, each file against its hash in the index), and tectonic's
//! older **indexed tar** (anything else, such as its default bundle [`DEFAULT_URL`]): the
//! tar's `<url>.index.gz` lists `name offset length` per file, and its `SHA256SUM` file
//! holds the bundle digest. An indexed tar has no per-file hashes: its digest is checked
//! against a pin, each file's length against the index, and a cached file against the
//! hash recorded when it was fetched (`<file>.sha256`).
//! [`Fetch::Offline`] never touches the network and serves only what is cached.
//!
//! # Format (TTBv1, as written by `tectonic -X bundle create … v1`)
//! - A 66-byte header, little-endian: `tectonicbundle` (14 bytes), version `1` (u32), index
//!   start (u64), index gzip length (u32), index real length (u32), bundle digest (32 bytes).
//!   (tectonic's own reader reads 70 bytes; the writer writes 66.)
//! - Then gzip members, one per file, and the index, itself a gzip member: lines in sections
//!   `[DEFAULTSEARCH]` (the name of the search order to use), `[SEARCH:<name>]` (one rule
//!   per line: `/tex/latex//` = any folder under `tex/latex/`, `/dvipdfmx/` = that folder
//!   only, `/` = the top) and `[FILELIST]` (`<start> <gzip_len> <real_len> <sha256|nohash>
//!   <path>`, the path last since it may hold spaces).
//! - **Digest**: SHA-256 of the bundle's `FILELIST` file, whose lines are `<hash> <path>\n`
//!   (`nohash` for `FILELIST` and `SHA256SUM` themselves), sorted by path; the index lists
//!   the files in that same order, so the digest is recomputed from the index and checked
//!   against the header. `SHA256SUM` holds the digest in hex and a newline.
//!
//! A bare name (`article.cls`) is looked up like tectonic does: the first search rule that
//! holds a file of that name wins, ties go to the alphabetically first path, and a file in
//! no searched folder is not found. A name with folders (`sub/file.tex`) must end a path.
//! Names not in the index are `NotAvailable` (TeX probes many); names in the index that
//! cannot be served (offline and not cached, download or verification failed) are errors.
//!
//! # Cache layout (`cache_root` is shared by all projects)
//! - `urls/<first 32 hex digits of sha256(url)>`: `<digest>\n<url>\n`, the digest last seen
//!   at that URL (what lets [`Fetch::Offline`] open a URL).
//! - `<digest>/INDEX`: the decompressed index, verified again when a process first loads it.
//! - `<digest>/files/<path in bundle>`: each file fetched, verified before it was written
//!   and again whenever it is read. Writes go to a temporary file in the same folder and are
//!   renamed into place, so concurrent processes and crashes never leave a partial file.
//!
//! Online, `open` fetches the 66-byte header to learn the URL's current digest, except when
//! a pinned digest is already cached (the pin names the content). When the server cannot
//! be reached and the URL's index is cached (and nothing is pinned), the cache is used.
//! HTTP: connect timeout 10 s, 60 s for the answer and for each read of its body, up to 3
//! tries on network errors (not timeouts) and 5xx; at most [`MAX_PART`] per index or file.
//! A server that ignores Range is read from the start up to the part, within that bound.
//!
//! # The default bundle
//! tectonic 0.17's default bundle is `https://relay.fullyjustified.net/default_bundle_v33.tar`
//! (`tectonic_bundles::get_fallback_bundle_url(33)`), which redirects (per nixpkgs' pin) to
//! `https://data1.fullyjustified.net/tlextras-2022.0r0.tar`: a **legacy indexed tar**, not
//! TTBv1 (tectonic only treats URLs ending in `ttb` as TTBv1). No public TTBv1 bundle URL
//! is published; one is built with `tectonic -X bundle create` (texlive2024-0312 spec,
//! digest `8fae742a…1312`) and hosted anywhere that honours Range requests.

use std::io::{self, Cursor, Read};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use flate2::read::GzDecoder;
use sha2::{Digest as _, Sha256};
use tectonic::io::{DigestData, InputHandle, InputOrigin, IoProvider, OpenResult};
use tectonic::status::StatusBackend;
use tectonic::tt_note;
use tectonic_bundles::Bundle;

/// tectonic 0.17's default bundle (an indexed tar; it redirects to the current file).
pub const DEFAULT_URL: &str = "https://relay.fullyjustified.net/default_bundle_v33.tar";

const ATTEMPTS: u64 = 3;

/// Whether the network may be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fetch {
    Online,
    Offline,
}

/// Why the bundle or one of its files cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    #[error("{what} of the TeX bundle {url} is not in the cache {}; offline mode forbids downloading: run once online", cache.display())]
    Offline { what: String, url: String, cache: PathBuf },
    #[error("cannot fetch the TeX bundle {url}: {source} (check the network; offline mode serves cached files)")]
    Network { url: String, source: reqwest::Error },
    #[error("the TeX bundle {url} cannot be fetched: the server answered HTTP {status} (check the bundle URL)")]
    Http { url: String, status: u16 },
    #[error("the server of the TeX bundle {url} ignores HTTP Range requests: host the bundle where Range works")]
    NoRange { url: String },
    #[error("the TeX bundle {url} has digest {found}, but {pinned} is pinned: update the pin or the URL")]
    DigestMismatch { url: String, pinned: String, found: String },
    #[error("the pinned TeX bundle digest `{0}` is not 64 hex digits")]
    BadPin(String),
    #[error("{url} is not a usable TTBv1 TeX bundle: {what}")]
    Malformed { url: String, what: String },
    #[error("{what} in the TeX bundle {url} is larger than the {} MiB allowed ({len} bytes)", MAX_PART >> 20)]
    TooLarge { url: String, what: String, len: u64 },
    #[error("`{path}` from {url} does not match the bundle index (sha256 {found}, not {expected}): refused")]
    FileMismatch { url: String, path: String, expected: String, found: String },
    #[error("cannot write the TeX bundle cache {}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
}

/// A TTBv1 bundle at a URL, cached on disk (cheap to clone).
#[derive(Clone)]
pub struct RemoteBundle {
    url: String,
    /// Where the bytes are read: the URL after redirects (an indexed tar's relay).
    data_url: String,
    format: Format,
    root: PathBuf,
    fetch: Fetch,
    digest: String,
    index: Arc<Index>,
    client: OnceLock<reqwest::blocking::Client>,
}

impl RemoteBundle {
    /// Opens the bundle at `url`. The header and index are fetched once (HTTP Range requests)
    /// and kept under `cache_root/<bundle digest>/`; files are fetched on first use and kept
    /// there. `pin`: an expected bundle digest (hex); a mismatch is an error naming both.
    pub fn open(url: &str, cache_root: &Path, fetch: Fetch, pin: Option<&str>) -> Result<RemoteBundle, RemoteError> {
        let pin = match pin.map(|p| p.trim().to_ascii_lowercase()) {
            Some(p) if p.len() != 64 || !p.bytes().all(|b| b.is_ascii_hexdigit()) => {
                return Err(RemoteError::BadPin(p));
            }
            p => p,
        };
        let mut b = RemoteBundle {
            url: url.to_string(),
            data_url: url.to_string(),
            format: Format::of(url),
            root: cache_root.to_path_buf(),
            fetch,
            digest: String::new(),
            index: Arc::default(),
            client: OnceLock::new(),
        };
        if pin.as_ref().is_some_and(|p| b.use_cached(p)) {
            return Ok(b);
        }
        let remembered = b.remembered_digest();
        if b.format == Format::Itar {
            return b.open_itar(pin, remembered);
        }
        let header = match b.online().and_then(|()| b.fetch_header()) {
            Ok(h) => h,
            Err(e) => return b.use_cache_instead(e, pin, remembered).map(|()| b),
        };
        if let Some(p) = pin.filter(|p| *p != header.digest) {
            return Err(RemoteError::DigestMismatch { url: b.url, pinned: p, found: header.digest });
        }
        if !b.use_cached(&header.digest) {
            let gz = b.fetch_range(header.index_start, header.index_gzip_len, "the index")?;
            let malformed = |what| RemoteError::Malformed { url: url.to_string(), what };
            let text = gunzip(&gz, header.index_real_len).map_err(|w| malformed(format!("index: {w}")))?;
            let text = String::from_utf8(text).map_err(|_| malformed("the index is not UTF-8".into()))?;
            b.index = Arc::new(parse_index(&text, &header.digest).map_err(malformed)?);
            b.digest = header.digest.clone();
            write_atomic(&b.root.join(&b.digest).join("INDEX"), text.as_bytes())?;
        }
        if b.remembered_digest().as_deref() != Some(b.digest.as_str()) {
            write_atomic(&b.url_file(), format!("{}\n{}\n", b.digest, b.url).as_bytes())?;
        }
        Ok(b)
    }

    /// Whether the index may be fetched (not offline).
    fn online(&self) -> Result<(), RemoteError> {
        match self.fetch {
            Fetch::Online => Ok(()),
            Fetch::Offline => {
                Err(RemoteError::Offline { what: "the index".into(), url: self.url.clone(), cache: self.root.clone() })
            }
        }
    }

    /// When the index could not be fetched (offline, or no network): the URL's last
    /// digest, if its index is cached and the pin agrees; otherwise the error stands.
    fn use_cache_instead(
        &mut self,
        e: RemoteError,
        pin: Option<String>,
        remembered: Option<String>,
    ) -> Result<(), RemoteError> {
        let (RemoteError::Offline { .. } | RemoteError::Network { .. }, Some(r)) = (&e, remembered) else {
            return Err(e);
        };
        match pin {
            Some(p) if p != r => Err(RemoteError::DigestMismatch { url: self.url.clone(), pinned: p, found: r }),
            _ if self.use_cached(&r) => Ok(()),
            _ => Err(e),
        }
    }

    /// `open` for an indexed tar: the relay's redirect followed, `<url>.index.gz` and the
    /// `SHA256SUM` file fetched; offline (or unreachable), the URL's cached index.
    fn open_itar(mut self, pin: Option<String>, remembered: Option<String>) -> Result<RemoteBundle, RemoteError> {
        let (text, digest) = match self.online().and_then(|()| self.fetch_itar_index()) {
            Ok(found) => found,
            Err(e) => return self.use_cache_instead(e, pin, remembered).map(|()| self),
        };
        if let Some(p) = pin.filter(|p| *p != digest) {
            return Err(RemoteError::DigestMismatch { url: self.url, pinned: p, found: digest });
        }
        let dir = self.root.join(&digest);
        write_atomic(&dir.join("INDEX"), text.as_bytes())?;
        write_atomic(&dir.join("URL"), self.data_url.as_bytes())?;
        write_atomic(&self.url_file(), format!("{digest}\n{}\n", self.url).as_bytes())?;
        self.digest = digest;
        Ok(self)
    }

    /// An indexed tar's index (as text) and digest, from the network.
    fn fetch_itar_index(&mut self) -> Result<(String, String), RemoteError> {
        let malformed = |url: &str, what: String| RemoteError::Malformed { url: url.to_string(), what };
        // The relay answers with a redirect to the current file: ranges go there.
        let client = self.client()?.clone();
        let response = client
            .get(&self.url)
            .header(reqwest::header::RANGE, "bytes=0-0")
            .send()
            .map_err(|source| RemoteError::Network { url: self.url.clone(), source })?;
        if !(response.status().is_success()) {
            return Err(RemoteError::Http { url: self.url.clone(), status: response.status().as_u16() });
        }
        self.data_url = response.url().to_string();
        let index_url = format!("{}.index.gz", self.data_url);
        let response =
            client.get(&index_url).send().map_err(|source| RemoteError::Network { url: index_url.clone(), source })?;
        if !response.status().is_success() {
            return Err(RemoteError::Http { url: index_url, status: response.status().as_u16() });
        }
        let mut gz = Vec::new();
        (response.take(MAX_PART + 1).read_to_end(&mut gz))
            .map_err(|e| malformed(&index_url, format!("the download broke off: {e}")))?;
        let mut text = Vec::new();
        GzDecoder::new(gz.as_slice())
            .take(MAX_PART + 1)
            .read_to_end(&mut text)
            .map_err(|e| malformed(&index_url, format!("cannot decompress: {e}")))?;
        if gz.len() as u64 > MAX_PART || text.len() as u64 > MAX_PART {
            let len = gz.len().max(text.len()) as u64;
            return Err(RemoteError::TooLarge { url: index_url, what: "the index".into(), len });
        }
        let text = String::from_utf8(text).map_err(|_| malformed(&index_url, "not UTF-8".into()))?;
        self.index = Arc::new(parse_itar_index(&text).map_err(|w| malformed(&index_url, w))?);
        let sum = self.lookup("SHA256SUM").ok_or_else(|| malformed(&self.url, "no SHA256SUM file".into()))?;
        let e = &self.index.entries[sum];
        let bytes = self.fetch_range(e.start, e.gzip_len.min(256), "SHA256SUM")?;
        let digest = String::from_utf8_lossy(&bytes).trim().to_ascii_lowercase();
        if hex_to_32(&digest).is_none() {
            return Err(malformed(&self.url, "its SHA256SUM is not a SHA-256 digest".into()));
        }
        Ok((text, digest))
    }

    /// The bundle digest as hex (what the engine's format cache is keyed by).
    pub fn digest_hex(&self) -> &str {
        &self.digest
    }

    /// Where the file TeX would get for `name` is kept, if it has been fetched.
    pub fn resolve_cached(&self, name: &str) -> Option<PathBuf> {
        let path = self.file_path(&self.index.entries[self.lookup(name)?]);
        path.is_file().then_some(path)
    }

    fn url_file(&self) -> PathBuf {
        let h = hex::encode(Sha256::digest(self.url.as_bytes()));
        self.root.join("urls").join(&h[..32])
    }

    fn remembered_digest(&self) -> Option<String> {
        let text = std::fs::read_to_string(self.url_file()).ok()?;
        let mut lines = text.lines();
        let digest = lines.next()?.to_string();
        (lines.next() == Some(self.url.as_str())).then_some(digest)
    }

    /// Loads the cached, verified index of bundle `digest`, if there is one. The last one
    /// loaded is kept in memory: a real index is ~20 MB, and watch mode opens it often.
    fn use_cached(&mut self, digest: &str) -> bool {
        static LOADED: Mutex<Option<(PathBuf, Arc<Index>)>> = Mutex::new(None);
        let path = self.root.join(digest).join("INDEX");
        let mut loaded = LOADED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Ok(data_url) = std::fs::read_to_string(self.root.join(digest).join("URL")) {
            self.data_url = data_url;
        }
        if let Some((_, index)) = loaded.as_ref().filter(|(p, _)| *p == path && p.is_file()) {
            (self.digest, self.index) = (digest.to_string(), index.clone());
            return true;
        }
        let Ok(text) = std::fs::read_to_string(&path) else { return false };
        let parsed = match self.format {
            Format::Ttb => parse_index(&text, digest),
            Format::Itar => parse_itar_index(&text),
        };
        let Ok(index) = parsed else { return false };
        (self.digest, self.index) = (digest.to_string(), Arc::new(index));
        *loaded = Some((path, self.index.clone()));
        true
    }

    fn fetch_header(&self) -> Result<Header, RemoteError> {
        let bytes = self.fetch_range(0, HEADER_LEN, "the header")?;
        parse_header(&bytes).map_err(|what| RemoteError::Malformed { url: self.url.clone(), what })
    }

    fn client(&self) -> Result<&reqwest::blocking::Client, RemoteError> {
        if let Some(c) = self.client.get() {
            return Ok(c);
        }
        let c = reqwest::blocking::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            // Blocking reqwest: for the answer's headers, then for each read of the body.
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("paperfig/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|source| RemoteError::Network { url: self.url.clone(), source })?;
        Ok(self.client.get_or_init(|| c))
    }

    /// Bytes `start..start+len` of the bundle, retrying network failures and 5xx answers.
    fn fetch_range(&self, start: u64, len: u64, what: &str) -> Result<Vec<u8>, RemoteError> {
        if len > MAX_PART {
            return Err(RemoteError::TooLarge { url: self.url.clone(), what: what.into(), len });
        }
        if len == 0 {
            return Ok(Vec::new());
        }
        let mut last = None;
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(300 * attempt));
            }
            match self.try_range(start, len, what) {
                Ok(bytes) => return Ok(bytes),
                Err((true, e)) => last = Some(e),
                Err((false, e)) => return Err(e),
            }
        }
        Err(last.expect("at least one attempt"))
    }

    /// One request; the error says whether it is worth retrying.
    fn try_range(&self, start: u64, len: u64, what: &str) -> Result<Vec<u8>, (bool, RemoteError)> {
        let url = || self.url.clone();
        // A stalled server usually stays stalled: timeouts are not retried.
        let net =
            |e: reqwest::Error| (!e.is_builder() && !e.is_timeout(), RemoteError::Network { url: url(), source: e });
        let response = self
            .client()
            .map_err(|e| (false, e))?
            .get(&self.data_url)
            .header(reqwest::header::RANGE, format!("bytes={start}-{}", start + len - 1))
            .send()
            .map_err(net)?;
        let status = response.status();
        let skip = match status.as_u16() {
            206 => {
                let range = response.headers().get(reqwest::header::CONTENT_RANGE).and_then(|v| v.to_str().ok());
                let first = range.and_then(|r| r.strip_prefix("bytes ")).and_then(|r| r.split('-').next());
                if first.is_some_and(|f| f.trim() != start.to_string()) {
                    let what = format!("asked for bytes from {start}, the server sent {}", range.unwrap_or("?"));
                    return Err((false, RemoteError::Malformed { url: url(), what }));
                }
                0
            }
            // The whole bundle: read up to the part (if it is near the start).
            200 if start + len <= MAX_PART => start,
            200 => return Err((false, RemoteError::NoRange { url: url() })),
            s => return Err((status.is_server_error(), RemoteError::Http { url: url(), status: s })),
        };
        let mut body = response.take(skip + len);
        let mut out = Vec::with_capacity(len.min(16 << 20) as usize);
        let read = io::copy(&mut (&mut body).take(skip), &mut io::sink()).and_then(|_| body.read_to_end(&mut out));
        if let Err(e) = read {
            let what = format!("{what}: the download broke off: {e}");
            return Err((true, RemoteError::Malformed { url: url(), what }));
        }
        if out.len() as u64 != len {
            let what = format!("{what}: got {} bytes of {len}; the bundle is shorter than it says", out.len());
            return Err((false, RemoteError::Malformed { url: url(), what }));
        }
        Ok(out)
    }

    fn lookup(&self, name: &str) -> Option<usize> {
        let name = name.trim_start_matches("./");
        if name.is_empty() || name.starts_with('/') {
            return None;
        }
        let base = name.rsplit('/').next().unwrap_or(name);
        let nested = name.len() != base.len();
        let candidates: Vec<usize> = (self.index.by_name.get(base)?.iter().copied())
            .filter(|&i| {
                let p = &self.index.entries[i].path;
                !nested || *p == name || p.ends_with(&format!("/{name}"))
            })
            .collect();
        let first = |matching: &mut dyn FnMut(&str) -> bool| {
            (candidates.iter().copied())
                .filter(|&i| matching(&self.index.entries[i].path))
                .min_by(|&a, &b| self.index.entries[a].path.cmp(&self.index.entries[b].path))
        };
        for rule in &self.index.search {
            let rule = rule.strip_prefix('/').unwrap_or(rule);
            let found = first(&mut |p: &str| {
                let folder = &p[..p.len() - base.len()];
                match rule.strip_suffix('/').filter(|_| rule.ends_with("//")) {
                    Some(prefix) => folder.starts_with(prefix),
                    None => folder == rule,
                }
            });
            if found.is_some() {
                return found;
            }
        }
        // tectonic finds a name with folders even outside the search order.
        if nested { first(&mut |_| true) } else { None }
    }

    fn file_path(&self, e: &Entry) -> PathBuf {
        self.root.join(&self.digest).join("files").join(&e.path)
    }

    /// The hash a file must have: from the index; for an indexed tar's files, the one
    /// recorded beside the cached copy (`None`: not fetched yet, nothing to check against).
    fn expected_sha(&self, e: &Entry) -> Result<Option<[u8; 32]>, RemoteError> {
        match (e.sha, e.path.as_str()) {
            (Some(sha), _) => Ok(Some(sha)),
            (None, _) if self.format == Format::Itar => {
                let recorded = std::fs::read_to_string(sidecar(&self.file_path(e))).ok();
                Ok(recorded.and_then(|h| hex_to_32(h.trim())))
            }
            (None, "SHA256SUM") => Ok(Some(Sha256::digest(format!("{}\n", self.digest)).into())),
            (None, "FILELIST") => Ok(Some(hex_to_32(&self.digest).expect("digests are checked"))),
            (None, path) => Err(RemoteError::Malformed {
                url: self.url.clone(),
                what: format!("`{path}` has no hash in the index, so it cannot be verified"),
            }),
        }
    }

    /// A file's bytes: the verified cached copy, or (online) fetched, verified and cached.
    fn read_entry(&self, e: &Entry, status: &mut dyn StatusBackend) -> Result<Vec<u8>, RemoteError> {
        let path = self.file_path(e);
        let expected = self.expected_sha(e)?;
        let offline = |what: String| RemoteError::Offline { what, url: self.url.clone(), cache: self.root.clone() };
        match std::fs::read(&path) {
            Ok(bytes) if Some(<[u8; 32]>::from(Sha256::digest(&bytes))) == expected => return Ok(bytes),
            Ok(_) if self.fetch == Fetch::Offline => {
                return Err(offline(format!("An intact `{}` (the cached copy is damaged)", e.path)));
            }
            Err(err) if err.kind() != io::ErrorKind::NotFound => return Err(RemoteError::Io { path, source: err }),
            _ if self.fetch == Fetch::Offline => return Err(offline(format!("`{}`", e.path))),
            _ => {}
        }
        tt_note!(status, "downloading {}", e.path);
        let gz = self.fetch_range(e.start, e.gzip_len, &e.path)?;
        let bytes = if gz.is_empty() || self.format == Format::Itar {
            gz
        } else {
            (gunzip(&gz, e.real_len))
                .map_err(|w| RemoteError::Malformed { url: self.url.clone(), what: format!("`{}`: {w}", e.path) })?
        };
        let found: [u8; 32] = Sha256::digest(&bytes).into();
        match (self.format, expected) {
            (Format::Itar, _) => write_atomic(&sidecar(&path), hex::encode(found).as_bytes())?,
            (Format::Ttb, Some(expected)) if found == expected => {}
            (Format::Ttb, expected) => {
                return Err(RemoteError::FileMismatch {
                    url: self.url.clone(),
                    path: e.path.clone(),
                    expected: expected.map_or("none".into(), hex::encode),
                    found: hex::encode(found),
                });
            }
        }
        write_atomic(&path, &bytes)?;
        Ok(bytes)
    }
}

impl IoProvider for RemoteBundle {
    fn input_open_name(&mut self, name: &str, status: &mut dyn StatusBackend) -> OpenResult<InputHandle> {
        let Some(i) = self.lookup(name) else { return OpenResult::NotAvailable };
        match self.read_entry(&self.index.entries[i], status) {
            Ok(bytes) => OpenResult::Ok(InputHandle::new_read_only(name, Cursor::new(bytes), InputOrigin::Other)),
            Err(e) => OpenResult::Err(e.into()),
        }
    }
}

impl Bundle for RemoteBundle {
    fn get_digest(&mut self) -> tectonic::Result<DigestData> {
        DigestData::from_str(&self.digest)
    }

    fn all_files(&self) -> Vec<String> {
        self.index.entries.iter().map(|e| e.path.clone()).collect()
    }
}

/// Where the hash of an indexed tar's cached file is recorded.
fn sidecar(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".sha256");
    path.with_file_name(name)
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename, so
/// readers (other processes too) see the old file, no file or the whole new one.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), RemoteError> {
    crate::fsutil::write_atomic(path, bytes).map_err(|source| RemoteError::Io { path: path.to_path_buf(), source })
}

/// The bundle's header and index, read.
#[path = "remote_index.rs"]
mod ttb;

pub use ttb::MAX_PART;
use ttb::{Entry, Format, Header, Index, gunzip, parse_header, parse_index, parse_itar_index};
pub(super) use ttb::{HEADER_LEN, MAGIC, hex_to_32};

/// Writing bundles, for tests.
#[path = "remote_write.rs"]
pub mod write;

#[cfg(test)]
#[path = "remote_test_server.rs"]
mod test_server;

#[cfg(test)]
#[path = "remote_tests.rs"]
mod tests;
