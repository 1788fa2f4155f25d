//! Figures replaced in a finished PDF without TeX: an incremental update (PDF 32000-1
//! §7.5.6) appended to the PDF as the engine wrote it, redefining the Form XObjects that
//! xdvipdfmx made from the figures' pages. The page contents that draw them, and so the
//! layout, stay as they are; the figure's box must not have changed.
//!
//! A figure is found in the engine's PDF by its drawing: xdvipdfmx copies a PDF figure's
//! page contents into a Form XObject unchanged, so a Form whose decoded contents equal the
//! figure page's is that figure. Everything read here was written by tectonic, but it is
//! parsed defensively all the same: `None` (the normal path, TeX) on anything unexpected.

use std::panic::{AssertUnwindSafe, catch_unwind};

use hayro_syntax::Pdf;
use hayro_syntax::object::{Object, ObjectIdentifier, Rect, Stream};
use hayro_write::{ExtractionQuery, pdf_writer};
use pdf_writer::{Chunk, Ref};

use crate::digest::Digest;

/// What an update needs to know of the engine's PDF: its last cross-reference section.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Trailer {
    /// Where the last cross-reference section starts.
    pub startxref: u64,
    /// One more than the highest object number.
    pub size: u32,
    /// `/Root`, `/Info` and `/ID` as written (`"1 0 R"`, `"[<…> <…>]"`).
    pub root: String,
    pub info: Option<String>,
    pub id: Option<String>,
    /// Whether that section is a cross-reference stream (PDF 1.5) rather than a table.
    pub stream: bool,
}

/// A Form XObject of the engine's PDF.
#[derive(Clone, Debug, PartialEq)]
pub struct Form {
    pub object: u32,
    pub bbox: [f64; 4],
    /// The digest of its decoded contents.
    pub content: Digest,
}

/// A one-page figure PDF as xdvipdfmx would place it.
#[derive(Clone, Debug, PartialEq)]
pub struct FigurePage {
    pub bbox: [f64; 4],
    pub content: Digest,
}

/// Why an update could not be made (then TeX runs).
#[derive(Debug, thiserror::Error)]
pub enum PatchError {
    #[error("a figure is not a one-page PDF")]
    Figure,
    #[error("the updated PDF does not read back as written")]
    Verify,
    #[error("the PDF is larger than 4 GiB")]
    TooLarge,
}

fn open(bytes: &[u8]) -> Option<Pdf> {
    let data = bytes.to_vec();
    catch_unwind(AssertUnwindSafe(|| Pdf::new(data).ok())).ok().flatten()
}

fn rect(r: Rect) -> [f64; 4] {
    [r.x0, r.y0, r.x1, r.y1]
}

/// Whether two boxes are the same to a hundredth of a point.
pub fn same_box(a: [f64; 4], b: [f64; 4]) -> bool {
    a.iter().zip(b).all(|(x, y)| (x - y).abs() < 0.01)
}

/// The page of a one-page PDF, unrotated, its crop box its media box; `None` otherwise.
pub fn figure_page(bytes: &[u8]) -> Option<FigurePage> {
    let pdf = open(bytes)?;
    catch_unwind(AssertUnwindSafe(|| {
        let pages = pdf.pages();
        let [page] = pages.as_ref() else { return None };
        let unrotated = matches!(page.rotation(), hayro_syntax::page::Rotation::None);
        let (media, crop) = (rect(page.media_box()), rect(page.crop_box()));
        if !unrotated || !same_box(media, crop) {
            return None;
        }
        Some(FigurePage { bbox: crop, content: Digest::of(page.page_stream()?) })
    }))
    .ok()
    .flatten()
}

/// Every Form XObject of `bytes` (generation 0), with its box and contents' digest.
pub fn forms(bytes: &[u8]) -> Option<Vec<Form>> {
    let pdf = open(bytes)?;
    catch_unwind(AssertUnwindSafe(|| {
        let mut forms = Vec::new();
        for object in pdf.objects() {
            let Object::Stream(stream) = object else { continue };
            let dict = stream.dict();
            let is_form = dict.get::<hayro_syntax::object::Name>(b"Subtype").is_some_and(|n| n.as_ref() == b"Form");
            let id = stream.obj_id();
            if !is_form || id.gen_number != 0 || id.obj_number == 0 {
                continue;
            }
            let (Some(bbox), Ok(content)) = (dict.get::<Rect>(b"BBox"), stream.decoded()) else { continue };
            forms.push(Form { object: id.obj_number, bbox: rect(bbox), content: Digest::of(&content) });
        }
        forms
    }))
    .ok()
}

