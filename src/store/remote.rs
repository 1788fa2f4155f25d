//! A remote store on an existing storage service, through the `object_store` crate:
//! `s3://bucket/prefix` (S3 and S3-compatible servers such as Garage or MinIO),
//! `gs://bucket/prefix`, `az://container/prefix`, `http(s)://host/path` (WebDAV, e.g. nginx
//! with `dav_methods`) and `file:///path` (a shared folder).
//!
//! # Layout (under the URL's path)
//!
//! ```text
//! paperfig-v1/objects/<2 hex>/<62 hex>          raw bytes of the object with that sha256
//! paperfig-v1/actions/<2 hex>/<62 hex>.json     serde_json `ActionEntry` for that key
//! ```
//!
//! The same names as `.paperfig/`, so any copy of either is valid for the other. Every read
//! is verified (objects re-hashed, entries checked to answer their key); a damaged remote
//! object is reported `Corrupt`, never returned.
//!
//! # Credentials and options
//!
//! Each backend's builder starts `from_env()`, so credentials come the way that service's
//! users expect: `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`/
//! `AWS_REGION`/`AWS_ENDPOINT` (and instance/web-identity credentials), an AWS profile from
//! `~/.aws/credentials` (`AWS_PROFILE`, read here because `object_store` does not),
//! `GOOGLE_SERVICE_ACCOUNT`/`GOOGLE_APPLICATION_CREDENTIALS`, `AZURE_STORAGE_ACCOUNT_NAME`/
//! `AZURE_STORAGE_ACCOUNT_KEY` and so on. `[cache.remote_options]` passes further keys to the
//! builder's `with_config` exactly as `object_store` names them (`region`, `endpoint`,
//! `allow_http`, `virtual_hosted_style_request`, `timeout`, `connect_timeout`, ...);
//! secrets are refused there (see `config.rs`).
//!
//! # Timeouts
//!
//! A cache must never make a build slower than building: requests time out after
//! [`DEFAULT_TIMEOUT`] (connect [`DEFAULT_CONNECT_TIMEOUT`]) with one retry. The options
//! `timeout` and `connect_timeout` override both.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use object_store::path::Path as ObjPath;
use object_store::signer::Signer;
use object_store::{ClientOptions, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig, WriteMultipart};

use super::{ActionEntry, Durability, Lookup, Store, StoreError};
use crate::digest::Digest;

/// Per-request timeout unless `[cache.remote_options] timeout` says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);
/// Connect timeout unless `[cache.remote_options] connect_timeout` says otherwise.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Objects at least this large are uploaded in parts where the backend supports it.
pub const MULTIPART_THRESHOLD: usize = 8 * 1024 * 1024;
/// Part size of multipart uploads (S3's minimum part size is 5 MiB).
pub const PART_SIZE: usize = 5 * 1024 * 1024;

const ROOT: &str = "paperfig-v1";

/// Schemes a `remote =` URL may use.
pub const SCHEMES: &[&str] = &["s3", "s3a", "gs", "az", "abfs", "abfss", "azure", "http", "https", "file"];

/// Schemes whose stores can sign URLs (S3, GCS, Azure); WebDAV and folders cannot.
pub const SIGNING_SCHEMES: &[&str] = &["s3", "s3a", "gs", "az", "abfs", "abfss", "azure"];

/// Whether the remote at `url` can hand out presigned URLs ([`RemoteStore::put_signed`]).
pub fn can_sign(url: &str) -> bool {
    url.split_once("://").is_some_and(|(s, _)| SIGNING_SCHEMES.contains(&s.to_ascii_lowercase().as_str()))
}

/// A remote cache, driven synchronously (a small tokio runtime of its own).
pub struct RemoteStore {
    store: Arc<dyn ObjectStore>,
    /// The same store as a URL signer, for the backends that have one (S3, GCS, Azure).
    signer: Option<Arc<dyn Signer>>,
    prefix: ObjPath,
    /// The URL as configured, for messages (it never holds credentials).
    url: String,
    multipart: bool,
    multipart_threshold: usize,
    rt: tokio::runtime::Runtime,
}

