//! Reading and writing dumps.

use wharf_model::dump::{BackupData, DUMP_VERSION, DumpError, MAX_DUMP_SIZE};
use wharf_model::json::JsonError;
use wharf_model::*;

use crate::fixtures::*;

#[test]
fn full_dump_v17_parses() {
    let dump = BackupData::from_json(dump_v17().as_bytes(), MAX_DUMP_SIZE).unwrap();
    assert_eq!(dump.version, 17);
    assert_eq!(dump.users[0].username, "alice");
    assert_eq!(dump.groups[0].name, "staff");
    assert_eq!(dump.folders[0].name, "archive");
    assert_eq!(dump.admins[0].username, "admin");
    assert_eq!(dump.api_keys[0].id, "JQq4DF1UsRDHZk6MWbpVBg");
    assert_eq!(dump.shares[0].paths.len(), 2);
    assert_eq!(dump.event_actions.len(), 2);
    assert_eq!(dump.event_rules[0].actions.len(), 2);
    assert_eq!(dump.roles[0].name, "eu");
    assert_eq!(dump.ip_lists[0].ipornet, "203.0.113.0/24");
    assert!(dump.configs.is_some());
    // v17 placeholders are kept as they are.
    assert!(dump.event_actions[0].options.http_config.body.contains("{{.Name}}"));
}

#[test]
fn dump_round_trips() {
    let dump = BackupData::from_json(dump_v17().as_bytes(), MAX_DUMP_SIZE).unwrap();
    for pretty in [false, true] {
        let bytes = dump.to_json(pretty);
        let back = BackupData::from_json(&bytes, MAX_DUMP_SIZE).unwrap();
        assert_eq!(back, dump);
    }
}

#[test]
fn empty_dump_has_every_key_in_go_order() {
    let text = String::from_utf8(BackupData::new().to_json(false)).unwrap();
    assert_eq!(
        text,
        r#"{"users":[],"groups":[],"folders":[],"admins":[],"api_keys":[],"shares":[],"event_actions":[],"event_rules":[],"roles":[],"ip_lists":[],"configs":null,"version":17}"#
    );
    assert_eq!(DUMP_VERSION, 17);
}

#[test]
fn v16_dump_gets_its_placeholders_upgraded() {
    let dump = BackupData::from_json(DUMP_V16.as_bytes(), MAX_DUMP_SIZE).unwrap();
    assert_eq!(dump.version, 16);
    let email = &dump.event_actions[0].options.email_config;
    assert_eq!(email.subject, "{{.Event}} by {{.Name}}");
    assert_eq!(email.body, "Path: {{.VirtualPath}} {{.Status}}");
    assert_eq!(email.attachments, vec!["{{.RetentionReports}}"]);
    // nulls for lists are accepted, older field names too.
    assert!(dump.groups.is_empty() && dump.admins.is_empty());
    assert!(dump.users[0].public_keys.is_empty());
    assert_eq!(dump.users[0].filters.two_factor_protocols, vec!["FTP"]);
}

#[test]
fn v17_dump_placeholders_are_not_touched() {
    let text = DUMP_V16.replace("\"version\": 16", "\"version\": 17");
    let dump = BackupData::from_json(text.as_bytes(), MAX_DUMP_SIZE).unwrap();
    assert_eq!(dump.event_actions[0].options.email_config.subject, "{{Event}} by {{Name}}");
}

#[test]
fn other_versions_are_refused() {
    for v in [15, 18, 0, -1] {
        let text = format!(r#"{{"users": [], "version": {v}}}"#);
        let err = BackupData::from_json(text.as_bytes(), MAX_DUMP_SIZE).unwrap_err();
        assert_eq!(err, DumpError::UnsupportedVersion { version: v });
        assert_eq!(err.to_string(), format!("unsupported dump version {v} (supported versions: 16, 17)"));
    }
    let err = BackupData::from_json(br#"{"users": []}"#, MAX_DUMP_SIZE).unwrap_err();
    assert_eq!(err, DumpError::MissingVersion);
    let err = BackupData::from_json(br#"{"version": "17"}"#, MAX_DUMP_SIZE).unwrap_err();
    assert!(matches!(err, DumpError::Json(JsonError::Invalid { ref path, .. }) if path == "version"), "{err}");
    let err = BackupData::from_json(b"[1]", MAX_DUMP_SIZE).unwrap_err();
    assert_eq!(err, DumpError::NotAnObject);
}

#[test]
fn size_limit() {
    let text = dump_v17();
    let err = BackupData::from_json(text.as_bytes(), 100).unwrap_err();
    assert_eq!(err, DumpError::Json(JsonError::TooLarge { size: text.len(), max: 100 }));
    assert_eq!(MAX_DUMP_SIZE, 20 * 1024 * 1024);
}

#[test]
fn errors_carry_the_path_of_the_field() {
    let text = dump_v17().replace("\"max_sessions\": 2", "\"max_sessions\": \"two\"");
    let err = BackupData::from_json(text.as_bytes(), MAX_DUMP_SIZE).unwrap_err();
    match &err {
        DumpError::Json(JsonError::Invalid { path, message }) => {
            assert_eq!(path, "users[0].max_sessions");
            assert!(message.contains("invalid type: string \"two\""), "{message}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().starts_with("invalid dump: invalid value at users[0].max_sessions: "), "{err}");

    let text = dump_v17().replace("\"provider\": 5, \"sftpconfig\"", "\"provider\": 9, \"sftpconfig\"");
    let err = BackupData::from_json(text.as_bytes(), MAX_DUMP_SIZE).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid dump: invalid value at folders[0].filesystem.provider: invalid filesystem provider 9, accepted values: 0, 1, 2, 3, 4, 5, 6"
    );
}

#[test]
fn malformed_json_reports_line_and_column() {
    let err = BackupData::from_json(b"{\"version\": 17,\n \"users\": [}", MAX_DUMP_SIZE).unwrap_err();
    match err {
        DumpError::Json(JsonError::Syntax { line, .. }) => assert_eq!(line, 2),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn restore_order_covers_every_kind() {
    let order = Kind::RESTORE_ORDER;
    assert_eq!(order.len(), 11);
    let keys: Vec<&str> = order.iter().map(|k| k.dump_key()).collect();
    assert_eq!(
        keys,
        vec![
            "configs",
            "ip_lists",
            "roles",
            "folders",
            "groups",
            "users",
            "admins",
            "api_keys",
            "shares",
            "event_actions",
            "event_rules"
        ]
    );
}
