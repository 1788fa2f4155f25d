//! PaperBanana's webhooks against the fake, which delivers them as documented (signed
//! POST when a task ends, retried after 5, 15 and 60 s, here scaled down): a signed
//! callback makes paperfig fetch the figure at once instead of at its next poll; a callback
//! with a bad signature is refused and polling takes over; a listener that cannot start
//! is a warning and the figures are polled; the secret is never printed or written.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use crate::hosted::{Hosted, PB_KEY, pb_config, pb_diagram};
use crate::util::{Run, files_under};

const SECRET: &str = "whsec-for-paperfig-tests";

/// A port nothing listens on now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A PaperBanana provider listening on `listen` and telling the service to call `url`,
/// with `webhook_poll` seconds between fallback polls.
fn hooked(listen: u16, url: u16, poll: u32) -> Hosted {
    let h = Hosted::with(pb_config(), crate::hosted::afe_config(), "");
    h.config(
        &format!(
            "webhook_listen = \"127.0.0.1:{listen}\"\nwebhook_url = \"http://127.0.0.1:{url}/paperbanana\"\nwebhook_secret_env = \"PB_HOOK\"\nwebhook_poll = {poll}\ntimeout = 900"
        ),
        "",
    );
    // Retries after 5, 15 and 60 ms instead of seconds.
    *h.pb.state.webhooks.delay_scale.lock().unwrap() = 0.001;
    h
}

fn generate(h: &Hosted) -> Run {
    Run::from(h.command(&["gen"]).env("PB_HOOK", SECRET).output().unwrap())
}

/// Neither the output nor any file of the project holds the webhook secret.
fn assert_secret_kept(h: &Hosted, run: &Run) {
    assert!(!run.stdout.contains(SECRET) && !run.stderr.contains(SECRET), "{}{}", run.stdout, run.stderr);
    for file in files_under(&h.t.root) {
        let bytes = std::fs::read(&file).unwrap();
        assert!(!bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()), "{}", file.display());
    }
}

#[test]
fn a_signed_callback_fetches_the_figure_at_once() {
    let port = free_port();
    // Fallback polls every 10 minutes: without the callback the figure would come after
    // 600 s, the first poll after submission.
    let h = hooked(port, port, 600);
    h.pb.state.set_webhook(PB_KEY, None, Some(SECRET));
    h.paper(&pb_diagram("hook"));
    let started = Instant::now();
    let run = generate(&h).ok();
    // Far below the 600 s the fallback poll would take, far above what the callback path
    // needs (the fake's 0.5 s latency and one poll): a functional bound, not a speed test.
    assert!(started.elapsed() < Duration::from_secs(120), "{:?}", started.elapsed());
    assert!(h.t.path("build/figures/fig-hook.png").is_file());
    // Told where to call, without the image (it is fetched with the key).
    let body = &h.pb.state.bodies.lock().unwrap()[0];
    assert_eq!(body["webhook_url"], format!("http://127.0.0.1:{port}/paperbanana"));
    assert_eq!(body["webhook_include_image"], false);
    // The one delivery was accepted.
    let deliveries = h.pb.state.webhooks.all();
    assert_eq!(deliveries.len(), 1, "{deliveries:?}");
    assert_eq!(deliveries[0].status, Some(200));
    assert_secret_kept(&h, &run);
    // The webhook keys are not in the figure's key: dropping them keeps the cache.
    h.config("", "");
    let submissions = h.pb.submissions();
    h.build().ok();
    assert_eq!(h.pb.submissions(), submissions);
}

#[test]
fn a_callback_with_a_bad_signature_is_refused_and_polling_takes_over() {
    let port = free_port();
    let h = hooked(port, port, 3);
    h.pb.state.set_webhook(PB_KEY, None, Some("the service has another secret"));
    h.paper(&pb_diagram("forged"));
    let run = generate(&h).ok();
    assert!(h.t.path("build/figures/fig-forged.png").is_file());
    // Refused every time, so the service retried as documented: four attempts, 401 each.
    let deliveries = h.pb.state.webhooks.all();
    let statuses: Vec<Option<u16>> = deliveries.iter().map(|d| d.status).collect();
    assert_eq!(statuses, vec![Some(401); 4], "{deliveries:?}");
    // The figure came from polling: at least one poll of the task after the wait.
    assert!(h.pb.state.polls.load(std::sync::atomic::Ordering::SeqCst) >= 2);
    assert_secret_kept(&h, &run);
}

#[test]
fn an_unreachable_callback_address_is_retried_and_the_figure_is_polled() {
    let (listen, nobody) = (free_port(), free_port());
    let h = hooked(listen, nobody, 3);
    h.pb.state.set_webhook(PB_KEY, None, Some(SECRET));
    h.paper(&pb_diagram("lost"));
    generate(&h).ok();
    assert!(h.t.path("build/figures/fig-lost.png").is_file());
    // The fake keeps trying after the figure is built: wait for its last retry.
    let until = Instant::now() + Duration::from_secs(30);
    while h.pb.state.webhooks.all().len() < 4 && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
    }
    let deliveries = h.pb.state.webhooks.all();
    assert_eq!(
        deliveries.iter().map(|d| (d.attempt, d.status)).collect::<Vec<_>>(),
        [(1, None), (2, None), (3, None), (4, None)]
    );
}

#[test]
fn a_listener_that_cannot_start_is_a_warning_and_the_figure_is_polled() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let h = hooked(port, port, 3);
    h.paper(&pb_diagram("busy"));
    let run = generate(&h).ok();
    assert!(
        run.stderr.contains(&format!("cannot listen for webhooks on 127.0.0.1:{port}"))
            && run.stderr.contains("polled every 3 s instead"),
        "{}",
        run.stderr
    );
    assert!(h.t.path("build/figures/fig-busy.png").is_file());
    // Without the secret's variable: the same warning's kind, naming the variable.
    drop(taken);
    let h = hooked(free_port(), free_port(), 3);
    h.paper(&pb_diagram("nosecret"));
    let run = Run::from(h.command(&["gen"]).env_remove("PB_HOOK").output().unwrap()).ok();
    assert!(run.stderr.contains("webhook_secret_env names PB_HOOK, which is not set"), "{}", run.stderr);
}

#[test]
fn incomplete_webhook_settings_are_a_config_error() {
    let h = Hosted::new();
    h.config("webhook_listen = \"127.0.0.1:9\"", "");
    h.paper(&pb_diagram("cfg"));
    let run = h.run(&["gen"]).code(2);
    assert!(
        run.stderr.contains("webhooks need webhook_listen, webhook_url and webhook_secret_env together"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("paperfig.toml:"), "{}", run.stderr);
    assert_eq!(h.pb.submissions(), 0);
}
