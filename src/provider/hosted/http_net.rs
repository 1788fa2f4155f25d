//! How a failed exchange is told: a connection failure in words (without the URL), whether
//! the request may have reached the service (a paid submission must not be sent twice),
//! and `Retry-After` (delay-seconds or an HTTP date) as a delay.

use std::time::Duration;

/// Parses a `Retry-After` value (RFC 9110: delay-seconds or an HTTP date).
pub fn parse_retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    if let Ok(secs) = value.trim().parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(3600.0)));
    }
    let at = parse_http_date(value.trim())?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO).min(Duration::from_secs(3600)))
}

/// An HTTP date in the three forms RFC 9110 §5.6.7 has recipients accept →
/// time: `Sun, 06 Nov 1994 08:49:37 GMT` (IMF-fixdate), `Sunday, 06-Nov-94 08:49:37 GMT`
/// (RFC 850, two-digit years within 50 years of 2000 as the RFC says: 70–99 → 19xx) and
/// `Sun Nov  6 08:49:37 1994` (asctime).
fn parse_http_date(s: &str) -> Option<std::time::SystemTime> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    let (day, month, year, hms) = match parts.as_slice() {
        [_, day, month, year, hms, "GMT"] => (*day, *month, year.parse::<i64>().ok()?, *hms),
        [_, date, hms, "GMT"] => {
            let mut d = date.split('-');
            let (day, month, yy) = (d.next()?, d.next()?, d.next()?);
            let yy: i64 = yy.parse().ok().filter(|_| yy.len() == 2)?;
            (day, month, if yy >= 70 { 1900 + yy } else { 2000 + yy }, *hms)
        }
        [_, month, day, hms, year] => (*day, *month, year.parse::<i64>().ok()?, *hms),
        _ => return None,
    };
    let day: i64 = day.parse().ok()?;
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let month = months.iter().position(|m| *m == month)? as i64 + 1;
    let hms: Vec<i64> = hms.split(':').map(|x| x.parse().ok()).collect::<Option<_>>()?;
    if hms.len() != 3 || !(1..=31).contains(&day) {
        return None;
    }
    let days = crate::calendar::days_from_civil(year, month, day);
    let secs = days * 86_400 + hms[0] * 3600 + hms[1] * 60 + hms[2];
    Some(std::time::UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).ok()?))
}

/// A failed exchange: in words (without the URL), and whether the service may have the request.
pub(super) struct NetError {
    pub(super) text: String,
    pub(super) may_have_arrived: bool,
}

/// Whether the request may have reached the service before `e`. Only failures to make the
/// connection are certain not to: reqwest's connect step resolves the name, connects (or
/// times out connecting) and does the TLS handshake before a byte of the request is sent,
/// and a request that cannot be built is never sent. Everything else (a reset or dropped
/// connection, a timeout while sending or waiting, a protocol error, too many redirects)
/// may come after the service read the request.
pub(super) fn may_have_arrived(e: &reqwest::Error) -> bool {
    !(e.is_connect() || e.is_builder())
}

/// A connection-level failure in words, without the URL (reqwest's own messages name it).
pub(super) fn describe_net(e: &reqwest::Error) -> String {
    let io = std::iter::successors(std::error::Error::source(e), |s| s.source())
        .find_map(|s| s.downcast_ref::<std::io::Error>());
    if e.is_timeout() {
        "the request timed out".into()
    } else if e.is_redirect() {
        "too many redirects".into()
    } else if let Some(io) = io.filter(|io| io.kind() != std::io::ErrorKind::Other) {
        describe_io(io)
    } else if e.is_connect() {
        "connection failed (cannot connect: unknown host, no route, or TLS handshake failed)".into()
    } else if e.is_builder() {
        "the request could not be built".into()
    } else {
        "the server broke the HTTP protocol (connection dropped?)".into()
    }
}

/// An I/O failure in words.
pub(super) fn describe_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::ConnectionRefused => "connection refused".into(),
        std::io::ErrorKind::TimedOut => "the request timed out".into(),
        kind => format!("connection failed ({kind})"),
    }
}
