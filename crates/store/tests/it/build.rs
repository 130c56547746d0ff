//! Small valid objects of every kind, for tests that need something to store.

use std::collections::BTreeMap;

use wharf_model::event::RuleAction;
use wharf_model::{
    ActionType, Admin, ApiKey, ApiKeyScope, Configs, EventAction, EventRule, Folder, Group, GroupMapping, GroupType,
    IpListEntry, IpListMode, IpListType, Role, Share, ShareScope, Trigger, User, VirtualFolder,
};

pub fn user(name: &str) -> User {
    User {
        status: 1,
        username: name.to_owned(),
        password: format!("pw-{name}"),
        home_dir: format!("/srv/users/{name}"),
        permissions: BTreeMap::from([("/".to_owned(), vec!["*".to_owned()])]),
        description: format!("user {name}"),
        ..User::default()
    }
}

pub fn user_with(name: &str, folders: &[&str], groups: &[(&str, GroupType)], role: &str) -> User {
    let mut u = user(name);
    u.virtual_folders = folders.iter().map(|f| VirtualFolder::new(*f, format!("/mnt/{f}"))).collect();
    u.groups = groups.iter().map(|(g, t)| GroupMapping { name: (*g).to_owned(), group_type: *t }).collect();
    u.role = role.to_owned();
    u
}

pub fn folder(name: &str) -> Folder {
    Folder {
        name: name.to_owned(),
        mapped_path: format!("/srv/folders/{name}"),
        description: format!("folder {name}"),
        ..Folder::default()
    }
}

pub fn group(name: &str) -> Group {
    let mut g = Group { name: name.to_owned(), description: format!("group {name}"), ..Group::default() };
    g.user_settings.max_sessions = 3;
    g
}

pub fn group_with_folders(name: &str, folders: &[&str]) -> Group {
    let mut g = group(name);
    g.virtual_folders = folders.iter().map(|f| VirtualFolder::new(*f, format!("/group/{f}"))).collect();
    g
}

pub fn admin(name: &str) -> Admin {
    Admin {
        status: 1,
        username: name.to_owned(),
        password: format!("admin-pw-{name}"),
        permissions: vec!["*".to_owned()],
        description: format!("admin {name}"),
        ..Admin::default()
    }
}

pub fn api_key(id: &str, user: &str) -> ApiKey {
    let mut k = ApiKey::new(id, format!("key-{id}"), ApiKeyScope::User);
    k.user = user.to_owned();
    k.key = format!("secret-{id}");
    k.description = "an API key".to_owned();
    k
}

pub fn admin_api_key(id: &str, admin: &str) -> ApiKey {
    let mut k = ApiKey::new(id, format!("key-{id}"), ApiKeyScope::Admin);
    k.admin = admin.to_owned();
    k.key = format!("secret-{id}");
    k
}

pub fn share(id: &str, user: &str) -> Share {
    let mut s = Share::new(id, format!("share-{id}"), ShareScope::Read, user, vec!["/docs".to_owned()]);
    s.description = "a share".to_owned();
    s
}

pub fn role(name: &str) -> Role {
    Role { name: name.to_owned(), description: format!("role {name}"), ..Role::default() }
}

pub fn ip_entry(net: &str) -> IpListEntry {
    let mut e = IpListEntry::new(net, IpListType::AllowList, IpListMode::Allow);
    e.description = format!("entry {net}");
    e
}

pub fn action(name: &str) -> EventAction {
    let mut a = EventAction::new(name, ActionType::Backup);
    a.description = format!("action {name}");
    a
}

pub fn rule(name: &str, actions: &[&str]) -> EventRule {
    let mut r = EventRule::new(name, Trigger::OnDemand);
    r.description = format!("rule {name}");
    r.actions = actions.iter().enumerate().map(|(i, a)| RuleAction::new(*a, i as i64 + 1)).collect();
    r
}

pub fn configs() -> Configs {
    Configs {
        sftpd: Some(wharf_model::configs::SftpdConfigs {
            host_key_algos: vec!["ssh-rsa".to_owned()],
            ..Default::default()
        }),
        ..Configs::default()
    }
}
