//! The TikZ provider with a fake engine that records each document it is given: what the
//! key covers, which pictures share a document, and where TeX's errors land.

use std::collections::BTreeMap;
use std::sync::Mutex;

use hayro_write::pdf_writer::Content;

use super::*;
use crate::key::key_of;
use crate::model::{Format, InputFile, OutputSpec};

/// Answers every compile with `answer(document)`, and keeps the documents.
struct Fake {
    digest: String,
    docs: Mutex<Vec<String>>,
    answer: fn(&str) -> TexOutput,
}

impl TexEngine for Fake {
    fn tex_digest(&self) -> Result<String, String> {
        Ok(self.digest.clone())
    }
    fn compile(&self, job: &TexJob<'_>) -> Result<TexOutput, String> {
        self.docs.lock().unwrap().push(job.tex.to_string());
        Ok((self.answer)(job.tex))
    }
}

fn fake(answer: fn(&str) -> TexOutput) -> Arc<Fake> {
    Arc::new(Fake { digest: "tex-a".into(), docs: Mutex::new(Vec::new()), answer })
}

/// A PDF with one page per `paperfigpage` of the document.
fn one_page_each(doc: &str) -> TexOutput {
    let n = doc.matches("\\begin{paperfigpage}").count().max(1);
    let pages = (0..n).map(|_| Box::new(|_: &mut Content| {}) as crate::extract::testpdf::Draw).collect();
    TexOutput { pdf: Some(crate::extract::testpdf::pages(100.0, 50.0, pages)), ..TexOutput::default() }
}

/// An undefined control sequence at the document's line holding `\drawx`.
fn error_at_drawx(doc: &str) -> TexOutput {
    let line = doc.lines().position(|l| l.contains("\\drawx")).map(|i| i + 1);
    let problem =
        TexProblem { line, message: "Undefined control sequence".into(), context: vec!["l.9 \\drawx".into()] };
    TexOutput { pdf: None, errors: vec![problem], timed_out: false }
}

fn request(body: &str) -> Request {
    Request {
        kind: Kind::Tikz,
        provider: "builtin".into(),
        provider_version: VERSION.into(),
        attrs: BTreeMap::new(),
        body: body.into(),
        files: BTreeMap::new(),
        extra: BTreeMap::new(),
        output: OutputSpec { formats: vec![Format::Pdf, Format::Png], width_in: 3.3, height_in: 2.0, png_dpi: 96.0 },
    }
}

const PIC: &str = "\\begin{tikzpicture}\n\\draw (0,0) -- (1,1);\n\\end{tikzpicture}";

