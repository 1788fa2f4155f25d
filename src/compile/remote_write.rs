//! Writing the two bundle formats [`remote`](super) reads: test support (the
//! tests make bundles of the local TeX Live files and serve them from 127.0.0.1).

use std::io::{self, Write};
use std::path::Path;

use flate2::{Compression, write::GzEncoder};
use sha2::{Digest as _, Sha256};

use super::{HEADER_LEN, MAGIC, hex_to_32};

pub(super) fn gzip(bytes: &[u8]) -> io::Result<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes)?;
    encoder.finish()
}

/// Writes an indexed tar holding `files` (each under its bare name; a name seen twice
/// keeps the first) and a `SHA256SUM`; returns its `.index.gz` and digest (hex). The digest
/// is the SHA-256 of the sorted `name sha256` lines. Test support.
pub fn write_itar(out: &mut impl Write, files: &[(String, Vec<u8>)]) -> io::Result<(Vec<u8>, String)> {
    let mut named: Vec<(String, &[u8])> = Vec::new();
    for (path, bytes) in files {
        let name = path.rsplit('/').next().unwrap_or(path).to_string();
        if name.is_empty() || name.len() > 100 || name.contains(char::is_whitespace) {
            let why = format!("`{name}` cannot be named in an indexed tar (white space, or over 100 bytes)");
            return Err(io::Error::new(io::ErrorKind::InvalidInput, why));
        }
        if !named.iter().any(|(n, _)| *n == name) {
            named.push((name, bytes));
        }
    }
    named.sort();
    let listing: String = named.iter().map(|(n, b)| format!("{n} {}\n", hex::encode(Sha256::digest(b)))).collect();
    let digest = hex::encode(Sha256::digest(&listing));
    let sum = format!("{digest}\n").into_bytes();
    named.push(("SHA256SUM".into(), &sum));
    let (mut index, mut at) = (String::new(), 0u64);
    for (name, bytes) in &named {
        // A ustar header: name, mode, owner, size, time, checksum, type, magic.
        let mut h = [0u8; 512];
        let field = |h: &mut [u8; 512], at: usize, text: &str| h[at..at + text.len()].copy_from_slice(text.as_bytes());
        field(&mut h, 0, name);
        field(&mut h, 100, "0000644");
        field(&mut h, 108, "0000000");
        field(&mut h, 116, "0000000");
        field(&mut h, 124, &format!("{:011o}", bytes.len()));
        field(&mut h, 136, "00000000000");
        field(&mut h, 156, "0");
        field(&mut h, 257, "ustar\0");
        field(&mut h, 263, "00");
        h[148..156].fill(b' ');
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
        field(&mut h, 148, &format!("{sum:06o}\0 "));
        out.write_all(&h)?;
        index += &format!("{name} {} {}\n", at + 512, bytes.len());
        out.write_all(bytes)?;
        let pad = (512 - bytes.len() % 512) % 512;
        out.write_all(&vec![0u8; pad])?;
        at += 512 + (bytes.len() + pad) as u64;
    }
    out.write_all(&[0u8; 1024])?;
    Ok((gzip(index.as_bytes())?, digest))
}

/// Writes a TTBv1 bundle holding `files` (path inside the bundle, contents) plus the
/// `SEARCH`, `SHA256SUM` and `FILELIST` files tectonic's bundler adds, with search order
/// `search` (e.g. `["/", "/tex/latex//", "/fonts//"]`). Returns the digest (hex), defined as
/// tectonic does. Test support: everything is built in memory.
pub fn write_ttb(out: &mut impl Write, files: &[(String, Vec<u8>)], search: &[&str]) -> io::Result<String> {
    let bad = |m: String| io::Error::new(io::ErrorKind::InvalidInput, m);
    if let Some(rule) = search.iter().find(|r| !r.starts_with('/') || r.contains('\n')) {
        return Err(bad(format!("search rule `{rule}` must start with `/`")));
    }
    let search_text: String = search.iter().map(|r| format!("{r}\n")).collect();
    let mut all: Vec<(String, Option<Vec<u8>>)> = vec![
        ("SEARCH".into(), Some(search_text.clone().into_bytes())),
        ("SHA256SUM".into(), None),
        ("FILELIST".into(), None),
    ];
    for (path, bytes) in files {
        let unsafe_path = path.is_empty() || path.contains(['\\', '\n']) || path.contains("  ");
        if unsafe_path || path.split('/').any(|c| matches!(c, "" | "." | "..")) {
            return Err(bad(format!("bad bundle path `{path}`")));
        }
        if all.iter().any(|(p, _)| p == path) {
            return Err(bad(format!("`{path}` given twice (or is a name the bundle reserves)")));
        }
        all.push((path.clone(), Some(bytes.clone())));
    }
    // tectonic sorts FILELIST by path (component-wise, as `Path`s).
    all.sort_by(|a, b| Path::new(&a.0).cmp(Path::new(&b.0)));
    let hash = |c: &Option<Vec<u8>>| c.as_ref().map_or("nohash".into(), |c| hex::encode(Sha256::digest(c)));
    let filelist: String = all.iter().map(|(p, c)| format!("{} {p}\n", hash(c))).collect();
    let digest = hex::encode(Sha256::digest(&filelist));
    let mut index = format!("[DEFAULTSEARCH]\nMAIN\n[SEARCH:MAIN]\n{search_text}[FILELIST]\n");
    let (mut blobs, mut at) = (Vec::new(), HEADER_LEN);
    for (path, contents) in &all {
        let bytes = match contents {
            Some(c) => c.clone(),
            None if path == "SHA256SUM" => format!("{digest}\n").into_bytes(),
            None => filelist.clone().into_bytes(),
        };
        let gz = gzip(&bytes)?;
        index += &format!("{at} {} {} {} {path}\n", gz.len(), bytes.len(), hash(contents));
        at += gz.len() as u64;
        blobs.push(gz);
    }
    let index_gz = gzip(index.as_bytes())?;
    out.write_all(MAGIC)?;
    out.write_all(&1u32.to_le_bytes())?;
    out.write_all(&at.to_le_bytes())?;
    out.write_all(&(index_gz.len() as u32).to_le_bytes())?;
    out.write_all(&(index.len() as u32).to_le_bytes())?;
    out.write_all(&hex_to_32(&digest).expect("a sha256"))?;
    for blob in blobs {
        out.write_all(&blob)?;
    }
    out.write_all(&index_gz)?;
    Ok(digest)
}
