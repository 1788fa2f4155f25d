//! What a script did: each output validated by format, missing formats derived from its
//! SVG, and a failure explained (stderr tail, the script line at fault, undeclared inputs).

use std::collections::BTreeMap;
use std::path::Path;

use super::workdir::{INPUT, OUT_DIR, SCRIPT};
use crate::model::{Artifact, Format, ProviderError, Request};
use crate::render;

/// Checks that `bytes` are a file of format `f`; the reason if not.
pub(super) fn validate(f: Format, bytes: &[u8]) -> Result<(), String> {
    match f {
        Format::Svg => {
            let text = std::str::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_string())?;
            render::try_parse(text).map(|_| ()).map_err(|e| e.to_string())
        }
        Format::Pdf => {
            if !bytes.starts_with(b"%PDF-") {
                return Err("no %PDF- header".into());
            }
            let end = &bytes[bytes.len().saturating_sub(1024)..];
            if !end.windows(5).any(|w| w == b"%%EOF") {
                return Err("no %%EOF trailer (truncated?)".into());
            }
            Ok(())
        }
        Format::Png => {
            let mut reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().map_err(|e| e.to_string())?;
            let mut buf = vec![0; reader.output_buffer_size()];
            reader.next_frame(&mut buf).map(|_| ()).map_err(|e| e.to_string())
        }
    }
}

/// The requested formats from what the script wrote: its own files where it wrote them,
/// PDF and PNG derived from its SVG otherwise.
pub(super) fn derive(
    written: &BTreeMap<Format, Vec<u8>>,
    wanted: &[Format],
    png_dpi: f64,
) -> Result<Vec<Artifact>, ProviderError> {
    let mut tree = None;
    let mut out = Vec::new();
    for f in wanted {
        if let Some(b) = written.get(f) {
            out.push(Artifact { format: *f, bytes: b.clone() });
            continue;
        }
        let Some(svg) = written.get(&Format::Svg) else {
            let have: Vec<&str> = written.keys().map(|f| f.ext()).collect();
            return Err(ProviderError::new(format!(
                "this figure needs a {f} file, and the script writes only {}",
                have.join(", ")
            ))
            .at_attr("outputs")
            .hint(format!("add {f} (or svg, which paperfig converts) to outputs=, or drop {f} with formats=")));
        };
        if tree.is_none() {
            tree = Some(
                render::try_parse(std::str::from_utf8(svg).unwrap_or(""))
                    .map_err(|e| ProviderError::new(format!("the script's SVG does not parse: {e}")))?,
            );
        }
        let t = tree.as_ref().expect("parsed above");
        let bytes = match f {
            Format::Pdf => render::to_pdf(t)?,
            Format::Png => render::to_png(t, png_dpi)?,
            Format::Svg => unreachable!("svg was written"),
        };
        out.push(Artifact { format: *f, bytes });
    }
    Ok(out)
}

/// The last `n` lines of a stream.
pub(super) fn last_lines(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.trim_end().lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// The script's stderr as a block under an error message (empty if it printed nothing).
pub(super) fn stderr_block(stderr: &str) -> String {
    let tail = last_lines(stderr, 20);
    if tail.trim().is_empty() {
        String::new()
    } else {
        let body: Vec<String> = tail.lines().map(|l| format!("  | {l}")).collect();
        format!("; its stderr ends:\n{}", body.join("\n"))
    }
}

/// The line of the script an interpreter's error points at: the last mention of the script
/// file followed by a line number (`paperfig-script.py", line 7`, `paperfig-script.sh: 7:`,
/// `"paperfig-script.gp" line 7:`, R's `paperfig-script.R:7:`).
pub(super) fn script_line(stderr: &str, script_name: &str) -> Option<usize> {
    stderr
        .match_indices(script_name)
        .filter_map(|(i, _)| {
            let rest = stderr[i + script_name.len()..].trim_start_matches(['"', '\'', ',', ':', ' ', '#']);
            let rest = rest.strip_prefix("line").unwrap_or(rest).trim_start();
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok().filter(|n| *n > 0)
        })
        .last()
}

/// The byte range of line `n` (1-based) of `text`, without its newline.
pub(super) fn line_range(text: &str, n: usize) -> Option<std::ops::Range<usize>> {
    let mut start = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if i + 1 == n {
            let len = line.trim_end_matches(['\n', '\r']).len();
            return Some(start..start + len);
        }
        start += line.len();
    }
    None
}

/// A relative path named in an error about a missing file that is not in the working copy:
/// most likely an input the script reads but the directive does not declare.
pub(super) fn undeclared(stderr: &str, req: &Request, work: &Path) -> Option<String> {
    let lower = stderr.to_lowercase();
    if !["no such file", "cannot open", "can't open", "cannot find", "not found", "does not exist"]
        .iter()
        .any(|m| lower.contains(m))
    {
        return None;
    }
    stderr
        .split(|c: char| c.is_whitespace() || "'\"`,:;()[]<>".contains(c))
        .map(|t| t.trim_start_matches("./").trim_end_matches('.'))
        .filter(|t| {
            !t.is_empty()
                && !t.starts_with(['/', '-'])
                && (t.contains('/') || t.contains('.'))
                && t.chars().any(|c| c.is_alphabetic())
        })
        .filter(|t| !t.starts_with(SCRIPT) && !t.starts_with(OUT_DIR) && !t.contains("://"))
        .filter(|t| !req.files.contains_key(&format!("{INPUT}{t}")) && !work.join(t).exists())
        .find(|t| {
            Path::new(t)
                .extension()
                .is_some_and(|e| e.len() <= 5 && e.to_string_lossy().chars().all(|c| c.is_ascii_alphanumeric()))
        })
        .map(str::to_string)
}
