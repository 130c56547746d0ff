//! The authentication core against a real data provider (memory, and SQLite in a temp dir):
//! passwords and stored hashes, public keys, SSH user certificates, TLS client certificates, the
//! account and client rules, multi-step logins, anonymous users, the login guard and `last_login`.
//! Every login passes its time explicitly; keys are derived from fixed seeds.

use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use ssh_key::certificate::{Builder, CertType};
use ssh_key::private::Ed25519Keypair;
use ssh_key::{Certificate, HashAlg, PrivateKey, PublicKey};
use wharf_core::auth::keys::pem_certificate_der;
use wharf_core::auth::{
    AuthError, AuthSettings, Authenticator, CLIENT_ACCESS_DENIED, CLIENT_AUTH_FAILED, CertAuthorities, Credential,
    LoginGuard, LoginMethod, LoginOutcome, LoginProtocol, LoginRequest, LoginResult,
};
use wharf_model::user::TimePeriod;
use wharf_model::{Group, GroupMapping, GroupType, Secret, User};
use wharf_secrets::kms::{Kms, KmsConfig};
use wharf_secrets::password::HashAlgo;
use wharf_store::backend::memory::MemoryBackend;
use wharf_store::backend::{Backend, BackendResult, CounterDelta, ListQuery, Record, Ref, Write};
use wharf_store::{Driver, ProviderTarget, Settings, Store};

use LoginMethod::{
    KeyAndKeyboardInteractive, KeyAndPassword, KeyboardInteractive, Password, PublicKey as Key, TlsCertificate as Tls,
    TlsCertificateAndPassword,
};
use LoginProtocol::{Dav, Ftp, Http, Ssh};

/// Wednesday 2024-01-10 12:00:00 UTC, the time of every login unless a test says otherwise.
const NOW: i64 = 1_704_888_000_000;
/// [`NOW`] in seconds, for certificate validity windows.
const NOW_S: u64 = 1_704_888_000;
const MINUTE: i64 = 60_000;
const DAY: i64 = 24 * 60 * MINUTE;

/// The client address of every login unless a test says otherwise.
const CLIENT: &str = "192.0.2.10";

/// SFTPGo's md5crypt vector (password `password`).
const MD5CRYPT: &str = "$1$b5caebda$VODr/nyhGWgZaY8sJ4x05.";
/// SFTPGo's PBKDF2-SHA256 vector (password `password`).
const PBKDF2_SHA256: &str = "$pbkdf2-sha256$150000$E86a9YMX3zC7$R5J62hsSq+pYw00hLLPKBbcGXmq7fj5+/M0IFoYtZbo=";

/// Self-signed EC certificate, CN `ec`.
const CERT_EC: &str = "-----BEGIN CERTIFICATE-----\nMIIBcDCCARWgAwIBAgIULoKPePq6rB0E+AONrdIFB1K4P/4wCgYIKoZIzj0EAwIw\nDTELMAkGA1UEAwwCZWMwHhcNMjYxMTIzMTQyODE1WhcNMzYxMTIwMTQyODE1WjAN\nMQswCQYDVQQDDAJlYzBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABFEd0Ui6zmA6\n9OxQt+LMgWI7I0RRPKCIQMHPsmgOmciQWHMfL3sxoNo/QR2ozmeFxW/kOJNIvVzk\nlr56uidaoSijUzBRMB0GA1UdDgQWBBQzZSY5s9kBJ1pW4ZueR8hjFcSKBTAfBgNV\nHSMEGDAWgBQzZSY5s9kBJ1pW4ZueR8hjFcSKBTAPBgNVHRMBAf8EBTADAQH/MAoG\nCCqGSM49BAMCA0kAMEYCIQDo1s54lgbyRCHJPlDhURXcHVLEMew9ctLILP6NO52f\n4wIhAIBI2EpahFbjvvgTsenxID/+zeiA8PhdDqBWoGzjtGj/\n-----END CERTIFICATE-----\n";
/// Self-signed RSA 2048 certificate, CN `client`.
const CERT_RSA2048: &str = "-----BEGIN CERTIFICATE-----\nMIIDAzCCAeugAwIBAgIUd9+PAyIaP5xWUtFty0QNZRyQE4cwDQYJKoZIhvcNAQEL\nBQAwETEPMA0GA1UEAwwGY2xpZW50MB4XDTI2MTEyMzE0MjgxNVoXDTM2MTEyMDE0\nMjgxNVowETEPMA0GA1UEAwwGY2xpZW50MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A\nMIIBCgKCAQEAuknRJnCRwU4whp96yHwBHZ7+iMOo1V2kOCxLQLcmrU5c0IGpES/Q\nrBeTZ5mcJsIUFxa0DiZMqCAn44lhKB1JoF0Bj2eFy4eI9bQM1xAjjAgMlbilXr1r\nxK9McKxTtqWcn54BrZ7AqL9QBX6nbFmvI7tGW9pPH/4gtAWxDMvl8k7+LOainSay\nwvyxi7rp2it1E6L4OUCQ7z1gTxhBPMULmjcVpvGONKsAQ6YyoLZZdmthU+kAezWS\nBubIaSj0joEtiT/MdEWmprfGMiD7A6k9NcSBcHWIXJDCgUifvcXnQY5xOtFaL/WV\nPuWgSq4G3cuv6Y/OKkzlz8tTqjolMM6q1QIDAQABo1MwUTAdBgNVHQ4EFgQUyFhV\nwGUS1BGbnNL8qt38ivkdaWowHwYDVR0jBBgwFoAUyFhVwGUS1BGbnNL8qt38ivkd\naWowDwYDVR0TAQH/BAUwAwEB/zANBgkqhkiG9w0BAQsFAAOCAQEADYhlKtllPfm9\n7gB3Orem+yUj8lpkRIZlVJ5V9F4bQuubeiF5u2aiKsHbOracfFXsLxPCrfE58m+A\n7MpZZQJk6BcptspOeQ9ChfgDi6q+w67eQ5kx02CYuZt3dFdpnYbL6TbfUstqTR2O\nvwXms3No4UEHGjXtLtuhrkfx7M8YYaPf3vuvn7FczDXiNNi/tsRjtHtXMqxmA6Dp\nfzHGzh9EeDXAzB0E1fjSrEjdpVi+uXqGMAPIsOnBaLzQ7YLPj6F7xPU4P0bAeA0n\nu4wV+VkpSwkLGLCTy2JZLZxDtl/dobSmELw6crHnAJDW+Q9SVeXvDb0o88yt7YIP\nRBGutVPMPw==\n-----END CERTIFICATE-----\n";

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// Milliseconds since the epoch of an RFC 3339 time.
fn at(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339).unwrap().timestamp_millis()
}

