//! Periods into dates: one period (a day, a week from `weekStart`, a month, a year) by
//! RFC 5545's BY-rule table, clamp (RFC 7529 SKIP=BACKWARD) and `setPos`.

use super::Schedule;
use crate::calendar::{days_in_month, LAST_YEAR};
use crate::pattern::{Frequency, MonthDayOverflow, NthWeekday};
use chrono::{Datelike, Days, Duration, NaiveDate};

impl Schedule {
    /// The dates of period `index` (sorted, without repeats, `setPos` applied); None once
    /// the period lies beyond the supported years.
    pub(super) fn expand(&self, index: i64, out: &mut Vec<NaiveDate>) -> Option<()> {
        out.clear();
        let p = &*self.pattern;
        let s = self.start_date;
        match p.frequency {
            Frequency::Daily => {
                // At most one date, so nothing to sort, and a valid `setPos` (which holds
                // 1 or -1) keeps it.
                // Whole days, not a Duration, which chrono would divide back into days.
                let date = if index >= 0 {
                    s.checked_add_days(Days::new(index as u64))?
                } else {
                    s.checked_sub_days(Days::new(index.unsigned_abs()))?
                };
                if date.year() > LAST_YEAR {
                    return None;
                }
                // Each limit read only when the pattern has it: every occurrence of a
                // plain daily rule passes through here.
                if self.weekday_allowed(date)
                    && (p.month_of_year.is_empty() || self.month_allowed(date.month()))
                    && (self.month_days.is_empty() || self.month_day_allowed(date))
                {
                    out.push(date);
                }
                return Some(());
            }
            Frequency::Weekly => {
                let week =
                    self.week_start_of(s).checked_add_signed(Duration::try_days(index.checked_mul(7)?)?)?;
                if week.year() > LAST_YEAR {
                    return None;
                }
                for offset in 0..7 {
                    let date = week + Duration::days(offset);
                    let wanted = if self.weekday_mask == 0 {
                        date.weekday() == s.weekday()
                    } else {
                        self.weekday_mask & 1 << date.weekday().num_days_from_monday() != 0
                    };
                    if wanted && self.month_allowed(date.month()) {
                        out.push(date);
                    }
                }
            }
            Frequency::Monthly => {
                let months = i64::from(s.year()) * 12 + i64::from(s.month0()) + index;
                let year = i32::try_from(months.div_euclid(12)).ok()?;
                if year > LAST_YEAR {
                    return None;
                }
                let month = months.rem_euclid(12) as u32 + 1;
                if self.month_allowed(month) {
                    self.expand_month(year, month, out);
                }
            }
            Frequency::Yearly => {
                let year = s.year().checked_add(i32::try_from(index).ok()?)?;
                if year > LAST_YEAR {
                    return None;
                }
                if !self.month_days.is_empty() {
                    for &month in &self.year_months {
                        self.expand_month_days(year, month, out);
                    }
                    out.retain(|&d| self.byday_limit(d));
                } else if !p.month_of_year.is_empty() {
                    for &month in &p.month_of_year {
                        self.expand_month(year, u32::from(month), out);
                    }
                } else {
                    self.expand_byday_in_year(year, out);
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        if !p.set_pos.is_empty() {
            select_positions(&p.set_pos, out);
        }
        Some(())
    }

    /// The occurrences of a daily rule on the days `a..b` after the start that are a
    /// multiple of `stride` after it (the interval, or a divisor of it): the days that pass
    /// the month, day-of-month and weekday limits, as [`Schedule::expand`] finds them one
    /// by one. Counted month by month for short strides, day by day for long ones, so the
    /// cost stays near the smaller of the two counts. None beyond chrono's range.
    pub(super) fn count_days(&self, a: i64, b: i64, stride: i64) -> Option<u64> {
        let start = i64::from(self.start_date.num_days_from_ce());
        let (lo, hi) = (start + a, start + b);
        // Day 1 of the common era, 0001-01-01, is a Monday.
        let weekday_allowed =
            |num: i64| self.weekday_mask == 0 || self.weekday_mask & 1 << (num - 1).rem_euclid(7) != 0;
        let first_visited = |from: i64| from + (start - from).rem_euclid(stride);
        let mut total = 0u64;
        if stride > 28 {
            let mut num = first_visited(lo);
            while num < hi {
                let date = NaiveDate::from_num_days_from_ce_opt(i32::try_from(num).ok()?)?;
                total += u64::from(
                    weekday_allowed(num) && self.month_allowed(date.month()) && self.month_day_allowed(date),
                );
                num += stride;
            }
            return Some(total);
        }
        let first = self.start_date.checked_add_signed(Duration::try_days(a)?)?;
        let (mut year, mut month) = (first.year(), first.month());
        let mut month_first = i64::from(NaiveDate::from_ymd_opt(year, month, 1)?.num_days_from_ce());
        while month_first < hi {
            let len = i64::from(days_in_month(year, month)?);
            if self.month_allowed(month) {
                if self.month_days.is_empty() {
                    let mut num = first_visited(month_first.max(lo));
                    let to = (month_first + len).min(hi);
                    while num < to {
                        total += u64::from(weekday_allowed(num));
                        num += stride;
                    }
                } else {
                    // As a set of days: 31 and -1 may be the same day.
                    let mut days = 0u32;
                    for &d in &self.month_days {
                        let day = if d > 0 { i64::from(d) } else { len + 1 + i64::from(d) };
                        if (1..=len).contains(&day) {
                            days |= 1 << day;
                        }
                    }
                    for day in (1..=len).filter(|&day| days & 1 << day != 0) {
                        let num = month_first + day - 1;
                        let visited = (lo..hi).contains(&num) && (num - start).rem_euclid(stride) == 0;
                        total += u64::from(visited && weekday_allowed(num));
                    }
                }
            }
            month_first += len;
            (year, month) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
        }
        Some(total)
    }

    /// A month of a monthly rule, or of a yearly rule with `monthOfYear`.
    fn expand_month(&self, year: i32, month: u32, out: &mut Vec<NaiveDate>) {
        if !self.month_days.is_empty() {
            let first = out.len();
            self.expand_month_days(year, month, out);
            let mut i = first;
            while i < out.len() {
                if self.byday_limit(out[i]) {
                    i += 1;
                } else {
                    out.swap_remove(i);
                }
            }
        } else {
            self.expand_byday_in_month(year, month, out);
        }
    }

    /// `dayOfMonth` (given or implied) in one month, with `monthDayOverflow` applied.
    fn expand_month_days(&self, year: i32, month: u32, out: &mut Vec<NaiveDate>) {
        let Some(len) = days_in_month(year, month) else { return };
        let clamp = self.pattern.month_day_overflow == MonthDayOverflow::Clamp;
        for &d in &self.month_days {
            let d = i32::from(d);
            let day = if d > 0 { d } else { len as i32 + 1 + d };
            if (1..=len as i32).contains(&day) {
                out.extend(NaiveDate::from_ymd_opt(year, month, day as u32));
            } else if clamp && d > 0 {
                out.extend(NaiveDate::from_ymd_opt(year, month, len));
            } else if clamp {
                // Before the month's first day: back to the previous month's last day.
                out.extend(NaiveDate::from_ymd_opt(year, month, 1).and_then(|f| f.pred_opt()));
            }
        }
    }

    /// Every date of a month that `daysOfWeek` / `nthWeekdays` select.
    fn expand_byday_in_month(&self, year: i32, month: u32, out: &mut Vec<NaiveDate>) {
        let Some(first) = NaiveDate::from_ymd_opt(year, month, 1) else { return };
        let Some(len) = days_in_month(year, month) else { return };
        self.expand_byday(first, len, out);
    }

    /// Every date of a year that `daysOfWeek` / `nthWeekdays` select (nth within the year).
    fn expand_byday_in_year(&self, year: i32, out: &mut Vec<NaiveDate>) {
        let Some(first) = NaiveDate::from_ymd_opt(year, 1, 1) else { return };
        let len = if first.leap_year() { 366 } else { 365 };
        self.expand_byday(first, len, out);
    }

    /// The BYDAY expansion over `len` days from `first`.
    fn expand_byday(&self, first: NaiveDate, len: u32, out: &mut Vec<NaiveDate>) {
        let first_wd = first.weekday().num_days_from_monday();
        for wd in 0..7u32 {
            if self.weekday_mask & 1 << wd == 0 {
                continue;
            }
            let mut offset = (7 + wd - first_wd) % 7;
            while offset < len {
                out.push(first + Duration::days(i64::from(offset)));
                offset += 7;
            }
        }
        for n in &self.pattern.nth_weekdays {
            if let Some(offset) = nth_weekday_offset(first_wd, len, *n) {
                out.push(first + Duration::days(i64::from(offset)));
            }
        }
    }

    fn month_allowed(&self, month: u32) -> bool {
        let months = &self.pattern.month_of_year;
        months.is_empty() || months.iter().any(|&m| u32::from(m) == month)
    }

    /// A daily rule's `dayOfMonth` limit.
    fn month_day_allowed(&self, date: NaiveDate) -> bool {
        if self.month_days.is_empty() {
            return true;
        }
        let day = date.day() as i32;
        // The month's length only when a negative day needs it.
        let mut len = None;
        self.month_days.iter().any(|&d| {
            let d = i32::from(d);
            if d > 0 {
                return d == day;
            }
            let len =
                *len.get_or_insert_with(|| days_in_month(date.year(), date.month()).unwrap_or(31) as i32);
            len + 1 + d == day
        })
    }

    /// A daily rule's `daysOfWeek` limit.
    fn weekday_allowed(&self, date: NaiveDate) -> bool {
        self.weekday_mask == 0 || self.weekday_mask & 1 << date.weekday().num_days_from_monday() != 0
    }

    /// BYDAY as a limit on days that `dayOfMonth` produced: the weekday is listed, or the
    /// date is one of the listed nth weekdays (of its month, or of its year).
    fn byday_limit(&self, date: NaiveDate) -> bool {
        let p = &*self.pattern;
        if self.weekday_mask == 0 && p.nth_weekdays.is_empty() {
            return true;
        }
        if self.weekday_mask & 1 << date.weekday().num_days_from_monday() != 0 {
            return true;
        }
        let (index, len) = if self.nth_in_year {
            let len = if date.leap_year() { 366 } else { 365 };
            (date.ordinal0(), len)
        } else {
            (date.day0(), days_in_month(date.year(), date.month()).unwrap_or(31))
        };
        let from_start = (index / 7 + 1) as i16;
        let from_end = -(((len - 1 - index) / 7 + 1) as i16);
        p.nth_weekdays.iter().any(|n| n.day == date.weekday() && (n.nth == from_start || n.nth == from_end))
    }
}

/// Keeps the 1-based positions `positions` (negative: from the end) of a sorted set.
fn select_positions(positions: &[i16], dates: &mut Vec<NaiveDate>) {
    let n = dates.len() as i32;
    let mut picked: Vec<NaiveDate> = positions
        .iter()
        .filter_map(|&pos| {
            let pos = i32::from(pos);
            let index = if pos > 0 { pos - 1 } else { n + pos };
            (0..n).contains(&index).then(|| dates[index as usize])
        })
        .collect();
    picked.sort_unstable();
    picked.dedup();
    *dates = picked;
}

/// Day offset of the nth weekday within `len` days whose first is weekday `first_wd`.
fn nth_weekday_offset(first_wd: u32, len: u32, n: NthWeekday) -> Option<u32> {
    let wd = n.day.num_days_from_monday();
    let first = (7 + wd - first_wd) % 7;
    let count = (len - first).div_ceil(7);
    let k = if n.nth > 0 { n.nth as i32 - 1 } else { count as i32 + n.nth as i32 };
    (0..count as i32).contains(&k).then(|| first + 7 * k as u32)
}
