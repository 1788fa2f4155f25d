//! Tests of `config.rs`.
use super::*;

fn parse(text: &str) -> Result<Config, ConfigError> {
    let file = Arc::new(SourceFile::new(FILE_NAME.into(), FILE_NAME.into(), text.into()));
    Config::parse(Path::new("/p"), &file)
}

#[test]
fn reads_every_key() {
    let c = parse(
            "[project]\nsources=[\"paper.md\"]\nexclude=[\"x/**\"]\n[output]\ndir=\"out\"\nformats=[\"png\",\"svg\"]\npng_dpi=300\nsize=\"wide\"\n[cache]\ndir=\"c\"\n[defaults]\nplot=\"builtin\"\n",
        )
        .unwrap();
    assert_eq!(c.sources.unwrap(), vec!["paper.md"]);
    assert_eq!(c.output_dir, Path::new("/p/out"));
    assert_eq!(c.formats, vec![Format::Svg, Format::Png]);
    assert_eq!(c.png_dpi, 300.0);
    assert_eq!(c.size, "wide");
    assert_eq!(c.cache_dir, Path::new("/p/c"));
    assert_eq!(c.defaults[&Kind::Plot], "builtin");
}

#[test]
fn unknown_keys_and_bad_values_are_located_errors() {
    let e = parse("[output]\nformat = [\"svg\"]\n").unwrap_err();
    assert!(e.to_string().contains("unknown field `format`"), "{}", e.to_string());
    assert_eq!(e.location().unwrap(), "paperfig.toml:2:1");
    let e = parse("[output]\nformats = [\"gif\"]\n").unwrap_err();
    assert!(e.to_string().contains("`gif`"));
    let e = parse("[output]\nsize = \"huge\"\n").unwrap_err();
    assert!(e.hint().unwrap().contains("column"));
}

#[test]
fn runners_are_read_and_bad_ones_located() {
    let c = parse("[runners]\nallow = true\n[runners.python]\ntimeout = 5\n").unwrap();
    assert!(c.runners.runners["python"].allowed);
    assert_eq!(c.runners.runners["python"].timeout_secs, 5.0);
    assert!(!parse("").unwrap().runners.runners["sh"].allowed);
    let e = parse("[output]\ndir = \"out\"\n[runners.sh]\ntimeout = 0\n").unwrap_err();
    assert!(e.to_string().contains("timeout = 0"), "{}", e.to_string());
    assert_eq!(e.location().unwrap(), "paperfig.toml:4:1");
}

#[test]
fn remote_cache_settings() {
    let c = parse("[cache]\nremote = \"s3://b/p\"\nremote_write = false\n[cache.remote_options]\nregion = \"garage\"\nallow_http = true\n").unwrap();
    let r = c.remote.unwrap();
    assert_eq!(r.url, "s3://b/p");
    assert!(!r.write);
    assert_eq!(r.options["region"], "garage");
    assert_eq!(r.options["allow_http"], "true");
    assert!(parse("").unwrap().remote.is_none());
    let e = parse("[cache]\nremote = \"ftp://x\"\n").unwrap_err();
    assert_eq!(e.location().unwrap(), "paperfig.toml:2:1");
    let e = parse("[cache]\nremote = \"s3://b\"\n[cache.remote_options]\naws_secret_access_key = \"x\"\n").unwrap_err();
    assert!(e.to_string().contains("secret"), "{}", e.to_string());
    assert_eq!(e.location().unwrap(), "paperfig.toml:4:1");
    assert!(parse("[cache]\nremote = \"https://u:p@h/dav\"\n").is_err());
    assert!(parse("[cache]\nremote_write = false\n").is_err());
}

#[test]
fn extract_section_is_read() {
    let c = parse("[extract]\nbibliography = [\"refs.bib\"]\npdf_dir = \"papers\"\n").unwrap();
    assert_eq!(c.extract.bibliography.unwrap(), vec![Path::new("/p/refs.bib")]);
    assert_eq!(c.extract.pdf_dir.unwrap(), Path::new("/p/papers"));
    assert!(parse("").unwrap().extract.pdf_dir.is_none());
    assert!(parse("[extract]\npdfdir = \"x\"\n").unwrap_err().to_string().contains("pdfdir"));
}