fn settings() -> Settings {
    Settings { hashing: HashAlgo::Bcrypt { cost: 4 }, ..Settings::default() }
}

fn kms() -> Kms {
    Kms::new(KmsConfig::default()).unwrap()
}

async fn memory_store() -> Store {
    let store = Store::new(Arc::new(MemoryBackend::new()), Driver::Memory, kms(), settings());
    store.init().await.unwrap();
    store
}

/// An enabled user with password `pw-<name>`, every permission and an absolute home.
fn user(name: &str) -> User {
    let mut u = User { username: name.into(), password: format!("pw-{name}"), status: 1, ..User::default() };
    u.home_dir = format!("/srv/wharf/{name}");
    u.permissions.insert("/".into(), vec!["*".into()]);
    u
}

/// An Ed25519 key derived from a fixed seed.
fn key(seed: u8) -> PrivateKey {
    PrivateKey::from(Ed25519Keypair::from_seed(&[seed; 32]))
}

/// The `authorized_keys` line of a key, with a comment.
fn authorized(key: &PrivateKey, comment: &str) -> String {
    format!("{} {comment}", key.public_key().to_openssh().unwrap())
}

/// What goes into a test certificate.
struct CertSpec<'a> {
    cert_type: CertType,
    /// Empty: no principal at all (`all_principals_valid`).
    principals: &'a [&'a str],
    valid_after: u64,
    valid_before: u64,
    critical_options: &'a [(&'a str, &'a str)],
}

impl Default for CertSpec<'_> {
    fn default() -> Self {
        Self {
            cert_type: CertType::User,
            principals: &["alice"],
            valid_after: NOW_S - 3600,
            valid_before: NOW_S + 3600,
            critical_options: &[],
        }
    }
}

/// A certificate for `subject`'s key signed by `ca`.
fn certificate(ca: &PrivateKey, subject: &PrivateKey, spec: CertSpec<'_>) -> Certificate {
    let mut b =
        Builder::new([7u8; 16], subject.public_key().key_data().clone(), spec.valid_after, spec.valid_before).unwrap();
    b.cert_type(spec.cert_type).unwrap();
    if spec.principals.is_empty() {
        b.all_principals_valid().unwrap();
    }
    for p in spec.principals {
        b.valid_principal(*p).unwrap();
    }
    for (name, value) in spec.critical_options {
        b.critical_option(*name, *value).unwrap();
    }
    b.sign(ca).unwrap()
}

/// A login guard that refuses when told to and remembers what it was asked and told.
#[derive(Debug, Default)]
struct RecordingGuard {
    /// Refuse every attempt with this reason.
    block: Option<String>,
    checks: AtomicUsize,
    records: Mutex<Vec<(String, LoginMethod, LoginOutcome)>>,
}

impl RecordingGuard {
    fn blocking(reason: &str) -> Self {
        Self { block: Some(reason.into()), ..Self::default() }
    }

    /// The recorded outcomes, without the address and protocol.
    fn records(&self) -> Vec<(LoginMethod, LoginOutcome)> {
        self.records.lock().unwrap().iter().map(|(_, m, o)| (*m, *o)).collect()
    }
}

#[async_trait]
impl LoginGuard for RecordingGuard {
    async fn check(&self, ip: IpAddr, protocol: LoginProtocol) -> Result<(), AuthError> {
        self.checks.fetch_add(1, Ordering::SeqCst);
        match &self.block {
            Some(reason) => Err(AuthError::Blocked { ip, protocol, reason: reason.clone() }),
            None => Ok(()),
        }
    }

    fn record(&self, ip: IpAddr, protocol: LoginProtocol, method: LoginMethod, outcome: LoginOutcome) {
        self.records.lock().unwrap().push((format!("{ip} {protocol}"), method, outcome));
    }
}

/// A memory engine that counts the calls made to it.
#[derive(Debug, Default)]
struct CountingBackend {
    inner: MemoryBackend,
    calls: AtomicUsize,
}

impl CountingBackend {
    fn count(&self) {
        self.calls.fetch_add(1, Ordering::SeqCst);
    }
}

#[async_trait]
impl Backend for CountingBackend {
    fn driver(&self) -> &'static str {
        self.inner.driver()
    }
    async fn schema_version(&self) -> BackendResult<Option<u32>> {
        self.count();
        self.inner.schema_version().await
    }
    async fn migrate(&self, target: u32) -> BackendResult<()> {
        self.count();
        self.inner.migrate(target).await
    }
    async fn reset(&self) -> BackendResult<()> {
        self.count();
        self.inner.reset().await
    }
    async fn get(&self, kind: &str, name: &str) -> BackendResult<Option<Record>> {
        self.count();
        self.inner.get(kind, name).await
    }
    async fn list(&self, kind: &str, query: ListQuery) -> BackendResult<Vec<Record>> {
        self.count();
        self.inner.list(kind, query).await
    }
    async fn referrers(&self, kind: &str, target: &Ref) -> BackendResult<Vec<String>> {
        self.count();
        self.inner.referrers(kind, target).await
    }
    async fn write(&self, batch: Vec<Write>) -> BackendResult<Vec<i64>> {
        self.count();
        self.inner.write(batch).await
    }
    async fn add_counters(&self, kind: &str, name: &str, delta: CounterDelta) -> BackendResult<()> {
        self.count();
        self.inner.add_counters(kind, name, delta).await
    }
    async fn close(&self) {
        self.inner.close().await;
    }
}

/// A store, a recording guard and an authenticator over them.
struct Env {
    store: Store,
    guard: Arc<RecordingGuard>,
    auth: Authenticator,
}

impl Env {
    async fn new() -> Self {
        Self::with(memory_store().await, AuthSettings::default(), RecordingGuard::default())
    }

    async fn with_settings(settings: AuthSettings) -> Self {
        Self::with(memory_store().await, settings, RecordingGuard::default())
    }

    fn with(store: Store, settings: AuthSettings, guard: RecordingGuard) -> Self {
        let guard = Arc::new(guard);
        let auth = Authenticator::new(store.clone(), guard.clone(), settings);
        Self { store, guard, auth }
    }

    async fn add(&self, user: User) -> User {
        self.store.add(user).await.unwrap()
    }

    /// One login step from [`CLIENT`].
    async fn step(
        &self,
        username: &str,
        protocol: LoginProtocol,
        credential: Credential<'_>,
        done: &[LoginMethod],
        now_ms: i64,
    ) -> Result<LoginResult, AuthError> {
        self.step_from(username, ip(CLIENT), protocol, credential, done, now_ms).await
    }

