//! The configured secrets (the values of every `api_key_env` variable of `paperfig.toml`) and
//! the one place they are cut out of what services send: [`Secrets::redact_body`], applied
//! by `http::Client` to every answer as it arrives, so task ids, stages, error texts and
//! anything else from a service reach progress lines, messages and the journal without
//! them.
//!
//! A secret is replaced by a marker naming its variable (`[$PB_TOKEN]`), which the client
//! puts back ([`Secrets::reveal`]) only in the URLs of requests to the service's own origin:
//! a service that echoes the key into a task id still gets its own id back when polled, and
//! the journal can resume that task without ever holding the key.
//!
//! Credentials paperfig makes itself while building (the presigned URLs of local drafts,
//! `drafts.rs`) are added as they are made ([`Secrets::issue`]) and cut out as `[signed]`;
//! they are never put back.

/// Values shorter than this are not treated as secrets (they would cut ordinary text apart).
const MIN_LEN: usize = 4;

/// Secret values with their markers, longest value first (so a key containing another is
/// cut out whole).
#[derive(Clone, Debug, Default)]
pub struct Secrets {
    values: Vec<(String, String)>,
    /// Credentials made during the build (signed URLs' query strings and their long
    /// parameters), shared by every clone; longest first.
    issued: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

/// Marker of a credential paperfig issued (a presigned URL's signature).
pub const SIGNED: &str = "[signed]";

impl Secrets {
    /// The values of the variables `vars` as `env` reads them; unset and short ones are skipped.
    pub fn new<'a>(vars: impl IntoIterator<Item = &'a str>, env: &dyn Fn(&str) -> Option<String>) -> Secrets {
        let mut values: Vec<(String, String)> = Vec::new();
        for var in vars {
            let Some(value) = env(var).map(|v| v.trim().to_string()) else { continue };
            if value.len() >= MIN_LEN && !values.iter().any(|(_, v)| *v == value) {
                values.push((format!("[${var}]"), value));
            }
        }
        values.sort_by_key(|(_, v)| std::cmp::Reverse(v.len()));
        Secrets { values, issued: Default::default() }
    }

    /// Adds a credential paperfig made (a presigned URL): from now on its query string, and
    /// each long parameter value of it (a signature, a credential scope), are cut out of
    /// everything redacted, by every clone of these secrets.
    pub fn issue(&self, signed_url: &str) {
        let Some((_, query)) = signed_url.split_once('?') else { return };
        let query = query.split('#').next().unwrap_or(query);
        let mut issued = self.issued.lock().unwrap_or_else(|p| p.into_inner());
        let params = query.split('&').filter_map(|kv| kv.split_once('=').map(|(_, v)| v));
        for v in std::iter::once(query).chain(params.filter(|v| v.len() >= 16)) {
            if !issued.iter().any(|i| i == v) {
                issued.push(v.to_string());
            }
        }
        issued.sort_by_key(|v| std::cmp::Reverse(v.len()));
    }

    /// These secrets and `value` (marked `[key]` unless a configured variable holds it).
    pub fn with(mut self, value: &str) -> Secrets {
        let value = value.trim();
        if value.len() >= MIN_LEN && !self.values.iter().any(|(_, v)| v == value) {
            self.values.push(("[key]".into(), value.to_string()));
            self.values.sort_by_key(|(_, v)| std::cmp::Reverse(v.len()));
        }
        self
    }

    /// `text` with every secret replaced by its marker. A configured value found inside a
    /// long run of base64 (an image in a JSON answer) is left there: a short key occurs in a
    /// megabyte of base64 by chance, and cutting it out would damage the image.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (marker, value) in &self.values {
            if out.contains(value.as_str()) {
                out = replace_outside_base64(&out, value, marker);
            }
        }
        for value in self.issued.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            if out.contains(value.as_str()) {
                out = out.replace(value.as_str(), SIGNED);
            }
        }
        out
    }

    /// An answer's body with every secret replaced by its marker. Text is redacted as it
    /// stands; a JSON text that may hide a secret behind escapes (`\u0070b_…`) is also
    /// redacted string by string. Binary bodies (images) are left alone.
    pub fn redact_body(&self, body: &mut Vec<u8>) {
        if self.values.is_empty() {
            return;
        }
        let Ok(text) = std::str::from_utf8(body) else { return };
        let mut redacted = self.redact(text);
        if redacted.contains('\\') {
            if let Ok(mut v) = serde_json::from_str::<serde_json::Value>(&redacted) {
                if self.redact_json(&mut v) {
                    redacted = v.to_string();
                }
            }
        }
        if redacted != text {
            *body = redacted.into_bytes();
        }
    }

    /// Redacts every string (and object key) of `v`; true if anything changed.
    fn redact_json(&self, v: &mut serde_json::Value) -> bool {
        use serde_json::Value;
        match v {
            Value::String(s) => {
                let r = self.redact(s);
                let changed = r != *s;
                *s = r;
                changed
            }
            Value::Array(items) => items.iter_mut().fold(false, |c, i| self.redact_json(i) | c),
            Value::Object(map) => {
                let old = std::mem::take(map);
                let mut changed = false;
                for (k, mut item) in old {
                    changed |= self.redact_json(&mut item);
                    let key = self.redact(&k);
                    changed |= key != k;
                    map.insert(key, item);
                }
                changed
            }
            _ => false,
        }
    }

    /// `text` with every marker replaced by its secret again: only for the URL of a request
    /// that goes to the service the secrets are sent to anyway.
    pub fn reveal(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (marker, value) in &self.values {
            if out.contains(marker.as_str()) {
                out = out.replace(marker.as_str(), value);
            }
        }
        out
    }
}

