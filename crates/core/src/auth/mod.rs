//! Protocol-neutral authentication: who may log in, with which credential, over which protocol.
//!
//! A protocol front builds a [`LoginRequest`] for each step a client takes (a password, an offered
//! key, a certificate…) and asks [`Authenticator::login`]. The answer is either a complete login
//! (the user with its group settings applied, ready for a [`crate::session::Session`]) or a partial
//! one naming the methods still needed (SSH "partial success"). Every refusal is an [`AuthError`]
//! whose `Display` is the detailed reason for the log and whose
//! [`client_message`](AuthError::client_message) is all a client is told.
//!
//! The order of checks follows SFTPGo: the login guard (defender, rate limits) first; then the
//! account (exists, enabled, not expired, valid home); then the credential; then the rules that
//! depend on the client (address filters, access-time windows, denied protocols and methods,
//! multi-step rules, password change and second-factor requirements). `max_sessions` is enforced
//! by the [`crate::registry`] when the front opens a session, not here.

mod error;
mod guard;
pub mod keys;
pub mod last_login;
pub mod policy;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use ssh_key::{Certificate, PublicKey};
use wharf_model::User;
use wharf_model::perms::{
    LOGIN_KEY_AND_KEYBOARD_INT, LOGIN_KEY_AND_PASSWORD, LOGIN_KEYBOARD_INTERACTIVE, LOGIN_PASSWORD, LOGIN_PUBLIC_KEY,
    LOGIN_TLS_CERT, LOGIN_TLS_CERT_AND_PASSWORD,
};
use wharf_secrets::totp::TotpAlgo;
use wharf_store::{Store, StoreError, now_ms};

pub use error::{AuthError, CLIENT_ACCESS_DENIED, CLIENT_AUTH_FAILED};
pub use guard::{LoginGuard, LoginOutcome, NoGuard};
pub use keys::CertAuthorities;
pub use policy::NextMethods;

/// The protocol families users are allowed or denied by (`filters.denied_protocols`,
/// `two_factor_protocols`), with SFTPGo's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LoginProtocol {
    /// SFTP, SCP and SSH commands.
    Ssh,
    /// FTP and FTPS.
    Ftp,
    /// WebDAV.
    Dav,
    /// REST API and web client.
    Http,
}

impl LoginProtocol {
    /// SFTPGo's name (`SSH`, `FTP`, `DAV`, `HTTP`).
    pub fn as_str(self) -> &'static str {
        match self {
            LoginProtocol::Ssh => "SSH",
            LoginProtocol::Ftp => "FTP",
            LoginProtocol::Dav => "DAV",
            LoginProtocol::Http => "HTTP",
        }
    }
}

impl std::fmt::Display for LoginProtocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A login method, as `filters.denied_login_methods` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LoginMethod {
    /// `publickey` (plain keys and SSH user certificates).
    PublicKey,
    /// `password`.
    Password,
    /// `keyboard-interactive`.
    KeyboardInteractive,
    /// `publickey+password` (two steps).
    KeyAndPassword,
    /// `publickey+keyboard-interactive` (two steps).
    KeyAndKeyboardInteractive,
    /// `TLSCertificate` (FTP/WebDAV client certificate).
    TlsCertificate,
    /// `TLSCertificate+password` (two steps).
    TlsCertificateAndPassword,
}

impl LoginMethod {
    /// SFTPGo's name of the method.
    pub fn as_str(self) -> &'static str {
        match self {
            LoginMethod::PublicKey => LOGIN_PUBLIC_KEY,
            LoginMethod::Password => LOGIN_PASSWORD,
            LoginMethod::KeyboardInteractive => LOGIN_KEYBOARD_INTERACTIVE,
            LoginMethod::KeyAndPassword => LOGIN_KEY_AND_PASSWORD,
            LoginMethod::KeyAndKeyboardInteractive => LOGIN_KEY_AND_KEYBOARD_INT,
            LoginMethod::TlsCertificate => LOGIN_TLS_CERT,
            LoginMethod::TlsCertificateAndPassword => LOGIN_TLS_CERT_AND_PASSWORD,
        }
    }
}

