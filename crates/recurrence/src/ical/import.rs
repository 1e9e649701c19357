//! Reading VTODO and VEVENT components into rows an application can insert as tasks or
//! templates. What a row cannot hold is reported in its warnings, property by property,
//! never dropped silently; only text that is not iCalendar at all is an error.

use super::content::{components, unescape_text, Component, ContentLine};
use super::windows_zones::WINDOWS_ZONES;
use super::{PRIORITY_BY_NAME, X_RRULE, X_STATUS};
use crate::calendar::local_to_utc;
use crate::engine::Schedule;
use crate::error::{RecurrenceError, Result};
use crate::message::quote;
use crate::rrule_text::{
    from_rrule_with_start, parse_date_value, DateValue, X_ANCHOR, X_CATCHUP, X_TIMEZONE,
};
use crate::words::find_zone;
use crate::Pattern;
use chrono::{DateTime, Duration, NaiveTime, Utc};
use chrono_tz::Tz;
use std::collections::HashMap;
use std::sync::Arc;

/// Longer calendars are refused: it bounds the work of one call.
pub const MAX_CALENDAR_BYTES: usize = 32 * 1024 * 1024;

/// One component as a task: what Synapse can keep, and what it could not.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Imported {
    /// `VTODO` or `VEVENT` (another component gives a row with only a warning).
    pub component: String,
    pub uid: Option<String>,
    /// Set on an override of one occurrence of the series with the same UID.
    pub recurrence_id: Option<DateTime<Utc>>,
    pub title: Option<String>,
    pub description: Option<String>,
    /// Synapse's status, when the component's says one.
    pub status: Option<String>,
    /// Synapse's priority, when the component has one (PRIORITY 1..9).
    pub priority: Option<String>,
    /// DUE; DTSTART + DURATION for a VTODO without DUE; DTSTART for a VEVENT.
    pub due: Option<DateTime<Utc>>,
    /// DTSTART: the series start of a recurring component.
    pub dtstart: Option<DateTime<Utc>>,
    pub completed: Option<DateTime<Utc>>,
    /// The recurrence (RRULE, EXDATE) as a pattern.
    pub pattern: Option<Pattern>,
    /// UIDs of the components this one depends on (RELATED-TO with a dependency RELTYPE).
    pub depends_on: Vec<String>,
    /// What was not imported, one line per property or subcomponent.
    pub warnings: Vec<String>,
}

/// RELTYPEs that say "this cannot be done before that" (RFC 9253); the others (PARENT,
/// CHILD, SIBLING, …) have no place in a Synapse task.
const DEPENDENCY_TYPES: [&str; 5] =
    ["DEPENDS-ON", "FINISHTOSTART", "FINISHTOFINISH", "STARTTOFINISH", "STARTTOSTART"];

/// Properties about the record rather than the task: read past without a warning.
const BOOKKEEPING: [&str; 4] = ["DTSTAMP", "CREATED", "LAST-MODIFIED", "SEQUENCE"];

/// The VTODOs and VEVENTs of an iCalendar text, in document order. Floating times and
/// dates are read in the calendar's X-WR-TIMEZONE when it names a known zone, else in
/// `timezone`. Errors only for text that is not iCalendar (no components, BEGIN/END not
/// matching, a line without a colon).
pub fn import(text: &str, timezone: Tz) -> Result<Vec<Imported>> {
    if text.len() > MAX_CALENDAR_BYTES {
        return Err(invalid(format!(
            "the calendar is {} bytes long, more than the {MAX_CALENDAR_BYTES} allowed",
            text.len()
        )));
    }
    let top = components(text).map_err(invalid)?;
    if top.is_empty() {
        return Err(invalid("no BEGIN:VCALENDAR (not an iCalendar text)"));
    }
    let mut rows = Vec::new();
    for component in &top {
        if component.name == "VCALENDAR" {
            let calendar_zone = component
                .property("X-WR-TIMEZONE")
                .and_then(|p| find_zone(unescape_text(&p.value).trim()))
                .unwrap_or(timezone);
            let mut zones = Zones::new(&component.components, calendar_zone);
            for child in &component.components {
                if child.name != "VTIMEZONE" {
                    rows.push(item(child, &mut zones));
                }
            }
        } else {
            // Components without their VCALENDAR: read them all the same.
            let mut zones = Zones::new(&top, timezone);
            if component.name != "VTIMEZONE" {
                rows.push(item(component, &mut zones));
            }
        }
    }
    Ok(rows)
}