    async fn step_from(
        &self,
        username: &str,
        ip: IpAddr,
        protocol: LoginProtocol,
        credential: Credential<'_>,
        done: &[LoginMethod],
        now_ms: i64,
    ) -> Result<LoginResult, AuthError> {
        let req = LoginRequest { username, ip, protocol, credential, done, passcode: None };
        self.auth.login_at(req, now_ms).await
    }

    /// A first-step password login at [`NOW`].
    async fn password(
        &self,
        username: &str,
        password: &str,
        protocol: LoginProtocol,
    ) -> Result<LoginResult, AuthError> {
        self.step(username, protocol, pw(password), &[], NOW).await
    }

    /// A first-step public key login over SSH at [`NOW`].
    async fn public_key(&self, username: &str, key: &PublicKey) -> Result<LoginResult, AuthError> {
        self.step(username, Ssh, Credential::PublicKey(key), &[], NOW).await
    }

    /// A first-step SSH certificate login at [`NOW`].
    async fn cert(&self, username: &str, cert: &Certificate) -> Result<LoginResult, AuthError> {
        self.step(username, Ssh, Credential::Certificate(cert), &[], NOW).await
    }

    /// A first-step TLS certificate login at [`NOW`].
    async fn tls(
        &self,
        username: &str,
        protocol: LoginProtocol,
        der: &[u8],
        common_name: Option<&str>,
    ) -> Result<LoginResult, AuthError> {
        self.step(username, protocol, Credential::TlsCertificate { der, common_name }, &[], NOW).await
    }
}

fn pw(password: &str) -> Credential<'_> {
    Credential::Password { password, keyboard_interactive: false }
}

fn kbd(password: &str) -> Credential<'_> {
    Credential::Password { password, keyboard_interactive: true }
}

/// The user and method of a complete login; panics on anything else.
#[track_caller]
fn complete(result: Result<LoginResult, AuthError>) -> (User, LoginMethod) {
    match result {
        Ok(LoginResult::Complete { user, method }) => (*user, method),
        other => panic!("expected a complete login, got {other:?}"),
    }
}

/// The method of a complete login; panics on anything else.
#[track_caller]
fn completes(result: Result<LoginResult, AuthError>) -> LoginMethod {
    complete(result).1
}

/// The next methods of a partial login; panics on anything else.
#[track_caller]
fn partial(result: Result<LoginResult, AuthError>) -> Vec<LoginMethod> {
    match result {
        Ok(LoginResult::Partial(next)) => next,
        other => panic!("expected a partial login, got {other:?}"),
    }
}

/// The refusal; panics on success.
#[track_caller]
fn refused(result: Result<LoginResult, AuthError>) -> AuthError {
    match result {
        Err(e) => e,
        Ok(r) => panic!("expected a refusal, got {r:?}"),
    }
}

#[track_caller]
fn invalid_credentials(result: Result<LoginResult, AuthError>) -> String {
    match refused(result) {
        AuthError::InvalidCredentials { detail, .. } => detail,
        e => panic!("expected invalid credentials, got {e:?}"),
    }
}

