//! Key invariants at the level users see them: directives in files on disk.

use super::*;
use crate::scan::scan_files;
use std::fs;
use std::path::PathBuf;

/// A project in `<tempdir>/proj`, so tests can also place files just outside it.
struct Project {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Project {
    fn new(paper: &str) -> Project {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("proj");
        fs::create_dir_all(root.join("data")).unwrap();
        fs::write(root.join("data/acc.csv"), "model,acc\nA,0.9\nB,0.8\n").unwrap();
        fs::write(root.join("paper.md"), paper).unwrap();
        Project { _dir: dir, root }
    }

    fn root(&self) -> &Path {
        &self.root
    }

    fn plan_with(&self, config: &Config) -> Plan {
        let scan = scan_files(self.root(), &[self.root().join("paper.md")]);
        assert!(scan.diagnostics.is_empty(), "{:?}", scan.diagnostics);
        plan(self.root(), config, &Registry::builtin(), &scan.directives)
    }

    fn plan(&self) -> Plan {
        self.plan_with(&Config::defaults(self.root()))
    }

    fn key(&self) -> Digest {
        let p = self.plan();
        assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics.iter().map(|d| d.render()).collect::<Vec<_>>());
        p.jobs[0].key
    }
}

fn fig(attrs: &str) -> String {
    format!("# Paper\n\n```{{paperfig {attrs}}}\nBar chart of accuracy\n```\n")
}

const BASE: &str = "#fig:acc kind=plot data=data/acc.csv caption=\"Top-1\" title=Accuracy";

#[test]
fn attribute_order_and_whitespace_do_not_matter() {
    let a = Project::new(&fig(BASE)).key();
    let b = Project::new(&fig("title=Accuracy   caption=\"Top-1\" data=data/acc.csv\tkind=plot #fig:acc")).key();
    assert_eq!(a, b);
}

#[test]
fn moving_the_project_and_touching_files_do_not_matter() {
    let p = Project::new(&fig(BASE));
    let k1 = p.key();
    // Touch: rewrite the data file with the same bytes and a new mtime.
    let data = p.root().join("data/acc.csv");
    let bytes = fs::read(&data).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    fs::write(&data, &bytes).unwrap();
    assert_eq!(p.key(), k1);
    // Move: the same files in another folder.
    let q = Project::new(&fig(BASE));
    assert_ne!(p.root(), q.root());
    assert_eq!(q.key(), k1);
}

#[test]
fn data_contents_change_the_key_but_its_path_does_not() {
    let p = Project::new(&fig(BASE));
    let k1 = p.key();
    fs::write(p.root().join("data/acc.csv"), "model,acc\nA,0.9\nB,0.7\n").unwrap();
    assert_ne!(p.key(), k1);

    let q = Project::new(&fig(&BASE.replace("data/acc.csv", "renamed.csv")));
    fs::copy(q.root().join("data/acc.csv"), q.root().join("renamed.csv")).unwrap();
    assert_eq!(q.key(), k1, "the same contents under another name are the same input");
}

#[test]
fn presentation_attributes_and_id_do_not_change_the_key() {
    let k = Project::new(&fig(BASE)).key();
    for other in [
        BASE.replace("Top-1", "Top-5 accuracy"),
        BASE.replace("#fig:acc", "#fig:other"),
        format!("{BASE} width=50% placement=t"),
    ] {
        assert_eq!(Project::new(&fig(&other)).key(), k, "{other}");
    }
}

#[test]
fn figure_attributes_body_size_and_formats_change_the_key() {
    let k = Project::new(&fig(BASE)).key();
    for other in [
        fig(&BASE.replace("Accuracy", "Acc")),
        fig(&format!("{BASE} logy=true")),
        fig(&format!("{BASE} size=wide")),
        fig(&format!("{BASE} height=3in")),
        fig(&format!("{BASE} formats=svg")),
        fig(BASE).replace("Bar chart", "Line chart"),
    ] {
        assert_ne!(Project::new(&other).key(), k, "{other}");
    }
}

