//! The identity a transaction acts for, and the row-level security helpers that read it.
//!
//! Only the extension sets an identity. `_set_current_user(uuid)` (behind the migration
//! set's `synapse.set_current_user`) and `set_current_user_token(text)` look the user up
//! and `SET LOCAL synapse.identity_claim` to a claim signed with this server's key
//! (`crate::identity::claim`). The setting's check hook refuses any value whose signature
//! does not verify with 42501, so `SET`, `set_config`, `ALTER ROLE … SET` and startup
//! options cannot forge one. It stays an ordinary transaction-local setting, because that
//! is what PgBouncer's transaction pooling, savepoints, parallel workers and Citus (which
//! replays a transaction's `SET LOCAL`s on its shard connections) all handle already; the
//! workers verify the claim with the same `synapse.identity_secret`.
//!
//! The assign hook parses the claim into this backend's [`Identity`], for every change,
//! including the ones PostgreSQL makes itself (transaction end, savepoint rollback), so a
//! policy's per-row cost is reading that value. `synapse.current_user_id`,
//! `synapse.current_department_id` and `synapse.current_user_role` remain as read-only
//! views of it (superuser-only settings whose value is shown by a hook).

use crate::identity::claim::Claim;
use crate::identity::token::{Expected, KeySet, VerifiedTokens};
use crate::identity::{format_uuid, parse_role, Identity, Uuid as RawUuid};
use pgrx::pg_sys;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::{GucSetting, Uuid};
use std::cell::{Cell, RefCell};
use std::ffi::{c_char, c_void, CStr, CString};

/// Seconds of clock skew allowed between token issuers and the database servers.
const LEEWAY_SECONDS: i64 = 60;

thread_local! {
    /// The identity of this backend's current transaction (one thread per backend).
    static IDENTITY: Cell<Identity> = const { Cell::new(Identity { user: None, department: None, role: None }) };
    /// The claim key when `synapse.identity_secret` is empty: random, this backend's own.
    static BACKEND_KEY: [u8; 32] = random_key();
    /// The last `synapse.identity_keys` text read and its keys, so a token check parses
    /// the JWKS once per change of the setting.
    static KEYS: RefCell<Option<(CString, KeySet)>> = const { RefCell::new(None) };
    /// The tokens this backend verified (one Ed25519 check per token, not per call).
    static VERIFIED: RefCell<VerifiedTokens> = RefCell::new(VerifiedTokens::default());
    /// What the last show hook returned (PostgreSQL copies it at once).
    static SHOWN: RefCell<CString> = RefCell::new(CString::default());
}

fn identity() -> Identity {
    IDENTITY.with(Cell::get)
}

fn random_key() -> [u8; 32] {
    let mut key = [0u8; 32];
    // SAFETY: writes 32 bytes into a 32-byte buffer.
    let ok = unsafe { pg_sys::pg_strong_random(key.as_mut_ptr().cast(), key.len()) };
    if !ok {
        error!("synapse: could not generate a random identity key");
    }
    key
}

// --- settings ------------------------------------------------------------------------------

static IDENTITY_CLAIM: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(Some(c""));
static IDENTITY_SECRET: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(Some(c""));
static IDENTITY_KEYS: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(Some(c""));
static IDENTITY_AUDIENCE: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(Some(c"synapse"));
static IDENTITY_REQUIRE_TOKEN: GucSetting<bool> = GucSetting::<bool>::new(false);
static SHOWN_USER_ID: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(Some(c""));
static SHOWN_DEPARTMENT_ID: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(Some(c""));
static SHOWN_USER_ROLE: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(Some(c""));

fn text_of(setting: &GucSetting<Option<CString>>) -> String {
    setting.get().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}

/// The text of a GUC value (NULL, as a string GUC may hold, reads as empty).
///
/// # Safety
/// `value` is NULL or a NUL-terminated string.
unsafe fn setting_text<'a>(value: *const c_char) -> &'a str {
    if value.is_null() {
        return "";
    }
    // Non-UTF-8 text parses as nothing valid: "\u{fffd}" makes every reader refuse it.
    unsafe { CStr::from_ptr(value) }.to_str().unwrap_or("\u{fffd}")
}

