//! Membership roles and what each may do.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    Owner,
    Admin,
    Bursar,
    Teacher,
    Viewer,
}

/// What a request wants to do; roles grant capabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// Members, terms, grade levels.
    ManageSchool,
    /// Classes, guardians, students.
    ManageEnrolment,
    /// Fee structures and invoices.
    ManageFees,
    RecordPayments,
    SendNotifications,
    /// Reminder schedules: when and to whom fee reminders go.
    ManageReminders,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "OWNER",
            Role::Admin => "ADMIN",
            Role::Bursar => "BURSAR",
            Role::Teacher => "TEACHER",
            Role::Viewer => "VIEWER",
        }
    }

    pub fn can(self, capability: Capability) -> bool {
        use Capability::*;
        match self {
            Role::Owner | Role::Admin => true,
            Role::Bursar => matches!(
                capability,
                ManageEnrolment | ManageFees | RecordPayments | SendNotifications | ManageReminders
            ),
            Role::Teacher | Role::Viewer => false,
        }
    }

    pub fn require(self, capability: Capability) -> Result<()> {
        if self.can(capability) {
            Ok(())
        } else {
            Err(Error::forbidden(
                "insufficient_role",
                format!("a {} of this school may not do this", self.as_str()),
            ))
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "OWNER" => Ok(Role::Owner),
            "ADMIN" => Ok(Role::Admin),
            "BURSAR" => Ok(Role::Bursar),
            "TEACHER" => Ok(Role::Teacher),
            "VIEWER" => Ok(Role::Viewer),
            _ => Err(Error::invalid(
                "invalid_role",
                "role must be OWNER, ADMIN, BURSAR, TEACHER or VIEWER",
            )),
        }
    }
}

impl TryFrom<String> for Role {
    type Error = Error;

    fn try_from(value: String) -> Result<Self> {
        value.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn teachers_and_viewers_cannot_write_fees_or_payments() {
        for role in [Role::Teacher, Role::Viewer] {
            assert!(!role.can(Capability::ManageFees));
            assert!(!role.can(Capability::RecordPayments));
        }
    }

    #[test]
    fn bursars_handle_money_but_not_membership() {
        assert!(Role::Bursar.can(Capability::RecordPayments));
        assert!(Role::Bursar.can(Capability::ManageFees));
        assert!(!Role::Bursar.can(Capability::ManageSchool));
    }

    #[test]
    fn role_names_round_trip() {
        for role in [
            Role::Owner,
            Role::Admin,
            Role::Bursar,
            Role::Teacher,
            Role::Viewer,
        ] {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
    }
}
