//! The negotiation of HEC geographies between prospective HECs and the
//! state, in rounds: organizations (prospective HECs) save versions of
//! their proposal and submit them; the state composes the latest submitted
//! version of every proposal into one statewide plan and validates it with
//! the full rules, showing disputes (units claimed by more than one
//! proposal) and gaps (units no one claims); staff rule on disputes and
//! waivers, each ruling producing a new version of the state's draft plan;
//! the HECs revise. Comments, diffs between versions and an audit log of
//! every change go with it.
//!
//! Storage is SQLite (a file in a data directory, the default) or
//! PostgreSQL (a connection URL) through the same migrations
//! (`migrations/`). Every write is one transaction, committed before the
//! caller answers; edits of a proposal or of the state plan name the
//! version they were based on, and a stale one is refused
//! ([`NegotiationError::Conflict`]) instead of overwriting another edit.
//!
//! Access: every operation takes the [`Actor`] doing it and checks its
//! [`Role`] itself, so no caller (HTTP or CLI) can forget a check. This
//! module knows nothing of HTTP (a client's address comes in as an
//! [`std::net::IpAddr`]).
//!
//! Confidentiality: a draft is its organization's own. Its plan, rationale
//! and waiver reason, and the audit entries about it, are shown to that
//! organization's editors only; others see a proposal's latest *submitted*
//! version, never how many drafts follow it.
//!
//! Work on the CPU (parsing a plan against the units, composing the state
//! plan, validating, diffing, hashing passwords) runs on tokio's blocking
//! threads, never on the async runtime's, and never inside a write
//! transaction.
//!
//! # Layout
//!
//! The domain, pure functions and types that know no SQL:
//!
//! - `access`: [`Role`]s, the [`Actor`] and its checks;
//! - `accounts`: organizations and accounts;
//! - `auth`: sign-in policy, password hashing and credentials;
//! - `throttle`: the sign-in throttle's policy;
//! - `proposals`: proposal versions and comments, who may comment;
//! - `rulings`: staff rulings and who sees them;
//! - `compose`: the statewide picture composed from proposals and rulings;
//! - `state_plan`: the state's draft plan versions a ruling produces;
//! - `audit`: the audit log's entries;
//! - `limits`: how long each stored text may be;
//! - `error`: [`NegotiationError`]; `util`: the clock, and CPU work moved
//!   off the async threads.
//!
//! The storage, all of the SQL: `store/` (the pool, migrations and
//! transactions in `store/mod.rs`, then one file per domain module). The
//! domain never imports the store; the store calls the domain.

mod access;
mod accounts;
mod audit;
pub mod auth;
pub mod compose;
mod error;
pub mod limits;
mod proposals;
mod rulings;
mod state_plan;
mod store;
mod throttle;
mod util;

pub use access::{Actor, Role};
pub use accounts::{NewUser, Organization, User};
pub use audit::AuditEntry;
pub use auth::{AuthSettings, AuthStats, Credential, CredentialKind, Login};
pub use compose::{
    Claimant, Diff, Dispute, Gap, HecDiff, StateInputs, StateView, SubmittedVersion, Totals,
    UnitSet,
};
pub use error::{NegotiationError, Result, StorageError};
pub use proposals::{Comment, CommentTarget, NewVersion, Proposal, Version, VersionStatus};
pub use rulings::{NewRuling, Ruling, RulingKind, WaiverDecision, visible_to};
pub use state_plan::StateVersion;
pub use store::{Backend, Store, StoreLocation};