/// Leaves a check hook's refusal for PostgreSQL to report: its SQLSTATE, message and detail.
fn refuse(code: PgSqlErrorCode, message: &str, detail: &str) -> bool {
    let message = CString::new(message).unwrap_or_default();
    let detail = CString::new(detail).unwrap_or_default();
    // SAFETY: PostgreSQL reads these right after the hook returns, in the same memory
    // context; pstrdup copies into it.
    unsafe {
        pg_sys::GUC_check_errcode(code as i32);
        pg_sys::GUC_check_errmsg_string = pg_sys::pstrdup(message.as_ptr());
        pg_sys::GUC_check_errdetail_string = pg_sys::pstrdup(detail.as_ptr());
    }
    false
}

/// Seconds since 1970 by the wall clock (a claim or token can expire mid-transaction).
fn unix_now() -> i64 {
    // SAFETY: reads the clock.
    let since_2000 = unsafe { pg_sys::GetCurrentTimestamp() };
    since_2000.div_euclid(1_000_000) + 946_684_800
}

/// The key claims are signed and checked with.
fn claim_key() -> Vec<u8> {
    match IDENTITY_SECRET.get() {
        Some(secret) if !secret.is_empty() => secret.to_bytes().to_vec(),
        _ => BACKEND_KEY.with(|key| key.to_vec()),
    }
}

#[pg_guard]
unsafe extern "C-unwind" fn check_claim(
    newval: *mut *mut c_char,
    _extra: *mut *mut c_void,
    _source: pg_sys::GucSource::Type,
) -> bool {
    let text = unsafe { setting_text(*newval) };
    // A parallel worker takes over its leader's settings, which the leader checked; its
    // per-backend key is another.
    if text.is_empty() || unsafe { pg_sys::InitializingParallelWorker } {
        return true;
    }
    match Claim::verify(text, &claim_key(), unix_now(), LEEWAY_SECONDS) {
        Ok(_) => true,
        Err(err) => refuse(
            PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE,
            "synapse.identity_claim is set only by synapse.set_current_user and synapse.set_current_user_token",
            &format!("The value was refused: {err}."),
        ),
    }
}

// Assign hooks must not fail; a value that does not read (only possible if the check hook
// was bypassed) clears the identity, which shows nothing: it fails closed.
#[pg_guard]
unsafe extern "C-unwind" fn assign_claim(newval: *const c_char, _extra: *mut c_void) {
    let text = unsafe { setting_text(newval) };
    let identity = Claim::read(text).map(|claim| claim.identity()).unwrap_or_default();
    IDENTITY.with(|cell| cell.set(identity));
}

#[pg_guard]
unsafe extern "C-unwind" fn check_shown(
    newval: *mut *mut c_char,
    _extra: *mut *mut c_void,
    _source: pg_sys::GucSource::Type,
) -> bool {
    // Only the boot value, which PostgreSQL itself sets when the setting is defined.
    if unsafe { setting_text(*newval) }.is_empty() {
        return true;
    }
    refuse(
        PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE,
        "this setting is read-only: it shows the identity that synapse.set_current_user or synapse.set_current_user_token set",
        "Call synapse.set_current_user(uuid) or synapse.set_current_user_token(text) in the transaction instead.",
    )
}

/// Returns `text` to a show hook's caller, which copies it at once.
fn shown(text: String) -> *const c_char {
    SHOWN.with(|buffer| {
        let mut buffer = buffer.borrow_mut();
        *buffer = CString::new(text).unwrap_or_default();
        buffer.as_ptr()
    })
}

#[pg_guard]
unsafe extern "C-unwind" fn show_user_id() -> *const c_char {
    shown(identity().user.as_ref().map(format_uuid).unwrap_or_default())
}

#[pg_guard]
unsafe extern "C-unwind" fn show_department_id() -> *const c_char {
    let identity = identity();
    shown(identity.user.and(identity.department).as_ref().map(format_uuid).unwrap_or_default())
}

#[pg_guard]
unsafe extern "C-unwind" fn show_user_role() -> *const c_char {
    let identity = identity();
    shown(identity.user.and(identity.role).map(|r| r.label().to_owned()).unwrap_or_default())
}

#[pg_guard]
unsafe extern "C-unwind" fn check_secret(
    newval: *mut *mut c_char,
    _extra: *mut *mut c_void,
    _source: pg_sys::GucSource::Type,
) -> bool {
    let length = unsafe { setting_text(*newval) }.len();
    if length == 0 || length >= 32 {
        return true;
    }
    refuse(
        PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
        "synapse.identity_secret must be empty or at least 32 characters",
        &format!(
            "It has {length}; use e.g. openssl rand -base64 48, the same on every server of a Citus cluster."
        ),
    )
}