#[test]
fn configuration_that_shapes_outputs_changes_the_key() {
    let p = Project::new(&fig(BASE));
    let k = p.key();
    let mut c = Config::defaults(p.root());
    c.png_dpi = 300.0;
    assert_ne!(p.plan_with(&c).jobs[0].key, k);
    let mut c = Config::defaults(p.root());
    c.size = "wide".into();
    assert_ne!(p.plan_with(&c).jobs[0].key, k);
    let mut c = Config::defaults(p.root());
    c.output_dir = p.root().join("elsewhere");
    assert_eq!(p.plan_with(&c).jobs[0].key, k, "where outputs are written is not an input");
}

#[test]
fn the_request_holds_no_paths() {
    let p = Project::new(&fig(BASE));
    let plan = p.plan();
    let req = &plan.jobs[0].request;
    let dump = format!("{:?}", req.attrs) + &req.body;
    assert!(!dump.contains("acc.csv"), "{dump}");
    assert!(!req.attrs.contains_key("caption"));
    assert_eq!(&**req.files["data"].bytes, b"model,acc\nA,0.9\nB,0.8\n");
}

#[test]
fn unreadable_data_file_is_located_and_other_figures_still_plan() {
    let text =
        format!("{}\n{}", fig("#fig:a kind=plot data=data/missing.csv"), fig("#fig:b kind=plot data=data/acc.csv"));
    let p = Project::new(&text);
    let plan = p.plan();
    assert_eq!(plan.jobs.len(), 1);
    assert_eq!(plan.jobs[0].directive.name, "fig:b");
    let d = &plan.diagnostics[0];
    assert!(d.message.contains("cannot read data file `data/missing.csv`: no such file"), "{}", d.message);
    assert_eq!(d.location().unwrap(), "paper.md:3:36");
    assert!(d.hints[0].contains("relative to the folder of paper.md"));
    assert_eq!(d.figure.as_deref(), Some("fig:a"));
}

#[test]
fn files_outside_the_project_are_refused() {
    let p = Project::new(&fig("kind=plot data=../outside.csv"));
    fs::write(p.root().parent().unwrap().join("outside.csv"), "a,b\n1,2\n").unwrap();
    let plan = p.plan();
    assert!(plan.jobs.is_empty());
    assert!(
        plan.diagnostics[0].message.contains("`../outside.csv` is outside the project"),
        "{}",
        plan.diagnostics[0].message
    );
}

#[test]
fn kinds_without_a_provider_and_unknown_providers_are_errors() {
    let p = Project::new(&fig("kind=plot provider=nonesuch"));
    let d = &p.plan().diagnostics[0];
    assert!(d.message.contains("no provider `nonesuch` for kind `plot`"), "{}", d.message);
    assert!(d.hints[0].contains("builtin"));
    let p = Project::new(&fig("kind=image"));
    let d = &p.plan().diagnostics[0];
    assert!(d.message.contains("kind `image`"), "{}", d.message);
}

#[test]
fn bad_size_and_formats_are_located() {
    let d = &Project::new(&fig("kind=plot size=huge")).plan().diagnostics[0];
    assert!(d.message.contains("unknown figure size `huge`"));
    assert_eq!(d.location().unwrap(), "paper.md:3:29");
    let d = &Project::new(&fig("kind=plot formats=svg,gif")).plan().diagnostics[0];
    assert!(d.message.contains("`gif`"));
}

/// An extract figure whose PDF is `lib/a.pdf`, cited as `chen` through `refs.bib`.
fn extract_project(link: &str, pdf: &[u8]) -> Project {
    let p = Project::new(&format!("# Paper\n\n{link}\n"));
    fs::create_dir_all(p.root().join("lib")).unwrap();
    fs::write(p.root().join("lib/a.pdf"), pdf).unwrap();
    fs::write(p.root().join("refs.bib"), "@article{chen, file = {lib/a.pdf}}\n").unwrap();
    p
}

