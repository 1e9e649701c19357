//! Counting `count` by whole 400-year Gregorian cycles instead of walking them.

use super::Schedule;
use crate::calendar::{gcd, CYCLE_DAYS, LAST_YEAR};
use chrono::{Duration, NaiveDate};

/// Counting `count` by whole Gregorian cycles. Period `q` and period `q + C` (C periods in
/// a 400-year cycle) produce the same dates 400 years apart, so the periods an interval
/// `n` visits repeat after `block` = lcm(n, C) periods: every run of `block` periods holds
/// the same number of occurrences. Walking one such run (the "mark" to here) gives that
/// number; then as many whole runs as lie before `from` (and before LAST_YEAR), and as
/// keep the total below `count`, are added at once. Only dates counted without their
/// instant (surely after the start, surely before `from`) are skipped so: they are counted
/// by local date, which neither time zones nor DST change, and `exdates` count too.
#[derive(Debug, Clone)]
pub(super) struct CycleSkip {
    /// Periods after which the visited periods repeat: lcm(interval, periods per cycle).
    block: i64,
    /// Days the calendar moves on in one block (a whole number of 400-year cycles).
    block_days: i64,
    /// Periods before this one are counted without instants (entirely before `from`'s
    /// local date, and before LAST_YEAR): only they may be skipped.
    limit: i64,
    /// Where the walked block began: its period and the count so far.
    mark: Option<(i64, u32)>,
}

impl CycleSkip {
    pub(super) fn new(s: &Schedule, resolve_from: NaiveDate) -> CycleSkip {
        let n = i64::from(s.pattern.interval);
        let per_cycle = s.pattern.frequency.periods_per_cycle();
        let g = gcd(n, per_cycle);
        let last = NaiveDate::from_ymd_opt(LAST_YEAR - 1, 1, 1).unwrap_or(NaiveDate::MAX);
        CycleSkip {
            block: per_cycle / g * n,
            block_days: n / g * CYCLE_DAYS,
            limit: s.period_index(resolve_from.min(last)),
            mark: None,
        }
    }

    /// Before expanding period `*period`: marks where a block starts, or, a block later,
    /// adds the whole blocks that can be skipped to `period`, `emitted` and the last
    /// counted date. Done at most once; false when it found that nothing can match any more.
    pub(super) fn apply(
        slot: &mut Option<CycleSkip>,
        period: &mut i64,
        emitted: &mut u32,
        last_counted_date: &mut Option<NaiveDate>,
        count: u32,
    ) -> bool {
        let Some(skip) = slot else { return true };
        let q = *period;
        match skip.mark {
            // Periods 0 and 1 may hold dates near the start, which are counted by instant.
            None if q >= 2 && q + skip.block <= skip.limit => skip.mark = Some((q, *emitted)),
            Some((marked, emitted_then)) if q == marked + skip.block => {
                let per_block = *emitted - emitted_then;
                let block = skip.block;
                let by_limit = (skip.limit - q) / block;
                let block_days = skip.block_days;
                *slot = None;
                if per_block == 0 {
                    // A whole block of the calendar without an occurrence: every later
                    // one is the same.
                    return false;
                }
                let by_count = i64::from((count - *emitted - 1) / per_block);
                let blocks = by_limit.min(by_count);
                if blocks > 0 {
                    *period += blocks * block;
                    *emitted += u32::try_from(blocks).expect("fewer than count") * per_block;
                    *last_counted_date = last_counted_date
                        .and_then(|d| d.checked_add_signed(Duration::days(blocks * block_days)));
                }
            }
            _ => {}
        }
        true
    }
}