impl std::fmt::Debug for RemoteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RemoteStore({})", self.url)
    }
}

impl RemoteStore {
    /// Opens (does not contact) the remote at `url` with builder options. Fails on a URL or
    /// option the backend rejects.
    pub fn open(url: &str, options: &BTreeMap<String, String>) -> Result<RemoteStore, StoreError> {
        let bad = |message: String| StoreError::Remote { url: url.to_string(), message };
        let parsed = url::Url::parse(url).map_err(|e| bad(format!("not a URL: {e}")))?;
        let mut options = options.clone();
        let timeout = take_duration(&mut options, "timeout", DEFAULT_TIMEOUT).map_err(bad)?;
        let connect = take_duration(&mut options, "connect_timeout", DEFAULT_CONNECT_TIMEOUT).map_err(bad)?;
        let threshold = match options.remove("multipart_threshold") {
            Some(v) => v.parse::<usize>().map_err(|_| bad(format!("multipart_threshold `{v}` is not a byte count")))?,
            None => MULTIPART_THRESHOLD,
        };
        let client = ClientOptions::new().with_timeout(timeout).with_connect_timeout(connect);
        let retry = RetryConfig {
            max_retries: 1,
            retry_timeout: timeout,
            backoff: object_store::BackoffConfig {
                init_backoff: Duration::from_millis(100),
                max_backoff: Duration::from_secs(1),
                base: 2.0,
            },
        };
        let path = parsed.path().trim_matches('/').to_string();
        let err = |e: object_store::Error| bad(e.to_string());
        let mut signer: Option<Arc<dyn Signer>> = None;
        let (store, prefix, multipart): (Arc<dyn ObjectStore>, String, bool) = match parsed.scheme() {
            "s3" | "s3a" => {
                use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
                let mut b = AmazonS3Builder::from_env().with_url(url).with_client_options(client).with_retry(retry);
                for (k, v) in aws_profile() {
                    b = b.with_config(k, v);
                }
                for (k, v) in &options {
                    let key: AmazonS3ConfigKey = k.parse().map_err(|_| bad(format!("unknown S3 option `{k}`")))?;
                    b = b.with_config(key, v);
                }
                let s3 = Arc::new(b.build().map_err(err)?);
                signer = Some(s3.clone());
                (s3, path, true)
            }
            "gs" => {
                use object_store::gcp::{GoogleCloudStorageBuilder, GoogleConfigKey};
                let mut b =
                    GoogleCloudStorageBuilder::from_env().with_url(url).with_client_options(client).with_retry(retry);
                for (k, v) in &options {
                    let key: GoogleConfigKey = k.parse().map_err(|_| bad(format!("unknown GCS option `{k}`")))?;
                    b = b.with_config(key, v);
                }
                let gcs = Arc::new(b.build().map_err(err)?);
                signer = Some(gcs.clone());
                (gcs, path, true)
            }
            "az" | "abfs" | "abfss" | "azure" => {
                use object_store::azure::{AzureConfigKey, MicrosoftAzureBuilder};
                let mut b =
                    MicrosoftAzureBuilder::from_env().with_url(url).with_client_options(client).with_retry(retry);
                for (k, v) in &options {
                    let key: AzureConfigKey = k.parse().map_err(|_| bad(format!("unknown Azure option `{k}`")))?;
                    b = b.with_config(key, v);
                }
                let az = Arc::new(b.build().map_err(err)?);
                signer = Some(az.clone());
                (az, path, true)
            }
            "http" | "https" => {
                use object_store::ClientConfigKey;
                use object_store::http::HttpBuilder;
                let base = parsed[..url::Position::BeforePath].to_string();
                let mut client = client.with_allow_http(parsed.scheme() == "http");
                for (k, v) in &options {
                    let key: ClientConfigKey = k.parse().map_err(|_| bad(format!("unknown HTTP option `{k}`")))?;
                    client = client.with_config(key, v);
                }
                let b = HttpBuilder::new().with_url(&base).with_client_options(client).with_retry(retry);
                // WebDAV has no multipart upload: large objects go up in one streamed PUT.
                (Arc::new(b.build().map_err(err)?), path, false)
            }
            "file" => {
                let dir =
                    parsed.to_file_path().map_err(|()| bad("a file:// URL needs an absolute local path".into()))?;
                std::fs::create_dir_all(&dir).map_err(|e| bad(format!("cannot create {}: {e}", dir.display())))?;
                let fs = object_store::local::LocalFileSystem::new_with_prefix(&dir).map_err(err)?;
                (Arc::new(fs.with_automatic_cleanup(true)), String::new(), true)
            }
            other => return Err(bad(format!("unsupported scheme `{other}:` (use one of {})", SCHEMES.join(", ")))),
        };
        let prefix = if prefix.is_empty() { ObjPath::from(ROOT) } else { ObjPath::from(format!("{prefix}/{ROOT}")) };
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("paperfig-remote")
            .enable_all()
            .build()
            .map_err(|e| bad(format!("cannot start the I/O runtime: {e}")))?;
        Ok(RemoteStore { store, signer, prefix, url: url.to_string(), multipart, multipart_threshold: threshold, rt })
    }

