//! Cache damage: objects and action entries flipped, cut, emptied, padded, swapped and
//! deleted. Each damage must be reported by `cache verify`, never served (the next build
//! makes byte-identical outputs), and healed by that build.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{Rng, Tally, scale, settled, tail};
use crate::util::{PaperTest, Run, files_under};

const DAMAGES: [&str; 9] = [
    "flip a byte of an object",
    "cut an object in half",
    "empty an object",
    "append to an object",
    "put another object's bytes in an object",
    "delete an object",
    "flip a byte of an action entry",
    "cut an action entry",
    "swap two action entries",
];

fn project() -> PaperTest {
    let mut paper = String::from("# Damage\n\n");
    for i in 0..5 {
        paper.push_str(&format!(
            "```{{paperfig #fig:p{i} kind=plot title=\"Plot {i}\"}}\nBar chart\n---\nmodel,acc\nA,{i}\nB,2\n```\n\n"
        ));
    }
    paper.push_str("```{paperfig #fig:d kind=diagram}\nscan -> plan -> build\n```\n");
    PaperTest::new().file("paper.md", &paper)
}

/// Every output file the build wrote, by path, with its bytes.
fn outputs(t: &PaperTest, run: &Run) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for f in run.json()["figures"].as_array().unwrap() {
        for path in f["outputs"].as_object().unwrap().values() {
            let path = path.as_str().unwrap().to_string();
            out.push((path.clone(), std::fs::read(t.path(&path)).unwrap_or_default()));
        }
    }
    out.sort();
    out
}

fn sorted(dir: &Path) -> Vec<PathBuf> {
    let mut v = files_under(dir);
    v.sort();
    v
}

/// Applies damage number `kind`; whether `cache verify` can see it (a deleted object is
/// seen through the entry that names it).
fn damage(t: &PaperTest, kind: usize, rng: &mut Rng) -> std::io::Result<()> {
    let objects = sorted(&t.path(".paperfig/objects"));
    let actions = sorted(&t.path(".paperfig/actions"));
    let object = &objects[rng.below(objects.len())];
    let action = &actions[rng.below(actions.len())];
    let edit = |path: &Path, f: &mut dyn FnMut(&mut Vec<u8>)| -> std::io::Result<()> {
        let mut bytes = std::fs::read(path)?;
        f(&mut bytes);
        std::fs::write(path, bytes)
    };
    match kind {
        0 => edit(object, &mut |b| {
            let i = rng.below(b.len());
            b[i] ^= 1 << rng.below(8);
        }),
        1 => edit(object, &mut |b| b.truncate(b.len() / 2)),
        2 => edit(object, &mut |b| b.clear()),
        3 => edit(object, &mut |b| b.extend_from_slice(b"\n<!-- extra -->\n")),
        4 => {
            let other = objects.iter().find(|o| *o != object).unwrap();
            std::fs::copy(other, object).map(|_| ())
        }
        5 => std::fs::remove_file(object),
        6 => edit(action, &mut |b| {
            // a digit of a digest (the key's or an output's): the entry still parses, and lies
            let text = String::from_utf8_lossy(b).into_owned();
            let digits: Vec<usize> = text
                .match_indices("sha256:")
                .flat_map(|(at, m)| at + m.len()..at + m.len() + 64)
                .filter(|&i| i < b.len())
                .collect();
            let i = digits[rng.below(digits.len())];
            b[i] = if b[i] == b'1' { b'2' } else { b'1' };
        }),
        7 => edit(action, &mut |b| b.truncate(b.len() * 2 / 3)),
        _ => {
            let other = actions.iter().find(|a| *a != action).unwrap();
            let (x, y) = (std::fs::read(action)?, std::fs::read(other)?);
            std::fs::write(action, y)?;
            std::fs::write(other, x)
        }
    }
}

#[test]
fn cache_damage_is_reported_never_served_and_healed() {
    let limit = Duration::from_secs(120);
    let t = project();
    let first = settled(t.command(&["gen", "--json"]), limit).expect("the first build").ok();
    let expected = outputs(&t, &first);
    let mut tally = Tally::new("cache damages");
    for trial in 0..scale().damages {
        let mut rng = Rng::new(1000 + trial as u64);
        let kind = trial % DAMAGES.len();
        tally.trial((|| {
            damage(&t, kind, &mut rng).map_err(|e| format!("{}: {e}", DAMAGES[kind]))?;
            let verify = settled(t.command(&["cache", "verify"]), limit)?;
            if verify.code != 1 {
                return Err(format!("{}: cache verify saw nothing (exit {})", DAMAGES[kind], verify.code));
            }
            std::fs::remove_dir_all(t.path("build")).map_err(|e| e.to_string())?;
            let run = settled(t.command(&["gen", "--json"]), limit)?;
            if run.code != 0 {
                return Err(format!("{}: the next build failed:\n{}", DAMAGES[kind], tail(&run.stderr)));
            }
            if outputs(&t, &run) != expected {
                return Err(format!("{}: the next build's outputs differ from the first's", DAMAGES[kind]));
            }
            let healed = settled(t.command(&["cache", "verify"]), limit)?;
            if healed.code != 0 {
                // leave a sound store for the next trial either way
                let _ = settled(t.command(&["cache", "verify", "--repair"]), limit);
                return Err(format!("{}: still damaged after the build:\n{}", DAMAGES[kind], healed.stdout));
            }
            Ok(())
        })());
    }
    tally.finish();
}
