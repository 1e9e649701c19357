//! `PatternArg`: a `jsonb` argument read straight into a validated [`Pattern`].
//!
//! pgrx's own `JsonB` argument panics (SQLSTATE XX000, a Rust message) on jsonb that
//! serde_json cannot read, e.g. nesting past its recursion limit; here that is an ordinary
//! pattern problem. Reading dominates the cost of a call, so:
//! - a pattern is read by walking the jsonb container itself, without printing it as text
//!   and parsing that again (the value is the same: jsonb_out would print these keys,
//!   strings and numbers, and serde_json would read them back);
//! - the patterns read are kept per backend, keyed by their exact jsonb bytes
//!   ([`cache`]): a column of one pattern per row costs one read, and a templates table of
//!   thousands of distinct patterns stays read across queries.

mod cache;

use crate::recurrence::{Pattern, Problem, RecurrenceError};
use pgrx::callconv::{Arg, ArgAbi};
use pgrx::nullable::Nullable;
use pgrx::pg_sys;
use pgrx::prelude::*;
use serde_json::{Map, Number, Value};
use std::ffi::CStr;
use std::rc::Rc;
use std::sync::Arc;

/// Deeper jsonb is read through its text, whose reader reports the nesting as before.
const MAX_WALKED_DEPTH: usize = 64;

/// A pattern as read: valid, or every problem found.
type Parsed = Result<Arc<Pattern>, RecurrenceError>;

/// The outcome of reading one pattern argument.
pub struct PatternArg(pub Rc<Parsed>);

impl PatternArg {
    pub fn pattern(&self) -> Parsed {
        (*self.0).clone()
    }
}

/// Reads a pattern from a jsonb datum: its container walked, or, for what the walk leaves
/// to it (deep nesting, text that is not UTF-8), its text.
///
/// # Safety
/// `varlena` is a jsonb datum.
unsafe fn read_pattern(varlena: *mut pg_sys::varlena) -> Parsed {
    // The container needs the 4-byte header form (a packed datum is copied out).
    let jsonb = unsafe { pg_sys::pg_detoast_datum(varlena) }.cast::<pg_sys::Jsonb>();
    // SAFETY: a detoasted jsonb.
    let walked = unsafe { walk(jsonb) };
    let parsed = match walked {
        Some(value) => Pattern::from_json(&value).map(Arc::new),
        None => {
            let cstr = unsafe {
                pgrx::direct_function_call::<&CStr>(pg_sys::jsonb_out, &[Some(pg_sys::Datum::from(jsonb))])
            }
            .expect("jsonb_out never returns NULL for a non-NULL jsonb");
            // Not UTF-8 only in a database of another encoding, with non-ASCII text.
            let parsed = match cstr.to_str() {
                Ok(text) => Pattern::from_json_text(text).map(Arc::new),
                Err(_) => {
                    Err(RecurrenceError::InvalidPattern(vec![Problem::new("pattern", "not valid UTF-8")]))
                }
            };
            unsafe { pg_sys::pfree(cstr.as_ptr() as *mut std::ffi::c_void) };
            parsed
        }
    };
    if jsonb.cast() != varlena {
        unsafe { pg_sys::pfree(jsonb.cast()) };
    }
    parsed
}

/// A container being built while walking.
enum Open {
    Array(Vec<Value>),
    Object(Map<String, Value>, Option<String>),
}