    /// The URL as configured.
    pub fn url(&self) -> &str {
        &self.url
    }

    fn object_path(&self, digest: &Digest) -> ObjPath {
        let hex = digest.hex();
        self.prefix.clone().join("objects").join(&hex[..2]).join(&hex[2..])
    }

    fn action_path(&self, key: &Digest) -> ObjPath {
        let hex = key.hex();
        self.prefix.clone().join("actions").join(&hex[..2]).join(format!("{}.json", &hex[2..]))
    }

    fn err(&self, e: object_store::Error) -> StoreError {
        StoreError::Remote { url: self.url.clone(), message: one_line(&e.to_string()) }
    }

    /// Reads a file; `None` when it does not exist.
    fn read(&self, path: &ObjPath) -> Result<Option<Vec<u8>>, StoreError> {
        let store = self.store.clone();
        let path = path.clone();
        let got = self.rt.block_on(async move {
            match store.get(&path).await {
                Ok(r) => r.bytes().await.map(Some),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(e),
            }
        });
        got.map(|b| b.map(|b| b.to_vec())).map_err(|e| self.err(e))
    }

    /// Writes a file whole: one PUT, or a multipart upload of [`PART_SIZE`] parts for large
    /// objects where the backend has multipart uploads.
    fn write(&self, path: &ObjPath, bytes: &[u8]) -> Result<(), StoreError> {
        let store = self.store.clone();
        let path = path.clone();
        let data = bytes::Bytes::copy_from_slice(bytes);
        let multipart = self.multipart && bytes.len() >= self.multipart_threshold;
        let done = self.rt.block_on(async move {
            if multipart {
                let upload = store.put_multipart(&path).await?;
                let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
                for chunk in data.chunks(PART_SIZE) {
                    writer.wait_for_capacity(4).await?;
                    writer.put(data.slice_ref(chunk));
                }
                writer.finish().await.map(|_| ())
            } else {
                store.put(&path, PutPayload::from_bytes(data)).await.map(|_| ())
            }
        });
        done.map_err(|e| self.err(e))
    }

    fn exists(&self, path: &ObjPath) -> Result<bool, StoreError> {
        let store = self.store.clone();
        let path = path.clone();
        match self.rt.block_on(async move { store.head(&path).await }) {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(self.err(e)),
        }
    }

    /// Whether this store can sign URLs ([`RemoteStore::put_signed`]).
    pub fn signs(&self) -> bool {
        self.signer.is_some()
    }