impl std::fmt::Display for LoginMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the client presented in this step.
#[derive(Debug, Clone, Copy)]
pub enum Credential<'a> {
    /// A password (also the answer to the built-in keyboard-interactive prompt, with
    /// `keyboard_interactive` set).
    Password {
        /// The password.
        password: &'a str,
        /// True when it came through keyboard-interactive.
        keyboard_interactive: bool,
    },
    /// A plain public key whose signature the SSH layer has verified.
    PublicKey(&'a PublicKey),
    /// An SSH user certificate whose signature over the session the SSH layer has verified.
    Certificate(&'a Certificate),
    /// Only a one-time passcode, as the second step of `publickey+keyboard-interactive` over SSH
    /// for a user with TOTP enabled for SSH (no password is asked then, as in SFTPGo).
    Passcode(&'a str),
    /// The keyboard-interactive hook (`sftpd.keyboard_interactive_auth_hook`) accepted the user;
    /// the account and client rules still apply.
    HookVerified,
    /// A TLS client certificate the TLS layer has verified against the configured CAs.
    TlsCertificate {
        /// The certificate, DER.
        der: &'a [u8],
        /// The subject's common name, if any.
        common_name: Option<&'a str>,
    },
}

impl Credential<'_> {
    /// The method this credential is used with.
    pub fn method(&self) -> LoginMethod {
        match self {
            Credential::Password { keyboard_interactive: true, .. } => LoginMethod::KeyboardInteractive,
            Credential::Password { .. } => LoginMethod::Password,
            Credential::Passcode(_) | Credential::HookVerified => LoginMethod::KeyboardInteractive,
            Credential::PublicKey(_) | Credential::Certificate(_) => LoginMethod::PublicKey,
            Credential::TlsCertificate { .. } => LoginMethod::TlsCertificate,
        }
    }
}

/// One login step.
#[derive(Debug, Clone, Copy)]
pub struct LoginRequest<'a> {
    /// The name the client gave.
    pub username: &'a str,
    /// The client address.
    pub ip: IpAddr,
    /// The protocol family.
    pub protocol: LoginProtocol,
    /// What the client presented now.
    pub credential: Credential<'a>,
    /// The methods of the steps that already succeeded on this connection, in order (empty for a
    /// first step).
    pub done: &'a [LoginMethod],
    /// The one-time passcode given with a password, for users with TOTP enabled for the protocol
    /// (SSH keyboard-interactive asks for it; FTP clients append it to the password).
    pub passcode: Option<&'a str>,
}

/// A successful step.
#[derive(Debug, Clone)]
pub enum LoginResult {
    /// The login is complete: the user with group settings (and anonymous restrictions) applied.
    Complete {
        /// The effective user.
        user: Box<User>,
        /// The method the steps amount to (`publickey+password`…).
        method: LoginMethod,
    },
    /// This step succeeded but another is needed, with one of these methods.
    Partial(Vec<LoginMethod>),
}

/// Settings of the authenticator that come from the configuration.
#[derive(Debug, Clone, Default)]
pub struct AuthSettings {
    /// `common.tz = "local"`: access-time windows are in the server's zone instead of UTC.
    pub tz_local: bool,
    /// CAs trusted for SSH user certificates and the revoked certificates.
    pub cert_authorities: CertAuthorities,
    /// The HMAC of each `mfa.totp` configuration, by name.
    pub totp_algos: HashMap<String, TotpAlgo>,
}

/// Decides logins against the data provider, for every protocol.
#[derive(Debug, Clone)]
pub struct Authenticator {
    store: Store,
    guard: Arc<dyn LoginGuard>,
    settings: Arc<AuthSettings>,
    /// Passcodes already used, by user, until they expire: a passcode logs in once.
    used_passcodes: Arc<Mutex<HashMap<(String, String), i64>>>,
}