#[track_caller]
fn method_denied(result: Result<LoginResult, AuthError>) -> LoginMethod {
    match refused(result) {
        AuthError::MethodDenied { method, .. } => method,
        e => panic!("expected a denied method, got {e:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Passwords
// ---------------------------------------------------------------------------------------------

/// The same password logins on any engine: success, wrong, empty and unknown user, what the guard
/// is told, a stored md5crypt hash re-hashed to bcrypt, and `last_login`.
async fn password_logins(store: Store) {
    let env = Env::with(store, AuthSettings::default(), RecordingGuard::default());
    env.add(user("alice")).await;

    let (u, method) = complete(env.password("alice", "pw-alice", Ftp).await);
    assert_eq!((u.username.as_str(), method), ("alice", Password));
    assert_eq!(u.home_dir, "/srv/wharf/alice");
    assert_eq!(env.store.get::<User>("alice").await.unwrap().last_login, NOW, "last_login written");

    let detail = invalid_credentials(env.password("alice", "pw-alice ", Ftp).await);
    assert!(detail.contains("does not match"), "{detail}");
    let detail = invalid_credentials(env.password("alice", "", Ssh).await);
    assert!(detail.contains("empty"), "{detail}");
    let e = refused(env.password("nobody", "pw-alice", Ftp).await);
    assert_eq!(e, AuthError::UnknownUser { username: "nobody".into() });
    assert!(e.is_unknown_user());
    assert_eq!(
        env.guard.records(),
        [
            (Password, LoginOutcome::Success),
            (Password, LoginOutcome::Failed),
            (Password, LoginOutcome::Failed),
            (Password, LoginOutcome::UnknownUser),
        ]
    );

    // A hash in another format SFTPGo accepts verifies, and becomes bcrypt after the login.
    let mut legacy = user("legacy");
    legacy.password = MD5CRYPT.into();
    env.add(legacy).await;
    assert_eq!(env.store.get::<User>("legacy").await.unwrap().password, MD5CRYPT, "stored verbatim");
    invalid_credentials(env.password("legacy", "password1", Ssh).await);
    assert_eq!(env.store.get::<User>("legacy").await.unwrap().password, MD5CRYPT, "no re-hash on failure");
    assert_eq!(completes(env.password("legacy", "password", Ssh).await), Password);
    let stored = env.store.get::<User>("legacy").await.unwrap();
    assert!(stored.password.starts_with("$2a$04$"), "re-hashed with the configured bcrypt: {}", stored.password);
    assert_eq!(stored.last_login, NOW, "and the login is recorded");
    assert_eq!(completes(env.password("legacy", "password", Ssh).await), Password, "login after the re-hash");
    invalid_credentials(env.password("legacy", "password1", Ssh).await);
    env.store.backend().close().await;
}

#[tokio::test]
async fn password_logins_on_the_memory_store() {
    password_logins(memory_store().await).await;
}

#[tokio::test]
async fn password_logins_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let target = ProviderTarget {
        driver: Driver::Sqlite,
        path: Some(dir.path().join("wharf.db")),
        url: None,
        pool_size: 0,
        table_prefix: String::new(),
    };
    let store = Store::open(&target, kms(), settings()).await.unwrap();
    store.init().await.unwrap();
    password_logins(store).await;
}

#[tokio::test]
async fn a_pbkdf2_hash_verifies_and_is_rehashed_to_bcrypt() {
    let env = Env::new().await;
    let mut u = user("pbkdf2");
    u.password = PBKDF2_SHA256.into();
    env.add(u).await;
    invalid_credentials(env.password("pbkdf2", "Password", Dav).await);
    assert_eq!(env.store.get::<User>("pbkdf2").await.unwrap().password, PBKDF2_SHA256);
    assert_eq!(completes(env.password("pbkdf2", "password", Dav).await), Password);
    let rehashed = env.store.get::<User>("pbkdf2").await.unwrap().password;
    assert!(rehashed.starts_with("$2a$04$"), "{rehashed}");
    assert_eq!(completes(env.password("pbkdf2", "password", Dav).await), Password);
    assert_eq!(env.store.get::<User>("pbkdf2").await.unwrap().password, rehashed, "bcrypt is kept");
}

#[tokio::test]
async fn the_complete_login_carries_the_effective_user() {
    let env = Env::new().await;
    let mut group = Group { name: "staff".into(), ..Group::default() };
    group.user_settings.max_sessions = 3;
    group.user_settings.filters.denied_protocols = vec!["DAV".into()];
    env.store.add(group).await.unwrap();
    let mut u = user("carol");
    u.groups = vec![GroupMapping { name: "staff".into(), group_type: GroupType::Primary }];
    env.add(u).await;
    assert_eq!(env.store.get::<User>("carol").await.unwrap().max_sessions, 0, "stored without the group");

    let (u, method) = complete(env.password("carol", "pw-carol", Ftp).await);
    assert_eq!(method, Password);
    assert_eq!(u.max_sessions, 3, "the primary group's settings are applied");
    assert_eq!(u.filters.denied_protocols, ["DAV"]);
    let e = refused(env.password("carol", "pw-carol", Dav).await);
    assert_eq!(e, AuthError::ProtocolDenied { username: "carol".into(), protocol: Dav }, "the group's rules apply");
}

#[tokio::test]
async fn disabled_users_are_refused() {
    let env = Env::new().await;
    let mut u = user("dave");
    u.status = 0;
    env.add(u).await;
    let e = refused(env.password("dave", "pw-dave", Ftp).await);
    assert_eq!(e, AuthError::Disabled { username: "dave".into() });
    assert_eq!(e.client_message(), CLIENT_AUTH_FAILED);
    assert_eq!(env.guard.records(), [(Password, LoginOutcome::Failed)]);
    assert_eq!(env.store.get::<User>("dave").await.unwrap().last_login, 0);
}

#[tokio::test]
async fn expired_users_are_refused() {
    let env = Env::new().await;
    let mut u = user("erin");
    u.expiration_date = NOW + MINUTE;
    env.add(u).await;
    assert_eq!(completes(env.step("erin", Ftp, pw("pw-erin"), &[], NOW).await), Password);
    assert_eq!(completes(env.step("erin", Ftp, pw("pw-erin"), &[], NOW + MINUTE).await), Password, "still valid");
    let e = refused(env.step("erin", Ftp, pw("pw-erin"), &[], NOW + MINUTE + 1).await);
    assert_eq!(
        e,
        AuthError::Expired { username: "erin".into(), expired_at_ms: NOW + MINUTE, now_ms: NOW + MINUTE + 1 }
    );
}

#[tokio::test]
async fn a_relative_home_dir_refuses_the_login() {
    let env = Env::new().await;
    env.add(user("frank")).await;
    // Validation refuses relative home dirs: write one behind its back, as an old provider might.
    env.store
        .modify::<User>("frank", |u| {
            u.home_dir = "relative/frank".into();
            true
        })
        .await
        .unwrap();
    let e = refused(env.password("frank", "pw-frank", Ftp).await);
    assert_eq!(e, AuthError::InvalidHomeDir { username: "frank".into(), home_dir: "relative/frank".into() });
}

// ---------------------------------------------------------------------------------------------
// Public keys and the guard
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn listed_public_keys_log_in_and_others_do_not() {
    let env = Env::new().await;
    let (k1, k2, stranger) = (key(1), key(2), key(3));
    let mut u = user("gina");
    // Options and comments do not matter, only the key material.
    u.public_keys = vec![authorized(&k1, "laptop"), format!("from=\"192.0.2.0/24\" {}", authorized(&k2, "ci"))];
    env.add(u).await;

    let (u, method) = complete(env.public_key("gina", k1.public_key()).await);
    assert_eq!((u.username.as_str(), method), ("gina", Key));
    assert_eq!(completes(env.public_key("gina", k2.public_key()).await), Key);
    let detail = invalid_credentials(env.public_key("gina", stranger.public_key()).await);
    assert!(detail.contains("public key"), "{detail}");
    // A key is only a credential over SSH.
    let e = refused(env.step("gina", Ftp, Credential::PublicKey(k1.public_key()), &[], NOW).await);
    assert_eq!(e, AuthError::MethodDenied { username: "gina".into(), method: Key });
}

#[tokio::test]
async fn failed_public_keys_are_not_recorded_with_the_guard_but_failed_passwords_are() {
    let env = Env::new().await;
    let (good, bad) = (key(1), key(2));
    let mut u = user("hank");
    u.public_keys = vec![authorized(&good, "ok")];
    env.add(u).await;
    let mut off = user("ivy");
    off.status = 0;
    off.public_keys = vec![authorized(&good, "ok")];
    env.add(off).await;

    // Clients offer their keys one after another: none of these failures is recorded per attempt
    // (the SSH front reports a failed public-key authentication once per connection).
    invalid_credentials(env.public_key("hank", bad.public_key()).await);
    invalid_credentials(env.public_key("hank", bad.public_key()).await);
    refused(env.public_key("nobody", good.public_key()).await);
    refused(env.public_key("ivy", good.public_key()).await);
    assert!(env.guard.records().is_empty(), "failed public keys are left to the front");
    assert_eq!(env.guard.checks.load(Ordering::SeqCst), 4, "but the guard is asked before each");

    assert_eq!(completes(env.public_key("hank", good.public_key()).await), Key);
    invalid_credentials(env.password("hank", "wrong", Ssh).await);
    invalid_credentials(env.step("hank", Ssh, kbd("wrong"), &[], NOW).await);
    refused(env.password("nobody", "wrong", Ssh).await);
    assert_eq!(
        env.guard.records(),
        [
            (Key, LoginOutcome::Success),
            (Password, LoginOutcome::Failed),
            (KeyboardInteractive, LoginOutcome::Failed),
            (Password, LoginOutcome::UnknownUser),
        ]
    );
    let seen = env.guard.records.lock().unwrap().first().map(|r| r.0.clone());
    assert_eq!(seen.as_deref(), Some("192.0.2.10 SSH"), "the guard learns the address and protocol");
}

#[tokio::test]
async fn a_refusing_guard_stops_the_login_before_the_store_is_consulted() {
    let backend = Arc::new(CountingBackend::default());
    let store = Store::new(backend.clone(), Driver::Memory, kms(), settings());
    store.init().await.unwrap();
    store.add(user("jack")).await.unwrap();
    let env = Env::with(store, AuthSettings::default(), RecordingGuard::blocking("banned"));
    let before = backend.calls.load(Ordering::SeqCst);

    for name in ["jack", "nobody"] {
        let e = refused(env.password(name, "pw-jack", Ftp).await);
        assert_eq!(e, AuthError::Blocked { ip: ip(CLIENT), protocol: Ftp, reason: "banned".into() });
        assert_eq!(e.client_message(), CLIENT_ACCESS_DENIED);
        assert_eq!(e.client_message(), "access denied");
        assert!(!e.is_unknown_user());
    }
    assert_eq!(backend.calls.load(Ordering::SeqCst), before, "the store was not consulted");
    assert_eq!(env.guard.checks.load(Ordering::SeqCst), 2);
    assert!(env.guard.records().is_empty(), "a refused attempt is not recorded");
    assert_eq!(env.store.get::<User>("jack").await.unwrap().last_login, 0);

    // Account failures all read the same to the client, whatever the detail in the log.
    let open = Env::new().await;
    open.add(user("jack")).await;
    let mut off = user("kim");
    off.status = 0;
    open.add(off).await;
    let mut ftp_only = user("lou");
    ftp_only.filters.denied_protocols = vec!["SSH".into()];
    open.add(ftp_only).await;
    for e in [
        refused(open.password("nobody", "x", Ftp).await),
        refused(open.password("jack", "x", Ftp).await),
        refused(open.password("kim", "pw-kim", Ftp).await),
        refused(open.password("lou", "pw-lou", Ssh).await),
    ] {
        assert_eq!(e.client_message(), CLIENT_AUTH_FAILED, "{e}");
        assert_eq!(e.client_message(), "authentication failed");
        assert_ne!(e.reason(), "blocked");
    }
    let e = refused(open.password("jack", "x", Ftp).await);
    assert!(e.to_string().contains("jack") && e.to_string().contains("does not match"), "the log has the detail: {e}");
}

// ---------------------------------------------------------------------------------------------
// SSH user certificates
// ---------------------------------------------------------------------------------------------

/// An authenticator trusting the CA of seed 10 and revoking the key of seed 13.
async fn cert_env() -> (Env, PrivateKey) {
    let ca = key(10);
    let revoked = key(13).public_key().fingerprint(HashAlg::Sha256).to_string();
    let cas = CertAuthorities::new([ca.public_key().clone()], [revoked]);
    let env = Env::with_settings(AuthSettings { cert_authorities: cas, ..AuthSettings::default() }).await;
    env.add(user("alice")).await;
    (env, ca)
}

#[tokio::test]
async fn a_user_certificate_signed_by_a_trusted_ca_logs_in() {
    let (env, ca) = cert_env().await;
    let subject = key(11);
    let cert = certificate(&ca, &subject, CertSpec::default());
    let (u, method) = complete(env.cert("alice", &cert).await);
    assert_eq!((u.username.as_str(), method), ("alice", Key));
    assert!(u.public_keys.is_empty(), "the certified key need not be listed");
    // A source-address restriction that holds the client.
    let cert = certificate(
        &ca,
        &subject,
        CertSpec { critical_options: &[("source-address", "10.0.0.1,192.0.2.0/24")], ..CertSpec::default() },
    );
    assert_eq!(completes(env.cert("alice", &cert).await), Key);
    // Several principals, the user among them.
    let cert = certificate(&ca, &subject, CertSpec { principals: &["root", "alice"], ..CertSpec::default() });
    assert_eq!(completes(env.cert("alice", &cert).await), Key);
}

#[tokio::test]
async fn user_certificates_that_do_not_qualify_are_refused() {
    let (env, ca) = cert_env().await;
    let (subject, other_ca, revoked) = (key(11), key(12), key(13));
    let cases: Vec<(&str, Certificate, &str)> = vec![
        ("untrusted CA", certificate(&other_ca, &subject, CertSpec::default()), "untrusted authority"),
        ("revoked", certificate(&ca, &revoked, CertSpec::default()), "revoked"),
        (
            "host certificate",
            certificate(&ca, &subject, CertSpec { cert_type: CertType::Host, ..CertSpec::default() }),
            "not a user certificate",
        ),
        (
            "principal missing",
            certificate(&ca, &subject, CertSpec { principals: &["bob", "root"], ..CertSpec::default() }),
            "not valid for user",
        ),
        (
            "no principal",
            certificate(&ca, &subject, CertSpec { principals: &[], ..CertSpec::default() }),
            "no principals",
        ),
        (
            "expired",
            certificate(
                &ca,
                &subject,
                CertSpec { valid_after: NOW_S - 7200, valid_before: NOW_S - 1, ..CertSpec::default() },
            ),
            "not valid at",
        ),
        (
            "not yet valid",
            certificate(
                &ca,
                &subject,
                CertSpec { valid_after: NOW_S + 60, valid_before: NOW_S + 3600, ..CertSpec::default() },
            ),
            "not valid at",
        ),
        (
            "source-address elsewhere",
            certificate(
                &ca,
                &subject,
                CertSpec { critical_options: &[("source-address", "198.51.100.0/24")], ..CertSpec::default() },
            ),
            "source-address",
        ),
        (
            "unknown critical option",
            certificate(
                &ca,
                &subject,
                CertSpec { critical_options: &[("force-command", "/bin/true")], ..CertSpec::default() },
            ),
            "unsupported critical option",
        ),
    ];
    for (case, cert, expected) in &cases {
        let detail = invalid_credentials(env.cert("alice", cert).await);
        assert!(detail.contains(expected), "{case}: {detail}");
    }
    assert!(env.guard.records().is_empty(), "failed certificates are public keys: not recorded");

    // The validity window is checked at the login's time, not the wall clock's.
    let expired = &cases.iter().find(|c| c.0 == "expired").unwrap().1;
    let e = env.step("alice", Ssh, Credential::Certificate(expired), &[], NOW - 60 * MINUTE).await;
    assert_eq!(completes(e), Key);
    // The same certificate from an address its source-address holds.
    let elsewhere = &cases.iter().find(|c| c.0 == "source-address elsewhere").unwrap().1;
    let r = env.step_from("alice", ip("198.51.100.7"), Ssh, Credential::Certificate(elsewhere), &[], NOW).await;
    assert_eq!(completes(r), Key);
}

#[tokio::test]
async fn certificates_are_refused_when_no_ca_is_trusted() {
    let env = Env::new().await;
    env.add(user("alice")).await;
    let cert = certificate(&key(10), &key(11), CertSpec::default());
    let detail = invalid_credentials(env.cert("alice", &cert).await);
    assert!(detail.contains("no certificate authority"), "{detail}");
}

// ---------------------------------------------------------------------------------------------
// TLS client certificates
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn tls_certificates_log_in_when_listed_or_named_by_their_common_name() {
    let env = Env::new().await;
    let (ec, rsa) = (pem_certificate_der(CERT_EC).unwrap(), pem_certificate_der(CERT_RSA2048).unwrap());
    let mut listed = user("kate");
    listed.filters.tls_certs = vec![CERT_EC.into()];
    env.add(listed).await;
    let mut by_cn = user("client");
    by_cn.filters.tls_username = "CommonName".into();
    env.add(by_cn).await;

    // `tls_certs`: the very certificate, whatever its common name.
    let (u, method) = complete(env.tls("kate", Ftp, &ec, Some("ec")).await);
    assert_eq!((u.username.as_str(), method), ("kate", Tls));
    assert_eq!(completes(env.tls("kate", Dav, &ec, None).await), Tls);
    invalid_credentials(env.tls("kate", Ftp, &rsa, Some("kate")).await);

    // `tls_username = CommonName`: the subject's CN is the username.
    assert_eq!(completes(env.tls("client", Ftp, &rsa, Some("client")).await), Tls);
    assert_eq!(completes(env.tls("client", Dav, &ec, Some("client")).await), Tls);
    invalid_credentials(env.tls("client", Ftp, &rsa, Some("kate")).await);
    invalid_credentials(env.tls("client", Ftp, &rsa, None).await);

    // Neither: a certificate identifies nobody.
    env.add(user("plain")).await;
    let detail = invalid_credentials(env.tls("plain", Ftp, &ec, Some("plain")).await);
    assert!(detail.contains("TLS certificate"), "{detail}");
}

// ---------------------------------------------------------------------------------------------
// Client rules
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn allowed_and_denied_networks() {
    let env = Env::new().await;
    let mut both = user("lena");
    both.filters.allowed_ip = vec!["10.0.0.0/8".into()];
    both.filters.denied_ip = vec!["10.1.0.0/16".into(), "192.0.2.0/24".into()];
    env.add(both).await;
    let mut denied = user("mike");
    denied.filters.denied_ip = vec!["203.0.113.0/24".into(), "2001:db8::/32".into()];
    env.add(denied).await;

    let login = |name: &'static str, from: &'static str| {
        let env = &env;
        async move {
            let pass = format!("pw-{name}");
            env.step_from(name, ip(from), Ftp, pw(&pass), &[], NOW).await
        }
    };
    assert_eq!(completes(login("lena", "10.1.2.3").await), Password, "allowed wins over denied");
    assert_eq!(completes(login("lena", "::ffff:10.9.8.7").await), Password, "IPv4-mapped IPv6");
    let e = refused(login("lena", "192.0.2.10").await);
    assert_eq!(e, AuthError::AddressNotAllowed { username: "lena".into(), ip: ip("192.0.2.10") });
    refused(login("lena", "198.51.100.1").await);

    assert_eq!(completes(login("mike", "192.0.2.10").await), Password, "no allow list: the rest may log in");
    refused(login("mike", "203.0.113.9").await);
    refused(login("mike", "::ffff:203.0.113.9").await);
    refused(login("mike", "2001:db8::1").await);
    assert_eq!(completes(login("mike", "2001:db9::1").await), Password);
}

#[tokio::test]
async fn access_time_windows_use_the_login_time() {
    let env = Env::new().await;
    let mut u = user("nina");
    u.filters.access_time = vec![
        TimePeriod { day_of_week: 3, from: "09:00".into(), to: "17:00".into() },
        TimePeriod { day_of_week: 4, from: "22:00".into(), to: "23:59".into() },
    ];
    env.add(u).await;
    let login = |when: &'static str| env.step("nina", Ftp, pw("pw-nina"), &[], at(when));

    assert_eq!(completes(login("2024-01-10T12:00:00Z").await), Password, "Wednesday noon");
    assert_eq!(completes(login("2024-01-10T09:00:00Z").await), Password, "from is included");
    assert_eq!(completes(login("2024-01-10T17:00:59Z").await), Password, "to is included");
    assert_eq!(completes(login("2024-01-11T23:59:30Z").await), Password, "Thursday late");
    assert_eq!(completes(login("2024-01-12T01:00:00+02:00").await), Password, "Thursday 23:00 in UTC");
    refused(login("2024-01-10T13:00:00-05:00").await);
    let e = refused(login("2024-01-10T08:59:59Z").await);
    assert_eq!(e, AuthError::OutsideAccessTime { username: "nina".into(), when: "Wednesday 08:59 UTC".into() });
    refused(login("2024-01-10T17:01:00Z").await);
    refused(login("2024-01-11T12:00:00Z").await);
    refused(login("2024-01-17T22:30:00Z").await);
    refused(login("2024-01-12T00:00:00Z").await);
}

#[tokio::test]
async fn denied_protocols_are_refused() {
    let env = Env::new().await;
    let key1 = key(1);
    let mut u = user("omar");
    u.filters.denied_protocols = vec!["SSH".into(), "DAV".into()];
    u.public_keys = vec![authorized(&key1, "k")];
    env.add(u).await;
    for protocol in [Ssh, Dav] {
        let e = refused(env.password("omar", "pw-omar", protocol).await);
        assert_eq!(e, AuthError::ProtocolDenied { username: "omar".into(), protocol });
    }
    let e = refused(env.public_key("omar", key1.public_key()).await);
    assert_eq!(e, AuthError::ProtocolDenied { username: "omar".into(), protocol: Ssh });
    assert_eq!(completes(env.password("omar", "pw-omar", Ftp).await), Password);
    assert_eq!(completes(env.password("omar", "pw-omar", Http).await), Password);
}

#[tokio::test]
async fn denied_login_methods_are_refused() {
    let env = Env::new().await;
    let key1 = key(1);
    let mut no_password = user("pam");
    no_password.filters.denied_login_methods = vec!["password".into()];
    no_password.public_keys = vec![authorized(&key1, "k")];
    env.add(no_password).await;
    for protocol in [Ssh, Ftp, Dav, Http] {
        assert_eq!(method_denied(env.password("pam", "pw-pam", protocol).await), Password, "{protocol}");
    }
    assert_eq!(completes(env.public_key("pam", key1.public_key()).await), Key);
    assert_eq!(completes(env.step("pam", Ssh, kbd("pw-pam"), &[], NOW).await), KeyboardInteractive);

    let mut no_key = user("quinn");
    no_key.filters.denied_login_methods = vec!["publickey".into(), "keyboard-interactive".into()];
    no_key.public_keys = vec![authorized(&key1, "k")];
    env.add(no_key).await;
    assert_eq!(method_denied(env.public_key("quinn", key1.public_key()).await), Key);
    assert_eq!(method_denied(env.step("quinn", Ssh, kbd("pw-quinn"), &[], NOW).await), KeyboardInteractive);
    assert_eq!(completes(env.password("quinn", "pw-quinn", Ssh).await), Password);

    // `password-over-SSH` only concerns passwords over SSH.
    let mut no_ssh_password = user("rita");
    no_ssh_password.filters.denied_login_methods = vec!["password-over-SSH".into()];
    env.add(no_ssh_password).await;
    assert_eq!(method_denied(env.password("rita", "pw-rita", Ssh).await), Password);
    assert_eq!(completes(env.step("rita", Ssh, kbd("pw-rita"), &[], NOW).await), KeyboardInteractive);
    for protocol in [Ftp, Dav, Http] {
        assert_eq!(completes(env.password("rita", "pw-rita", protocol).await), Password, "{protocol}");
    }
}

#[tokio::test]
async fn a_required_password_change_only_allows_http() {
    let env = Env::new().await;
    let mut u = user("sam");
    u.filters.require_password_change = true;
    env.add(u).await;
    for protocol in [Ssh, Ftp, Dav] {
        let e = refused(env.password("sam", "pw-sam", protocol).await);
        assert_eq!(e, AuthError::PasswordChangeRequired { username: "sam".into(), protocol });
    }
    assert_eq!(completes(env.password("sam", "pw-sam", Http).await), Password);

    // An expired password works the same way, as of the login's time.
    let mut u = user("tess");
    u.filters.password_expiration = 30;
    env.add(u).await;
    let changed = env.store.get::<User>("tess").await.unwrap().last_password_change;
    assert!(changed > 0);
    let late = changed + 31 * DAY;
    assert_eq!(completes(env.step("tess", Ssh, pw("pw-tess"), &[], changed + 29 * DAY).await), Password);
    let e = refused(env.step("tess", Ssh, pw("pw-tess"), &[], late).await);
    assert_eq!(e, AuthError::PasswordChangeRequired { username: "tess".into(), protocol: Ssh });
    assert_eq!(completes(env.step("tess", Http, pw("pw-tess"), &[], late).await), Password);
}

#[tokio::test]
async fn two_factor_protocols_without_totp_are_refused() {
    let env = Env::new().await;
    let mut u = user("uma");
    u.filters.two_factor_protocols = vec!["SSH".into(), "HTTP".into()];
    env.add(u).await;
    for protocol in [Ssh, Http] {
        let e = refused(env.password("uma", "pw-uma", protocol).await);
        assert_eq!(e, AuthError::SecondFactorNotConfigured { username: "uma".into(), protocol });
    }
    assert_eq!(completes(env.password("uma", "pw-uma", Ftp).await), Password);

    // TOTP configured for another protocol does not count.
    let mut u = user("vera");
    u.filters.two_factor_protocols = vec!["SSH".into()];
    u.filters.totp_config.enabled = true;
    u.filters.totp_config.config_name = "Default".into();
    u.filters.totp_config.secret = Secret::plain("JBSWY3DPEHPK3PXP");
    u.filters.totp_config.protocols = vec!["FTP".into()];
    env.add(u).await;
    let e = refused(env.password("vera", "pw-vera", Ssh).await);
    assert_eq!(e, AuthError::SecondFactorNotConfigured { username: "vera".into(), protocol: Ssh });

    let mut u = env.store.get::<User>("vera").await.unwrap();
    u.filters.totp_config.protocols = vec!["SSH".into(), "FTP".into()];
    u.password.clear();
    env.store.update(u).await.unwrap();
    let r = env.step("vera", Ssh, kbd("pw-vera"), &[], NOW).await;
    assert!(!matches!(r, Err(AuthError::SecondFactorNotConfigured { .. })), "configured for SSH now: {r:?}");
}

// ---------------------------------------------------------------------------------------------
// Multi-step logins (SFTPGo's TestMultiStepLoginKeyAndPwd)
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn publickey_then_password_when_only_the_pair_is_allowed() {
    let env = Env::new().await;
    let (k, stranger) = (key(1), key(2));
    let mut u = user("walt");
    u.public_keys = vec![authorized(&k, "k")];
    u.filters.denied_login_methods = vec![
        "publickey".into(),
        "password".into(),
        "keyboard-interactive".into(),
        "publickey+keyboard-interactive".into(),
    ];
    env.add(u).await;

    assert_eq!(partial(env.public_key("walt", k.public_key()).await), [Password], "the key alone is a first step");
    assert_eq!(env.store.get::<User>("walt").await.unwrap().last_login, 0, "not logged in yet");
    invalid_credentials(env.public_key("walt", stranger.public_key()).await);
    assert_eq!(method_denied(env.password("walt", "pw-walt", Ssh).await), Password, "the password alone");

    let (u, method) = complete(env.step("walt", Ssh, pw("pw-walt"), &[Key], NOW).await);
    assert_eq!((u.username.as_str(), method), ("walt", KeyAndPassword));
    assert_eq!(env.store.get::<User>("walt").await.unwrap().last_login, NOW);
    invalid_credentials(env.step("walt", Ssh, pw("wrong"), &[Key], NOW).await);
    assert_eq!(method_denied(env.step("walt", Ssh, kbd("pw-walt"), &[Key], NOW).await), KeyAndKeyboardInteractive);
    // The wrong order.
    let r = env.step("walt", Ssh, Credential::PublicKey(k.public_key()), &[Password], NOW).await;
    assert_eq!(method_denied(r), Key);
    assert_eq!(
        env.guard.records(),
        [
            (Key, LoginOutcome::Success),
            (Password, LoginOutcome::Failed),
            (Password, LoginOutcome::Success),
            (Password, LoginOutcome::Failed),
            (KeyboardInteractive, LoginOutcome::Failed),
        ]
    );
}

#[tokio::test]
async fn publickey_then_keyboard_interactive_when_only_that_pair_is_allowed() {
    let env = Env::new().await;
    let k = key(1);
    let mut u = user("xena");
    u.public_keys = vec![authorized(&k, "k")];
    u.filters.denied_login_methods =
        vec!["publickey".into(), "password".into(), "keyboard-interactive".into(), "publickey+password".into()];
    env.add(u).await;
    assert_eq!(partial(env.public_key("xena", k.public_key()).await), [KeyboardInteractive]);
    let r = env.step("xena", Ssh, kbd("pw-xena"), &[Key], NOW).await;
    assert_eq!(completes(r), KeyAndKeyboardInteractive);
    assert_eq!(method_denied(env.step("xena", Ssh, pw("pw-xena"), &[Key], NOW).await), KeyAndPassword);

    // With both pairs allowed, the key asks for either.
    let mut u = user("yann");
    u.public_keys = vec![authorized(&k, "k")];
    u.filters.denied_login_methods = vec!["publickey".into(), "password".into(), "keyboard-interactive".into()];
    env.add(u).await;
    assert_eq!(partial(env.public_key("yann", k.public_key()).await), [Password, KeyboardInteractive]);
    assert_eq!(completes(env.step("yann", Ssh, pw("pw-yann"), &[Key], NOW).await), KeyAndPassword);
}

#[tokio::test]
async fn tls_certificate_then_password_over_ftp() {
    let env = Env::new().await;
    let (ec, rsa) = (pem_certificate_der(CERT_EC).unwrap(), pem_certificate_der(CERT_RSA2048).unwrap());
    let mut u = user("zoe");
    u.filters.tls_certs = vec![CERT_EC.into()];
    u.filters.denied_login_methods = vec!["TLSCertificate".into(), "password".into()];
    env.add(u).await;

    for protocol in [Ftp, Dav] {
        assert_eq!(partial(env.tls("zoe", protocol, &ec, None).await), [Password], "{protocol}");
    }
    invalid_credentials(env.tls("zoe", Ftp, &rsa, Some("zoe")).await);
    assert_eq!(method_denied(env.password("zoe", "pw-zoe", Ftp).await), Password, "the password alone");
    let (u, method) = complete(env.step("zoe", Ftp, pw("pw-zoe"), &[Tls], NOW).await);
    assert_eq!((u.username.as_str(), method), ("zoe", TlsCertificateAndPassword));
    invalid_credentials(env.step("zoe", Ftp, pw("wrong"), &[Tls], NOW).await);

    // When the certificate alone is allowed it is a complete login.
    let mut u = user("ada");
    u.filters.tls_certs = vec![CERT_EC.into()];
    u.filters.denied_login_methods = vec!["TLSCertificate+password".into()];
    env.add(u).await;
    assert_eq!(completes(env.tls("ada", Ftp, &ec, None).await), Tls);
    assert_eq!(method_denied(env.step("ada", Ftp, pw("pw-ada"), &[Tls], NOW).await), TlsCertificateAndPassword);
}

// ---------------------------------------------------------------------------------------------
// Anonymous users (SFTPGo's TestAnonymousUser)
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn anonymous_users_are_read_only_and_ftp_or_webdav_only() {
    let env = Env::new().await;
    let k = key(1);
    let mut u = user("anon");
    u.filters.is_anonymous = true;
    u.public_keys = vec![authorized(&k, "k")];
    env.add(u).await;

    let (u, method) = complete(env.password("anon", "pw-anon", Ftp).await);
    assert_eq!(method, Password);
    assert!(u.permissions.values().all(|p| *p == ["list", "download"]), "{:?}", u.permissions);
    assert_eq!(completes(env.password("anon", "pw-anon", Dav).await), Password);
    // SFTPGo accepts any password, or none, for an anonymous user.
    assert_eq!(completes(env.password("anon", "guest@example.com", Ftp).await), Password);
    assert_eq!(completes(env.password("anon", "", Ftp).await), Password);
    for protocol in [Ssh, Http] {
        let e = refused(env.password("anon", "pw-anon", protocol).await);
        assert_eq!(e, AuthError::ProtocolDenied { username: "anon".into(), protocol });
    }
    refused(env.public_key("anon", k.public_key()).await);
}

#[tokio::test]
async fn anonymous_settings_are_forced_on_users_made_anonymous_by_a_group() {
    let env = Env::new().await;
    let mut group = Group { name: "guests".into(), ..Group::default() };
    group.user_settings.filters.is_anonymous = true;
    env.store.add(group).await.unwrap();
    let mut u = user("visitor");
    u.filters.tls_username = "CommonName".into();
    u.permissions.insert("/incoming".into(), vec!["upload".into(), "create_dirs".into()]);
    u.groups = vec![GroupMapping { name: "guests".into(), group_type: GroupType::Primary }];
    env.add(u).await;
    let stored = env.store.get::<User>("visitor").await.unwrap();
    assert_eq!(stored.permissions["/"], ["*"], "the stored user is not anonymous itself");

    let (u, _) = complete(env.password("visitor", "pw-visitor", Ftp).await);
    assert!(u.filters.is_anonymous);
    assert_eq!(u.permissions.len(), 2);
    assert!(u.permissions.values().all(|p| *p == ["list", "download"]), "{:?}", u.permissions);
    for p in ["SSH", "HTTP"] {
        assert!(u.filters.denied_protocols.iter().any(|d| d == p), "{p} denied");
    }
    let e = refused(env.password("visitor", "pw-visitor", Ssh).await);
    assert_eq!(e, AuthError::ProtocolDenied { username: "visitor".into(), protocol: Ssh });
    refused(env.password("visitor", "pw-visitor", Http).await);
    let ec = pem_certificate_der(CERT_EC).unwrap();
    assert_eq!(method_denied(env.tls("visitor", Ftp, &ec, Some("visitor")).await), Tls, "password only");
}

// ---------------------------------------------------------------------------------------------
// last_login
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn last_login_is_written_at_most_every_ten_minutes() {
    let env = Env::new().await;
    let added = env.add(user("bea")).await;
    let stored = env.store.get::<User>("bea").await.unwrap();
    assert_eq!(stored.last_login, 0);
    // The rule also rewrites a login older than the last change of the user: start after it.
    let t0 = stored.updated_at + MINUTE;
    let last = || async { env.store.get::<User>("bea").await.unwrap().last_login };

    invalid_credentials(env.step("bea", Ftp, pw("wrong"), &[], t0).await);
    assert_eq!(last().await, 0, "a failed login is not a login");
    complete(env.step("bea", Ftp, pw("pw-bea"), &[], t0).await);
    assert_eq!(last().await, t0);
    complete(env.step("bea", Ftp, pw("pw-bea"), &[], t0 + 9 * MINUTE).await);
    assert_eq!(last().await, t0, "not rewritten within 10 minutes");
    complete(env.step("bea", Ssh, pw("pw-bea"), &[], t0 + 10 * MINUTE).await);
    assert_eq!(last().await, t0 + 10 * MINUTE, "rewritten after 10 minutes");

    let after = env.store.get::<User>("bea").await.unwrap();
    assert_eq!(after.updated_at, stored.updated_at, "recording a login is not a change of the user");
    assert_eq!(after.password, stored.password);
    assert_eq!(after.last_password_change, added.last_password_change);
    assert_eq!(completes(env.step("bea", Ftp, pw("pw-bea"), &[], t0 + 11 * MINUTE).await), Password);
}
