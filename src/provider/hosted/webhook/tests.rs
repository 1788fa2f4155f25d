use super::*;

fn options(text: &str) -> toml::Table {
    text.parse().unwrap()
}

/// Sends raw bytes to the listener and returns the status of its answer.
fn send(addr: std::net::SocketAddr, raw: &[u8]) -> u16 {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    let _ = s.write_all(raw);
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
}

fn post(addr: std::net::SocketAddr, body: &str, signature: Option<&str>) -> u16 {
    let sig = signature.map(|s| format!("X-PaperBanana-Signature: {s}\r\n")).unwrap_or_default();
    let raw = format!(
        "POST /cb HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{sig}Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    send(addr, raw.as_bytes())
}

#[test]
fn signatures_are_the_documented_hmac_of_the_raw_body() {
    // The documentation's Python: "sha256=" + hmac.new(secret, body, sha256).hexdigest();
    // RFC 4231 test case 2 gives the digest of this key and message.
    let expected = "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
    assert_eq!(sign(b"Jefe", b"what do ya want for nothing?"), expected);
    assert!(verify(b"Jefe", b"what do ya want for nothing?", expected));
    assert!(!verify(b"Jefe", b"what do ya want for nothing!", expected), "another body");
    assert!(!verify(b"jefe", b"what do ya want for nothing?", expected), "another secret");
    assert!(!verify(b"Jefe", b"what do ya want for nothing?", &expected[7..]), "no sha256= prefix");
    assert!(!verify(b"Jefe", b"what do ya want for nothing?", "sha256=zz"), "not hex");
    assert!(!verify(b"Jefe", b"what do ya want for nothing?", &expected[..40]), "cut short");
}

#[test]
fn webhook_keys_come_together_and_are_checked() {
    assert_eq!(WebhookConfig::from_options(&options("iterations = 3"), 3.0).unwrap(), None);
    let ok = WebhookConfig::from_options(
        &options("webhook_listen = \"0.0.0.0:8787\"\nwebhook_url = \"https://lab.example.org/pb\"\nwebhook_secret_env = \"PB_HOOK\"\n"),
        3.0,
    )
    .unwrap()
    .unwrap();
    assert_eq!((ok.listen.as_str(), ok.poll), ("0.0.0.0:8787", Duration::from_secs(60)));
    for (text, key) in [
        ("webhook_listen = \"0.0.0.0:8787\"", "webhook_listen"),
        ("webhook_poll = 10", "webhook_listen"),
        ("webhook_listen = \"lab:8787\"\nwebhook_url = \"https://x/\"\nwebhook_secret_env = \"S\"", "webhook_listen"),
        ("webhook_listen = \"0.0.0.0:1\"\nwebhook_url = \"ftp://x/\"\nwebhook_secret_env = \"S\"", "webhook_url"),
        (
            "webhook_listen = \"0.0.0.0:1\"\nwebhook_url = \"https://x/\"\nwebhook_secret_env = \"S\"\nwebhook_poll = 1",
            "webhook_poll",
        ),
        ("webhook_listen = 8787\nwebhook_url = \"https://x/\"\nwebhook_secret_env = \"S\"", "webhook_listen"),
    ] {
        let e = WebhookConfig::from_options(&options(text), 3.0).unwrap_err();
        assert_eq!(e.0, key, "{text}: {e:?}");
    }
}

#[test]
fn only_signed_callbacks_wake_the_task_they_name() {
    // A listener of its own (not the process's shared one), so that its counts are this
    // test's.
    let l = Arc::new(Listener::start("127.0.0.1:0").unwrap());
    l.add_secret(b"s3cret-for-tests");
    let body = r#"{"event":"task.completed","task_id":"t-1","status":"completed"}"#;
    // Nothing heard yet: the wait times out.
    assert!(!l.wait("t-1", Duration::from_millis(50)));
    assert_eq!(post(l.addr, body, None), 401, "unsigned");
    assert_eq!(post(l.addr, body, Some(&sign(b"another secret", body.as_bytes()))), 401, "wrong secret");
    let tampered = body.replace("t-1", "t-2");
    assert_eq!(post(l.addr, &tampered, Some(&sign(b"s3cret-for-tests", body.as_bytes()))), 401, "body changed");
    assert!(!l.wait("t-1", Duration::from_millis(10)));
    assert!(!l.wait("t-2", Duration::from_millis(10)));
    // A valid callback wakes a waiter blocked on it.
    let waiter = {
        let l = l.clone();
        std::thread::spawn(move || l.wait("t-1", Duration::from_secs(30)))
    };
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(post(l.addr, body, Some(&sign(b"s3cret-for-tests", body.as_bytes()))), 200);
    assert!(waiter.join().unwrap());
    // It is used up by the wait it woke.
    assert!(!l.wait("t-1", Duration::from_millis(10)));
    // A callback heard before the wait began still counts; another task does not.
    let body = body.replace("t-1", "t-4");
    assert_eq!(post(l.addr, &body, Some(&sign(b"s3cret-for-tests", body.as_bytes()))), 200);
    assert!(!l.wait("t-3", Duration::from_millis(10)));
    assert!(l.wait("t-4", Duration::ZERO));
    let (accepted, rejected) = l.counts();
    assert_eq!((accepted, rejected), (2, 3));
}

#[test]
fn malformed_and_oversized_requests_are_refused() {
    let l = listener("127.0.0.1:0", b"another-test-secret").unwrap();
    let signed = |body: &str| sign(b"another-test-secret", body.as_bytes());
    assert_eq!(send(l.addr, b"GET /cb HTTP/1.1\r\nHost: x\r\n\r\n"), 405);
    let body = r#"{"task_id": 5}"#;
    assert_eq!(post(l.addr, body, Some(&signed(body))), 422, "no task id string");
    let huge = format!("POST /cb HTTP/1.1\r\nContent-Length: {}\r\n\r\n", MAX_BODY + 1);
    assert_eq!(send(l.addr, huge.as_bytes()), 413);
    let gzip = "POST /cb HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n";
    assert_eq!(send(l.addr, gzip.as_bytes()), 501);
    let too_long = format!("POST /cb HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n", MAX_BODY + 1);
    assert_eq!(send(l.addr, too_long.as_bytes()), 413);
    let long_head = format!("POST /cb HTTP/1.1\r\nX: {}\r\n", "a".repeat(MAX_HEAD + 10));
    assert_eq!(send(l.addr, long_head.as_bytes()), 431);
    // A body shorter than announced: the connection ends, nothing is recorded.
    assert_eq!(send(l.addr, b"POST /cb HTTP/1.1\r\nContent-Length: 50\r\n\r\n{}"), 400);
    // The same address again is the same listener, which now takes both secrets.
    let again = listener("127.0.0.1:0", b"a-third-secret").unwrap();
    assert_eq!(again.addr, l.addr);
    let body = r#"{"task_id": "t-9"}"#;
    assert_eq!(post(l.addr, body, Some(&sign(b"a-third-secret", body.as_bytes()))), 200);
    assert!(l.wait("t-9", Duration::ZERO));
}

#[test]
fn a_chunked_callback_is_read_as_its_signed_body() {
    let l = listener("127.0.0.1:0", b"chunk-secret").unwrap();
    let body = r#"{"task_id": "t-chunked", "status": "completed"}"#;
    let (a, b) = body.split_at(10);
    let request = format!(
        "POST /cb HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n{SIGNATURE_HEADER}: {}\r\n\r\n\
         {:x};ext=1\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\nX-Trailer: y\r\n\r\n",
        sign(b"chunk-secret", body.as_bytes()),
        a.len(),
        b.len()
    );
    assert_eq!(send(l.addr, request.as_bytes()), 200);
    assert!(l.wait("t-chunked", Duration::ZERO));
}

#[test]
fn chunked_bodies_decode_only_when_whole() {
    assert_eq!(dechunk(b"3\r\nabc\r\n0\r\n\r\n"), Ok(Some(b"abc".to_vec())));
    assert_eq!(dechunk(b"3\r\nabc\r\n0\r\n"), Ok(None), "the last empty line is missing");
    assert_eq!(dechunk(b"3\r\nab"), Ok(None));
    assert_eq!(dechunk(b"3\r\nabcX\r\n0\r\n\r\n").unwrap_err().0, 400, "data longer than its size");
    assert_eq!(dechunk(b"zz\r\n").unwrap_err().0, 400);
}
