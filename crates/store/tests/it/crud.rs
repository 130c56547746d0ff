//! Typed CRUD of every object kind through the [`Store`], and referential integrity, on every engine.

use serde_json::Value;
use wharf_model::{
    Admin, ApiKey, Configs, EventAction, EventRule, Folder, Group, GroupType, IpListEntry, Kind, Object, Role, Share,
    User,
};
use wharf_store::backend::ListQuery;
use wharf_store::stored::Stored;
use wharf_store::{Store, StoreError};

use crate::build;
use crate::support::{ALL, Engine, new_store};

/// The JSON form of an object without the fields the server sets.
fn comparable<T: serde::Serialize>(obj: &T, server_fields: &[&str]) -> Value {
    let mut v = serde_json::to_value(obj).unwrap();
    let map = v.as_object_mut().unwrap();
    for f in server_fields {
        map.remove(*f);
    }
    v
}

fn field<T: serde::Serialize>(obj: &T, name: &str) -> Value {
    serde_json::to_value(obj).unwrap().get(name).cloned().unwrap_or(Value::Null)
}

fn with_field<T: serde::Serialize + serde::de::DeserializeOwned>(obj: &T, name: &str, value: Value) -> T {
    let mut v = serde_json::to_value(obj).unwrap();
    if v.get(name).is_some() {
        v[name] = value;
    }
    serde_json::from_value(v).unwrap()
}

fn keys<T: Object>(items: &[T]) -> Vec<String> {
    items.iter().map(Object::key).collect()
}

/// Runs the CRUD cycle on four objects of one kind (given in any order, distinct keys).
async fn crud_cycle<T>(engine: Engine, store: &Store, objs: [T; 4], server_fields: &[&str], change: impl Fn(&mut T))
where
    T: Stored + PartialEq,
{
    let ctx = format!("{engine:?} {}", T::KIND);
    let has_id = !matches!(T::KIND, Kind::IpListEntry | Kind::Configs);
    let has_created = field(&objs[0], "created_at") != Value::Null;
    let first = objs[0].clone();
    let key = first.key();

    // add → get gives what was added.
    let added = store.add(first.clone()).await.unwrap_or_else(|e| panic!("{ctx}: add: {e}"));
    assert_eq!(added.key(), key, "{ctx}");
    let got: T = store.get(&key).await.unwrap();
    assert_eq!(got, added, "{ctx}: get returns what add returned");
    assert_eq!(comparable(&got, server_fields), comparable(&first, server_fields), "{ctx}: stored as given");
    if has_id {
        assert!(got.id() > 0, "{ctx}: an id is assigned");
    }
    if has_created {
        assert!(field(&got, "created_at").as_i64().unwrap() > 0, "{ctx}: created_at is set");
        assert!(field(&got, "updated_at").as_i64().unwrap() > 0, "{ctx}: updated_at is set");
    }
    assert!(store.find::<T>("no-such-object").await.unwrap().is_none(), "{ctx}");
    match store.get::<T>("no-such-object").await.unwrap_err() {
        StoreError::NotFound { kind, name } => assert_eq!((kind, name.as_str()), (T::KIND, "no-such-object")),
        other => panic!("{ctx}: {other}"),
    }

    // Duplicate add.
    match store.add(first.clone()).await.unwrap_err() {
        StoreError::AlreadyExists { kind, name } => assert_eq!((kind, name), (T::KIND, key.clone()), "{ctx}"),
        other => panic!("{ctx}: duplicate add: {other}"),
    }

    // Update: the change is saved, the creation time and the id are kept whatever the input says.
    let mut changed = with_field(&got, "created_at", Value::from(1));
    changed.set_id(999);
    change(&mut changed);
    let updated = store.update(changed.clone()).await.unwrap_or_else(|e| panic!("{ctx}: update: {e}"));
    let after: T = store.get(&key).await.unwrap();
    assert_eq!(after, updated, "{ctx}: get returns what update returned");
    assert_ne!(comparable(&after, server_fields), comparable(&got, server_fields), "{ctx}: the change is saved");
    let mut expected = changed.clone();
    expected.set_id(got.id());
    assert_eq!(comparable(&after, server_fields), comparable(&expected, server_fields), "{ctx}");
    assert_eq!(after.id(), got.id(), "{ctx}: update keeps the id");
    if has_created {
        assert_eq!(field(&after, "created_at"), field(&got, "created_at"), "{ctx}: update keeps created_at");
        assert!(
            field(&after, "updated_at").as_i64() >= field(&got, "updated_at").as_i64(),
            "{ctx}: updated_at moves forward"
        );
    }

    // Update of a missing object.
    let missing = objs[3].clone();
    match store.update(missing.clone()).await.unwrap_err() {
        StoreError::NotFound { kind, name } => assert_eq!((kind, name), (T::KIND, missing.key()), "{ctx}"),
        other => panic!("{ctx}: update of a missing object: {other}"),
    }
    assert!(store.find::<T>(&missing.key()).await.unwrap().is_none(), "{ctx}: update does not create");

    // Listing order and paging.
    for o in &objs[1..] {
        store.add(o.clone()).await.unwrap_or_else(|e| panic!("{ctx}: add: {e}"));
    }
    let mut sorted = keys(&objs);
    sorted.sort();
    let all: Vec<T> = store.list(ListQuery::default()).await.unwrap();
    assert_eq!(keys(&all), sorted, "{ctx}: list is ordered by key");
    assert_eq!(all.iter().find(|o| o.key() == key), Some(&after), "{ctx}: list returns full objects");
    let page: Vec<T> = store.list(ListQuery { limit: Some(2), offset: 1, descending: false }).await.unwrap();
    assert_eq!(keys(&page), sorted[1..3], "{ctx}: page");
    let page: Vec<T> = store.list(ListQuery { limit: Some(3), offset: 0, descending: true }).await.unwrap();
    let desc: Vec<String> = sorted.iter().rev().take(3).cloned().collect();
    assert_eq!(keys(&page), desc, "{ctx}: descending page");
    let page: Vec<T> = store.list(ListQuery { limit: Some(10), offset: 4, descending: false }).await.unwrap();
    assert!(page.is_empty(), "{ctx}: past the end");
    if has_id {
        let mut ids: Vec<i64> = all.iter().map(Object::id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 4, "{ctx}: distinct ids");
    }

    // Delete.
    store.delete::<T>(&key).await.unwrap_or_else(|e| panic!("{ctx}: delete: {e}"));
    assert!(store.find::<T>(&key).await.unwrap().is_none(), "{ctx}: deleted");
    match store.delete::<T>(&key).await.unwrap_err() {
        StoreError::NotFound { kind, name } => assert_eq!((kind, name), (T::KIND, key.clone()), "{ctx}"),
        other => panic!("{ctx}: second delete: {other}"),
    }
    assert_eq!(store.list::<T>(ListQuery::default()).await.unwrap().len(), 3, "{ctx}");
    // The key can be used again.
    store.add(first).await.unwrap_or_else(|e| panic!("{ctx}: add after delete: {e}"));
}

