//! Membership roles and what each may do.

use serde::{Deserialize, Serialize};

use super::text_enum::text_enum;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[derive(strum::Display, strum::EnumString, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
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
    /// The money reports (defaulters, ageing, collections, class
    /// summaries): read-only, but they name families, phones and balances,
    /// so a teacher does not get them; a viewer (a governor, an auditor) does.
    ReadReports,
}

text_enum!(Role);

impl Role {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn can(self, capability: Capability) -> bool {
        use Capability::*;
        match self {
            Role::Owner | Role::Admin => true,
            Role::Bursar => matches!(
                capability,
                ManageEnrolment
                    | ManageFees
                    | RecordPayments
                    | SendNotifications
                    | ManageReminders
                    | ReadReports
            ),
            Role::Viewer => capability == ReadReports,
            Role::Teacher => false,
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

#[cfg(test)]
mod tests {
    use strum::VariantArray;

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
    fn money_reports_are_for_the_office_and_viewers_not_teachers() {
        for role in [Role::Owner, Role::Admin, Role::Bursar, Role::Viewer] {
            assert!(role.can(Capability::ReadReports), "{role}");
        }
        assert!(!Role::Teacher.can(Capability::ReadReports));
    }

    #[test]
    fn role_names_round_trip_and_match_the_json() {
        for role in Role::VARIANTS {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), *role);
            assert_eq!(serde_json::to_value(role).unwrap(), role.as_str());
        }
        assert_eq!(Role::Bursar.to_string(), "BURSAR");
    }
}