    /// Puts `bytes` as an object (content-addressed, like [`Store::put_object`]) and returns a
    /// presigned GET URL for it, valid for `valid_for`: whoever holds the URL may read that
    /// one object until then, without credentials. The URL is a credential: callers never
    /// print it. Fails on a store that cannot sign (WebDAV, a folder).
    pub fn put_signed(&self, bytes: &[u8], valid_for: Duration) -> Result<url::Url, StoreError> {
        let Some(signer) = self.signer.clone() else {
            return Err(StoreError::Remote {
                url: self.url.clone(),
                message: "this remote cannot sign URLs (only s3://, gs:// and az:// remotes can)".into(),
            });
        };
        let digest = self.put_object(bytes)?;
        let path = self.object_path(&digest);
        let signed = self
            .rt
            .block_on(async move { signer.signed_url(object_store::signer::Method::GET, &path, valid_for).await });
        signed.map_err(|e| self.err(e))
    }

    /// Uploads an object even if one of that name exists (to replace a damaged copy).
    pub fn replace_object(&self, bytes: &[u8]) -> Result<Digest, StoreError> {
        let digest = Digest::of(bytes);
        self.write(&self.object_path(&digest), bytes)?;
        Ok(digest)
    }
}

impl Store for RemoteStore {
    fn describe(&self) -> String {
        format!("remote cache at {}", self.url)
    }

    fn get_action(&self, key: &Digest) -> Result<Lookup<ActionEntry>, StoreError> {
        let Some(bytes) = self.read(&self.action_path(key))? else { return Ok(Lookup::Miss) };
        Ok(match serde_json::from_slice::<ActionEntry>(&bytes) {
            Ok(entry) if entry.key == *key => Lookup::Hit(entry),
            Ok(entry) => Lookup::Corrupt(format!("remote entry for {key} holds the entry for {}", entry.key)),
            Err(e) => Lookup::Corrupt(format!("remote entry for {key} is unparsable: {e}")),
        })
    }

    fn put_action_as(&self, entry: &ActionEntry, _: Durability) -> Result<(), StoreError> {
        let json = serde_json::to_vec_pretty(entry).expect("an ActionEntry always serialises");
        self.write(&self.action_path(&entry.key), &json)
    }

    fn get_object(&self, digest: &Digest) -> Result<Lookup<Vec<u8>>, StoreError> {
        let Some(bytes) = self.read(&self.object_path(digest))? else { return Ok(Lookup::Miss) };
        let actual = Digest::of(&bytes);
        if actual != *digest {
            return Ok(Lookup::Corrupt(format!("remote object {digest}: contents hash to {actual}")));
        }
        Ok(Lookup::Hit(bytes))
    }

    /// Uploads unless an object of that name exists (content addressing: same name, same
    /// bytes, unless damaged, which reads detect and [`RemoteStore::replace_object`] repairs).
    fn put_object_as(&self, bytes: &[u8], _: Durability) -> Result<Digest, StoreError> {
        let digest = Digest::of(bytes);
        let path = self.object_path(&digest);
        if !self.exists(&path)? {
            self.write(&path, bytes)?;
        }
        Ok(digest)
    }

    fn has_object(&self, digest: &Digest) -> Result<bool, StoreError> {
        self.exists(&self.object_path(digest))
    }
}

/// Removes `key` from the options and parses it as seconds (`20`, `2.5`) or with a unit
/// (`500ms`, `20s`, `1m`).
fn take_duration(options: &mut BTreeMap<String, String>, key: &str, default: Duration) -> Result<Duration, String> {
    let Some(v) = options.remove(key) else { return Ok(default) };
    let t = v.trim();
    let (num, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60.0)
    } else {
        (t, 1.0)
    };
    match num.trim().parse::<f64>() {
        Ok(x) if x > 0.0 && x * scale <= 3600.0 => Ok(Duration::from_secs_f64(x * scale)),
        _ => Err(format!("{key} = `{v}` is not a duration such as `20s` or `500ms`")),
    }
}

