//! What keeps a hosted provider inside its service's limits: a sliding-window rate limiter
//! (the window the services count in), a counting semaphore for figures in flight, capped
//! exponential backoff with jitter, and the stop switch thrown by 402/403; and what keeps a
//! figure inside its own: the [`Deadline`] every one of its waits ends at.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// At most `limit` requests in any `window` (the way the services count "N requests/min").
/// `acquire` blocks until a request may be sent and records it. A small safety margin is
/// added to the window so that a request is never counted twice by a server whose clock
/// reads the first one a little later than we sent it.
pub struct RateLimiter {
    limit: usize,
    window: Duration,
    sent: Mutex<VecDeque<Instant>>,
    /// No request before this (a 429's `Retry-After`).
    paused_until: Mutex<Option<Instant>>,
}

/// Added to every window: network delay between our clock and the server's counter.
const WINDOW_MARGIN: Duration = Duration::from_millis(250);

impl RateLimiter {
    /// `per_minute` requests in any 60 s; `None` = unlimited.
    pub fn per_minute(per_minute: Option<u32>) -> RateLimiter {
        RateLimiter::new(per_minute.map_or(0, |n| n as usize), Duration::from_secs(60))
    }

    /// `limit` requests per `window`; a limit of 0 means unlimited.
    pub fn new(limit: usize, window: Duration) -> RateLimiter {
        RateLimiter { limit, window, sent: Mutex::new(VecDeque::new()), paused_until: Mutex::new(None) }
    }

    /// The configured limit (0 = unlimited).
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Blocks until one more request fits the window, then records it. With a deadline,
    /// a wait that would end after it is not begun: the answer says what would have held
    /// the request and for how long.
    pub fn acquire(&self, deadline: Option<&Deadline>) -> Result<(), Held> {
        let fits = |wait: Duration| deadline.is_none_or(|d| d.allows(wait));
        loop {
            let until = *self.paused_until.lock().unwrap_or_else(|p| p.into_inner());
            match until.map(|u| u.saturating_duration_since(Instant::now())) {
                Some(wait) if !wait.is_zero() => {
                    if !fits(wait) {
                        return Err(Held::Paused(wait));
                    }
                    std::thread::sleep(wait);
                }
                _ => break,
            }
        }
        if self.limit == 0 {
            return Ok(());
        }
        loop {
            let wait = {
                let mut sent = self.sent.lock().unwrap_or_else(|p| p.into_inner());
                let now = Instant::now();
                let span = self.window + WINDOW_MARGIN;
                while sent.front().is_some_and(|t| now.duration_since(*t) >= span) {
                    sent.pop_front();
                }
                if sent.len() < self.limit {
                    sent.push_back(now);
                    return Ok(());
                }
                span - now.duration_since(sent[0])
            };
            let wait = wait.max(Duration::from_millis(5));
            if !fits(wait) {
                return Err(Held::Window(wait));
            }
            std::thread::sleep(wait);
        }
    }

    /// Sends nothing for `pause` (a 429 with `Retry-After` applies to the whole key, not
    /// just the request that got it).
    pub fn pause(&self, pause: Duration) {
        let until = Instant::now() + pause;
        let mut p = self.paused_until.lock().unwrap_or_else(|p| p.into_inner());
        if p.is_none_or(|old| old < until) {
            *p = Some(until);
        }
    }
}

/// What would have held a request past its deadline, and for how long.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Held {
    /// The pause a 429's `Retry-After` put on the whole provider.
    Paused(Duration),
    /// The configured rate limit (the window is full).
    Window(Duration),
}

/// The end of one figure's time (`timeout` in `[providers.X]`, counted from when the
/// figure starts): every wait of its requests (the rate limiter, `Retry-After` pauses,
/// backoff before a retry, poll intervals, each request's own timeout) ends here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadline {
    pub at: Instant,
    /// The configured timeout, for messages.
    pub timeout: Duration,
}

impl Deadline {
    /// `timeout` from now.
    pub fn after(timeout: Duration) -> Deadline {
        let now = Instant::now();
        // `timeout` is at most a day (checked in `services::parse`); saturate anyway.
        let at = now.checked_add(timeout).unwrap_or(now + Duration::from_secs(86_400 * 365));
        Deadline { at, timeout }
    }

    /// Time left (zero once passed).
    pub fn left(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
    }

    /// Whether a wait of `wait` starting now ends by the deadline.
    pub fn allows(&self, wait: Duration) -> bool {
        wait <= self.left()
    }

    /// `the figure's timeout (8 s) ends in 7.9 s` (or `has run out`).
    pub fn describe(&self) -> String {
        let left = self.left();
        let timeout = secs(self.timeout);
        if left.is_zero() {
            format!("the figure's timeout ({timeout}) has run out")
        } else {
            format!("the figure's timeout ({timeout}) ends in {:.1} s", left.as_secs_f64())
        }
    }
}

/// A duration for messages: `8 s`, `0.5 s`, `3600 s`.
pub fn secs(d: Duration) -> String {
    if d.subsec_nanos() == 0 { format!("{} s", d.as_secs()) } else { format!("{:.1} s", d.as_secs_f64()) }
}

/// A counting semaphore: at most `permits` figures of one provider in flight.
pub struct Semaphore {
    free: Mutex<usize>,
    cv: Condvar,
}

