//! Tests of the remote bundle against a local HTTP server.

use super::test_server::{Mode, Server};
use super::write::{gzip, write_itar, write_ttb};
use super::*;
use tectonic::status::NoopStatusBackend;

const ARTICLE: &str = "tex/latex/base/article.cls";

fn files() -> Vec<(String, Vec<u8>)> {
    [
        (ARTICLE, "A".repeat(500)),
        ("tex/latex/base/size10.clo", "% size10\n".into()),
        ("tex/latex/base/sub/file.tex", "sub file\n".into()),
        ("fonts/misc/article.cls", "fonts come later in the search order\n".into()),
        ("fonts/misc/only-font.tfm", "font\n".into()),
        ("doc/readme.txt", "not searched\n".into()),
        ("with space/x y.tex", "spaces\n".into()),
    ]
    .into_iter()
    .map(|(p, c)| (p.to_string(), c.into_bytes()))
    .collect()
}

fn bundle() -> (Vec<u8>, String) {
    let mut out = Vec::new();
    let digest = write_ttb(&mut out, &files(), &["/", "/tex/latex//", "/fonts//", "/with space/"]).unwrap();
    (out, digest)
}

/// What TeX gets for `name` through tectonic's traits; `Ok(None)`: not available.
fn read(b: &mut dyn Bundle, name: &str) -> Result<Option<String>, String> {
    match b.input_open_name(name, &mut NoopStatusBackend {}) {
        OpenResult::Ok(mut h) => {
            let mut s = String::new();
            h.read_to_string(&mut s).unwrap();
            Ok(Some(s))
        }
        OpenResult::NotAvailable => Ok(None),
        OpenResult::Err(e) => Err(format!("{e:#}")),
    }
}

fn text(b: &mut dyn Bundle, name: &str) -> String {
    read(b, name).unwrap().expect(name)
}

#[test]
fn opens_reads_verifies_and_caches_files_by_tex_name() {
    let (body, digest) = bundle();
    let server = Server::start(body, Mode::Range);
    let cache = tempfile::tempdir().unwrap();
    let mut b = RemoteBundle::open(&server.url, cache.path(), Fetch::Online, None).unwrap();
    assert_eq!(b.digest_hex(), digest);
    assert!(b.resolve_cached("article.cls").is_none());
    assert_eq!(text(&mut b, "article.cls"), "A".repeat(500), "tex/latex before fonts");
    let kept = b.resolve_cached("article.cls").unwrap();
    assert_eq!(kept, cache.path().join(&digest).join("files").join(ARTICLE));
    assert!(cache.path().join(&digest).join("INDEX").is_file() && cache.path().join("urls").is_dir());
    assert_eq!(text(&mut b, "sub/file.tex"), "sub file\n");
    assert_eq!(text(&mut b, "./size10.clo"), "% size10\n");
    assert_eq!(text(&mut b, "only-font.tfm"), "font\n");
    assert_eq!(text(&mut b, "x y.tex"), "spaces\n");
    assert_eq!(text(&mut b, "SHA256SUM"), format!("{digest}\n"));
    for missing in ["readme.txt", "nonexistent.sty", "/etc/passwd", "other/file.tex"] {
        assert!(read(&mut b, missing) == Ok(None), "{missing}");
    }
}

#[test]
fn offline_reuses_the_cache_and_refuses_to_download() {
    let (body, digest) = bundle();
    let server = Server::start(body, Mode::Range);
    let cache = tempfile::tempdir().unwrap();
    let mut online = RemoteBundle::open(&server.url, cache.path(), Fetch::Online, None).unwrap();
    text(&mut online, "article.cls");
    let hits = server.hits();
    let mut b = RemoteBundle::open(&server.url, cache.path(), Fetch::Offline, None).unwrap();
    assert_eq!(b.digest_hex(), digest);
    assert_eq!(text(&mut b, "article.cls"), "A".repeat(500));
    let e = read(&mut b, "size10.clo").unwrap_err();
    assert!(e.contains("size10.clo") && e.contains("not in the cache") && e.contains("offline"), "{e}");
    assert!(read(&mut b, "nonexistent.sty") == Ok(None));
    // A damaged cached copy: an error offline, fetched again online.
    std::fs::write(b.resolve_cached("article.cls").unwrap(), "garbage").unwrap();
    assert!(read(&mut b, "article.cls").unwrap_err().contains("damaged"));
    assert_eq!(server.hits(), hits, "offline never asks the server");
    assert_eq!(text(&mut online, "article.cls"), "A".repeat(500));
    // Online, a server that cannot be reached: the cached index is used.
    server.set_mode(Mode::HangUp);
    let mut b = RemoteBundle::open(&server.url, cache.path(), Fetch::Online, None).unwrap();
    assert_eq!(text(&mut b, "article.cls"), "A".repeat(500));
    let e = read(&mut b, "size10.clo").unwrap_err();
    assert!(e.contains(&server.url) && e.contains("cannot fetch"), "{e}");
}

