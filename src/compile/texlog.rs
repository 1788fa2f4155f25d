//! TeX's messages and log turned into paperfig `Diagnostic`s that point into the user's
//! files: `file:line`, TeX's message, the context lines TeX printed, and a hint.
//!
//! Sources: the engine's error reports (XeTeX prefixes them with `file:line:`), the
//! `.log` for the warnings of [`warnings`] and BibTeX's `.blg`
//! (a bibliography file it could not open). Lines of the generated `.tex` of a Markdown
//! paper are mapped back to Markdown lines through a [`LineMap`].

use std::sync::Arc;

use super::engine::{EngineOutput, Kind};
use crate::diag::{Code, Diagnostic, Loc, SourceFile};

/// A TeX error as the engine reported it.
#[derive(Clone, Debug, PartialEq)]
pub struct TexError {
    pub file: Option<String>,
    pub line: Option<usize>,
    pub message: String,
    /// TeX's context lines (`l.12 \foo` and the rest of the line below it).
    pub context: Vec<String>,
}

/// Parses one engine error report: `paper.tex:12: Undefined control sequence.` plus
/// context lines; reports without a location start with `!`.
pub fn parse_error(text: &str) -> TexError {
    let lines = unwrap_lines(text);
    let first = lines.first().map(String::as_str).unwrap_or("");
    let (file, line, message) = match split_location(first) {
        Some((f, l, rest)) => (Some(f.to_string()), Some(l), rest.to_string()),
        None => (None, None, first.trim_start_matches('!').trim().to_string()),
    };
    let mut message = message;
    let mut rest = lines.iter().skip(1).peekable();
    // A message continues until an empty line or the context.
    while let Some(l) = rest.peek() {
        if l.trim().is_empty() || is_context_start(l) {
            break;
        }
        message.push(' ');
        message.push_str(l.trim());
        rest.next();
    }
    let context: Vec<String> =
        rest.filter(|l| !l.trim().is_empty()).map(|l| l.trim_end().to_string()).take(8).collect();
    TexError { file, line, message: message.trim().trim_end_matches('.').to_string(), context }
}

fn is_context_start(line: &str) -> bool {
    line.starts_with("l.") || line.starts_with('<') || line.starts_with("...")
}

/// `file:12: rest` → (file, 12, rest).
fn split_location(line: &str) -> Option<(&str, usize, &str)> {
    let mut from = 0;
    while let Some(i) = line[from..].find(": ") {
        let head = &line[..from + i];
        if let Some((file, num)) = head.rsplit_once(':') {
            if let Ok(n) = num.parse::<usize>() {
                if !file.is_empty() {
                    return Some((file, n, &line[from + i + 2..]));
                }
            }
        }
        from += i + 2;
    }
    None
}

/// Debian packages that provide common LaTeX packages and classes not in paperfig's
/// default TeX Live set.
const DEBIAN_PACKAGES: &[(&str, &str)] = &[
    ("siunitx.sty", "texlive-science"),
    ("algorithm2e.sty", "texlive-science"),
    ("algorithm.sty", "texlive-science"),
    ("algorithmic.sty", "texlive-science"),
    ("algpseudocode.sty", "texlive-science"),
    ("mhchem.sty", "texlive-science"),
    ("biblatex.sty", "texlive-bibtex-extra"),
    ("tikz.sty", "texlive-pictures"),
    ("pgfplots.sty", "texlive-pictures"),
    ("circuitikz.sty", "texlive-pictures"),
    ("chemfig.sty", "texlive-pictures"),
    ("IEEEtran.cls", "texlive-publishers"),
    ("acmart.cls", "texlive-publishers"),
    ("llncs.cls", "texlive-publishers"),
    ("elsarticle.cls", "texlive-publishers"),
    ("revtex4-2.cls", "texlive-publishers"),
    ("fontawesome5.sty", "texlive-fonts-extra"),
    ("libertine.sty", "texlive-fonts-extra"),
    ("newtxtext.sty", "texlive-fonts-extra"),
    ("inconsolata.sty", "texlive-fonts-extra"),
    ("minted.sty", "texlive-latex-extra"),
    ("ngerman.ldf", "texlive-lang-german"),
    ("french.ldf", "texlive-lang-french"),
    ("spanish.ldf", "texlive-lang-spanish"),
];

/// The Debian package that provides a LaTeX file, when known.
pub fn debian_package(file: &str) -> Option<&'static str> {
    DEBIAN_PACKAGES.iter().find(|(f, _)| *f == file).map(|(_, p)| *p)
}

/// "File `x.sty' not found" → `x.sty`.
fn missing_file(message: &str) -> Option<&str> {
    let rest = &message[message.find("File `")? + 6..];
    let name = &rest[..rest.find('\'')?];
    message[message.find("File `")?..].contains("not found").then_some(name)
}