impl Semaphore {
    pub fn new(permits: usize) -> Semaphore {
        Semaphore { free: Mutex::new(permits.max(1)), cv: Condvar::new() }
    }

    /// Blocks until a permit is free; the permit is returned when the guard drops.
    pub fn acquire(&self) -> Permit<'_> {
        let mut free = self.free.lock().unwrap_or_else(|p| p.into_inner());
        while *free == 0 {
            free = self.cv.wait(free).unwrap_or_else(|p| p.into_inner());
        }
        *free -= 1;
        Permit(self)
    }
}

pub struct Permit<'a>(&'a Semaphore);

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        *self.0.free.lock().unwrap_or_else(|p| p.into_inner()) += 1;
        self.0.cv.notify_one();
    }
}

/// Retry policy for 5xx answers and connection errors.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Backoff {
    /// Delay before the first retry.
    pub base: Duration,
    /// No delay is longer than this.
    pub cap: Duration,
    /// Retries after the first attempt.
    pub retries: u32,
}

impl Backoff {
    pub const DEFAULT: Backoff = Backoff { base: Duration::from_millis(500), cap: Duration::from_secs(30), retries: 6 };

    /// Delay before retry number `attempt` (0-based): "full jitter", a uniform draw from
    /// [d/2, d] where d = min(cap, base × 2^attempt), so that clients that failed together
    /// do not retry together.
    pub fn delay(&self, attempt: u32) -> Duration {
        let d = self.base.saturating_mul(1u32 << attempt.min(20)).min(self.cap);
        let half = d / 2;
        half + half.mul_f64(jitter())
    }
}

/// A number in [0, 1) from the clock and a counter; good enough to spread retries.
fn jitter() -> f64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0x9E37_79B9_7F4A_7C15);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
    let mut x = COUNTER.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed) ^ nanos;
    // splitmix64 finaliser
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 31;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// Set once a service answers 402/403 (credits or quota exhausted, key disabled): every
/// later figure of that provider fails at once with the same message, with no request.
#[derive(Default)]
pub struct StopSwitch(Mutex<Option<String>>);

impl StopSwitch {
    pub fn stop(&self, why: &str) {
        let mut s = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if s.is_none() {
            *s = Some(why.to_string());
        }
    }

    pub fn stopped(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limiter_admits_limit_then_waits_for_the_window() {
        let l = RateLimiter::new(3, Duration::from_millis(200));
        let t = Instant::now();
        for _ in 0..4 {
            l.acquire(None).unwrap();
        }
        assert!(t.elapsed() >= Duration::from_millis(200), "{:?}", t.elapsed());
    }

    #[test]
    fn pause_blocks_everything() {
        let l = RateLimiter::new(10, Duration::from_millis(100));
        l.pause(Duration::from_millis(300));
        let t = Instant::now();
        l.acquire(None).unwrap();
        assert!(t.elapsed() >= Duration::from_millis(250), "{:?}", t.elapsed());
    }

    #[test]
    fn waits_past_a_deadline_are_not_begun() {
        let l = RateLimiter::new(1, Duration::from_secs(3600));
        let soon = Deadline::after(Duration::from_secs(2));
        let t = Instant::now();
        l.acquire(Some(&soon)).unwrap();
        assert!(matches!(l.acquire(Some(&soon)), Err(Held::Window(w)) if w > Duration::from_secs(3000)));
        l.pause(Duration::from_secs(3600));
        assert!(matches!(l.acquire(Some(&soon)), Err(Held::Paused(w)) if w > Duration::from_secs(3000)));
        assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
        // A pause that ends in time is waited out.
        let l = RateLimiter::new(0, Duration::from_secs(60));
        l.pause(Duration::from_millis(200));
        l.acquire(Some(&soon)).unwrap();
        assert!(t.elapsed() >= Duration::from_millis(150), "{:?}", t.elapsed());
    }

    #[test]
    fn deadlines_describe_themselves() {
        let d = Deadline::after(Duration::from_secs(8));
        let left = d.describe().strip_prefix("the figure's timeout (8 s) ends in ").map(|l| l.replace(" s", ""));
        assert!(left.and_then(|l| l.parse::<f64>().ok()).is_some_and(|l| l > 0.0 && l <= 8.0), "{}", d.describe());
        let gone = Deadline { at: Instant::now(), timeout: Duration::from_millis(500) };
        assert_eq!(gone.describe(), "the figure's timeout (0.5 s) has run out");
        assert_eq!(secs(Duration::from_secs(3600)), "3600 s");
    }

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let b = Backoff { base: Duration::from_millis(100), cap: Duration::from_millis(1000), retries: 5 };
        for attempt in 0..10 {
            let d = b.delay(attempt);
            let full = Duration::from_millis(100 * (1 << attempt.min(10))).min(Duration::from_millis(1000));
            assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d:?} vs {full:?}");
        }
        let draws: std::collections::HashSet<_> = (0..20).map(|_| b.delay(3)).collect();
        assert!(draws.len() > 1, "no jitter");
    }

    #[test]
    fn semaphore_limits_concurrency() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let s = Semaphore::new(2);
        let now = AtomicUsize::new(0);
        let max = AtomicUsize::new(0);
        std::thread::scope(|sc| {
            for _ in 0..6 {
                sc.spawn(|| {
                    let _p = s.acquire();
                    let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                    max.fetch_max(n, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                    now.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        assert_eq!(max.load(Ordering::SeqCst), 2);
    }
}
