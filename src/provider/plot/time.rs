//! Dates and times on a real time axis: ISO 8601 cells read as seconds since 1970 (UTC),
//! and ticks at calendar units (years, months, days, hours, minutes, seconds) labelled as
//! a reader expects ("2023", "Mar 2023", "Mar 5", "06:00").
//!
//! The calendar is the proleptic Gregorian one ([`crate::calendar`]); no time zones beyond
//! the offset a cell carries (`Z`, `+02:00`).

use crate::calendar::{civil_from_days, days_from_civil};

const DAY: f64 = 86_400.0;
const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn digits(s: &str, n: usize) -> Option<i64> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

/// Seconds since 1970-01-01T00:00:00Z of an ISO 8601 cell: `2023-03-05`, `2023-03`,
/// `2023-03-05T14:30`, `2023-03-05 14:30:15.250`, with an optional `Z` or `±hh:mm`.
/// Years 1000–9999 only (a four-digit year, as ISO writes it); `None` for anything else.
pub fn parse(s: &str) -> Option<f64> {
    let s = s.trim();
    let (date, clock) = match s.split_once(['T', ' ']) {
        Some((d, c)) => (d, Some(c)),
        None => (s, None),
    };
    let mut parts = date.split('-');
    let y = digits(parts.next()?, 4)?;
    let m = digits(parts.next()?, 2)?;
    let d = match parts.next() {
        Some(p) => digits(p, 2)?,
        None if clock.is_none() => 1,
        None => return None,
    };
    if parts.next().is_some() || !(1000..=9999).contains(&y) || !(1..=12).contains(&m) {
        return None;
    }
    if d < 1 || d > days_in_month(y, m) {
        return None;
    }
    let mut secs = days_from_civil(y, m, d) as f64 * DAY;
    if let Some(c) = clock {
        let (c, offset) = split_offset(c)?;
        let mut hms = c.split(':');
        let h = digits(hms.next()?, 2)?;
        let mi = digits(hms.next()?, 2)?;
        let sec = match hms.next() {
            Some(p) => {
                let (whole, frac) = p.split_once('.').unwrap_or((p, ""));
                let f = if frac.is_empty() { 0.0 } else { format!("0.{frac}").parse::<f64>().ok()? };
                digits(whole, 2)? as f64 + f
            }
            None => 0.0,
        };
        if hms.next().is_some() || h > 23 || mi > 59 || sec >= 61.0 {
            return None;
        }
        secs += (h * 3600 + mi * 60) as f64 + sec - offset;
    }
    Some(secs)
}

/// A date or time at the clock it is written in (`17:00+02:00` → 17:00): how positions in
/// attributes (`xlim=`, `vline=`) are read, as data of one offset is drawn.
pub fn parse_wall(s: &str) -> Option<f64> {
    Some(parse(s)? + stated_offset(s).unwrap_or(0.0))
}

/// The offset from UTC a time written with one (`…T17:00+02:00`, `…Z`) states, in seconds;
/// `None` for a date alone or a time without an offset.
pub fn stated_offset(s: &str) -> Option<f64> {
    let (_, clock) = s.trim().split_once(['T', ' '])?;
    let stated = clock.ends_with('Z') || clock.rfind(['+', '-']).is_some();
    stated.then(|| split_offset(clock).map(|(_, o)| o)).flatten()
}

/// The clock part and its offset from UTC in seconds.
fn split_offset(c: &str) -> Option<(&str, f64)> {
    if let Some(c) = c.strip_suffix('Z') {
        return Some((c, 0.0));
    }
    match c.rfind(['+', '-']) {
        Some(i) => {
            let (hh, mm) = c[i + 1..].split_once(':').unwrap_or((&c[i + 1..], "00"));
            let (hh, mm) = (digits(hh, 2)?, digits(mm, 2)?);
            let sign = if c.as_bytes()[i] == b'-' { -1.0 } else { 1.0 };
            Some((&c[..i], sign * (hh * 3600 + mm * 60) as f64))
        }
        None => Some((c, 0.0)),
    }
}

/// A calendar step between ticks.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Unit {
    Seconds(i64),
    Days(i64),
    Months(i64),
}