/// Every problem the run shows, most important first.
pub fn diagnose(out: &EngineOutput, map: &LineMap) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let errors: Vec<TexError> = out
        .messages
        .iter()
        .filter(|m| m.kind == Kind::Error && !is_driver_noise(&m.text))
        .map(|m| parse_error(&m.text))
        .collect();
    let mut log_errors = log_error_contexts(&out.log);
    for e in &errors {
        let mut e = e.clone();
        if e.context.is_empty() {
            // The engine's report may stop at the message; the log has the context.
            if let Some(i) = log_errors.iter().position(|(m, _)| *m == e.message) {
                e.context = log_errors.remove(i).1;
            }
        }
        diags.push(tex_error(&e, map));
    }
    if let Some(blg) = &out.blg {
        diags.extend(bibtex_problems(blg, map));
    }
    for m in out.messages.iter().filter(|m| m.kind == Kind::ToolOutput) {
        diags.extend(biber_problems(&m.text, map));
    }
    // After TeX stopped at an error, BibTeX never ran and later labels were never written:
    // undefined citations and references would send the user to the wrong place.
    let stopped = out.pdf.is_none() && diags.iter().any(Diagnostic::is_error);
    diags.extend(log_warnings(&out.log, map, stopped));
    if diags.iter().all(|d| !d.is_error()) {
        if let Some(failure) = &out.failure {
            // tectonic runs the `biber` on PATH; when there is none, all it says is ENOENT.
            if failure.contains("(os error 2)") && out.log.contains("run Biber") {
                let d = Diagnostic::error(Code::Tex, "biblatex needs biber, which is not installed (not on PATH)")
                    .hint("install it (Debian: apt-get install biber; TeX Live: tlmgr install biber), or load biblatex with backend=bibtex");
                diags.insert(0, d);
                return diags;
            }
            diags.insert(
                0,
                Diagnostic::error(Code::Tex, format!("TeX failed: {failure}"))
                    .hint("see the .log file in the build folder for TeX's full output"),
            );
        }
    }
    diags
}

/// `! message` blocks of a TeX log with their context lines (`l.5 …` and the line below).
pub fn log_error_contexts(log: &str) -> Vec<(String, Vec<String>)> {
    let lines = unwrap_lines(log);
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if let Some(msg) = lines[i].strip_prefix("! ") {
            let message = msg.trim().trim_end_matches('.').to_string();
            let mut context = Vec::new();
            let mut j = i + 1;
            while j < lines.len() && context.len() < 8 {
                let l = &lines[j];
                if l.starts_with("! ") || l.starts_with("No pages of output") || l.starts_with("Here is how much") {
                    break;
                }
                if l.starts_with("l.") {
                    context.push(l.trim_end().to_string());
                    if let Some(next) = lines.get(j + 1) {
                        context.push(next.trim_end().to_string());
                    }
                    break;
                }
                j += 1;
            }
            out.push((message, context));
        }
        i += 1;
    }
    out
}

/// The user's line that a TeX error is about. TeX reports the line it has read up to;
/// for a missing file that can be past the `\usepackage` (TeX looks ahead for an
/// optional argument), so the nearest line above that names the file is taken.
fn refine_missing_file_loc(loc: Loc, file: &str) -> Loc {
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
    let text = &loc.file.text;
    let mut end = loc.span.start;
    for _ in 0..4 {
        let start = text[..end].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        if let Some(at) = text[start..line_end].find(stem) {
            return Loc::new(&loc.file, start + at..start + at + stem.len());
        }
        if start == 0 {
            break;
        }
        end = start - 1;
    }
    loc
}

/// For `l.5 Broken \undefinedmacro`: the span of the last token before the break, when
/// the location's line starts with the same text.
fn refine_token_loc(loc: Loc, context: &[String]) -> Loc {
    let Some(first) = context.first() else { return loc };
    let Some((_, before)) = first.split_once(' ') else { return loc };
    let text = &loc.file.text;
    let line_start = text[..loc.span.start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[line_start..].find('\n').map_or(text.len(), |i| line_start + i);
    let line = &text[line_start..line_end];
    let before = before.trim_start_matches("...");
    let Some(at) = line.find(before) else { return loc };
    let end = line_start + at + before.len();
    let token = match before.rfind('\\') {
        Some(i) if before[i + 1..].chars().all(char::is_alphabetic) && i + 1 < before.len() => before.len() - i,
        _ => before.chars().last().map_or(1, char::len_utf8),
    };
    Loc::new(&loc.file, end - token..end)
}

/// tectonic's own summary lines, which repeat what the TeX errors already say.
pub fn is_driver_noise(text: &str) -> bool {
    text.starts_with("errors were issued by")
        || text.starts_with("warnings were issued by")
        || text.starts_with("the external tool exited with an error code")
        || text.starts_with("its stderr was")
}

/// biber's `ERROR -` and `WARN -` lines (from its output when it failed), located in the
/// `.bib` file it was reading: biber reads a UTF-8 copy under a temporary name, whose lines
/// are the user's, after saying "Found BibTeX data source 'refs.bib'".
fn biber_problems(output: &str, map: &LineMap) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut source: Option<&str> = None;
    for line in output.lines() {
        if let Some(rest) = line.split_once("data source '").map(|(_, r)| r) {
            source = rest.split('\'').next();
            continue;
        }
        let (error, text) = match (line.split_once("ERROR - "), line.split_once("WARN - ")) {
            (Some((_, t)), _) => (true, t.trim()),
            (None, Some((_, t))) => (false, t.trim()),
            _ => continue,
        };
        // "BibTeX subsystem: /tmp/…utf8, line 4, syntax error: …"
        let at_line = text.split_once(", line ").and_then(|(_, rest)| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            let line: usize = digits.parse().ok()?;
            Some((line, rest[digits.len()..].trim_start_matches([',', ' '])))
        });
        let message = format!("biber: {}", at_line.map_or(text, |(_, m)| m));
        let mut d = if error { Diagnostic::error(Code::Tex, message) } else { Diagnostic::warning(Code::Tex, message) };
        if let Some(loc) = source.zip(at_line).and_then(|(file, (line, _))| bib_line(file, line, map)) {
            d = d.at(loc, "here");
        }
        out.push(d.hint("biber read the bibliography (biblatex with backend=biber); fix the entry there"));
    }
    out
}

