//! Row-level security helpers: the identity of the current transaction, parsed once per
//! change of its settings, and the access rules of `crate::identity` for the policies.
//!
//! The extension defines the three settings `synapse.set_current_user` writes
//! (`synapse.current_user_id`, `synapse.current_department_id`, `synapse.current_user_role`)
//! as string GUCs with a check hook and an assign hook. PostgreSQL calls the check hook for
//! every new value (a malformed one is refused with SQLSTATE 22023) and the assign hook for
//! every change, including the ones it makes itself: `SET LOCAL` undone at COMMIT or
//! ROLLBACK, a savepoint rolled back, a parallel worker or a Citus shard connection taking
//! over the leader's values. The assign hook parses the text into this backend's
//! [`Identity`], so a policy's per-row cost is reading that value, never parsing text or
//! querying a table. A value set before this library was loaded in the backend (a
//! placeholder then) is taken over by `DefineCustomStringVariable` when it loads, through
//! the same hooks.

use crate::identity::{parse_role, parse_uuid, Identity, IdentityError, Uuid as RawUuid};
use pgrx::pg_sys;
use pgrx::prelude::*;
use pgrx::{GucSetting, Uuid};
use std::cell::Cell;
use std::ffi::{c_char, c_void, CStr, CString};

thread_local! {
    /// The parsed identity settings of this backend (one thread per backend).
    static IDENTITY: Cell<Identity> = const { Cell::new(Identity { user: None, department: None, role: None }) };
}

fn identity() -> Identity {
    IDENTITY.with(Cell::get)
}

fn update(change: impl FnOnce(&mut Identity)) {
    IDENTITY.with(|cell| {
        let mut identity = cell.get();
        change(&mut identity);
        cell.set(identity);
    });
}

/// The text of a GUC value (NULL, as a string GUC may hold, reads as empty).
///
/// # Safety
/// `value` is NULL or a NUL-terminated string.
unsafe fn setting_text<'a>(value: *const c_char) -> &'a str {
    if value.is_null() {
        return "";
    }
    // Non-UTF-8 text is no uuid and no role: "\u{fffd}" makes the parsers refuse it.
    unsafe { CStr::from_ptr(value) }.to_str().unwrap_or("\u{fffd}")
}

/// Shared check-hook body: accept what `parse` accepts; otherwise leave the reason for
/// PostgreSQL's "invalid value for parameter" error (SQLSTATE 22023) in its DETAIL.
///
/// # Safety
/// Called by PostgreSQL as a GUC check hook with a valid `newval`.
unsafe fn check<T>(newval: *mut *mut c_char, parse: fn(&str) -> Result<T, IdentityError>) -> bool {
    let text = unsafe { setting_text(*newval) };
    match parse(text) {
        Ok(_) => true,
        Err(err) => {
            let detail = CString::new(err.to_string()).unwrap_or_default();
            // Read by PostgreSQL right after the hook returns, in the same memory context.
            unsafe { pg_sys::GUC_check_errdetail_string = pg_sys::pstrdup(detail.as_ptr()) };
            false
        }
    }
}

#[pg_guard]
unsafe extern "C-unwind" fn check_uuid(
    newval: *mut *mut c_char,
    _extra: *mut *mut c_void,
    _source: pg_sys::GucSource::Type,
) -> bool {
    unsafe { check(newval, parse_uuid) }
}

#[pg_guard]
unsafe extern "C-unwind" fn check_role(
    newval: *mut *mut c_char,
    _extra: *mut *mut c_void,
    _source: pg_sys::GucSource::Type,
) -> bool {
    unsafe { check(newval, parse_role) }
}

// Assign hooks must not fail: the check hook has accepted the value, so it parses; were it
// ever not to, the field becomes "not set", which shows nothing (fails closed).
#[pg_guard]
unsafe extern "C-unwind" fn assign_user(newval: *const c_char, _extra: *mut c_void) {
    let user = parse_uuid(unsafe { setting_text(newval) }).unwrap_or(None);
    update(|identity| identity.user = user);
}

#[pg_guard]
unsafe extern "C-unwind" fn assign_department(newval: *const c_char, _extra: *mut c_void) {
    let department = parse_uuid(unsafe { setting_text(newval) }).unwrap_or(None);
    update(|identity| identity.department = department);
}

#[pg_guard]
unsafe extern "C-unwind" fn assign_role(newval: *const c_char, _extra: *mut c_void) {
    let role = parse_role(unsafe { setting_text(newval) }).unwrap_or(None);
    update(|identity| identity.role = role);
}

