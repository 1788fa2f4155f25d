//! Real storage servers for the remote-cache tests, each started on 127.0.0.1 in a
//! temporary folder and stopped when dropped: nginx with WebDAV (Debian `nginx-light` +
//! `libnginx-mod-http-dav-ext`) and Garage, a real S3 server (`scripts/setup-garage`
//! installs it under `~/.cache/paperfig/garage`).

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A free TCP port on 127.0.0.1 (bound, read, released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Waits until something accepts connections on the port.
fn wait_for_port(port: u16, what: &str, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited before listening on port {port}: {status}");
        }
        assert!(Instant::now() < deadline, "{what} did not listen on port {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// nginx serving a WebDAV folder.
pub struct Nginx {
    _dir: tempfile::TempDir,
    /// The folder nginx serves (objects appear here as files).
    pub root: PathBuf,
    pub port: u16,
    child: Option<Child>,
}

impl Nginx {
    pub fn start() -> Nginx {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("dav");
        for sub in ["dav", "tmp", "logs"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        let port = free_port();
        let module = Path::new("/usr/lib/nginx/modules/ngx_http_dav_ext_module.so");
        assert!(module.exists(), "nginx's WebDAV module is missing; run scripts/setup");
        // Workers of a root master run as `nobody` unless told otherwise; they must write here.
        let user = if unsafe { libc::geteuid() } == 0 { "user root root;" } else { "" };
        // A graceful stop (SIGQUIT) waits at most 5 s for open connections, so a client's
        // connection cannot keep a stopped server alive (seen once under load: the script
        // that stops it mid-build ran past its 60 s limit).
        let conf = format!(
            "load_module {module};\n{user}\ndaemon off;\nworker_processes 1;\nworker_shutdown_timeout 5s;\npid nginx.pid;\n\
             error_log logs/error.log;\nevents {{ worker_connections 256; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path tmp;\n  proxy_temp_path tmp;\n  fastcgi_temp_path tmp;\n\
               uwsgi_temp_path tmp;\n  scgi_temp_path tmp;\n  client_max_body_size 0;\n\
               server {{\n    listen 127.0.0.1:{port};\n    root {root};\n    location / {{\n\
                 dav_methods PUT DELETE MKCOL COPY MOVE;\n      dav_ext_methods PROPFIND OPTIONS;\n\
                 create_full_put_path on;\n      dav_access user:rw group:r all:r;\n    }}\n  }}\n}}\n",
            module = module.display(),
            root = root.display(),
        );
        let conf_path = dir.path().join("nginx.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let mut child = Command::new("nginx")
            .arg("-c")
            .arg(&conf_path)
            .arg("-p")
            .arg(dir.path())
            .arg("-e")
            .arg(dir.path().join("logs/error.log"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx not runnable; run scripts/setup");
        wait_for_port(port, "nginx", &mut child);
        Nginx { _dir: dir, root, port, child: Some(child) }
    }

    /// The URL of a folder on this server, for `[cache] remote`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}/{path}", self.port)
    }

    /// The master's pid file (a script may kill nginx with it).
    pub fn pid_file(&self) -> PathBuf {
        self._dir.path().join("nginx.pid")
    }

    /// Every file stored on the server.
    pub fn files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = walkdir::WalkDir::new(&self.root)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| e.into_path())
            .collect();
        files.sort();
        files
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // The master may already be gone (a test killed it); its worker exits with it.
        if let Ok(pid) = std::fs::read_to_string(self.pid_file()) {
            if let Ok(pid) = pid.trim().parse::<i32>() {
                unsafe { libc::kill(pid, libc::SIGQUIT) };
            }
        }
        self.stop();
    }
}

/// Where the Garage binary is: `PAPERFIG_GARAGE`, else `~/.cache/paperfig/garage/bin/garage`
/// (what `scripts/setup-garage` installs), else `garage` on the PATH.
pub fn garage_bin() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PAPERFIG_GARAGE") {
        return Some(p.into());
    }
    let home = std::env::var_os("HOME").map(PathBuf::from)?;
    let cached = home.join(".cache/paperfig/garage/bin/garage");
    if cached.is_file() {
        return Some(cached);
    }
    Command::new("garage").arg("--version").output().ok().filter(|o| o.status.success()).map(|_| "garage".into())
}

/// Garage, single node, with one bucket and one key allowed on it.
pub struct Garage {
    _dir: tempfile::TempDir,
    bin: PathBuf,
    conf: PathBuf,
    pub s3_port: u16,
    pub bucket: String,
    pub key_id: String,
    pub secret: String,
    child: Child,
}

/// `Some(garage)` when the binary is there. A missing binary fails the test, so CI can never
/// skip the S3 tests silently; only `PAPERFIG_SKIP_GARAGE=1` turns that into `None` after a
/// loud SKIPPED (for a machine that has not built Garage yet).
pub fn garage_or_skip(test: &str) -> Option<Garage> {
    match garage_bin() {
        Some(bin) => Some(Garage::start(&bin)),
        None if std::env::var("PAPERFIG_SKIP_GARAGE").is_ok_and(|v| v == "1") => {
            eprintln!(
                "\n*** SKIPPED {test}: no garage binary and PAPERFIG_SKIP_GARAGE=1 (run scripts/setup-garage) ***\n"
            );
            None
        }
        None => panic!(
            "{test}: no garage binary; run scripts/setup-garage (or set PAPERFIG_GARAGE to one; \
             PAPERFIG_SKIP_GARAGE=1 skips the S3 tests)"
        ),
    }
}

impl Garage {
    /// A started Garage with a bucket and a key. A server that exits while it is set up
    /// (a port that `free_port` gave out was taken by another test's server in between)
    /// is started again on other ports, up to three times.
    pub fn start(bin: &Path) -> Garage {
        let mut why = String::new();
        for _ in 0..3 {
            match Garage::try_start(bin) {
                Ok(g) => return g,
                Err(e) => why = e,
            }
        }
        panic!("garage did not start three times; last: {why}");
    }

    fn try_start(bin: &Path) -> Result<Garage, String> {
        let dir = tempfile::tempdir().unwrap();
        let (rpc, s3, admin) = (free_port(), free_port(), free_port());
        let secret: String = (0..32).map(|i| format!("{:02x}", (i * 37 + rpc as usize) % 256)).collect();
        let conf = dir.path().join("garage.toml");
        std::fs::write(
            &conf,
            format!(
                "metadata_dir = \"{d}/meta\"\ndata_dir = \"{d}/data\"\ndb_engine = \"lmdb\"\n\
                 replication_factor = 1\nrpc_bind_addr = \"127.0.0.1:{rpc}\"\nrpc_public_addr = \"127.0.0.1:{rpc}\"\n\
                 rpc_secret = \"{secret}\"\n\n[s3_api]\ns3_region = \"garage\"\napi_bind_addr = \"127.0.0.1:{s3}\"\n\
                 root_domain = \".s3.garage.localhost\"\n\n[admin]\napi_bind_addr = \"127.0.0.1:{admin}\"\n",
                d = dir.path().display()
            ),
        )
        .unwrap();
        let log = std::fs::File::create(dir.path().join("garage.log")).unwrap();
        let mut child = Command::new(bin)
            .arg("-c")
            .arg(&conf)
            .arg("server")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("garage not runnable");
        wait_for_port(s3, "garage", &mut child);
        let mut g = Garage {
            _dir: dir,
            bin: bin.to_path_buf(),
            conf,
            s3_port: s3,
            bucket: "paperfig".into(),
            key_id: String::new(),
            secret: String::new(),
            child,
        };
        let node = g.cli_retry(&["node", "id", "-q"])?;
        let node = node.trim().split('@').next().unwrap().to_string();
        g.cli_retry(&["layout", "assign", "-z", "dc1", "-c", "1G", &node])?;
        g.cli_retry(&["layout", "apply", "--version", "1"])?;
        let key = g.cli_retry(&["key", "create", "paperfig-test"])?;
        let field = |name: &str| {
            key.lines()
                .find_map(|l| l.trim().strip_prefix(name).map(|v| v.trim_start_matches(':').trim().to_string()))
                .unwrap_or_else(|| panic!("no `{name}` in garage key create output:\n{key}"))
        };
        g.key_id = field("Key ID");
        g.secret = field("Secret key");
        g.cli_retry(&["bucket", "create", "paperfig"])?;
        g.cli_retry(&["bucket", "allow", "--read", "--write", "--owner", "paperfig", "--key", "paperfig-test"])?;
        Ok(g)
    }

    /// Runs the garage CLI against this server, retrying while the node starts up; an error
    /// when the server has exited or the command keeps failing for 60 s.
    fn cli_retry(&mut self, args: &[&str]) -> Result<String, String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let out = Command::new(&self.bin).arg("-c").arg(&self.conf).args(args).output().unwrap();
            if out.status.success() {
                return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
            }
            let failed = || {
                let log = std::fs::read_to_string(self._dir.path().join("garage.log")).unwrap_or_default();
                format!(
                    "garage {args:?} failed: {}{}\nserver log:\n{log}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                )
            };
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("the server exited ({status}); {}", failed()));
            }
            if Instant::now() >= deadline {
                return Err(failed());
            }
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    /// The `paperfig.toml` lines for a remote cache in this bucket.
    pub fn cache_config(&self, prefix: &str) -> String {
        format!(
            "[cache]\nremote = \"s3://{}/{prefix}\"\n[cache.remote_options]\nendpoint = \"http://127.0.0.1:{}\"\n\
             region = \"garage\"\nallow_http = \"true\"\n",
            self.bucket, self.s3_port
        )
    }

    /// Environment variables with this key's credentials.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![("AWS_ACCESS_KEY_ID".into(), self.key_id.clone()), ("AWS_SECRET_ACCESS_KEY".into(), self.secret.clone())]
    }
}

impl Drop for Garage {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