#[tokio::test]
async fn crud_of_every_kind() {
    for engine in ALL {
        let (_db, store) = new_store(engine).await;
        crud_cycle(
            engine,
            &store,
            [build::user("mallory"), build::user("alice"), build::user("zed"), build::user("bob")],
            &["id", "created_at", "updated_at", "password", "last_password_change"],
            |u: &mut User| {
                u.description = "changed".into();
                u.max_sessions = 7;
                u.password.clear();
            },
        )
        .await;
        crud_cycle(
            engine,
            &store,
            [build::folder("m"), build::folder("a"), build::folder("z"), build::folder("b")],
            &["id"],
            |f: &mut Folder| f.mapped_path = "/elsewhere".into(),
        )
        .await;
        crud_cycle(
            engine,
            &store,
            [build::group("m"), build::group("a"), build::group("z"), build::group("b")],
            &["id", "created_at", "updated_at"],
            |g: &mut Group| g.user_settings.quota_files = 10,
        )
        .await;
        crud_cycle(
            engine,
            &store,
            [build::admin("m"), build::admin("a"), build::admin("z"), build::admin("b")],
            &["id", "created_at", "updated_at", "password"],
            |a: &mut Admin| {
                a.permissions = vec!["add_users".into()];
                a.password.clear();
            },
        )
        .await;
        // Owners for API keys and shares.
        store.add(build::user("owner")).await.unwrap();
        store.add(build::admin("boss")).await.unwrap();
        crud_cycle(
            engine,
            &store,
            [
                build::api_key("kM", "owner"),
                build::api_key("kA", "owner"),
                build::admin_api_key("kZ", "boss"),
                build::api_key("kB", ""),
            ],
            &["created_at", "updated_at", "key"],
            |k: &mut ApiKey| {
                k.name = "renamed".into();
                k.key.clear();
            },
        )
        .await;
        crud_cycle(
            engine,
            &store,
            [
                build::share("sM", "owner"),
                build::share("sA", "owner"),
                build::share("sZ", "owner"),
                build::share("sB", "owner"),
            ],
            &["created_at", "updated_at"],
            |s: &mut Share| s.paths = vec!["/other".into()],
        )
        .await;
        crud_cycle(
            engine,
            &store,
            [build::role("m"), build::role("a"), build::role("z"), build::role("b")],
            &["id", "created_at", "updated_at"],
            |r: &mut Role| r.description = "changed".into(),
        )
        .await;
        crud_cycle(
            engine,
            &store,
            [
                build::ip_entry("192.0.2.0/24"),
                build::ip_entry("10.0.0.1/32"),
                build::ip_entry("2001:db8::/32"),
                build::ip_entry("172.16.0.0/12"),
            ],
            &["created_at", "updated_at"],
            |e: &mut IpListEntry| e.protocols = 3,
        )
        .await;
        crud_cycle(
            engine,
            &store,
            [build::action("m"), build::action("a"), build::action("z"), build::action("b")],
            &["id"],
            |a: &mut EventAction| a.description = "changed".into(),
        )
        .await;
        crud_cycle(
            engine,
            &store,
            [build::rule("m", &["a"]), build::rule("a", &["a"]), build::rule("z", &["b"]), build::rule("b", &["b"])],
            &["id", "created_at", "updated_at"],
            |r: &mut EventRule| r.status = 0,
        )
        .await;

        // Configs: a singleton under a fixed key.
        let cfg = store.add(build::configs()).await.unwrap();
        assert!(cfg.updated_at > 0, "{engine:?}");
        let got: Configs = store.get(wharf_model::CONFIGS_KEY).await.unwrap();
        assert_eq!(got, cfg, "{engine:?}");
        assert!(matches!(store.add(build::configs()).await, Err(StoreError::AlreadyExists { .. })), "{engine:?}");
        let mut changed = got.clone();
        changed.acme = Some(wharf_model::configs::AcmeConfigs {
            domain: "example.com".into(),
            email: "admin@example.com".into(),
            http01_challenge: wharf_model::configs::AcmeHttp01Challenge { port: 80 },
            protocols: 1,
        });
        store.update(changed).await.unwrap();
        let got: Configs = store.get(wharf_model::CONFIGS_KEY).await.unwrap();
        assert_eq!(got.acme.unwrap().domain, "example.com", "{engine:?}");
        store.delete::<Configs>(wharf_model::CONFIGS_KEY).await.unwrap();
        assert!(store.find::<Configs>(wharf_model::CONFIGS_KEY).await.unwrap().is_none(), "{engine:?}");
        store.backend().close().await;
    }
}

