//! Dumps in SFTPGo's format: a rich fixture written in SFTPGo's shape (hashes of many formats,
//! Secretbox and AES-256-GCM secrets made by an independent implementation, see
//! `crates/secrets/tests/vectors`) loads on every engine, round-trips, and a dump with one bad
//! object changes nothing.

use serde_json::{Value, json};
use wharf_model::dump::MAX_DUMP_SIZE;
use wharf_model::{
    Admin, ApiKey, BackupData, Configs, EventAction, EventRule, Folder, GroupType, IpListEntry, Kind, Role,
    SecretStatus, Share, User,
};
use wharf_secrets::kms::KmsError;
use wharf_store::{LoadMode, LoadOptions, Store, StoreError};

use crate::support::{ALL, Engine, TestDb, default_kms, fast_settings, kms_with_master_key, new_store};

const FIXTURE: &str = include_str!("fixtures/sftpgo_dump.json");
const MASTER_KEY: &str = "a master key from config";

fn fixture_value() -> Value {
    serde_json::from_str(FIXTURE).unwrap()
}

fn parse(v: &Value) -> BackupData {
    BackupData::from_json(&serde_json::to_vec(v).unwrap(), MAX_DUMP_SIZE).unwrap()
}

fn fixture() -> BackupData {
    BackupData::from_json(FIXTURE.as_bytes(), MAX_DUMP_SIZE).unwrap()
}

fn as_json(d: &BackupData) -> Value {
    serde_json::from_slice(&d.to_json(false)).unwrap()
}

async fn snapshot(store: &Store) -> Value {
    as_json(&store.dump().await.unwrap())
}

fn mode(mode: LoadMode) -> LoadOptions {
    LoadOptions { mode, ..LoadOptions::default() }
}

const TOTAL: usize = 5 + 2 + 3 + 2 + 2 + 2 + 3 + 2 + 1 + 3 + 1;

