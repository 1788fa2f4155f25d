//! Tests of `http`: Retry-After, query encoding, which failed requests are sent again, and
//! the figure's deadline ending every wait.

use super::*;

#[test]
fn retry_after_seconds_and_dates() {
    let now = std::time::UNIX_EPOCH + Duration::from_secs(784_111_770); // Sun, 06 Nov 1994 08:49:30 GMT
    assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
    assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now), Some(Duration::from_secs(7)));
    assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now), Some(Duration::ZERO));
    // The two obsolete forms recipients must accept (RFC 9110 §5.6.7).
    assert_eq!(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now), Some(Duration::from_secs(7)));
    assert_eq!(parse_retry_after("Sun Nov  6 08:49:40 1994", now), Some(Duration::from_secs(10)));
    assert_eq!(parse_retry_after("Sunday, 06-Nov-1994 08:49:37 GMT", now), None, "RFC 850 years have two digits");
    assert_eq!(parse_retry_after("Sun, 32 Nov 1994 08:49:37 GMT", now), None);
    assert_eq!(parse_retry_after("soon", now), None);
    assert_eq!(parse_retry_after("-3", now), None);
}

/// A server on 127.0.0.1 that hands every connection to `serve`; its base URL.
fn server(serve: fn(std::net::TcpStream)) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve(stream));
        }
    });
    format!("127.0.0.1:{}", addr.port())
}

/// Reads one request's head from `stream`.
fn read_head(stream: &std::net::TcpStream) {
    use std::io::BufRead;
    let mut reader = std::io::BufReader::new(stream);
    let mut line = String::new();
    while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
        line.clear();
    }
}

/// How a single GET of `url` fails within `timeout`, with no retries.
fn failure(url: &str, timeout: Duration) -> reqwest::Error {
    let agent = reqwest::blocking::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::limited(2))
        .build()
        .unwrap();
    agent.get(url).send().expect_err("the exchange fails")
}

#[test]
fn only_failures_to_connect_are_certainly_unsent() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let refused = format!("http://{}/", closed.local_addr().unwrap());
    drop(closed);
    // TLS to a server that hangs up at once: the handshake fails before the request exists.
    let no_tls = server(drop);
    // Long enough for loading the TLS roots on a busy machine: these fail by themselves.
    let long = Duration::from_secs(20);
    let unsent = [failure(&refused, long), failure(&format!("https://{no_tls}/"), long)];
    for e in &unsent {
        assert!(e.is_connect(), "{e:?}");
        assert!(!may_have_arrived(e), "{e:?} happens before anything is sent");
    }
    let hangs_up = server(|stream| read_head(&stream));
    let never_answers = server(|stream| {
        read_head(&stream);
        std::thread::sleep(Duration::from_secs(30));
    });
    let loops = server(|mut stream| {
        use std::io::Write;
        read_head(&stream);
        // `Connection: close`: each redirect comes on a new connection, never on one the
        // server is closing.
        let answer = "HTTP/1.1 302 Found\r\nLocation: /again\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        let _ = stream.write_all(answer.as_bytes());
    });
    let maybe_sent = [
        failure(&format!("http://{hangs_up}/"), long),
        failure(&format!("http://{never_answers}/"), Duration::from_secs(2)),
        failure(&format!("http://{loops}/"), long),
    ];
    for e in &maybe_sent {
        assert!(may_have_arrived(e), "{e:?} may come after the service read the request");
    }
    assert_eq!(describe_net(&maybe_sent[1]), "the request timed out");
    assert_eq!(describe_net(&maybe_sent[2]), "too many redirects");
    assert_eq!(describe_net(&unsent[0]), "connection refused");
}

/// A client of `base` with fast retries (2 after the first attempt) and no error doc.
fn client(base: &str) -> Client {
    let errors = ErrorDoc { message: |_| None, status: |_| None };
    let backoff = Backoff { base: Duration::from_millis(1), cap: Duration::from_millis(2), retries: 2 };
    let limiter = RateLimiter::per_minute(None);
    Client::new(
        "svc",
        base,
        "k3y-value".into(),
        Default::default(),
        Auth::Bearer,
        errors,
        limiter,
        backoff,
        Duration::from_secs(10),
    )
    .unwrap()
}

/// A server that reads each whole request, then closes the connection without an answer;
/// its base URL and the number of requests it read.
fn server_that_hangs_up() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{BufRead, BufReader, Read};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let mut reader = BufReader::new(stream);
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some((name, value)) = line.split_once(':')
                    && name.eq_ignore_ascii_case("content-length")
                {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            if reader.read_exact(&mut body).is_ok() {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        }
    });
    (base, seen)
}

#[test]
fn a_submission_that_reached_the_service_is_not_sent_again() {
    let (base, seen) = server_that_hangs_up();
    let c = client(&base);
    let body = serde_json::json!({"prompt": "a cat"});
    let err = c.send("POST", "start", Body::Json(&body), Repeat::Submission).unwrap_err();
    assert!(matches!(err, HostedError::Lost(_)), "{err:?}");
    assert!(err.to_string().contains("may have accepted it"), "{err}");
    assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 1);
    // An idempotent request is retried after the same failure.
    let err = c.send("POST", "check", Body::Json(&body), Repeat::Idempotent).unwrap_err();
    assert!(matches!(err, HostedError::Network(_)), "{err:?}");
    assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 1 + 3);
    assert!(!format!("{err}").contains("k3y-value"));
}

