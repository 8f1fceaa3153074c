//! Roles and what each may do. `ALLOWED` is the one definition; the API asks `Role::may`.

use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, clap::ValueEnum, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Submitter,
    Reviewer,
    Admin,
}

/// Something a request does that needs a right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    ReadClaims,
    CreateClaims,
    AttachEvidence,
    EditClaims,
    EditEvidence,
    Transition,
    Assign,
    ReadQueue,
    Import,
    ManageKeys,
    ManageWebhooks,
    ReadAudit,
}

/// The least role each action needs; every role has the rights of the roles below it.
const ALLOWED: &[(Action, Role)] = &[
    (Action::ReadClaims, Role::Submitter),
    (Action::CreateClaims, Role::Submitter),
    (Action::AttachEvidence, Role::Submitter),
    (Action::EditClaims, Role::Reviewer),
    (Action::EditEvidence, Role::Reviewer),
    (Action::Transition, Role::Reviewer),
    (Action::Assign, Role::Reviewer),
    (Action::ReadQueue, Role::Reviewer),
    (Action::Import, Role::Reviewer),
    (Action::ManageKeys, Role::Admin),
    (Action::ManageWebhooks, Role::Admin),
    (Action::ReadAudit, Role::Admin),
];

impl Role {
    pub const ALL: [Role; 3] = [Role::Submitter, Role::Reviewer, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Submitter => "submitter",
            Role::Reviewer => "reviewer",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn may(self, action: Action) -> bool {
        ALLOWED.iter().any(|(a, least)| *a == action && self >= *least)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_cumulative() {
        assert!(Role::Submitter.may(Action::CreateClaims));
        assert!(!Role::Submitter.may(Action::Transition));
        assert!(Role::Reviewer.may(Action::Transition) && Role::Reviewer.may(Action::AttachEvidence));
        assert!(!Role::Reviewer.may(Action::ManageKeys));
        assert!(ALLOWED.iter().all(|(a, _)| Role::Admin.may(*a)));
    }
}
