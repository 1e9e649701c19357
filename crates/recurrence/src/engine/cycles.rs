//! Counting `count` by whole 400-year Gregorian cycles instead of walking them.

use super::walk::Walk;
use super::Schedule;
use crate::calendar::{gcd, CYCLE_DAYS, LAST_YEAR};
use crate::pattern::Frequency;
use chrono::NaiveDate;

/// Counting `count` by whole Gregorian cycles. Period `q` and period `q + C` (C periods in
/// a 400-year cycle) produce the same dates 400 years apart, so the periods an interval
/// `n` visits repeat after `block` = lcm(n, C) periods: every run of `block` periods holds
/// the same number of occurrences, and every run's first `r` periods as many as any
/// other's. Walking one block (from the "mark") gives both numbers; the walk then goes on
/// from the last period before `from` (and before LAST_YEAR) that whole blocks reach, or
/// ends at once when `count` runs out before it. Only dates counted without their instant
/// (surely after the start, surely before `from`) are skipped so: they are counted by
/// local date, which neither time zones nor DST change, and `exdates` count too.
#[derive(Debug, Clone)]
pub(super) struct CycleSkip {
    /// Periods after which the visited periods repeat: lcm(interval, periods per cycle).
    block: i64,
    /// Periods before this one are counted without instants (entirely before `from`'s
    /// local date, and before LAST_YEAR): only they may be skipped.
    limit: i64,
    mark: Option<Mark>,
}

/// The block being walked.
#[derive(Debug, Clone, Copy)]
struct Mark {
    /// Its first period and the count before it.
    start: i64,
    emitted: u32,
    /// The period as far into the block as the limit lies past whole blocks, and the
    /// count before it once walked there.
    split: i64,
    at_split: Option<u32>,
}

impl CycleSkip {
    pub(super) fn new(s: &Schedule, resolve_from: NaiveDate) -> CycleSkip {
        let n = i64::from(s.pattern.interval);
        let per_cycle = s.pattern.frequency.periods_per_cycle();
        let last = NaiveDate::from_ymd_opt(LAST_YEAR - 1, 1, 1).unwrap_or(NaiveDate::MAX);
        CycleSkip {
            block: per_cycle / gcd(n, per_cycle) * n,
            limit: s.period_index(resolve_from.min(last)),
            mark: None,
        }
    }

    /// Before expanding period `walk.period`: marks where the block starts, notes the count
    /// at its split, or, a block later (at once for daily rules, whose blocks are counted
    /// without walking), moves the walk on to where whole blocks reach. Done at most once per walk; false when
    /// nothing is left to produce (no occurrence in a whole block, or `count` used up
    /// before `from`).
    pub(super) fn apply(slot: &mut Option<CycleSkip>, s: &Schedule, walk: &mut Walk, count: u32) -> bool {
        let Some(skip) = slot else { return true };
        let q = walk.period;
        let n = i64::from(s.pattern.interval);
        let Some(mark) = &mut skip.mark else {
            // Periods 0 and 1 may hold dates near the start, which are counted by instant.
            if q >= 2 && q + skip.block <= skip.limit {
                let split = q + (skip.limit - q) % skip.block / n * n;
                if s.pattern.frequency == Frequency::Daily {
                    // Days are counted, not walked. The days a block visits fall once on
                    // each day of a 400-year cycle that is a multiple of gcd(n, C) days
                    // after the start (C = 146,097): the block counts as that cycle does.
                    let per_block = s.count_days(q, q + CYCLE_DAYS, gcd(n, CYCLE_DAYS));
                    let (Some(per_block), Some(to_split)) = (per_block, s.count_days(q, split, n)) else {
                        *slot = None;
                        return true;
                    };
                    let jump = Jump { block: skip.block, blocks: (skip.limit - q) / skip.block, split };
                    *slot = None;
                    let at_split = u64::from(walk.emitted) + to_split;
                    return jump.apply(s, per_block, at_split, walk, count);
                }
                let at_split = (split == q).then_some(walk.emitted);
                skip.mark = Some(Mark { start: q, emitted: walk.emitted, split, at_split });
            } else if q >= 2 {
                *slot = None; // no whole block fits before the limit any more
            }
            return true;
        };
        if q == mark.split {
            mark.at_split = Some(walk.emitted);
        }
        if q < mark.start + skip.block {
            return true;
        }
        let Mark { start, emitted: emitted_then, split, at_split } = *mark;
        let jump = Jump { block: skip.block, blocks: (skip.limit - start) / skip.block, split };
        *slot = None;
        let per_block = u64::from(walk.emitted - emitted_then);
        let at_split = u64::from(at_split.expect("the split lies inside the block"));
        jump.apply(s, per_block, at_split, walk, count)
    }
}

/// Where whole blocks take the walk: from the split, `blocks` blocks on.
struct Jump {
    block: i64,
    blocks: i64,
    split: i64,
}

impl Jump {
    /// With `per_block` occurrences in every block and `at_split` counted before the
    /// split: moves the walk on, or false when nothing is left to produce.
    fn apply(self, s: &Schedule, per_block: u64, at_split: u64, walk: &mut Walk, count: u32) -> bool {
        if per_block == 0 {
            // A whole block of the calendar without an occurrence: every later one is the same.
            return false;
        }
        let total = at_split + self.blocks as u64 * per_block;
        if total >= u64::from(count) {
            // `count` runs out on a date surely before `from`: nothing is left to give.
            return false;
        }
        let to = self.split + self.blocks * self.block;
        if to > walk.period {
            walk.period = to;
            walk.emitted = total as u32;
            walk.empty_run = 0;
            // Only the period just before can produce one of its dates again (a clamped
            // day moved back into the previous month).
            let mut dates = Vec::new();
            let n = i64::from(s.pattern.interval);
            walk.last_counted_date = s.expand(to - n, &mut dates).and_then(|()| dates.last().copied());
        }
        true
    }
}