#[test]
fn extract_key_has_the_pdf_contents_not_its_path_key_or_caption() {
    let link = "![Caption](cite:chen#figure=2)";
    let p = extract_project(link, b"%PDF-1.7 one");
    let job = &p.plan().jobs[0];
    assert_eq!(job.request.files["pdf"].bytes.as_slice(), b"%PDF-1.7 one");
    assert_eq!(job.request.attrs.keys().collect::<Vec<_>>(), ["figure"], "no cite, pdf or provenance");
    let k1 = p.key();
    // Same PDF by path, another caption, provenance off: same key.
    let by_path = extract_project("![Other](lib/a.pdf#figure=2&provenance=false)", b"%PDF-1.7 one");
    assert_eq!(by_path.key(), k1);
    // Other contents, other figure, page, bbox or dpi: other keys.
    assert_ne!(extract_project(link, b"%PDF-1.7 two").key(), k1);
    for other in ["figure=3", "figure=2&page=1", "page=1&bbox=0,0,9,9", "figure=2&dpi=300", "figure=2&trim=false"] {
        assert_ne!(extract_project(&format!("![C](cite:chen#{other})"), b"%PDF-1.7 one").key(), k1, "{other}");
    }
}

#[test]
fn extract_citation_search_order() {
    let p = extract_project("![C](cite:chen#figure=1)", b"%PDF-1.7 bib");
    // [extract] bibliography wins over the project's .bib files, pdf_dir is the fallback.
    fs::create_dir_all(p.root().join("pdfs")).unwrap();
    fs::write(p.root().join("pdfs/chen.pdf"), b"%PDF-1.7 dir").unwrap();
    fs::write(p.root().join("empty.bib"), "@misc{other, title={x}}\n").unwrap();
    let mut config = Config::defaults(p.root());
    config.extract.pdf_dir = Some(p.root().join("pdfs"));
    let pdf_of = |config: &Config| p.plan_with(config).jobs[0].request.files["pdf"].bytes.to_vec();
    assert_eq!(pdf_of(&config), b"%PDF-1.7 bib");
    config.extract.bibliography = Some(vec![p.root().join("empty.bib")]);
    assert_eq!(pdf_of(&config), b"%PDF-1.7 dir");
    config.extract.pdf_dir = None;
    let plan = p.plan_with(&config);
    assert!(plan.jobs.is_empty());
    let d = &plan.diagnostics[0];
    assert!(d.message.contains("no PDF for citation `chen`"), "{}", d.message);
    assert!(d.message.contains("searched empty.bib"), "{}", d.message);
    assert_eq!(d.location().unwrap(), "paper.md:3:6");
}

#[test]
fn extract_pdf_outside_the_project_is_refused() {
    let p = extract_project("![C](cite:chen#figure=1)", b"%PDF-1.7");
    fs::write(p.root().parent().unwrap().join("out.pdf"), b"%PDF-1.7").unwrap();
    fs::write(p.root().join("refs.bib"), "@article{chen, file = {../out.pdf}}\n").unwrap();
    let plan = p.plan();
    assert!(plan.diagnostics[0].message.contains("outside the project"), "{}", plan.diagnostics[0].message);
}

#[test]
fn a_width_of_many_line_widths_and_a_bad_placement_are_errors_at_their_values() {
    let d = &Project::new(&fig("kind=plot data=data/acc.csv width=80")).plan().diagnostics[0];
    assert_eq!(d.message, "width=80 is not a share of the line width");
    assert!(d.hints[0].starts_with("did you mean 80%?"), "{}", d.hints[0]);
    let d = &Project::new(&fig("kind=plot data=data/acc.csv placement=q")).plan().diagnostics[0];
    assert_eq!(d.message, "placement=q is not a LaTeX float placement");
    for ok in ["width=0.8", "width=80%", "width=8cm", "placement=tbp", "placement=H", "placement=!ht"] {
        let plan = Project::new(&fig(&format!("kind=plot data=data/acc.csv {ok}"))).plan();
        assert!(plan.diagnostics.is_empty(), "{ok}: {:?}", plan.diagnostics);
    }
}

