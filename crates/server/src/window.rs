//! Time-window edges as Digistore24 reads them (`from`/`to`: absolute times, dates, `now`,
//! `today`, `yesterday`, relative offsets such as `-7d` or `+1w`), shared by the report tools,
//! which pin them on Digistore24's clock, and the check that refuses a window whose start is
//! after its end.
//!
//! Why refuse: `from: "7d"` (a dropped minus sign) puts the start a week ahead, and Digistore24
//! answers an empty page; a report would count 0 and call it complete. An empty window is
//! never what a caller meant, so it gets an error that says which sign to use.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime};
use ds24_catalog::{Param, Ty};
use serde_json::{Map, Value};

/// Digistore24's timestamp format.
pub const TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// Which edge of a window a value is: a day named as the end means its last second, as
/// Digistore24 reads `to=2026-11-27` or `to=today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// `from`.
    Start,
    /// `to`.
    End,
}

/// An edge relative to now (`now`, `today`, `-7d`) as a time on the clock that reads `now`;
/// `None` for anything else (absolute times, `start`).
pub fn relative_edge(value: &str, now: NaiveDateTime, side: Side) -> Option<NaiveDateTime> {
    let v = value.trim();
    let day = |d: NaiveDate| match side {
        Side::Start => d.and_hms_opt(0, 0, 0),
        Side::End => d.and_hms_opt(23, 59, 59),
    };
    match v.to_ascii_lowercase().as_str() {
        "now" => Some(now),
        "today" => day(now.date()),
        "yesterday" => day(now.date() - Duration::days(1)),
        _ => relative(v, now),
    }
}

/// Whether `value` is a time in one of the forms Digistore24 documents: absolute
/// (`YYYY-MM-DD HH:MM:SS`, `YYYY-MM-DD`, ISO 8601), `now`, `today`, `yesterday`, `start` (the
/// account's creation) or relative (`-7d`, `+24h`). Anything else ("next friday") would be
/// Digistore24's to misread or refuse.
pub fn is_time(value: &str) -> bool {
    // Any fixed clock will do: only the form is judged.
    let clock = NaiveDate::from_ymd_opt(2026, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0));
    value.trim().eq_ignore_ascii_case("start")
        || absolute_edge(value, Side::Start).is_some()
        || clock.is_some_and(|now| relative_edge(value, now, Side::Start).is_some())
}

/// An absolute edge (`YYYY-MM-DD HH:MM:SS`, `YYYY-MM-DD`, ISO 8601) as written; `None` for
/// relative ones and `start`.
fn absolute_edge(value: &str, side: Side) -> Option<NaiveDateTime> {
    let v = value.trim();
    if let Ok(t) = NaiveDateTime::parse_from_str(v, TIME_FORMAT) {
        return Some(t);
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S") {
        return Some(t);
    }
    for minutes in ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(v, minutes) {
            return Some(t);
        }
    }
    if let Some(t) = zoned(v) {
        return Some(t);
    }
    day_edge(v, side)
}

/// An ISO 8601 time with a zone (`2026-11-28T10:00:00+02:00`, `…Z`, `…+0200`, with or without
/// seconds) as the instant in UTC; `None` for anything else.
fn zoned(value: &str) -> Option<NaiveDateTime> {
    let v = value.trim();
    let v = match v.strip_suffix(['Z', 'z']) {
        Some(rest) => format!("{rest}+00:00"),
        None => v.to_owned(),
    };
    [
        "%Y-%m-%dT%H:%M:%S%.f%#z",
        "%Y-%m-%dT%H:%M%#z",
        "%Y-%m-%d %H:%M:%S%.f%#z",
    ]
    .iter()
    .find_map(|f| DateTime::parse_from_str(&v, f).ok())
    .map(|t| t.naive_utc())
}