/// Credentials of an AWS profile (`AWS_PROFILE`, else `default`) from
/// `~/.aws/credentials` (or `AWS_SHARED_CREDENTIALS_FILE`) and its region from
/// `~/.aws/config`, used only when no access key is in the environment.
fn aws_profile() -> Vec<(object_store::aws::AmazonS3ConfigKey, String)> {
    use object_store::aws::AmazonS3ConfigKey as K;
    if std::env::var_os("AWS_ACCESS_KEY_ID").is_some() {
        return Vec::new();
    }
    let Some(home) = std::env::var_os("HOME").map(std::path::PathBuf::from) else { return Vec::new() };
    let profile = std::env::var("AWS_PROFILE").unwrap_or_else(|_| "default".into());
    let creds_file =
        std::env::var_os("AWS_SHARED_CREDENTIALS_FILE").map_or_else(|| home.join(".aws/credentials"), Into::into);
    let config_file = std::env::var_os("AWS_CONFIG_FILE").map_or_else(|| home.join(".aws/config"), Into::into);
    let mut out = Vec::new();
    let creds = ini_section(&creds_file, &profile);
    for (name, key) in [
        ("aws_access_key_id", K::AccessKeyId),
        ("aws_secret_access_key", K::SecretAccessKey),
        ("aws_session_token", K::Token),
    ] {
        if let Some(v) = creds.get(name) {
            out.push((key, v.clone()));
        }
    }
    if std::env::var_os("AWS_REGION").is_none() && std::env::var_os("AWS_DEFAULT_REGION").is_none() {
        let section = if profile == "default" { profile.clone() } else { format!("profile {profile}") };
        if let Some(region) = ini_section(&config_file, &section).get("region") {
            out.push((K::Region, region.clone()));
        }
    }
    out
}

/// `name = value` pairs of one `[section]` of an INI file; empty when absent.
fn ini_section(path: &std::path::Path, section: &str) -> BTreeMap<String, String> {
    let Ok(text) = std::fs::read_to_string(path) else { return BTreeMap::new() };
    let mut inside = false;
    let mut out = BTreeMap::new();
    for line in text.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            inside = name.trim() == section;
        } else if inside && let Some((k, v)) = line.split_once('=') {
            out.insert(k.trim().to_string(), v.trim().to_string());
        }
    }
    out
}