impl Authenticator {
    /// An authenticator over `store`, asking `guard` before each attempt.
    pub fn new(store: Store, guard: Arc<dyn LoginGuard>, settings: AuthSettings) -> Self {
        Self { store, guard, settings: Arc::new(settings), used_passcodes: Arc::default() }
    }

    /// The login guard, for fronts that report outcomes themselves (failed public keys are
    /// reported once per SSH connection, see [`LoginGuard`]).
    pub fn guard(&self) -> &Arc<dyn LoginGuard> {
        &self.guard
    }

    /// The data provider.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Decides one login step at the current time.
    pub async fn login(&self, req: LoginRequest<'_>) -> Result<LoginResult, AuthError> {
        self.login_at(req, now_ms()).await
    }

    /// Decides one login step as of `now_ms` (ms since the epoch), and records the outcome with the
    /// guard (except failed public keys, see [`LoginGuard`]) and `last_login` on completion.
    pub async fn login_at(&self, req: LoginRequest<'_>, now_ms: i64) -> Result<LoginResult, AuthError> {
        self.guard.check(req.ip, req.protocol).await?;
        let method = req.credential.method();
        let result = self.decide(&req, now_ms).await;
        let outcome = match &result {
            Ok(_) => Some(LoginOutcome::Success),
            // Whatever refused it (unknown user, wrong key, policy): a client offers its keys one
            // after another, and the SSH front reports the failure once per connection.
            Err(_) if method == LoginMethod::PublicKey => None,
            Err(AuthError::UnknownUser { .. }) => Some(LoginOutcome::UnknownUser),
            Err(AuthError::Internal { .. }) => None,
            Err(_) => Some(LoginOutcome::Failed),
        };
        if let Some(outcome) = outcome {
            self.guard.record(req.ip, req.protocol, method, outcome);
        }
        match &result {
            Ok(LoginResult::Complete { method, .. }) => {
                tracing::info!(username = req.username, ip = %req.ip, protocol = %req.protocol, %method, "login succeeded");
                match last_login::touch(&self.store, req.username, now_ms).await {
                    Ok(_) => {}
                    Err(e) => tracing::warn!(username = req.username, error = %e, "cannot record last login"),
                }
            }
            Ok(LoginResult::Partial(next)) => {
                tracing::debug!(username = req.username, ip = %req.ip, ?next, "login step succeeded, another is needed")
            }
            Err(e) => {
                tracing::warn!(username = req.username, ip = %req.ip, protocol = %req.protocol, %method, reason = e.reason(), error = %e, "login refused")
            }
        }
        result
    }

    async fn decide(&self, req: &LoginRequest<'_>, now_ms: i64) -> Result<LoginResult, AuthError> {
        let username = req.username;
        let internal = |e: StoreError| AuthError::Internal { username: username.to_owned(), detail: e.to_string() };
        let mut user = match self.store.effective_user(username).await {
            Ok(u) => u,
            Err(StoreError::NotFound { .. }) => return Err(AuthError::UnknownUser { username: username.to_owned() }),
            Err(e) => return Err(internal(e)),
        };
        if user.filters.is_anonymous {
            policy::apply_anonymous_settings(&mut user);
        }
        check_account(&user, now_ms)?;
        self.check_credential(&user, req, now_ms).await?;
        check_client(&user, req, now_ms, self.settings.tz_local)?;
        self.check_second_factor(&user, req, now_ms)?;
        let mut done = req.done.to_vec();
        done.push(req.credential.method());
        let denied = || AuthError::MethodDenied {
            username: username.to_owned(),
            method: policy::combined_method(&done, req.protocol).unwrap_or(req.credential.method()),
        };
        match policy::next_methods(&user, &done, req.protocol) {
            // A client certificate that only opens `TLSCertificate+password` asks for the password.
            NextMethods::Denied
                if done == [LoginMethod::TlsCertificate]
                    && matches!(req.protocol, LoginProtocol::Ftp | LoginProtocol::Dav)
                    && policy::login_method_allowed(&user, LoginMethod::TlsCertificateAndPassword, req.protocol) =>
            {
                Ok(LoginResult::Partial(vec![LoginMethod::Password]))
            }
            NextMethods::Denied => Err(denied()),
            NextMethods::Partial(next) => Ok(LoginResult::Partial(next)),
            NextMethods::Complete => {
                let method = policy::combined_method(&done, req.protocol).ok_or_else(denied)?;
                Ok(LoginResult::Complete { user: Box::new(user), method })
            }
        }
    }