static USER_ID: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(Some(c""));
static DEPARTMENT_ID: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(Some(c""));
static USER_ROLE: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(Some(c""));

type CheckHook =
    unsafe extern "C-unwind" fn(*mut *mut c_char, *mut *mut c_void, pg_sys::GucSource::Type) -> bool;
type AssignHook = unsafe extern "C-unwind" fn(*const c_char, *mut c_void);

fn define(
    name: &'static CStr,
    description: &'static CStr,
    setting: &'static GucSetting<Option<CString>>,
    check: CheckHook,
    assign: AssignHook,
) {
    // SAFETY: called from _PG_init with static strings and a static setting.
    unsafe {
        pg_sys::DefineCustomStringVariable(
            name.as_ptr(),
            description.as_ptr(),
            c"Set by synapse.set_current_user(uuid) with SET LOCAL; empty when unset. Read by the row-level security policies.".as_ptr(),
            setting.as_ptr(),
            c"".as_ptr(),
            pg_sys::GucContext::PGC_USERSET,
            pg_sys::GUC_NOT_IN_SAMPLE as i32,
            Some(check),
            Some(assign),
            None,
        );
    }
}

/// Defines the three identity settings (called from `_PG_init`, once per backend).
pub(crate) fn define_settings() {
    define(
        c"synapse.current_user_id",
        c"The Synapse user the transaction acts for (uuid).",
        &USER_ID,
        check_uuid,
        assign_user,
    );
    define(
        c"synapse.current_department_id",
        c"The department of the Synapse user the transaction acts for (uuid).",
        &DEPARTMENT_ID,
        check_uuid,
        assign_department,
    );
    define(
        c"synapse.current_user_role",
        c"The role (Admin, Manager, Member) of the Synapse user the transaction acts for.",
        &USER_ROLE,
        check_role,
        assign_role,
    );
}

fn raw(uuid: &Uuid) -> &RawUuid {
    uuid.as_bytes()
}

/// Lower end of the department ids the current user may read (RLS helper): the own
/// department, the smallest uuid for an Admin, NULL without a user. Policies use
/// `department_id BETWEEN _rls_departments_from() AND _rls_departments_to()`, an index
/// condition evaluated once per scan.
#[pg_extern(stable, parallel_safe)]
fn _rls_departments_from() -> Option<Uuid> {
    identity().readable_departments().map(|(from, _)| Uuid::from_bytes(from))
}

/// Upper end of the department ids the current user may read (RLS helper): the own
/// department, the largest uuid for an Admin, NULL without a user.
#[pg_extern(stable, parallel_safe)]
fn _rls_departments_to() -> Option<Uuid> {
    identity().readable_departments().map(|(_, to)| Uuid::from_bytes(to))
}

/// May the current user read rows of this department? (RLS helper: an Admin any, anyone
/// else the own; false without a user.)
#[pg_extern(stable, strict, parallel_safe)]
fn _rls_can_read(department_id: Uuid) -> bool {
    identity().can_read(raw(&department_id))
}

