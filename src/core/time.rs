//! Dates on the wire: HTTP-date and RFC 3339 to Unix seconds.
//!
//! Hand-written because the page needs only these two formats, and a date crate would cost more bundle
//! than both parsers. Every slice is taken with `get`, so hostile text yields `None`, never a panic.

/// The weekday names of HTTP-dates; the first three letters are the short forms.
const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// The month names of HTTP-dates, in order.
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Days from 1970-01-01 to the given proleptic Gregorian date.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    // Howard Hinnant's algorithm: years start in March, so the leap day is the last day of a year.
    // Saturating arithmetic keeps absurd years from overflowing.
    let y = if month <= 2 {
        year.saturating_sub(1)
    } else {
        year
    };
    let era = y.div_euclid(400);
    let year_of_era = y.rem_euclid(400);
    let m = i64::from(month);
    let shifted_month = if m > 2 { m - 3 } else { m + 9 };
    let day_of_year = (153 * shifted_month + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era.saturating_mul(146_097)
        .saturating_add(day_of_era - 719_468)
}

/// An HTTP-date (RFC 9110: IMF-fixdate, and the obsolete RFC 850 and asctime forms) as Unix seconds.
///
/// RFC 850's two-digit years are read as 1970–2069: the RFC's rule ("not more than 50 years in the
/// future") needs a clock, and this function is pure.
pub fn parse_http_date(s: &str) -> Option<i64> {
    let tokens: Vec<&str> = s.split_whitespace().collect();
    let (year, month, day, time) = match tokens.as_slice() {
        // Sun, 06 Nov 1994 08:49:37 GMT
        [weekday, day, month, year, time, "GMT"] => {
            short_weekday(weekday.strip_suffix(',')?)?;
            (
                digits(year, 4)?,
                month_number(month)?,
                digits(day, 2)?,
                time,
            )
        }
        // Sunday, 06-Nov-94 08:49:37 GMT
        [weekday, date, time, "GMT"] => {
            long_weekday(weekday.strip_suffix(',')?)?;
            let mut parts = date.split('-');
            let (day, month, year) = (parts.next()?, parts.next()?, parts.next()?);
            if parts.next().is_some() {
                return None;
            }
            let yy = digits(year, 2)?;
            let year = if yy < 70 { 2000 + yy } else { 1900 + yy };
            (year, month_number(month)?, digits(day, 2)?, time)
        }
        // Sun Nov  6 08:49:37 1994
        [weekday, month, day, time, year] => {
            short_weekday(weekday)?;
            let day = digits(day, 1).or_else(|| digits(day, 2))?;
            (digits(year, 4)?, month_number(month)?, day, time)
        }
        _ => return None,
    };
    let (hour, minute, second) = clock(time)?;
    unix_seconds(i64::from(year), month, day, hour, minute, second)
}

/// An RFC 3339 timestamp ("2026-11-26T12:00:05Z", fractional seconds, "+08:00"/"-05:00" offsets, lowercase t/z) as Unix seconds, fraction dropped (floor).
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let s = s.trim();
    let mut date = s.get(..10)?.split('-');
    let year = digits(date.next()?, 4)?;
    let month = digits(date.next()?, 2)?;
    let day = digits(date.next()?, 2)?;
    if date.next().is_some() || !s.get(10..11)?.eq_ignore_ascii_case("t") {
        return None;
    }
    let (hour, minute, second) = clock(s.get(11..19)?)?;
    let mut rest = s.get(19..)?;
    if let Some(fraction) = rest.strip_prefix('.') {
        // The count is of ASCII digits, so it ends on a character boundary.
        let n = fraction.bytes().take_while(u8::is_ascii_digit).count();
        rest = fraction.get(n..).filter(|_| n > 0)?;
    }
    let offset = utc_offset(rest)?;
    Some(unix_seconds(i64::from(year), month, day, hour, minute, second)? - offset)
}

