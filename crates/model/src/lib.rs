//! Wharf's object model: users, folders, groups, admins, API keys, shares, roles, IP list entries,
//! event actions and rules, configs and secrets, in SFTPGo's JSON shape (REST API and dump format).
//!
//! - Field names, integer enums, millisecond timestamps and Go's `omitempty` behaviour follow
//!   SFTPGo, so dumps and API bodies written by either side are read by the other. Unknown fields
//!   are ignored; unknown enum integers are errors.
//! - [`json::from_slice`] is the Go-compatible entry point for decoding (size limit, `null` treated
//!   as absent, errors naming the JSON path); [`dump::BackupData`] reads and writes dumps.
//! - [`validate`] checks and normalises objects as SFTPGo does before saving them;
//!   [`perms`] resolves per-directory permissions; [`inherit`] applies group settings to users.
//! - Every stored type implements [`Object`], which gives the store its kind, key and references.
//!
//! The crate does no I/O and has no async code.
#![forbid(unsafe_code)]

pub(crate) mod int_enum;
pub(crate) mod serde_util;

pub mod admin;
pub mod apikey;
pub mod configs;
pub mod dump;
pub mod event;
pub mod filesystem;
pub mod folder;
pub mod glob;
pub mod group;
pub mod hashes;
pub mod inherit;
pub mod iplist;
pub mod json;
pub mod kind;
pub mod names;
pub mod output;
pub mod perms;
pub mod role;
pub mod secret;
pub mod share;
pub mod user;
pub mod validate;
pub mod vpath;

pub use admin::{AddToUsersAs, Admin, AdminFilters, AdminGroupMapping, AdminPreferences, AdminTotpConfig};
pub use apikey::{ApiKey, ApiKeyScope};
pub use configs::Configs;
pub use dump::{BackupData, DUMP_VERSION, DumpError, MAX_DUMP_SIZE};
pub use event::{ActionOptions, ActionType, EventAction, EventRule, RuleAction, Trigger};
pub use filesystem::{Filesystem, FsProvider};
pub use folder::Folder;
pub use group::{Group, GroupUserSettings};
pub use iplist::{IpListEntry, IpListMode, IpListType};
pub use kind::{CONFIGS_KEY, Kind, Object, Reference};
pub use output::Output;
pub use role::Role;
pub use secret::{Secret, SecretStatus};
pub use share::{Share, ShareScope};
pub use user::{GroupMapping, GroupType, Permissions, User, UserFilters, VirtualFolder};
pub use validate::{Validate, ValidationContext, ValidationError};
