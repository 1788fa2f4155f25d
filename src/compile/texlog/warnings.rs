//! Warnings from the last run's log, each once, at the user's line where there is one:
//! undefined citations and references, characters the fonts lack, a float taller than the
//! page, fonts of pdfLaTeX packages under XeTeX, an index never sorted.

use std::collections::HashMap;

use super::map::{LineMap, unwrap_lines};
use crate::diag::{Code, Diagnostic, Loc};

/// Undefined citations and references from LaTeX's warnings, one warning each listing
/// the keys.
pub(super) fn log_warnings(log: &str, map: &LineMap, stopped: bool) -> Vec<Diagnostic> {
    let mut cites: Vec<String> = Vec::new();
    let mut refs: Vec<String> = Vec::new();
    for line in unwrap_lines(log) {
        for (prefix, list) in [("LaTeX Warning: Citation `", &mut cites), ("LaTeX Warning: Reference `", &mut refs)] {
            if let Some(at) = line.find(prefix) {
                let rest = &line[at + prefix.len()..];
                if let Some(end) = rest.find('\'') {
                    let key = rest[..end].to_string();
                    if !list.contains(&key) {
                        list.push(key);
                    }
                }
            }
        }
        // natbib and biblatex word it differently.
        if let Some(at) = line.find("Package natbib Warning: Citation `") {
            let rest = &line[at + 34..];
            if let Some(end) = rest.find('\'') {
                let key = rest[..end].to_string();
                if !cites.contains(&key) {
                    cites.push(key);
                }
            }
        }
    }
    cites.retain(|k| !map.reported_citations.contains(k));
    if stopped {
        cites.clear();
        refs.clear();
    }
    let mut out: Vec<Diagnostic> = missing_characters(log, map).into_iter().collect();
    out.extend(floats_too_large(log, map));
    out.extend(substituted_fonts(log));
    out.extend(missing_index(log));
    let by_key: HashMap<&str, &Loc> = map.citations.iter().map(|(k, l)| (k.as_str(), l)).collect();
    if let Some(first) = cites.first() {
        let loc = by_key.get(first.as_str()).map(|l| (*l).clone()).or_else(|| map.find_in_main(first));
        out.push(undefined("citation", &cites, loc, "add the entries to the bibliography file, or fix the keys"));
    }
    if let Some(first) = refs.first() {
        // Where the label is used: in whichever file (an \input chapter), else the main file.
        let loc = map.find_anywhere(&format!("{{{first}}}")).or_else(|| map.find_in_main(first));
        let hint = "check the label names; every referenced figure, table or section needs a label";
        out.push(undefined("reference", &refs, loc, hint));
    }
    out
}

/// One warning for every undefined `what` (citation, reference) in `keys`, at the first.
fn undefined(what: &str, keys: &[String], first: Option<Loc>, hint: &str) -> Diagnostic {
    let list = keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
    let plural = if keys.len() == 1 { "" } else { "s" };
    let d = Diagnostic::warning(Code::Tex, format!("undefined {what}{plural}: {list}")).hint(hint);
    match first {
        Some(loc) => d.at(loc, format!("first undefined {what}")),
        None => d,
    }
}

/// LaTeX's `Float too large for page by 435.3pt on input line 138.`: the float's end runs
/// off the page and is not in the PDF (a long table loses its last rows). A warning at the
/// float, when its line is in the main file.
fn floats_too_large(log: &str, map: &LineMap) -> Vec<Diagnostic> {
    const PREFIX: &str = "LaTeX Warning: Float too large for page by ";
    let main = map.files.first().map(|f| f.tex.name.clone()).unwrap_or_default();
    unwrap_lines(log)
        .iter()
        .filter_map(|line| {
            let rest = line.split_once(PREFIX)?.1;
            let (by, at) = rest.split_once(" on input line ")?;
            let line: usize = at.trim_end_matches('.').trim().parse().ok()?;
            let by = by.trim_end_matches("pt").parse::<f64>().map_or_else(|_| by.to_string(), |p| format!("{p:.0} pt"));
            let mut d = Diagnostic::warning(
                Code::Tex,
                format!("a table or figure is {by} taller than the page: its end is cut off in the PDF"),
            )
            .hint("split it into several, or make it smaller (fewer rows, a smaller size=)");
            if let Some(loc) = map.locate(&main, line) {
                d = d.at(loc, "this float does not fit on a page");
            }
            Some(d)
        })
        .collect()
}