async fn check_fixture_content(engine: Engine, store: &Store) {
    let counts = store.counts().await.unwrap();
    let expected = [
        (Kind::User, 5),
        (Kind::Group, 2),
        (Kind::Folder, 3),
        (Kind::Admin, 2),
        (Kind::ApiKey, 2),
        (Kind::Share, 2),
        (Kind::EventAction, 3),
        (Kind::EventRule, 2),
        (Kind::Role, 1),
        (Kind::IpListEntry, 3),
        (Kind::Configs, 1),
    ];
    for (kind, n) in expected {
        assert_eq!(counts[&kind], n, "{engine:?} {kind}");
    }

    let alice = store.user("alice").await.unwrap();
    assert_eq!(alice.password, "$pbkdf2-sha256$150000$E86a9YMX3zC7$R5J62hsSq+pYw00hLLPKBbcGXmq7fj5+/M0IFoYtZbo=");
    assert_eq!((alice.used_quota_size, alice.used_quota_files, alice.last_quota_update), (2048, 5, 1700000500000));
    assert_eq!((alice.used_upload_data_transfer, alice.used_download_data_transfer), (4096, 8192), "{engine:?}");
    assert_eq!((alice.created_at, alice.updated_at), (1700000000000, 1700000100000), "{engine:?}: dump times kept");
    assert_eq!(
        (alice.last_login, alice.first_upload, alice.last_password_change),
        (1700000200000, 1700000300000, 1700000000000)
    );
    assert_eq!(alice.role, "ops", "{engine:?}");
    assert_eq!(alice.groups.len(), 2, "{engine:?}");
    assert_eq!((alice.groups[0].name.as_str(), alice.groups[0].group_type), ("devs", GroupType::Primary));
    assert_eq!((alice.groups[1].name.as_str(), alice.groups[1].group_type), ("readers", GroupType::Secondary));
    assert_eq!(alice.public_keys.len(), 1, "{engine:?}");
    assert_eq!(alice.filters.file_patterns[0].denied_patterns, ["*.exe"], "{engine:?}");
    let shared = alice.virtual_folders.iter().find(|m| m.name == "shared").unwrap();
    assert_eq!((shared.quota_size, shared.quota_files), (-1, -1), "{engine:?}: included in the user quota");
    assert_eq!(shared.mapped_path, "/srv/shared", "{engine:?}: filled in from the folder");
    assert_eq!(shared.filesystem.provider, wharf_model::FsProvider::Crypt, "{engine:?}");
    let archive = alice.virtual_folders.iter().find(|m| m.name == "archive").unwrap();
    assert_eq!((archive.quota_size, archive.quota_files, archive.used_quota_size), (1048576, 100, 4096));
    let secret = &alice.filesystem.s3config.access_secret;
    assert_eq!((secret.status, secret.additional_data.as_str(), secret.mode), (SecretStatus::Secretbox, "alice", 0));

    let bob = store.get::<User>("bob").await.unwrap();
    assert_eq!(bob.groups[0].group_type, GroupType::Membership, "{engine:?}");
    assert_eq!(bob.filesystem.azblobconfig.account_key.status, SecretStatus::Aes256Gcm, "{engine:?}");
    assert_eq!(store.get::<User>("carol").await.unwrap().status, 0, "{engine:?}");

    let archive = store.get::<Folder>("archive").await.unwrap();
    assert_eq!((archive.used_quota_size, archive.used_quota_files), (4096, 3), "{engine:?}");
    let devs = store.group("devs").await.unwrap();
    assert_eq!(devs.user_settings.home_dir, "/srv/devs/%username%", "{engine:?}");
    assert_eq!(devs.virtual_folders[0].mapped_path, "/srv/unlimited", "{engine:?}");
    let ops_admin = store.get::<Admin>("ops-admin").await.unwrap();
    assert_eq!((ops_admin.role.as_str(), ops_admin.groups[0].name.as_str()), ("ops", "devs"), "{engine:?}");
    let key = store.get::<ApiKey>("2cHGcnaRqxkfk1BpgA6DCU").await.unwrap();
    assert_eq!((key.user.as_str(), key.last_use_at), ("alice", 1700000700000), "{engine:?}");
    assert!(key.key.starts_with("$2a$14$"), "{engine:?}: the key hash is kept verbatim");
    let share = store.get::<Share>("BqRcs2Kk3nVdC6Ak1dUWxz").await.unwrap();
    assert_eq!((share.used_tokens, share.expires_at), (4, 1600000000000), "{engine:?}: expired shares restore");
    assert_eq!(share.paths, ["/docs/q1", "/docs/q2"], "{engine:?}");
    let notify = store.get::<EventAction>("notify").await.unwrap();
    assert_eq!(notify.options.http_config.body, r#"{"user": "{{.Name}}", "path": "{{.VirtualPath}}"}"#);
    let rule = store.get::<EventRule>("nightly").await.unwrap();
    assert_eq!(rule.actions.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["backup", "quota-reset"]);
    assert_eq!(store.get::<Role>("ops").await.unwrap().description, "operations", "{engine:?}");
    let defender = store.get::<IpListEntry>("2/203.0.113.7/32").await.unwrap();
    assert_eq!(defender.mode, wharf_model::IpListMode::Deny, "{engine:?}");
    let configs = store.get::<Configs>(wharf_model::CONFIGS_KEY).await.unwrap();
    assert_eq!(configs.smtp.as_ref().unwrap().host, "smtp.example.com", "{engine:?}");
}

/// The Secretbox (modes 0 and 1) and AES-256-GCM secrets written by SFTPGo-compatible code decrypt
/// with the right configuration.
async fn check_fixture_secrets(store: &Store) {
    let plain = default_kms();
    let master = kms_with_master_key(MASTER_KEY);
    let alice = store.get::<User>("alice").await.unwrap();
    assert_eq!(plain.decrypt(&alice.filesystem.s3config.access_secret).unwrap(), "my secret access key");
    let bob = store.get::<User>("bob").await.unwrap();
    assert_eq!(plain.decrypt(&bob.filesystem.azblobconfig.account_key).unwrap(), "legacy secret");
    let dave = store.get::<User>("dave").await.unwrap();
    assert_eq!(plain.decrypt(&dave.filesystem.sftpconfig.password).unwrap(), "no additional data");
    let shared = store.get::<Folder>("shared").await.unwrap();
    let passphrase = &shared.filesystem.cryptconfig.passphrase;
    assert_eq!(passphrase.mode, 1);
    assert_eq!(plain.decrypt(passphrase), Err(KmsError::MasterKeyRequired));
    assert!(kms_with_master_key("not the master key").decrypt(passphrase).is_err());
    assert_eq!(master.decrypt(passphrase).unwrap(), "pässwörd 🔐");
    let notify = store.get::<EventAction>("notify").await.unwrap();
    assert_eq!(master.decrypt(&notify.options.http_config.password).unwrap(), "my secret access key");
    let configs = store.get::<Configs>(wharf_model::CONFIGS_KEY).await.unwrap();
    assert_eq!(master.decrypt(&configs.smtp.unwrap().password).unwrap(), "legacy, no additional data");
}

#[tokio::test]
async fn an_sftpgo_dump_loads_and_round_trips_on_every_engine() {
    let mut first_dump: Option<Value> = None;
    for engine in ALL {
        let (_db, store) = new_store(engine).await;
        let report = store.load(fixture(), &LoadOptions::default()).await.unwrap();
        assert_eq!(report.added.values().sum::<usize>(), TOTAL, "{engine:?}: {report:?}");
        assert!(report.updated.is_empty() && report.skipped.is_empty(), "{engine:?}");
        check_fixture_content(engine, &store).await;
        check_fixture_secrets(&store).await;

        // Every engine writes the same dump.
        let dump = snapshot(&store).await;
        assert_eq!(dump["version"], 17, "{engine:?}");
        match &first_dump {
            None => first_dump = Some(dump.clone()),
            Some(first) => assert_eq!(&dump, first, "{engine:?}: the dump differs from the memory engine's"),
        }

        // Round trip: the dump loads into a fresh store, which dumps the same again.
        let (_db2, fresh) = new_store(engine).await;
        fresh.load(parse(&dump), &LoadOptions::default()).await.unwrap();
        assert_eq!(snapshot(&fresh).await, dump, "{engine:?}: round trip");
        fresh.backend().close().await;

        // Mode 1 again, twice: everything exists, nothing changes.
        for _ in 0..2 {
            let report = store.load(fixture(), &mode(LoadMode::AddOnly)).await.unwrap();
            assert!(report.added.is_empty() && report.updated.is_empty(), "{engine:?}: {report:?}");
            assert_eq!(report.skipped.values().sum::<usize>(), TOTAL, "{engine:?}");
            assert_eq!(snapshot(&store).await, dump, "{engine:?}: mode 1 changed something");
        }
        store.backend().close().await;
    }

    // The dump looks like SFTPGo's: the top-level keys, ids and mapped folder details.
    let dump = first_dump.unwrap();
    let keys: Vec<&str> = dump.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "users",
            "groups",
            "folders",
            "admins",
            "api_keys",
            "shares",
            "event_actions",
            "event_rules",
            "roles",
            "ip_lists",
            "configs",
            "version"
        ]
    );
    assert_eq!(dump["users"][0]["username"], "alice");
    assert_eq!(dump["users"][0]["id"], 1);
    assert_eq!(dump["users"][0]["virtual_folders"][1]["mapped_path"], "/srv/shared");
    assert_eq!(dump["users"][0]["filesystem"]["s3config"]["access_secret"]["additional_data"], "alice");
    assert!(dump["api_keys"][0].get("db_id").is_none());
}

