//! Rules across keys: which keys go together, and rules that can never produce an
//! occurrence whatever the series start. Each check returns its problems; the reader
//! (`read.rs`) lists them after every key's own.

use super::keys;
use super::{Frequency, Keyword, MonthDayOverflow, Pattern};
use crate::calendar::{longest_month, MONTH_NAMES};
use crate::error::Problem;
use crate::message::list;

/// What the rules across keys look at: the frequency when it was readable, whether
/// `monthDayOverflow` is `clamp`, and which keys are present (valid or not).
pub(super) struct Present {
    pub frequency: Option<Frequency>,
    pub clamp: bool,
    pub days_of_week: bool,
    pub nth_weekdays: bool,
    pub day_of_month: bool,
    pub month_of_year: bool,
    pub set_pos: bool,
    pub count: bool,
    pub until: bool,
}

/// Keys that do not go together, reported after every key's own problems.
pub(super) fn check_across_keys(k: &Present) -> Vec<Problem> {
    let mut problems = Vec::new();
    if let Some(freq) = k.frequency {
        let sub_monthly = matches!(freq, Frequency::Daily | Frequency::Weekly);
        if k.nth_weekdays && sub_monthly {
            problems.push(Problem::new(
                keys::NTH_WEEKDAYS,
                format!("only allowed with frequency \"monthly\" or \"yearly\", not \"{}\"", freq.json()),
            ));
        }
        if k.day_of_month && freq == Frequency::Weekly {
            problems.push(Problem::new(keys::DAY_OF_MONTH, "not allowed with frequency \"weekly\""));
        }
        if k.clamp && sub_monthly {
            problems.push(Problem::new(
                keys::MONTH_DAY_OVERFLOW,
                format!(
                    "\"clamp\" is only allowed with frequency \"monthly\" or \"yearly\", not \"{}\"",
                    freq.json()
                ),
            ));
        }
    }
    if k.set_pos && !k.days_of_week && !k.nth_weekdays && !k.day_of_month && !k.month_of_year {
        problems.push(Problem::new(
            keys::SET_POS,
            format!(
                "needs another BY key: {}, {}, {} or {}",
                keys::DAYS_OF_WEEK,
                keys::NTH_WEEKDAYS,
                keys::DAY_OF_MONTH,
                keys::MONTH_OF_YEAR
            ),
        ));
    }
    if k.count && k.until {
        problems.push(Problem::new(keys::UNTIL, format!("not allowed together with {}", keys::COUNT)));
    }
    problems
}

/// Rules that can never produce an occurrence, whatever the series start: reported here
/// instead of being searched for in vain.
pub(super) fn check_possible(p: &Pattern) -> Vec<Problem> {
    let mut problems = Vec::new();
    // A day of the month that exists in none of the months it can fall in.
    if p.month_day_overflow == MonthDayOverflow::Skip && !p.day_of_month.is_empty() {
        let months: Vec<u8> =
            if p.month_of_year.is_empty() { (1..=12).collect() } else { p.month_of_year.clone() };
        let exists = p
            .day_of_month
            .iter()
            .any(|&d| months.iter().any(|&m| i32::from(d.unsigned_abs()) <= longest_month(m)));
        if !exists {
            let names: Vec<&str> = months.iter().map(|&m| MONTH_NAMES[usize::from(m) - 1]).collect();
            problems.push(Problem::new(
                keys::DAY_OF_MONTH,
                format!(
                    "{} never occurs in {} (use \"{}\": \"{}\" to move it to the month's last day)",
                    list(&p.day_of_month, ", "),
                    names.join(", "),
                    keys::MONTH_DAY_OVERFLOW,
                    MonthDayOverflow::Clamp.json()
                ),
            ));
        }
    }
    // nth counts within a month for monthly rules and yearly rules with monthOfYear.
    let nth_in_month = p.frequency == Frequency::Monthly
        || (p.frequency == Frequency::Yearly && !p.month_of_year.is_empty());
    if nth_in_month
        && p.days_of_week.is_empty()
        && !p.nth_weekdays.is_empty()
        && p.nth_weekdays.iter().all(|n| n.nth.abs() > 5)
    {
        problems.push(Problem::new(
            keys::NTH_WEEKDAYS,
            "nth counts within a month here, and a month has at most 5 of any weekday",
        ));
    }
    let max_set = match p.frequency {
        Frequency::Daily => 1,
        Frequency::Weekly => 7,
        Frequency::Monthly => 31,
        Frequency::Yearly => 366,
    };
    if !p.set_pos.is_empty() && p.set_pos.iter().all(|s| s.abs() > max_set) {
        problems.push(Problem::new(
            keys::SET_POS,
            format!(
                "a {} period has at most {max_set} occurrences, so {} never matches",
                p.frequency.json(),
                list(&p.set_pos, ", ")
            ),
        ));
    }
    problems
}
