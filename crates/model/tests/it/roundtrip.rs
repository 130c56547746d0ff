//! JSON round trips and the omitted-when-empty behaviour.

use serde_json::{Value, json};
use wharf_model::json::from_slice;
use wharf_model::*;

use crate::fixtures::*;

const MAX: usize = 1 << 20;

fn parse<T: serde::de::DeserializeOwned>(text: &str) -> T {
    from_slice(text.as_bytes(), MAX).unwrap()
}

/// Parsing the serialized form gives the same object, and serializing again the same JSON.
fn assert_stable<T>(obj: &T)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let first = serde_json::to_value(obj).unwrap();
    let back: T = from_slice(first.to_string().as_bytes(), MAX).unwrap();
    assert_eq!(&back, obj);
    assert_eq!(serde_json::to_value(&back).unwrap(), first);
}

#[test]
fn user_fixture_parses_every_field() {
    let u: User = parse(&with_keys(USER_S3));
    assert_eq!((u.id, u.status, u.username.as_str()), (7, 1, "alice"));
    assert_eq!(u.public_keys.len(), 2);
    assert!(u.has_password);
    assert_eq!(u.virtual_folders[0].name, "shared");
    assert_eq!(u.virtual_folders[0].mapped_path, "/srv/shared");
    assert!(u.virtual_folders[0].is_included_in_user_quota());
    assert_eq!(u.permissions["/ro"], vec!["list", "download"]);
    assert_eq!(u.total_data_transfer, 1024);
    assert_eq!(u.groups[0], GroupMapping { name: "staff".into(), group_type: GroupType::Primary });
    assert_eq!(u.groups[2].group_type, GroupType::Membership);
    assert_eq!(u.role, "eu");
    let f = &u.filters;
    assert_eq!(f.file_patterns[0].deny_policy, user::DenyPolicy::Hide);
    assert!(f.hooks.pre_login_disabled);
    assert_eq!(f.bandwidth_limits[0].download_bandwidth, 60);
    assert_eq!(f.access_time[0].from, "08:00");
    assert_eq!(f.totp_config.secret.status, SecretStatus::Secretbox);
    assert_eq!(f.totp_config.secret.mode, 1);
    assert!(f.recovery_codes[0].used);
    assert_eq!(f.two_factor_protocols, vec!["SSH"]);
    assert_eq!(u.filesystem.provider, FsProvider::S3);
    assert_eq!(u.filesystem.s3config.access_secret.additional_data, "alice");
    assert!(u.oidc_custom_fields.is_none());
    assert_stable(&u);
}

#[test]
fn user_output_has_sftpgo_keys() {
    let u: User = parse(&with_keys(USER_S3));
    let v = serde_json::to_value(&u).unwrap();
    // Unknown input fields are dropped, output-only lists not carried by mappings are dropped.
    assert!(v.get("some_future_field").is_none());
    assert!(v["virtual_folders"][0].get("users").is_none());
    // Go structs are always serialized: every filesystem sub-configuration is present.
    for key in ["osconfig", "s3config", "gcsconfig", "azblobconfig", "cryptconfig", "sftpconfig", "httpconfig"] {
        assert!(v["filesystem"].get(key).is_some(), "{key}");
    }
    assert_eq!(v["filesystem"]["gcsconfig"], json!({}));
    assert_eq!(v["filters"]["two_factor_protocols"], json!(["SSH"]));
    assert_eq!(v["filters"]["hooks"]["check_password_disabled"], json!(false));
}

#[test]
fn default_user_omits_empty_fields() {
    let v = serde_json::to_value(User::default()).unwrap();
    let obj = v.as_object().unwrap();
    let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        vec![
            "id",
            "status",
            "username",
            "home_dir",
            "uid",
            "gid",
            "max_sessions",
            "quota_size",
            "quota_files",
            "permissions",
            "upload_data_transfer",
            "download_data_transfer",
            "total_data_transfer",
            "created_at",
            "updated_at",
            "filters",
            "filesystem",
        ]
    );
    assert_eq!(
        v["filters"],
        json!({"hooks": {"external_auth_disabled": false, "pre_login_disabled": false, "check_password_disabled": false}})
    );
    assert_eq!(
        v["filesystem"],
        json!({"provider": 0, "osconfig": {}, "s3config": {}, "gcsconfig": {}, "azblobconfig": {},
               "cryptconfig": {}, "sftpconfig": {}, "httpconfig": {}})
    );
}