fn invalid(message: impl Into<String>) -> RecurrenceError {
    RecurrenceError::InvalidCalendar(message.into())
}

/// TZIDs resolved to IANA zones, each once.
struct Zones<'c> {
    vtimezones: HashMap<String, &'c Component>,
    default: Tz,
    resolved: HashMap<String, (Option<Tz>, Option<String>)>,
}

impl<'c> Zones<'c> {
    fn new(components: &'c [Component], default: Tz) -> Zones<'c> {
        let vtimezones = components
            .iter()
            .filter(|c| c.name == "VTIMEZONE")
            .filter_map(|c| c.property("TZID").map(|p| (p.value.clone(), c)))
            .collect();
        Zones { vtimezones, default, resolved: HashMap::new() }
    }

    /// The zone a TZID names, and a warning when it is only a reading of it.
    fn resolve(&mut self, tzid: &str) -> (Option<Tz>, Option<String>) {
        if let Some(known) = self.resolved.get(tzid) {
            return known.clone();
        }
        let result = self.lookup(tzid);
        self.resolved.insert(tzid.to_string(), result.clone());
        result
    }

    fn lookup(&self, tzid: &str) -> (Option<Tz>, Option<String>) {
        let name = tzid.trim();
        if let Some(tz) = find_zone(name) {
            return (Some(tz), None);
        }
        // A prefixed IANA name, as older Mozilla and some servers write it:
        // "/mozilla.org/20050126_1/Europe/Berlin", "/citadel.org/…/Europe/Berlin".
        let segments: Vec<&str> = name.trim_matches('/').split('/').collect();
        if let Some(tz) = (1..segments.len()).find_map(|i| find_zone(&segments[i..].join("/"))) {
            return (Some(tz), None);
        }
        // Outlook and Exchange: Windows zone names.
        if let Some((_, iana)) = WINDOWS_ZONES.iter().find(|(windows, _)| windows.eq_ignore_ascii_case(name))
        {
            return (find_zone(iana), None);
        }
        // A VTIMEZONE of its own: its X-LIC-LOCATION, or its one offset.
        if let Some(vtimezone) = self.vtimezones.get(tzid) {
            if let Some(tz) = vtimezone.property("X-LIC-LOCATION").and_then(|p| find_zone(p.value.trim())) {
                return (Some(tz), None);
            }
            if let Some(tz) = fixed_offset_zone(vtimezone) {
                let warning =
                    format!("TZID={}: read as {} (its VTIMEZONE has one offset)", quote(name), tz.name());
                return (Some(tz), Some(warning));
            }
        }
        let warning = format!(
            "TZID={}: not a known time zone; its times are read in {}",
            quote(name),
            self.default.name()
        );
        (None, Some(warning))
    }
}

/// `Etc/GMT-1` for a VTIMEZONE whose every observance is +01:00 (whole hours only, as the
/// Etc zones are).
fn fixed_offset_zone(vtimezone: &Component) -> Option<Tz> {
    let offsets: Vec<&str> = vtimezone
        .components
        .iter()
        .flat_map(|o| o.properties.iter().filter(|p| p.name == "TZOFFSETTO" || p.name == "TZOFFSETFROM"))
        .map(|p| p.value.trim())
        .collect();
    let first = *offsets.first()?;
    if offsets.iter().any(|o| *o != first)
        || first.len() != 5
        || !first[1..].bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let hours: i32 = first[1..3].parse().ok()?;
    if &first[3..5] != "00" {
        return None;
    }
    let name = match (first.as_bytes()[0], hours) {
        (_, 0) => "UTC".to_string(),
        // POSIX signs: Etc/GMT-1 is one hour ahead of UTC.
        (b'+', h) => format!("Etc/GMT-{h}"),
        (b'-', h) => format!("Etc/GMT+{h}"),
        _ => return None,
    };
    find_zone(&name)
}

/// One VTODO or VEVENT (or another component, reported as not imported).
fn item(component: &Component, zones: &mut Zones<'_>) -> Imported {
    let mut row = Imported { component: component.name.clone(), ..Imported::default() };
    if component.name != "VTODO" && component.name != "VEVENT" {
        row.warnings.push(format!("{}: not imported (only VTODO and VEVENT are)", component.name));
        return row;
    }
    let event = component.name == "VEVENT";
    let mut rule_lines: Vec<&ContentLine> = Vec::new();
    let mut dtstart_line = None;
    let mut duration = None;
    let mut exact_status = None;
    for prop in &component.properties {
        let text = || unescape_text(&prop.value);
        match prop.name.as_str() {
            "UID" => row.uid = Some(text()),
            "SUMMARY" => row.title = Some(text()),
            "DESCRIPTION" => row.description = Some(text()),
            "STATUS" => row.status = status(prop, event, &mut row.warnings),
            X_STATUS => exact_status = Some(text()),
            "PRIORITY" => row.priority = priority(prop, &mut row.warnings),
            "DUE" if !event => row.due = instant(prop, zones, &mut row.warnings),
            "DTSTART" => {
                row.dtstart = instant(prop, zones, &mut row.warnings);
                dtstart_line = Some(prop);
            }
            "DURATION" if !event => duration = parse_duration(&prop.value),
            "DURATION" | "DTEND" if event => {
                row.warnings.push(format!("{}: not imported (a task is due at the event's start)", prop.name))
            }
            "COMPLETED" => row.completed = instant(prop, zones, &mut row.warnings),
            "RECURRENCE-ID" => {
                row.recurrence_id = instant(prop, zones, &mut row.warnings);
                if prop.param("RANGE").is_some_and(|r| r.eq_ignore_ascii_case("THISANDFUTURE")) {
                    row.warnings
                        .push("RECURRENCE-ID;RANGE=THISANDFUTURE: read as this occurrence only".into());
                }
            }
            "RELATED-TO" => {
                let reltype = prop.param("RELTYPE").unwrap_or("PARENT").to_ascii_uppercase();
                if DEPENDENCY_TYPES.contains(&reltype.as_str()) {
                    row.depends_on.push(text());
                } else {
                    row.warnings.push(format!(
                        "RELATED-TO;RELTYPE={}:{}: not imported (Synapse keeps dependencies, not {} relations)",
                        quote(&reltype),
                        quote(&text()),
                        reltype.to_ascii_lowercase()
                    ));
                }
            }
            "RRULE" | "EXDATE" | X_RRULE | X_ANCHOR | X_CATCHUP => rule_lines.push(prop),
            "RDATE" => row.warnings.push(format!(
                "RDATE:{}: not imported (a pattern cannot hold extra dates)",
                quote(&prop.value)
            )),
            "EXRULE" => row
                .warnings
                .push(format!("EXRULE:{}: not imported (deprecated by RFC 5545)", quote(&prop.value))),
            name if BOOKKEEPING.contains(&name) => {}
            name => row.warnings.push(format!("{name}: not imported")),
        }
    }
    if let Some(exact) = exact_status.filter(|s| STATUSES.contains(&s.as_str())) {
        row.status = Some(exact);
    }
    if event {
        row.due = row.dtstart;
    } else if row.due.is_none() {
        row.due = row.dtstart.zip(duration).map(|(start, d)| start + d);
    }
    if rule_lines.iter().any(|p| p.name == "RRULE" || p.name == X_RRULE) {
        match pattern(dtstart_line, &rule_lines, zones, &mut row.warnings) {
            Ok(p) => {
                if row.dtstart.is_some_and(|s| !starts_the_series(&p, s)) {
                    row.warnings.push(format!(
                        "DTSTART:{}: not an occurrence of the RRULE; Synapse's series starts at the rule's first \
                         (RFC 5545 leaves this undefined: other calendars may show the DTSTART too)",
                        quote(dtstart_line.map(|l| l.value.as_str()).unwrap_or_default())
                    ));
                }
                row.pattern = Some(p);
            }
            Err(e) => row.warnings.push(format!("RRULE: not imported: {e}")),
        }
    } else if !rule_lines.is_empty() {
        row.warnings.push("EXDATE: not imported (no RRULE)".into());
    }
    for sub in &component.components {
        let what = if sub.name == "VALARM" { " (reminders)" } else { "" };
        row.warnings.push(format!("{}: not imported{what}", sub.name));
    }
    row
}

/// Is `start` the first occurrence of `pattern` from `start`? (A whole second: DATE-TIMEs
/// have no fraction.)
fn starts_the_series(pattern: &Pattern, start: DateTime<Utc>) -> bool {
    Schedule::new(Arc::new(pattern.clone()), start)
        .ok()
        .and_then(|s| s.occurrences_from(start).next())
        .is_some_and(|o| o.at == start)
}

const STATUSES: [&str; 5] = ["To Do", "In Progress", "In Review", "Blocked", "Done"];

fn status(prop: &ContentLine, event: bool, warnings: &mut Vec<String>) -> Option<String> {
    let value = prop.value.trim().to_ascii_uppercase();
    let status = match value.as_str() {
        "NEEDS-ACTION" => "To Do",
        "IN-PROCESS" => "In Progress",
        "COMPLETED" => "Done",
        "CONFIRMED" | "TENTATIVE" if event => "To Do",
        _ => {
            warnings.push(format!("STATUS:{}: not imported (no Synapse status matches)", quote(&prop.value)));
            return None;
        }
    };
    Some(status.to_string())
}

/// RFC 5545 3.8.1.9: 1 is the highest, 9 the lowest, 0 undefined; 1-4 high, 5 medium,
/// 6-9 low (CUA convention), the highest two of "high" being Urgent.
fn priority(prop: &ContentLine, warnings: &mut Vec<String>) -> Option<String> {
    let level = match prop.value.trim().parse::<u8>() {
        Ok(level @ 0..=9) => level,
        _ => {
            warnings.push(format!("PRIORITY:{}: not imported (not 0..9)", quote(&prop.value)));
            return None;
        }
    };
    let name = match level {
        0 => return None,
        1 | 2 => "Urgent",
        3 | 4 => "High",
        5 => "Medium",
        _ => "Low",
    };
    debug_assert!(PRIORITY_BY_NAME.iter().any(|(n, _)| *n == name));
    Some(name.to_string())
}

/// A DATE or DATE-TIME property as an instant: UTC as is, a TZID's wall clock in its zone,
/// a floating time or a date (at 00:00) in the calendar's zone.
fn instant(prop: &ContentLine, zones: &mut Zones<'_>, warnings: &mut Vec<String>) -> Option<DateTime<Utc>> {
    let Some(value) = parse_date_value(prop.value.trim()) else {
        warnings.push(format!(
            "{}:{}: not imported (not a date or date-time)",
            prop.name,
            quote(&prop.value)
        ));
        return None;
    };
    let tz = zone_of(prop, zones, warnings);
    Some(match value {
        DateValue::Utc(t) => t,
        DateValue::Local(local) => local_to_utc(tz, local),
        DateValue::Date(d) => local_to_utc(tz, d.and_time(NaiveTime::MIN)),
    })
}

/// The zone of a property's TZID (the calendar's zone without one, or when unknown).
fn zone_of(prop: &ContentLine, zones: &mut Zones<'_>, warnings: &mut Vec<String>) -> Tz {
    let Some(tzid) = prop.param("TZID") else { return zones.default };
    let (tz, warning) = zones.resolve(tzid);
    if let Some(w) = warning.filter(|w| !warnings.contains(w)) {
        warnings.push(w);
    }
    tz.unwrap_or(zones.default)
}

/// The recurrence as a pattern: the component's DTSTART, RRULE (Synapse's exact
/// X-SYNAPSE-RRULE when present), EXDATEs and X-SYNAPSE properties, with every TZID
/// resolved to an IANA zone, read like any RRULE text.
fn pattern(
    dtstart: Option<&ContentLine>,
    rule_lines: &[&ContentLine],
    zones: &mut Zones<'_>,
    warnings: &mut Vec<String>,
) -> Result<Pattern> {
    let mut lines = Vec::new();
    match dtstart {
        Some(start) => lines.push(with_zone(start, zones, warnings)),
        None => lines.push(format!("{X_TIMEZONE}:{}", zones.default.name())),
    }
    let exact = rule_lines.iter().any(|p| p.name == X_RRULE);
    for prop in rule_lines {
        match prop.name.as_str() {
            "RRULE" if exact => {}
            "RRULE" | X_RRULE => lines.push(format!("RRULE:{}", prop.value)),
            "EXDATE" => lines.push(with_zone(prop, zones, warnings)),
            _ => lines.push(prop.text()),
        }
    }
    from_rrule_with_start(&lines.join("\n")).map(|(pattern, _)| pattern)
}

/// A date property with its TZID replaced by the IANA zone it means; a floating value
/// gets the calendar's zone (a UTC value stays as it is).
fn with_zone(prop: &ContentLine, zones: &mut Zones<'_>, warnings: &mut Vec<String>) -> String {
    let tz = zone_of(prop, zones, warnings);
    let utc = prop.value.trim().ends_with(['Z', 'z']);
    let mut params: Vec<String> = prop
        .params
        .iter()
        .filter(|(name, _)| name != "TZID")
        .map(|(name, values)| format!("{name}={}", values.join(",")))
        .collect();
    if !utc {
        params.push(format!("TZID={}", tz.name()));
    }
    let params: String = params.iter().map(|p| format!(";{p}")).collect();
    format!("{}{params}:{}", prop.name, prop.value.trim())
}

/// RFC 5545 3.3.6 DURATION: `[+-]P[nW]` or `[+-]P[nD][T[nH][nM][nS]]`.
fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (negative, rest) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let rest = rest.strip_prefix(['P', 'p'])?;
    let mut total = Duration::zero();
    let mut number = String::new();
    let mut in_time = false;
    let mut any = false;
    for c in rest.chars() {
        match c.to_ascii_uppercase() {
            d if d.is_ascii_digit() => number.push(d),
            'T' if number.is_empty() => in_time = true,
            unit => {
                let n: i64 = number.parse().ok()?;
                number.clear();
                any = true;
                total += match (unit, in_time) {
                    ('W', false) => Duration::weeks(n),
                    ('D', false) => Duration::days(n),
                    ('H', true) => Duration::hours(n),
                    ('M', true) => Duration::minutes(n),
                    ('S', true) => Duration::seconds(n),
                    _ => return None,
                };
            }
        }
    }
    (any && number.is_empty()).then_some(if negative { -total } else { total })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("P1D"), Some(Duration::days(1)));
        assert_eq!(parse_duration("PT1H30M"), Some(Duration::minutes(90)));
        assert_eq!(parse_duration("-P2W"), Some(-Duration::weeks(2)));
        assert_eq!(parse_duration("P1DT2H"), Some(Duration::hours(26)));
        assert_eq!(parse_duration("P"), None);
        assert_eq!(parse_duration("PT5"), None);
        assert_eq!(parse_duration("P1H"), None);
    }
}