/// The write rule's cheap part (RLS helper): an Admin anywhere; in the own department its
/// Manager or the row's owner (creator, project owner, comment author). False without a
/// user. Assignees are checked separately, only where this is false.
#[pg_extern(stable, parallel_safe)]
fn _rls_can_write(department_id: Option<Uuid>, owner_id: Option<Uuid>) -> bool {
    department_id.is_some_and(|department| identity().can_write(raw(&department), owner_id.as_ref().map(raw)))
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use crate::sql::test_support::sqlstate_of;
    use pgrx::prelude::*;

    const SOFIA: &str = "11111111-1111-4111-8111-111111111111";
    const ENG: &str = "eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee";
    const MKT: &str = "dddddddd-dddd-4ddd-8ddd-dddddddddddd";

    fn set(user: &str, department: &str, role: &str) {
        Spi::run(&format!(
            "SET LOCAL synapse.current_user_id = '{user}';
             SET LOCAL synapse.current_department_id = '{department}';
             SET LOCAL synapse.current_user_role = '{role}'"
        ))
        .expect("settings accepted");
    }

    fn answer(query: &str) -> String {
        Spi::get_one::<String>(query).expect("query runs").unwrap_or_else(|| "NULL".into())
    }

    /// can_read for ENG and MKT, the read range, and can_write for ENG with SOFIA as owner,
    /// with another owner, and for MKT as owner: one line to compare.
    fn rules() -> String {
        answer(&format!(
            "SELECT concat_ws(' ',
                    synapse._rls_can_read('{ENG}'), synapse._rls_can_read('{MKT}'),
                    coalesce(synapse._rls_departments_from()::text, 'NULL'),
                    coalesce(synapse._rls_departments_to()::text, 'NULL'),
                    synapse._rls_can_write('{ENG}', '{SOFIA}'),
                    synapse._rls_can_write('{ENG}', gen_random_uuid()),
                    synapse._rls_can_write('{MKT}', '{SOFIA}'))"
        ))
    }

    #[pg_test]
    fn nothing_without_a_user() {
        assert_eq!(rules(), "f f NULL NULL f f f");
        // Department and role without a user id: still nothing.
        set("", ENG, "Admin");
        assert_eq!(rules(), "f f NULL NULL f f f");
    }

    #[pg_test]
    fn a_member_reads_and_writes_her_department() {
        set(SOFIA, ENG, "Member");
        assert_eq!(rules(), format!("t f {ENG} {ENG} t f f"));
    }

    #[pg_test]
    fn a_manager_writes_any_row_of_his_department() {
        set(SOFIA, ENG, "Manager");
        assert_eq!(rules(), format!("t f {ENG} {ENG} t t f"));
    }

    #[pg_test]
    fn an_admin_reads_and_writes_everything() {
        set(SOFIA, "", "Admin");
        assert_eq!(
            rules(),
            "t t 00000000-0000-0000-0000-000000000000 ffffffff-ffff-ffff-ffff-ffffffffffff t t t"
        );
    }

    #[pg_test]
    fn null_arguments_allow_nothing_but_an_admin() {
        set(SOFIA, ENG, "Manager");
        assert_eq!(
            answer("SELECT concat_ws(' ', synapse._rls_can_read(NULL) IS NULL, synapse._rls_can_write(NULL, NULL))"),
            "t f"
        );
        assert_eq!(answer(&format!("SELECT synapse._rls_can_write('{ENG}', NULL)::text")), "true");
    }

    #[pg_test]
    fn a_change_of_the_settings_is_seen_at_once() {
        set(SOFIA, ENG, "Member");
        assert_eq!(answer(&format!("SELECT synapse._rls_can_read('{MKT}')::text")), "false");
        Spi::run(&format!("SET LOCAL synapse.current_department_id = '{MKT}'")).unwrap();
        assert_eq!(answer(&format!("SELECT synapse._rls_can_read('{MKT}')::text")), "true");
    }

    #[pg_test]
    fn a_rolled_back_savepoint_restores_the_identity() {
        // Subtransactions through PL/pgSQL exception blocks, as SPI cannot run SAVEPOINT.
        set(SOFIA, ENG, "Member");
        Spi::run(&format!(
            "DO $$ BEGIN
               BEGIN
                 SET LOCAL synapse.current_department_id = '{MKT}';
                 SET LOCAL synapse.current_user_role = 'Admin';
                 RAISE EXCEPTION 'roll back';
               EXCEPTION WHEN raise_exception THEN NULL;
               END;
             END $$"
        ))
        .unwrap();
        let after = answer(&format!(
            "SELECT concat_ws(' ', synapse._rls_can_read('{ENG}'), synapse._rls_can_read('{MKT}'))"
        ));
        assert_eq!(after, "t f");
    }

    #[pg_test]
    fn malformed_settings_are_refused_with_22023() {
        for statement in [
            "SET LOCAL synapse.current_department_id = 'engineering'",
            "SET LOCAL synapse.current_user_id = '11111111-1111-4111-8111-11111111111'",
            "SET LOCAL synapse.current_user_role = 'admin'",
            "SELECT set_config('synapse.current_user_role', 'Root', true)",
        ] {
            assert_eq!(sqlstate_of(statement).as_deref(), Some("22023"), "{statement}");
        }
    }

    #[pg_test(error = "invalid value for parameter \"synapse.current_department_id\": \"engineering\"")]
    fn a_malformed_department_names_the_setting() {
        Spi::run("SET LOCAL synapse.current_department_id = 'engineering'").unwrap();
    }

    #[pg_test]
    fn a_refused_value_leaves_the_identity_as_it_was() {
        set(SOFIA, ENG, "Member");
        assert_eq!(sqlstate_of("SET LOCAL synapse.current_user_role = 'Root'").as_deref(), Some("22023"));
        assert_eq!(answer("SELECT current_setting('synapse.current_user_role')"), "Member");
        assert_eq!(answer(&format!("SELECT synapse._rls_can_read('{ENG}')::text")), "true");
    }
}
