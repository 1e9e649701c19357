//! The pattern's JSON key names, each written once. Adding a key: a constant here, its
//! place in [`ALL`] (the contract's order, which is also the order problems are listed
//! in), a field of [`super::Pattern`], its reading in `read.rs`, its JSON in `to_json`,
//! its RRULE part in `rrule_text`.

pub const FREQUENCY: &str = "frequency";
pub const INTERVAL: &str = "interval";
pub const DAYS_OF_WEEK: &str = "daysOfWeek";
pub const NTH_WEEKDAYS: &str = "nthWeekdays";
pub const DAY_OF_MONTH: &str = "dayOfMonth";
pub const MONTH_OF_YEAR: &str = "monthOfYear";
pub const SET_POS: &str = "setPos";
pub const WEEK_START: &str = "weekStart";
pub const MONTH_DAY_OVERFLOW: &str = "monthDayOverflow";
pub const COUNT: &str = "count";
pub const UNTIL: &str = "until";
pub const TIMEZONE: &str = "timezone";
pub const EXDATES: &str = "exdates";
pub const ANCHOR: &str = "anchor";
pub const CATCH_UP: &str = "catchUp";

/// Every key, in the contract's order.
pub const ALL: [&str; 15] = [
    FREQUENCY,
    INTERVAL,
    DAYS_OF_WEEK,
    NTH_WEEKDAYS,
    DAY_OF_MONTH,
    MONTH_OF_YEAR,
    SET_POS,
    WEEK_START,
    MONTH_DAY_OVERFLOW,
    COUNT,
    UNTIL,
    TIMEZONE,
    EXDATES,
    ANCHOR,
    CATCH_UP,
];

/// The keys of one `nthWeekdays` entry.
pub const NTH_DAY: &str = "day";
pub const NTH_NTH: &str = "nth";

/// The path of a problem with the pattern as a whole.
pub const PATTERN: &str = "pattern";
