//! Where a Banana.dev run's image is in its `modelOutputs`, and what is accepted.
//!
//! Banana models return whatever JSON their authors chose, so paperfig accepts exactly this:
//!
//! - `modelOutputs` is an array of objects (or one object); they are searched in order.
//! - In an object, the field named by `output=FIELD`, else the first present of
//!   `IMAGE_FIELDS` (`image_base64`, `image`, `images`, `img`, `output`, `image_url`, `url`).
//! - Every object that has such a field gives its images, in order: the first image is the
//!   figure unless `figure=N` picks another, and the rest are kept beside it.
//! - The field holds a string or an array of strings (its first element a string). A string is an
//!   `http://`/`https://` URL (downloaded without the API key), a `data:image/…;base64,`
//!   URL, or plain base64 (standard or URL-safe alphabet, padding optional, whitespace
//!   ignored).
//! - The image must be a PNG, JPEG or WebP (the latter two become PNG, as every service's
//!   images do); anything else is an error naming what came back.

use base64::Engine;
use serde_json::Value;

/// Fields searched for an image, in order, when the directive names none.
pub const IMAGE_FIELDS: &[&str] = &["image_base64", "image", "images", "img", "output", "image_url", "url"];

/// An image found in `modelOutputs`.
#[derive(Debug, PartialEq)]
pub enum Found {
    /// Decoded bytes (from base64 or a data URL), not yet checked.
    Bytes(Vec<u8>),
    /// A URL to download.
    Url(String),
}

/// Finds the first image in a finished run's `modelOutputs`. The error says what was there instead.
#[cfg(test)]
pub fn find_image(outputs: &Value, field: Option<&str>) -> Result<Found, String> {
    find_images(outputs, field).map(|mut all| all.remove(0))
}

/// Finds every image in a finished run's `modelOutputs`, in order (never empty). The error
/// says what was there instead.
pub fn find_images(outputs: &Value, field: Option<&str>) -> Result<Vec<Found>, String> {
    let objects: Vec<&serde_json::Map<String, Value>> = match outputs {
        Value::Array(items) => items.iter().filter_map(Value::as_object).collect(),
        Value::Object(o) => vec![o],
        Value::Null => return Err("the run finished without modelOutputs".into()),
        other => return Err(format!("modelOutputs is {}, not a list of objects", kind_of(other))),
    };
    let wanted: Vec<&str> = match field {
        Some(f) => vec![f],
        None => IMAGE_FIELDS.to_vec(),
    };
    let mut found = Vec::new();
    for o in &objects {
        if let Some((name, v)) = wanted.iter().find_map(|name| o.get(*name).map(|v| (name, v))) {
            found.extend(image_values(v).map_err(|e| format!("modelOutputs field `{name}` {e}"))?);
        }
    }
    if !found.is_empty() {
        return Ok(found);
    }
    let mut seen: Vec<&str> = objects.iter().flat_map(|o| o.keys().map(String::as_str)).collect();
    seen.dedup();
    let seen = if seen.is_empty() { "no fields".to_string() } else { format!("fields {}", seen.join(", ")) };
    Err(match field {
        Some(f) => format!("modelOutputs has no field `{f}` (it has {seen})"),
        None => format!("modelOutputs has no image (it has {seen}; looked for {})", IMAGE_FIELDS.join(", ")),
    })
}

/// The images of one field: a string, or each string of a list.
fn image_values(v: &Value) -> Result<Vec<Found>, String> {
    match v {
        Value::String(s) => Ok(vec![image_value(s)?]),
        Value::Array(items) if matches!(items.first(), Some(Value::String(_))) => {
            items.iter().filter_map(Value::as_str).map(image_value).collect()
        }
        Value::Array(_) => Err("is a list without a string first".into()),
        other => Err(format!("is {}, not a string", kind_of(other))),
    }
}

