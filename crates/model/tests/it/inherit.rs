//! Group inheritance: one test per rule.

use std::collections::BTreeMap;

use wharf_model::inherit::apply_group_settings;
use wharf_model::json::from_slice;
use wharf_model::user::{BandwidthLimit, PatternsFilter, TimePeriod};
use wharf_model::*;

fn p(entries: &[(&str, &[&str])]) -> Permissions {
    entries.iter().map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect())).collect::<BTreeMap<_, _>>()
}

fn user(groups: &[(&str, GroupType)]) -> User {
    User {
        username: "alice".into(),
        role: "eu".into(),
        home_dir: "/home/alice".into(),
        created_at: 1_700_000_000_000,
        permissions: p(&[("/", &["list"])]),
        groups: groups.iter().map(|(n, t)| GroupMapping { name: n.to_string(), group_type: *t }).collect(),
        ..Default::default()
    }
}

fn group(name: &str) -> Group {
    Group { name: name.into(), ..Default::default() }
}

fn apply(u: &mut User, groups: &[Group]) {
    apply_group_settings(u, groups);
}

#[test]
fn primary_home_dir_with_placeholders() {
    let mut g = group("g");
    g.user_settings.home_dir = "/srv/%role%/%username%".into();
    let mut u = user(&[("g", GroupType::Primary)]);
    apply(&mut u, &[g.clone()]);
    assert_eq!(u.home_dir, "/srv/eu/alice");
    // Secondary groups do not change the home.
    let mut u = user(&[("g", GroupType::Secondary)]);
    apply(&mut u, &[g.clone()]);
    assert_eq!(u.home_dir, "/home/alice");
    // An empty group home keeps the user's.
    let mut u = user(&[("h", GroupType::Primary)]);
    apply(&mut u, &[group("h")]);
    assert_eq!(u.home_dir, "/home/alice");
}