#[pg_guard]
unsafe extern "C-unwind" fn check_keys(
    newval: *mut *mut c_char,
    _extra: *mut *mut c_void,
    _source: pg_sys::GucSource::Type,
) -> bool {
    match KeySet::from_jwks(unsafe { setting_text(*newval) }) {
        Ok(_) => true,
        Err(err) => refuse(
            PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            "synapse.identity_keys must be a JWKS document of Ed25519 public keys",
            &err.to_string(),
        ),
    }
}

#[pg_guard]
unsafe extern "C-unwind" fn check_audience(
    newval: *mut *mut c_char,
    _extra: *mut *mut c_void,
    _source: pg_sys::GucSource::Type,
) -> bool {
    if !unsafe { setting_text(*newval) }.is_empty() {
        return true;
    }
    refuse(PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE, "synapse.identity_audience must not be empty", "")
}

type CheckHook =
    unsafe extern "C-unwind" fn(*mut *mut c_char, *mut *mut c_void, pg_sys::GucSource::Type) -> bool;
type AssignHook = unsafe extern "C-unwind" fn(*const c_char, *mut c_void);
type ShowHook = unsafe extern "C-unwind" fn() -> *const c_char;

struct StringSetting {
    name: &'static CStr,
    short: &'static CStr,
    long: &'static CStr,
    setting: &'static GucSetting<Option<CString>>,
    boot: &'static CStr,
    context: pg_sys::GucContext::Type,
    flags: u32,
    check: CheckHook,
    assign: Option<AssignHook>,
    show: Option<ShowHook>,
}

fn define_string(s: StringSetting) {
    // SAFETY: called from _PG_init with static strings and a static setting.
    unsafe {
        pg_sys::DefineCustomStringVariable(
            s.name.as_ptr(),
            s.short.as_ptr(),
            s.long.as_ptr(),
            s.setting.as_ptr(),
            s.boot.as_ptr(),
            s.context,
            s.flags as i32,
            Some(s.check),
            s.assign,
            s.show,
        );
    }
}

/// Defines the identity settings (from `_PG_init`, once per backend). The secret comes
/// before the claim: a claim set before this library was loaded (a placeholder, as on a
/// Citus worker's new connection) is checked when the claim is defined, with the secret.
pub(crate) fn define_settings() {
    use pg_sys::GucContext::{PGC_SIGHUP, PGC_SUSET, PGC_USERSET};
    let hidden = pg_sys::GUC_NOT_IN_SAMPLE | pg_sys::GUC_SUPERUSER_ONLY;
    define_string(StringSetting {
        name: c"synapse.identity_secret",
        short: c"The key that signs identity claims (at least 32 characters; empty: a random key per backend).",
        long: c"Set it in postgresql.conf, the same on every server of a Citus cluster, so that the workers accept the coordinator's claims. Superuser only.",
        setting: &IDENTITY_SECRET,
        boot: c"",
        context: PGC_SIGHUP,
        flags: hidden,
        check: check_secret,
        assign: None,
        show: None,
    });
    define_string(StringSetting {
        name: c"synapse.identity_claim",
        short: c"The signed identity of the current transaction.",
        long: c"Set only by synapse.set_current_user and synapse.set_current_user_token (SET LOCAL); any other value is refused.",
        setting: &IDENTITY_CLAIM,
        boot: c"",
        context: PGC_USERSET,
        flags: hidden | pg_sys::GUC_DISALLOW_IN_FILE,
        check: check_claim,
        assign: Some(assign_claim),
        show: None,
    });
    for (name, short, setting, show) in [
        (
            c"synapse.current_user_id",
            c"The Synapse user the transaction acts for (read-only; empty when none).",
            &SHOWN_USER_ID,
            show_user_id as ShowHook,
        ),
        (
            c"synapse.current_department_id",
            c"That user's department (read-only; empty when none).",
            &SHOWN_DEPARTMENT_ID,
            show_department_id,
        ),
        (
            c"synapse.current_user_role",
            c"That user's role (read-only; empty when none).",
            &SHOWN_USER_ROLE,
            show_user_role,
        ),
    ] {
        define_string(StringSetting {
            name,
            short,
            long: c"Shows the identity set by synapse.set_current_user or synapse.set_current_user_token.",
            setting,
            boot: c"",
            context: PGC_SUSET,
            flags: pg_sys::GUC_NOT_IN_SAMPLE | pg_sys::GUC_DISALLOW_IN_FILE,
            check: check_shown,
            assign: None,
            show: Some(show),
        });
    }
    define_string(StringSetting {
        name: c"synapse.identity_keys",
        short: c"The public keys identity tokens are signed with: a JWKS document of Ed25519 keys.",
        long: c"Several keys for a rotation; a token's kid picks one. Superuser only.",
        setting: &IDENTITY_KEYS,
        boot: c"",
        context: PGC_SUSET,
        flags: pg_sys::GUC_NOT_IN_SAMPLE,
        check: check_keys,
        assign: None,
        show: None,
    });
    define_string(StringSetting {
        name: c"synapse.identity_audience",
        short: c"The audience (aud) identity tokens must name.",
        long: c"Superuser only.",
        setting: &IDENTITY_AUDIENCE,
        boot: c"synapse",
        context: PGC_SUSET,
        flags: pg_sys::GUC_NOT_IN_SAMPLE,
        check: check_audience,
        assign: None,
        show: None,
    });
    // SAFETY: as above.
    unsafe {
        pg_sys::DefineCustomBoolVariable(
            c"synapse.identity_require_token".as_ptr(),
            c"Only signed identity tokens set the identity: synapse.set_current_user(uuid) is refused."
                .as_ptr(),
            c"Superuser only.".as_ptr(),
            IDENTITY_REQUIRE_TOKEN.as_ptr(),
            false,
            PGC_SUSET,
            pg_sys::GUC_NOT_IN_SAMPLE as i32,
            None,
            None,
            None,
        );
    }
}

