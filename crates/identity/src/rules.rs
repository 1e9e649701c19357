//! Who a transaction acts for, as row-level security sees it, and the access rules.
//!
//! The extension records the identity (user, department, role) in one signed,
//! transaction-local setting (`crate::claim`); the policies' helpers decide reads and
//! writes from the parsed [`Identity`], once per change of the setting rather than once per
//! row.

use thiserror::Error;

/// A uuid's 16 bytes, in the order PostgreSQL stores and compares them.
pub type Uuid = [u8; 16];

/// The three values of `synapse.user_role`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Admin,
    Manager,
    Member,
}

/// A malformed user id or role label.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum IdentityError {
    #[error("\"{0}\" is not a uuid (expected 32 hex digits as 8-4-4-4-12, or empty for none)")]
    BadUuid(String),
    #[error("\"{0}\" is not a user role (expected Admin, Manager, Member, or empty for none)")]
    BadRole(String),
}

/// A user or department id as text; empty text means "none".
pub fn parse_uuid(text: &str) -> Result<Option<Uuid>, IdentityError> {
    if text.is_empty() {
        return Ok(None);
    }
    let bad = || IdentityError::BadUuid(text.to_owned());
    let bytes = text.as_bytes();
    if bytes.len() != 36 || [8, 13, 18, 23].iter().any(|&i| bytes[i] != b'-') {
        return Err(bad());
    }
    let mut hex = bytes.iter().filter(|&&b| b != b'-');
    let mut uuid = [0u8; 16];
    for byte in &mut uuid {
        let (Some(hi), Some(lo)) = (hex.next(), hex.next()) else { return Err(bad()) };
        *byte = (hex_digit(*hi).ok_or_else(bad)? << 4) | hex_digit(*lo).ok_or_else(bad)?;
    }
    Ok(Some(uuid))
}

/// A uuid as PostgreSQL prints it: lowercase hex, 8-4-4-4-12.
pub fn format_uuid(uuid: &Uuid) -> String {
    let mut text = String::with_capacity(36);
    for (i, byte) in uuid.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            text.push('-');
        }
        text.push_str(&format!("{byte:02x}"));
    }
    text
}

fn hex_digit(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// A `synapse.user_role` label; empty text means "none".
pub fn parse_role(text: &str) -> Result<Option<Role>, IdentityError> {
    match text {
        "" => Ok(None),
        "Admin" => Ok(Some(Role::Admin)),
        "Manager" => Ok(Some(Role::Manager)),
        "Member" => Ok(Some(Role::Member)),
        _ => Err(IdentityError::BadRole(text.to_owned())),
    }
}

/// The identity a transaction acts for. Without a user id nothing is allowed, whatever else
/// is set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Identity {
    pub user: Option<Uuid>,
    pub department: Option<Uuid>,
    pub role: Option<Role>,
}

impl Role {
    /// The `synapse.user_role` label.
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::Manager => "Manager",
            Role::Member => "Member",
        }
    }
}

impl Identity {
    /// The role, when a user is set.
    fn role(&self) -> Option<Role> {
        self.user.and(self.role)
    }

    /// Is this the identity of an Admin? (False without a user.)
    pub fn is_admin(&self) -> bool {
        self.role() == Some(Role::Admin)
    }

    /// The department ids this identity reads, as an inclusive range: every uuid for an
    /// Admin, the own department for anyone else, none (`None`) without a user or (not an
    /// Admin) without a department. A range, so a policy `department_id BETWEEN from AND
    /// to` is an index condition, evaluated once per scan rather than once per row.
    pub fn readable_departments(&self) -> Option<(Uuid, Uuid)> {
        match self.role()? {
            Role::Admin => Some(([0; 16], [0xff; 16])),
            Role::Manager | Role::Member => self.department.map(|d| (d, d)),
        }
    }

    /// May this identity read rows of `department`? (The same rule as
    /// [`Identity::readable_departments`], for one value.)
    pub fn can_read(&self, department: &Uuid) -> bool {
        match self.role() {
            Some(Role::Admin) => true,
            Some(_) => self.department.as_ref() == Some(department),
            None => false,
        }
    }

