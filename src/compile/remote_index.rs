//! A TeX bundle's index as read from its bytes: a TTBv1 bundle's header and `[FILELIST]`
//! (checked against the header's digest), an indexed tar's `name offset length` lines,
//! and a file's gzip (bounded by [`MAX_PART`]). Names that could leave the cache folder
//! are refused.

use std::collections::HashMap;
use std::io::Read as _;

use flate2::read::GzDecoder;
use sha2::{Digest as _, Sha256};

pub(in crate::compile) const MAGIC: &[u8; 14] = b"tectonicbundle";
pub(in crate::compile) const HEADER_LEN: u64 = 66;
/// The largest index or file fetched or decompressed (and how far into a bundle a server
/// that ignores Range requests is read).
pub const MAX_PART: u64 = 256 << 20;

#[derive(Debug)]
pub(super) struct Entry {
    pub(super) start: u64,
    /// Bytes in the bundle (gzip in a TTBv1 bundle, the file itself in an indexed tar).
    pub(super) gzip_len: u64,
    pub(super) real_len: u64,
    pub(super) sha: Option<[u8; 32]>,
    pub(super) path: String,
}

/// The two bundle formats (see the module comment).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Format {
    Ttb,
    Itar,
}

impl Format {
    pub(super) fn of(url: &str) -> Format {
        if url.trim_end_matches('/').ends_with("ttb") { Format::Ttb } else { Format::Itar }
    }
}

#[derive(Debug, Default)]
pub(super) struct Index {
    pub(super) entries: Vec<Entry>,
    pub(super) by_name: HashMap<String, Vec<usize>>,
    pub(super) search: Vec<String>,
}

pub(super) struct Header {
    pub(super) index_start: u64,
    pub(super) index_gzip_len: u64,
    pub(super) index_real_len: u64,
    pub(super) digest: String,
}

pub(super) fn parse_header(b: &[u8]) -> Result<Header, String> {
    if b.len() < HEADER_LEN as usize || &b[..14] != MAGIC {
        return Err("no `tectonicbundle` signature (tectonic's default `.tar` bundles are another format)".into());
    }
    let le = |r: std::ops::Range<usize>| b[r].iter().rev().fold(0u64, |n, &x| n << 8 | u64::from(x));
    if le(14..18) != 1 {
        return Err(format!("bundle format version {}; only version 1 is supported", le(14..18)));
    }
    let (index_start, index_gzip_len, index_real_len) = (le(18..26), le(26..30), le(30..34));
    Ok(Header { index_start, index_gzip_len, index_real_len, digest: hex::encode(&b[34..66]) })
}

/// Parses the index text and checks it against the bundle digest.
pub(super) fn parse_index(text: &str, digest: &str) -> Result<Index, String> {
    let (mut section, mut default, mut searches) = ("", None, HashMap::<&str, Vec<String>>::new());
    let (mut index, mut filelist) = (Index::default(), Sha256::new());
    for line in text.lines() {
        if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = s;
        } else if section == "DEFAULTSEARCH" {
            default = Some(line);
        } else if let Some(name) = section.strip_prefix("SEARCH:") {
            searches.entry(name).or_default().push(line.to_string());
        } else if section == "FILELIST" {
            let bad = || format!("bad file line `{line}`");
            let mut bits = line.split_whitespace();
            let mut num = || bits.next().and_then(|n| n.parse::<u64>().ok()).ok_or_else(bad);
            let (start, gzip_len, real_len) = (num()?, num()?, num()?);
            let hash = bits.next().ok_or_else(bad)?;
            let path = bits.collect::<Vec<_>>().join(" ");
            if path.is_empty() || path.contains('\\') || path.split('/').any(|c| matches!(c, "" | "." | "..")) {
                return Err(format!("unsafe file path `{path}`"));
            }
            let sha = if hash == "nohash" { None } else { Some(hex_to_32(hash).ok_or_else(bad)?) };
            filelist.update(format!("{hash} {path}\n"));
            let name = path.rsplit('/').next().unwrap_or(&path).to_string();
            index.by_name.entry(name).or_default().push(index.entries.len());
            index.entries.push(Entry { start, gzip_len, real_len, sha, path });
        }
    }
    let found = hex::encode(filelist.finalize());
    if found != digest {
        return Err(format!("the index has digest {found}, the header says {digest}"));
    }
    let default = default.ok_or("no [DEFAULTSEARCH] section")?;
    index.search = searches.remove(default).ok_or_else(|| format!("no [SEARCH:{default}] section"))?;
    Ok(index)
}

/// An indexed tar's index: `name offset length` per line (names are bare file names).
pub(super) fn parse_itar_index(text: &str) -> Result<Index, String> {
    let mut index = Index::default();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let bad = || format!("bad index line `{line}`");
        let mut bits = line.split_whitespace();
        let name = bits.next().ok_or_else(bad)?;
        let start: u64 = bits.next().and_then(|n| n.parse().ok()).ok_or_else(bad)?;
        let len: u64 = bits.next().and_then(|n| n.parse().ok()).ok_or_else(bad)?;
        if name.contains(['/', '\\']) || matches!(name, "." | "..") {
            return Err(format!("unsafe file name `{name}`"));
        }
        index.by_name.entry(name.to_string()).or_default().push(index.entries.len());
        index.entries.push(Entry { start, gzip_len: len, real_len: len, sha: None, path: name.to_string() });
    }
    if index.entries.is_empty() {
        return Err("the index is empty".into());
    }
    // Every name is at the top: one rule finds them all.
    index.search = vec!["/".into()];
    Ok(index)
}

pub(in crate::compile) fn hex_to_32(text: &str) -> Option<[u8; 32]> {
    hex::decode(text).ok()?.try_into().ok()
}

pub(super) fn gunzip(gz: &[u8], real_len: u64) -> Result<Vec<u8>, String> {
    if real_len > MAX_PART {
        return Err(format!("{real_len} bytes once decompressed, more than {} MiB", MAX_PART >> 20));
    }
    let mut out = Vec::with_capacity(real_len.min(16 << 20) as usize);
    (GzDecoder::new(gz).take(real_len + 1).read_to_end(&mut out)).map_err(|e| format!("cannot decompress: {e}"))?;
    if out.len() as u64 != real_len {
        return Err(format!("decompresses to {} bytes, the index says {real_len}", out.len()));
    }
    Ok(out)
}