/// The jsonb value as serde_json's, by PostgreSQL's iterator over the binary container;
/// None where the text path must decide (nesting past [`MAX_WALKED_DEPTH`], a string that
/// is not UTF-8).
///
/// # Safety
/// `jsonb` is a detoasted jsonb with a 4-byte header.
unsafe fn walk(jsonb: *mut pg_sys::Jsonb) -> Option<Value> {
    use pg_sys::JsonbIteratorToken::*;
    let mut iterator = unsafe { pg_sys::JsonbIteratorInit(&mut (*jsonb).root) };
    let mut token_value: pg_sys::JsonbValue = unsafe { std::mem::zeroed() };
    let mut open: Vec<Open> = Vec::new();
    let mut raw_scalar = false;
    let mut done: Option<Value> = None;
    loop {
        let token = unsafe { pg_sys::JsonbIteratorNext(&mut iterator, &mut token_value, false) };
        let finished = match token {
            WJB_DONE => return done,
            WJB_BEGIN_ARRAY => {
                // A top-level scalar is stored as a one-element "raw scalar" array.
                raw_scalar = open.is_empty() && unsafe { token_value.val.array.rawScalar };
                open.push(Open::Array(Vec::new()));
                None
            }
            WJB_BEGIN_OBJECT => {
                open.push(Open::Object(Map::new(), None));
                None
            }
            WJB_KEY => {
                let key = unsafe { string_of(&token_value) }?;
                if let Some(Open::Object(_, pending)) = open.last_mut() {
                    *pending = Some(key);
                }
                None
            }
            WJB_VALUE | WJB_ELEM => Some(unsafe { scalar_of(&token_value) }?),
            WJB_END_ARRAY => match open.pop() {
                Some(Open::Array(mut items)) if raw_scalar && open.is_empty() => items.pop(),
                Some(Open::Array(items)) => Some(Value::Array(items)),
                _ => return None,
            },
            WJB_END_OBJECT => match open.pop() {
                Some(Open::Object(map, _)) => Some(Value::Object(map)),
                _ => return None,
            },
            _ => return None,
        };
        if open.len() > MAX_WALKED_DEPTH {
            return None;
        }
        if let Some(value) = finished {
            match open.last_mut() {
                None => done = Some(value),
                Some(Open::Array(items)) => items.push(value),
                Some(Open::Object(map, pending)) => {
                    map.insert(pending.take()?, value);
                }
            }
        }
    }
}

/// A string token's text; None when it is not UTF-8.
///
/// # Safety
/// `value` is a jbvString.
unsafe fn string_of(value: &pg_sys::JsonbValue) -> Option<String> {
    let string = unsafe { value.val.string };
    let bytes = unsafe { std::slice::from_raw_parts(string.val as *const u8, string.len as usize) };
    String::from_utf8(bytes.to_vec()).ok()
}

/// A scalar token as serde_json's value; a number keeps its digits as numeric_out prints
/// them, as it would from jsonb_out's text.
///
/// # Safety
/// `value` is a scalar token of the iterator.
unsafe fn scalar_of(value: &pg_sys::JsonbValue) -> Option<Value> {
    use pg_sys::jbvType;
    match value.type_ {
        jbvType::jbvNull => Some(Value::Null),
        jbvType::jbvBool => Some(Value::Bool(unsafe { value.val.boolean })),
        jbvType::jbvString => unsafe { string_of(value) }.map(Value::String),
        jbvType::jbvNumeric => {
            let numeric = pg_sys::Datum::from(unsafe { value.val.numeric });
            let text = unsafe { pgrx::direct_function_call::<&CStr>(pg_sys::numeric_out, &[Some(numeric)]) }?;
            let number = text.to_str().ok().and_then(|t| t.parse::<Number>().ok());
            unsafe { pg_sys::pfree(text.as_ptr() as *mut std::ffi::c_void) };
            number.map(Value::Number)
        }
        _ => None,
    }
}

impl FromDatum for PatternArg {
    unsafe fn from_polymorphic_datum(datum: pg_sys::Datum, is_null: bool, _: pg_sys::Oid) -> Option<Self> {
        if is_null {
            return None;
        }
        let varlena = datum.cast_mut_ptr::<pg_sys::varlena>();
        let detoasted = unsafe { pg_sys::pg_detoast_datum_packed(varlena) };
        let bytes = unsafe {
            std::slice::from_raw_parts(
                pgrx::varlena::vardata_any(detoasted) as *const u8,
                pgrx::varlena::varsize_any_exhdr(detoasted),
            )
        };
        let parsed = match cache::get(bytes) {
            Some(parsed) => parsed,
            None => {
                let parsed = Rc::new(unsafe { read_pattern(detoasted) });
                cache::keep(bytes, &parsed);
                parsed
            }
        };
        if detoasted != varlena {
            unsafe { pg_sys::pfree(detoasted.cast()) };
        }
        Some(PatternArg(parsed))
    }
}

