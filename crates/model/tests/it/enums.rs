//! Integer enums: known values map to variants, unknown ones are errors naming the field.

use wharf_model::json::{JsonError, from_slice};
use wharf_model::*;

fn err<T: serde::de::DeserializeOwned + std::fmt::Debug>(text: &str) -> JsonError {
    from_slice::<T>(text.as_bytes(), 1 << 20).unwrap_err()
}

#[test]
fn unknown_fs_provider() {
    let e = err::<User>(r#"{"username": "a", "filesystem": {"provider": 7}}"#);
    assert_eq!(
        e.to_string(),
        "invalid value at filesystem.provider: invalid filesystem provider 7, accepted values: 0, 1, 2, 3, 4, 5, 6"
    );
    assert_eq!(e.path(), Some("filesystem.provider"));
}

#[test]
fn unknown_group_type() {
    let e = err::<User>(r#"{"username": "a", "groups": [{"name": "g", "type": 1}, {"name": "h", "type": 0}]}"#);
    assert_eq!(e.path(), Some("groups[1].type"));
    assert!(e.to_string().ends_with("invalid group type 0, accepted values: 1, 2, 3"), "{e}");
}

#[test]
fn unknown_scopes_types_and_modes() {
    let e = err::<ApiKey>(r#"{"id": "k", "name": "n", "scope": 3}"#);
    assert!(e.to_string().contains("invalid API key scope 3, accepted values: 1, 2"), "{e}");
    let e = err::<Share>(r#"{"id": "s", "name": "n", "scope": 4}"#);
    assert!(e.to_string().contains("invalid share scope 4, accepted values: 1, 2, 3"), "{e}");
    let e = err::<IpListEntry>(r#"{"ipornet": "192.0.2.1", "type": 4, "mode": 1}"#);
    assert!(e.to_string().contains("invalid IP list type 4"), "{e}");
    let e = err::<IpListEntry>(r#"{"ipornet": "192.0.2.1", "type": 2, "mode": 3}"#);
    assert!(e.to_string().contains("invalid IP list mode 3, accepted values: 1, 2"), "{e}");
    // 10 is reserved and not an action type.
    let e = err::<EventAction>(r#"{"name": "a", "type": 10}"#);
    assert!(e.to_string().contains("invalid event action type 10"), "{e}");
    let e = err::<EventRule>(r#"{"name": "r", "trigger": 8}"#);
    assert!(e.to_string().contains("invalid event rule trigger 8"), "{e}");
    let e = err::<Admin>(r#"{"username": "a", "groups": [{"name": "g", "options": {"add_to_users_as": 5}}]}"#);
    assert_eq!(e.path(), Some("groups[0].options.add_to_users_as"));
    let e = err::<User>(r#"{"username": "a", "filters": {"file_patterns": [{"path": "/", "deny_policy": 2}]}}"#);
    assert_eq!(e.path(), Some("filters.file_patterns[0].deny_policy"));
}

#[test]
fn enums_reject_non_integers() {
    let e = err::<User>(r#"{"username": "a", "filesystem": {"provider": "1"}}"#);
    assert_eq!(e.path(), Some("filesystem.provider"));
    let e = err::<User>(r#"{"username": "a", "filesystem": {"provider": 1.5}}"#);
    assert_eq!(e.path(), Some("filesystem.provider"));
}

#[test]
fn required_enums_must_be_present() {
    let e = err::<ApiKey>(r#"{"id": "k", "name": "n"}"#);
    assert!(e.to_string().contains("missing field `scope`"), "{e}");
    // null is treated as absent, as Go leaves the zero value (which is not a valid scope).
    let e = err::<ApiKey>(r#"{"id": "k", "name": "n", "scope": null}"#);
    assert!(e.to_string().contains("missing field `scope`"), "{e}");
}

#[test]
fn every_value_round_trips() {
    for p in FsProvider::ALL {
        assert_eq!(FsProvider::try_from(p.as_i64()), Ok(*p));
        assert_eq!(serde_json::to_string(p).unwrap(), p.as_i64().to_string());
    }
    let values: Vec<i64> = ActionType::ALL.iter().map(|t| t.as_i64()).collect();
    assert_eq!(values, vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15]);
    let values: Vec<i64> = Trigger::ALL.iter().map(|t| t.as_i64()).collect();
    assert_eq!(values, vec![1, 2, 3, 4, 5, 6, 7]);
}
