//! The shared remote cache against real servers (`servers.rs`): nginx WebDAV and Garage S3.
//! Two checkouts share a cache; faults (server stopped mid-build, wrong credentials, a
//! damaged object) degrade or are detected, never used; read-only consumers upload nothing;
//! `cache push/pull/verify --remote`.

use std::process::Command;

use crate::servers::{Nginx, garage_or_skip};
use crate::util::{BIN, PaperTest, Run, copy_dir};

/// Runs paperfig in the project with extra environment variables.
fn run_env(t: &PaperTest, args: &[&str], env: &[(String, String)]) -> Run {
    let mut cmd = Command::new(BIN);
    cmd.args(args).current_dir(&t.root).env_remove("RUST_BACKTRACE");
    for v in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT"] {
        cmd.env_remove(v);
    }
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    Run::from(cmd.output().unwrap())
}

/// A paper of three small plots, with `cache` appended to its paperfig.toml.
fn paper(cache: &str) -> PaperTest {
    let mut text = String::from("# Shared\n\n");
    for (i, chart) in ["bar", "line", "scatter"].iter().enumerate() {
        text.push_str(&format!(
            "```{{paperfig #fig:p{i} kind=plot chart={chart} data=data/d.csv x=model y=acc}}\nplot {i}\n```\n\n"
        ));
    }
    PaperTest::new()
        .file("paper.md", &text)
        .file("data/d.csv", "model,acc\n1,1\n2,3\n3,2\n")
        .file("paperfig.toml", &format!("[output]\nformats = [\"svg\", \"pdf\"]\n{cache}"))
}

/// A second checkout of the same sources (with the committed paperfig.lock), no caches.
fn checkout_of(t: &PaperTest) -> PaperTest {
    let other = PaperTest::new();
    copy_dir(&t.root, &other.root);
    other
}

