//! Digistore24 "point in time" values and the sandbox clock.
//!
//! The API accepts many spellings for a moment (`2014-02-28 23:11:24`, `now`, `today`,
//! `start`, relative `-24h`/`6M`, ISO 8601 with a zone). All of them are resolved here against
//! one `now` per request, so a whole call sees a single consistent clock.
//!
//! Digistore24 answers in German wall-clock time, so the sandbox does too: every time is a
//! naive Europe/Berlin value (formatted `YYYY-MM-DD HH:MM:SS` like the real API), whatever the
//! machine's `TZ` says. Inputs with an explicit zone are converted to Berlin time; relative
//! hours, minutes and seconds are elapsed time (a `-24h` across a DST switch is 23 or 25 wall
//! hours), days and longer are calendar steps that keep the wall-clock time.

use chrono::{
    DateTime, Datelike, Duration, Months, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike,
    Utc,
};
use chrono_tz::Europe::Berlin;

/// The wire format of timestamps.
pub const FMT: &str = "%Y-%m-%d %H:%M:%S";
/// The wire format of dates.
pub const DATE_FMT: &str = "%Y-%m-%d";

/// The current Berlin wall-clock time, truncated to whole seconds.
pub fn now() -> NaiveDateTime {
    let n = Utc::now().with_timezone(&Berlin).naive_local();
    n.with_nanosecond(0).unwrap_or(n)
}

/// The instant of a Berlin wall-clock time (the earlier one in the repeated autumn hour; a
/// time in the skipped spring hour is taken as its UTC reading shifted by one hour).
pub fn to_utc(t: NaiveDateTime) -> DateTime<Utc> {
    match Berlin.from_local_datetime(&t).earliest() {
        Some(z) => z.with_timezone(&Utc),
        None => Utc.from_utc_datetime(&(t - Duration::hours(1))),
    }
}

/// The Berlin wall-clock time of an instant.
pub fn from_utc(t: DateTime<Utc>) -> NaiveDateTime {
    t.with_timezone(&Berlin).naive_local()
}

/// Unix seconds of a Berlin wall-clock time.
pub fn unix(t: NaiveDateTime) -> i64 {
    to_utc(t).timestamp()
}

/// `YYYY-MM-DD HH:MM:SS`.
pub fn fmt(t: NaiveDateTime) -> String {
    t.format(FMT).to_string()
}

/// `YYYY-MM-DD`.
pub fn fmt_date(d: NaiveDate) -> String {
    d.format(DATE_FMT).to_string()
}

/// Parses a stored timestamp (always in [`FMT`]).
pub fn parse_stored(s: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(s, FMT).ok()
}

/// Midnight at the start of `d`.
pub fn day_start(d: NaiveDate) -> NaiveDateTime {
    d.and_time(NaiveTime::MIN)
}

/// The last second of `d`.
pub fn day_end(d: NaiveDate) -> NaiveDateTime {
    day_start(d) + Duration::seconds(86_399)
}

/// Which end of a day a bare date stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateEnd {
    /// `2024-05-14` means `2024-05-14 00:00:00` (for `from`-like values).
    Start,
    /// `2024-05-14` means `2024-05-14 23:59:59` (for `to`-like values).
    End,
}

/// Resolves a point-in-time expression. `start` is the account creation time.
pub fn parse_point(
    raw: &str,
    now: NaiveDateTime,
    start: NaiveDateTime,
    end: DateEnd,
) -> Option<NaiveDateTime> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    let lower = s.to_ascii_lowercase();
    let bare_date = |d: NaiveDate| match end {
        DateEnd::Start => day_start(d),
        DateEnd::End => day_end(d),
    };
    match lower.as_str() {
        "now" => return Some(now),
        "today" => return Some(bare_date(now.date())),
        "start" => return Some(start),
        "yesterday" => return Some(bare_date(now.date() - Duration::days(1))),
        _ => {}
    }
    if let Some(t) = parse_relative(s, now) {
        return Some(t);
    }
    for f in [FMT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Some(t);
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, DATE_FMT) {
        return Some(bare_date(d));
    }
    // ISO 8601 with a zone: converted to Berlin time.
    let zoned = DateTime::parse_from_rfc3339(s)
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%z"))
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%z"))
        .ok()?;
    Some(from_utc(zoned.with_timezone(&Utc)))
}

