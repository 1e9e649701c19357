//! Calendar facts the pattern reader, the engine and the RRULE text share: month lengths,
//! the 400-year Gregorian cycle, local wall-clock times as instants, ISO weekdays, dates
//! as text.

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;

/// Years in one Gregorian cycle: after it, dates fall on the same weekdays again.
pub const CYCLE_YEARS: i32 = 400;
/// Days in one Gregorian cycle (400 × 365 + 97 leap days).
pub const CYCLE_DAYS: i64 = 146_097;
/// Weeks in one Gregorian cycle: exactly, since 146,097 = 7 × 20,871.
pub const CYCLE_WEEKS: i64 = 20_871;
/// Months in one Gregorian cycle.
pub const CYCLE_MONTHS: i64 = 4_800;

/// Occurrences are not produced past this year: far beyond any task, and safely inside
/// both chrono's and PostgreSQL's ranges.
pub const LAST_YEAR: i32 = 100_000;

pub fn days_in_month(year: i32, month: u32) -> Option<u32> {
    let (ny, nm) = if month == 12 { (year.checked_add(1)?, 1) } else { (year, month + 1) };
    let next = NaiveDate::from_ymd_opt(ny, nm, 1)?;
    Some(next.pred_opt()?.day())
}

/// The most days `month` (1..12) ever has.
pub fn longest_month(month: u8) -> i32 {
    match month {
        2 => 29,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

pub const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A local wall-clock time as an instant, by RFC 5545 3.3.5: a time in a DST gap is read
/// with the offset from before the gap (02:30 becomes 03:30), a time that exists twice
/// means the first of the two. [`LocalToUtc`] gives the same answers for many times.
pub fn local_to_utc(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    if is_utc(tz) {
        return local.and_utc();
    }
    resolve(tz, local).0
}

/// [`local_to_utc`]'s answer, asking chrono-tz for the offset alone (instead of building
/// zoned date-times to throw away), with the offset when the time exists exactly once.
fn resolve(tz: Tz, local: NaiveDateTime) -> (DateTime<Utc>, Option<FixedOffset>) {
    let minus = |offset: FixedOffset| local.checked_sub_offset(offset);
    let found = match tz.offset_from_local_datetime(&local) {
        LocalResult::Single(offset) => {
            let offset = offset.fix();
            minus(offset).map(|utc| (utc, Some(offset)))
        }
        // The first of the two instants is the one with the larger offset.
        LocalResult::Ambiguous(a, b) => match (minus(a.fix()), minus(b.fix())) {
            (Some(a), Some(b)) => Some((a.min(b), None)),
            _ => None,
        },
        LocalResult::None => None,
    };
    match found {
        Some((utc, unambiguous)) => (utc.and_utc(), unambiguous),
        None => {
            // Offsets lie within ±14 h and gaps last at most a day, so two days earlier is
            // before the transition, where the offset from before the gap is in force.
            let before = local.and_utc() - Duration::hours(48);
            let offset = tz.offset_from_utc_datetime(&before.naive_utc()).fix();
            ((local - Duration::seconds(i64::from(offset.local_minus_utc()))).and_utc(), None)
        }
    }
}

/// The least time between two consecutive transitions of any zone (a change of offset or
/// of name) in the zone data that chrono-tz compiles in, rounded down: 166 hours in
/// chrono-tz 0.10.4. Every zone's offsets also lie less than this apart (25.5 hours at
/// most). [`LocalToUtc`] relies on both; `tests::zone_data` checks them against the
/// data compiled in.
pub const TRANSITION_SPACING_SECS: i64 = 6 * 86_400;

/// [`local_to_utc`] for many local times of one zone, reusing an offset while it is known
/// to be in force: looking it up is a binary search over the zone's transitions, the
/// largest cost of expanding a series, while a series' times come in order and offsets
/// change a few times a year.
///
/// Once a time `x0` exists exactly once, with offset `o`, the stretch of UTC from
/// `x0 - o` over which `o` is known to stay is kept, and a later time `x` whose `x - o`
/// falls in it has that instant as its answer. The stretch grows by looking the offset up
/// less than [`TRANSITION_SPACING_SECS`] further on: with transitions at least that far
/// apart, the same offset at both ends leaves no change between them. Why that is
/// `local_to_utc`'s answer: `x - o` reads `x`, and `local_to_utc` answers the earliest
/// instant that does. An earlier one would have a larger offset, in force up to the last
/// change to `o`, which lies less than the offsets' difference (under the spacing) before
/// `x - o`: `x0`, from that change on and not after `x`, would read the same under both
/// offsets, existing twice rather than once.
#[derive(Debug, Clone)]
pub struct LocalToUtc {
    tz: Tz,
    steady: Option<SteadyOffset>,
}

/// An offset in force over the UTC seconds `from..=to`, whose local time at `from` exists
/// once.
#[derive(Debug, Clone, Copy)]
struct SteadyOffset {
    offset: FixedOffset,
    from: i64,
    to: i64,
}

impl LocalToUtc {
    pub fn new(tz: Tz) -> LocalToUtc {
        LocalToUtc { tz, steady: None }
    }

    /// The instant of `local`, as [`local_to_utc`] gives it.
    pub fn convert(&mut self, local: NaiveDateTime) -> DateTime<Utc> {
        if is_utc(self.tz) {
            return local.and_utc();
        }
        if let Some(steady) = self.steady {
            let at = local.and_utc().timestamp() - i64::from(steady.offset.local_minus_utc());
            if at >= steady.from && (at <= steady.to || self.reaches(at)) {
                if let Some(utc) = local.checked_sub_offset(steady.offset) {
                    return utc.and_utc();
                }
            }
        }
        let (utc, unambiguous) = resolve(self.tz, local);
        self.steady = unambiguous.map(|offset| {
            let at = utc.timestamp();
            SteadyOffset { offset, from: at, to: at }
        });
        utc
    }

    /// Whether the steady offset is known to be in force up to the UTC second `at` (less
    /// than the spacing past the known stretch), growing the stretch to it or beyond.
    fn reaches(&mut self, at: i64) -> bool {
        let Some(steady) = &mut self.steady else { return false };
        let reach = steady.to + TRANSITION_SPACING_SECS - 1;
        if at > reach {
            return false;
        }
        // As far as one look-up can tell, then (a change lies before that) up to `at`.
        for probe in [reach, at] {
            if offset_at(self.tz, probe) == Some(steady.offset) {
                steady.to = probe;
                return true;
            }
        }
        false
    }
}

/// The offset in force at the UTC second `at`.
fn offset_at(tz: Tz, at: i64) -> Option<FixedOffset> {
    DateTime::from_timestamp(at, 0).map(|t| tz.offset_from_utc_datetime(&t.naive_utc()).fix())
}

/// The zones that are UTC itself under another name: a single offset of zero, nothing to
/// look up.
pub(crate) fn is_utc(tz: Tz) -> bool {
    matches!(
        tz,
        Tz::UTC
            | Tz::Etc__UTC
            | Tz::Etc__UCT
            | Tz::UCT
            | Tz::Etc__Universal
            | Tz::Universal
            | Tz::Etc__Zulu
            | Tz::Zulu
    )
}

/// The last whole second of local day `d` in `tz`: one second before the next local day
/// starts. A date `until` ends there (occurrences are whole seconds), and RRULE text
/// writes it so.
pub fn end_of_local_day(tz: Tz, d: NaiveDate) -> Option<DateTime<Utc>> {
    let next = d.succ_opt()?.and_time(NaiveTime::MIN);
    local_to_utc(tz, next).checked_sub_signed(Duration::seconds(1))
}

/// ISO weekday number (1 = Monday … 7 = Sunday) to chrono's weekday.
pub fn weekday_from_iso(n: i64) -> Option<Weekday> {
    match n {
        1 => Some(Weekday::Mon),
        2 => Some(Weekday::Tue),
        3 => Some(Weekday::Wed),
        4 => Some(Weekday::Thu),
        5 => Some(Weekday::Fri),
        6 => Some(Weekday::Sat),
        7 => Some(Weekday::Sun),
        _ => None,
    }
}

/// Parses a `YYYY-MM-DD` date (exactly that form). By hand: chrono's format parser costs
/// ten times as much, and a pattern may list many exdates.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let number = |digits: &[u8]| {
        digits.iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
    };
    NaiveDate::from_ymd_opt(number(&bytes[0..4])? as i32, number(&bytes[5..7])?, number(&bytes[8..10])?)
}

/// A date as the pattern's JSON writes it: `YYYY-MM-DD`.
pub fn format_date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The greatest common divisor (for intervals against cycle lengths).
pub fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a.abs()
    } else {
        gcd(b, a % b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gregorian_cycle_is_whole_weeks_and_months() {
        let start = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
        let end = NaiveDate::from_ymd_opt(2000 + CYCLE_YEARS, 1, 1).unwrap();
        assert_eq!((end - start).num_days(), CYCLE_DAYS);
        assert_eq!(CYCLE_WEEKS * 7, CYCLE_DAYS);
        assert_eq!(CYCLE_MONTHS, i64::from(CYCLE_YEARS) * 12);
        assert_eq!(start.weekday(), end.weekday());
    }
}
