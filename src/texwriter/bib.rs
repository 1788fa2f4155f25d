//! BibTeX files as far as the writer needs them: the entry keys, so that a citation of a
//! key no bibliography defines is reported at the citation, before TeX runs.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use crate::diag::{Code, Diagnostic, Loc};

/// Entry keys of a BibTeX text (`@type{key,` …); `@string`, `@preamble` and `@comment`
/// are not entries.
pub fn keys(bib: &str) -> HashSet<String> {
    crate::bib::parse(bib).into_iter().map(|e| e.key).collect()
}

/// The cited keys that none of `files` defines, and one warning for each (at its first
/// citation).
pub fn undefined(files: &[PathBuf], citations: &[(String, Loc)]) -> (Vec<String>, Vec<Diagnostic>) {
    let mut known = HashSet::new();
    for f in files {
        // .bib files are often Latin-1 (BibTeX reads bytes); the keys are ASCII in practice.
        if let Ok(bytes) = std::fs::read(f) {
            known.extend(keys(&String::from_utf8_lossy(&bytes)));
        }
    }
    let mut first: BTreeMap<&str, &Loc> = BTreeMap::new();
    for (key, loc) in citations {
        if !known.contains(key) {
            first.entry(key).or_insert(loc);
        }
    }
    let missing: Vec<String> = first.keys().map(|k| k.to_string()).collect();
    let names: Vec<String> =
        files.iter().filter_map(|f| f.file_name()).map(|n| n.to_string_lossy().into_owned()).collect();
    let mut out: Vec<(usize, Diagnostic)> = first
        .into_iter()
        .map(|(key, loc)| {
            let d = Diagnostic::warning(Code::Writer, format!("citation `@{key}` is not in the bibliography"))
                .at(loc.clone(), "cited here")
                .hint(format!("no entry `{key}` in {}; it will print as `?`", names.join(", ")));
            (loc.span.start, d)
        })
        .collect();
    out.sort_by_key(|(at, _)| *at);
    (missing, out.into_iter().map(|(_, d)| d).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_keys_are_found() {
        let bib = "@string{x = \"y\"}\n@Article{knuth84,\n title={A}}\n@inproceedings( doe:2020 , x)\n% @misc{commented,}\n@comment{no}\n";
        let k = keys(bib);
        assert!(k.contains("knuth84") && k.contains("doe:2020"), "{k:?}");
        assert!(!k.contains("x = \"y\"") && !k.contains("no"));
    }
}
