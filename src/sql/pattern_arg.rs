//! `PatternArg`: a `jsonb` argument read straight into a validated [`Pattern`].
//!
//! pgrx's own `JsonB` argument panics (SQLSTATE XX000, a Rust message) on jsonb that
//! serde_json cannot read, e.g. nesting past its recursion limit; here that is an ordinary
//! pattern problem. Reading also dominates the cost of a call, and a column of patterns
//! repeats the same few values, so the last few patterns read are kept per backend, keyed
//! by their exact jsonb bytes.

use crate::recurrence::{Pattern, Problem, RecurrenceError};
use pgrx::callconv::{Arg, ArgAbi};
use pgrx::nullable::Nullable;
use pgrx::pg_sys;
use pgrx::pgrx_sql_entity_graph::metadata::{
    ArgumentError, ReturnsError, ReturnsRef, SqlMappingRef, SqlTranslatable, TypeOrigin,
};
use pgrx::prelude::*;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::ffi::CStr;
use std::rc::Rc;
use std::sync::Arc;

/// How many distinct patterns each backend keeps read.
const CACHE_ENTRIES: usize = 16;
/// Larger values are read every time instead of being kept.
const MAX_CACHED_BYTES: usize = 4096;

/// A pattern as read: valid, or every problem found.
type Parsed = Result<Arc<Pattern>, RecurrenceError>;

/// Recently read patterns, keyed by their jsonb bytes and a fingerprint of them, oldest first.
type Cache = VecDeque<(u64, Box<[u8]>, Rc<Parsed>)>;

/// A cheap hash of a pattern's bytes: patterns of one column often differ only near their
/// end, so comparing whole byte strings against every entry would cost more than this.
fn fingerprint(bytes: &[u8]) -> u64 {
    bytes.chunks(8).fold(bytes.len() as u64, |hash, chunk| {
        let mut word = [0u8; 8];
        word[..chunk.len()].copy_from_slice(chunk);
        (hash.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(0x517c_c1b7_2722_0a95)
    })
}

/// The outcome of reading one pattern argument.
pub struct PatternArg(pub Rc<Parsed>);

impl PatternArg {
    pub fn pattern(&self) -> Parsed {
        (*self.0).clone()
    }
}

thread_local! {
    static CACHE: RefCell<Cache> =
        const { RefCell::new(VecDeque::new()) };
}

impl FromDatum for PatternArg {
    unsafe fn from_polymorphic_datum(datum: pg_sys::Datum, is_null: bool, _: pg_sys::Oid) -> Option<Self> {
        if is_null {
            return None;
        }
        let varlena = datum.cast_mut_ptr::<pg_sys::varlena>();
        let detoasted = pg_sys::pg_detoast_datum_packed(varlena);
        let bytes = std::slice::from_raw_parts(
            pgrx::varlena::vardata_any(detoasted) as *const u8,
            pgrx::varlena::varsize_any_exhdr(detoasted),
        );
        let hash = fingerprint(bytes);
        let cached = CACHE.with_borrow(|cache| {
            cache
                .iter()
                .find(|(h, key, _)| *h == hash && **key == *bytes)
                .map(|(_, _, parsed)| Rc::clone(parsed))
        });
        let parsed = match cached {
            Some(parsed) => parsed,
            None => {
                let cstr = pgrx::direct_function_call::<&CStr>(pg_sys::jsonb_out, &[Some(detoasted.into())])
                    .expect("jsonb_out never returns NULL for a non-NULL jsonb");
                // Not UTF-8 only in a database of another encoding, with non-ASCII text.
                let parsed = Rc::new(match cstr.to_str() {
                    Ok(text) => Pattern::from_json_text(text).map(Arc::new),
                    Err(_) => {
                        Err(RecurrenceError::InvalidPattern(vec![Problem::new("pattern", "not valid UTF-8")]))
                    }
                });
                pg_sys::pfree(cstr.as_ptr() as *mut std::ffi::c_void);
                if bytes.len() <= MAX_CACHED_BYTES {
                    CACHE.with_borrow_mut(|cache| {
                        if cache.len() == CACHE_ENTRIES {
                            cache.pop_front();
                        }
                        cache.push_back((hash, bytes.into(), Rc::clone(&parsed)));
                    });
                }
                parsed
            }
        };
        if detoasted != varlena {
            pg_sys::pfree(detoasted.cast());
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

unsafe impl SqlTranslatable for PatternArg {
    const TYPE_IDENT: &'static str = pgrx::pgrx_resolved_type!(PatternArg);
    const TYPE_ORIGIN: TypeOrigin = TypeOrigin::External;
    const ARGUMENT_SQL: Result<SqlMappingRef, ArgumentError> = Ok(SqlMappingRef::literal("jsonb"));
    const RETURN_SQL: Result<ReturnsRef, ReturnsError> = Ok(ReturnsRef::One(SqlMappingRef::literal("jsonb")));
}