#[test]
fn zero_and_absent_values_are_equivalent_on_input() {
    let with_zeros: User = parse(
        r#"{"username": "z", "email": "", "expiration_date": 0, "public_keys": [], "used_quota_size": 0,
            "last_login": 0, "groups": [], "virtual_folders": [], "role": "", "has_password": false,
            "filters": {"allowed_ip": [], "max_upload_file_size": 0, "totp_config": {}}}"#,
    );
    let absent: User = parse(r#"{"username": "z"}"#);
    assert_eq!(with_zeros, absent);
}

#[test]
fn older_dumps_use_2fa_protocols() {
    let u: User = parse(r#"{"username": "o", "filters": {"2fa_protocols": ["FTP", "HTTP"]}}"#);
    assert_eq!(u.filters.two_factor_protocols, vec!["FTP", "HTTP"]);
    let v = serde_json::to_value(&u).unwrap();
    assert_eq!(v["filters"]["two_factor_protocols"], json!(["FTP", "HTTP"]));
    assert!(v["filters"].get("2fa_protocols").is_none());
}

#[test]
fn every_provider_round_trips() {
    for (text, provider) in [
        (FS_LOCAL, FsProvider::Local),
        (FS_S3, FsProvider::S3),
        (FS_GCS, FsProvider::Gcs),
        (FS_AZURE, FsProvider::AzureBlob),
        (FS_CRYPT, FsProvider::Crypt),
        (FS_SFTP, FsProvider::Sftp),
        (FS_HTTP, FsProvider::Http),
    ] {
        let fs: Filesystem = parse(text);
        assert_eq!(fs.provider, provider);
        assert_stable(&fs);
    }
    let s3: Filesystem = parse(FS_S3);
    assert_eq!(s3.s3config.download_part_max_time, 61);
    assert!(s3.s3config.skip_tls_verify);
    assert_eq!(s3.s3config.sse_customer_key, Secret::plain("ssekey"));
    let gcs: Filesystem = parse(FS_GCS);
    assert_eq!(gcs.gcsconfig.credentials.payload, "{\"type\":\"service_account\"}");
    let az: Filesystem = parse(FS_AZURE);
    assert!(az.azblobconfig.use_emulator);
    assert!(az.azblobconfig.sas_url.is_unset());
    let crypt: Filesystem = parse(FS_CRYPT);
    assert_eq!(crypt.cryptconfig.write_buffer_size, 3);
    let sftp: Filesystem = parse(FS_SFTP);
    assert_eq!(sftp.sftpconfig.fingerprints, vec!["SHA256:abc"]);
    assert_eq!(sftp.sftpconfig.equality_check_mode, 1);
    let http: Filesystem = parse(FS_HTTP);
    assert_eq!(http.httpconfig.api_key, Secret::plain("k"));
}

#[test]
fn s3_filesystem_exact_output() {
    let fs: Filesystem = parse(
        r#"{"provider": 1, "s3config": {"bucket": "b", "region": "r", "upload_part_size": 0,
            "force_path_style": false, "access_secret": {}}}"#,
    );
    assert_eq!(
        serde_json::to_value(&fs).unwrap(),
        json!({"provider": 1, "osconfig": {}, "s3config": {"bucket": "b", "region": "r"}, "gcsconfig": {},
               "azblobconfig": {}, "cryptconfig": {}, "sftpconfig": {}, "httpconfig": {}})
    );
}

#[test]
fn folder_group_admin_round_trip() {
    let folder: Folder = parse(FOLDER);
    assert_eq!(folder.users, vec!["alice", "bob"]);
    assert_eq!(folder.filesystem.sftpconfig.private_key.additional_data, "folder_archive");
    assert_eq!(folder.encryption_additional_data(), "folder_archive");
    assert_stable(&folder);

    let group: Group = parse(GROUP);
    assert_eq!(group.user_settings.expires_in, 30);
    assert_eq!(group.user_settings.filters.denied_protocols, vec!["FTP"]);
    assert_eq!(group.virtual_folders[0].virtual_path, "/team");
    assert_eq!(group.encryption_additional_data(), "group_staff");
    assert_stable(&group);

    let admin: Admin = parse(ADMIN);
    assert!(admin.filters.require_two_factor);
    assert_eq!(admin.filters.preferences.hide_user_page_sections, 3);
    assert_eq!(admin.groups[0].options.add_to_users_as, AddToUsersAs::Primary);
    assert_eq!(admin.groups[1].options.add_to_users_as, AddToUsersAs::Membership);
    assert!(admin.has_permission("view_users"));
    assert!(!admin.is_super_admin());
    assert_stable(&admin);
}

