//! How a fake service fetches an image a request names by URL (AutoFigureEdit's
//! `options.image_input`): one plain HTTP/1.1 GET over a TCP connection, bounded in time
//! ([`TIMEOUT`]) and size ([`MAX_BYTES`]), the answer checked to be a 200 carrying an
//! image. The fakes have no TLS and tests never leave 127.0.0.1, so only `http://` URLs are
//! fetched; the services' own rules (https only, no private addresses) are applied before,
//! by the caller, and lifted only in a fake's test mode.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The longest a fetch may take, connecting included.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// The largest image fetched.
pub const MAX_BYTES: usize = 64 * 1024 * 1024;

/// Whether `u` is a loopback `http://127.0.0.1:PORT/…` URL (accepted in test mode only).
pub fn loopback(u: &str) -> bool {
    u.strip_prefix("http://127.0.0.1").is_some_and(|r| r.starts_with([':', '/']))
}

/// Why a service refuses the source image URL `u` (documented: `https://` only, no private
/// or internal addresses, no non-standard ports), as its 400 message; `loopback_ok` lifts
/// that for `http://127.0.0.1` in a fake's test mode.
pub fn refusal(u: &str, loopback_ok: bool) -> Option<String> {
    if loopback_ok && loopback(u) {
        return None;
    }
    let Some(host) = u.strip_prefix("https://") else { return Some(format!("image URL must use https: {u}")) };
    let authority = host.split(['/', '?']).next().unwrap_or("");
    let (h, port) = match authority.split_once(']') {
        // An IPv6 literal: `[::1]` or `[::1]:8443`.
        Some((h, rest)) => (h, rest.strip_prefix(':')),
        None => authority.rsplit_once(':').map_or((authority, None), |(h, p)| (h, Some(p))),
    };
    if port.is_some_and(|p| p != "443") {
        return Some(format!("image URL uses a non-standard port: {u}"));
    }
    let private = h == "localhost"
        || h.starts_with("127.")
        || h.starts_with("10.")
        || h.starts_with("192.168.")
        || h.starts_with("169.254.")
        || (h.starts_with("172.")
            && h.split('.').nth(1).and_then(|o| o.parse::<u8>().ok()).is_some_and(|o| (16..32).contains(&o)))
        || h.starts_with('[')
        || h.is_empty();
    private.then(|| format!("image URL points to a private address: {u}"))
}

/// GETs `url` (`http://host:port/path?query`) and returns the body of a 200 answer that is
/// a PNG, JPEG, WebP or GIF image. The error is a short reason that never repeats the URL
/// (a presigned URL is a credential).
pub async fn image(url: &str) -> Result<Vec<u8>, String> {
    match tokio::time::timeout(TIMEOUT, get(url)).await {
        Err(_) => Err(format!("no answer within {} s", TIMEOUT.as_secs())),
        Ok(Err(e)) => Err(e),
        Ok(Ok(body)) => match image::guess_format(&body) {
            Ok(
                image::ImageFormat::Png | image::ImageFormat::Jpeg | image::ImageFormat::WebP | image::ImageFormat::Gif,
            ) => Ok(body),
            _ => Err("the answer is not an image".into()),
        },
    }
}

async fn get(url: &str) -> Result<Vec<u8>, String> {
    let rest = url.strip_prefix("http://").ok_or("only http:// URLs can be fetched here")?;
    let (authority, path) = rest.find(['/', '?']).map_or((rest, "/"), |i| (&rest[..i], &rest[i..]));
    let path = if path.starts_with('?') { format!("/{path}") } else { path.to_string() };
    let mut stream =
        tokio::net::TcpStream::connect(authority).await.map_err(|e| format!("cannot connect ({})", e.kind()))?;
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: fake-fetcher\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.map_err(|e| format!("cannot send ({})", e.kind()))?;
    let mut raw = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = stream.read(&mut buf).await.map_err(|e| format!("cannot read the answer ({})", e.kind()))?;
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&buf[..n]);
        if raw.len() > MAX_BYTES + 64 * 1024 {
            return Err(format!("the image is larger than {} MiB", MAX_BYTES >> 20));
        }
    }
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or("the answer has no header")?;
    let head = String::from_utf8_lossy(&raw[..end]).to_string();
    let body = &raw[end + 4..];
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse::<u16>().ok()).ok_or("malformed status line")?;
    if status != 200 {
        return Err(format!("HTTP {status}"));
    }
    let header = |name: &str| {
        head.lines().skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_ascii_lowercase())
        })
    };
    let body = if header("transfer-encoding").is_some_and(|t| t.contains("chunked")) {
        dechunk(body)?
    } else if let Some(len) = header("content-length").and_then(|l| l.parse::<usize>().ok()) {
        body.get(..len).ok_or("the answer ended early")?.to_vec()
    } else {
        body.to_vec()
    };
    if body.len() > MAX_BYTES {
        return Err(format!("the image is larger than {} MiB", MAX_BYTES >> 20));
    }
    Ok(body)
}

/// A chunked body, joined.
fn dechunk(mut body: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let line_end = body.windows(2).position(|w| w == b"\r\n").ok_or("malformed chunk")?;
        let size_text = String::from_utf8_lossy(&body[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| "malformed chunk size")?;
        body = &body[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(body.get(..size).ok_or("the answer ended early")?);
        body = body.get(size + 2..).ok_or("the answer ended early")?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_refusals_and_the_test_mode() {
        assert_eq!(refusal("https://example.com/a.png", false), None);
        assert!(refusal("http://example.com/a.png", true).unwrap().contains("must use https"));
        assert!(refusal("http://127.0.0.1:3900/b/o?sig=1", false).unwrap().contains("must use https"));
        assert_eq!(refusal("http://127.0.0.1:3900/b/o?sig=1", true), None);
        assert!(refusal("http://127.0.0.10/o", true).is_some());
        assert!(refusal("https://example.com:8443/a.png", false).unwrap().contains("non-standard port"));
        for private in ["https://172.16.0.1/a", "https://169.254.169.254/a", "https://[::1]/a", "https://localhost/a"] {
            assert!(refusal(private, true).unwrap().contains("private address"), "{private}");
        }
        assert_eq!(refusal("https://172.32.0.1/a", false), None);
    }

    #[test]
    fn chunked_bodies_are_joined() {
        assert_eq!(dechunk(b"3\r\nabc\r\n2;x=1\r\nde\r\n0\r\n\r\n").unwrap(), b"abcde");
        assert!(dechunk(b"9\r\nabc").is_err());
    }
}