#[tokio::test]
async fn validation_errors_name_the_object_and_field_and_store_nothing() {
    for engine in ALL {
        let (_db, store) = new_store(engine).await;
        let mut bad = build::user("carol");
        bad.home_dir = "relative/home".into();
        let err = store.add(bad).await.unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{engine:?}: {err}");
        let msg = err.to_string();
        assert!(msg.contains("carol") && msg.contains("home_dir"), "{engine:?}: {msg}");
        assert!(store.find::<User>("carol").await.unwrap().is_none(), "{engine:?}");

        // An invalid update leaves the stored object alone.
        let good = store.add(build::user("carol")).await.unwrap();
        let mut bad = good.clone();
        bad.permissions.clear();
        let err = store.update(bad).await.unwrap_err();
        assert!(err.to_string().contains("permissions"), "{engine:?}: {err}");
        assert_eq!(store.get::<User>("carol").await.unwrap(), good, "{engine:?}");
        store.backend().close().await;
    }
}

#[tokio::test]
async fn server_managed_user_fields_survive_updates() {
    for engine in ALL {
        let (_db, store) = new_store(engine).await;
        let added = store.add(build::user("dave")).await.unwrap();
        assert!(added.password.starts_with("$2a$"), "{engine:?}");
        assert!(added.last_password_change > 0, "{engine:?}: a new password records its change time");
        store.update_user_quota("dave", 100, 2, false).await.unwrap();
        store.update_transfer_quota("dave", 10, 20, false).await.unwrap();

        // The client cannot set usage fields or counters through an update.
        let mut input = store.get::<User>("dave").await.unwrap();
        input.password.clear();
        input.used_quota_size = 5;
        input.used_quota_files = 5;
        input.used_upload_data_transfer = 5;
        input.last_login = 123;
        input.first_upload = 123;
        input.description = "after".into();
        let updated = store.update(input).await.unwrap();
        let got = store.get::<User>("dave").await.unwrap();
        assert_eq!(got, updated, "{engine:?}");
        assert_eq!(got.password, added.password, "{engine:?}: an empty password keeps the stored hash");
        assert_eq!(got.last_password_change, added.last_password_change, "{engine:?}");
        assert_eq!((got.used_quota_size, got.used_quota_files), (100, 2), "{engine:?}");
        assert_eq!((got.used_upload_data_transfer, got.used_download_data_transfer), (10, 20), "{engine:?}");
        assert_eq!((got.last_login, got.first_upload), (0, 0), "{engine:?}: usage times are server-managed");
        assert_eq!(got.description, "after", "{engine:?}");

        // A new plain password is hashed and moves last_password_change.
        let mut input = got.clone();
        input.password = "another".into();
        input.last_password_change = 1;
        let updated = store.update(input).await.unwrap();
        assert!(updated.password.starts_with("$2a$") && updated.password != added.password, "{engine:?}");
        assert!(updated.last_password_change >= added.last_password_change, "{engine:?}");

        // Add ignores usage fields from the client too.
        let mut fresh = build::user("erin");
        fresh.last_login = 77;
        fresh.first_download = 77;
        fresh.used_quota_size = 77;
        let added = store.add(fresh).await.unwrap();
        assert_eq!((added.last_login, added.first_download, added.used_quota_size), (0, 0, 0), "{engine:?}");
        let got = store.get::<User>("erin").await.unwrap();
        assert_eq!((got.last_login, got.first_download, got.used_quota_size), (0, 0, 0), "{engine:?}");
        store.backend().close().await;
    }
}