#[tokio::test]
async fn a_dump_loads_into_a_store_with_a_master_key_and_logins_work() {
    let db = TestDb::new(Engine::Sqlite).await;
    let store = db.store_with(kms_with_master_key(MASTER_KEY), fast_settings()).await;
    store.load(fixture(), &LoadOptions::default()).await.unwrap();
    check_fixture_secrets(&store).await;
    let passphrase = store.get::<Folder>("shared").await.unwrap().filesystem.cryptconfig.passphrase;
    assert_eq!(store.kms().decrypt(&passphrase).unwrap(), "pässwörd 🔐");
    // The password hashes from the dump work, and are converted after the first login.
    assert!(store.authenticate_user("bob", "password").await.unwrap().is_some());
    assert!(store.get::<User>("bob").await.unwrap().password.starts_with("$2a$"));
    assert!(store.authenticate_user("alice", "password").await.unwrap().is_some());
    assert!(store.authenticate_user("carol", "secret").await.unwrap().is_some());
    assert!(store.authenticate_user("dave", "wrong").await.unwrap().is_none());
    store.backend().close().await;
}

#[tokio::test]
async fn mode_0_updates_existing_objects_and_mode_2_reports_users() {
    for engine in ALL {
        let (_db, store) = new_store(engine).await;
        store.load(fixture(), &LoadOptions::default()).await.unwrap();
        store.update_user_quota("alice", 1, 1, false).await.unwrap();

        let mut v = fixture_value();
        v["users"][0]["description"] = json!("changed by mode 0");
        v["users"][0]["used_quota_size"] = json!(1);
        v["users"][0]["created_at"] = json!(1600000000000_i64);
        v["folders"][0]["mapped_path"] = json!("/srv/archive2");
        v["folders"][0]["used_quota_size"] = json!(1);
        v["roles"][0]["description"] = json!("new description");
        let mut frank = v["users"][2].clone();
        frank["username"] = json!("frank");
        v["users"].as_array_mut().unwrap().push(frank);

        let report = store.load(parse(&v), &mode(LoadMode::AddAndUpdate)).await.unwrap();
        assert_eq!(report.added.get(&Kind::User), Some(&1), "{engine:?}: {report:?}");
        assert_eq!(report.updated.get(&Kind::User), Some(&5), "{engine:?}");
        assert_eq!(report.updated.values().sum::<usize>(), TOTAL, "{engine:?}");
        assert!(report.updated_users.contains(&"alice".to_owned()), "{engine:?}");

        let alice = store.get::<User>("alice").await.unwrap();
        assert_eq!(alice.description, "changed by mode 0", "{engine:?}");
        assert_eq!(alice.created_at, 1600000000000, "{engine:?}: the dump is authoritative");
        assert_eq!(alice.used_quota_size, 2049, "{engine:?}: counters of existing users are kept");
        let archive = store.get::<Folder>("archive").await.unwrap();
        assert_eq!(archive.mapped_path, "/srv/archive2", "{engine:?}");
        assert_eq!(archive.used_quota_size, 4096, "{engine:?}");
        assert_eq!(store.get::<Role>("ops").await.unwrap().description, "new description", "{engine:?}");
        assert!(store.find::<User>("frank").await.unwrap().is_some(), "{engine:?}");
        check_fixture_secrets(&store).await;

        let report = store.load(parse(&v), &mode(LoadMode::AddUpdateDisconnect)).await.unwrap();
        assert_eq!(report.updated_users.len(), 6, "{engine:?}: {report:?}");
        store.backend().close().await;
    }
}

