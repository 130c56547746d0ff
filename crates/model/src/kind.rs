//! Object kinds and the [`Object`] trait the storage layer builds on.
//!
//! Every stored object has a kind and a key unique within that kind (usernames, names, key ids…).
//! [`Object::references`] lists the other objects an object points to, so a store can enforce
//! referential integrity and answer reverse lookups (which users mount a folder, which rules use an
//! action…).

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{
    Admin, ApiKey, ApiKeyScope, Configs, EventAction, EventRule, Folder, Group, IpListEntry, IpListType, Role, Share,
    User,
};

/// The kinds of stored objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// [`User`].
    User,
    /// [`Folder`].
    Folder,
    /// [`Group`].
    Group,
    /// [`Admin`].
    Admin,
    /// [`ApiKey`].
    ApiKey,
    /// [`Share`].
    Share,
    /// [`Role`].
    Role,
    /// [`IpListEntry`].
    IpListEntry,
    /// [`EventAction`].
    EventAction,
    /// [`EventRule`].
    EventRule,
    /// [`Configs`] (a singleton).
    Configs,
}

impl Kind {
    /// Every kind, in SFTPGo's restore order (dependencies first).
    pub const RESTORE_ORDER: [Kind; 11] = [
        Kind::Configs,
        Kind::IpListEntry,
        Kind::Role,
        Kind::Folder,
        Kind::Group,
        Kind::User,
        Kind::Admin,
        Kind::ApiKey,
        Kind::Share,
        Kind::EventAction,
        Kind::EventRule,
    ];

    /// The top-level key of the dump that holds objects of this kind.
    pub fn dump_key(self) -> &'static str {
        match self {
            Kind::User => "users",
            Kind::Folder => "folders",
            Kind::Group => "groups",
            Kind::Admin => "admins",
            Kind::ApiKey => "api_keys",
            Kind::Share => "shares",
            Kind::Role => "roles",
            Kind::IpListEntry => "ip_lists",
            Kind::EventAction => "event_actions",
            Kind::EventRule => "event_rules",
            Kind::Configs => "configs",
        }
    }

    /// The object type name used by provider hooks and event conditions (`user`, `api_key`…).
    pub fn object_type(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Folder => "folder",
            Kind::Group => "group",
            Kind::Admin => "admin",
            Kind::ApiKey => "api_key",
            Kind::Share => "share",
            Kind::Role => "role",
            Kind::IpListEntry => "ip_list_entry",
            Kind::EventAction => "event_action",
            Kind::EventRule => "event_rule",
            Kind::Configs => "configs",
        }
    }

    /// Human-readable name, as used in error messages ("user", "API key", …).
    pub fn display_name(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Folder => "folder",
            Kind::Group => "group",
            Kind::Admin => "admin",
            Kind::ApiKey => "API key",
            Kind::Share => "share",
            Kind::Role => "role",
            Kind::IpListEntry => "IP list entry",
            Kind::EventAction => "event action",
            Kind::EventRule => "event rule",
            Kind::Configs => "configs",
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.display_name())
    }
}

/// A pointer from one object to another: the target's kind and key.
pub type Reference = (Kind, String);

/// The key of the [`Configs`] singleton.
pub const CONFIGS_KEY: &str = "configs";

/// Common behaviour of every stored object.
pub trait Object: Serialize + DeserializeOwned + Clone + std::fmt::Debug + Send + Sync + 'static {
    /// The object's kind.
    const KIND: Kind;

    /// The key, unique within the kind (username, name, key id, share id, `<type>/<ipornet>`,
    /// `configs`).
    fn key(&self) -> String;

    /// The numeric database id (0 when not yet stored; API keys and shares keep it out of JSON).
    fn id(&self) -> i64;

    /// Sets the numeric database id.
    fn set_id(&mut self, id: i64);

    /// The objects this one points to (e.g. a user's folders, groups and role).
    fn references(&self) -> Vec<Reference>;
}

impl Object for User {
    const KIND: Kind = Kind::User;
    fn key(&self) -> String {
        self.username.clone()
    }
    fn id(&self) -> i64 {
        self.id
    }
    fn set_id(&mut self, id: i64) {
        self.id = id;
    }
    fn references(&self) -> Vec<Reference> {
        let mut refs: Vec<Reference> = Vec::new();
        for f in &self.virtual_folders {
            push_unique(&mut refs, Kind::Folder, &f.name);
        }
        for g in &self.groups {
            push_unique(&mut refs, Kind::Group, &g.name);
        }
        if !self.role.is_empty() {
            push_unique(&mut refs, Kind::Role, &self.role);
        }
        refs
    }
}

impl Object for Folder {
    const KIND: Kind = Kind::Folder;
    fn key(&self) -> String {
        self.name.clone()
    }
    fn id(&self) -> i64 {
        self.id
    }
    fn set_id(&mut self, id: i64) {
        self.id = id;
    }
    fn references(&self) -> Vec<Reference> {
        Vec::new()
    }
}

