//! Password hashing on save and checks at login, with re-hashing to the configured algorithm
//! (SFTPGo's TestHashedPasswords), for users, admins, API keys and shares.

use wharf_model::{Admin, ApiKey, Share, User};
use wharf_secrets::password::HashAlgo;
use wharf_store::Settings;

use crate::build;
use crate::support::{Engine, TestDb, default_kms, fast_settings, new_store};

/// Stored hashes in the formats SFTPGo accepts for users, with their passwords (SFTPGo's own
/// vectors from its hashed-password tests). The slow ones (bcrypt cost 14, PBKDF2 with 150,000
/// iterations, argon2id with 64 MiB) are only checked on one engine.
const FAST_VECTORS: &[(&str, &str)] = &[
    ("password", "$1$b5caebda$VODr/nyhGWgZaY8sJ4x05."),
    ("password", "$apr1$OBWLeSme$WoJbB736e7kKxMBIAqilb1"),
    ("password", "$5$h4Aalt0fJdGX8sgv$Rd2ew0fvgzUN.DzAVlKa9QL4q/DZWo4SsKpB9.3AyZ/"),
    (
        "secret",
        "$6$459ead56b72e44bc$uog86fUxscjt28BZxqFBE2pp2QD8P/1e98MNF75Z9xJfQvOckZnQ/1YJqiq1XeytPuDieHZvDAMoP7352ELkO1",
    ),
    ("password", "{MD5}5f4dcc3b5aa765d61d8327deb882cf99"),
    ("password", "{SHA256}5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"),
    (
        "password",
        "{SHA512}b109f3bbbc244eb82441917ed06d618b9008dd09b3befd1b5e07394c706a8bb980b1d7785e5976ec049b46df5f1326af5a2ea6d103fd07c95385ffab0cacbc86",
    ),
];

const SLOW_VECTORS: &[(&str, &str)] = &[
    ("password", "$argon2id$v=19$m=65536,t=3,p=2$xtcO/oRkC8O2Tn+mryl2mw$O7bn24f2kuSGRMi9s5Cm61Wqd810px1jDsAasrGWkzQ"),
    ("password", "$pbkdf2-sha1$150000$DveVjgYUD05R$X6ydQZdyMeOvpgND2nqGR/0GGic="),
    ("password", "$pbkdf2-sha256$150000$E86a9YMX3zC7$R5J62hsSq+pYw00hLLPKBbcGXmq7fj5+/M0IFoYtZbo="),
    (
        "password",
        "$pbkdf2-sha512$150000$dsu7T5R3IaVQ$1hFXPO1ntRBcoWkSLKw+s4sAP09Xtu4Ya7CyxFq64jM9zdUg8eRJVr3NcR2vQgb0W9HHvZaILHsL4Q/Vr6arCg==",
    ),
    ("secret", "$2a$14$ajq8Q7fbtFRQvXpdCq7Jcuy.Rx1h/L4J60Otx.gyNLbAYctGMJ9tK"),
];

async fn check_vectors(engine: Engine, vectors: &[(&str, &str)]) {
    let (_db, store) = new_store(engine).await;
    for (i, (plain, hash)) in vectors.iter().enumerate() {
        let name = format!("hashed{i}");
        let mut u = build::user(&name);
        u.password = (*hash).to_owned();
        let added = store.add(u).await.unwrap();
        assert_eq!(added.password, *hash, "{engine:?}: a known hash is stored verbatim");
        assert_eq!(store.get::<User>(&name).await.unwrap().password, *hash, "{engine:?}");
        // Sending the stored hash back on update keeps it.
        let mut again = store.get::<User>(&name).await.unwrap();
        again.description = "touched".into();
        store.update(again).await.unwrap();
        assert_eq!(store.get::<User>(&name).await.unwrap().password, *hash, "{engine:?}");

        assert!(store.authenticate_user(&name, &format!("{plain}1")).await.unwrap().is_none(), "{engine:?} {hash}");
        assert!(store.authenticate_user(&name, "").await.unwrap().is_none(), "{engine:?} {hash}");
        assert_eq!(store.get::<User>(&name).await.unwrap().password, *hash, "{engine:?}: no re-hash on failure");

        let logged = store.authenticate_user(&name, plain).await.unwrap();
        let logged = logged.unwrap_or_else(|| panic!("{engine:?}: {hash} must accept {plain:?}"));
        let stored = store.get::<User>(&name).await.unwrap();
        if hash.starts_with("$2a$") {
            assert_eq!(stored.password, *hash, "{engine:?}: already bcrypt, whatever the cost");
        } else {
            assert!(stored.password.starts_with("$2a$04$"), "{engine:?}: re-hashed with bcrypt: {}", stored.password);
        }
        assert_eq!(logged.password, stored.password, "{engine:?}: login returns the fresh user");
        assert_eq!(stored.last_password_change, added.last_password_change, "{engine:?}: not a password change");
        assert!(store.authenticate_user(&name, plain).await.unwrap().is_some(), "{engine:?}: login after re-hash");
        assert!(store.authenticate_user(&name, &format!("{plain}1")).await.unwrap().is_none(), "{engine:?}");
    }
    store.backend().close().await;
}