/// The fixture with one more user.
fn with_user(user: Value) -> Value {
    let mut v = fixture_value();
    v["users"].as_array_mut().unwrap().push(user);
    v
}

fn extra_user(name: &str) -> Value {
    let mut u = fixture_value()["users"][2].clone();
    u["username"] = json!(name);
    u
}

#[tokio::test]
async fn a_dump_with_one_bad_object_changes_nothing() {
    let mut bad_home = extra_user("mallory");
    bad_home["home_dir"] = json!("relative/home");
    let mut bad_ref = extra_user("mallory");
    bad_ref["virtual_folders"] =
        json!([{"name": "nofolder", "virtual_path": "/x", "quota_size": -1, "quota_files": -1}]);
    let mut duplicate = with_user(extra_user("mallory"));
    duplicate["users"].as_array_mut().unwrap().push(extra_user("mallory"));
    let mut bad_rule = fixture_value();
    bad_rule["event_rules"][1]["actions"][0]["name"] = json!("noaction");
    let mut bad_update = fixture_value();
    bad_update["users"][0]["permissions"] = json!({"/": ["fly"]});
    let mut empty_key = fixture_value();
    empty_key["api_keys"][1]["key"] = json!("");
    let mut bad_group_type = fixture_value();
    bad_group_type["users"][1]["groups"] = json!([{"name": "nogroup", "type": 2}]);

    let cases: Vec<(&str, Value, LoadMode, &[&str])> = vec![
        ("bad home dir", with_user(bad_home), LoadMode::AddOnly, &["mallory", "home_dir"]),
        ("missing folder", with_user(bad_ref), LoadMode::AddOnly, &["mallory", "nofolder"]),
        ("duplicate user", duplicate, LoadMode::AddOnly, &["mallory", "twice"]),
        ("missing action", bad_rule, LoadMode::AddAndUpdate, &["on-upload", "noaction"]),
        ("bad update", bad_update, LoadMode::AddAndUpdate, &["alice", "permission"]),
        ("empty API key", empty_key, LoadMode::AddOnly, &["9pXwQ4a0RkNdzAdmin0001"]),
        ("missing group", bad_group_type, LoadMode::AddAndUpdate, &["bob", "nogroup"]),
    ];

    for engine in ALL {
        let (_db, store) = new_store(engine).await;
        // On an empty store: nothing at all is added.
        for (what, v, m, words) in &cases {
            let err = store.load(parse(v), &mode(*m)).await.unwrap_err();
            assert!(matches!(err, StoreError::Dump(_)), "{engine:?} {what}: {err}");
            let msg = err.to_string();
            for w in *words {
                assert!(msg.contains(w), "{engine:?} {what}: the error must mention {w:?}: {msg}");
            }
            let counts = store.counts().await.unwrap();
            assert_eq!(counts.values().sum::<usize>(), 0, "{engine:?} {what}: {counts:?}");
        }
        // On a loaded store: nothing changes, in either mode.
        store.load(fixture(), &LoadOptions::default()).await.unwrap();
        store.update_user_quota("alice", 5, 1, false).await.unwrap();
        let before = snapshot(&store).await;
        for (what, v, _, words) in &cases {
            for m in [LoadMode::AddOnly, LoadMode::AddAndUpdate] {
                if let Err(err) = store.load(parse(v), &mode(m)).await {
                    let msg = err.to_string();
                    assert!(words.iter().any(|w| msg.contains(w)), "{engine:?} {what}: {msg}");
                }
                assert_eq!(snapshot(&store).await, before, "{engine:?} {what} {m:?}: the store changed");
            }
        }
        store.backend().close().await;
    }
}