/// A date (`2026-11-28`) or month (`2026-11`) as the first or last second it covers, as
/// Digistore24 reads a window's edges; `None` for anything else.
pub fn day_edge(value: &str, side: Side) -> Option<NaiveDateTime> {
    let v = value.trim();
    if let Ok(d) = NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        return match side {
            Side::Start => d.and_hms_opt(0, 0, 0),
            Side::End => d.and_hms_opt(23, 59, 59),
        };
    }
    // A month (`2026-11`), as statsAffiliateToplist takes them: its first or its last second.
    let (year, month) = v.split_once('-')?;
    if year.len() != 4 || month.len() != 2 {
        return None;
    }
    let first = NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, 1)?;
    match side {
        Side::Start => first.and_hms_opt(0, 0, 0),
        Side::End => first
            .checked_add_months(chrono::Months::new(1))?
            .pred_opt()?
            .and_hms_opt(23, 59, 59),
    }
}

/// `-24h`, `7d`, `+1w`, `-30m`, `6M`, `2Y` from `now` (lower-case `m` minutes, `M` months).
pub fn relative(v: &str, now: NaiveDateTime) -> Option<NaiveDateTime> {
    let (sign, rest) = match v.as_bytes().first()? {
        b'-' => (-1i64, v.get(1..)?),
        b'+' => (1, v.get(1..)?),
        _ => (1, v),
    };
    let unit = rest.chars().last()?;
    let digits = rest.get(..rest.len().checked_sub(unit.len_utf8())?)?;
    if digits.is_empty() || digits.len() > 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = digits.parse().ok()?;
    let months = |m: i64| {
        let m = chrono::Months::new(u32::try_from(m).ok()?);
        if sign < 0 {
            now.checked_sub_months(m)
        } else {
            now.checked_add_months(m)
        }
    };
    match unit {
        's' => now.checked_add_signed(Duration::seconds(sign * n)),
        'm' => now.checked_add_signed(Duration::minutes(sign * n)),
        'h' | 'H' => now.checked_add_signed(Duration::hours(sign * n)),
        'd' | 'D' => now.checked_add_signed(Duration::days(sign * n)),
        'w' | 'W' => now.checked_add_signed(Duration::weeks(sign * n)),
        'M' => months(n),
        'Y' | 'y' => months(n.checked_mul(12)?),
        _ => None,
    }
}

/// The places a call's times can be: its top-level arguments, and each object argument with
/// known fields (`data.valid_from`), named by its parent for messages.
fn scopes<'a>(
    params: &'a [Param],
    args: &'a Map<String, Value>,
) -> impl Iterator<Item = (Option<&'static str>, &'a [Param], &'a Map<String, Value>)> {
    let nested = params
        .iter()
        .filter_map(|p| match (&p.ty, args.get(p.name)) {
            (Ty::Object(fields), Some(Value::Object(inner))) if !fields.is_empty() => {
                Some((Some(p.name), *fields, inner))
            }
            _ => None,
        });
    std::iter::once((None, params, args)).chain(nested)
}

/// Windows a call can state: a list's `from`/`to`, a voucher's `valid_from`/`expires_at`.
const WINDOWS: [(&str, &str); 2] = [("from", "to"), ("valid_from", "expires_at")];

/// What is wrong with the call's time window, if its start is after its end: at the top level
/// or inside an object argument (`data.valid_from`). `params` gives the defaults of edges left
/// out (`from` is the last 24 hours by default, `to` now). Edges of one kind (both relative, or
/// both absolute) are compared exactly; a relative edge against an absolute one only when they
/// are more than a day apart, since "now" here is this server's clock in UTC and Digistore24's
/// may be hours off.
pub fn inverted(params: &[Param], args: &Map<String, Value>, now: NaiveDateTime) -> Option<String> {
    scopes(params, args).find_map(|(parent, params, args)| {
        WINDOWS
            .iter()
            .find_map(|&(from, to)| pair(params, args, (from, to), parent, now))
    })
}