#[tokio::test]
async fn known_hash_formats_verify_and_are_rehashed_after_login() {
    for engine in [Engine::Memory, Engine::Sqlite] {
        check_vectors(engine, FAST_VECTORS).await;
    }
}

#[tokio::test]
async fn slow_hash_formats_verify_and_are_rehashed_after_login() {
    check_vectors(Engine::Sqlite, SLOW_VECTORS).await;
}

#[tokio::test]
async fn plain_passwords_are_hashed_with_the_configured_algorithm() {
    for engine in [Engine::Memory, Engine::Sqlite, Engine::Postgres] {
        let (_db, store) = new_store(engine).await;
        let u = store.add(build::user("plain")).await.unwrap();
        assert!(u.password.starts_with("$2a$04$"), "{engine:?}: {}", u.password);
        assert!(store.authenticate_user("plain", "pw-plain").await.unwrap().is_some(), "{engine:?}");
        assert!(store.authenticate_user("plain", "pw-plain ").await.unwrap().is_none(), "{engine:?}");
        assert!(store.authenticate_user("nobody", "pw-plain").await.unwrap().is_none(), "{engine:?}");

        // Only `$2a$` counts as bcrypt: a `$2b$` value is a password like any other.
        let mut odd = build::user("odd");
        odd.password = "$2b$04$abcdefghijklmnopqrstuu".into();
        let added = store.add(odd).await.unwrap();
        assert!(added.password.starts_with("$2a$04$"), "{engine:?}");
        assert!(store.authenticate_user("odd", "$2b$04$abcdefghijklmnopqrstuu").await.unwrap().is_some());

        // A user without a password cannot log in with one.
        let mut keys_only = build::user("keysonly");
        keys_only.password.clear();
        store.add(keys_only).await.unwrap();
        assert!(store.authenticate_user("keysonly", "").await.unwrap().is_none(), "{engine:?}");
        assert!(store.authenticate_user("keysonly", "x").await.unwrap().is_none(), "{engine:?}");

        // API keys and share passwords are hashed too, and kept when left empty on update.
        store.add(build::api_key("k1", "plain")).await.unwrap();
        let key = store.get::<ApiKey>("k1").await.unwrap();
        assert!(key.key.starts_with("$2a$"), "{engine:?}: {}", key.key);
        assert!(wharf_secrets::password::verify("secret-k1", &key.key).unwrap(), "{engine:?}");
        let mut share = build::share("s1", "plain");
        share.password = "share pass".into();
        store.add(share).await.unwrap();
        let stored = store.get::<Share>("s1").await.unwrap();
        assert!(stored.password.starts_with("$2a$"), "{engine:?}");
        let mut redacted = stored.clone();
        redacted.password = wharf_model::share::REDACTED_SHARE_PASSWORD.into();
        store.update(redacted).await.unwrap();
        assert_eq!(store.get::<Share>("s1").await.unwrap().password, stored.password, "{engine:?}");
        store.backend().close().await;
    }
}

