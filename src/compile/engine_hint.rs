//! Errors of the embedded engine (XeTeX) that mean the document was written for pdfLaTeX:
//! a driver option or package that names pdfTeX, a pdfTeX primitive (`\pdfoutput`,
//! `\pdfglyphtounicode`, …) undefined, an 8-bit `inputenc` encoding. Such errors get a
//! hint naming `[build] engine = "pdflatex"`, which builds the document as its authors
//! (and arXiv) do.

use crate::diag::Diagnostic;

/// The hint added to such errors.
pub const PDFLATEX_HINT: &str = "this document is written for pdfLaTeX, and the embedded engine is XeTeX: build \
     it with the installed pdfLaTeX by setting [build] engine = \"pdflatex\" in paperfig.toml (or pass --engine \
     pdflatex); see guide/building.md, \"Which engine\"";

/// Adds [`PDFLATEX_HINT`] first to each error that looks pdfTeX-only.
pub fn hint_other_engines(diagnostics: &mut [Diagnostic]) {
    for d in diagnostics.iter_mut().filter(|d| d.is_error()) {
        if pdftex_only(&d.message, &d.hints) {
            d.hints.insert(0, PDFLATEX_HINT.to_string());
        }
    }
}

/// Whether a TeX error (its message, and the context lines in its hints) is one that
/// pdfTeX-only input gives under XeTeX.
fn pdftex_only(message: &str, hints: &[String]) -> bool {
    let lower = message.to_ascii_lowercase();
    // hyperref's "Wrong driver option `pdftex'", graphics' "Option `pdftex' is not valid",
    // iftex's "This document must be compiled with pdfTeX".
    if lower.contains("pdftex") {
        return true;
    }
    // inputenc with latin1 and friends: "Package inputenc Error: … not designed for xetex".
    if lower.contains("inputenc") {
        return true;
    }
    if lower.contains("undefined control sequence") {
        // The undefined command is the last one on TeX's `l.N` context line.
        return hints.iter().filter(|h| h.starts_with("TeX's context:")).any(|h| {
            h.lines().nth(1).is_some_and(|first| {
                first.rsplit('\\').next().is_some_and(|cs| {
                    let name: String = cs.chars().take_while(char::is_ascii_alphabetic).collect();
                    name.starts_with("pdf") && !PDF_IN_XETEX.contains(&name.as_str())
                })
            })
        });
    }
    false
}

/// `\pdf…` primitives XeTeX has too (an undefined one of these is not pdfTeX's fault).
const PDF_IN_XETEX: &[&str] =
    &["pdfstrcmp", "pdfpagewidth", "pdfpageheight", "pdfsavepos", "pdflastxpos", "pdflastypos"];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Code;

    fn tex_error(message: &str, context: &str) -> Diagnostic {
        Diagnostic::error(Code::Tex, message.to_string()).hint(format!("TeX's context:\n{context}"))
    }

    #[test]
    fn pdftex_only_errors_name_the_pdflatex_engine() {
        let mut ds = vec![
            tex_error("TeX: Package hyperref Error: Wrong driver option `pdftex'", "l.3 ...age[pdftex]{hyperref}"),
            tex_error("TeX: Undefined control sequence", "l.2 \\pdfoutput\n=1"),
            tex_error("TeX: Undefined control sequence", "l.5 \\pdfglyphtounicode\n{f_f}{FB00}"),
            tex_error("TeX: Undefined control sequence", "l.5 Broken \\undefinedmacro"),
            tex_error("TeX: Undefined control sequence", "l.5 \\pdfstrcmp"),
            tex_error("TeX: Package inputenc Error: inputenc is not designed for xetex or luatex", "l.3 ...{inputenc}"),
            Diagnostic::warning(Code::Tex, "undefined reference: `pdftex`"),
        ];
        hint_other_engines(&mut ds);
        let hinted: Vec<bool> = ds.iter().map(|d| d.hints.first().is_some_and(|h| h == PDFLATEX_HINT)).collect();
        assert_eq!(hinted, [true, true, true, false, false, true, false]);
        assert!(PDFLATEX_HINT.contains("engine = \"pdflatex\""));
    }
}
