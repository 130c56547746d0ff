//! Redaction and output-only fields.

use serde_json::json;
use wharf_model::json::from_slice;
use wharf_model::*;

use crate::fixtures::*;

fn parse<T: serde::de::DeserializeOwned>(text: &str) -> T {
    from_slice(text.as_bytes(), 1 << 20).unwrap()
}

#[test]
fn user_redaction() {
    let mut u: User = parse(&with_keys(USER_S3));
    u.has_password = false;
    u.redact();
    assert!(u.has_password);
    assert!(u.password.is_empty());
    let v = serde_json::to_value(&u).unwrap();
    assert!(v.get("password").is_none());
    assert_eq!(v["filesystem"]["s3config"]["access_secret"], json!({"status": "Redacted"}));
    assert_eq!(v["filters"]["totp_config"]["secret"], json!({"status": "Redacted"}));
    assert_eq!(v["filters"]["recovery_codes"][0]["secret"], json!({"status": "Redacted"}));
    assert!(!v.to_string().contains("c2VjcmV0"));
}

#[test]
fn clear_output_only_fields() {
    let mut u: User = parse(&with_keys(USER_S3));
    u.clear_output_only();
    assert!(!u.has_password);
    assert_eq!(u.virtual_folders[0].id, 0);
    assert!(u.virtual_folders[0].mapped_path.is_empty());

    let mut f: Folder = parse(FOLDER);
    f.clear_output_only();
    assert!(f.users.is_empty() && f.groups.is_empty());

    let mut r: EventRule = parse(RULE);
    r.clear_output_only();
    assert!(r.actions.iter().all(|a| a.action_type.is_none() && a.options.is_none() && a.id == 0));

    let mut folder: Folder = parse(FOLDER);
    folder.id = 3;
    let mut mapping = VirtualFolder::new("archive", "/arch");
    mapping.expand(&folder);
    assert_eq!((mapping.id, mapping.filesystem.provider), (3, FsProvider::Sftp));
}

#[test]
fn other_objects_redaction() {
    let mut a: Admin = parse(ADMIN);
    a.redact();
    assert!(a.password.is_empty());
    assert!(a.filters.totp_config.secret.is_redacted());
    let mut k: ApiKey = parse(API_KEY);
    k.redact();
    assert!(serde_json::to_value(&k).unwrap().get("key").is_none());
    let mut s: Share = parse(SHARE);
    s.redact();
    assert_eq!(s.password, "", "no password stays empty");
    s.password = "$2a$10$x".into();
    s.redact();
    assert_eq!(s.password, "[**redacted**]");
    let mut action: EventAction = parse(ACTION_HTTP);
    action.redact();
    assert!(action.options.http_config.password.is_redacted());
    let mut folder: Folder = parse(FOLDER);
    folder.redact();
    assert!(folder.filesystem.sftpconfig.private_key.is_redacted());
    let mut c: Configs = parse(CONFIGS);
    c.redact();
    assert!(c.smtp.as_ref().unwrap().password.is_redacted());
    assert!(c.smtp.as_ref().unwrap().oauth2.client_secret.is_unset(), "empty secrets stay empty");
}

#[test]
fn backup_redaction_covers_every_kind() {
    let mut dump = BackupData::from_json(dump_v17().as_bytes(), dump::MAX_DUMP_SIZE).unwrap();
    dump.redact();
    let text = String::from_utf8(dump.to_json(false)).unwrap();
    for secret in ["c2VjcmV0", "$2a$10$N9qo8", "$argon2id$", "$2a$10$abcdefghijklmnopqrstuv", "cGs=", "cHc="] {
        assert!(!text.contains(secret), "{secret} leaked");
    }
}