#[test]
fn tex_keys_of_the_build_section_are_read_and_checked() {
    let c = parse("[build]\ntexmf = [\"tl/texmf-dist\", \"/opt/t\"]\nshell_escape = true\ntrust = \"all\"\n").unwrap();
    assert_eq!(c.tex.texmf, Some(vec![PathBuf::from("/p/tl/texmf-dist"), PathBuf::from("/opt/t")]));
    assert!(c.tex.shell_escape);
    assert_eq!(c.tex.trust, Trust::All);
    assert_eq!(parse("[build]\nengine = \"lualatex\"\n").unwrap().tex.engine, Engine::Lualatex);
    assert_eq!(parse("").unwrap().tex.engine, Engine::Embedded);
    assert_eq!(parse("").unwrap().tex, TexConfig::default(), "untrusted, no shell escape by default");
    let d = "ab".repeat(32);
    let c =
        parse(&format!("[build]\nbundle = \"http://127.0.0.1:1/b.ttb\"\nbundle_digest = \"{}\"\n", d.to_uppercase()))
            .unwrap();
    assert_eq!(c.tex.bundle, Some(BundleSource { url: "http://127.0.0.1:1/b.ttb".into(), digest: Some(d) }));
    for (text, needle) in [
        ("[build]\ntrust = \"everything\"\n", "not a trust level"),
        ("[build]\nbundle = \"ftp://x/b\"\n", "not an http(s) URL"),
        ("[build]\nbundle = \"https://x/b\"\nbundle_digest = \"abc\"\n", "not a SHA-256 digest"),
        ("[build]\nbundle_digest = \"{}\"\n", "needs `bundle"),
        ("[build]\ntexmf = []\n", "texmf is empty"),
        ("[build]\nengine = \"pdftex\"\n", "is not an engine"),
        ("[output]\nformats = []\n", "formats is empty"),
    ] {
        let text = text.replace("{}", &"0".repeat(64));
        let e = parse(&text).unwrap_err();
        assert!(e.to_string().contains(needle), "{text}: {e}");
    }
}

#[test]
fn build_section_is_read() {
    let c = parse("[build]\nmain = \"paper.tex\"\ndir = \"out\"\nsource_date_epoch = 1700000000\n").unwrap();
    assert_eq!(c.build_main.as_deref(), Some("paper.tex"));
    assert_eq!(c.build_dir, Path::new("/p/out"));
    assert_eq!(c.source_date_epoch, Some(1_700_000_000));
    assert_eq!(parse("").unwrap().build_dir, Path::new("/p/build"));
    assert!(parse("[build]\nmian = \"x\"\n").unwrap_err().to_string().contains("unknown field `mian`"));
}

#[test]
fn folders_outside_the_project_are_resolved_without_dot_dot() {
    let c = parse("[build]\ndir = \"../out\"\n[output]\ndir = \"./figs/../figures\"\n").unwrap();
    assert_eq!(c.build_dir, Path::new("/out"));
    assert_eq!(c.output_dir, Path::new("/p/figures"));
    let c = parse("[build]\ndir = \"/srv/out/\"\n[cache]\ndir = \"../../../c\"\n").unwrap();
    assert_eq!(c.build_dir, Path::new("/srv/out"));
    assert_eq!(c.cache_dir, Path::new("/c"));
}

#[test]
fn sizes() {
    assert_eq!(parse_size("column"), Some(3.3));
    assert_eq!(parse_size("wide"), Some(7.0));
    assert_eq!(parse_size("5in"), Some(5.0));
    assert!((parse_size("127mm").unwrap() - 5.0).abs() < 1e-9);
    assert_eq!(parse_size("0.1in"), None);
    assert_eq!(parse_size("big"), None);
}

#[test]
fn a_config_that_is_not_utf8_is_located() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(FILE_NAME), b"[project]\n# caf\xe9\n").unwrap();
    let e = Config::load(dir.path()).unwrap_err();
    assert_eq!(e.to_string(), "`paperfig.toml` is not UTF-8 text (byte 0xE9)");
    assert_eq!(e.location().unwrap(), "paperfig.toml:2:6");
}