// --- setting the identity -------------------------------------------------------------------

fn raise(code: PgSqlErrorCode, function: &str, message: String, hint: Option<&str>) -> ! {
    let mut report = ErrorReport::new(code, format!("synapse.{function}: {message}"), pgrx::function_name!());
    if let Some(hint) = hint {
        report = report.set_hint(hint);
    }
    report.report(PgLogLevel::ERROR);
    unreachable!("an ERROR report does not return")
}

const ACTIVE_USER: &str = "SELECT u.department_id, u.role::pg_catalog.text FROM synapse.users u
      WHERE u.id OPERATOR(pg_catalog.=) $1 AND u.deleted_at IS NULL";

/// The owner of `synapse.users`, from the relation cache.
fn users_owner(function: &str) -> pg_sys::Oid {
    // SAFETY: catalog lookups by name; the relation is opened with the lock the lookup
    // query takes anyway, and closed at once.
    unsafe {
        let schema = pg_sys::get_namespace_oid(c"synapse".as_ptr(), true);
        let users = if schema == pg_sys::InvalidOid {
            pg_sys::InvalidOid
        } else {
            pg_sys::get_relname_relid(c"users".as_ptr(), schema)
        };
        if users == pg_sys::InvalidOid {
            raise(
                PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                function,
                "synapse.users does not exist".into(),
                Some("Apply the migrations (scripts/migrate.sh up) first."),
            );
        }
        let relation = pg_sys::relation_open(users, pg_sys::AccessShareLock as pg_sys::LOCKMODE);
        let owner = (*(*relation).rd_rel).relowner;
        pg_sys::relation_close(relation, pg_sys::NoLock as pg_sys::LOCKMODE);
        owner
    }
}

/// The claim for `user`, from `synapse.users` as of now, read as the table's owner so that
/// the lookup does not depend on what the caller's policies let it see; None when the
/// user is unknown or soft-deleted.
fn claim_for(function: &str, user: Uuid, expires_at: Option<i64>) -> Option<Claim> {
    let owner = users_owner(function);
    let row = super::as_owner(owner, || {
        Spi::connect(|client| {
            super::query(client, ACTIVE_USER, &[user.into()]).first().get_two::<Uuid, String>()
        })
    });
    let (department, role) = row.ok()?;
    let role = role.and_then(|r| parse_role(&r).ok().flatten())?;
    Some(Claim { user: *user.as_bytes(), department: department.map(|d| *d.as_bytes()), role, expires_at })
}

/// `SET LOCAL synapse.identity_claim`. Under Citus through SQL, so that Citus replays it
/// on the transaction's shard connections (a setting changed from C stays on the
/// coordinator); without Citus directly, which is the same change for a fraction of the cost.
fn set_claim(claim: Option<Claim>) {
    let text = claim.map(|c| c.sign(&claim_key())).unwrap_or_default();
    // SAFETY: looks a setting up by name.
    let citus =
        unsafe { !pg_sys::GetConfigOption(c"citus.propagate_set_commands".as_ptr(), true, false).is_null() };
    if citus {
        // A claim is hex digits, letters, '-', '_' and '.': nothing to escape in the literal.
        assert!(text.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)));
        Spi::run(&format!("SET LOCAL synapse.identity_claim = '{text}'"))
            .expect("the extension's claim is accepted");
        return;
    }
    let value = CString::new(text).expect("a claim has no NUL");
    // SAFETY: sets a setting this library defined; a refusal raises an ERROR.
    unsafe {
        pg_sys::set_config_option(
            c"synapse.identity_claim".as_ptr(),
            value.as_ptr(),
            pg_sys::GucContext::PGC_USERSET,
            pg_sys::GucSource::PGC_S_SESSION,
            pg_sys::GucAction::GUC_ACTION_LOCAL,
            true,
            0,
            false,
        );
    }
}

