//! Makes svg2pdf's PDFs byte-for-byte reproducible: canonical object numbers and order.
//!
//! svg2pdf 0.13 keeps fonts and page resources in `HashMap`s, so with two fonts (regular
//! and bold) or several graphics states the same tree gives PDFs whose objects are numbered
//! and listed in a different order from run to run, and whose resource dictionaries list
//! their entries in a different order. This module rewrites the file: resource entries
//! sorted, objects renumbered in the order a walk from the trailer meets them, and the
//! cross-reference table rebuilt. Identical graphics states (one per semi-transparent
//! shape) are merged into one object. Stream data is copied untouched.
//!
//! It understands exactly the layout pdf-writer produces (`N 0 obj` … `endobj`, direct
//! `/Length`, one classic xref table); on anything else it returns `None` and the caller
//! keeps the original bytes.

use std::collections::HashMap;
use std::fmt::Write as _;

struct Obj {
    /// Object text before any stream (the dictionary or other value).
    head: Vec<u8>,
    /// Raw stream bytes.
    stream: Option<Vec<u8>>,
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|i| i + from)
}

/// Parses `"<digits> 0 obj\n"` at `p`; returns the id and the position after it.
fn obj_start(pdf: &[u8], p: usize) -> Option<(u32, usize)> {
    let digits = pdf[p..].iter().take_while(|b| b.is_ascii_digit()).count();
    let id: u32 = std::str::from_utf8(&pdf[p..p + digits]).ok()?.parse().ok()?;
    let rest = p + digits;
    pdf[rest..].starts_with(b" 0 obj\n").then_some((id, rest + 7))
}

/// References `N 0 R` in object text, in order, with their byte ranges.
fn refs(text: &[u8]) -> Vec<(usize, usize, u32)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        if text[i].is_ascii_digit() && (i == 0 || !text[i - 1].is_ascii_alphanumeric() && text[i - 1] != b'.') {
            let n = text[i..].iter().take_while(|b| b.is_ascii_digit()).count();
            let end = i + n;
            if text[end..].starts_with(b" 0 R") && text.get(end + 4).is_none_or(|b| !b.is_ascii_alphanumeric()) {
                if let Some(id) = std::str::from_utf8(&text[i..end]).ok().and_then(|s| s.parse().ok()) {
                    out.push((i, end + 4, id));
                }
                i = end + 4;
                continue;
            }
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

/// Sorts runs of consecutive lines of the form `<indent>/Name N 0 R` that share an indent
/// (the entries of resource dictionaries, whose order svg2pdf does not fix).
fn sort_resource_lines(head: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(head);
    let simple = |l: &str| {
        let t = l.trim_start();
        t.starts_with('/') && t.ends_with(" 0 R") && t.split(' ').count() == 4 && l.len() > t.len()
    };
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out: Vec<&str> = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let indent = lines[i].len() - lines[i].trim_start().len();
        let mut j = i;
        while j < lines.len() && simple(lines[j]) && lines[j].len() - lines[j].trim_start().len() == indent {
            j += 1;
        }
        if j > i + 1 {
            let mut run = lines[i..j].to_vec();
            run.sort_unstable();
            out.extend(run);
            i = j;
        } else {
            out.push(lines[i]);
            i += 1;
        }
    }
    out.join("\n").into_bytes()
}