fn image_value(s: &str) -> Result<Found, String> {
    let s = s.trim();
    if s.starts_with("https://") || s.starts_with("http://") {
        return Ok(Found::Url(s.to_string()));
    }
    let b64 = match s.strip_prefix("data:") {
        Some(rest) => {
            let (mime, data) = rest.split_once(',').ok_or("is a data URL without data")?;
            if !mime.ends_with(";base64") {
                return Err(format!("is a data URL of `{mime}`, not base64"));
            }
            data
        }
        None => s,
    };
    decode_base64(b64).map(Found::Bytes).ok_or_else(|| "is neither a URL nor base64".to_string())
}

/// Standard or URL-safe base64, padding optional, whitespace ignored.
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    let clean: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let clean = clean.trim_end_matches('=');
    if clean.is_empty() {
        return None;
    }
    STANDARD_NO_PAD.decode(clean).or_else(|_| URL_SAFE_NO_PAD.decode(clean)).ok()
}

/// Checks that bytes are an image paperfig takes (PNG, JPEG or WebP: the latter two become
/// PNG with the other services' images); the error names what they look like instead.
pub fn check_image(bytes: &[u8]) -> Result<(), String> {
    if super::super::image::is_known(bytes) {
        return Ok(());
    }
    let what = if bytes.starts_with(b"GIF8") {
        "a GIF image"
    } else if bytes.is_empty() {
        "empty"
    } else {
        "not an image paperfig knows"
    };
    Err(format!("the image is {what}; paperfig takes PNG, JPEG and WebP images from Banana models"))
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\nrest";

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    #[test]
    fn accepted_shapes() {
        let plain = json!([{ "image_base64": b64(PNG) }]);
        assert_eq!(find_image(&plain, None), Ok(Found::Bytes(PNG.to_vec())));
        let data_url = json!({ "image": format!("data:image/png;base64,{}", b64(PNG)) });
        assert_eq!(find_image(&data_url, None), Ok(Found::Bytes(PNG.to_vec())));
        let list = json!([{ "message": "hi" }, { "images": ["https://cdn.example/x.png"] }]);
        assert_eq!(find_image(&list, None), Ok(Found::Url("https://cdn.example/x.png".into())));
        let named = json!([{ "image": "not me", "result_png": b64(PNG).trim_end_matches('=') }]);
        assert_eq!(find_image(&named, Some("result_png")), Ok(Found::Bytes(PNG.to_vec())));
        let url_safe = json!([{ "img": base64::engine::general_purpose::URL_SAFE.encode([0xfb, 0xff, 0xfe]) }]);
        assert_eq!(find_image(&url_safe, None), Ok(Found::Bytes(vec![0xfb, 0xff, 0xfe])));
        let several = json!([{ "images": [b64(PNG), "https://cdn.example/2.png"] }, { "x": 1 }, { "image": b64(PNG) }]);
        let all = find_images(&several, None).unwrap();
        assert_eq!(all.len(), 3, "every image of every object, in order");
        assert_eq!(all[1], Found::Url("https://cdn.example/2.png".into()));
        assert_eq!(all[2], Found::Bytes(PNG.to_vec()));
    }

    #[test]
    fn rejected_shapes_say_what_was_there() {
        let text = json!([{ "message": "Quantum computing is..." }]);
        let e = find_image(&text, None).unwrap_err();
        assert!(e.contains("fields message") && e.contains("image_base64"), "{e}");
        let e = find_image(&json!([{ "image": 3 }]), None).unwrap_err();
        assert!(e.contains("`image` is a number"), "{e}");
        let e = find_image(&json!([{ "image": "%%%" }]), None).unwrap_err();
        assert!(e.contains("neither a URL nor base64"), "{e}");
        let e = find_image(&json!([{ "x": 1 }]), Some("png")).unwrap_err();
        assert!(e.contains("no field `png`"), "{e}");
        assert!(find_image(&Value::Null, None).unwrap_err().contains("without modelOutputs"));
        assert!(check_image(PNG).is_ok());
        assert!(check_image(b"\xff\xd8\xff\xe0").is_ok());
        assert!(check_image(b"GIF89a").unwrap_err().contains("a GIF image"));
    }
}