#[test]
fn offline_with_nothing_cached_names_the_url_and_the_cache() {
    let cache = tempfile::tempdir().unwrap();
    let e = RemoteBundle::open("http://127.0.0.1:9/b.ttb", cache.path(), Fetch::Offline, None).err().unwrap();
    let e = e.to_string();
    assert!(e.contains("http://127.0.0.1:9/b.ttb") && e.contains(cache.path().to_str().unwrap()), "{e}");
    assert!(e.contains("offline") && e.contains("run once online"), "{e}");
}

#[test]
fn a_pinned_digest_is_checked_and_a_cached_pin_needs_no_network() {
    let (body, digest) = bundle();
    let server = Server::start(body, Mode::Range);
    let cache = tempfile::tempdir().unwrap();
    let wrong = "ab".repeat(32);
    let e = RemoteBundle::open(&server.url, cache.path(), Fetch::Online, Some(&wrong)).err().unwrap().to_string();
    assert!(e.contains(&wrong) && e.contains(&digest) && e.contains(&server.url), "{e}");
    RemoteBundle::open(&server.url, cache.path(), Fetch::Online, Some(&digest.to_uppercase())).unwrap();
    let hits = server.hits();
    RemoteBundle::open(&server.url, cache.path(), Fetch::Online, Some(&digest)).unwrap();
    assert_eq!(server.hits(), hits);
    let e = RemoteBundle::open(&server.url, cache.path(), Fetch::Offline, Some(&wrong)).err().unwrap().to_string();
    assert!(e.contains(&wrong) && e.contains(&digest), "{e}");
    assert!(matches!(
        RemoteBundle::open(&server.url, cache.path(), Fetch::Online, Some("x")),
        Err(RemoteError::BadPin(_))
    ));
}

#[test]
fn a_tampered_file_is_refused_and_not_cached() {
    let (mut body, _) = bundle();
    // Same length compressed and decompressed, other contents: only the hash can tell.
    let (good, evil) = (gzip("A".repeat(500).as_bytes()).unwrap(), gzip("B".repeat(500).as_bytes()).unwrap());
    assert_eq!(good.len(), evil.len());
    let at = body.windows(good.len()).position(|w| w == good).unwrap();
    body[at..at + good.len()].copy_from_slice(&evil);
    let server = Server::start(body, Mode::Range);
    let cache = tempfile::tempdir().unwrap();
    let mut b = RemoteBundle::open(&server.url, cache.path(), Fetch::Online, None).unwrap();
    let e = read(&mut b, "article.cls").unwrap_err();
    assert!(e.contains(ARTICLE) && e.contains("does not match") && e.contains(&server.url), "{e}");
    assert!(b.resolve_cached("article.cls").is_none());
}

#[test]
fn a_server_without_range_support_still_works() {
    let (body, digest) = bundle();
    let server = Server::start(body, Mode::NoRange);
    let cache = tempfile::tempdir().unwrap();
    let mut b = RemoteBundle::open(&server.url, cache.path(), Fetch::Online, Some(&digest)).unwrap();
    assert_eq!(text(&mut b, "size10.clo"), "% size10\n");
}

#[test]
fn http_errors_and_non_bundles_name_the_url() {
    let server = Server::start(b"<html>not a bundle</html>".repeat(10), Mode::Range);
    let cache = tempfile::tempdir().unwrap();
    let open = || RemoteBundle::open(&server.url, cache.path(), Fetch::Online, None).err().unwrap().to_string();
    let e = open();
    assert!(e.contains(&server.url) && e.contains("tectonicbundle"), "{e}");
    server.set_mode(Mode::Status(404));
    let hits = server.hits();
    let e = open();
    assert!(e.contains(&server.url) && e.contains("HTTP 404"), "{e}");
    assert_eq!(server.hits(), hits + 1, "a 404 is not retried");
    server.set_mode(Mode::Status(500));
    let e = open();
    assert!(e.contains(&server.url) && e.contains("HTTP 500"), "{e}");
    assert_eq!(server.hits(), hits + 1 + ATTEMPTS as usize, "a 500 is retried");
}

#[test]
fn hostile_headers_are_refused_without_downloading_much() {
    let (body, digest) = bundle();
    let cache = tempfile::tempdir().unwrap();
    let tweak = |at: usize, bytes: &[u8]| {
        let mut b = body.clone();
        b[at..at + bytes.len()].copy_from_slice(bytes);
        let server = Server::start(b, Mode::Range);
        RemoteBundle::open(&server.url, cache.path(), Fetch::Online, None).err().unwrap().to_string()
    };
    assert!(tweak(14, &2u32.to_le_bytes()).contains("version 2"));
    assert!(tweak(26, &u32::MAX.to_le_bytes()).contains("larger than the 256 MiB"));
    let e = tweak(34, &[0; 32]);
    assert!(e.contains(&format!("the index has digest {digest}")), "{e}");
}