unsafe impl<'fcx> ArgAbi<'fcx> for PatternArg {
    unsafe fn unbox_arg_unchecked(arg: Arg<'_, 'fcx>) -> Self {
        let index = arg.index();
        arg.unbox_arg_using_from_datum().unwrap_or_else(|| panic!("argument {index} must not be null"))
    }

    unsafe fn unbox_nullable_arg(arg: Arg<'_, 'fcx>) -> Nullable<Self> {
        arg.unbox_arg_using_from_datum().into()
    }
}

// In SQL the argument is a jsonb; no function returns one.
impl_sql_translatable!(PatternArg, arg_only = "jsonb");

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use pgrx::prelude::*;
    use std::ffi::{CStr, CString};

    /// Walks the jsonb of `text` and reads jsonb_out's text of it with serde_json.
    fn both(text: &str) -> (Option<serde_json::Value>, serde_json::Value) {
        let input = CString::new(text).unwrap();
        unsafe {
            let jsonb =
                pgrx::direct_function_call::<pg_sys::Datum>(pg_sys::jsonb_in, &[Some(input.as_ptr().into())])
                    .expect("valid json");
            let printed = pgrx::direct_function_call::<&CStr>(pg_sys::jsonb_out, &[Some(jsonb)]).unwrap();
            let read = serde_json::from_str(printed.to_str().unwrap()).unwrap();
            (super::walk(jsonb.cast_mut_ptr()), read)
        }
    }

    #[pg_test]
    fn walking_the_container_reads_what_the_text_reads() {
        let deep = format!("{}1{}", "[".repeat(60), "]".repeat(60));
        for text in [
            r#"{"frequency": "weekly", "daysOfWeek": [5, 1, 3], "timezone": "Europe/Berlin", "interval": 2}"#,
            r#"{"frequency": "monthly", "nthWeekdays": [{"day": 5, "nth": -1}], "exdates": ["2026-12-24"]}"#,
            r#"{"count": 1e400, "interval": 1.50, "x": -0, "y": 0.000001, "z": 12345678901234567890123}"#,
            r#"{"b": "caf\u00e9 \"quoted\" \\ back\nslash", "a": null, "c": [true, false, null, {}, []]}"#,
            r#"{"dup": 1, "dup": 2}"#,
            r#""a string alone""#,
            "42",
            "null",
            "[]",
            &deep,
        ] {
            let (walked, read) = both(text);
            assert_eq!(walked.as_ref(), Some(&read), "{text}");
        }
        // Past the walk's depth the text path decides (and reports the nesting as before).
        let deeper = format!("{}1{}", "[".repeat(70), "]".repeat(70));
        assert_eq!(both(&deeper).0, None);
    }

    #[pg_test]
    fn many_distinct_patterns_are_read_the_same_cached_or_not() {
        // 300 distinct patterns, each read twice (the second time from the cache).
        let answers = Spi::get_one::<String>(
            "WITH p AS (SELECT jsonb_build_object('frequency', 'daily', 'interval', 1 + i % 300) AS pattern
                          FROM generate_series(0, 599) i)
             SELECT count(DISTINCT synapse.validate_recurrence_pattern(pattern))::text || '/' ||
                    count(*) FILTER (WHERE synapse.validate_recurrence_pattern(pattern)->'interval' = pattern->'interval')
               FROM p",
        );
        assert_eq!(answers.unwrap().as_deref(), Some("300/600"));
    }
}