/// What is wrong with a time the catalog says must not have passed (a new voucher's
/// `expires_at`), if it has: at the top level or inside an object argument. Read as Digistore24
/// reads a point in time, on its clock (Europe/Berlin): a date alone (and `today`) is its first
/// second, 00:00; a time without a zone is Berlin time; one with a zone is that instant. `now`
/// itself is over at once. `now_utc` is this server's clock in UTC.
pub fn passed(
    params: &[Param],
    args: &Map<String, Value>,
    now_utc: NaiveDateTime,
) -> Option<String> {
    use chrono::TimeZone as _;
    let now = chrono_tz::Europe::Berlin
        .from_utc_datetime(&now_utc)
        .naive_local();
    scopes(params, args).find_map(|(parent, params, args)| {
            params.iter().filter(|p| p.not_past).find_map(|p| {
                let Some(Value::String(value)) = args.get(p.name) else {
                    return None;
                };
                // A date (an event's day) is over only when its whole day is; a point in time
                // (an expiry) as soon as it is reached.
                let over = match (relative_edge(value, now, Side::Start), zoned(value)) {
                    (Some(at), _) if matches!(p.ty, Ty::Date) => at.date() < now.date(),
                    (Some(at), _) => at <= now,
                    (None, Some(at)) => at < now_utc,
                    (None, None) if matches!(p.ty, Ty::Date) => {
                        absolute_edge(value, Side::Start)?.date() < now.date()
                    }
                    (None, None) => absolute_edge(value, Side::Start)? < now,
                };
                if !over {
                    return None;
                }
                let trimmed = value.trim();
                let day = |d: chrono::NaiveDate| {
                    format!(
                        " Digistore24 reads a date as its first second (00:00); for the end of the day write `{} 23:59:59`.",
                        d.format("%Y-%m-%d")
                    )
                };
                let hint = match trimmed.strip_prefix('-') {
                    Some(ahead) if relative(trimmed, now).is_some() => {
                        format!(" For a time ahead write `+{ahead}`.")
                    }
                    // `now` is Berlin's clock: near midnight its date is not UTC's.
                    _ if trimmed.eq_ignore_ascii_case("today") => day(now.date()),
                    _ => match NaiveDate::parse_from_str(trimmed, "%Y-%m-%d") {
                        Ok(d) if d == now.date() => day(d),
                        _ => String::new(),
                    },
                };
                let prefix = parent.map(|p| format!("{p}.")).unwrap_or_default();
                Some(format!(
                    "`{prefix}{}` ({value}) has already passed, so this would be over before it starts.{hint}",
                    p.name
                ))
            })
        })
}

