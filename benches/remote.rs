//! Benchmark of the shared remote cache on the example paper, `paperfig build` (figures and
//! PDF): a cold build (every figure generated, hosted ones by the fakes, then uploaded)
//! against a warm-remote one (a fresh checkout of the same paper whose only cache is the
//! remote, filled by an earlier build; `--locked`, so nothing is generated), measured in the
//! same run, with the ratio. The warm build is measured twice: from a bare checkout (TeX
//! format built first) and with `.paperfig/tex` kept, as the CI recipe caches it. The remote
//! is Garage (S3) when installed (scripts/setup-garage), else nginx WebDAV.
//!
//! Run with `scripts/bench` or `cargo bench --bench remote`.

#[allow(dead_code)]
#[path = "../tests/it/servers.rs"]
mod servers;
#[allow(dead_code)]
mod support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_paperfig");

fn run(dir: &Path, args: &[&str], env: &[(String, String)]) -> Duration {
    let start = Instant::now();
    let out = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .env("PAPERBANANA_API_KEY", "pb_example_key")
        .env("AUTOFIGUREEDIT_API_KEY", "sk-team-example")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("run paperfig");
    let took = start.elapsed();
    assert!(out.status.success(), "paperfig {args:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    took
}

fn copy_example(to: &Path, cache_config: &str) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/paper");
    support::copy_tree(&from, to, support::RUN_OUTPUTS);
    let toml = std::fs::read_to_string(to.join("paperfig.toml")).unwrap();
    std::fs::write(to.join("paperfig.toml"), format!("{toml}\n{cache_config}")).unwrap();
}

/// Back to a bare checkout, keeping the TeX format folder when `keep_tex`.
fn fresh(dir: &Path, keep_tex: bool) {
    std::fs::remove_dir_all(dir.join("build")).ok();
    for e in std::fs::read_dir(dir.join(".paperfig")).into_iter().flatten().flatten() {
        if keep_tex && e.file_name() == "tex" {
            continue;
        }
        let p = e.path();
        if p.is_dir() { std::fs::remove_dir_all(p) } else { std::fs::remove_file(p) }.unwrap();
    }
}

enum Server {
    Garage(servers::Garage),
    Nginx(servers::Nginx),
}

impl Server {
    fn cache_config(&self, prefix: &str) -> String {
        match self {
            Server::Garage(g) => g.cache_config(prefix),
            Server::Nginx(n) => format!("[cache]\nremote = \"{}\"\n", n.url(prefix)),
        }
    }
    fn env(&self) -> Vec<(String, String)> {
        match self {
            Server::Garage(g) => g.env(),
            Server::Nginx(_) => Vec::new(),
        }
    }
    fn name(&self) -> &'static str {
        match self {
            Server::Garage(_) => "Garage S3",
            Server::Nginx(_) => "nginx WebDAV",
        }
    }
}

fn main() {
    let reps: usize = std::env::var("BENCH_REPS").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
    let tmp = tempfile::tempdir().unwrap();
    let server = match servers::garage_bin() {
        Some(bin) => Server::Garage(servers::Garage::start(&bin)),
        None => Server::Nginx(servers::Nginx::start()),
    };
    let env = server.env();
    // The example's hosted figures come from the fakes, on the ports its paperfig.toml names.
    let _fakes = support::example_fakes();

    // Cold: an empty remote (a new prefix each time). The first checkout is bare (its TeX
    // format is built too); the others get that format, as the CI recipe's cache would.
    let mut cold = Vec::new();
    for rep in 0..=reps {
        let dir = tmp.path().join(format!("cold{rep}"));
        copy_example(&dir, &server.cache_config(&format!("cold{rep}")));
        if rep > 0 {
            support::copy_tree(&tmp.path().join("cold0/.paperfig/tex"), &dir.join(".paperfig/tex"), &[]);
        }
        cold.push(run(&dir, &["build", "-q", "paper.md"], &env));
    }
    let cold_bare = cold.remove(0);
    // Warm remote: the first cold build filled `cold0`; a second checkout reads it, --locked.
    let warm_dir = tmp.path().join("warm");
    copy_example(&warm_dir, &server.cache_config("cold0"));
    std::fs::copy(tmp.path().join("cold0/paperfig.lock"), warm_dir.join("paperfig.lock")).unwrap();
    let warm = |keep_tex: bool| -> Vec<Duration> {
        (0..reps)
            .map(|_| {
                fresh(&warm_dir, keep_tex);
                run(&warm_dir, &["build", "-q", "--locked", "paper.md"], &env)
            })
            .collect()
    };
    let warm_bare = warm(false);
    let warm_tex = warm(true);
    let same = std::fs::read(warm_dir.join("build/paper.pdf")).unwrap()
        == std::fs::read(tmp.path().join("cold0/build/paper.pdf")).unwrap();
    assert!(same, "the warm-remote PDF must be byte-identical to the cold build's");
    let (cold_bare_ms, cold_ms) = (cold_bare.as_secs_f64() * 1000.0, support::median(cold));
    let (bare_ms, tex_ms) = (support::median(warm_bare), support::median(warm_tex));
    println!("paperfig build of the example paper (medians of {reps}; {} on 127.0.0.1)", server.name());
    println!(
        "  bare checkout, TeX format built too:   cold {cold_bare_ms:8.1} ms (one run), warm remote {bare_ms:8.1} ms"
    );
    println!("  .paperfig/tex kept (the CI cache):     cold {cold_ms:8.1} ms,            warm remote {tex_ms:8.1} ms");
    println!(
        "  ratio warm remote / cold: {:.2} with the format kept (the figures' share); {:.2} from bare checkouts; \
         the PDFs are byte-identical",
        tex_ms / cold_ms,
        bare_ms / cold_bare_ms
    );
}
