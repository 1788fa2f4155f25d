//! What keeps a hosted provider inside its service's limits: a sliding-window rate limiter
//! (the window the services count in), a counting semaphore for figures in flight, capped
//! exponential backoff with jitter, and the stop switch thrown by 402/403.

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

    /// Blocks until one more request fits the window, then records it.
    pub fn acquire(&self) {
        loop {
            let until = *self.paused_until.lock().unwrap_or_else(|p| p.into_inner());
            match until.map(|u| u.saturating_duration_since(Instant::now())) {
                Some(wait) if !wait.is_zero() => std::thread::sleep(wait),
                _ => break,
            }
        }
        if self.limit == 0 {
            return;
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
                    return;
                }
                span - now.duration_since(sent[0])
            };
            std::thread::sleep(wait.max(Duration::from_millis(5)));
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
            l.acquire();
        }
        assert!(t.elapsed() >= Duration::from_millis(200), "{:?}", t.elapsed());
    }

    #[test]
    fn pause_blocks_everything() {
        let l = RateLimiter::new(10, Duration::from_millis(100));
        l.pause(Duration::from_millis(300));
        let t = Instant::now();
        l.acquire();
        assert!(t.elapsed() >= Duration::from_millis(250), "{:?}", t.elapsed());
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