#[tokio::test]
async fn admins_keep_only_bcrypt_and_argon2id_hashes() {
    let (_db, store) = new_store(Engine::Sqlite).await;
    let bcrypt = wharf_secrets::password::hash("admin", &HashAlgo::Bcrypt { cost: 4 }).unwrap();
    let argon =
        wharf_secrets::password::hash("admin", &HashAlgo::Argon2id { memory_kib: 64, iterations: 1, parallelism: 1 })
            .unwrap();
    for (name, hash) in [("a1", bcrypt.as_str()), ("a2", argon.as_str())] {
        let mut a = build::admin(name);
        a.password = hash.to_owned();
        assert_eq!(store.add(a).await.unwrap().password, hash, "kept verbatim");
        assert!(store.authenticate_admin(name, "admin").await.unwrap().is_some(), "{name}");
        assert!(store.authenticate_admin(name, "admin2").await.unwrap().is_none(), "{name}");
    }
    // The argon2id hash is replaced by the configured bcrypt after the login.
    assert!(store.get::<Admin>("a2").await.unwrap().password.starts_with("$2a$04$"));
    assert_eq!(store.get::<Admin>("a1").await.unwrap().password, bcrypt, "already in the configured format");

    // Any other format is a plain password for an admin.
    let md5crypt = "$1$b5caebda$VODr/nyhGWgZaY8sJ4x05.";
    let mut a = build::admin("a3");
    a.password = md5crypt.to_owned();
    let added = store.add(a).await.unwrap();
    assert!(added.password.starts_with("$2a$04$"), "hashed: {}", added.password);
    assert!(store.authenticate_admin("a3", "password").await.unwrap().is_none());
    assert!(store.authenticate_admin("a3", md5crypt).await.unwrap().is_some());
    assert!(store.authenticate_admin("ghost", "secret").await.unwrap().is_none());
    store.backend().close().await;
}

#[tokio::test]
async fn argon2id_configured_rehashes_bcrypt_and_reset_admin_password() {
    let db = TestDb::new(Engine::Sqlite).await;
    let settings =
        Settings { hashing: HashAlgo::Argon2id { memory_kib: 64, iterations: 1, parallelism: 1 }, ..fast_settings() };
    let store = db.store_with(default_kms(), settings).await;
    let mut u = build::user("u");
    u.password = wharf_secrets::password::hash("pw", &HashAlgo::Bcrypt { cost: 4 }).unwrap();
    store.add(u).await.unwrap();
    assert!(store.authenticate_user("u", "pw").await.unwrap().is_some());
    assert!(store.get::<User>("u").await.unwrap().password.starts_with("$argon2id$"));
    assert!(store.authenticate_user("u", "pw").await.unwrap().is_some());

    // resetpwd creates a super admin when missing…
    assert!(store.has_no_admins().await.unwrap());
    let created = store.reset_admin_password("root", "first").await.unwrap();
    assert!(created.is_super_admin() && created.password.starts_with("$argon2id$"));
    assert!(!store.has_no_admins().await.unwrap());
    // …and otherwise changes the password and drops the second factor.
    let mut with_totp = store.get::<Admin>("root").await.unwrap();
    with_totp.password.clear();
    with_totp.filters.totp_config.enabled = true;
    with_totp.filters.totp_config.config_name = "Default".into();
    with_totp.filters.totp_config.secret = wharf_model::Secret::plain("JBSWY3DPEHPK3PXP");
    store.update(with_totp).await.unwrap();
    let stored = store.get::<Admin>("root").await.unwrap();
    assert!(stored.filters.totp_config.enabled);
    assert!(stored.filters.totp_config.secret.is_encrypted(), "the TOTP secret is stored encrypted");
    let reset = store.reset_admin_password("root", "second").await.unwrap();
    assert!(!reset.filters.totp_config.enabled);
    assert!(store.authenticate_admin("root", "first").await.unwrap().is_none());
    assert!(store.authenticate_admin("root", "second").await.unwrap().is_some());
    assert!(!store.get::<Admin>("root").await.unwrap().filters.totp_config.enabled);
    store.backend().close().await;
}
