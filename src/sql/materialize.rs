//! A `SETOF` result that a FROM clause receives as one tuplestore.
//!
//! In a FROM clause PostgreSQL keeps every row of a set-returning function in a tuplestore
//! before reading them (ExecMakeTableFunctionResult). Returned one per call, as pgrx's
//! `SetOfIterator` does, each row also pays a call through the function manager and pgrx's
//! wrapper; here the function fills that tuplestore itself in one call (SFRM_Materialize)
//! when the caller says it prefers so (SFRM_Materialize_Preferred, which only a FROM clause
//! sets). A select list (ProjectSet) would have to read a tuplestore back row by row, so
//! there the rows still go one per call, exactly as pgrx's `SetOfIterator` returns them.
//!
//! pgrx's `#[pg_extern]` recognises a set-returning function by the name of its return
//! type, hence the same name as pgrx's.

use pgrx::callconv::{BoxRet, CallCx, RetAbi};
use pgrx::pg_sys::{self, SetFunctionReturnMode as Mode};
use pgrx::pgrx_sql_entity_graph::metadata::{
    setof_return_sql, ArgumentError, ReturnsError, ReturnsRef, SqlMappingRef, SqlTranslatable, TypeOrigin,
};
use pgrx::{IntoDatum, PgMemoryContexts};

/// pgrx's set of rows, materialised when the caller prefers a tuplestore.
pub struct SetOfIterator<'a, T>(pgrx::iter::SetOfIterator<'a, T>);

impl<'a, T: 'a> SetOfIterator<'a, T> {
    pub fn new(rows: impl IntoIterator<Item = T> + 'a) -> Self {
        Self(pgrx::iter::SetOfIterator::new(rows))
    }
}

type PerCall<'a, T> = pgrx::iter::SetOfIterator<'a, T>;