    async fn check_credential(&self, user: &User, req: &LoginRequest<'_>, now_ms: i64) -> Result<(), AuthError> {
        let invalid = |detail: String| AuthError::InvalidCredentials { username: user.username.clone(), detail };
        match req.credential {
            // SFTPGo accepts any password, or none, from an anonymous user (whose settings leave
            // it only the `password` method, over FTP and WebDAV).
            Credential::Password { .. } if user.filters.is_anonymous => Ok(()),
            Credential::Password { password, .. } => {
                if password.is_empty() {
                    return Err(invalid("empty password".into()));
                }
                match self.store.authenticate_user(&user.username, password).await {
                    Ok(Some(_)) => Ok(()),
                    Ok(None) => Err(invalid("password does not match".into())),
                    Err(e) => Err(AuthError::Internal { username: user.username.clone(), detail: e.to_string() }),
                }
            }
            Credential::PublicKey(key) => keys::find_public_key(user, key)
                .map(|_| ())
                .ok_or_else(|| invalid("public key not among the user's keys".into())),
            Credential::Certificate(cert) => {
                if self.settings.cert_authorities.is_empty() {
                    return Err(invalid("no certificate authority is trusted".into()));
                }
                let secs = u64::try_from(now_ms / 1000).unwrap_or(0);
                keys::check_user_certificate(cert, &user.username, req.ip, secs, &self.settings.cert_authorities)
                    .map_err(invalid)
            }
            // Checked with the second factor, once the account rules passed.
            Credential::Passcode(_) => Ok(()),
            // The hook made its own checks (and asked the server for password or passcode checks).
            Credential::HookVerified => Ok(()),
            Credential::TlsCertificate { der, common_name } => {
                if keys::tls_certificate_matches(user, der, common_name) {
                    Ok(())
                } else {
                    Err(invalid("TLS certificate does not identify the user".into()))
                }
            }
        }
    }
}

impl Authenticator {
    /// The TOTP rules: a user with TOTP enabled for the protocol gives a valid, unused passcode
    /// with a password; a passcode alone is only a second step after a public key over SSH.
    fn check_second_factor(&self, user: &User, req: &LoginRequest<'_>, now_ms: i64) -> Result<(), AuthError> {
        let totp = policy::totp_enabled_for(user, req.protocol);
        let code = match req.credential {
            Credential::Passcode(code) => {
                if !(totp && req.protocol == LoginProtocol::Ssh && req.done == [LoginMethod::PublicKey]) {
                    return Err(AuthError::MethodDenied {
                        username: user.username.clone(),
                        method: LoginMethod::KeyboardInteractive,
                    });
                }
                code
            }
            Credential::Password { .. } if totp => req.passcode.unwrap_or_default(),
            _ => return Ok(()),
        };
        self.verify_passcode(user, req.protocol, code, now_ms)
    }

