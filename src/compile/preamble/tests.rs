use std::sync::Arc;

use super::source::{self, NativeFont};
use super::*;
use crate::compile::access::Access;
use crate::compile::bundle::TexSource;
use crate::compile::engine::splice_log;
use crate::compile::remote::Fetch;
use crate::compile::texmf::{Origin, TexTrees};

#[test]
fn split_empties_the_preamble_lines_and_keeps_their_number() {
    let doc = "% a comment \\begin{document}\n\\documentclass{article}\r\n\\usepackage{x}\n  \\begin{document}\nHi\n\\end{document}\n";
    let s = split(doc.as_bytes()).unwrap();
    let preamble = "% a comment \\begin{document}\n\\documentclass{article}\r\n\\usepackage{x}\n";
    assert_eq!(String::from_utf8(s.preamble).unwrap(), preamble);
    assert_eq!(String::from_utf8(s.body).unwrap(), "\n\r\n\n  \\begin{document}\nHi\n\\end{document}\n");
}

#[test]
fn split_refuses_documents_it_cannot_cut_at_a_line() {
    // No class; text before \begin{document} on its line; a lone CR; no \begin{document}.
    for doc in [
        "\\usepackage{x}\n\\begin{document}\n",
        "\\documentclass{article}\n\\relax\\begin{document}\n",
        "\\documentclass{article}\r\\usepackage{x}\n\\begin{document}\n",
        "\\documentclass{article}\n\\usepackage{x}\n",
    ] {
        assert_eq!(split(doc.as_bytes()), None, "{doc:?}");
    }
    // An escaped percent sign is no comment; a real one is.
    assert_eq!(split(b"\\documentclass{article}\n50\\% \\begin{document}\n"), None);
    assert!(split(b"\\documentclass{article} % \\begin{document}\n\\begin{document}\n").is_some());
}

#[test]
fn civil_dates() {
    assert_eq!(source::civil(0), (0, 1, 1, 1970));
    // 2026-12-04 19:08 UTC and 2024-02-29 00:01 UTC (checked with `date -u -d @…`).
    assert_eq!(source::civil(1_796_411_280), (19 * 60 + 8, 4, 12, 2026));
    assert_eq!(source::civil(1_709_164_860), (1, 29, 2, 2024));
}

#[test]
fn the_probe_log_gives_each_fonts_seven_dimensions_or_nothing() {
    let dims = |vals: &[&str]| vals.iter().map(|v| format!("paperfig-fd:{v}\n")).collect::<String>();
    let seven = ["0.0pt", "3.33pt", "1.665pt", "1.11pt", "4.31pt", "10.0pt", "-1.11pt"];
    let log = format!("(article.cls)\npaperfig-font:TU/lmr/m/n/10\n{}other\n", dims(&seven));
    let fonts = source::probed(&log).unwrap();
    assert_eq!(fonts, [NativeFont { name: "TU/lmr/m/n/10".into(), dims: seven.map(String::from).to_vec() }]);
    assert_eq!(source::probed("no fonts\n"), Some(Vec::new()));
    // Six dimensions (a line cut by TeX's line length), a name TeX code could hide in,
    // a value that is not a length: no table at all.
    assert_eq!(source::probed(&format!("paperfig-font:TU/lmr/m/n/10\n{}", dims(&seven[..6]))), None);
    assert_eq!(source::probed(&format!("paperfig-font:TU/x\\relax/m/n/10\n{}", dims(&seven))), None);
    let mut bad = seven;
    bad[2] = "1pt\\relax";
    assert_eq!(source::probed(&format!("paperfig-font:TU/lmr/m/n/10\n{}", dims(&bad))), None);
}

#[test]
fn the_format_source_sets_the_stand_ins_dimensions_and_the_date() {
    let font = NativeFont { name: "TU/lmr/m/n/10".into(), dims: (1..=7).map(|i| format!("{i}.5pt")).collect() };
    let text = source::format("paper", "paper.tex", 1_796_411_280, &[font]);
    assert!(
        text.contains(
            "\\csname paperfig@fd@TU/lmr/m/n/10\\endcsname{{1.5pt}{2.5pt}{3.5pt}{4.5pt}{5.5pt}{6.5pt}{7.5pt}}"
        ),
        "{text}"
    );
    assert!(text.contains("\\time=1148 \\day=4 \\month=12 \\year=2026"), "{text}");
    assert!(text.contains("\\input paper.tex\n"), "{text}");
    assert!(text.trim_end().ends_with("\\dump"), "{text}");
}