#[tokio::test]
async fn references_must_exist() {
    for engine in ALL {
        let (_db, store) = new_store(engine).await;
        store.add(build::folder("f1")).await.unwrap();
        store.add(build::group("g1")).await.unwrap();
        store.add(build::role("r1")).await.unwrap();

        for (u, missing_kind, missing) in [
            (build::user_with("u", &["f1", "nofolder"], &[], ""), Kind::Folder, "nofolder"),
            (build::user_with("u", &["f1"], &[("nogroup", GroupType::Secondary)], ""), Kind::Group, "nogroup"),
            (build::user_with("u", &[], &[], "norole"), Kind::Role, "norole"),
        ] {
            let err = store.add(u.clone()).await.unwrap_err();
            let msg = err.to_string();
            assert!(
                msg.contains(missing) && msg.contains(missing_kind.display_name()),
                "{engine:?}: the error names the missing {missing_kind}: {msg}"
            );
            assert!(store.find::<User>("u").await.unwrap().is_none(), "{engine:?}");
        }
        let ok = build::user_with("u", &["f1"], &[("g1", GroupType::Primary)], "r1");
        store.add(ok.clone()).await.unwrap();
        // The same check on update.
        let mut bad = ok.clone();
        bad.virtual_folders.push(wharf_model::VirtualFolder::new("ghost", "/ghost"));
        let err = store.update(bad).await.unwrap_err();
        assert!(err.to_string().contains("ghost"), "{engine:?}: {err}");
        assert_eq!(store.get::<User>("u").await.unwrap().virtual_folders.len(), 1, "{engine:?}");

        let err = store.add(build::group_with_folders("g2", &["ghost"])).await.unwrap_err();
        assert!(err.to_string().contains("ghost"), "{engine:?}: {err}");
        let err = store.add(build::share("s1", "nobody")).await.unwrap_err();
        assert!(err.to_string().contains("nobody"), "{engine:?}: {err}");
        let err = store.add(build::api_key("k1", "nobody")).await.unwrap_err();
        assert!(err.to_string().contains("nobody"), "{engine:?}: {err}");
        let err = store.add(build::rule("r", &["noaction"])).await.unwrap_err();
        assert!(err.to_string().contains("noaction"), "{engine:?}: {err}");
        let mut a = build::admin("adm");
        a.groups = vec![wharf_model::AdminGroupMapping { name: "nogroup".into(), ..Default::default() }];
        let err = store.add(a).await.unwrap_err();
        assert!(err.to_string().contains("nogroup"), "{engine:?}: {err}");

        // Mappings are filled in from the folder objects on read.
        let u = store.user("u").await.unwrap();
        assert_eq!(u.virtual_folders[0].mapped_path, "/srv/folders/f1", "{engine:?}");
        assert!(u.virtual_folders[0].id > 0, "{engine:?}");
        store.backend().close().await;
    }
}

