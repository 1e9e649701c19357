//! The zone data behind [`LocalToUtc`], which reuses an offset while it is known to be in
//! force: the spacing of transitions it relies on, checked against the zone table of the
//! chrono-tz compiled in (read from its source, where cargo unpacked it), and its answers
//! against one conversion at a time around every transition of every zone.

use crate::calendar::{is_utc, local_to_utc, LocalToUtc, TRANSITION_SPACING_SECS};
use chrono::{DateTime, Duration, LocalResult, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// One span of a zone as chrono-tz's table has it.
#[derive(Debug, Clone, PartialEq)]
struct Span {
    utc_offset: i32,
    dst_offset: i32,
    name: Option<String>,
}

impl Span {
    fn total(&self) -> i32 {
        self.utc_offset + self.dst_offset
    }
}

/// A zone's table: its first span and each later one with the UTC second it starts.
#[derive(Debug)]
struct Zone {
    tz: Tz,
    first: Span,
    rest: Vec<(i64, Span)>,
}

/// The source files of every chrono-tz in the workspace's Cargo.lock, as cargo unpacked
/// them into its registry to compile them (`$CARGO_HOME`, else `~/.cargo`).
fn chrono_tz_tables() -> Vec<PathBuf> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let lock = std::fs::read_to_string(workspace.join("Cargo.lock")).expect("the workspace's Cargo.lock");
    let versions: Vec<&str> = lock
        .split("[[package]]")
        .filter(|package| package.contains("\nname = \"chrono-tz\"\n"))
        .filter_map(|package| package.split("\nversion = \"").nth(1)?.split('"').next())
        .collect();
    assert!(!versions.is_empty(), "chrono-tz is in Cargo.lock");
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")))
        .expect("CARGO_HOME or HOME");
    let registries = std::fs::read_dir(cargo_home.join("registry/src")).expect("cargo's unpacked registry");
    let registries: Vec<PathBuf> = registries.filter_map(|entry| Some(entry.ok()?.path())).collect();
    versions
        .iter()
        .map(|version| {
            registries
                .iter()
                .map(|registry| registry.join(format!("chrono-tz-{version}/src/prebuilt/timezones.rs")))
                .find(|table| table.is_file())
                .unwrap_or_else(|| panic!("chrono-tz {version}'s source under {registries:?}"))
        })
        .collect()
}

/// The numbers after `key: ` in `text` (`utc_offset: -968,` gives -968).
fn number_after(text: &str, key: &str) -> Option<i64> {
    let rest = &text[text.find(key)? + key.len()..];
    let end = rest.find(|c: char| c != '-' && !c.is_ascii_digit()).unwrap_or(rest.len());
    rest[..end].parse().ok()
}

fn name_after(text: &str) -> Option<String> {
    let rest = &text[text.find("name: Some(\"")? + "name: Some(\"".len()..];
    Some(rest[..rest.find('"')?].to_string())
}

/// Every zone of chrono-tz's generated table (`impl TimeSpans for Tz`), its Rust name read
/// back to the zone through the generated `Tz::name`.
fn parse_table(source: &str) -> Vec<Zone> {
    let names: HashMap<&str, &str> = source
        .lines()
        .filter_map(|line| {
            let (ident, name) = line.trim().strip_prefix("Tz::")?.split_once(" => \"")?;
            Some((ident, name.strip_suffix("\",")?))
        })
        .collect();
    let table = &source[source.find("impl TimeSpans for Tz").expect("the zone table")..];
    let mut zones = Vec::new();
    let mut lines = table.lines().map(str::trim);
    while let Some(line) = lines.next() {
        let Some(ident) = line.strip_prefix("Tz::").and_then(|l| l.strip_suffix(" => {")) else { continue };
        let name = names.get(ident).unwrap_or_else(|| panic!("no name for Tz::{ident}"));
        let tz: Tz = name.parse().unwrap_or_else(|_| panic!("{name} is not a zone"));
        let mut rest = Vec::new();
        for line in lines.by_ref() {
            if line.starts_with("];") {
                break;
            }
            if line.starts_with('(') {
                let at = line[1..line.find(',').expect("a start")].parse().expect("a start in seconds");
                let span = Span {
                    utc_offset: number_after(line, "utc_offset: ").expect("utc_offset") as i32,
                    dst_offset: number_after(line, "dst_offset: ").expect("dst_offset") as i32,
                    name: name_after(line),
                };
                rest.push((at, span));
            }
        }
        // The first span, over the lines up to `rest: REST`.
        let first: String = lines.by_ref().take_while(|l| !l.starts_with("rest:")).collect();
        let first = Span {
            utc_offset: number_after(&first, "utc_offset: ").expect("first utc_offset") as i32,
            dst_offset: number_after(&first, "dst_offset: ").expect("first dst_offset") as i32,
            name: name_after(&first),
        };
        zones.push(Zone { tz, first, rest });
    }
    zones
}