#[test]
fn unknown_attributes_are_errors_at_their_name_with_the_nearest_name() {
    let d = &Project::new(&fig("kind=plot data=data/acc.csv xlable=Model")).plan().diagnostics[0];
    assert!(d.message.contains("unknown attribute `xlable` for a plot figure"), "{}", d.message);
    // the name, not the value: "```{paperfig " is 13 columns, "kind=plot " 10, "data=data/acc.csv " 18
    assert_eq!(d.location().unwrap(), "paper.md:3:42");
    assert!(d.hints[0].contains("did you mean `xlabel`?"), "{}", d.hints[0]);
    // a typo of an attribute of every figure, not the provider's
    let d = &Project::new(&fig("kind=plot data=data/acc.csv capton=Accuracy")).plan().diagnostics[0];
    assert!(d.hints[0].contains("did you mean `caption`?"), "{}", d.hints[0]);
    let d = &Project::new(&fig("kind=diagram colour=blue")).plan().diagnostics[0];
    assert!(d.message.contains("unknown attribute `colour` for a diagram figure"), "{}", d.message);
    assert!(d.hints[0].contains("direction, syntax"), "{}", d.hints[0]);
    // every attribute a provider documents still plans
    let all = "kind=plot data=data/acc.csv chart=bar x=model y=acc title=T xlabel=a ylabel=b legend=none \
               labels=true markers=false log=none logx=false logy=false xlim=0,1 ylim=0,1 fit=none";
    let p = Project::new(&fig(all)).plan();
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics.iter().map(|d| d.render()).collect::<Vec<_>>());
    let p = Project::new(&fig("kind=diagram syntax=dot direction=right size=wide caption=x")).plan();
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics.iter().map(|d| d.render()).collect::<Vec<_>>());
}

#[test]
fn an_attribute_of_another_provider_names_that_provider() {
    let p = extract_project("![A figure](cite:chen#figure=2)", b"%PDF-1.7 one");
    fs::write(p.root().join("paperfig.toml"), "[providers.pm]\ntype = \"papermill\"\napi_key_env = \"PM_KEY\"\n")
        .unwrap();
    let md = "# Paper\n\n```{paperfig #fig:x kind=extract provider=pm cite=chen figure=2 page=3}\n```\n";
    fs::write(p.root().join("paper.md"), md).unwrap();
    let file = Arc::new(crate::diag::SourceFile::new(
        "paperfig.toml".into(),
        p.root().join("paperfig.toml"),
        fs::read_to_string(p.root().join("paperfig.toml")).unwrap(),
    ));
    let config = Config::parse(p.root(), &file).unwrap();
    let scan = scan_files(p.root(), &[p.root().join("paper.md")]);
    let planned = plan(p.root(), &config, &Registry::for_config(&config), &scan.directives);
    let d = &planned.diagnostics[0];
    assert!(d.message.contains("unknown attribute `page` for an extract figure (pm)"), "{}", d.message);
    assert!(d.hints[0].contains("read by provider `builtin`"), "{}", d.hints[0]);
    // the builtin extractor takes the same figure with page=
    let md = "# Paper\n\n```{paperfig #fig:x kind=extract cite=chen figure=2 page=3}\n```\n";
    fs::write(p.root().join("paper.md"), md).unwrap();
    let scan = scan_files(p.root(), &[p.root().join("paper.md")]);
    let planned = plan(p.root(), &config, &Registry::for_config(&config), &scan.directives);
    assert!(planned.diagnostics.is_empty(), "{:?}", planned.diagnostics.iter().map(|d| d.render()).collect::<Vec<_>>());
}