    /// Checks a one-time passcode of `user` (TOTP configured for the user): valid now and not
    /// used before. A used passcode cannot log in again while it is valid.
    pub fn verify_passcode(
        &self,
        user: &User,
        protocol: LoginProtocol,
        code: &str,
        now_ms: i64,
    ) -> Result<(), AuthError> {
        let invalid = |detail: &str| AuthError::InvalidPasscode {
            username: user.username.clone(),
            protocol,
            detail: detail.to_owned(),
        };
        if code.is_empty() {
            return Err(invalid("a one-time passcode is required"));
        }
        if !user.filters.totp_config.enabled {
            return Err(invalid("two-factor authentication is not configured"));
        }
        let cfg = &user.filters.totp_config;
        let internal = |detail: String| AuthError::Internal { username: user.username.clone(), detail };
        let algo = self
            .settings
            .totp_algos
            .get(&cfg.config_name)
            .copied()
            .ok_or_else(|| internal(format!("TOTP configuration {:?} is not in mfa.totp", cfg.config_name)))?;
        let secret =
            self.store.kms().decrypt(&cfg.secret).map_err(|e| internal(format!("TOTP secret unusable: {e}")))?;
        let key = wharf_secrets::totp::decode_secret(&secret).map_err(|e| internal(e.to_string()))?;
        let secs = u64::try_from(now_ms / 1000).unwrap_or(0);
        if wharf_secrets::totp::verify(&key, algo, code, secs).is_none() {
            return Err(invalid("wrong passcode"));
        }
        let mut used = self.used_passcodes.lock().unwrap_or_else(|p| p.into_inner());
        used.retain(|_, expires| *expires > now_ms);
        let window_ms =
            i64::try_from((2 * wharf_secrets::totp::SKEW + 1) * wharf_secrets::totp::PERIOD * 1000).unwrap_or(i64::MAX);
        if used.insert((user.username.clone(), code.to_owned()), now_ms.saturating_add(window_ms)).is_some() {
            return Err(invalid("the passcode was already used"));
        }
        Ok(())
    }
}

/// Rules about the account alone: enabled, not expired, absolute home directory.
fn check_account(user: &User, now_ms: i64) -> Result<(), AuthError> {
    let username = || user.username.clone();
    if user.status != 1 {
        return Err(AuthError::Disabled { username: username() });
    }
    if user.expiration_date > 0 && user.expiration_date < now_ms {
        return Err(AuthError::Expired { username: username(), expired_at_ms: user.expiration_date, now_ms });
    }
    if !policy::home_dir_valid(user) {
        return Err(AuthError::InvalidHomeDir { username: username(), home_dir: user.home_dir.clone() });
    }
    Ok(())
}

/// Rules that depend on the client: address, time, protocol, password change, second factor.
fn check_client(user: &User, req: &LoginRequest<'_>, now_ms: i64, tz_local: bool) -> Result<(), AuthError> {
    let username = || user.username.clone();
    if !policy::ip_allowed(&user.filters, req.ip) {
        return Err(AuthError::AddressNotAllowed { username: username(), ip: req.ip });
    }
    if !user.filters.access_time.is_empty() {
        let clock = policy::wall_clock(now_ms, tz_local).ok_or_else(|| AuthError::Internal {
            username: username(),
            detail: format!("time {now_ms} out of range"),
        })?;
        if !policy::access_time_allowed(&user.filters.access_time, &clock) {
            return Err(AuthError::OutsideAccessTime { username: username(), when: clock.to_string() });
        }
    }
    let protocol_denied = user.filters.denied_protocols.iter().any(|p| p == req.protocol.as_str());
    if protocol_denied {
        return Err(AuthError::ProtocolDenied { username: username(), protocol: req.protocol });
    }
    if req.protocol != LoginProtocol::Http && policy::must_change_password(user, now_ms) {
        return Err(AuthError::PasswordChangeRequired { username: username(), protocol: req.protocol });
    }
    if policy::second_factor_missing(user, req.protocol) {
        return Err(AuthError::SecondFactorNotConfigured { username: username(), protocol: req.protocol });
    }
    Ok(())
}