/// The seconds to subtract for an RFC 3339 offset: "Z", "z", "+hh:mm" or "-hh:mm".
fn utc_offset(s: &str) -> Option<i64> {
    if s.eq_ignore_ascii_case("z") {
        return Some(0);
    }
    let sign = match s.get(..1)? {
        "+" => 1,
        "-" => -1,
        _ => return None,
    };
    let hours = digits(s.get(1..3)?, 2)?;
    let minutes = digits(s.get(4..)?, 2)?;
    if s.get(3..4)? != ":" || hours > 23 || minutes > 59 {
        return None;
    }
    Some(sign * i64::from(hours * 3600 + minutes * 60))
}

/// "hh:mm:ss" as hour, minute and second, ranges checked later.
fn clock(s: &str) -> Option<(u32, u32, u32)> {
    let mut parts = s.split(':');
    let hms = (
        digits(parts.next()?, 2)?,
        digits(parts.next()?, 2)?,
        digits(parts.next()?, 2)?,
    );
    parts.next().is_none().then_some(hms)
}

/// Unix seconds of a date and time, after checking every field's range; second 60 is a leap second.
fn unix_seconds(
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
) -> Option<i64> {
    let valid = (1..=12).contains(&month)
        && day >= 1
        && day <= days_in_month(year, month)
        && hour <= 23
        && minute <= 59
        && second <= 60;
    valid.then(|| {
        days_from_civil(year, month, day) * 86_400 + i64::from(hour * 3600 + minute * 60 + second)
    })
}

/// The number of days in a month of a year.
fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Exactly `len` ASCII digits as a number.
fn digits(s: &str, len: usize) -> Option<u32> {
    if s.len() != len || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A month's three-letter name as 1–12, in any case.
fn month_number(s: &str) -> Option<u32> {
    let i = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(s))?;
    u32::try_from(i + 1).ok()
}

/// Accepts a three-letter weekday name; it is not checked against the date, since the date is what counts.
fn short_weekday(s: &str) -> Option<()> {
    WEEKDAYS
        .iter()
        .any(|d| {
            d.get(..3)
                .is_some_and(|short| short.eq_ignore_ascii_case(s))
        })
        .then_some(())
}

/// Accepts a full weekday name, as RFC 850 dates have.
fn long_weekday(s: &str) -> Option<()> {
    WEEKDAYS
        .iter()
        .any(|d| d.eq_ignore_ascii_case(s))
        .then_some(())
}

/// The last second that RFC 3339's four-digit years can write: 9999-12-31T23:59:59Z.
const MAX_RFC3339_SECS: f64 = 253_402_300_799.0;
/// The first: 0000-01-01T00:00:00Z.
const MIN_RFC3339_SECS: f64 = -62_167_219_200.0;

/// A moment in milliseconds since the Unix epoch as RFC 3339 UTC, to the whole second (floor):
/// `2026-11-26T10:02:03Z`. NaN gives the epoch; moments outside the years 0000–9999 are clamped to
/// their ends, so every output keeps the format's four-digit year. Instants before 1970 are written as
/// they are: a clock set to 1969 is a finding, not a reason to lie about it.
pub fn rfc3339(ms_since_epoch: f64) -> String {
    let secs = if ms_since_epoch.is_nan() {
        0
    } else {
        // The clamp leaves a finite float in range, so `as` converts it exactly.
        (ms_since_epoch / 1000.0)
            .floor()
            .clamp(MIN_RFC3339_SECS, MAX_RFC3339_SECS) as i64
    };
    let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
    let of_day = secs.rem_euclid(86_400);
    let mut out = String::with_capacity(20);
    let fields = [
        (year, 4, '-'),
        (i64::from(month), 2, '-'),
        (i64::from(day), 2, 'T'),
        (of_day / 3600, 2, ':'),
        (of_day / 60 % 60, 2, ':'),
        (of_day % 60, 2, 'Z'),
    ];
    for (value, width, after) in fields {
        // Every field is non-negative after the clamp; the digits are written from the widest down.
        for place in (0..width).rev() {
            let digit = value / 10_i64.pow(place) % 10;
            out.push(char::from(b'0' + digit as u8));
        }
        out.push(after);
    }
    out
}

