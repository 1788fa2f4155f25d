//! `paperfig build` on the TeX a user has and with the habits real papers have: trees
//! found through `kpsewhich` (a TeX Live installer's layout through `TEXMFCNF`, a package
//! in `TEXMFHOME`), the format shared by projects in the user's cache, biblatex with
//! biber, SyncTeX, minted under shell escape, and untrusted documents kept to the project.
//! PDFs are read with poppler's `pdftotext`; SyncTeX files with the `synctex` tool.

use std::path::Path;
use std::process::Command;

use crate::util::{PaperTest, Run, pdf_text};

const EPOCH: (&str, &str) = ("SOURCE_DATE_EPOCH", "1700000000");

fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn paper(text: &str) -> PaperTest {
    PaperTest::new().file("paper.tex", text)
}

fn build(t: &PaperTest, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut all = vec!["build"];
    all.extend_from_slice(args);
    let mut env = env.to_vec();
    env.push(EPOCH);
    t.run_env(&all, &env)
}

#[cfg(unix)]
fn link(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(from, to).unwrap();
}

#[cfg(unix)]
#[test]
fn trees_come_from_kpsewhich_with_texmfcnf_in_an_installer_layout() {
    // /usr/local/texlive/2026 as TeX Live's installer lays it out, with its own texmf.cnf;
    // the distribution's files are Debian's (linked), TEXMFLOCAL holds a package that is
    // nowhere else.
    let t = paper("\\documentclass{article}\n\\usepackage{tlonly}\n\\begin{document}\n\\tlonly\n\\end{document}\n");
    let tl = t.root.parent().unwrap().join("texlive");
    link(Path::new("/usr/share/texlive/texmf-dist"), &tl.join("2026/texmf-dist"));
    link(Path::new("/usr/share/texmf"), &tl.join("2026/texmf-debian"));
    let sty = tl.join("texmf-local/tex/latex/tlonly/tlonly.sty");
    std::fs::create_dir_all(sty.parent().unwrap()).unwrap();
    std::fs::write(&sty, "\\newcommand\\tlonly{Read from the TEXMFLOCAL of the installer.}\n").unwrap();
    let root = tl.join("2026");
    let cnf = format!(
        "TEXMFROOT = {root}\nTEXMFDIST = $TEXMFROOT/texmf-dist\nTEXMFLOCAL = $TEXMFROOT/../texmf-local\n\
         TEXMFDEBIAN = $TEXMFROOT/texmf-debian\nTEXMFHOME = {home}\n\
         TEXMF = {{$TEXMFHOME,!!$TEXMFLOCAL,!!$TEXMFDEBIAN,!!$TEXMFDIST}}\n",
        root = root.display(),
        home = tl.join("no-home").display(),
    );
    std::fs::write(root.join("texmf.cnf"), cnf).unwrap();
    let env = [("TEXMFCNF", root.to_str().unwrap())];

    let status = t.run_env(&["status", "--json"], &env).ok().json();
    let tex = &status["tex"];
    assert_eq!(tex["origin"], "kpsewhich", "{tex}");
    assert!(tex["found_by"].as_str().unwrap().contains("TEXMFCNF="), "{tex}");
    let trees: Vec<&str> = tex["trees"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    let want: Vec<String> =
        ["../texmf-local", "texmf-debian", "texmf-dist"].iter().map(|p| root.join(p).display().to_string()).collect();
    assert_eq!(trees, want, "kpathsea's order, the missing TEXMFHOME left out");

    build(&t, &[], &env).ok();
    assert!(words(&pdf_text(&t.path("build/paper.pdf"))).contains("Read from the TEXMFLOCAL of the installer."));
    // Without the installer's configuration the package is not found, with a located error.
    build(&t, &[], &[]).code(1).stderr_has("tlonly.sty").stderr_has("paper.tex:2:");
}

#[test]
fn a_package_in_texmfhome_is_found_and_one_copied_in_later_counts_at_once() {
    let t = paper("\\documentclass{article}\n\\usepackage{mine}\n\\begin{document}\n\\mine\n\\end{document}\n");
    let home = t.root.parent().unwrap().join("home-texmf");
    let sty = home.join("tex/latex/mine/mine.sty");
    std::fs::create_dir_all(sty.parent().unwrap()).unwrap();
    let env = [("TEXMFHOME", home.to_str().unwrap())];
    build(&t, &[], &env).code(1).stderr_has("mine.sty");
    // Copied in after a build: no mktexlsr, as with kpathsea for TEXMFHOME.
    std::fs::write(&sty, "\\newcommand\\mine{From my own texmf tree.}\n").unwrap();
    build(&t, &[], &env).ok();
    assert!(words(&pdf_text(&t.path("build/paper.pdf"))).contains("From my own texmf tree."));
}

#[test]
fn a_new_project_reuses_the_format_in_the_user_cache() {
    let cache = tempfile::tempdir().unwrap();
    let env = [("XDG_CACHE_HOME", cache.path().to_str().unwrap())];
    let doc = "\\documentclass{article}\n\\begin{document}\nOne.\n\\end{document}\n";
    let first = paper(doc);
    build(&first, &[], &env).ok();
    let second = paper(&doc.replace("One.", "Two."));
    build(&second, &[], &env).ok();
    assert!(words(&pdf_text(&second.path("build/paper.pdf"))).contains("Two."));
    let formats: Vec<_> = std::fs::read_dir(cache.path().join("paperfig/tex/formats")).unwrap().collect();
    assert_eq!(formats.len(), 1, "one format for both projects");
    for t in [&first, &second] {
        assert!(!t.path(".paperfig/tex/formats").exists(), "no format inside a project");
    }
}

#[test]
fn biblatex_with_biber_and_its_errors_located_in_the_bib_file() {
    let t = paper(
        "\\documentclass{article}\n\\usepackage[backend=biber]{biblatex}\n\\addbibresource{refs.bib}\n\
         \\begin{document}\nAs \\textcite{knuth84} shows.\n\\printbibliography\n\\end{document}\n",
    )
    .file("refs.bib", "@book{knuth84,\n  author = {Donald E. Knuth},\n  title = {The TeXbook},\n  year = {1984}\n}\n");
    build(&t, &[], &[]).ok();
    let text = words(&pdf_text(&t.path("build/paper.pdf")));
    assert!(text.contains("As Knuth [1] shows.") && text.contains("The TeXbook"), "{text}");
    // An entry that never closes: biber's error at the .bib file's line.
    t.write("refs.bib", "@book{knuth84,\n  title = {The TeXbook},\n@book{other,\n  title = {X}}\n");
    build(&t, &[], &[]).code(1).stderr_has("biber:").stderr_has("refs.bib:");
    // No biber on PATH (TeX is then found at Debian's paths): said so, with what to install.
    t.write("refs.bib", "@book{knuth84,\n  title = {The TeXbook},\n  year = {1984}\n}\n");
    build(&t, &[], &[("PATH", "/nonexistent")]).code(1).stderr_has("biblatex needs biber");
}

#[test]
fn synctex_leads_from_source_lines_to_the_pdf_and_back() {
    let t =
        paper("\\documentclass{article}\n\\begin{document}\nFirst paragraph.\n\n\\input{chapter}\n\\end{document}\n")
            .file("chapter.tex", "A paragraph of the chapter file.\n");
    build(&t, &[], &[]).ok();
    let synctex = t.path("build/paper.synctex.gz");
    assert!(synctex.is_file());
    let chapter = t.path("chapter.tex").canonicalize().unwrap();
    let pdf = t.path("build/paper.pdf");
    let view = Command::new("synctex")
        .args(["view", "-i", &format!("1:1:{}", chapter.display()), "-o", pdf.to_str().unwrap()])
        .output()
        .unwrap();
    let view = String::from_utf8_lossy(&view.stdout);
    assert!(view.contains("Page:1"), "forward search into the chapter: {view}");
    let y: f64 = view.lines().find_map(|l| l.strip_prefix("y:")).unwrap().parse().unwrap();
    let edit = Command::new("synctex")
        .args(["edit", "-o", &format!("1:150:{}:{}", 792.0 - y, pdf.display())])
        .output()
        .unwrap();
    let edit = String::from_utf8_lossy(&edit.stdout);
    let main = t.path("paper.tex").canonicalize().unwrap();
    assert!(
        edit.contains(&format!("Input:{}", chapter.display())) || edit.contains(&format!("Input:{}", main.display())),
        "inverse search names a source by its path: {edit}"
    );
}

#[test]
fn minted_needs_shell_escape_which_locked_builds_never_get() {
    let doc = "\\documentclass{article}\n\\usepackage{minted}\n\\begin{document}\n\
               \\begin{minted}{python}\ndef greet(name): return 'hello ' + name\n\\end{minted}\n\\end{document}\n";
    let t = paper(doc);
    build(&t, &[], &[]).code(1).stderr_has("shell-escape").stderr_has("[build] shell_escape = true");
    t.write("paperfig.toml", "[build]\nshell_escape = true\n");
    build(&t, &[], &[]).ok();
    assert!(words(&pdf_text(&t.path("build/paper.pdf"))).contains("def greet(name): return 'hello ' + name"));
    t.run(&["gen"]).ok();
    build(&t, &["--locked"], &[]).code(1).stderr_has("--locked never runs commands from TeX");
}

#[test]
fn an_untrusted_document_reads_only_the_project() {
    let t = paper("\\documentclass{article}\n\\begin{document}\nHost:\n\\input{/etc/hostname}\n\\end{document}\n");
    let run = build(&t, &[], &[]).code(1);
    let run = run.stderr_has("TeX may not read `/etc/hostname`").stderr_has("paper.tex:4:8");
    run.stderr_has("trust = \"all\"");
    assert!(
        !t.path("build/paper.pdf").exists() && !t.path("build/paper.log").exists(),
        "nothing of the run is written"
    );
    // A relative path out of the project, the same.
    let outside = t.root.parent().unwrap().join("private.tex");
    std::fs::write(&outside, "A private note.\n").unwrap();
    t.write("paper.tex", "\\documentclass{article}\n\\begin{document}\n\\input{../private}\n\\end{document}\n");
    build(&t, &[], &[]).code(1).stderr_has("TeX may not read `../private");
    // The user's own machine: trusted.
    build(&t, &["--trust-all"], &[]).ok();
    assert!(words(&pdf_text(&t.path("build/paper.pdf"))).contains("A private note."));
}

/// The TeX files a build of `t` reads from the installed trees, as (path in its tree, bytes):
/// what a bundle needs to build it (the format included: the user cache is new).
fn files_read(t: &PaperTest) -> Vec<(String, Vec<u8>)> {
    let cache = tempfile::tempdir().unwrap();
    let run = build(t, &["--json"], &[("XDG_CACHE_HOME", cache.path().to_str().unwrap())]).ok();
    let status = t.run(&["status", "--json"]).ok().json();
    let trees: Vec<String> =
        status["tex"]["trees"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().into()).collect();
    let mut files = Vec::new();
    for f in run.json()["compile"]["tex_files"].as_array().unwrap() {
        let f = f.as_str().unwrap();
        let rel = trees.iter().find_map(|t| f.strip_prefix(&format!("{t}/"))).expect("a file of a tree");
        if !files.iter().any(|(p, _): &(String, Vec<u8>)| p == rel) {
            files.push((rel.to_string(), std::fs::read(f).unwrap()));
        }
    }
    assert!(files.len() > 20 && files.iter().any(|(p, _)| p.ends_with("/latex.ltx")), "{} files", files.len());
    files
}

#[test]
fn with_no_tex_the_bundle_is_fetched_once_and_then_used_offline() {
    let doc = "\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\nFrom the bundle: \
               $a^2+b^2=c^2$.\n\\end{document}\n";
    let t = paper(doc);
    // A bundle of exactly what this paper reads, made from the local TeX Live, served by nginx.
    let files = files_read(&t);
    let mut tops: Vec<String> = files.iter().map(|(p, _)| format!("/{}//", p.split('/').next().unwrap())).collect();
    tops.sort();
    tops.dedup();
    let search: Vec<&str> = tops.iter().map(String::as_str).collect();
    let mut nginx = crate::servers::Nginx::start();
    let mut ttb = std::fs::File::create(nginx.root.join("tl.ttb")).unwrap();
    let digest = paperfig::compile::remote::write::write_ttb(&mut ttb, &files, &search).unwrap();
    drop(ttb);
    let url = nginx.url("tl.ttb");
    let cache = tempfile::tempdir().unwrap();
    let env = [("XDG_CACHE_HOME", cache.path().to_str().unwrap())];
    let pinned = |d: &str| format!("[build]\nbundle = \"{url}\"\nbundle_digest = \"{d}\"\n");
    t.write("paperfig.toml", &pinned(&digest));
    let status = t.run_env(&["status", "--json"], &env).ok().json();
    assert_eq!((status["tex"]["origin"].as_str(), status["tex"]["bundle"].as_str()), (Some("bundle"), Some(&*url)));

    // Offline before anything was fetched: refused, nothing downloaded.
    build(&t, &["--offline"], &env).code(2).stderr_has("offline mode forbids downloading");
    // Online: fetched into the user's cache and built.
    build(&t, &[], &env).ok();
    assert!(words(&pdf_text(&t.path("build/paper.pdf"))).contains("From the bundle:"));
    assert!(cache.path().join("paperfig/bundles").join(&digest).join("INDEX").is_file());
    // The server gone: a changed paper builds offline from the cache alone.
    nginx.stop();
    t.write("paper.tex", &doc.replace("From the bundle:", "Offline again:"));
    build(&t, &["--offline"], &env).ok();
    assert!(words(&pdf_text(&t.path("build/paper.pdf"))).contains("Offline again:"));
    // A pin the bundle does not have is refused before TeX runs.
    t.write("paperfig.toml", &pinned(&"0".repeat(64)));
    build(&t, &[], &env).code(2).stderr_has("is pinned");
}

#[cfg(unix)]
#[test]
fn with_no_tex_installed_the_engines_default_bundle_is_fetched_once() {
    let doc = "\\documentclass{article}\n\\begin{document}\nNo TeX here, yet a PDF.\n\\end{document}\n";
    let t = paper(doc);
    // The default bundle's format (an indexed tar), made from what this paper reads.
    let files = files_read(&t);
    let mut nginx = crate::servers::Nginx::start();
    let mut tar = std::fs::File::create(nginx.root.join("tl.tar")).unwrap();
    let (index, digest) = paperfig::compile::remote::write::write_itar(&mut tar, &files).unwrap();
    drop(tar);
    std::fs::write(nginx.root.join("tl.tar.index.gz"), index).unwrap();
    // A machine with no TeX: the TeX configuration names one empty tree.
    let notex = t.root.parent().unwrap().join("notex");
    std::fs::create_dir_all(notex.join("texmf")).unwrap();
    std::fs::write(notex.join("texmf.cnf"), format!("TEXMF = {{{}}}\n", notex.join("texmf").display())).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let url = nginx.url("tl.tar");
    let env = [
        ("TEXMFCNF", notex.to_str().unwrap()),
        ("PAPERFIG_TEX_BUNDLE", url.as_str()),
        ("XDG_CACHE_HOME", cache.path().to_str().unwrap()),
    ];
    build(&t, &[], &env).ok();
    assert!(words(&pdf_text(&t.path("build/paper.pdf"))).contains("No TeX here, yet a PDF."));
    assert!(cache.path().join("paperfig/bundles").join(&digest).join("INDEX").is_file());
    nginx.stop();
    t.write("paper.tex", &doc.replace("yet a PDF", "and offline"));
    build(&t, &["--offline"], &env).ok();
    assert!(words(&pdf_text(&t.path("build/paper.pdf"))).contains("No TeX here, and offline."));
    // Nothing installed, nothing cached, offline: the error says what was searched.
    let fresh = tempfile::tempdir().unwrap();
    let env = [env[0], env[1], ("XDG_CACHE_HOME", fresh.path().to_str().unwrap())];
    build(&t, &["--offline"], &env).code(2).stderr_has("no TeX installation found").stderr_has("offline mode");
}