/// Sets the Synapse user the rest of the current transaction acts for: their department
/// and role as of now, from `synapse.users`. NULL clears it. 28000 for an unknown or
/// deleted user; 42501 while `synapse.identity_require_token` is on (then only
/// `set_current_user_token` sets an identity). Behind the migration set's
/// `synapse.set_current_user(uuid)`.
#[pg_extern(volatile, parallel_unsafe, name = "_set_current_user")]
fn set_current_user_trusted(user_id: Option<Uuid>) {
    const FUNCTION: &str = "set_current_user";
    let Some(user) = user_id else { return set_claim(None) };
    if IDENTITY_REQUIRE_TOKEN.get() {
        raise(
            PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE,
            FUNCTION,
            "synapse.identity_require_token is on: the identity is set only from a signed token".into(),
            Some("Call synapse.set_current_user_token(token) with a token the identity service signed."),
        );
    }
    match claim_for(FUNCTION, user, None) {
        Some(claim) => set_claim(Some(claim)),
        None => raise(
            PgSqlErrorCode::ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION,
            FUNCTION,
            format!("{user} is not an active user"),
            None,
        ),
    }
}

/// Sets the user of the rest of the current transaction from a signed identity token: a
/// compact JWT signed with Ed25519 (`alg` EdDSA) by a key of `synapse.identity_keys`, with
/// `sub` the user's uuid, `exp`, and `aud` containing `synapse.identity_audience`; `nbf`
/// honoured; 60 s of clock skew. Department and role come from `synapse.users` now.
/// Returns the user. A bad, expired or unknown-key token, or an inactive user: 28000.
#[pg_extern(volatile, strict, parallel_unsafe)]
fn set_current_user_token(token: &str) -> Uuid {
    const FUNCTION: &str = "set_current_user_token";
    let refused = |message: String| -> ! {
        raise(PgSqlErrorCode::ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION, FUNCTION, message, None)
    };
    let audience = text_of(&IDENTITY_AUDIENCE);
    let expected = Expected { audience: &audience, now: unix_now(), leeway: LEEWAY_SECONDS };
    let verified = with_keys(|keys_text, keys| {
        VERIFIED.with_borrow_mut(|kept| kept.verify(token, keys_text, keys, &expected))
    })
    .unwrap_or_else(|e| refused(e.to_string()));
    let user = Uuid::from_bytes(verified.user);
    match claim_for(FUNCTION, user, Some(verified.expires_at)) {
        Some(claim) => set_claim(Some(claim)),
        None => refused(format!("the token's user {user} is not an active user")),
    }
    user
}

/// Runs `work` with the text of `synapse.identity_keys` and its keys, parsed once per
/// change of it.
fn with_keys<T>(work: impl FnOnce(&str, &KeySet) -> T) -> T {
    let text = IDENTITY_KEYS.get().unwrap_or_default();
    KEYS.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.as_ref().is_none_or(|(cached, _)| *cached != text) {
            // The check hook accepted the value; were it ever unreadable, no key is known.
            let keys = KeySet::from_jwks(&text.to_string_lossy()).unwrap_or_default();
            *cache = Some((text, keys));
        }
        let (text, keys) = cache.as_ref().expect("filled above");
        work(&text.to_string_lossy(), keys)
    })
}

// --- the row-level security helpers ----------------------------------------------------------

fn raw(uuid: &Uuid) -> &RawUuid {
    uuid.as_bytes()
}

/// The Synapse user the current transaction acts for; NULL without one (RLS helper).
#[pg_extern(stable, parallel_safe)]
fn _rls_current_user() -> Option<Uuid> {
    identity().user.map(Uuid::from_bytes)
}

/// Does the current transaction act for an Admin? (RLS helper; false without a user.)
#[pg_extern(stable, parallel_safe)]
fn _rls_is_admin() -> bool {
    identity().is_admin()
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
#[path = "identity_tests.rs"]
mod identity_tests;
