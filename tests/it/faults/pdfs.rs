//! Damaged PDFs: real PDFs (a paper compiled by paperfig, figures it drew) cut, flipped,
//! zeroed, spliced and given a garbage tail, then listed and extracted from. Each must end
//! by itself, quickly, with exit code 0, 1 or 2 and no panic.

use std::time::Duration;

use super::{Rng, Tally, scale, settled};
use crate::util::PaperTest;

const DAMAGES: [&str; 6] =
    ["cut at a random byte", "flip random bits", "zero a range", "splice a range elsewhere", "garbage tail", "shuffle"];

/// The PDFs to damage: a compiled two-figure paper, and the figures' own PDFs.
fn sources() -> Vec<(String, Vec<u8>)> {
    let t = PaperTest::new().file(
        "paper.md",
        "# A paper\n\nSome text before the figures.\n\n\
         ```{paperfig #fig:a kind=plot caption=\"Accuracy by model.\"}\nBar chart\n---\nmodel,acc\nA,1\nB,3\n```\n\n\
         More text between them.\n\n\
         ```{paperfig #fig:b kind=diagram caption=\"The pipeline.\"}\nscan -> plan -> build\n```\n",
    );
    t.run(&["build", "paper.md"]).ok();
    let mut out = vec![("paper".to_string(), std::fs::read(t.path("build/paper.pdf")).unwrap())];
    for f in ["fig-a", "fig-b"] {
        out.push((f.to_string(), std::fs::read(t.path(&format!("build/figures/{f}.pdf"))).unwrap()));
    }
    out
}

fn damaged(pdf: &[u8], kind: usize, rng: &mut Rng) -> Vec<u8> {
    let mut b = pdf.to_vec();
    let n = b.len();
    match kind {
        0 => b.truncate(rng.below(n)),
        1 => {
            for _ in 0..1 + rng.below(16) {
                let i = rng.below(n);
                b[i] ^= 1 << rng.below(8);
            }
        }
        2 => {
            let at = rng.below(n);
            let end = (at + 1 + rng.below(2048)).min(n);
            b[at..end].fill(0);
        }
        3 => {
            let at = rng.below(n);
            let piece = b[at..(at + 1 + rng.below(4096)).min(n)].to_vec();
            let to = rng.below(n);
            b.splice(to..to, piece);
        }
        4 => {
            let keep = n - rng.below(n / 4 + 1);
            b.truncate(keep);
            b.extend((0..rng.below(600)).map(|_| rng.below(256) as u8));
        }
        _ => {
            // swap two chunks: objects land at offsets the xref does not list
            let size = 1 + rng.below(n / 8 + 1);
            let (x, y) = (rng.below(n - size), rng.below(n - size));
            for k in 0..size {
                b.swap(x + k, y + k);
            }
        }
    }
    b
}

#[test]
fn damaged_pdfs_never_panic_or_hang() {
    let limit = Duration::from_secs(30);
    let sources = sources();
    let t = PaperTest::new();
    let mut tally = Tally::new("damaged PDFs listed and extracted from");
    for trial in 0..scale().pdfs {
        let mut rng = Rng::new(5000 + trial as u64);
        let (name, pdf) = &sources[trial % sources.len()];
        let kind = (trial / sources.len()) % DAMAGES.len();
        std::fs::write(t.path("bad.pdf"), damaged(pdf, kind, &mut rng)).unwrap();
        let args: &[&str] = if trial % 2 == 0 {
            &["extract", "bad.pdf", "--list"]
        } else {
            &["extract", "bad.pdf", "--figure", "1", "-o", "out.png"]
        };
        tally.trial(settled(t.command(args), limit).map(|_| ()).map_err(|e| format!("{name}, {}: {e}", DAMAGES[kind])));
    }
    tally.finish();
}