#[tokio::test]
async fn deletions_cascade_detach_or_refuse() {
    for engine in ALL {
        let (_db, store) = new_store(engine).await;
        for f in ["f1", "f2"] {
            store.add(build::folder(f)).await.unwrap();
        }
        store.add(build::group_with_folders("g1", &["f1", "f2"])).await.unwrap();
        store.add(build::group("g2")).await.unwrap();
        store.add(build::role("r1")).await.unwrap();
        store.add(build::user_with("u1", &["f1", "f2"], &[("g1", GroupType::Primary)], "r1")).await.unwrap();
        store.add(build::user_with("u2", &["f1"], &[], "r1")).await.unwrap();
        let mut adm = build::admin("adm");
        adm.permissions = vec!["add_users".into()];
        adm.role = "r1".into();
        adm.groups = vec![wharf_model::AdminGroupMapping { name: "g2".into(), ..Default::default() }];
        store.add(adm).await.unwrap();
        store.add(build::share("s1", "u1")).await.unwrap();
        store.add(build::share("s2", "u2")).await.unwrap();
        store.add(build::api_key("k1", "u1")).await.unwrap();
        store.add(build::admin_api_key("k2", "adm")).await.unwrap();
        store.add(build::action("a1")).await.unwrap();
        store.add(build::action("a2")).await.unwrap();
        store.add(build::rule("rule1", &["a1"])).await.unwrap();

        // A folder leaves the users and groups that mount it.
        store.delete::<Folder>("f1").await.unwrap();
        let u1 = store.get::<User>("u1").await.unwrap();
        assert_eq!(u1.virtual_folders.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), ["f2"], "{engine:?}");
        assert!(store.get::<User>("u2").await.unwrap().virtual_folders.is_empty(), "{engine:?}");
        let g1 = store.get::<Group>("g1").await.unwrap();
        assert_eq!(g1.virtual_folders.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), ["f2"], "{engine:?}");
        assert!(store.referrers(Kind::User, Kind::Folder, "f1").await.unwrap().is_empty(), "{engine:?}");
        assert_eq!(store.referrers(Kind::User, Kind::Folder, "f2").await.unwrap(), ["u1"], "{engine:?}");
        // The folder name is free again, and not silently re-attached.
        store.add(build::folder("f1")).await.unwrap();
        assert!(store.get::<User>("u2").await.unwrap().virtual_folders.is_empty(), "{engine:?}");

        // A group used by a user cannot be deleted; the error names the user.
        let err = store.delete::<Group>("g1").await.unwrap_err();
        assert!(matches!(err, StoreError::Referenced { .. }), "{engine:?}: {err}");
        assert!(err.to_string().contains("u1"), "{engine:?}: {err}");
        assert!(store.find::<Group>("g1").await.unwrap().is_some(), "{engine:?}");
        // A group used only by an admin is detached from it.
        store.delete::<Group>("g2").await.unwrap();
        assert!(store.get::<Admin>("adm").await.unwrap().groups.is_empty(), "{engine:?}");

        // A role leaves its users and admins.
        store.delete::<Role>("r1").await.unwrap();
        assert_eq!(store.get::<User>("u1").await.unwrap().role, "", "{engine:?}");
        assert_eq!(store.get::<User>("u2").await.unwrap().role, "", "{engine:?}");
        assert_eq!(store.get::<Admin>("adm").await.unwrap().role, "", "{engine:?}");
        assert!(store.referrers(Kind::User, Kind::Role, "r1").await.unwrap().is_empty(), "{engine:?}");

        // A user takes its shares and API keys along.
        store.update_user_quota("u1", 10, 1, false).await.unwrap();
        store.delete::<User>("u1").await.unwrap();
        assert!(store.find::<Share>("s1").await.unwrap().is_none(), "{engine:?}");
        assert!(store.find::<ApiKey>("k1").await.unwrap().is_none(), "{engine:?}");
        assert!(store.find::<Share>("s2").await.unwrap().is_some(), "{engine:?}: other users' shares stay");
        // Then the group is free.
        store.delete::<Group>("g1").await.unwrap();
        // A re-created user starts with fresh counters.
        store.add(build::user("u1")).await.unwrap();
        assert_eq!(store.get::<User>("u1").await.unwrap().used_quota_size, 0, "{engine:?}");

        // An admin takes its API keys along.
        store.delete::<Admin>("adm").await.unwrap();
        assert!(store.find::<ApiKey>("k2").await.unwrap().is_none(), "{engine:?}");

        // An action used by a rule cannot be deleted; an unused one can.
        let err = store.delete::<EventAction>("a1").await.unwrap_err();
        assert!(matches!(err, StoreError::Referenced { .. }), "{engine:?}: {err}");
        assert!(err.to_string().contains("rule1"), "{engine:?}: {err}");
        store.delete::<EventAction>("a2").await.unwrap();
        store.delete::<EventRule>("rule1").await.unwrap();
        store.delete::<EventAction>("a1").await.unwrap();

        let counts = store.counts().await.unwrap();
        assert_eq!(counts[&Kind::User], 2, "{engine:?}");
        assert_eq!(counts[&Kind::Share], 1, "{engine:?}");
        assert_eq!(counts[&Kind::ApiKey], 0, "{engine:?}");
        store.backend().close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_references_and_deletions_never_dangle() {
    for engine in [Engine::Memory, Engine::Sqlite, Engine::Postgres, Engine::MySql] {
        let (_db, store) = new_store(engine).await;
        for i in 0..15 {
            let (f, u) = (format!("f{i}"), format!("u{i}"));
            store.add(build::folder(&f)).await.unwrap();
            let adder = {
                let (store, f, u) = (store.clone(), f.clone(), u.clone());
                tokio::spawn(async move { store.add(build::user_with(&u, &[&f], &[], "")).await })
            };
            let deleter = {
                let (store, f) = (store.clone(), f.clone());
                tokio::spawn(async move { store.delete::<Folder>(&f).await })
            };
            let (added, deleted) = (adder.await.unwrap(), deleter.await.unwrap());
            assert!(deleted.is_ok(), "{engine:?}: the deletion detaches or retries: {deleted:?}");
            let folder_exists = store.find::<Folder>(&f).await.unwrap().is_some();
            assert!(!folder_exists, "{engine:?}");
            if let Some(user) = store.find::<User>(&u).await.unwrap() {
                assert!(added.is_ok(), "{engine:?}");
                assert!(user.virtual_folders.is_empty(), "{engine:?}: {u} points to the deleted {f}");
            }
            assert!(store.referrers(Kind::User, Kind::Folder, &f).await.unwrap().is_empty(), "{engine:?}");
        }
        store.backend().close().await;
    }
}

#[tokio::test]
async fn effective_user_applies_group_settings() {
    for engine in [Engine::Memory, Engine::Sqlite] {
        let (_db, store) = new_store(engine).await;
        store.add(build::folder("gf")).await.unwrap();
        let mut primary = build::group_with_folders("prim", &["gf"]);
        primary.user_settings.quota_files = 5;
        primary.user_settings.home_dir = "/srv/groups/%username%".into();
        store.add(primary).await.unwrap();
        store.add(build::group("member")).await.unwrap();
        let mut u =
            build::user_with("eve", &[], &[("prim", GroupType::Primary), ("member", GroupType::Membership)], "");
        u.quota_files = 0;
        store.add(u).await.unwrap();
        let stored = store.user("eve").await.unwrap();
        assert_eq!(stored.quota_files, 0, "{engine:?}: the stored user is unchanged");
        let eff = store.effective_user("eve").await.unwrap();
        assert_eq!(eff.quota_files, 5, "{engine:?}: numeric limits come from the primary group");
        assert!(eff.virtual_folders.iter().any(|f| f.name == "gf" && !f.mapped_path.is_empty()), "{engine:?}");
        assert!(store.effective_user("nobody").await.is_err());
    }
}
