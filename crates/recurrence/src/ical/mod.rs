//! iCalendar (RFC 5545) calendars of tasks, both ways: [`calendar`] writes a VCALENDAR of
//! VTODOs (recurring templates with RRULE and EXDATE, their instances as overrides, a
//! VTIMEZONE per zone), [`import`] reads the VTODOs and VEVENTs of other tools into rows
//! with their warnings. `content` is the line syntax (folding, escaping, parameters),
//! `vtimezone` the zones from chrono-tz. The mapping is documented in docs/recurrence.md.

mod content;
mod export;
mod import;
mod vtimezone;
mod windows_zones;

pub(crate) use content::unfold;
pub use export::{calendar, Recurrence, Task, TaskKind};
pub use import::{import, Imported, MAX_CALENDAR_BYTES};

/// Synapse's status where iCalendar's STATUS has one value for several of them.
pub(crate) const X_STATUS: &str = "X-SYNAPSE-STATUS";
/// The exact rule where the RRULE is the plain RFC 5545 form of an RFC 7529 rule.
pub(crate) const X_RRULE: &str = "X-SYNAPSE-RRULE";

/// Synapse's priorities as PRIORITY (1 highest … 9 lowest); read back by range.
pub(crate) const PRIORITY_BY_NAME: [(&str, u8); 4] = [("Urgent", 1), ("High", 3), ("Medium", 5), ("Low", 9)];