/// The last cross-reference section of `bytes`; `None` for an encrypted PDF or one this
/// reader does not follow.
pub fn trailer(bytes: &[u8]) -> Option<Trailer> {
    let tail_start = bytes.len().saturating_sub(1024);
    let tail = &bytes[tail_start..];
    let at = tail_start + find_last(tail, b"startxref")?;
    let startxref: u64 = first_token(&bytes[at + b"startxref".len()..])?.parse().ok()?;
    let section = bytes.get(usize::try_from(startxref).ok()?..)?;
    let (dict, stream) = if section.starts_with(b"xref") {
        let t = find(section, b"trailer")?;
        (dict_text(&section[t..])?, false)
    } else {
        let obj = find(&section[..section.len().min(64)], b"obj")?;
        (dict_text(&section[obj..])?, true)
    };
    if find(dict, b"/Encrypt").is_some() {
        return None;
    }
    let size = value(dict, b"/Size")?.parse().ok()?;
    let reference = |key: &[u8]| {
        let v = value_tokens(dict, key, 3)?;
        (v.len() == 3 && v[2] == "R").then(|| v.join(" "))
    };
    let id = find(dict, b"/ID").and_then(|i| {
        let rest = &dict[i..];
        let (open, close) = (find(rest, b"[")?, find(rest, b"]")?);
        (open < close).then(|| String::from_utf8_lossy(&rest[open..=close]).into_owned())
    });
    Some(Trailer { startxref, size, root: reference(b"/Root")?, info: reference(b"/Info"), id, stream })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn find_last(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

fn first_token(bytes: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(&bytes[..bytes.len().min(32)]).ok()?;
    text.split_ascii_whitespace().next().map(str::to_string)
}

/// The text of the dictionary that starts at the first `<<` of `bytes`.
fn dict_text(bytes: &[u8]) -> Option<&[u8]> {
    let start = find(bytes, b"<<")?;
    let mut depth = 0usize;
    let mut i = start;
    while i + 1 < bytes.len() {
        match &bytes[i..i + 2] {
            b"<<" => {
                depth += 1;
                i += 2;
            }
            b">>" => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return Some(&bytes[start..i]);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// The `n` tokens after `key` (a name followed by a delimiter, so `/Info` is not `/InfoX`).
fn value_tokens(dict: &[u8], key: &[u8], n: usize) -> Option<Vec<String>> {
    let mut from = 0;
    while let Some(i) = find(&dict[from..], key) {
        let after = from + i + key.len();
        let delimited = dict.get(after).is_none_or(|c| c.is_ascii_whitespace() || b"/[<(".contains(c));
        if delimited {
            let text = std::str::from_utf8(&dict[after..]).ok()?;
            let tokens: Vec<String> = text
                .split(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>')
                .filter(|t| !t.is_empty())
                .take(n)
                .map(str::to_string)
                .collect();
            return Some(tokens);
        }
        from = after;
    }
    None
}

fn value(dict: &[u8], key: &[u8]) -> Option<String> {
    value_tokens(dict, key, 1)?.into_iter().next()
}

/// `base` (the engine's PDF, whose last section `trailer` describes) with each
/// `(object, figure PDF)` Form XObject redefined as that figure's page.
pub fn update(base: &[u8], trailer: &Trailer, figures: &[(u32, &[u8])]) -> Result<Vec<u8>, PatchError> {
    let next = std::cell::Cell::new(i32::try_from(trailer.size).map_err(|_| PatchError::TooLarge)?);
    let mut objects = Chunk::new();
    for &(object, bytes) in figures {
        let pdf = open(bytes).ok_or(PatchError::Figure)?;
        let alloc = || {
            let r = Ref::new(next.get());
            next.set(next.get() + 1);
            r
        };
        let extracted = catch_unwind(AssertUnwindSafe(|| {
            hayro_write::extract(&pdf, Box::new(alloc), Default::default(), &[ExtractionQuery::new_xobject(0)])
        }));
        let Ok(Ok(result)) = extracted else { return Err(PatchError::Figure) };
        let Some(Ok(root)) = result.root_refs.first().copied() else { return Err(PatchError::Figure) };
        let target = Ref::new(i32::try_from(object).map_err(|_| PatchError::TooLarge)?);
        objects.extend(&result.chunk.renumber(|r| if r == root { target } else { r }));
    }
    let (mut body, mut offsets) = serialized(objects);
    for &(object, _) in figures {
        without_group(&mut body, &mut offsets, object);
    }
    let mut out = base.to_vec();
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    let shift = out.len();
    out.extend_from_slice(&body);
    let mut entries: Vec<(u32, u64)> = offsets.into_iter().map(|(n, off)| (n, (shift + off) as u64)).collect();
    let xref_object = u32::try_from(next.get()).map_err(|_| PatchError::TooLarge)?;
    let size = xref_object + 1;
    let xref_at = out.len() as u64;
    let mut fields = vec![format!("/Size {size}"), format!("/Root {}", trailer.root)];
    fields.extend(trailer.info.iter().map(|i| format!("/Info {i}")));
    fields.extend(trailer.id.iter().map(|i| format!("/ID {i}")));
    fields.push(format!("/Prev {}", trailer.startxref));
    if trailer.stream {
        entries.push((xref_object, xref_at));
        entries.sort_unstable();
        let mut data = Vec::with_capacity(entries.len() * 7);
        for &(_, off) in &entries {
            let off = u32::try_from(off).map_err(|_| PatchError::TooLarge)?;
            data.push(1u8);
            data.extend_from_slice(&off.to_be_bytes());
            data.extend_from_slice(&[0, 0]);
        }
        let index: Vec<String> = runs(&entries).iter().map(|(s, n)| format!("{s} {n}")).collect();
        fields.extend(["/Type /XRef".to_string(), "/W [1 4 2]".into(), format!("/Index [{}]", index.join(" "))]);
        fields.push(format!("/Length {}", data.len()));
        out.extend_from_slice(format!("{xref_object} 0 obj\n<< {} >>\nstream\n", fields.join(" ")).as_bytes());
        out.extend_from_slice(&data);
        out.extend_from_slice(b"\nendstream\nendobj\n");
    } else {
        entries.sort_unstable();
        out.extend_from_slice(b"xref\n");
        let mut i = 0;
        for (start, n) in runs(&entries) {
            out.extend_from_slice(format!("{start} {n}\n").as_bytes());
            for &(_, off) in &entries[i..i + n as usize] {
                out.extend_from_slice(format!("{off:010} 00000 n\r\n").as_bytes());
            }
            i += n as usize;
        }
        out.extend_from_slice(format!("trailer\n<< {} >>\n", fields.join(" ")).as_bytes());
    }
    out.extend_from_slice(format!("startxref\n{xref_at}\n%%EOF\n").as_bytes());
    verify(&out, figures)?;
    Ok(out)
}

/// Consecutive object numbers as `(first, count)`.
fn runs(entries: &[(u32, u64)]) -> Vec<(u32, u32)> {
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for &(n, _) in entries {
        match runs.last_mut() {
            Some((start, count)) if *start + *count == n => *count += 1,
            _ => runs.push((n, 1)),
        }
    }
    runs
}

/// The objects of `chunk` as bytes, and where each starts in them (pdf-writer's own
/// cross-reference table says where).
fn serialized(chunk: Chunk) -> (Vec<u8>, Vec<(u32, usize)>) {
    let mut pdf = pdf_writer::Pdf::new();
    pdf.extend(&chunk);
    let bytes = pdf.finish();
    let Some(xref) = find_last(&bytes, b"\nxref\n") else { return (Vec::new(), Vec::new()) };
    let table = String::from_utf8_lossy(&bytes[xref + 6..]);
    let mut lines = table.lines();
    let mut offsets = Vec::new();
    if let Some(first) = lines.next().and_then(|l| l.split_whitespace().next()?.parse::<u32>().ok()) {
        for (i, line) in lines.enumerate() {
            let parts: Vec<&str> = line.split_whitespace().collect();
            match parts.as_slice() {
                [off, _, "n"] => offsets.extend(off.parse::<usize>().ok().map(|o| (first + i as u32, o))),
                [_, _, "f"] => {}
                _ => break,
            }
        }
    }
    let start = offsets.iter().map(|&(_, o)| o).min().unwrap_or(xref);
    let body = bytes[start..=xref].to_vec();
    (body, offsets.into_iter().map(|(n, o)| (n, o - start)).collect())
}

/// Drops the `/Group` entry from the dictionary of Form `object` in `body`: xdvipdfmx
/// does not copy a page's transparency group into the Form it makes, and a group changes
/// how the figure's colours are blended (the update must draw what TeX's PDF would).
fn without_group(body: &mut Vec<u8>, offsets: &mut [(u32, usize)], object: u32) {
    let Some(&(_, start)) = offsets.iter().find(|(n, _)| *n == object) else { return };
    let Some(dict_end) = find(&body[start..], b"stream").map(|i| start + i) else { return };
    let Some(key) = find(&body[start..dict_end], b"/Group").map(|i| start + i) else { return };
    let Some(value) = dict_text(&body[key..dict_end]) else { return };
    let value_start = key + find(&body[key..dict_end], b"<<").unwrap_or(0);
    let end = value_start + value.len();
    let removed = end - key;
    body.drain(key..end);
    for (_, off) in offsets.iter_mut() {
        if *off > key {
            *off -= removed;
        }
    }
}

/// Whether `out` reads back with each redefined object drawing its figure.
fn verify(out: &[u8], figures: &[(u32, &[u8])]) -> Result<(), PatchError> {
    let pdf = open(out).ok_or(PatchError::Verify)?;
    let ok = catch_unwind(AssertUnwindSafe(|| {
        figures.iter().all(|&(object, bytes)| {
            let want = figure_page(bytes).map(|p| p.content);
            let id = ObjectIdentifier { obj_number: object, gen_number: 0 };
            let got = pdf.xref().get::<Stream>(id).and_then(|s| s.decoded().ok().map(|c| Digest::of(&c)));
            want.is_some() && want == got
        })
    }));
    if ok.unwrap_or(false) { Ok(()) } else { Err(PatchError::Verify) }
}

#[cfg(test)]
#[path = "pdfpatch_tests.rs"]
mod tests;