/// Backend errors can span lines (XML bodies); a warning is one line.
fn one_line(s: &str) -> String {
    let s: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() > 300 { s.chars().take(300).chain("…".chars()).collect() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_remote(dir: &std::path::Path) -> RemoteStore {
        let url = url::Url::from_directory_path(dir).unwrap().to_string();
        RemoteStore::open(&url, &BTreeMap::new()).unwrap()
    }

    #[test]
    fn round_trip_and_corruption_on_a_file_remote() {
        let dir = tempfile::tempdir().unwrap();
        let r = file_remote(dir.path());
        let d = r.put_object(b"hello").unwrap();
        assert!(r.has_object(&d).unwrap());
        assert!(matches!(r.get_object(&d).unwrap(), Lookup::Hit(b) if b == b"hello"));
        let hex = d.hex();
        let file = dir.path().join(ROOT).join("objects").join(&hex[..2]).join(&hex[2..]);
        std::fs::write(&file, b"hellO").unwrap();
        assert!(matches!(r.get_object(&d).unwrap(), Lookup::Corrupt(_)));
        // put_object trusts the name; replace_object repairs.
        r.put_object(b"hello").unwrap();
        assert!(matches!(r.get_object(&d).unwrap(), Lookup::Corrupt(_)));
        r.replace_object(b"hello").unwrap();
        assert!(matches!(r.get_object(&d).unwrap(), Lookup::Hit(_)));
        assert!(matches!(r.get_object(&Digest::of(b"other")).unwrap(), Lookup::Miss));
    }

    #[test]
    fn only_s3_gcs_and_azure_remotes_sign() {
        let dir = tempfile::tempdir().unwrap();
        let r = file_remote(dir.path());
        assert!(!r.signs());
        let e = r.put_signed(b"draft", Duration::from_secs(60)).unwrap_err().to_string();
        assert!(e.contains("cannot sign URLs"), "{e}");
        assert!(can_sign("s3://b/p") && can_sign("gs://b") && can_sign("az://c") && can_sign("S3://b"));
        assert!(!can_sign("https://dav/x") && !can_sign("file:///x") && !can_sign("nonsense"));
        let s3 = RemoteStore::open("s3://bucket/p", &BTreeMap::from([("region".to_string(), "x".to_string())]));
        assert!(s3.unwrap().signs());
    }

    #[test]
    fn large_objects_go_up_in_parts_and_come_back_whole() {
        let dir = tempfile::tempdir().unwrap();
        let url = url::Url::from_directory_path(dir.path()).unwrap().to_string();
        let opts = BTreeMap::from([("multipart_threshold".to_string(), "1000".to_string())]);
        let r = RemoteStore::open(&url, &opts).unwrap();
        let big: Vec<u8> = (0..PART_SIZE * 2 + 123).map(|i| (i % 251) as u8).collect();
        let d = r.put_object(&big).unwrap();
        assert!(matches!(r.get_object(&d).unwrap(), Lookup::Hit(b) if b == big));
    }

    #[test]
    fn entries_answer_their_key() {
        let dir = tempfile::tempdir().unwrap();
        let r = file_remote(dir.path());
        let k1 = Digest::of(b"k1");
        let k2 = Digest::of(b"k2");
        let entry = ActionEntry {
            key: k1,
            provider: "p".into(),
            provider_version: "1".into(),
            outputs: BTreeMap::new(),
            notes: Default::default(),
            images: Vec::new(),
        };
        r.put_action(&entry).unwrap();
        assert!(matches!(r.get_action(&k1).unwrap(), Lookup::Hit(e) if e == entry));
        // An entry stored under another key's name is detected.
        let hex = k2.hex();
        let path = dir.path().join(ROOT).join("actions").join(&hex[..2]).join(format!("{}.json", &hex[2..]));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, serde_json::to_vec(&entry).unwrap()).unwrap();
        assert!(matches!(r.get_action(&k2).unwrap(), Lookup::Corrupt(_)));
    }

    #[test]
    fn bad_urls_options_and_durations() {
        assert!(RemoteStore::open("ftp://x/y", &BTreeMap::new()).is_err());
        let opts = BTreeMap::from([("no_such_option".to_string(), "1".to_string())]);
        let e = RemoteStore::open("s3://bucket/p", &opts).unwrap_err().to_string();
        assert!(e.contains("no_such_option"), "{e}");
        let mut o = BTreeMap::from([("timeout".to_string(), "500ms".to_string())]);
        assert_eq!(take_duration(&mut o, "timeout", DEFAULT_TIMEOUT).unwrap(), Duration::from_millis(500));
        let mut o = BTreeMap::from([("timeout".to_string(), "soon".to_string())]);
        assert!(take_duration(&mut o, "timeout", DEFAULT_TIMEOUT).is_err());
    }

    #[test]
    fn aws_profile_sections_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("credentials");
        std::fs::write(
            &f,
            "[default]\naws_access_key_id = A\n[ci]\naws_access_key_id = B\naws_secret_access_key = S\n",
        )
        .unwrap();
        assert_eq!(ini_section(&f, "ci")["aws_access_key_id"], "B");
        assert_eq!(ini_section(&f, "default")["aws_access_key_id"], "A");
        assert!(ini_section(&f, "none").is_empty());
    }
}