/// `-24h`, `24h`, `-7d`, `-10m`, `-30s`, `6M`, `2Y`, `+1w`: offset from `now`. Lower-case `m`
/// is minutes, upper-case `M` months; `y`/`Y` years, `w` weeks.
pub fn parse_relative(s: &str, now: NaiveDateTime) -> Option<NaiveDateTime> {
    let (neg, rest) = match s.as_bytes().first()? {
        b'-' => (true, s.get(1..)?),
        b'+' => (false, s.get(1..)?),
        _ => (false, s),
    };
    let unit = rest.chars().last()?;
    let digits = rest.get(..rest.len() - unit.len_utf8())?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 6 {
        return None;
    }
    let n: i64 = digits.parse().ok()?;
    let months = |m: i64| -> Option<NaiveDateTime> {
        let m = Months::new(u32::try_from(m).ok()?);
        if neg {
            now.checked_sub_months(m)
        } else {
            now.checked_add_months(m)
        }
    };
    let secs = match unit {
        's' => n,
        'm' => n * 60,
        'h' => n * 3600,
        'd' | 'D' => n * 86_400,
        'w' | 'W' => n * 7 * 86_400,
        'M' => return months(n),
        'y' | 'Y' => return months(n * 12),
        _ => return None,
    };
    let d = Duration::seconds(secs);
    if matches!(unit, 's' | 'm' | 'h') {
        // Elapsed time: step on the instant, then read the Berlin clock again.
        let at = to_utc(now);
        let moved = if neg {
            at.checked_sub_signed(d)
        } else {
            at.checked_add_signed(d)
        }?;
        return Some(from_utc(moved));
    }
    if neg {
        now.checked_sub_signed(d)
    } else {
        now.checked_add_signed(d)
    }
}

/// Parses `1_month`, `14_day`, `10-day`, `2_week`, `1_year` into (count, unit).
pub fn parse_interval(s: &str) -> Option<(u32, char)> {
    let s = s.trim();
    let (n, unit) = s.split_once(['_', '-', ' '])?;
    let n: u32 = n.parse().ok()?;
    let unit = match unit.trim_end_matches('s') {
        "day" => 'd',
        "week" => 'w',
        "month" => 'M',
        "year" => 'y',
        _ => return None,
    };
    (n > 0).then_some((n, unit))
}

/// `t` advanced by an interval from [`parse_interval`].
pub fn add_interval(t: NaiveDateTime, (n, unit): (u32, char)) -> NaiveDateTime {
    match unit {
        'd' => t + Duration::days(i64::from(n)),
        'w' => t + Duration::days(7 * i64::from(n)),
        'y' => t.checked_add_months(Months::new(12 * n)).unwrap_or(t),
        _ => t.checked_add_months(Months::new(n)).unwrap_or(t),
    }
}

/// A `YYYY-MM` month value (statsAffiliateToplist); `now`/relative values are accepted too.
pub fn parse_month(s: &str, now: NaiveDateTime, start: NaiveDateTime) -> Option<NaiveDate> {
    let s = s.trim();
    if let Some((y, m)) = s.split_once('-')
        && let (Ok(y), Ok(m)) = (y.parse::<i32>(), m.parse::<u32>())
    {
        return NaiveDate::from_ymd_opt(y, m, 1);
    }
    let t = parse_point(s, now, start, DateEnd::Start)?;
    NaiveDate::from_ymd_opt(t.year(), t.month(), 1)
}

