//! DOT `record` and `Mrecord` labels: fields separated by `|`, `{...}` turning a list of
//! fields a quarter (side by side ↔ stacked), `<name>` naming a field as a port that
//! edges can attach to (`node:name`). Parsed into a tree, measured, and cut into cells.
//!
//! As in Graphviz, the top-level fields stand side by side when ranks run down and are
//! stacked when ranks run right, so a record reads across the flow.

use std::ops::Range;

use super::lex::err;
use super::text::{LEADING, NODE_PT, text_box};
use crate::model::ProviderError;

/// Padding inside a field, in points.
const PAD: (f64, f64) = (4.0, 3.0);
/// Smallest field, in points (an empty field still shows).
const MIN_FIELD: f64 = 12.0;
/// Deepest nesting of `{}` in one label.
const MAX_DEPTH: usize = 16;

#[derive(Clone, Debug, PartialEq)]
pub enum Field {
    Text {
        port: Option<String>,
        text: String,
    },
    /// Fields across the parent's direction (the top level: across the ranks).
    List(Vec<Field>),
}

/// One drawn field: its box, text and port.
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    pub rect: (f64, f64, f64, f64),
    pub text: String,
    pub port: Option<String>,
}

/// Parses a record label; `span` (the label's place in the body) locates errors.
pub fn parse(label: &str, span: Range<usize>) -> Result<Field, ProviderError> {
    let chars: Vec<char> = label.chars().collect();
    let mut pos = 0;
    let f = list(&chars, &mut pos, 0, &span)?;
    if pos < chars.len() {
        return Err(err(
            "unbalanced `}` in a record label",
            span,
            "every `}` closes a `{`; write `\\}` for the character",
        ));
    }
    Ok(f)
}

fn list(c: &[char], pos: &mut usize, depth: usize, span: &Range<usize>) -> Result<Field, ProviderError> {
    if depth > MAX_DEPTH {
        return Err(err(
            format!("record fields nested more than {MAX_DEPTH} deep"),
            span.clone(),
            "flatten the record",
        ));
    }
    let mut fields = Vec::new();
    let (mut text, mut port, mut in_port, mut sub) = (String::new(), None::<String>, false, None);
    loop {
        let ch = c.get(*pos).copied();
        match ch {
            None | Some('}') | Some('|') => {
                let f = match sub.take() {
                    Some(f) => f,
                    None => Field::Text { port: port.take().filter(|p: &String| !p.is_empty()), text: tidy(&text) },
                };
                fields.push(f);
                text.clear();
                if in_port {
                    return Err(err("a record port `<...` is never closed", span.clone(), "close it with `>`"));
                }
                if ch != Some('|') {
                    return Ok(Field::List(fields));
                }
                *pos += 1;
            }
            Some('{') => {
                *pos += 1;
                let f = list(c, pos, depth + 1, span)?;
                if c.get(*pos) != Some(&'}') {
                    return Err(err("a `{` in a record label is never closed", span.clone(), "close it with `}`"));
                }
                *pos += 1;
                sub = Some(f);
            }
            Some('<') if !in_port => {
                in_port = true;
                port = Some(String::new());
                *pos += 1;
            }
            Some('>') if in_port => {
                in_port = false;
                *pos += 1;
            }
            Some('\\') if c.get(*pos + 1).is_some_and(|n| "{}|<> ".contains(*n)) => {
                let n = c[*pos + 1];
                if in_port {
                    port.get_or_insert_with(String::new).push(n)
                } else {
                    text.push(n)
                }
                *pos += 2;
            }
            Some(ch) => {
                if in_port {
                    port.get_or_insert_with(String::new).push(ch)
                } else {
                    text.push(ch)
                }
                *pos += 1;
            }
        }
    }
}

/// Field text as shown: surrounding spaces of each line dropped.
fn tidy(s: &str) -> String {
    s.split('\n').map(str::trim).collect::<Vec<_>>().join("\n").trim_matches('\n').to_string()
}

/// Every port name, in order.
pub fn ports(f: &Field) -> Vec<String> {
    match f {
        Field::Text { port, .. } => port.iter().cloned().collect(),
        Field::List(fs) => fs.iter().flat_map(ports).collect(),
    }
}

/// Natural size (w, h) of a field whose list runs side by side when `across` is true.
pub fn size(f: &Field, across: bool) -> (f64, f64) {
    match f {
        Field::Text { text, .. } => {
            let (w, h) = if text.is_empty() { (0.0, NODE_PT * LEADING) } else { text_box(text, NODE_PT, false) };
            ((w + 2.0 * PAD.0).max(MIN_FIELD), (h + 2.0 * PAD.1).max(MIN_FIELD))
        }
        Field::List(fs) => {
            let sizes: Vec<(f64, f64)> = fs.iter().map(|x| size(x, !across)).collect();
            let (sum_w, sum_h) = sizes.iter().fold((0.0, 0.0), |(a, b), s| (a + s.0, b + s.1));
            let (max_w, max_h) = sizes.iter().fold((0.0f64, 0.0f64), |(a, b), s| (a.max(s.0), b.max(s.1)));
            if across { (sum_w, max_h) } else { (max_w, sum_h) }
        }
    }
}

/// The cells of a field drawn in `rect` (x, y, w, h), sub-lists stretched to fill it (the
/// spare room shared out evenly), and the separator lines between cells.
pub fn cells(f: &Field, rect: (f64, f64, f64, f64), across: bool) -> (Vec<Cell>, Vec<[f64; 4]>) {
    let mut out = (Vec::new(), Vec::new());
    layout(f, rect, across, &mut out);
    out
}

fn layout(f: &Field, (x, y, w, h): (f64, f64, f64, f64), across: bool, out: &mut (Vec<Cell>, Vec<[f64; 4]>)) {
    match f {
        Field::Text { port, text } => out.0.push(Cell { rect: (x, y, w, h), text: text.clone(), port: port.clone() }),
        Field::List(fs) => {
            let sizes: Vec<(f64, f64)> = fs.iter().map(|s| size(s, !across)).collect();
            let natural: f64 = sizes.iter().map(|s| if across { s.0 } else { s.1 }).sum();
            let spare = ((if across { w } else { h }) - natural).max(0.0) / fs.len().max(1) as f64;
            let mut at = if across { x } else { y };
            for (i, (sub, s)) in fs.iter().zip(&sizes).enumerate() {
                let len = if across { s.0 } else { s.1 } + spare;
                if i > 0 {
                    out.1.push(if across { [at, y, at, y + h] } else { [x, at, x + w, at] });
                }
                let r = if across { (at, y, len, h) } else { (x, at, w, len) };
                layout(sub, r, !across, out);
                at += len;
            }
        }
    }
}
