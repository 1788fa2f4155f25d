//! Files a figure declares by relative path (`inputs=` of scripts, `data=`/`inputs=` of TikZ
//! pictures), read at plan time into the request as `input:<relative path>` files, so their
//! contents are in the key and the provider can lay them out at the same relative paths in
//! its working folder.

use std::path::{Component, Path};

use super::{PrepareContext, Unresolved};
use crate::model::{ProviderError, Request};

/// The hint for a file named in a directive that lies outside the project.
pub const OUTSIDE_HINT: &str = "figures may only read files inside the project folder";

/// The prefix of the request's file names of declared files.
pub const INPUT: &str = "input:";

/// Splits `inputs=` into patterns (commas and/or spaces).
pub fn patterns(value: &str) -> Vec<&str> {
    value.split([',', ' ', '\t']).map(str::trim).filter(|s| !s.is_empty()).collect()
}

fn is_glob(p: &str) -> bool {
    p.contains(['*', '?', '[', '{'])
}

/// Reads every file that the attribute `attr` (`inputs=`, `data=`) names into `req.files`
/// as `input:<path>`, the path relative to the directive's folder with `/` separators.
pub fn read_listed(req: &mut Request, ctx: &PrepareContext<'_>, attr: &str) -> Result<(), ProviderError> {
    let Some(value) = req.attr(attr).map(str::to_string) else { return Ok(()) };
    let bad = |msg: String, hint: &str| ProviderError::new(msg).at_attr(attr).hint(hint.to_string());
    for pat in patterns(&value) {
        let rel = Path::new(pat);
        if rel.is_absolute() || rel.components().any(|c| !matches!(c, Component::Normal(_) | Component::CurDir)) {
            return Err(bad(
                format!("input `{pat}` is not inside the folder of this file"),
                "inputs are relative paths below the folder of the file with the directive (no `..`), so the figure's working copy can mirror them",
            ));
        }
        let mut found = Vec::new();
        if is_glob(pat) {
            let glob = globset::GlobBuilder::new(pat)
                .literal_separator(true)
                .build()
                .map_err(|e| bad(format!("bad glob `{pat}`: {e}"), "globs use *, **, ?, [abc] and {a,b}"))?
                .compile_matcher();
            let literal: Vec<&str> = pat.split('/').take_while(|s| !is_glob(s)).collect();
            let start = ctx.base.join(literal.join("/"));
            let walk = walkdir::WalkDir::new(&start)
                .sort_by_file_name()
                .into_iter()
                .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
            // `path().is_file()` follows a symlinked file, as reading it will.
            for entry in walk.filter_map(Result::ok).filter(|e| e.path().is_file()) {
                let Ok(r) = entry.path().strip_prefix(ctx.base) else { continue };
                let r = r.to_string_lossy().replace('\\', "/");
                if glob.is_match(&r) {
                    found.push(r);
                }
            }
            if found.is_empty() {
                return Err(bad(
                    format!("input glob `{pat}` matches no file"),
                    "globs are relative to the folder of the file with the directive",
                ));
            }
        } else {
            found.push(pat.trim_start_matches("./").to_string());
        }
        for r in found {
            let canonical = ctx.resolve(&r).map_err(|why| match why {
                Unresolved::Io(e) => bad(
                    format!("cannot read input `{r}`: {e}"),
                    "inputs are relative to the folder of the file with the directive",
                ),
                Unresolved::Outside => bad(format!("input `{r}` is outside the project"), OUTSIDE_HINT),
            })?;
            let ext = Path::new(&r).extension().and_then(|e| e.to_str()).unwrap_or("").to_string();
            // The read refuses what is not a regular file (`InvalidInput`), from the `stat`
            // the resolve took.
            let file = ctx.input(&canonical, &ext).map_err(|e| match e.kind() {
                std::io::ErrorKind::InvalidInput => {
                    bad(format!("input `{r}` is not a file"), "name files, or use a glob such as data/*.csv")
                }
                _ => bad(format!("cannot read input `{r}`: {e}"), "check the file's permissions"),
            })?;
            req.files.insert(format!("{INPUT}{r}"), file);
        }
    }
    Ok(())
}