impl Object for Group {
    const KIND: Kind = Kind::Group;
    fn key(&self) -> String {
        self.name.clone()
    }
    fn id(&self) -> i64 {
        self.id
    }
    fn set_id(&mut self, id: i64) {
        self.id = id;
    }
    fn references(&self) -> Vec<Reference> {
        let mut refs = Vec::new();
        for f in &self.virtual_folders {
            push_unique(&mut refs, Kind::Folder, &f.name);
        }
        refs
    }
}

impl Object for Admin {
    const KIND: Kind = Kind::Admin;
    fn key(&self) -> String {
        self.username.clone()
    }
    fn id(&self) -> i64 {
        self.id
    }
    fn set_id(&mut self, id: i64) {
        self.id = id;
    }
    fn references(&self) -> Vec<Reference> {
        let mut refs = Vec::new();
        for g in &self.groups {
            push_unique(&mut refs, Kind::Group, &g.name);
        }
        if !self.role.is_empty() {
            push_unique(&mut refs, Kind::Role, &self.role);
        }
        refs
    }
}

impl Object for ApiKey {
    const KIND: Kind = Kind::ApiKey;
    fn key(&self) -> String {
        self.id.clone()
    }
    fn id(&self) -> i64 {
        self.db_id
    }
    fn set_id(&mut self, id: i64) {
        self.db_id = id;
    }
    fn references(&self) -> Vec<Reference> {
        match self.scope {
            ApiKeyScope::User if !self.user.is_empty() => vec![(Kind::User, self.user.clone())],
            ApiKeyScope::Admin if !self.admin.is_empty() => vec![(Kind::Admin, self.admin.clone())],
            _ => Vec::new(),
        }
    }
}

impl Object for Share {
    const KIND: Kind = Kind::Share;
    fn key(&self) -> String {
        self.id.clone()
    }
    fn id(&self) -> i64 {
        self.db_id
    }
    fn set_id(&mut self, id: i64) {
        self.db_id = id;
    }
    fn references(&self) -> Vec<Reference> {
        if self.username.is_empty() { Vec::new() } else { vec![(Kind::User, self.username.clone())] }
    }
}

impl Object for Role {
    const KIND: Kind = Kind::Role;
    fn key(&self) -> String {
        self.name.clone()
    }
    fn id(&self) -> i64 {
        self.id
    }
    fn set_id(&mut self, id: i64) {
        self.id = id;
    }
    fn references(&self) -> Vec<Reference> {
        Vec::new()
    }
}

impl IpListEntry {
    /// The store key of an entry: `<type>/<ipornet>`, e.g. `2/192.0.2.0/24`.
    pub fn make_key(list_type: IpListType, ipornet: &str) -> String {
        format!("{}/{}", list_type.as_i64(), ipornet)
    }

    /// Splits a key built by [`IpListEntry::make_key`] back into type and network.
    pub fn parse_key(key: &str) -> Option<(IpListType, &str)> {
        let (t, net) = key.split_once('/')?;
        let t = IpListType::from_i64(t.parse().ok()?)?;
        Some((t, net))
    }
}

impl Object for IpListEntry {
    const KIND: Kind = Kind::IpListEntry;
    fn key(&self) -> String {
        Self::make_key(self.list_type, &self.ipornet)
    }
    fn id(&self) -> i64 {
        0
    }
    fn set_id(&mut self, _id: i64) {}
    fn references(&self) -> Vec<Reference> {
        Vec::new()
    }
}

impl Object for EventAction {
    const KIND: Kind = Kind::EventAction;
    fn key(&self) -> String {
        self.name.clone()
    }
    fn id(&self) -> i64 {
        self.id
    }
    fn set_id(&mut self, id: i64) {
        self.id = id;
    }
    fn references(&self) -> Vec<Reference> {
        Vec::new()
    }
}

impl Object for EventRule {
    const KIND: Kind = Kind::EventRule;
    fn key(&self) -> String {
        self.name.clone()
    }
    fn id(&self) -> i64 {
        self.id
    }
    fn set_id(&mut self, id: i64) {
        self.id = id;
    }
    fn references(&self) -> Vec<Reference> {
        let mut refs = Vec::new();
        for a in &self.actions {
            push_unique(&mut refs, Kind::EventAction, &a.name);
        }
        refs
    }
}

impl Object for Configs {
    const KIND: Kind = Kind::Configs;
    fn key(&self) -> String {
        CONFIGS_KEY.to_string()
    }
    fn id(&self) -> i64 {
        0
    }
    fn set_id(&mut self, _id: i64) {}
    fn references(&self) -> Vec<Reference> {
        Vec::new()
    }
}

fn push_unique(refs: &mut Vec<Reference>, kind: Kind, key: &str) {
    if key.is_empty() {
        return;
    }
    if !refs.iter().any(|(k, n)| *k == kind && n == key) {
        refs.push((kind, key.to_string()));
    }
}