/// The zone tables of the chrono-tz compiled in, read once.
fn zones() -> &'static [Zone] {
    static ZONES: OnceLock<Vec<Zone>> = OnceLock::new();
    ZONES.get_or_init(|| {
        let tables = chrono_tz_tables();
        let source = std::fs::read_to_string(&tables[0]).expect("chrono-tz's zone table");
        let zones = parse_table(&source);
        assert_eq!(zones.len(), chrono_tz::TZ_VARIANTS.len(), "every zone read from {:?}", tables[0]);
        zones
    })
}

/// The span chrono-tz answers for the UTC second `at`.
fn span_at(tz: Tz, at: i64) -> Span {
    let offset = tz.offset_from_utc_datetime(&DateTime::from_timestamp(at, 0).expect("in range").naive_utc());
    Span {
        utc_offset: offset.base_utc_offset().num_seconds() as i32,
        dst_offset: offset.dst_offset().num_seconds() as i32,
        name: offset.abbreviation().map(str::to_string),
    }
}

/// The spacing of transitions and the spread of offsets that [`LocalToUtc`] relies on, and
/// that the zones it reads as UTC without a look-up are UTC.
#[test]
fn transitions_lie_further_apart_than_the_spacing_the_conversion_relies_on() {
    for source in chrono_tz_tables() {
        let zones = parse_table(&std::fs::read_to_string(&source).expect("chrono-tz's zone table"));
        assert_eq!(zones.len(), chrono_tz::TZ_VARIANTS.len(), "every zone read from {source:?}");
        for zone in &zones {
            let tz = zone.tz;
            // The table read is the one compiled in: each span as chrono-tz answers it.
            let mut before = &zone.first;
            for (at, span) in &zone.rest {
                assert_eq!(&span_at(tz, at - 1), before, "{tz} before {at}");
                assert_eq!(&span_at(tz, *at), span, "{tz} at {at}");
                before = span;
            }
            for pair in zone.rest.windows(2) {
                let apart = pair[1].0 - pair[0].0;
                assert!(
                    apart >= TRANSITION_SPACING_SECS,
                    "{tz}: transitions {apart} s apart at {}",
                    pair[0].0
                );
            }
            if is_utc(tz) {
                assert!(zone.rest.is_empty() && zone.first.total() == 0, "{tz} is not UTC");
            }
            let totals =
                std::iter::once(&zone.first).chain(zone.rest.iter().map(|(_, s)| s)).map(Span::total);
            let (low, high) = totals.fold((i32::MAX, i32::MIN), |(lo, hi), t| (lo.min(t), hi.max(t)));
            assert!(i64::from(high - low) < TRANSITION_SPACING_SECS, "{tz}: offsets {low}..{high}");
        }
    }
}

/// The answer of one conversion through chrono-tz's zoned date-times, as the engine had
/// it before [`LocalToUtc`]: the first of two instants, the offset from before a gap.
fn one_at_a_time(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => a.min(b).with_timezone(&Utc),
        LocalResult::None => {
            let before = local.and_utc() - Duration::hours(48);
            let offset = tz.offset_from_utc_datetime(&before.naive_utc()).fix();
            (local - Duration::seconds(i64::from(offset.local_minus_utc()))).and_utc()
        }
    }
}

/// Local times from `start` on, `steps` (seconds) apart in turn.
fn walk(start: NaiveDateTime, steps: &[i64], count: usize) -> impl Iterator<Item = NaiveDateTime> {
    let steps = steps.to_vec();
    (0..count).scan(start, move |t, i| {
        let now = *t;
        *t += Duration::seconds(steps[i % steps.len()]);
        Some(now)
    })
}

#[test]
fn many_times_convert_as_one_at_a_time_around_every_transition() {
    const DAY: i64 = 86_400;
    // Daily, daily with a minute more (the gap and overlap minutes), weekly, uneven steps.
    let walks: [&[i64]; 4] = [&[DAY], &[DAY + 60], &[7 * DAY], &[3_600, 5 * DAY + 1_800, DAY - 7, 2 * DAY]];
    let mut checked = 0u64;
    for zone in zones() {
        let tz = zone.tz;
        for (at, span) in &zone.rest {
            let Some(local) = DateTime::from_timestamp(at + i64::from(span.total()), 0) else { continue };
            for steps in walks {
                // From eight days before the transition's local time (before the previous
                // transition, when that lies as close as the spacing allows) to past it.
                let start = local.naive_utc() - Duration::days(8) - Duration::minutes(90);
                let mut clock = LocalToUtc::new(tz);
                for t in walk(start, steps, 20) {
                    let want = one_at_a_time(tz, t);
                    assert_eq!(clock.convert(t), want, "{tz} {t} (steps {steps:?} from {start})");
                    assert_eq!(local_to_utc(tz, t), want, "{tz} {t}");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 1_000_000, "{checked} conversions");
}

#[test]
fn a_time_before_the_known_stretch_is_looked_up_again() {
    let tz = Tz::Europe__Berlin;
    let mut clock = LocalToUtc::new(tz);
    let at = |text: &str| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap();
    // Out of order: a summer time, then one in winter before it, then the overlap.
    for text in
        ["2026-07-01 09:00", "2026-01-15 09:00", "2026-10-25 02:30", "2026-10-25 01:30", "2026-03-29 02:30"]
    {
        assert_eq!(clock.convert(at(text)), one_at_a_time(tz, at(text)), "{text}");
    }
}