#[test]
fn unreadable_dumps_are_refused_with_clear_errors() {
    let mut v = fixture_value();
    v["version"] = json!(99);
    let err = BackupData::from_json(&serde_json::to_vec(&v).unwrap(), MAX_DUMP_SIZE).unwrap_err();
    assert!(err.to_string().contains("99"), "{err}");
    v.as_object_mut().unwrap().remove("version");
    let err = BackupData::from_json(&serde_json::to_vec(&v).unwrap(), MAX_DUMP_SIZE).unwrap_err();
    assert!(err.to_string().contains("version"), "{err}");
    let err = BackupData::from_json(&FIXTURE.as_bytes()[..FIXTURE.len() / 2], MAX_DUMP_SIZE).unwrap_err();
    assert!(err.to_string().contains("invalid dump"), "{err}");
    let mut v = fixture_value();
    v["users"][0]["groups"][0]["type"] = json!(9);
    let err = BackupData::from_json(&serde_json::to_vec(&v).unwrap(), MAX_DUMP_SIZE).unwrap_err();
    assert!(err.to_string().contains("users[0]"), "the error names the object's path: {err}");
    // Larger than the restore limit, even if valid JSON.
    let mut big = FIXTURE.as_bytes().to_vec();
    big.extend(std::iter::repeat_n(b' ', wharf_store::dump::MAX_DUMP_FILE_SIZE));
    let err = BackupData::from_json(&big, wharf_store::dump::MAX_DUMP_FILE_SIZE).unwrap_err();
    assert!(err.to_string().contains("large") || err.to_string().contains("size"), "{err}");
}