#[test]
fn a_submission_that_could_not_connect_is_retried() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let body = serde_json::json!({});
    let err = client(&base).send("POST", "start", Body::Json(&body), Repeat::Submission).unwrap_err();
    assert!(matches!(err, HostedError::Network(_)), "{err:?}");
    assert!(err.to_string().contains("after 3 attempts"), "{err}");
}

#[test]
fn query_values_are_encoded() {
    assert_eq!(encode_query("a b&c=d"), "a%20b%26c%3Dd");
}

/// A server that reads one request per connection and hands the connection and the
/// request's number (from 0) to `answer`; its base URL.
fn server_each(answer: impl Fn(std::net::TcpStream, usize) + Send + Sync + 'static) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let answer = std::sync::Arc::new(answer);
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().flatten().enumerate() {
            let answer = answer.clone();
            std::thread::spawn(move || {
                read_head(&stream);
                answer(stream, n);
            });
        }
    });
    base
}

fn write(mut stream: std::net::TcpStream, text: &str) {
    use std::io::Write;
    let _ = stream.write_all(text.as_bytes());
}

const TOO_MANY_FOR_AN_HOUR: &str =
    "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 3600\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

#[test]
fn a_retry_after_past_the_deadline_fails_at_once() {
    let base = server_each(|stream, _| write(stream, TOO_MANY_FOR_AN_HOUR));
    let c = client(&base);
    let figure = c.bounded(Deadline::after(Duration::from_secs(8)), Phase::Polling);
    let t = std::time::Instant::now();
    let err = figure.send("GET", "tasks/1", Body::Empty, Repeat::Idempotent).unwrap_err();
    assert!(matches!(err, HostedError::Timeout(_)), "{err:?}");
    assert!(
        err.to_string().starts_with("svc asked to wait 3600 s (Retry-After) but the figure's timeout (8 s) ends in "),
        "{err}"
    );
    // The pause holds every figure of the provider: the next one fails without a request.
    let other = c.bounded(Deadline::after(Duration::from_secs(8)), Phase::Submitting);
    let err = other.send("POST", "start", Body::Json(&serde_json::json!({})), Repeat::Submission).unwrap_err();
    assert!(err.to_string().contains("svc asked to wait (Retry-After) and the pause lasts another"), "{err}");
    assert!(t.elapsed() < Duration::from_secs(5), "waited {:?}", t.elapsed());
}

#[test]
fn a_retry_after_within_the_deadline_is_waited_out() {
    let base = server_each(|stream, n| {
        let answer = match n {
            0 => "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            _ => {
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
            }
        };
        write(stream, answer);
    });
    let figure = client(&base).bounded(Deadline::after(Duration::from_secs(30)), Phase::Polling);
    let t = std::time::Instant::now();
    assert_eq!(figure.get_json("tasks/1").unwrap(), serde_json::json!({}));
    assert!(t.elapsed() >= Duration::from_millis(900), "did not wait: {:?}", t.elapsed());
}

/// A server that reads each request and never answers; its base URL and how many it read.
fn server_that_never_answers() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = seen.clone();
    let base = server_each(move |stream, _| {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        std::thread::sleep(Duration::from_secs(60));
        drop(stream);
    });
    (base, seen)
}

#[test]
fn an_unanswered_request_fails_when_the_figures_time_runs_out() {
    let (base, seen) = server_that_never_answers();
    let c = client(&base); // the client's own timeout: 10 s
    let t = std::time::Instant::now();
    let polling = c.bounded(Deadline::after(Duration::from_secs(1)), Phase::Polling);
    let err = polling.get_json("tasks/1").unwrap_err();
    assert!(matches!(err, HostedError::Timeout(_)), "{err:?}");
    assert_eq!(err.to_string(), "svc: no complete answer while polling within the figure's timeout (1 s)");
    assert!(t.elapsed() < Duration::from_secs(5), "waited {:?}", t.elapsed());
    // A submission without an answer may have arrived: it is lost, never sent again.
    let before = seen.load(std::sync::atomic::Ordering::SeqCst);
    let submitting = c.bounded(Deadline::after(Duration::from_secs(1)), Phase::Submitting);
    let err = submitting.post_json("start", &serde_json::json!({"prompt": "a cat"})).unwrap_err();
    assert!(matches!(err, HostedError::Lost(_)), "{err:?}");
    assert!(
        err.to_string().starts_with("svc: no complete answer while submitting within the figure's timeout (1 s); the service may have accepted it, so it was not sent again"),
        "{err}"
    );
    assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), before + 1);
    // An image whose body never ends.
    let base = server_each(|mut stream, _| {
        use std::io::Write;
        let _ =
            stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 100000\r\n\r\n\x89PNG");
        std::thread::sleep(Duration::from_secs(60));
    });
    let downloading = client(&base).bounded(Deadline::after(Duration::from_secs(1)), Phase::Polling);
    let err = downloading.get_bytes("files/1.png").unwrap_err();
    assert_eq!(
        err.to_string(),
        "svc: no complete answer while downloading the image within the figure's timeout (1 s)"
    );
    assert!(t.elapsed() < Duration::from_secs(10), "waited {:?}", t.elapsed());
}