fn file_bytes(t: &PaperTest, dir: &str) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(t.path(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e != "json"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect();
    out.sort();
    out
}

fn warnings(run: &Run, about: &str) -> usize {
    run.stderr.lines().filter(|l| l.contains("warning") && l.contains(about)).count()
}

#[test]
fn two_checkouts_of_the_example_share_a_webdav_cache_and_locked_makes_nothing() {
    let server = Nginx::start();
    let cache = format!("\n[cache]\nremote = \"{}\"\n", server.url("team/paper"));
    let a = PaperTest::copy_of("examples/paper");
    let toml = std::fs::read_to_string(a.path("paperfig.toml")).unwrap();
    a.write("paperfig.toml", &format!("{toml}{cache}"));
    let first = a.build().ok();
    assert!(first.json()["summary"]["remote_uploaded"].as_u64().unwrap() > 0, "{}", first.stdout);
    assert!(!server.files().is_empty());

    let b = checkout_of(&a);
    let second = b.run(&["gen", "--locked", "--json"]).ok();
    assert_eq!(second.json()["summary"]["generated"], 0, "{}", second.stdout);
    assert!(second.with_status("generated").is_empty());
    assert!(second.json()["summary"]["remote_downloaded"].as_u64().unwrap() > 0);
    assert_eq!(file_bytes(&a, "build/figures"), file_bytes(&b, "build/figures"));
    assert_eq!(std::fs::read(a.path("paperfig.lock")).unwrap(), std::fs::read(b.path("paperfig.lock")).unwrap());
}

#[test]
fn a_server_stopped_mid_build_degrades_to_local_with_one_warning() {
    let server = Nginx::start();
    let cache = format!("[runners]\nallow = true\n[cache]\nremote = \"{}\"\n", server.url("c"));
    let t = paper(&cache);
    // A figure whose script stops the server: figures after it cannot reach the remote.
    let kill = format!(
        "kill -QUIT $(cat {})\nwhile kill -0 $(cat {}) 2>/dev/null; do sleep 0.05; done\n\
         echo '<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"3.3in\" height=\"2in\" viewBox=\"0 0 330 200\"><rect width=\"9\" height=\"9\"/></svg>' > \"$1\"\n",
        server.pid_file().display(),
        server.pid_file().display()
    );
    let mut text = std::fs::read_to_string(t.path("paper.md")).unwrap();
    text.insert_str(
        text.find("```").unwrap(),
        &format!("```{{paperfig #fig:aa-stop kind=command runner=sh outputs=svg}}\n{kill}```\n\n"),
    );
    t.write("paper.md", &text);
    let run = t.run(&["gen", "-j", "1"]).ok();
    assert_eq!(warnings(&run, "remote cache"), 1, "{}", run.stderr);
    assert!(run.stderr.contains("local cache only"), "{}", run.stderr);
    for i in 0..3 {
        assert!(t.path(&format!("build/figures/fig-p{i}.pdf")).is_file());
    }
    // --locked on a fresh checkout cannot get the figures: it fails and names them.
    let b = checkout_of(&t);
    let locked = b.run(&["gen", "--locked"]).code(1);
    assert!(locked.stderr.contains("fig:p0"), "{}", locked.stderr);
}

#[test]
fn a_damaged_remote_object_is_detected_never_used_and_replaced() {
    let server = Nginx::start();
    let t = paper(&format!("[cache]\nremote = \"{}\"\n", server.url("c")));
    t.build().ok();
    let good = file_bytes(&t, "build/figures");
    let pdf = std::fs::read(t.path("build/figures/fig-p0.pdf")).unwrap();
    let digest = sha256_hex(&pdf);
    let stored = server.files().into_iter().find(|p| p.to_string_lossy().ends_with(&digest[2..])).unwrap();
    let mut damaged = pdf.clone();
    let mid = damaged.len() / 2;
    damaged[mid] ^= 0x20;
    std::fs::write(&stored, &damaged).unwrap();

    // --locked may not make it again: it fails naming the figure, and writes no damaged bytes.
    let b = checkout_of(&t);
    let locked = b.run(&["gen", "--locked"]).code(1);
    assert!(locked.stderr.contains("fig:p0") && locked.stderr.contains("damaged"), "{}", locked.stderr);
    assert!(std::fs::read(b.path("build/figures/fig-p0.pdf")).map_or(true, |b| b != damaged));

    // A normal build makes it again (same bytes: providers are pure) and repairs the remote.
    let c = checkout_of(&t);
    let run = c.build().ok();
    assert_eq!(run.with_status("generated"), ["fig:p0"]);
    assert_eq!(file_bytes(&c, "build/figures"), good);
    assert_eq!(sha256_hex(&std::fs::read(&stored).unwrap()), digest);
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[test]
fn read_only_consumers_read_but_upload_nothing() {
    let server = Nginx::start();
    let url = server.url("c");
    let a = paper(&format!("[cache]\nremote = \"{url}\"\n"));
    a.build().ok();
    let before = server.files();
    let b = checkout_of(&a);
    b.write(
        "paperfig.toml",
        &format!("[output]\nformats = [\"svg\", \"pdf\"]\n[cache]\nremote = \"{url}\"\nremote_write = false\n"),
    );
    b.write("data/d.csv", "model,acc\n1,1\n2,3\n3,5\n");
    let run = b.build().ok();
    // Every figure reads the changed file: all are new, none uploaded.
    assert_eq!(run.with_status("generated").len(), 3);
    assert_eq!(run.json()["summary"]["remote_uploaded"], 0);
    assert_eq!(server.files(), before);
    // Unchanged figures come from the remote for a read-only consumer too.
    let c = checkout_of(&a);
    c.write(
        "paperfig.toml",
        &format!("[output]\nformats = [\"svg\", \"pdf\"]\n[cache]\nremote = \"{url}\"\nremote_write = false\n"),
    );
    assert!(c.build().ok().with_status("generated").is_empty());
}

#[test]
fn push_pull_and_verify_move_what_the_lockfile_names() {
    let server = Nginx::start();
    let url = server.url("c");
    // Built with the remote read-only: nothing uploaded until `cache push`.
    let a = paper(&format!("[cache]\nremote = \"{url}\"\nremote_write = false\n"));
    a.build().ok();
    assert!(server.files().is_empty());
    a.run(&["cache", "verify", "--remote"]).code(1);
    let pushed = a.run(&["cache", "push"]).ok();
    assert!(pushed.stderr.contains("uploaded 6 objects and 3 entries"), "{}", pushed.stderr);
    a.run(&["cache", "verify", "--remote"]).ok();
    let b = checkout_of(&a);
    b.run(&["cache", "pull"]).ok().stderr_has("downloaded 6 objects and 3 entries");
    // Everything is local now: --frozen (no network) builds it all.
    let frozen = b.run(&["gen", "--frozen", "--json"]).ok();
    assert_eq!(frozen.json()["summary"]["generated"], 0);
    assert_eq!(file_bytes(&a, "build/figures"), file_bytes(&b, "build/figures"));
    // A damaged remote object is reported by verify.
    let obj = server.files().into_iter().find(|p| p.to_string_lossy().contains("/objects/")).unwrap();
    std::fs::write(&obj, b"junk").unwrap();
    a.run(&["cache", "verify", "--remote"]).code(1);
}

#[test]
fn status_says_which_figures_only_the_remote_has() {
    let server = Nginx::start();
    let a = paper(&format!("[cache]\nremote = \"{}\"\n", server.url("c")));
    a.build().ok();
    let b = checkout_of(&a);
    let s = b.run(&["status", "--json"]).ok().json();
    assert!(s["figures"].as_array().unwrap().iter().all(|f| f["state"] == "remote" && f["lock"] == "locked"), "{s}");
    let offline = b.run(&["status", "--json", "--offline"]).ok().json();
    assert!(offline["figures"].as_array().unwrap().iter().all(|f| f["state"] == "missing"));
}

// ---- Garage: a real S3 server ----

#[test]
fn s3_two_checkouts_share_a_garage_bucket() {
    let Some(g) = garage_or_skip("s3_two_checkouts_share_a_garage_bucket") else { return };
    let a = paper(&g.cache_config("team"));
    let first = run_env(&a, &["gen", "--json"], &g.env()).ok();
    assert_eq!(first.with_status("generated").len(), 3);
    assert_eq!(warnings(&first, "remote"), 0, "{}", first.stderr);
    let b = checkout_of(&a);
    let second = run_env(&b, &["gen", "--locked", "--json"], &g.env()).ok();
    assert!(second.with_status("generated").is_empty(), "{}", second.stdout);
    assert_eq!(file_bytes(&a, "build/figures"), file_bytes(&b, "build/figures"));
    run_env(&b, &["cache", "verify", "--remote"], &g.env()).ok();
}

#[test]
fn s3_wrong_credentials_degrade_with_one_warning_and_fail_locked() {
    let Some(g) = garage_or_skip("s3_wrong_credentials_degrade_with_one_warning_and_fail_locked") else { return };
    let a = paper(&g.cache_config("team"));
    run_env(&a, &["gen"], &g.env()).ok();
    let wrong = vec![
        ("AWS_ACCESS_KEY_ID".to_string(), g.key_id.clone()),
        ("AWS_SECRET_ACCESS_KEY".to_string(), "0".repeat(64)),
    ];
    let b = checkout_of(&a);
    let run = run_env(&b, &["gen", "--json"], &wrong).ok();
    assert_eq!(run.with_status("generated").len(), 3);
    assert_eq!(warnings(&run, "remote cache"), 1, "{}", run.stderr);
    assert!(!run.stderr.contains(&g.secret));
    let c = checkout_of(&a);
    let locked = run_env(&c, &["gen", "--locked"], &wrong).code(1);
    for i in 0..3 {
        assert!(locked.stderr.contains(&format!("fig:p{i}")), "{}", locked.stderr);
    }
}

#[test]
fn s3_large_objects_use_multipart_uploads() {
    let Some(g) = garage_or_skip("s3_large_objects_use_multipart_uploads") else { return };
    // A threshold of 1 byte sends every object in parts; the second checkout must read them whole.
    let cache = format!("{}multipart_threshold = \"1\"\n", g.cache_config("mp"));
    let a = paper(&cache);
    run_env(&a, &["gen"], &g.env()).ok();
    let b = checkout_of(&a);
    let run = run_env(&b, &["gen", "--locked", "--json"], &g.env()).ok();
    assert!(run.with_status("generated").is_empty());
    assert_eq!(file_bytes(&a, "build/figures"), file_bytes(&b, "build/figures"));
}

// ---- The example paper through Garage: what CI does ----

/// The example's API keys (its hosted figures talk to fakes; see `util::PaperTest::copy_of`),
/// Garage's credentials and a fixed build date.
fn example_env(g: &crate::servers::Garage) -> Vec<(String, String)> {
    let mut env = g.env();
    env.push(("PAPERBANANA_API_KEY".into(), "pb_example_key".into()));
    env.push(("AUTOFIGUREEDIT_API_KEY".into(), "sk-team-example".into()));
    env.push(("SOURCE_DATE_EPOCH".into(), "1700000000".into()));
    env
}

/// Fresh fakes of the example's hosted services, and the checkout's `paperfig.toml` pointed
/// at them: whatever they are asked shows in their request counters.
fn point_at_new_fakes(t: &PaperTest) -> (paperfig_fakes::paperbanana::Fake, paperfig_fakes::autofigureedit::Fake) {
    use paperfig_fakes::{autofigureedit as afe, paperbanana as pb};
    let pb = pb::Fake::start(pb::Config { keys: vec![("pb_example_key".into(), None)], ..pb::Config::default() }, 0)
        .unwrap();
    let afe =
        afe::Fake::start(afe::Config { keys: vec!["sk-team-example".into()], ..afe::Config::default() }, 0).unwrap();
    let toml = std::fs::read_to_string(t.path("paperfig.toml")).unwrap();
    let mut urls = [pb.base_url(), afe.base_url()].into_iter();
    let toml: Vec<String> = toml
        .lines()
        .map(|l| match l.starts_with("base_url = ") {
            true => format!("base_url = \"{}\"", urls.next().expect("two hosted providers in the example")),
            false => l.to_string(),
        })
        .collect();
    assert!(urls.next().is_none(), "the example names both hosted services");
    t.write("paperfig.toml", &(toml.join("\n") + "\n"));
    (pb, afe)
}

fn requests(fakes: &(paperfig_fakes::paperbanana::Fake, paperfig_fakes::autofigureedit::Fake)) -> usize {
    use std::sync::atomic::Ordering;
    fakes.0.state.knobs.requests.load(Ordering::SeqCst) + fakes.1.state.knobs.requests.load(Ordering::SeqCst)
}

/// "figures: N generated, M cached" from `paperfig build`'s stderr.
fn build_counts(run: &Run) -> (usize, usize) {
    let line = run.stderr.lines().find(|l| l.contains(" generated, ")).unwrap_or_else(|| panic!("{}", run.stderr));
    let nums: Vec<usize> = line.split(|c: char| !c.is_ascii_digit()).filter_map(|s| s.parse().ok()).collect();
    (nums[1], nums[2])
}

#[test]
fn s3_second_checkout_of_the_example_builds_locked_to_a_byte_identical_pdf() {
    let Some(g) = garage_or_skip("s3_second_checkout_of_the_example_builds_locked_to_a_byte_identical_pdf") else {
        return;
    };
    let env = example_env(&g);
    let a = PaperTest::copy_of("examples/paper");
    let toml = std::fs::read_to_string(a.path("paperfig.toml")).unwrap();
    a.write("paperfig.toml", &format!("{toml}\n{}", g.cache_config("lab/paper")));
    let first = run_env(&a, &["build", "paper.md"], &env).ok();
    let (generated, _) = build_counts(&first);
    assert_eq!(generated, crate::example::FIGURES.len(), "{}", first.stderr);
    assert_eq!(warnings(&first, "remote"), 0, "{}", first.stderr);
    let pdf_a = std::fs::read(a.path("build/paper.pdf")).unwrap();

    // A second checkout: the sources and the committed paperfig.lock, no caches, and hosted
    // services that count every request.
    let b = checkout_of(&a);
    let fakes = point_at_new_fakes(&b);
    let second = run_env(&b, &["build", "--locked", "paper.md"], &env).ok();
    assert_eq!(build_counts(&second), (0, crate::example::FIGURES.len()), "{}", second.stderr);
    assert_eq!(requests(&fakes), 0, "--locked called a hosted provider");
    assert_eq!(std::fs::read(b.path("build/paper.pdf")).unwrap(), pdf_a, "the PDFs differ");
    assert_eq!(file_bytes(&a, "build/figures"), file_bytes(&b, "build/figures"));

    // A changed data file: --locked fails naming the figure and the input, makes nothing.
    let csv = std::fs::read_to_string(b.path("data/accuracy.csv")).unwrap();
    b.write("data/accuracy.csv", &csv.replace("83.4", "83.9"));
    let changed = run_env(&b, &["build", "--locked", "paper.md"], &env).code(1);
    assert!(
        changed.stderr.contains("`fig:acc` would change (--locked): file `data` (data/accuracy.csv) changed"),
        "{}",
        changed.stderr
    );
    assert_eq!(changed.stderr.matches("would change").count(), 1, "{}", changed.stderr);
    assert!(changed.stderr.contains("no PDF"), "{}", changed.stderr);
    assert_eq!(requests(&fakes), 0);
}