impl Unit {
    /// Rough length in seconds (to choose a step).
    fn approx(self) -> f64 {
        match self {
            Unit::Seconds(n) => n as f64,
            Unit::Days(n) => n as f64 * DAY,
            Unit::Months(n) => n as f64 * 30.44 * DAY,
        }
    }
}

const STEPS: &[Unit] = &[
    Unit::Seconds(1),
    Unit::Seconds(5),
    Unit::Seconds(15),
    Unit::Seconds(30),
    Unit::Seconds(60),
    Unit::Seconds(300),
    Unit::Seconds(900),
    Unit::Seconds(1800),
    Unit::Seconds(3600),
    Unit::Seconds(3 * 3600),
    Unit::Seconds(6 * 3600),
    Unit::Seconds(12 * 3600),
    Unit::Days(1),
    Unit::Days(2),
    Unit::Days(7),
    Unit::Days(14),
    Unit::Months(1),
    Unit::Months(2),
    Unit::Months(3),
    Unit::Months(6),
    Unit::Months(12),
    Unit::Months(24),
    Unit::Months(60),
    Unit::Months(120),
    Unit::Months(240),
    Unit::Months(600),
    Unit::Months(1200),
];

/// Ticks of `unit` in `[lo, hi]`, at calendar boundaries (weeks start on Monday).
fn ticks_of(unit: Unit, lo: f64, hi: f64) -> Vec<f64> {
    let mut out = Vec::new();
    match unit {
        Unit::Seconds(n) => {
            let n = n as f64;
            let mut t = (lo / n).ceil() * n;
            while t <= hi && out.len() <= 1000 {
                out.push(t);
                t += n;
            }
        }
        Unit::Days(n) => {
            let mut d = (lo / DAY).ceil() as i64;
            // weeks and fortnights from a Monday (1970-01-05 was one)
            let phase = if n >= 7 { 4 } else { 0 };
            d += (n - (d - phase).rem_euclid(n)) % n;
            while d as f64 * DAY <= hi && out.len() <= 1000 {
                out.push(d as f64 * DAY);
                d += n;
            }
        }
        Unit::Months(n) => {
            let (y, m, _) = civil_from_days((lo / DAY).floor() as i64);
            let mut k = y * 12 + (m - 1);
            k += (n - k.rem_euclid(n)) % n;
            loop {
                let t = days_from_civil(k.div_euclid(12), k.rem_euclid(12) + 1, 1) as f64 * DAY;
                if t > hi || out.len() > 1000 {
                    break;
                }
                if t >= lo {
                    out.push(t);
                }
                k += n;
            }
        }
    }
    out
}

/// The label of a tick; `first` ticks and year changes carry the larger unit too.
fn label(unit: Unit, t: f64, prev: Option<f64>) -> String {
    let day = (t / DAY).floor() as i64;
    let (y, m, d) = civil_from_days(day);
    let new_year = prev.is_none_or(|p| civil_from_days((p / DAY).floor() as i64).0 != y);
    let new_day = prev.is_none_or(|p| (p / DAY).floor() as i64 != day);
    let month = MONTHS[(m - 1) as usize];
    match unit {
        Unit::Months(n) if n % 12 == 0 => format!("{y}"),
        Unit::Months(_) if new_year => format!("{month} {y}"),
        Unit::Months(_) => month.to_string(),
        Unit::Days(_) if new_year => format!("{month} {d}, {y}"),
        Unit::Days(_) => format!("{month} {d}"),
        Unit::Seconds(n) => {
            let s = t - day as f64 * DAY;
            let (h, mi, sec) = ((s / 3600.0) as i64, ((s % 3600.0) / 60.0) as i64, s % 60.0);
            let clock = if n < 60 { format!("{h:02}:{mi:02}:{:02}", sec as i64) } else { format!("{h:02}:{mi:02}") };
            match (new_day, s == 0.0) {
                (true, true) => format!("{month} {d}"),
                (true, false) => format!("{month} {d} {clock}"),
                _ => clock,
            }
        }
    }
}