#[test]
fn primary_filesystem_only_when_not_local() {
    let mut g = group("g");
    g.user_settings.filesystem = from_slice(
        br#"{"provider": 5, "sftpconfig": {"endpoint": "h:22", "username": "%username%", "prefix": "/data/%role%"}}"#,
        4096,
    )
    .unwrap();
    let mut u = user(&[("g", GroupType::Primary)]);
    apply(&mut u, &[g]);
    assert_eq!(u.filesystem.provider, FsProvider::Sftp);
    assert_eq!(u.filesystem.sftpconfig.username, "alice");
    assert_eq!(u.filesystem.sftpconfig.prefix, "/data/eu");

    let mut g = group("s3");
    g.user_settings.filesystem =
        from_slice(br#"{"provider": 1, "s3config": {"bucket": "b", "key_prefix": "%username%/"}}"#, 4096).unwrap();
    let mut u = user(&[("s3", GroupType::Primary)]);
    apply(&mut u, &[g]);
    assert_eq!(u.filesystem.s3config.key_prefix, "alice/");

    // A local group filesystem keeps the user's, only filling buffer sizes left at 0.
    let mut g = group("local");
    g.user_settings.filesystem.osconfig.read_buffer_size = 4;
    g.user_settings.filesystem.osconfig.write_buffer_size = 5;
    let mut u = user(&[("local", GroupType::Primary)]);
    u.filesystem =
        from_slice(br#"{"provider": 4, "cryptconfig": {"passphrase": {"status": "Plain", "payload": "x"}}}"#, 4096)
            .unwrap();
    u.filesystem.osconfig.write_buffer_size = 1;
    apply(&mut u, &[g]);
    assert_eq!(u.filesystem.provider, FsProvider::Crypt);
    assert_eq!((u.filesystem.osconfig.read_buffer_size, u.filesystem.osconfig.write_buffer_size), (4, 1));
}

#[test]
fn primary_numeric_limits_fill_zeros() {
    let mut g = group("g");
    let s = &mut g.user_settings;
    s.max_sessions = 3;
    s.quota_size = 1000;
    s.quota_files = 10;
    s.upload_bandwidth = 7;
    s.download_bandwidth = 8;
    s.filters.max_upload_file_size = 99;
    s.filters.external_auth_cache_time = 60;
    s.filters.ftp_security = 1;
    s.filters.default_shares_expiration = 2;
    s.filters.max_shares_expiration = 9;
    s.filters.password_expiration = 30;
    s.filters.password_strength = 50;
    let mut u = user(&[("g", GroupType::Primary)]);
    u.quota_size = 5;
    u.filters.password_strength = 70;
    apply(&mut u, &[g.clone()]);
    assert_eq!((u.max_sessions, u.quota_size, u.quota_files), (3, 5, 10));
    assert_eq!((u.upload_bandwidth, u.download_bandwidth), (7, 8));
    let f = &u.filters;
    assert_eq!((f.max_upload_file_size, f.external_auth_cache_time, f.ftp_security), (99, 60, 1));
    assert_eq!((f.default_shares_expiration, f.max_shares_expiration), (2, 9));
    assert_eq!((f.password_expiration, f.password_strength), (30, 70));
    // Secondary groups don't contribute limits.
    let mut u = user(&[("g", GroupType::Secondary)]);
    apply(&mut u, &[g]);
    assert_eq!((u.max_sessions, u.quota_size), (0, 0));
}

#[test]
fn primary_transfer_limits_only_if_user_has_none() {
    let mut g = group("g");
    g.user_settings.upload_data_transfer = 10;
    g.user_settings.download_data_transfer = 20;
    let mut u = user(&[("g", GroupType::Primary)]);
    apply(&mut u, &[g.clone()]);
    assert_eq!((u.upload_data_transfer, u.download_data_transfer, u.total_data_transfer), (10, 20, 0));
    let mut u = user(&[("g", GroupType::Primary)]);
    u.total_data_transfer = 100;
    apply(&mut u, &[g]);
    assert_eq!((u.upload_data_transfer, u.download_data_transfer, u.total_data_transfer), (0, 0, 100));
}

#[test]
fn primary_expires_in_sets_expiration_from_creation() {
    let mut g = group("g");
    g.user_settings.expires_in = 10;
    let mut u = user(&[("g", GroupType::Primary)]);
    apply(&mut u, &[g.clone()]);
    assert_eq!(u.expiration_date, 1_700_000_000_000 + 10 * 86_400_000);
    let mut u = user(&[("g", GroupType::Primary)]);
    u.expiration_date = 42;
    apply(&mut u, &[g]);
    assert_eq!(u.expiration_date, 42);
}

#[test]
fn primary_flag_filters_when_unset() {
    let mut g = group("g");
    let f = &mut g.user_settings.filters;
    f.hooks.pre_login_disabled = true;
    f.disable_fs_checks = true;
    f.allow_api_key_auth = true;
    f.is_anonymous = true;
    f.tls_username = "CommonName".into();
    f.start_directory = "/%username%/in".into();
    let mut u = user(&[("g", GroupType::Primary)]);
    u.filters.hooks.check_password_disabled = true;
    apply(&mut u, &[g.clone()]);
    let uf = &u.filters;
    assert!(uf.hooks.pre_login_disabled && uf.hooks.check_password_disabled && !uf.hooks.external_auth_disabled);
    assert!(uf.disable_fs_checks && uf.allow_api_key_auth && uf.is_anonymous);
    assert_eq!(uf.tls_username, "CommonName");
    assert_eq!(uf.start_directory, "/alice/in");
    // The user's own start dir and TLS settings win.
    let mut u = user(&[("g", GroupType::Primary)]);
    u.filters.start_directory = "/mine".into();
    u.filters.tls_certs = vec!["cert".into()];
    u.filters.tls_username = "None".into();
    apply(&mut u, &[g]);
    assert_eq!(u.filters.start_directory, "/mine");
    assert_eq!(u.filters.tls_username, "None");
}

#[test]
fn virtual_folders_from_primary_and_secondary() {
    let mut prim = group("prim");
    prim.virtual_folders = vec![
        VirtualFolder::new("root", "/"),
        VirtualFolder { subpath: "%username%/files".into(), ..VirtualFolder::new("shared", "/%username%") },
        VirtualFolder::new("mine", "/x"),
    ];
    let mut sec = group("sec");
    sec.virtual_folders = vec![VirtualFolder::new("sroot", "/"), VirtualFolder::new("team", "/team")];
    let mut u = user(&[("sec", GroupType::Secondary), ("prim", GroupType::Primary)]);
    u.virtual_folders = vec![VirtualFolder::new("own", "/x")];
    apply(&mut u, &[prim, sec]);
    let got: Vec<(&str, &str, &str)> =
        u.virtual_folders.iter().map(|f| (f.name.as_str(), f.virtual_path.as_str(), f.subpath.as_str())).collect();
    assert_eq!(
        got,
        vec![("own", "/x", ""), ("root", "/", ""), ("shared", "/alice", "alice/files"), ("team", "/team", "")],
        "user paths win, '/' only from the primary group, primary merged first"
    );
}

#[test]
fn permissions_only_for_undefined_paths() {
    let mut prim = group("prim");
    prim.user_settings.permissions = p(&[("/", &["*"]), ("/%username%", &["upload"]), ("/a", &["delete"])]);
    let mut sec = group("sec");
    sec.user_settings.permissions = p(&[("/", &["chmod"]), ("/b", &["copy"]), ("/a", &["chown"])]);
    let mut u = user(&[("prim", GroupType::Primary), ("sec", GroupType::Secondary)]);
    u.permissions = p(&[("/", &["list"]), ("/a", &["list", "download"])]);
    apply(&mut u, &[prim, sec]);
    assert_eq!(
        u.permissions,
        p(&[("/", &["*"]), ("/a", &["list", "download"]), ("/alice", &["upload"]), ("/b", &["copy"])])
    );
    // A secondary group's "/" is ignored.
    let mut sec = group("sec");
    sec.user_settings.permissions = p(&[("/", &["*"])]);
    let mut u = user(&[("sec", GroupType::Secondary)]);
    apply(&mut u, &[sec]);
    assert_eq!(u.permissions, p(&[("/", &["list"])]));
}

#[test]
fn file_patterns_only_for_undefined_paths() {
    let pat = |path: &str, denied: &str| PatternsFilter {
        path: path.into(),
        denied_patterns: vec![denied.into()],
        ..Default::default()
    };
    let mut prim = group("prim");
    prim.user_settings.filters.file_patterns = vec![pat("/", "*.exe"), pat("/%username%", "*.zip")];
    let mut sec = group("sec");
    sec.user_settings.filters.file_patterns = vec![pat("/", "*.bat"), pat("/docs", "*.js"), pat("/mine", "*.x")];
    let mut u = user(&[("prim", GroupType::Primary), ("sec", GroupType::Secondary)]);
    u.filters.file_patterns = vec![pat("/mine", "*.iso")];
    apply(&mut u, &[prim, sec]);
    let got: Vec<(&str, &str)> =
        u.filters.file_patterns.iter().map(|f| (f.path.as_str(), f.denied_patterns[0].as_str())).collect();
    assert_eq!(got, vec![("/mine", "*.iso"), ("/", "*.exe"), ("/alice", "*.zip"), ("/docs", "*.js")]);
}

#[test]
fn additive_lists_are_appended_and_deduplicated() {
    let mut prim = group("prim");
    let f = &mut prim.user_settings.filters;
    f.allowed_ip = vec!["10.0.0.0/8".into()];
    f.denied_ip = vec!["192.0.2.0/24".into()];
    f.denied_login_methods = vec!["password".into()];
    f.denied_protocols = vec!["FTP".into()];
    f.two_factor_protocols = vec!["SSH".into()];
    f.web_client = vec!["write-disabled".into()];
    f.bandwidth_limits =
        vec![BandwidthLimit { sources: vec!["10.0.0.0/8".into()], upload_bandwidth: 1, download_bandwidth: 2 }];
    f.access_time = vec![TimePeriod { day_of_week: 1, from: "08:00".into(), to: "12:00".into() }];
    let mut sec = group("sec");
    let f = &mut sec.user_settings.filters;
    f.allowed_ip = vec!["10.0.0.0/8".into(), "172.16.0.0/12".into()];
    f.denied_protocols = vec!["DAV".into(), "FTP".into()];
    f.two_factor_protocols = vec!["HTTP".into()];
    f.web_client = vec!["shares-disabled".into()];
    let mut u = user(&[("prim", GroupType::Primary), ("sec", GroupType::Secondary)]);
    u.filters.allowed_ip = vec!["192.168.0.0/16".into()];
    u.filters.denied_protocols = vec!["FTP".into()];
    apply(&mut u, &[prim, sec]);
    let uf = &u.filters;
    assert_eq!(uf.allowed_ip, vec!["192.168.0.0/16", "10.0.0.0/8", "172.16.0.0/12"]);
    assert_eq!(uf.denied_ip, vec!["192.0.2.0/24"]);
    assert_eq!(uf.denied_login_methods, vec!["password"]);
    assert_eq!(uf.denied_protocols, vec!["FTP", "DAV"]);
    assert_eq!(uf.two_factor_protocols, vec!["SSH", "HTTP"]);
    assert_eq!(uf.web_client, vec!["write-disabled", "shares-disabled"]);
    assert_eq!(uf.bandwidth_limits.len(), 1);
    assert_eq!(uf.access_time.len(), 1);
}

#[test]
fn membership_groups_contribute_nothing() {
    let mut g = group("m");
    g.user_settings.home_dir = "/elsewhere".into();
    g.user_settings.max_sessions = 9;
    g.user_settings.permissions = p(&[("/x", &["*"])]);
    g.user_settings.filters.allowed_ip = vec!["10.0.0.0/8".into()];
    g.virtual_folders = vec![VirtualFolder::new("f", "/f")];
    let mut u = user(&[("m", GroupType::Membership)]);
    let before = u.clone();
    apply(&mut u, &[g]);
    assert_eq!(u, before);
}

#[test]
fn missing_groups_are_skipped_and_with_group_settings_copies() {
    let u = user(&[("ghost", GroupType::Primary)]);
    let eff = u.with_group_settings(&[]);
    assert_eq!(eff, u);
    let mut g = group("g");
    g.user_settings.max_sessions = 4;
    let u = user(&[("g", GroupType::Primary)]);
    let eff = u.with_group_settings(&[g]);
    assert_eq!(eff.max_sessions, 4);
    assert_eq!(u.max_sessions, 0, "the original is untouched");
}