/// The first day of the month after `d`'s month.
pub fn next_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1)
        .and_then(|x| x.checked_add_months(Months::new(1)))
        .unwrap_or(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, FMT).unwrap()
    }

    #[test]
    fn points() {
        let now = t("2024-05-14 10:31:07");
        let start = t("2021-01-01 00:00:00");
        let p = |s: &str| parse_point(s, now, start, DateEnd::Start);
        assert_eq!(p("now"), Some(now));
        assert_eq!(p("start"), Some(start));
        assert_eq!(p("today"), Some(t("2024-05-14 00:00:00")));
        assert_eq!(p("-24h"), Some(t("2024-05-13 10:31:07")));
        assert_eq!(p("24h"), Some(t("2024-05-15 10:31:07")));
        assert_eq!(p("-7d"), Some(t("2024-05-07 10:31:07")));
        assert_eq!(p("-10m"), Some(t("2024-05-14 10:21:07")));
        assert_eq!(p("-30s"), Some(t("2024-05-14 10:30:37")));
        assert_eq!(p("6M"), Some(t("2024-11-14 10:31:07")));
        assert_eq!(p("-2Y"), Some(t("2022-05-14 10:31:07")));
        assert_eq!(p("2014-02-28 23:11:24"), Some(t("2014-02-28 23:11:24")));
        assert_eq!(p("2014-02-28"), Some(t("2014-02-28 00:00:00")));
        assert_eq!(
            parse_point("2014-02-28", now, start, DateEnd::End),
            Some(t("2014-02-28 23:59:59"))
        );
        assert!(p("2009-06-30T18:30:00+02:00").is_some());
        assert!(p("2009-06-30T16:30:00Z").is_some());
        assert_eq!(
            p("2009-06-30T18:30:00+02:00"),
            p("2009-06-30T16:30:00Z"),
            "zones are normalised"
        );
        assert_eq!(p("yesterdayish"), None);
        assert_eq!(p("-24x"), None);
        assert_eq!(p(""), None);
        assert_eq!(p("2024-13-01"), None);
    }

    #[test]
    fn berlin_whatever_the_machine_zone() {
        // The clock reads Berlin time (this test runs under any TZ).
        let berlin = Utc::now().with_timezone(&Berlin).naive_local();
        assert!((berlin - now()).num_seconds().abs() <= 2);
        let now = t("2024-05-14 10:31:07");
        let p = |s: &str| parse_point(s, now, now, DateEnd::Start);
        assert_eq!(
            p("2009-06-30T16:30:00Z"),
            Some(t("2009-06-30 18:30:00")),
            "CEST"
        );
        assert_eq!(
            p("2024-01-15T12:00:00+00:00"),
            Some(t("2024-01-15 13:00:00")),
            "CET"
        );
        assert_eq!(
            p("2024-01-15T12:00:00-05:00"),
            Some(t("2024-01-15 18:00:00"))
        );
        assert_eq!(
            p("2024-01-15 12:00:00+0900"),
            Some(t("2024-01-15 04:00:00"))
        );
        // Across the spring switch (2024-03-31 02:00 → 03:00) 24 hours are 25 wall hours back.
        let after = t("2024-03-31 12:00:00");
        assert_eq!(
            parse_relative("-24h", after),
            Some(t("2024-03-30 11:00:00"))
        );
        assert_eq!(parse_relative("-1d", after), Some(t("2024-03-30 12:00:00")));
        // Across the autumn switch (2024-10-27 03:00 → 02:00) they are 23.
        let after = t("2024-10-27 12:00:00");
        assert_eq!(
            parse_relative("-24h", after),
            Some(t("2024-10-26 13:00:00"))
        );
        assert_eq!(unix(t("2024-01-01 01:00:00")), 1_704_067_200);
    }

    #[test]
    fn intervals() {
        assert_eq!(parse_interval("1_month"), Some((1, 'M')));
        assert_eq!(parse_interval("14_day"), Some((14, 'd')));
        assert_eq!(parse_interval("10-day"), Some((10, 'd')));
        assert_eq!(parse_interval("12_months"), Some((12, 'M')));
        assert_eq!(parse_interval("month"), None);
        let base = t("2024-01-31 00:00:00");
        assert_eq!(add_interval(base, (1, 'M')), t("2024-02-29 00:00:00"));
    }

    #[test]
    fn months() {
        let now = t("2024-05-14 10:31:07");
        assert_eq!(
            parse_month("2024-03", now, now),
            NaiveDate::from_ymd_opt(2024, 3, 1)
        );
        assert_eq!(
            parse_month("now", now, now),
            NaiveDate::from_ymd_opt(2024, 5, 1)
        );
        assert_eq!(parse_month("garbage", now, now), None);
    }
}