/// `LaTeX Font Warning: Font shape `TU/ptm/m/n' undefined`: a font package written for
/// pdfLaTeX (mathptmx, helvet, mathpazo) under XeTeX or LuaTeX, whose fonts have no Unicode
/// version; LaTeX sets the text in Latin Modern instead, which nothing else reports.
fn substituted_fonts(log: &str) -> Option<Diagnostic> {
    const PREFIX: &str = "LaTeX Font Warning: Font shape `TU/";
    let mut families: Vec<String> = Vec::new();
    for line in log.lines() {
        let Some(rest) = line.split_once(PREFIX).map(|(_, r)| r) else { continue };
        let Some(family) = rest.split('/').next().filter(|f| !f.is_empty() && *f != "lmr") else { continue };
        if !families.iter().any(|f| f == family) {
            families.push(family.to_string());
        }
    }
    if families.is_empty() {
        return None;
    }
    let list = families.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ");
    Some(
        Diagnostic::warning(
            Code::Tex,
            format!("the font famil{} {list} the document asks for {} no Unicode (TU) fonts: the PDF uses Latin Modern instead", if families.len() == 1 { "y" } else { "ies" }, if families.len() == 1 { "has" } else { "have" }),
        )
        .hint(
            "the document's font packages (mathptmx, helvet, mathpazo, …) are written for pdfLaTeX: build with \
             --engine pdflatex ([build] engine = \"pdflatex\"), or load fontspec and name OpenType fonts \
             (\\setmainfont{TeX Gyre Termes})",
        ),
    )
}

/// `No file paper.ind.` in the last run's log: the document makes an index that was never
/// sorted (the embedded engine does not run makeindex), so the PDF has none.
fn missing_index(log: &str) -> Option<Diagnostic> {
    let name = log.lines().find_map(|l| l.strip_prefix("No file ").and_then(|r| r.strip_suffix(".ind.")))?;
    Some(
        Diagnostic::warning(Code::Tex, format!("the index is not in the PDF: `{name}.ind` was never made"))
            .hint("the embedded engine does not run makeindex: build with --engine pdflatex or --engine xelatex (latexmk runs it)"),
    )
}

/// XeTeX's and pdfTeX's `Missing character: There is no 日 (U+65E5) in font
/// [lmroman10-regular]:mapping=tex-text;!` lines as one warning: the PDF has a gap for
/// each, which nothing else reports.
pub(super) fn missing_characters(log: &str, map: &LineMap) -> Option<Diagnostic> {
    const PREFIX: &str = "Missing character: There is no ";
    let mut chars: Vec<String> = Vec::new();
    let mut fonts: Vec<String> = Vec::new();
    let mut count = 0usize;
    for line in log.lines() {
        let Some(rest) = line.split_once(PREFIX).map(|(_, r)| r) else { continue };
        let Some((what, font)) = rest.split_once(" in font ") else { continue };
        count += 1;
        let what = what.split(" (U+").next().unwrap_or(what).to_string();
        let font = font.trim_end_matches('!').trim_start_matches('[');
        let font = font.split([']', ':']).next().unwrap_or(font).trim_matches('"').to_string();
        if !chars.contains(&what) {
            chars.push(what);
        }
        if !font.is_empty() && !fonts.contains(&font) {
            fonts.push(font);
        }
    }
    if chars.is_empty() {
        return None;
    }
    let shown: Vec<&str> = chars.iter().take(12).map(String::as_str).collect();
    let more =
        if chars.len() > shown.len() { format!(" and {} more", chars.len() - shown.len()) } else { String::new() };
    let fonts = fonts.iter().take(3).map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ");
    let mut d = Diagnostic::warning(
        Code::Tex,
        format!(
            "{count} character{} left blank in the PDF: the font{} {fonts} {} no {}{more}",
            if count == 1 { "" } else { "s" },
            if fonts.contains(", ") { "s" } else { "" },
            if fonts.contains(", ") { "have" } else { "has" },
            shown.join(" ")
        ),
    )
    .hint(
        "use fonts that have them: in LaTeX, fontspec's \\setmainfont (xeCJK's \\setCJKmainfont for Chinese, \
         Japanese, Korean); for a Markdown paper, a template of your own that loads them (template: in the front \
         matter)",
    );
    if let Some(loc) = chars.first().and_then(|c| map.find_in_main(c)) {
        d = d.at(loc, "first missing character");
    }
    Some(d)
}