#[test]
fn the_preamble_part_of_a_dump_log_goes_back_where_the_main_file_opens() {
    let dump = format!(
        "This is XeTeX\n(xelatex.ini (latex.ltx))\n{} (paper)\n(paper.tex (article.cls)\nPackage x Warning: careful on input line 3.\n)\n{}\nBeginning to dump\n",
        source::LOG_START,
        source::LOG_END
    );
    let part = source::preamble_log(&dump);
    assert_eq!(part, "(paper.tex (article.cls)\nPackage x Warning: careful on input line 3.\n)\n");
    let run = "This is XeTeX\n**paper.tex\n(./paper.tex\nLaTeX2e\n(paper.aux)\n)\n";
    let spliced = splice_log(run, "paper.tex", &part);
    let want = "This is XeTeX\n**paper.tex\n(./paper.tex\n(article.cls)\nPackage x Warning: careful on input line 3.\nLaTeX2e\n(paper.aux)\n)\n";
    assert_eq!(spliced, want);
    assert_eq!(splice_log(run, "paper.tex", ""), run);
    assert_eq!(splice_log("no file opened\n", "paper.tex", "(pre)\n"), "(pre)\nno file opened\n");
}

fn job(main: &str, epoch: Option<u64>, memory: &[u8]) -> EngineJob {
    job_reading(main, epoch, memory, Vec::new())
}

fn job_reading(main: &str, epoch: Option<u64>, memory: &[u8], roots: Vec<PathBuf>) -> EngineJob {
    let trees = TexTrees { trees: Vec::new(), origin: Origin::Config, searched: Vec::new() };
    EngineJob {
        main: PathBuf::from(main),
        out_dir: PathBuf::from("/p/build"),
        user_cache: PathBuf::from("/cache"),
        tex: TexSource::Trees { trees, fetch: Fetch::Offline },
        access: Arc::new(Access::new(Trust::Project, roots)),
        shell_escape: false,
        epoch,
        memory_files: vec![("paperfig.sty".into(), memory.to_vec())],
        aux_dir: None,
        format: None,
    }
}

/// Every input of the format's key changes it; the same inputs give the same key.
#[test]
fn the_key_covers_every_input() {
    let base = || key(&job("/p/paper.tex", Some(100), b"sty"), "bundle-a", "paper", b"\\documentclass{article}\n");
    assert_eq!(base(), base());
    let others = [
        key(&job("/p/paper.tex", Some(100), b"sty"), "bundle-b", "paper", b"\\documentclass{article}\n"),
        key(&job("/p/paper.tex", Some(100), b"sty"), "bundle-a", "other", b"\\documentclass{article}\n"),
        key(&job("/q/paper.tex", Some(100), b"sty"), "bundle-a", "paper", b"\\documentclass{article}\n"),
        key(&job("/p/paper.tex", Some(101), b"sty"), "bundle-a", "paper", b"\\documentclass{article}\n"),
        key(&job("/p/paper.tex", None, b"sty"), "bundle-a", "paper", b"\\documentclass{article}\n"),
        key(&job("/p/paper.tex", Some(100), b"sty2"), "bundle-a", "paper", b"\\documentclass{article}\n"),
        key(&job("/p/paper.tex", Some(100), b"sty"), "bundle-a", "paper", b"\\documentclass{book}\n"),
        key(
            &job_reading("/p/paper.tex", Some(100), b"sty", vec![std::env::temp_dir()]),
            "bundle-a",
            "paper",
            b"\\documentclass{article}\n",
        ),
    ];
    for (i, k) in others.iter().enumerate() {
        assert_ne!(*k, base(), "input {i}");
    }
    // What the preamble read is part of the format's identity.
    let read = |d: &[u8]| vec![(PathBuf::from("/p/macros.tex"), Seen::Read(Digest::of(d)))];
    assert_ne!(identity(base(), &read(b"a")), identity(base(), &read(b"b")));
    assert_ne!(identity(base(), &read(b"a")), identity(base(), &[(PathBuf::from("/p/macros.tex"), Seen::Missing)]));
    assert_ne!(identity(base(), &read(b"a")), identity(base(), &[]));
}

/// Only the formats of the documents made last stay; their records stay too.
#[test]
fn prune_keeps_the_formats_made_last() {
    let root = tempfile::tempdir().unwrap();
    for (i, name) in ["a", "b", "c"].iter().enumerate() {
        let formats = root.path().join(name).join("formats");
        std::fs::create_dir_all(&formats).unwrap();
        std::fs::write(root.path().join(name).join("record.json"), "{}").unwrap();
        let when = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000 + i as u64);
        std::fs::File::open(&formats).unwrap().set_modified(when).unwrap();
    }
    prune(root.path(), 2);
    assert!(!root.path().join("a/formats").exists());
    assert!(root.path().join("a/record.json").exists());
    assert!(root.path().join("b/formats").exists() && root.path().join("c/formats").exists());
}