/// Line `line` of the bibliography file `name`, beside the paper.
fn bib_line(name: &str, line: usize, map: &LineMap) -> Option<Loc> {
    let path = map.files.first()?.tex.path.parent()?.join(name);
    let text = std::fs::read_to_string(&path).ok()?;
    line_loc(&Arc::new(SourceFile::new(name.to_string(), path, text)), line)
}

fn tex_error(e: &TexError, map: &LineMap) -> Diagnostic {
    let mut loc = e.file.as_deref().zip(e.line).and_then(|(f, l)| map.locate(f, l));
    if let Some(file) = missing_file(&e.message) {
        loc = loc.map(|l| refine_missing_file_loc(l, file));
    } else if e.file.as_deref().zip(e.line).and_then(|(f, l)| map.locate(f, l)).is_some() {
        loc = loc.map(|l| refine_token_loc(l, &e.context));
    }
    let mut d = match missing_file(&e.message) {
        Some(file) => {
            let what = if file.ends_with(".sty") {
                "LaTeX package"
            } else if file.ends_with(".cls") {
                "LaTeX class"
            } else {
                "file"
            };
            let d = Diagnostic::error(Code::Tex, format!("{what} `{file}` not found"));
            match debian_package(file) {
                Some(pkg) => d.hint(format!("it is in the Debian package `{pkg}`: apt-get install {pkg}")),
                None if file.ends_with(".sty") || file.ends_with(".cls") => d.hint(format!(
                    "install the TeX Live package that provides it (`apt-file search {file}` names it), or remove the \\usepackage"
                )),
                None => d.hint("check the file name and that the file is in the paper's folder"),
            }
        }
        None if e.message.contains("-shell-escape") || e.message.contains("shell escape") => {
            Diagnostic::error(Code::Tex, format!("TeX: {}", e.message)).hint(
                "this package runs programs from TeX: set [build] shell_escape = true in paperfig.toml (only for \
                 documents you trust; it is never on under --locked)",
            )
        }
        None => Diagnostic::error(Code::Tex, format!("TeX: {}", e.message)),
    };
    if !e.context.is_empty() {
        d = d.hint(format!("TeX's context:\n{}", e.context.join("\n")));
    }
    if let (Some(f), Some(l)) = (&e.file, e.line) {
        if loc.as_ref().is_none_or(|loc| !loc.file.name.ends_with(f.trim_start_matches("./"))) {
            d = d.hint(format!("TeX reported it at {f}:{l}"));
        }
    }
    match loc {
        Some(loc) => d.at(loc, "TeX stopped here"),
        None => d,
    }
}

fn bibtex_problems(blg: &str, map: &LineMap) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for line in blg.lines() {
        if let Some(rest) = line.strip_prefix("I couldn't open database file ") {
            let file = rest.trim();
            let stem = file.trim_end_matches(".bib");
            let mut d = Diagnostic::error(Code::Tex, format!("bibliography file `{file}` not found"))
                .hint("check the file name in the bibliography setting; paths are relative to the paper");
            if let Some(loc) = map.find_in_main(stem) {
                d = d.at(loc, "named here");
            }
            out.push(d);
        } else if let Some(rest) = line.strip_prefix("I couldn't open style file ") {
            out.push(Diagnostic::error(Code::Tex, format!("BibTeX style `{}` not found", rest.trim())));
        }
    }
    out
}

/// Lines of the `.tex` files TeX read, back to the user's; TeX's broken lines joined.
mod map;
/// What the log says the PDF lacks: warnings, not errors.
mod warnings;

pub use map::{LineMap, MappedFile, line_loc, unwrap_lines};
use warnings::log_warnings;

#[cfg(test)]
mod tests;