    /// The write rule's cheap part: an Admin anywhere; in the own department its Manager,
    /// or the row's `owner` (a task's creator, a project's owner, a comment's author).
    /// A task's assignees may write it too; that needs a query and is checked by the
    /// policies only where this says no and [`Identity::can_read`] says yes.
    pub fn can_write(&self, department: &Uuid, owner: Option<&Uuid>) -> bool {
        match self.role() {
            Some(Role::Admin) => true,
            Some(role) if self.department.as_ref() == Some(department) => {
                role == Role::Manager || (owner.is_some() && owner == self.user.as_ref())
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D1: Uuid = [0x11; 16];
    const D2: Uuid = [0x22; 16];
    const U: Uuid = [0x33; 16];
    const OTHER: Uuid = [0x44; 16];

    fn who(role: Role, department: Option<Uuid>) -> Identity {
        Identity { user: Some(U), department, role: Some(role) }
    }

    #[test]
    fn uuids_parse_in_either_case_and_empty_is_none() {
        let mut expected = [0u8; 16];
        expected.copy_from_slice(&[
            0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8, 0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38, 0x0a, 0x11,
        ]);
        assert_eq!(parse_uuid("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), Ok(Some(expected)));
        assert_eq!(parse_uuid("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"), Ok(Some(expected)));
        assert_eq!(parse_uuid(""), Ok(None));
    }

    #[test]
    fn uuids_print_as_postgresql_does_and_parse_back() {
        let uuid =
            [0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8, 0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38, 0x0a, 0x11];
        assert_eq!(format_uuid(&uuid), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
        assert_eq!(parse_uuid(&format_uuid(&uuid)), Ok(Some(uuid)));
        for role in [Role::Admin, Role::Manager, Role::Member] {
            assert_eq!(parse_role(role.label()), Ok(Some(role)));
        }
    }

    #[test]
    fn malformed_uuids_are_errors_quoting_the_text() {
        for bad in [
            "nonsense",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1",      // one digit short
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a111",    // one digit long
            "a0eebc999c0b-4ef8-bb6d-6bb9bd380a11-",     // hyphens misplaced
            "g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",     // not hex
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a\u{e9}", // non-ASCII, 36 bytes
            " 0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
        ] {
            let err = parse_uuid(bad).unwrap_err();
            assert_eq!(err, IdentityError::BadUuid(bad.to_owned()));
            assert!(err.to_string().contains(bad), "{err}");
        }
    }

    #[test]
    fn roles_are_the_enum_labels_exactly() {
        assert_eq!(parse_role("Admin"), Ok(Some(Role::Admin)));
        assert_eq!(parse_role("Manager"), Ok(Some(Role::Manager)));
        assert_eq!(parse_role("Member"), Ok(Some(Role::Member)));
        assert_eq!(parse_role(""), Ok(None));
        assert_eq!(parse_role("admin"), Err(IdentityError::BadRole("admin".into())));
        assert!(parse_role("Root").unwrap_err().to_string().contains("\"Root\" is not a user role"));
    }

    #[test]
    fn nothing_without_a_user() {
        for identity in
            [Identity::default(), Identity { user: None, department: Some(D1), role: Some(Role::Admin) }]
        {
            assert_eq!(identity.readable_departments(), None);
            assert!(!identity.can_read(&D1));
            assert!(!identity.can_write(&D1, Some(&U)));
        }
    }

    #[test]
    fn reads_own_department_or_everything_for_an_admin() {
        let member = who(Role::Member, Some(D1));
        assert_eq!(member.readable_departments(), Some((D1, D1)));
        assert!(member.can_read(&D1) && !member.can_read(&D2));
        let admin = who(Role::Admin, None);
        assert_eq!(admin.readable_departments(), Some(([0; 16], [0xff; 16])));
        assert!(admin.can_read(&D1) && admin.can_read(&D2));
        // A role without a department (not a state set_current_user writes) reads nothing.
        assert_eq!(who(Role::Manager, None).readable_departments(), None);
        assert!(!who(Role::Manager, None).can_read(&D1));
        // No role: nothing.
        let no_role = Identity { user: Some(U), department: Some(D1), role: None };
        assert_eq!(no_role.readable_departments(), None);
        assert!(!no_role.can_read(&D1));
    }

    #[test]
    fn write_rule_cheap_part() {
        let admin = who(Role::Admin, None);
        assert!(admin.can_write(&D2, None));
        let manager = who(Role::Manager, Some(D1));
        assert!(manager.can_write(&D1, None) && manager.can_write(&D1, Some(&OTHER)));
        assert!(!manager.can_write(&D2, Some(&U)), "a manager of D1 cannot write D2, even as owner");
        let member = who(Role::Member, Some(D1));
        assert!(member.can_write(&D1, Some(&U)), "the owner writes");
        assert!(!member.can_write(&D1, Some(&OTHER)) && !member.can_write(&D1, None));
        assert!(!member.can_write(&D2, Some(&U)), "not outside the own department");
    }
}
