//! A tiny HTTP/1.1 server for `remote.rs`'s tests (std only): serves one body at any path,
//! honours `Range: bytes=a-b` unless told not to, can answer with a fixed status, and counts
//! requests. One request per connection (`Connection: close`).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mode {
    Range,
    /// Ignores Range: always 200 with the whole body.
    NoRange,
    /// Answers every request with this status.
    Status(u16),
    /// Closes every connection without answering.
    HangUp,
}

struct State {
    body: Mutex<Vec<u8>>,
    mode: Mutex<Mode>,
    hits: AtomicUsize,
}

pub struct Server {
    pub url: String,
    state: Arc<State>,
}

impl Server {
    pub fn start(body: Vec<u8>, mode: Mode) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/bundles/test.ttb", listener.local_addr().unwrap());
        let state = Arc::new(State { body: Mutex::new(body), mode: Mutex::new(mode), hits: AtomicUsize::new(0) });
        let shared = state.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let state = shared.clone();
                std::thread::spawn(move || {
                    let _ = handle(conn, &state);
                });
            }
        });
        Server { url, state }
    }

    /// Requests answered so far.
    pub fn hits(&self) -> usize {
        self.state.hits.load(Ordering::SeqCst)
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.state.mode.lock().unwrap() = mode;
    }
}

fn handle(mut conn: TcpStream, state: &State) -> std::io::Result<()> {
    let mut reader = BufReader::new(conn.try_clone()?);
    let (mut line, mut range) = (String::new(), None);
    reader.read_line(&mut line)?;
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 || line.trim_end().is_empty() {
            break;
        }
        if let Some((k, v)) = line.trim_end().split_once(':') {
            if k.eq_ignore_ascii_case("range") {
                let (a, b) = v.trim().strip_prefix("bytes=").and_then(|r| r.split_once('-')).unwrap_or(("", ""));
                range = a.parse::<usize>().ok().zip(b.parse::<usize>().ok());
            }
        }
    }
    state.hits.fetch_add(1, Ordering::SeqCst);
    if *state.mode.lock().unwrap() == Mode::HangUp {
        return Ok(());
    }
    let body = state.body.lock().unwrap().clone();
    let (status, part, extra) = match (*state.mode.lock().unwrap(), range) {
        (Mode::Status(code), _) => (code, b"no".to_vec(), String::new()),
        (Mode::Range, Some((a, _))) if a >= body.len() => (416, Vec::new(), String::new()),
        (Mode::Range, Some((a, b))) => {
            let b = b.min(body.len() - 1);
            (206, body[a..=b].to_vec(), format!("Content-Range: bytes {a}-{b}/{}\r\n", body.len()))
        }
        _ => (200, body, String::new()),
    };
    write!(conn, "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n", part.len())?;
    conn.write_all(&part)
}