/// The problem with one pair of edges, if the start is after the end.
fn pair(
    params: &[Param],
    args: &Map<String, Value>,
    (from_name, to_name): (&str, &str),
    parent: Option<&str>,
    now: NaiveDateTime,
) -> Option<String> {
    let edge = |name: &str| -> Option<String> {
        let p = params
            .iter()
            .find(|p| p.name == name && matches!(p.ty, Ty::DateTime | Ty::Date))?;
        match args.get(name) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => None,
            None => p.default.map(str::to_owned),
        }
    };
    let (from, to) = (edge(from_name)?, edge(to_name)?);
    let resolve = |v: &str, side| match relative_edge(v, now, side) {
        Some(t) => Some((t, true)),
        None => absolute_edge(v, side).map(|t| (t, false)),
    };
    let (start, start_relative) = resolve(&from, Side::Start)?;
    let (end, end_relative) = resolve(&to, Side::End)?;
    let margin = if start_relative == end_relative {
        Duration::zero()
    } else {
        Duration::days(1)
    };
    if start <= end + margin {
        return None;
    }
    let hint = if from
        .trim()
        .starts_with(|c: char| c.is_ascii_digit() || c == '+')
        && relative(from.trim(), now).is_some()
    {
        format!(
            " `{from}` is in the future; for the past write `-{}`.",
            from.trim().trim_start_matches('+')
        )
    } else {
        String::new()
    };
    // Named with the object it is in (`data.valid_from`), built only for the message.
    let prefix = parent.map(|p| format!("{p}.")).unwrap_or_default();
    Some(format!(
        "`{prefix}{from_name}` ({from}) is after `{prefix}{to_name}` ({to}), so the window holds nothing.{hint}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> NaiveDateTime {
        NaiveDateTime::parse_from_str("2026-11-28 07:00:00", TIME_FORMAT).unwrap()
    }

    fn check(from: Option<&str>, to: Option<&str>) -> Option<String> {
        let (from_p, to_p) = (ds24_catalog::fragments::FROM, ds24_catalog::fragments::TO);
        let mut args = Map::new();
        if let Some(f) = from {
            args.insert("from".into(), f.into());
        }
        if let Some(t) = to {
            args.insert("to".into(), t.into());
        }
        inverted(&[from_p, to_p], &args, now())
    }

    #[test]
    fn a_window_that_ends_before_it_starts_is_named() {
        let p = check(Some("7d"), None).expect("7d is a week ahead");
        assert!(p.contains("`-7d`"), "{p}");
        assert!(check(Some("now"), Some("-7d")).is_some());
        assert!(check(Some("2026-11-20"), Some("2026-11-19")).is_some());
        // Months, as statsAffiliateToplist takes them (journey review 6).
        assert!(check(Some("2026-11"), Some("2026-09")).is_some());
        assert!(check(Some("2026-09"), Some("2026-09")).is_none());
        assert!(
            check(Some("2027-01-01"), Some("now")).is_some(),
            "over a day apart"
        );
    }

    /// A voucher valid from after it expires, inside `data`.
    #[test]
    fn a_voucher_that_expires_before_it_starts_is_named() {
        const FIELDS: &[Param] = &[
            Param::opt("valid_from", Ty::DateTime, ""),
            Param::opt("expires_at", Ty::DateTime, ""),
        ];
        let data = [Param::req("data", Ty::Object(FIELDS), "")];
        let args = |from: &str, to: &str| {
            serde_json::json!({"data": {"valid_from": from, "expires_at": to}})
                .as_object()
                .unwrap()
                .clone()
        };
        let p = inverted(&data, &args("2027-01-01", "2026-12-01"), now()).expect("inverted");
        assert!(
            p.contains("`data.valid_from`") && p.contains("`data.expires_at`"),
            "{p}"
        );
        assert_eq!(
            inverted(&data, &args("2026-12-01", "2027-01-01"), now()),
            None
        );
    }

    /// A new voucher that would expire before it is made: `-7d` written for "in a week".
    #[test]
    fn an_expiry_that_has_passed_is_named() {
        const FIELDS: &[Param] = &[Param::opt("expires_at", Ty::DateTime, "").not_past()];
        let data = [Param::req("data", Ty::Object(FIELDS), "")];
        let at = |to: &str| {
            let args = serde_json::json!({"data": {"expires_at": to}});
            passed(&data, args.as_object().unwrap(), now())
        };
        let p = at("-7d").expect("a week ago");
        assert!(
            p.contains("`data.expires_at`") && p.contains("`+7d`"),
            "{p}"
        );
        assert!(at("2026-11-20 00:00:00").is_some(), "over a day past");
        // Now is 07:00 UTC, 08:00 in Berlin, whose clock Digistore24 reads times on.
        assert!(
            at("2026-11-28 07:59:59").is_some(),
            "a second past, in Berlin"
        );
        // Review: a zoned time is that instant (it was read as its own wall clock).
        assert!(at("2026-11-28T01:00:00-05:00").is_some(), "06:00 UTC");
        for zoned_ahead in [
            "2026-11-28T10:00:00-05:00",
            "2026-11-28T15:00Z",
            "2026-11-28T09:00:00+0100",
        ] {
            assert_eq!(at(zoned_ahead), None, "{zoned_ahead}");
        }
        assert!(at("yesterday").is_some());
        assert!(at("now").is_some(), "over at once");
        // Journey review: Digistore24 reads a date as 00:00, so "today" and today's date have
        // passed; the hint gives the end of the day.
        for today in ["today", "2026-11-28"] {
            let p = at(today).expect(today);
            assert!(p.contains("`2026-11-28 23:59:59`"), "{p}");
        }
        for ahead in ["+7d", "7d", "+1m", "2026-11-29", "2026-11-28 08:00:01"] {
            assert_eq!(at(ahead), None, "{ahead}");
        }
        // Review: at 23:30 UTC it is already the next day in Berlin; the hint names that day.
        let late = NaiveDateTime::parse_from_str("2026-11-28 23:30:00", TIME_FORMAT).unwrap();
        let args = serde_json::json!({"data": {"expires_at": "today"}});
        let p = passed(&data, args.as_object().unwrap(), late).expect("today");
        assert!(p.contains("`2026-11-29 23:59:59`"), "{p}");
        let args = serde_json::json!({"data": {"expires_at": "2026-11-28 23:59:59"}});
        assert!(
            passed(&data, args.as_object().unwrap(), late).is_some(),
            "already over in Berlin"
        );
        // An event's date (this stop's second journey: "-2d" issued e-tickets for a past day):
        // over only when the whole day is over, in Berlin.
        const EVENT: &[Param] = &[Param::req("date", Ty::Date, "").not_past()];
        let day = |d: &str| {
            let args = serde_json::json!({"date": d});
            passed(EVENT, args.as_object().unwrap(), now())
        };
        assert!(day("-2d").is_some());
        assert!(day("2026-11-27").is_some());
        for ok in ["today", "now", "2026-11-28", "+1d"] {
            assert_eq!(day(ok), None, "{ok}");
        }
        // Only where the catalog says so: the same field without the mark is not checked.
        const PLAIN: &[Param] = &[Param::opt("expires_at", Ty::DateTime, "")];
        let plain = [Param::req("data", Ty::Object(PLAIN), "")];
        let args = serde_json::json!({"data": {"expires_at": "-7d"}});
        assert_eq!(passed(&plain, args.as_object().unwrap(), now()), None);
    }

    #[test]
    fn times_in_the_documented_forms_are_read_and_others_are_not() {
        for ok in [
            "2026-11",
            "2026-11-28 10:00:00",
            "2026-11-28",
            "2026-11-28T10:00:00",
            "2026-11-28T10:00",
            "2009-06-30T18:30:00+02:00",
            "2030-01-01T10:00Z",
            "2030-01-01T10:00:00+0100",
            "now",
            "Today",
            "yesterday",
            "start",
            "-24h",
            "7d",
            "+2w",
            "6M",
        ] {
            assert!(is_time(ok), "{ok}");
        }
        for bad in [
            "next friday",
            "in 14 days",
            "14",
            "",
            "2026-13-01",
            "2026-13",
            "-7x",
            "tomorrow",
        ] {
            assert!(!is_time(bad), "{bad}");
        }
    }

    #[test]
    fn ordinary_windows_pass() {
        for (from, to) in [
            (None, None),
            (Some("-7d"), None),
            (Some("today"), Some("today")),
            (Some("yesterday"), Some("yesterday")),
            (Some("2026-11-27"), Some("2026-11-27")),
            (Some("start"), Some("now")),
            (Some("2026-11-28 10:00:00"), Some("now")),
            (Some("-7D"), Some("now")),
            (Some("2026-11-01T00:00:00Z"), Some("2026-11-02")),
        ] {
            assert_eq!(check(from, to), None, "{from:?} {to:?}");
        }
    }

    #[test]
    fn a_day_as_the_end_is_its_last_second() {
        let end = relative_edge("today", now(), Side::End).unwrap();
        assert_eq!(end.format(TIME_FORMAT).to_string(), "2026-11-28 23:59:59");
        let start = relative_edge("yesterday", now(), Side::Start).unwrap();
        assert_eq!(start.format(TIME_FORMAT).to_string(), "2026-11-27 00:00:00");
    }
}