#[test]
fn concurrent_processes_fetching_one_file_agree() {
    let (body, _) = bundle();
    let server = Server::start(body, Mode::Range);
    let cache = tempfile::tempdir().unwrap();
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (url, root) = (server.url.clone(), cache.path().to_path_buf());
            std::thread::spawn(move || {
                let mut b = RemoteBundle::open(&url, &root, Fetch::Online, None).unwrap();
                text(&mut b, "article.cls")
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), "A".repeat(500));
    }
}

#[test]
fn the_engine_reads_it_through_tectonics_traits() {
    let (body, digest) = bundle();
    let server = Server::start(body, Mode::Range);
    let cache = tempfile::tempdir().unwrap();
    let mut b: Box<dyn Bundle> = Box::new(RemoteBundle::open(&server.url, cache.path(), Fetch::Online, None).unwrap());
    assert_eq!(b.get_digest().unwrap(), DigestData::from_str(&digest).unwrap());
    assert!(b.all_files().contains(&ARTICLE.to_string()));
    assert_eq!(text(&mut b, "article.cls"), "A".repeat(500));
    assert_eq!(read(&mut b, "nonexistent.sty"), Ok(None));
}

#[test]
fn write_ttb_follows_tectonics_digest_and_its_own_reader_agrees() {
    let files = vec![("a/x.tex".to_string(), b"x".to_vec()), ("a-b/y.tex".to_string(), b"y".to_vec())];
    let mut out = Vec::new();
    let digest = write_ttb(&mut out, &files, &["/a//"]).unwrap();
    // tectonic's bundler: FILELIST = `<sha256|nohash> <path>` lines sorted as paths;
    // the digest is its SHA-256.
    let sha = |b: &[u8]| hex::encode(Sha256::digest(b));
    let filelist = format!(
        "nohash FILELIST\n{} SEARCH\nnohash SHA256SUM\n{} a/x.tex\n{} a-b/y.tex\n",
        sha(b"/a//\n"),
        sha(b"x"),
        sha(b"y")
    );
    assert_eq!(digest, sha(filelist.as_bytes()));
    assert_eq!(&out[34..66], &hex::decode(&digest).unwrap()[..]);
    // tectonic's own TTBv1 reader opens it.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("b.ttb"), &out).unwrap();
    let mut t = tectonic_bundles::ttb_fs::TTBFsBundle::open(dir.path().join("b.ttb")).unwrap();
    assert_eq!(t.get_digest().unwrap().to_string(), digest);
    assert_eq!(text(&mut t, "x.tex"), "x");
    assert!(write_ttb(&mut Vec::new(), &[("../x".into(), vec![])], &["/"]).is_err());
}

#[test]
fn an_indexed_tar_is_a_real_tar_and_its_index_points_at_each_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut tar = Vec::new();
    assert!(write_itar(&mut tar, &files()).is_err(), "a name with a space has no place in its index");
    let files: Vec<_> = files().into_iter().filter(|(p, _)| !p.contains(' ')).collect();
    let mut tar = Vec::new();
    let (gz, digest) = write_itar(&mut tar, &files).unwrap();
    let mut text = String::new();
    GzDecoder::new(&gz[..]).read_to_string(&mut text).unwrap();
    let index = parse_itar_index(&text).unwrap();
    let at = |name: &str| {
        let e = &index.entries[index.by_name[name][0]];
        tar[e.start as usize..(e.start + e.gzip_len) as usize].to_vec()
    };
    assert_eq!(at("article.cls"), "A".repeat(500).into_bytes(), "the first of two files with one name");
    assert_eq!(at("size10.clo"), b"% size10\n");
    assert_eq!(at("SHA256SUM"), format!("{digest}\n").into_bytes());
    std::fs::write(dir.path().join("b.tar"), &tar).unwrap();
    let listed = std::process::Command::new("tar").arg("-tf").arg(dir.path().join("b.tar")).output().unwrap();
    assert!(listed.status.success(), "{}", String::from_utf8_lossy(&listed.stderr));
    let names = String::from_utf8(listed.stdout).unwrap();
    assert!(names.lines().any(|l| l == "size10.clo") && names.lines().any(|l| l == "SHA256SUM"), "{names}");
    for bad in ["../x 0 1\n", "a/b 0 1\n", "x 0\n", ""] {
        assert!(parse_itar_index(bad).is_err(), "{bad:?}");
    }
}