/// Runs of base64 at least this long are data, not text a key could be echoed in.
const BASE64_RUN: usize = 256;

/// `text` with `value` replaced by `marker`, except where it lies inside a run of at least
/// [`BASE64_RUN`] base64 characters.
fn replace_outside_base64(text: &str, value: &str, marker: &str) -> String {
    let b64 = |c: &u8| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=' | b'-' | b'_');
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (at, _) in text.match_indices(value) {
        if at < last {
            continue;
        }
        let end = at + value.len();
        let before = bytes[..at].iter().rev().take_while(|c| b64(c)).count();
        let after = bytes[end..].iter().take_while(|c| b64(c)).count();
        if value.bytes().all(|c| b64(&c)) && before + value.len() + after >= BASE64_RUN {
            continue;
        }
        out.push_str(&text[last..at]);
        out.push_str(marker);
        last = end;
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets() -> Secrets {
        let env = |n: &str| match n {
            "PB" => Some("pb_live_7f3a9c0e".to_string()),
            "AFE" => Some(" sk-team-51b2e8d4 ".to_string()),
            "SHORT" => Some("ab".to_string()),
            _ => None,
        };
        Secrets::new(["PB", "AFE", "SHORT", "UNSET"], &env)
    }

    #[test]
    fn every_configured_secret_is_cut_out_and_put_back_only_by_reveal() {
        let s = secrets();
        let text = "task pb_live_7f3a9c0e-12 for sk-team-51b2e8d4, about ab";
        let r = s.redact(text);
        assert_eq!(r, "task [$PB]-12 for [$AFE], about ab");
        assert_eq!(s.reveal(&r), text);
    }

    #[test]
    fn issued_signed_urls_are_cut_out_by_every_clone_and_never_put_back() {
        let s = secrets();
        let clone = s.clone();
        let url = "http://127.0.0.1:3900/b/p/o?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=GK31c2%2F20261203%2Fgarage&X-Amz-Signature=0123456789abcdef0123456789abcdef";
        s.issue(url);
        let r = clone.redact(&format!("cannot fetch {url} (403)"));
        assert_eq!(r, "cannot fetch http://127.0.0.1:3900/b/p/o?[signed] (403)");
        // The signature alone, echoed without the rest of the URL.
        assert_eq!(s.redact("sig 0123456789abcdef0123456789abcdef"), "sig [signed]");
        assert_eq!(s.reveal(&r), r);
        let mut body = format!("{{\"error\": \"{}\"}}", url.replace('&', "\\u0026")).into_bytes();
        s.redact_body(&mut body);
        assert!(!String::from_utf8_lossy(&body).contains("0123456789abcdef0123"), "{}", String::from_utf8_lossy(&body));
    }

    #[test]
    fn bodies_are_redacted_through_json_escapes_and_images_are_left_alone() {
        let s = secrets();
        let mut body = br#"{"task_id": "pb_live_7f3a9c0e", "stage": "\u0070b_live_7f3a9c0e\n"}"#.to_vec();
        s.redact_body(&mut body);
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["task_id"], "[$PB]");
        assert_eq!(v["stage"], "[$PB]\n");
        // A short key inside an image's base64 is there by chance: cutting it would break
        // the image. Beside the base64, it is still cut out.
        let short = Secrets::new(["K"], &|_| Some("QUJD".to_string()));
        let image = format!("{}QUJD{}", "A".repeat(300), "B".repeat(300));
        let mut body = format!(r#"{{"image_base64": "{image}", "error": "bad key QUJD"}}"#).into_bytes();
        short.redact_body(&mut body);
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["image_base64"], image.as_str());
        assert_eq!(v["error"], "bad key [$K]");
        let png = b"\x89PNG\r\n\x1a\npb_live_7f3a9c0e".to_vec();
        let mut body = png.clone();
        s.redact_body(&mut body);
        assert_eq!(body, png);
    }
}
