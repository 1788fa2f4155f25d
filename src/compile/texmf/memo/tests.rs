use super::*;

/// A fake TeX installation: a program file and two `texmf.cnf` folders, the first with a
/// `texmf.cnf` that names `PF_MEMO_TREE`.
struct Install {
    dir: tempfile::TempDir,
    program: PathBuf,
    cnf_path: String,
    cnf_files: Vec<PathBuf>,
}

fn install() -> Install {
    let dir = tempfile::tempdir().unwrap();
    let program = dir.path().join("kpsewhich");
    std::fs::write(&program, "#!/bin/sh\n").unwrap();
    let (a, b) = (dir.path().join("etc"), dir.path().join("dist"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    let cnf = a.join("texmf.cnf");
    std::fs::write(&cnf, "% comment $NOT_THIS\nTEXMFHOME = ~/texmf\nTEXMF = {$TEXMFHOME,${PF_MEMO_TREE}}\n").unwrap();
    let cnf_path = format!("{}:{}", a.display(), b.display());
    Install { dir, program, cnf_path, cnf_files: vec![cnf] }
}

/// A moment late enough for the install's files to have settled (see `Fingerprint::racy`).
fn later() -> std::time::SystemTime {
    std::time::SystemTime::now() + crate::fsutil::RACY * 2
}

fn vars(pairs: &[(&str, &str)]) -> Vars {
    pairs.iter().map(|(k, v)| (OsString::from(k), OsString::from(v))).collect()
}

/// Records `answer` for the install in `env`, and returns the memo's path.
fn record(i: &Install, env: &Vars, answer: &str) -> PathBuf {
    let memo = file(&i.dir.path().join("cache"), &i.program);
    let inputs = Inputs::gather(&i.program, &i.cnf_path, &i.cnf_files, env, later()).expect("recordable");
    store(&memo, &inputs, answer);
    memo
}

#[test]
fn a_memo_answers_while_its_inputs_hold() {
    let i = install();
    let env = vars(&[("HOME", "/home/a"), ("PATH", "/bin")]);
    let memo = record(&i, &env, "/home/a/texmf:!!/usr/share/texmf");
    assert_eq!(load(&memo, &i.program, &env).as_deref(), Some("/home/a/texmf:!!/usr/share/texmf"));
    // A variable no texmf.cnf names and with no kpathsea prefix does not count.
    let other = vars(&[("HOME", "/home/a"), ("PATH", "/usr/bin")]);
    assert!(load(&memo, &i.program, &other).is_some());
    // Another program (another installation) has a memo of its own.
    assert_ne!(file(&i.dir.path().join("cache"), Path::new("/other/kpsewhich")), memo);
    assert_eq!(load(&memo, Path::new("/other/kpsewhich"), &env), None);
}

#[test]
fn a_changed_variable_that_texmf_cnf_names_or_kpathsea_reads_makes_the_memo_stale() {
    let i = install();
    let env = vars(&[("HOME", "/home/a")]);
    let memo = record(&i, &env, "/home/a/texmf");
    for changed in [
        vars(&[("HOME", "/home/b")]),
        vars(&[("HOME", "/home/a"), ("PF_MEMO_TREE", "/opt/tree")]),
        vars(&[("HOME", "/home/a"), ("TEXMFHOME", "/elsewhere")]),
        vars(&[("HOME", "/home/a"), ("TEXMFHOME_kpsewhich", "/elsewhere")]),
        vars(&[("HOME", "/home/a"), ("TEXMFCNF", "/my/cnf")]),
        vars(&[("HOME", "/home/a"), ("TEXMFANYTHING", "x")]),
        vars(&[("HOME", "/home/a"), ("KPATHSEA_DEBUG", "1")]),
        vars(&[]),
    ] {
        assert_eq!(load(&memo, &i.program, &changed), None, "{changed:?}");
    }
    // A name only in a comment is not read.
    assert!(load(&memo, &i.program, &vars(&[("HOME", "/home/a"), ("NOT_THIS", "x")])).is_some());
}

#[test]
fn an_edited_or_added_texmf_cnf_or_a_replaced_program_makes_the_memo_stale() {
    let env = vars(&[("HOME", "/h")]);
    // The texmf.cnf edited.
    let i = install();
    let memo = record(&i, &env, "/a");
    std::fs::write(&i.cnf_files[0], "TEXMF = /b\n").unwrap();
    assert_eq!(load(&memo, &i.program, &env), None);
    // A texmf.cnf added to a folder of the cnf path that had none.
    let i = install();
    let memo = record(&i, &env, "/a");
    std::thread::sleep(std::time::Duration::from_millis(5));
    std::fs::write(i.dir.path().join("dist/texmf.cnf"), "TEXMF = /c\n").unwrap();
    assert_eq!(load(&memo, &i.program, &env), None);
    // A folder of the cnf path that did not exist, created.
    let i = install();
    let cnf_path = format!("{}:{}", i.cnf_path, i.dir.path().join("later").display());
    let memo = file(&i.dir.path().join("cache"), &i.program);
    store(&memo, &Inputs::gather(&i.program, &cnf_path, &i.cnf_files, &env, later()).unwrap(), "/a");
    assert!(load(&memo, &i.program, &env).is_some());
    std::fs::create_dir(i.dir.path().join("later")).unwrap();
    assert_eq!(load(&memo, &i.program, &env), None);
    // The program upgraded in place.
    let i = install();
    let memo = record(&i, &env, "/a");
    std::fs::write(&i.program, "#!/bin/sh\n# a newer one\n").unwrap();
    assert_eq!(load(&memo, &i.program, &env), None);
}

#[test]
fn a_damaged_or_foreign_memo_is_ignored_and_unrecordable_values_are_not_recorded() {
    let i = install();
    let env = vars(&[("HOME", "/h")]);
    let memo = record(&i, &env, "/a");
    let text = std::fs::read_to_string(&memo).unwrap();
    for bad in [
        text.replace(HEADER, "paperfig kpsewhich memo 0"),
        text.replace("texmf\t/a\n", ""),
        format!("{text}what\tis this\n"),
        text[..text.len() / 2].to_string(),
        String::new(),
    ] {
        std::fs::write(&memo, bad).unwrap();
        assert_eq!(load(&memo, &i.program, &env), None);
    }
    // A value with a line break cannot be written down: no memo.
    assert!(Inputs::gather(&i.program, &i.cnf_path, &i.cnf_files, &vars(&[("HOME", "/h\nx")]), later()).is_none());
    // An answer with a line break is not stored.
    let fresh = file(&i.dir.path().join("cache2"), &i.program);
    store(&fresh, &Inputs::gather(&i.program, &i.cnf_path, &i.cnf_files, &env, later()).unwrap(), "/a\n/b");
    assert!(!fresh.exists());
}

#[test]
fn texmf_cnf_names_are_the_defined_and_the_used_ones() {
    let names = cnf_names("% $COMMENTED\nTEXMFHOME = ~/texmf\nTEXMF.pdftex = {$TEXMFHOME,!!${TEXMFDIST}}\n  x y\n");
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    assert_eq!(names, ["TEXMF", "TEXMFDIST", "TEXMFHOME"]);
}

#[test]
fn no_memo_is_made_while_a_watched_file_is_fresh() {
    // Read before the files are written: they changed after it, so they are too fresh.
    let before = crate::fsutil::clock();
    let i = install();
    let env = vars(&[("HOME", "/h")]);
    assert!(Inputs::gather(&i.program, &i.cnf_path, &i.cnf_files, &env, before).is_none());
    assert!(Inputs::gather(&i.program, &i.cnf_path, &i.cnf_files, &env, later()).is_some());
}