/// The key of `req` after `prepare` in a folder holding `files`.
fn prepared_key(provider: &TikzProvider, mut req: Request, files: &[(&str, &str)]) -> Digest {
    let dir = tempfile::tempdir().unwrap();
    for (rel, text) in files {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let root = dir.path().canonicalize().unwrap();
    provider.prepare(&mut req, &PrepareContext::new(&root, &root)).unwrap();
    key_of(&req)
}

#[test]
fn every_input_of_a_picture_changes_its_key() {
    let p = TikzProvider::new(fake(one_page_each));
    let with = |attrs: &[(&str, &str)], body: &str| {
        let mut r = request(body);
        r.attrs = attrs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        r
    };
    let files = [("data/a.csv", "x,y\n1,2\n"), ("data/b.csv", "x,y\n1,2\n"), ("style.tex", "\\def\\s{1}")];
    let base = prepared_key(&p, with(&[("data", "data/a.csv"), ("inputs", "style.tex")], PIC), &files);
    assert_eq!(base, prepared_key(&p, with(&[("data", "data/a.csv"), ("inputs", "style.tex")], PIC), &files));
    // The body.
    let body = PIC.replace("(1,1)", "(1,2)");
    assert_ne!(base, prepared_key(&p, with(&[("data", "data/a.csv"), ("inputs", "style.tex")], &body), &files));
    // The data file's contents, and its path (the body names it).
    let edited = [("data/a.csv", "x,y\n1,3\n"), files[1], files[2]];
    assert_ne!(base, prepared_key(&p, with(&[("data", "data/a.csv"), ("inputs", "style.tex")], PIC), &edited));
    assert_ne!(base, prepared_key(&p, with(&[("data", "data/b.csv"), ("inputs", "style.tex")], PIC), &files));
    // An `inputs=` file's contents.
    let restyled = [files[0], files[1], ("style.tex", "\\def\\s{2}")];
    assert_ne!(base, prepared_key(&p, with(&[("data", "data/a.csv"), ("inputs", "style.tex")], PIC), &restyled));
    // The preamble's contents (the planner reads `preamble=` into `files`).
    let mut pre = with(&[("data", "data/a.csv"), ("inputs", "style.tex")], PIC);
    pre.files.insert("preamble".into(), InputFile::new("tex", b"\\usetikzlibrary{arrows}".to_vec()));
    let k_pre = prepared_key(&p, pre.clone(), &files);
    assert_ne!(base, k_pre);
    pre.files.insert("preamble".into(), InputFile::new("tex", b"\\usetikzlibrary{shapes}".to_vec()));
    assert_ne!(k_pre, prepared_key(&p, pre, &files));
    // The TeX files.
    let other_tex = TikzProvider::new(Arc::new(Fake {
        digest: "tex-b".into(),
        docs: Mutex::new(Vec::new()),
        answer: one_page_each,
    }));
    assert_ne!(base, prepared_key(&other_tex, with(&[("data", "data/a.csv"), ("inputs", "style.tex")], PIC), &files));
}

#[test]
fn an_empty_body_and_a_missing_data_file_are_errors_at_plan_time() {
    let p = TikzProvider::new(fake(one_page_each));
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let ctx = PrepareContext::new(&root, &root);
    let e = p.prepare(&mut request("  \n"), &ctx).unwrap_err();
    assert!(e.message.contains("without a picture"), "{e}");
    let mut r = request(PIC);
    r.attrs.insert("data".into(), "data/none.csv".into());
    let e = p.prepare(&mut r, &ctx).unwrap_err();
    assert_eq!(e.attr.as_deref(), Some("data"));
}

#[test]
fn pictures_with_one_preamble_share_a_document_and_each_gets_its_page() {
    let engine = fake(one_page_each);
    let p = TikzProvider::new(engine.clone());
    let reqs: Vec<Request> = (0..3).map(|i| request(&PIC.replace("(1,1)", &format!("({i},1)")))).collect();
    let keys: Vec<Digest> = reqs.iter().map(key_of).collect();
    let jobs: Vec<(&Request, &Digest)> = reqs.iter().zip(&keys).collect();
    p.make_together(&jobs);
    let docs = engine.docs.lock().unwrap().clone();
    assert_eq!(docs.len(), 1, "one document for three pictures");
    assert_eq!(docs[0].matches("\\begin{paperfigpage}").count(), 3);
    for (r, k) in reqs.iter().zip(&keys) {
        let made = p.generate(r, k).unwrap();
        assert_eq!(made.iter().map(|a| a.format).collect::<Vec<_>>(), [Format::Pdf, Format::Png]);
    }
    assert_eq!(engine.docs.lock().unwrap().len(), 1, "generate took what make_together made");
}

#[test]
fn a_broken_picture_in_a_shared_document_is_compiled_alone_and_located_in_its_body() {
    let engine = fake(|doc| if doc.contains("\\drawx") { error_at_drawx(doc) } else { one_page_each(doc) });
    let p = TikzProvider::new(engine.clone());
    let broken = "\\begin{tikzpicture}\n\\fill (0,0) circle (1);\n\\drawx (0,0);\n\\end{tikzpicture}";
    let reqs = [request(PIC), request(broken)];
    let keys: Vec<Digest> = reqs.iter().map(key_of).collect();
    let jobs: Vec<(&Request, &Digest)> = reqs.iter().zip(&keys).collect();
    p.make_together(&jobs);
    assert!(p.generate(&reqs[0], &keys[0]).is_ok());
    let e = p.generate(&reqs[1], &keys[1]).unwrap_err();
    assert_eq!(e.body, Some(line_range(broken, 3)), "{e:?}");
    assert!(e.message.contains("Undefined control sequence") && e.hint.unwrap().contains("l.9"));
    assert_eq!(engine.docs.lock().unwrap().len(), 3, "the shared document, then each picture alone");
}

#[test]
fn different_preambles_and_clashing_files_make_separate_documents() {
    let mut a = request(PIC);
    a.files.insert("preamble".into(), InputFile::new("tex", b"\\usetikzlibrary{arrows}".to_vec()));
    let b = request(PIC);
    let mut c = request(PIC);
    c.files.insert(format!("{INPUT}d.csv"), InputFile::new("csv", b"1".to_vec()));
    let mut d = request(PIC);
    d.files.insert(format!("{INPUT}d.csv"), InputFile::new("csv", b"2".to_vec()));
    let whole = request("\\documentclass{standalone}\n\\begin{document}x\\end{document}");
    let reqs = [a, b, c, d, whole];
    let keys: Vec<Digest> = reqs.iter().map(key_of).collect();
    let jobs: Vec<(&Request, &Digest)> = reqs.iter().zip(&keys).collect();
    let groups: Vec<usize> = batches(&jobs).iter().map(Vec::len).collect();
    // b with c (no preamble, no clash); d clashes with c; a has its own preamble; the whole
    // document is always alone: only the one group of two is worth a shared document.
    assert_eq!(groups, [2]);
}

#[test]
fn a_preamble_error_points_into_the_preamble_file() {
    let engine = fake(|doc| {
        let line = doc.lines().position(|l| l.contains("\\oops")).map(|i| i + 1);
        TexOutput {
            errors: vec![TexProblem { line, message: "Undefined control sequence".into(), context: vec![] }],
            ..TexOutput::default()
        }
    });
    let p = TikzProvider::new(engine);
    let mut r = request(PIC);
    r.files.insert("preamble".into(), InputFile::new("tex", b"\\usetikzlibrary{arrows}\n\\oops".to_vec()));
    let e = p.generate(&r, &key_of(&r)).unwrap_err();
    assert_eq!((e.attr.as_deref(), e.file_line), (Some("preamble"), Some(2)));
}

#[test]
fn a_picture_stopped_at_its_time_limit_says_so() {
    let p = TikzProvider::new(fake(|_| TexOutput { timed_out: true, ..TexOutput::default() }));
    let r = request(PIC);
    let e = p.generate(&r, &key_of(&r)).unwrap_err();
    assert!(e.message.contains("ran longer than"), "{e}");
}