pub fn canonicalize(pdf: &[u8]) -> Option<Vec<u8>> {
    // header: everything before the first object
    let mut p = (0..pdf.len()).find(|&i| (i == 0 || pdf[i - 1] == b'\n') && obj_start(pdf, i).is_some())?;
    let header = &pdf[..p];
    let mut objs: HashMap<u32, Obj> = HashMap::new();
    let mut order: Vec<u32> = Vec::new();
    while let Some((id, body)) = obj_start(pdf, p) {
        let end_obj = find(pdf, b"\nendobj\n", body)?;
        // a stream's data may contain "endobj": look for "stream" only before that point,
        // then find the real end after the data
        let stream_at = find(&pdf[..end_obj + 1], b"\nstream\n", body);
        let (obj, next) = match stream_at {
            None => (Obj { head: pdf[body..end_obj].to_vec(), stream: None }, end_obj + 8),
            Some(s) => {
                let head = &pdf[body..s];
                let l = find(head, b"/Length ", 0)? + 8;
                let digits = head[l..].iter().take_while(|b| b.is_ascii_digit()).count();
                if head[l + digits..].starts_with(b" 0 R") {
                    return None;
                }
                let len: usize = std::str::from_utf8(&head[l..l + digits]).ok()?.parse().ok()?;
                let data = s + 8;
                let tail = data + len;
                if !pdf.get(tail..)?.starts_with(b"\nendstream\nendobj\n") {
                    return None;
                }
                (Obj { head: head.to_vec(), stream: Some(pdf[data..tail].to_vec()) }, tail + 18)
            }
        };
        if objs.insert(id, obj).is_some() {
            return None;
        }
        order.push(id);
        p = next;
        while pdf.get(p).is_some_and(|b| b.is_ascii_whitespace()) {
            p += 1;
        }
    }
    if !pdf[p..].starts_with(b"xref\n") {
        return None;
    }
    let t = find(pdf, b"trailer\n", p)? + 8;
    let trailer = &pdf[t..find(pdf, b"\nstartxref", t)?];

    // canonical text, then numbering in order of first reference from the trailer
    for o in objs.values_mut() {
        o.head = sort_resource_lines(&o.head);
    }
    let mut new_id: HashMap<u32, u32> = HashMap::new();
    let mut queue: Vec<u32> = refs(trailer).into_iter().map(|r| r.2).collect();
    let mut walk: Vec<u32> = Vec::new();
    // svg2pdf writes one graphics state per semi-transparent shape: identical ones are
    // merged (thousands of scatter points otherwise cost ~90 bytes each)
    let mut states: HashMap<Vec<u8>, u32> = HashMap::new();
    let mut k = 0;
    while k < queue.len() {
        let id = queue[k];
        k += 1;
        if new_id.contains_key(&id) || !objs.contains_key(&id) {
            continue;
        }
        let o = &objs[&id];
        if o.stream.is_none() && find(&o.head, b"/Type /ExtGState\n", 0).is_some() && refs(&o.head).is_empty() {
            if let Some(&same) = states.get(&o.head) {
                new_id.insert(id, same);
                continue;
            }
            states.insert(o.head.clone(), walk.len() as u32 + 1);
        }
        new_id.insert(id, walk.len() as u32 + 1);
        walk.push(id);
        queue.extend(refs(&o.head).into_iter().map(|r| r.2));
    }
    // objects nothing refers to keep their relative order at the end
    for id in order {
        if let std::collections::hash_map::Entry::Vacant(e) = new_id.entry(id) {
            e.insert(walk.len() as u32 + 1);
            walk.push(id);
        }
    }
    let renumber = |text: &[u8]| -> Option<Vec<u8>> {
        let mut out = Vec::with_capacity(text.len());
        let mut last = 0;
        for (a, b, id) in refs(text) {
            out.extend_from_slice(&text[last..a]);
            write!(LossyBytes(&mut out), "{} 0 R", new_id.get(&id)?).ok()?;
            last = b;
        }
        out.extend_from_slice(&text[last..]);
        Some(out)
    };

    let mut out = Vec::with_capacity(pdf.len());
    out.extend_from_slice(header);
    let mut offsets = Vec::with_capacity(walk.len());
    for (n, id) in walk.iter().enumerate() {
        let o = &objs[id];
        offsets.push(out.len());
        writeln!(LossyBytes(&mut out), "{} 0 obj", n + 1).ok()?;
        out.extend(renumber(&o.head)?);
        if let Some(s) = &o.stream {
            out.extend_from_slice(b"\nstream\n");
            out.extend_from_slice(s);
            out.extend_from_slice(b"\nendstream");
        }
        out.extend_from_slice(b"\nendobj\n\n");
    }
    let xref = out.len();
    let mut table = format!("xref\n0 {}\n0000000000 65535 f\r\n", walk.len() + 1);
    for off in offsets {
        let _ = write!(table, "{off:010} 00000 n\r\n");
    }
    out.extend_from_slice(table.as_bytes());
    out.extend_from_slice(b"trailer\n");
    let trailer = renumber(trailer)?;
    // the trailer's /Size counts the objects plus the free entry 0
    let trailer = String::from_utf8(trailer).ok()?;
    let trailer: String =
        trailer
            .split('\n')
            .map(|l| {
                if l.trim_start().starts_with("/Size ") { format!("  /Size {}", walk.len() + 1) } else { l.to_string() }
            })
            .collect::<Vec<_>>()
            .join("\n");
    out.extend_from_slice(trailer.as_bytes());
    let _ = write!(LossyBytes(&mut out), "\nstartxref\n{xref}\n%%EOF");
    Some(out)
}