#[tokio::test]
async fn version_16_dumps_get_their_placeholders_upgraded() {
    let mut v = fixture_value();
    v["version"] = json!(16);
    v["event_actions"][1]["options"]["http_config"]["body"] = json!("{{Name}} uploaded {{VirtualPath}}");
    v["event_actions"][1]["options"]["http_config"]["headers"][0]["value"] = json!("{{Event}}");
    let (_db, store) = new_store(Engine::Sqlite).await;
    store.load(parse(&v), &LoadOptions::default()).await.unwrap();
    let notify = store.get::<EventAction>("notify").await.unwrap();
    assert_eq!(notify.options.http_config.body, "{{.Name}} uploaded {{.VirtualPath}}");
    assert_eq!(notify.options.http_config.headers[0].value, "{{.Event}}");
    // A current dump is taken as written.
    let mut v = fixture_value();
    v["event_actions"][1]["options"]["http_config"]["body"] = json!("{{Name}} kept");
    let (_db2, store2) = new_store(Engine::Memory).await;
    store2.load(parse(&v), &LoadOptions::default()).await.unwrap();
    assert_eq!(store2.get::<EventAction>("notify").await.unwrap().options.http_config.body, "{{Name}} kept");
    store.backend().close().await;
}

#[tokio::test]
async fn restores_follow_naming_rules_and_skip_share_expiry() {
    let db = TestDb::new(Engine::Sqlite).await;
    let mut settings = fast_settings();
    settings.validation.now_ms = Some(wharf_store::now_ms());
    let store = db.store_with(default_kms(), settings).await;
    // A share that expired is refused through the API path but restored from a dump.
    store.load(fixture(), &LoadOptions::default()).await.unwrap();
    let mut share = store.get::<Share>("BqRcs2Kk3nVdC6Ak1dUWxz").await.unwrap();
    share.id = "another".into();
    let err = store.add(share).await.unwrap_err();
    assert!(err.to_string().contains("expires_at"), "{err}");

    // Names are normalised (SFTPGo trims spaces by default) before existing objects are matched.
    let mut v = fixture_value();
    v["users"][1]["username"] = json!("  bob ");
    v["users"][1]["description"] = json!("trimmed");
    let report = store.load(parse(&v), &mode(LoadMode::AddOnly)).await.unwrap();
    assert!(report.added.is_empty(), "{report:?}");
    store.load(parse(&v), &mode(LoadMode::AddAndUpdate)).await.unwrap();
    assert_eq!(store.get::<User>("bob").await.unwrap().description, "trimmed");
    assert!(store.find::<User>("  bob ").await.unwrap().is_none());
    // Two names that normalise to the same key are duplicates.
    let mut v = fixture_value();
    let mut twin = v["users"][1].clone();
    twin["username"] = json!("bob ");
    v["users"].as_array_mut().unwrap().push(twin);
    let err = store.load(parse(&v), &mode(LoadMode::AddAndUpdate)).await.unwrap_err();
    assert!(err.to_string().contains("\"bob\" appears twice"), "{err}");
    store.backend().close().await;
}