/// Ticks for a time axis over `[lo, hi]` (seconds since 1970): the finest calendar step
/// giving at most `max` ticks, labelled. `fits` says whether labels have room (the axis
/// takes a coarser step until they do).
pub fn ticks(lo: f64, hi: f64, max: usize, fits: impl Fn(&[(f64, String)]) -> bool) -> Vec<(f64, String)> {
    let span = (hi - lo).max(1.0);
    let mut last = Vec::new();
    for &unit in STEPS.iter().filter(|u| span / u.approx() <= max as f64 * 1.5) {
        let ts = ticks_of(unit, lo, hi);
        if ts.is_empty() || ts.len() > max {
            continue;
        }
        let labelled: Vec<(f64, String)> =
            ts.iter().enumerate().map(|(i, &t)| (t, label(unit, t, i.checked_sub(1).map(|j| ts[j])))).collect();
        if fits(&labelled) {
            return labelled;
        }
        last = labelled;
    }
    if last.is_empty() {
        // beyond a century a tick: whole years by the linear steps
        let (y0, y1) = (civil_from_days((lo / DAY) as i64).0, civil_from_days((hi / DAY) as i64).0);
        let step = super::ticks::nice_step(y0 as f64, y1 as f64, max.max(2) - 1, false).max(1.0) as i64;
        let mut y = (y0 + step - 1).div_euclid(step) * step;
        while y <= y1 && last.len() < 50 {
            last.push((days_from_civil(y, 1, 1) as f64 * DAY, y.to_string()));
            y += step;
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_iso_dates_and_times() {
        assert_eq!(parse("1970-01-01"), Some(0.0));
        assert_eq!(parse("1970-01-02"), Some(DAY));
        // 2000-03-01 is day 11017 (a leap year's February had 29 days)
        assert_eq!(parse("2000-03-01"), Some(11_017.0 * DAY));
        assert_eq!(parse("2000-02-29").map(|s| s / DAY), Some(11_016.0));
        assert_eq!(parse("2023-03"), parse("2023-03-01"));
        assert_eq!(parse("2023-03-05T14:30"), parse("2023-03-05").map(|s| s + 14.5 * 3600.0));
        assert_eq!(parse("2023-03-05 14:30:15.5"), parse("2023-03-05").map(|s| s + 14.5 * 3600.0 + 15.5));
        assert_eq!(parse("2023-03-05T14:30Z"), parse("2023-03-05T14:30"));
        assert_eq!(parse("2023-03-05T16:30+02:00"), parse("2023-03-05T14:30"));
        assert_eq!(parse("2023-03-05T09:30-05:00"), parse("2023-03-05T14:30"));
        for bad in
            ["2023-02-29", "2023-13-01", "2023-1-5", "23-01-05", "2023", "12:30", "2023-01-05T25:00", "A-B-C", ""]
        {
            assert_eq!(parse(bad), None, "{bad}");
        }
        for z in [-1_000_000i64, -1, 0, 59, 60, 19_000, 2_932_896] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }

    fn labels(lo: &str, hi: &str, max: usize) -> Vec<String> {
        ticks(parse(lo).unwrap(), parse(hi).unwrap(), max, |_| true).into_iter().map(|t| t.1).collect()
    }

    #[test]
    fn ticks_fall_on_calendar_units() {
        assert_eq!(labels("2019-06-01", "2024-03-01", 6), ["2020", "2021", "2022", "2023", "2024"]);
        assert_eq!(labels("2023-01-01", "2024-01-01", 5), ["Jan 2023", "Apr", "Jul", "Oct", "Jan 2024"]);
        assert_eq!(labels("2023-03-01", "2023-03-29", 5), ["Mar 6, 2023", "Mar 13", "Mar 20", "Mar 27"]);
        assert_eq!(labels("2023-03-05T00:00", "2023-03-05T23:00", 5), ["Mar 5", "06:00", "12:00", "18:00"]);
        // centuries
        let l = labels("1500-01-01", "2000-01-01", 6);
        assert!(l.len() >= 3 && l.iter().all(|s| s.parse::<i64>().is_ok_and(|y| y % 100 == 0)), "{l:?}");
        // a coarser step when the labels do not fit
        let coarse = ticks(parse("2023-01-01").unwrap(), parse("2024-01-01").unwrap(), 13, |t| t.len() <= 3);
        assert_eq!(coarse.iter().map(|t| t.1.as_str()).collect::<Vec<_>>(), ["Jan 2023", "Jul", "Jan 2024"]);
    }
}