/// `fmt::Write` into a byte vector.
struct LossyBytes<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for LossyBytes<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pdf(objects: &[(u32, &str)], root: u32) -> Vec<u8> {
        let mut out = b"%PDF-1.7\n%\x80\x80\x80\x80\n\n".to_vec();
        let mut offs = Vec::new();
        for (id, body) in objects {
            offs.push((*id, out.len()));
            out.extend_from_slice(format!("{id} 0 obj\n{body}\nendobj\n\n").as_bytes());
        }
        let x = out.len();
        offs.sort();
        out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f\r\n", offs.len() + 1).as_bytes());
        for (_, o) in offs {
            out.extend_from_slice(format!("{o:010} 00000 n\r\n").as_bytes());
        }
        out.extend_from_slice(
            format!("trailer\n<<\n  /Size {}\n  /Root {root} 0 R\n>>\nstartxref\n{x}\n%%EOF", objects.len() + 1)
                .as_bytes(),
        );
        out
    }

    #[test]
    fn same_document_in_two_orders_becomes_identical() {
        let a = pdf(
            &[
                (1, "<<\n  /Type /Catalog\n  /R <<\n    /gs0 3 0 R\n    /gs1 2 0 R\n  >>\n>>"),
                (2, "<<\n  /ca 0.5\n>>"),
                (3, "<<\n  /ca 0.2\n>>"),
            ],
            1,
        );
        let b = pdf(
            &[
                (3, "<<\n  /ca 0.5\n>>"),
                (1, "<<\n  /Type /Catalog\n  /R <<\n    /gs1 3 0 R\n    /gs0 2 0 R\n  >>\n>>"),
                (2, "<<\n  /ca 0.2\n>>"),
            ],
            1,
        );
        let (ca, cb) = (canonicalize(&a).unwrap(), canonicalize(&b).unwrap());
        assert_eq!(String::from_utf8_lossy(&ca), String::from_utf8_lossy(&cb));
        // offsets in the xref table point at the objects
        let text = String::from_utf8_lossy(&ca).to_string();
        let xref = text.split("0000000000 65535 f\r\n").nth(1).unwrap();
        for (n, line) in xref.lines().take(3).enumerate() {
            let off: usize = line[..10].parse().unwrap();
            assert!(ca[off..].starts_with(format!("{} 0 obj\n", n + 1).as_bytes()), "{line}");
        }
        assert!(text.ends_with(&format!("startxref\n{}\n%%EOF", find(&ca, b"xref\n", 0).unwrap())));
    }

    #[test]
    fn identical_graphics_states_are_merged() {
        let a = pdf(
            &[
                (1, "<<\n  /R <<\n    /gs0 2 0 R\n    /gs1 3 0 R\n  >>\n>>"),
                (2, "<<\n  /Type /ExtGState\n  /ca 0.5\n>>"),
                (3, "<<\n  /Type /ExtGState\n  /ca 0.5\n>>"),
            ],
            1,
        );
        let c = String::from_utf8_lossy(&canonicalize(&a).unwrap()).to_string();
        assert!(c.contains("/gs0 2 0 R\n    /gs1 2 0 R"), "{c}");
        assert!(!c.contains("3 0 obj") && c.contains("/Size 3"), "{c}");
    }

    #[test]
    fn unknown_layouts_are_left_alone() {
        assert!(canonicalize(b"%PDF-1.4\nnot really").is_none());
        let mut a = pdf(&[(1, "<<\n  /Length 2 0 R\n>>")], 1);
        a.truncate(a.len() - 10);
        assert!(canonicalize(&a).is_none());
    }
}