#[test]
fn admin_exact_output() {
    let admin: Admin = parse(
        r#"{"username": "a", "status": 1, "permissions": ["*"],
        "groups": [{"name": "g", "options": {"add_to_users_as": 0}}]}"#,
    );
    assert_eq!(
        serde_json::to_value(&admin).unwrap(),
        json!({"id": 0, "status": 1, "username": "a", "permissions": ["*"],
               "filters": {"require_two_factor": false, "totp_config": {}, "preferences": {}},
               "groups": [{"name": "g", "options": {}}],
               "created_at": 0, "updated_at": 0, "last_login": 0})
    );
}

#[test]
fn api_key_share_role_ip_exact_output() {
    let key: ApiKey = parse(API_KEY);
    assert_eq!(key.scope, ApiKeyScope::User);
    assert_eq!(
        serde_json::to_value(&key).unwrap(),
        json!({"id": "JQq4DF1UsRDHZk6MWbpVBg", "name": "ci", "key": "$2a$10$abcdefghijklmnopqrstuv",
               "scope": 2, "created_at": 1721557800000i64, "updated_at": 1721557800000i64,
               "last_use_at": 1721557900000i64, "description": "CI pipeline", "user": "alice"})
    );

    let share: Share = parse(SHARE);
    let v = serde_json::to_value(&share).unwrap();
    // `password` has no omitempty in SFTPGo; `last_use_at` has.
    assert_eq!(v["password"], json!(""));
    assert!(v.get("last_use_at").is_none());
    assert_eq!(v["scope"], json!(1));
    assert_stable(&share);

    let role: Role = parse(ROLE);
    assert_eq!(role.admins, vec!["admin"]);
    assert_stable(&role);

    let ip: IpListEntry = parse(IP_ENTRY);
    assert_eq!((ip.list_type, ip.mode, ip.protocols), (IpListType::Defender, IpListMode::Deny, 3));
    assert_eq!(
        serde_json::to_value(&ip).unwrap(),
        json!({"ipornet": "203.0.113.0/24", "description": "bad net", "type": 2, "mode": 2, "protocols": 3,
               "created_at": 1721557800000i64, "updated_at": 1721557800000i64})
    );
}

#[test]
fn events_round_trip() {
    let action: EventAction = parse(ACTION_HTTP);
    assert_eq!(action.action_type, ActionType::Http);
    assert_eq!(action.options.http_config.headers[0].key, "Content-Type");
    assert_eq!(action.rules, vec!["on-upload"]);
    assert_stable(&action);

    let fs_action: EventAction = parse(ACTION_FS);
    assert_eq!(fs_action.options.fs_config.action_type, event::FS_ACTION_RENAME);
    assert!(fs_action.options.fs_config.renames[0].update_modtime);
    assert_stable(&fs_action);

    let rule: EventRule = parse(RULE);
    assert_eq!(rule.trigger, Trigger::FsEvent);
    assert_eq!(rule.actions[0].action_type, Some(ActionType::Http));
    assert!(rule.actions[0].relation_options.execute_sync);
    assert_eq!(rule.actions[1].action_type, None);
    assert_eq!(rule.conditions.options.event_statuses, vec![1, 3]);
    assert_stable(&rule);
    // A reference without details is written in SFTPGo's minimal form.
    let v = serde_json::to_value(&rule.actions[1]).unwrap();
    assert_eq!(
        v,
        json!({"name": "archive-upload", "order": 2,
               "relation_options": {"is_failure_action": false, "stop_on_failure": false, "execute_sync": false}})
    );

    let schedule: EventRule = parse(RULE_SCHEDULE);
    assert_eq!(schedule.conditions.schedules[0].hour, "2");
    assert_stable(&schedule);
}

#[test]
fn configs_round_trip() {
    let c: Configs = parse(CONFIGS);
    let branding = c.branding.as_ref().unwrap();
    assert!(branding.web_admin.logo.is_empty());
    assert_eq!(branding.web_admin.favicon.len(), 33);
    assert!(branding.web_admin.favicon.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert_eq!(c.smtp.as_ref().unwrap().port, 587);
    assert_eq!(c.acme.as_ref().unwrap().protocols, 3);
    assert_stable(&c);
    let v = serde_json::to_value(&c).unwrap();
    assert_eq!(v["branding"]["WebAdmin"]["logo"], Value::Null);
    assert_eq!(v["branding"]["WebAdmin"]["favicon"], json!("iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9h"));
    assert_eq!(serde_json::to_value(Configs::default()).unwrap(), json!({}));
}

#[test]
fn invalid_base64_in_branding_names_the_field() {
    let err = from_slice::<Configs>(br#"{"branding": {"WebClient": {"logo": "***"}}}"#, MAX).unwrap_err();
    assert_eq!(err.path(), Some("branding.WebClient.logo"));
}
