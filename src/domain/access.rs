//! Roles, what each may do, and who is acting. `ALLOWED` is the one definition; every use case asks
//! `Actor::require` before it reads or writes anything.

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
    /// Take in an article and read the articles taken in.
    SubmitArticles,
    /// Register a claim from a sentence of an article.
    AcceptCandidates,
    /// Read the Sources registry.
    ReadSources,
    /// Read the reviews an import merged into a claim: the desk's record, not for anonymous readers.
    ReadMerges,
    /// Register sources and change their reliability.
    ManageSources,
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
    (Action::SubmitArticles, Role::Submitter),
    (Action::AcceptCandidates, Role::Submitter),
    (Action::ReadSources, Role::Submitter),
    (Action::ReadMerges, Role::Submitter),
    (Action::ManageSources, Role::Reviewer),
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

/// Who is acting, as every use case and every record of a change sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// Someone holding an API key, through the API or the admin page. Names need not be unique; the
    /// id tells keys apart.
    Key { id: i64, name: String, role: Role },
    /// An anonymous reader under `--public-read`: published claims only.
    Public,
    /// The service itself or its operator's command line (seeding, imports, link checks).
    System(String),
}

/// Why an actor may not do something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Anonymous, and the action needs a key.
    NeedsKey,
    /// The key's role is below the one the action needs.
    Role(Role),
}

impl Actor {
    pub fn system(name: &str) -> Actor {
        Actor::System(name.to_owned())
    }

    pub fn require(&self, action: Action) -> Result<(), Refusal> {
        match self {
            Actor::Key { role, .. } if role.may(action) => Ok(()),
            Actor::Key { role, .. } => Err(Refusal::Role(*role)),
            // Anonymous readers exist only under --public-read, and see published claims only.
            Actor::Public if action == Action::ReadClaims => Ok(()),
            Actor::Public => Err(Refusal::NeedsKey),
            Actor::System(_) => Ok(()),
        }
    }

    /// Anonymous readers see published claims only.
    pub fn is_public(&self) -> bool {
        matches!(self, Actor::Public)
    }

    pub fn key_id(&self) -> Option<i64> {
        match self {
            Actor::Key { id, .. } => Some(*id),
            _ => None,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Actor::Key { name, .. } | Actor::System(name) => name,
            Actor::Public => "public",
        }
    }

    /// The role as recorded in history and the audit log.
    pub fn role_name(&self) -> Option<&'static str> {
        match self {
            Actor::Key { role, .. } => Some(role.as_str()),
            Actor::System(_) => Some("system"),
            Actor::Public => None,
        }
    }

    /// Who owns what this actor leaves behind (idempotency keys): the key, or the system name.
    pub fn owner(&self) -> String {
        match self {
            Actor::Key { id, .. } => format!("key:{id}"),
            Actor::System(name) => format!("system:{name}"),
            Actor::Public => "public".to_owned(),
        }
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

    #[test]
    fn anonymous_readers_read_published_claims_only() {
        assert_eq!(Actor::Public.require(Action::ReadClaims), Ok(()));
        assert_eq!(Actor::Public.require(Action::CreateClaims), Err(Refusal::NeedsKey));
        let submitter = Actor::Key { id: 1, name: "s".into(), role: Role::Submitter };
        assert_eq!(submitter.require(Action::ReadQueue), Err(Refusal::Role(Role::Submitter)));
    }
}