/// The proleptic Gregorian date of a day counted from 1970-01-01: the inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    // Howard Hinnant's algorithm again: eras of 400 years, years starting in March.
    let z = days.saturating_add(719_468);
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = era.saturating_mul(400).saturating_add(year_of_era) + i64::from(month <= 2);
    // Both are small and positive by construction: day 1–31, month 1–12.
    (year, month as u32, day as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_from_civil_table() {
        let rows = [
            ((1970, 1, 1), 0),
            ((1969, 12, 31), -1),
            ((2000, 3, 1), 11_017),
            ((2024, 2, 29), 19_782),
            ((1, 1, 1), -719_162),
        ];
        for ((y, m, d), want) in rows {
            assert_eq!(days_from_civil(y, m, d), want, "{y}-{m}-{d}");
        }
    }

    #[test]
    fn absurd_years_do_not_overflow() {
        assert!(days_from_civil(i64::MAX, 12, 31) > 0);
        assert!(days_from_civil(i64::MIN, 1, 1) < 0);
    }

    #[test]
    fn http_dates_table() {
        let rows = [
            ("Sun, 06 Nov 1994 08:49:37 GMT", Some(784_111_777)),
            ("Sunday, 06-Nov-94 08:49:37 GMT", Some(784_111_777)),
            ("Sun Nov  6 08:49:37 1994", Some(784_111_777)),
            ("Sun Nov 06 08:49:37 1994", Some(784_111_777)),
            (" \tsun, 06 NOV 1994 08:49:37 GMT\r\n", Some(784_111_777)),
            ("Thu, 26 Nov 2026 08:00:00 GMT", Some(1_795_680_000)),
            ("Thu, 01 Jan 1970 00:00:00 GMT", Some(0)),
            ("Thursday, 01-Jan-70 00:00:00 GMT", Some(0)),
            ("Monday, 31-Dec-69 23:59:59 GMT", Some(3_155_759_999)),
            ("Mon, 01 Jan 1900 00:00:00 GMT", Some(-2_208_988_800)),
            ("Thu, 29 Feb 2024 00:00:00 GMT", Some(1_709_164_800)),
            ("Wed, 29 Feb 2023 00:00:00 GMT", None),
            ("Sat, 31 Dec 2016 23:59:60 GMT", Some(1_483_228_800)),
            ("Sun, 06 Nov 1994 08:49:37 UTC", None),
            ("Sun, 06 Nov 1994 24:00:00 GMT", None),
            ("Sun, 06 Nov 1994 08:60:00 GMT", None),
            ("Sun, 06 Nov 1994 08:49:61 GMT", None),
            ("Sun, 06 Nov 1994 08:49 GMT", None),
            ("Sun, 31 Nov 1994 08:49:37 GMT", None),
            ("Sun, 00 Nov 1994 08:49:37 GMT", None),
            ("Sun, 6 Nov 1994 08:49:37 GMT", None),
            ("Sun, 06 Nov 94 08:49:37 GMT", None),
            ("Sun, 06 Foo 1994 08:49:37 GMT", None),
            ("Xyz, 06 Nov 1994 08:49:37 GMT", None),
            ("Sun 06 Nov 1994 08:49:37 GMT", None),
            ("Sun, 06-Nov-94 08:49:37 GMT", None),
            ("Sunday, 06-Nov-94-1 08:49:37 GMT", None),
            ("Sun, +6 Nov 1994 08:49:37 GMT", None),
            ("Sün, 06 Nov 1994 08:49:37 GMT", None),
            ("", None),
            ("garbage", None),
        ];
        for (input, want) in rows {
            assert_eq!(parse_http_date(input), want, "{input:?}");
        }
    }

    #[test]
    fn rfc3339_table() {
        let rows = [
            ("2026-11-26T12:00:05Z", Some(1_795_694_405)),
            ("2026-11-26T12:00:05.999999Z", Some(1_795_694_405)),
            ("2026-11-26t12:00:05z", Some(1_795_694_405)),
            ("2026-11-26T20:00:05+08:00", Some(1_795_694_405)),
            ("2026-11-26T07:00:05.5-05:00", Some(1_795_694_405)),
            ("2026-11-26T12:00:05-00:00", Some(1_795_694_405)),
            (" 2026-11-26T12:00:05Z\n", Some(1_795_694_405)),
            ("1970-01-01T00:00:00Z", Some(0)),
            ("1969-12-31T23:59:59.9Z", Some(-1)),
            ("2024-02-29T00:00:00Z", Some(1_709_164_800)),
            ("2023-02-29T00:00:00Z", None),
            ("2026-13-01T00:00:00Z", None),
            ("2026-00-01T00:00:00Z", None),
            ("2026-11-26T24:00:00Z", None),
            ("2026-11-26T12:60:00Z", None),
            ("2026-11-26T12:00:05+24:00", None),
            ("2026-11-26T12:00:05+08:60", None),
            ("2026-11-26T12:00:05+0800", None),
            ("2026-11-26T12:00:05+08:00:00", None),
            ("2026-11-26T12:00:05", None),
            ("2026-11-26T12:00:05.Z", None),
            ("2026-11-26T12:00:05Zjunk", None),
            ("2026-11-26 12:00:05Z", None),
            ("2026-11-26T12:00Z", None),
            ("2026-11-26", None),
            ("26-11-2026T12:00:05Z", None),
            ("2026-11-26T12:00:05.5éZ", None),
            ("２026-11-26T12:00:05Z", None),
            ("", None),
        ];
        for (input, want) in rows {
            assert_eq!(parse_rfc3339(input), want, "{input:?}");
        }
    }

    #[test]
    fn rfc3339_writes_known_instants() {
        let rows = [
            (0.0, "1970-01-01T00:00:00Z"),
            (999.9, "1970-01-01T00:00:00Z"),
            (1_795_687_323_999.9, "2026-11-26T10:02:03Z"),
            (1_795_694_405_000.0, "2026-11-26T12:00:05Z"),
            (1_709_164_800_000.0, "2024-02-29T00:00:00Z"),
            (1_709_251_199_000.0, "2024-02-29T23:59:59Z"),
            (951_782_400_000.0, "2000-02-29T00:00:00Z"),
            (784_111_777_000.0, "1994-11-06T08:49:37Z"),
            // Before 1970 the floor still goes down, to the second before.
            (-1.0, "1969-12-31T23:59:59Z"),
            (-2_208_988_800_000.0, "1900-01-01T00:00:00Z"),
            (253_402_300_799_000.0, "9999-12-31T23:59:59Z"),
            (-62_167_219_200_000.0, "0000-01-01T00:00:00Z"),
        ];
        for (ms, want) in rows {
            assert_eq!(rfc3339(ms), want, "{ms}");
            assert_eq!(parse_rfc3339(want), Some((ms / 1000.0).floor() as i64));
        }
    }

    #[test]
    fn rfc3339_clamps_what_it_cannot_write() {
        let rows = [
            (f64::NAN, "1970-01-01T00:00:00Z"),
            (f64::INFINITY, "9999-12-31T23:59:59Z"),
            (f64::MAX, "9999-12-31T23:59:59Z"),
            (253_402_300_800_000.0, "9999-12-31T23:59:59Z"),
            (f64::NEG_INFINITY, "0000-01-01T00:00:00Z"),
            (-1e300, "0000-01-01T00:00:00Z"),
        ];
        for (ms, want) in rows {
            assert_eq!(rfc3339(ms), want, "{ms}");
        }
    }

    #[test]
    fn civil_from_days_inverts_days_from_civil() {
        // Every day from 1600 to 2400 covers the century rules; the ends of the clamp range come along.
        for days in (-135_140..=157_000).chain([-719_528, 2_932_896]) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
            assert!((1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m));
        }
    }
}
