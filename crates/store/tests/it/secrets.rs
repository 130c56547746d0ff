//! Secrets inside objects: encrypted on save, bound to their owner, kept when redacted on update.

use wharf_model::{EventAction, Folder, FsProvider, Group, Secret, SecretStatus, User};
use wharf_store::StoreError;

use crate::build;
use crate::support::{ALL, Engine, TestDb, fast_settings, kms_with_master_key, new_store};

fn s3_user(name: &str, secret: Secret) -> User {
    let mut u = build::user(name);
    u.filesystem.provider = FsProvider::S3;
    u.filesystem.s3config.bucket = "bucket".into();
    u.filesystem.s3config.region = "eu-west-1".into();
    u.filesystem.s3config.access_key = "AKIAEXAMPLE".into();
    u.filesystem.s3config.access_secret = secret;
    u
}

#[tokio::test]
async fn plain_secrets_are_stored_encrypted_and_bound_to_their_owner() {
    for engine in ALL {
        let (_db, store) = new_store(engine).await;
        let added = store.add(s3_user("alice", Secret::plain("s3 secret key"))).await.unwrap();
        let stored = store.get::<User>("alice").await.unwrap();
        assert_eq!(stored, added, "{engine:?}");
        let secret = &stored.filesystem.s3config.access_secret;
        assert_eq!(secret.status, SecretStatus::Secretbox, "{engine:?}");
        assert_eq!(secret.additional_data, "alice", "{engine:?}");
        assert_eq!(secret.mode, 0, "{engine:?}: no master key configured");
        assert_eq!(secret.key.len(), 64, "{engine:?}: a 32-byte hex key");
        assert!(!secret.payload.contains("s3 secret key"), "{engine:?}");
        assert_eq!(store.kms().decrypt(secret).unwrap(), "s3 secret key", "{engine:?}");

        // Redacted on update: the stored secret stays exactly as it was.
        let mut input = stored.clone();
        input.filesystem.s3config.access_secret = secret.redacted();
        input.description = "updated".into();
        store.update(input).await.unwrap();
        let after = store.get::<User>("alice").await.unwrap();
        assert_eq!(after.filesystem.s3config.access_secret, *secret, "{engine:?}");
        assert_eq!(after.description, "updated", "{engine:?}");

        // A new plain value on update is encrypted afresh.
        let mut input = after.clone();
        input.filesystem.s3config.access_secret = Secret::plain("rotated");
        store.update(input).await.unwrap();
        let after = store.get::<User>("alice").await.unwrap();
        let rotated = &after.filesystem.s3config.access_secret;
        assert_eq!(rotated.status, SecretStatus::Secretbox, "{engine:?}");
        assert_eq!(store.kms().decrypt(rotated).unwrap(), "rotated", "{engine:?}");

        // Redacted on add is refused, naming the field, and nothing is stored.
        let err = store.add(s3_user("bob", Secret { status: SecretStatus::Redacted, ..Secret::default() })).await;
        let err = err.unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{engine:?}: {err}");
        let msg = err.to_string();
        assert!(msg.contains("bob") && msg.contains("access_secret"), "{engine:?}: {msg}");
        assert!(store.find::<User>("bob").await.unwrap().is_none(), "{engine:?}");

        // Already encrypted values are kept as they are (e.g. copied from another server).
        let copied = store.add(s3_user("carol", rotated.clone())).await.unwrap();
        assert_eq!(copied.filesystem.s3config.access_secret, *rotated, "{engine:?}");
        store.backend().close().await;
    }
}

#[tokio::test]
async fn folders_groups_and_actions_use_their_own_additional_data() {
    for engine in [Engine::Memory, Engine::Sqlite, Engine::MySql] {
        let (_db, store) = new_store(engine).await;
        let mut f = build::folder("shared");
        f.filesystem.provider = FsProvider::Crypt;
        f.filesystem.cryptconfig.passphrase = Secret::plain("folder pass");
        store.add(f).await.unwrap();
        let f = store.get::<Folder>("shared").await.unwrap();
        let s = &f.filesystem.cryptconfig.passphrase;
        assert_eq!((s.status, s.additional_data.as_str()), (SecretStatus::Secretbox, "folder_shared"), "{engine:?}");
        assert_eq!(store.kms().decrypt(s).unwrap(), "folder pass", "{engine:?}");

        let mut g = build::group("team");
        g.user_settings.filesystem.provider = FsProvider::Sftp;
        g.user_settings.filesystem.sftpconfig.endpoint = "sftp.example.com:22".into();
        g.user_settings.filesystem.sftpconfig.username = "remote".into();
        g.user_settings.filesystem.sftpconfig.password = Secret::plain("sftp pass");
        store.add(g).await.unwrap();
        let g = store.get::<Group>("team").await.unwrap();
        let s = &g.user_settings.filesystem.sftpconfig.password;
        assert_eq!(s.additional_data, "group_team", "{engine:?}");
        assert_eq!(store.kms().decrypt(s).unwrap(), "sftp pass", "{engine:?}");

        let mut a = EventAction::new("notify", wharf_model::ActionType::Http);
        a.options.http_config.endpoint = "https://hooks.example.com/x".into();
        a.options.http_config.timeout = 10;
        a.options.http_config.method = "POST".into();
        a.options.http_config.username = "hook".into();
        a.options.http_config.password = Secret::plain("hook pass");
        store.add(a).await.unwrap();
        let a = store.get::<EventAction>("notify").await.unwrap();
        let s = &a.options.http_config.password;
        assert_eq!(s.additional_data, "notify", "{engine:?}");
        assert_eq!(store.kms().decrypt(s).unwrap(), "hook pass", "{engine:?}");
        let mut input = a.clone();
        input.options.http_config.password = s.redacted();
        store.update(input).await.unwrap();
        assert_eq!(store.get::<EventAction>("notify").await.unwrap(), a, "{engine:?}");
        store.backend().close().await;
    }
}

#[tokio::test]
async fn a_master_key_gives_mode_1_secrets() {
    let db = TestDb::new(Engine::Sqlite).await;
    let store = db.store_with(kms_with_master_key("a master key from config"), fast_settings()).await;
    store.add(s3_user("alice", Secret::plain("with master key"))).await.unwrap();
    let secret = store.get::<User>("alice").await.unwrap().filesystem.s3config.access_secret;
    assert_eq!((secret.status, secret.mode), (SecretStatus::Secretbox, 1));
    assert_eq!(store.kms().decrypt(&secret).unwrap(), "with master key");
    // Without the master key the secret cannot be read back.
    assert!(crate::support::default_kms().decrypt(&secret).is_err());
    assert!(kms_with_master_key("another key").decrypt(&secret).is_err());
    store.backend().close().await;
}