/// What a call returns: the set as the function made it (first call), or the next row of
/// one returned per call.
pub enum Step<'a, T: BoxRet + 'a> {
    Made(SetOfIterator<'a, T>),
    Next(<PerCall<'a, T> as RetAbi>::Ret),
}

/// Whether the caller prefers the whole set as a tuplestore and describes the one column
/// of type `T` it expects; anything else gets the rows one per call.
///
/// # Safety
/// `fcinfo` is the call's valid FunctionCallInfo.
unsafe fn tuplestore_preferred<T: IntoDatum>(fcinfo: pg_sys::FunctionCallInfo) -> bool {
    let rsinfo = unsafe { (*fcinfo).resultinfo }.cast::<pg_sys::ReturnSetInfo>();
    if rsinfo.is_null() || unsafe { (*rsinfo).type_ } != pg_sys::NodeTag::T_ReturnSetInfo {
        return false;
    }
    let rsinfo = unsafe { &*rsinfo };
    let wanted = (Mode::SFRM_Materialize | Mode::SFRM_Materialize_Preferred) as i32;
    let desc = rsinfo.expectedDesc;
    rsinfo.allowedModes & wanted == wanted
        && !rsinfo.econtext.is_null()
        && !desc.is_null()
        && unsafe { (*desc).natts == 1 && (*desc).attrs.as_slice(1)[0].atttypid == T::type_oid() }
}

/// Every row into a tuplestore of the query's lifetime, handed back as the result.
///
/// # Safety
/// `fcinfo` is the call's valid FunctionCallInfo, and [`tuplestore_preferred`] holds.
unsafe fn materialize<T: IntoDatum>(
    fcinfo: pg_sys::FunctionCallInfo,
    rows: impl Iterator<Item = T>,
) -> pg_sys::Datum {
    let rsinfo = unsafe { &mut *(*fcinfo).resultinfo.cast::<pg_sys::ReturnSetInfo>() };
    let desc = rsinfo.expectedDesc;
    let random_access = rsinfo.allowedModes & Mode::SFRM_Materialize_Random as i32 != 0;
    let per_query = unsafe { (*rsinfo.econtext).ecxt_per_query_memory };
    let store = unsafe {
        PgMemoryContexts::For(per_query)
            .switch_to(|_| pg_sys::tuplestore_begin_heap(random_access, false, pg_sys::work_mem))
    };
    let mut rows = rows.map(IntoDatum::into_datum);
    match unsafe { RowBuffer::new(desc) } {
        Some(buffer) => unsafe { buffer.put_all(store, desc, &mut rows) },
        None => {
            for (n, value) in rows.enumerate() {
                if n % BATCH == BATCH - 1 {
                    pg_sys::check_for_interrupts!();
                }
                unsafe { put_values(store, desc, value) };
            }
        }
    }
    rsinfo.returnMode = Mode::SFRM_Materialize;
    rsinfo.setResult = store;
    unsafe { (*fcinfo).isnull = true };
    pg_sys::Datum::from(0)
}

/// Rows handed to the tuplestore under one guard against PostgreSQL's errors (a
/// sigsetjmp, which costs as much as storing a row); as often, a cancel is let in, as it
/// would be between the calls of a function returning a row per call.
const BATCH: usize = 256;

/// One row formed from its values (tuplestore_putvalues), `None` a NULL.
///
/// # Safety
/// `store` and `desc` are valid, `desc` of one column.
unsafe fn put_values(
    store: *mut pg_sys::Tuplestorestate,
    desc: pg_sys::TupleDesc,
    value: Option<pg_sys::Datum>,
) {
    let (mut datum, mut is_null) = (value.unwrap_or(pg_sys::Datum::from(0)), value.is_none());
    unsafe { pg_sys::tuplestore_putvalues(store, desc, &mut datum, &mut is_null) };
}

/// One row of a single by-value column formed once, its value rewritten in place for each
/// row: the tuplestore copies a formed row, which costs less than forming every row anew.
struct RowBuffer {
    tuple: pg_sys::HeapTuple,
    value: *mut pg_sys::Datum,
}

/// PostgreSQL's tuplestore_puttuple without pgrx's guard around each call: called only
/// inside [`RowBuffer::put_batch`]'s one guard.
mod unguarded {
    use pgrx::pg_sys;
    extern "C-unwind" {
        pub fn tuplestore_puttuple(state: *mut pg_sys::Tuplestorestate, tuple: pg_sys::HeapTuple);
    }
}

impl RowBuffer {
    /// For a descriptor of one column passed by value in a whole Datum (as timestamptz
    /// is); None for any other.
    ///
    /// # Safety
    /// `desc` is a valid tuple descriptor of one column.
    unsafe fn new(desc: pg_sys::TupleDesc) -> Option<RowBuffer> {
        let column = unsafe { &(*desc).attrs.as_slice(1)[0] };
        if !column.attbyval || column.attlen as usize != std::mem::size_of::<pg_sys::Datum>() {
            return None;
        }
        let (mut value, mut is_null) = (pg_sys::Datum::from(0), false);
        let tuple = unsafe { pg_sys::heap_form_tuple(desc, &mut value, &mut is_null) };
        // Without NULLs the one column's data starts the data area, at t_hoff (aligned for
        // any type), where heap_fill_tuple stored the whole Datum.
        let header = unsafe { (*tuple).t_data };
        let value = unsafe { header.cast::<u8>().add(usize::from((*header).t_hoff)) }.cast::<pg_sys::Datum>();
        Some(RowBuffer { tuple, value })
    }

    /// Every row into `store`, in order, a batch at a time; NULLs formed one by one.
    ///
    /// # Safety
    /// `store` and `desc` are valid, `desc` the one this buffer was made for.
    unsafe fn put_all(
        &self,
        store: *mut pg_sys::Tuplestorestate,
        desc: pg_sys::TupleDesc,
        rows: &mut impl Iterator<Item = Option<pg_sys::Datum>>,
    ) {
        let mut batch = [pg_sys::Datum::from(0); BATCH];
        loop {
            let mut filled = 0;
            let mut null_after = false;
            for value in rows.by_ref() {
                match value {
                    Some(datum) => {
                        batch[filled] = datum;
                        filled += 1;
                        if filled == BATCH {
                            break;
                        }
                    }
                    None => {
                        null_after = true;
                        break;
                    }
                }
            }
            unsafe { self.put_batch(store, &batch[..filled]) };
            if null_after {
                unsafe { put_values(store, desc, None) };
            } else if filled < BATCH {
                return;
            }
            pg_sys::check_for_interrupts!();
        }
    }

    /// Rows of these values into `store`, under one guard.
    ///
    /// # Safety
    /// `store` is valid.
    unsafe fn put_batch(&self, store: *mut pg_sys::Tuplestorestate, values: &[pg_sys::Datum]) {
        if values.is_empty() {
            return;
        }
        // SAFETY: should PostgreSQL raise an ERROR in tuplestore_puttuple, it jumps back to
        // the guard's sigsetjmp, past this closure alone, which holds nothing to drop
        // (references, a slice iterator, Datums); the guard turns the ERROR into a panic
        // that unwinds the Rust frames as usual, as pgrx's guard around each call does.
        unsafe {
            pg_sys::ffi::pg_guard_ffi_boundary(|| {
                for &value in values {
                    self.value.write(value);
                    unguarded::tuplestore_puttuple(store, self.tuple);
                }
            })
        }
    }
}

// SAFETY: every call either materialises the whole set in one go (the caller prefers a
// tuplestore: nothing is kept in fn_extra) or follows pgrx's own SetOfIterator protocol
// step by step; which one depends only on the caller's ReturnSetInfo, the same at every
// call of one scan.
unsafe impl<'a, T> RetAbi for SetOfIterator<'a, T>
where
    T: BoxRet + IntoDatum + 'a,
{
    type Item = T;
    type Ret = Step<'a, T>;

    unsafe fn check_fcinfo_and_prepare(fcinfo: pg_sys::FunctionCallInfo) -> CallCx {
        if unsafe { tuplestore_preferred::<T>(fcinfo) } {
            // One call, whose allocations end with it (the rows go to the tuplestore).
            CallCx::WrappedFn(unsafe { pg_sys::CurrentMemoryContext })
        } else {
            unsafe { PerCall::<T>::check_fcinfo_and_prepare(fcinfo) }
        }
    }

    fn to_ret(self) -> Self::Ret {
        Step::Made(self)
    }

    unsafe fn box_ret_in_fcinfo(fcinfo: pg_sys::FunctionCallInfo, ret: Self::Ret) -> pg_sys::Datum {
        match ret {
            Step::Made(set) if unsafe { tuplestore_preferred::<T>(fcinfo) } => unsafe {
                materialize(fcinfo, set.0)
            },
            Step::Made(set) => unsafe { PerCall::<T>::box_ret_in_fcinfo(fcinfo, set.0.to_ret()) },
            Step::Next(next) => unsafe { PerCall::<T>::box_ret_in_fcinfo(fcinfo, next) },
        }
    }

    unsafe fn move_into_fcinfo_fcx(self, fcinfo: pg_sys::FunctionCallInfo) {
        unsafe { self.0.move_into_fcinfo_fcx(fcinfo) }
    }

    unsafe fn fill_fcinfo_fcx(&self, fcinfo: pg_sys::FunctionCallInfo) {
        unsafe { self.0.fill_fcinfo_fcx(fcinfo) }
    }

    unsafe fn ret_from_fcinfo_fcx(fcinfo: pg_sys::FunctionCallInfo) -> Self::Ret {
        Step::Next(unsafe { PerCall::<T>::ret_from_fcinfo_fcx(fcinfo) })
    }

    unsafe fn finish_call_fcinfo(fcinfo: pg_sys::FunctionCallInfo) {
        unsafe { PerCall::<T>::finish_call_fcinfo(fcinfo) }
    }
}

// SAFETY: the SQL type is pgrx's SetOfIterator's: SETOF the item's type.
unsafe impl<T> SqlTranslatable for SetOfIterator<'_, T>
where
    T: SqlTranslatable,
{
    const TYPE_IDENT: &'static str = T::TYPE_IDENT;
    const TYPE_ORIGIN: TypeOrigin = T::TYPE_ORIGIN;
    const ARGUMENT_SQL: Result<SqlMappingRef, ArgumentError> = Err(ArgumentError::SetOf);
    const RETURN_SQL: Result<ReturnsRef, ReturnsError> = setof_return_sql(T::RETURN_SQL);
}
