//! One SSH connection: logins go to the core's authenticator, `session` channels carry SFTP (SSH
//! commands and SCP come with their own issue), everything else is refused.

use std::borrow::Cow;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use russh::keys::{Certificate as RusshCertificate, PublicKey as RusshPublicKey};
use russh::server::{Auth, Msg, Response, Session as SshSession};
use russh::{Channel, ChannelId, MethodKind, MethodSet};
use wharf_core::auth::{Credential, LoginMethod, LoginOutcome, LoginProtocol, LoginRequest, LoginResult};
use wharf_core::hooks::HookTarget;
use wharf_core::hooks::keyboard_interactive::{KbdConversation, KbdStep};
use wharf_core::registry::Connection;
use wharf_core::services::Core;
use wharf_core::session::{ConnCtx, Protocol, Session};
use wharf_model::User;

use crate::server::{SshSettings, WINDOW_SIZE};
use crate::stream::{TouchingReader, pump};

/// The per-connection state russh drives.
pub(crate) struct ConnectionHandler {
    core: Arc<Core>,
    settings: Arc<SshSettings>,
    conn: Connection,
    peer: SocketAddr,
    /// Methods of the login steps that succeeded so far (multi-step logins).
    done: Vec<LoginMethod>,
    /// The logged-in user, with group settings applied.
    user: Option<User>,
    /// A public key was refused on this connection (reported to the login guard once).
    key_refused: bool,
    /// Session channels opened and waiting for their request.
    channels: HashMap<ChannelId, Channel<Msg>>,
    /// Where a keyboard-interactive exchange stands.
    kbd: KbdStage,
}

/// The questions of the built-in keyboard-interactive exchange: the password, then a one-time
/// passcode for users with TOTP enabled for SSH.
#[derive(Debug)]
enum KbdStage {
    Idle,
    Password,
    Code {
        password: Option<String>,
    },
    /// The keyboard-interactive hook runs the exchange; `step` is what the client was asked.
    Hook {
        conversation: Box<KbdConversation>,
        step: KbdStep,
    },
}

const PASSWORD_PROMPT: &str = "Password: ";
const CODE_PROMPT: &str = "Authentication code: ";

fn prompt(text: &'static str) -> Auth {
    Auth::Partial { name: "".into(), instructions: "".into(), prompts: vec![(text.into(), false)].into() }
}

impl ConnectionHandler {
    pub(crate) fn new(core: Arc<Core>, settings: Arc<SshSettings>, conn: Connection, peer: SocketAddr) -> Self {
        Self {
            core,
            settings,
            conn,
            peer,
            done: Vec::new(),
            user: None,
            key_refused: false,
            channels: HashMap::new(),
            kbd: KbdStage::Idle,
        }
    }

    /// Reports a refused public key once per connection that did not log in, as the login guard
    /// expects.
    fn report_refused_key(&self) {
        if self.key_refused && self.user.is_none() {
            self.core.auth.guard().record(
                self.peer.ip(),
                LoginProtocol::Ssh,
                LoginMethod::PublicKey,
                LoginOutcome::Failed,
            );
        }
    }

    /// The methods offered after a refusal: what the server enables, minus what multi-step logins
    /// no longer allow.
    fn methods(&self) -> MethodSet {
        let mut set = MethodSet::empty();
        set.push(MethodKind::PublicKey);
        if self.settings.password_auth {
            set.push(MethodKind::Password);
        }
        if self.settings.keyboard_interactive {
            set.push(MethodKind::KeyboardInteractive);
        }
        set
    }

    fn reject(&self) -> Auth {
        Auth::Reject { proceed_with_methods: Some(self.methods()), partial_success: false }
    }

    async fn login(&mut self, username: &str, credential: Credential<'_>) -> Auth {
        self.login_with_passcode(username, credential, None).await
    }

    async fn login_with_passcode(
        &mut self,
        username: &str,
        credential: Credential<'_>,
        passcode: Option<&str>,
    ) -> Auth {
        let req = LoginRequest {
            username,
            ip: self.peer.ip(),
            protocol: LoginProtocol::Ssh,
            credential,
            done: &self.done,
            passcode,
        };
        match Box::pin(self.core.auth.login(req)).await {
            Ok(LoginResult::Complete { user, .. }) => {
                if let Err(e) = self.conn.set_user(&user.username) {
                    tracing::warn!(error = %e, "login refused by the connection registry");
                    return self.reject();
                }
                self.user = Some(*user);
                Auth::Accept
            }
            Ok(LoginResult::Partial(next)) => {
                self.done.push(credential.method());
                let mut set = MethodSet::empty();
                for m in next {
                    match m {
                        LoginMethod::Password if self.settings.password_auth => set.push(MethodKind::Password),
                        LoginMethod::KeyboardInteractive if self.settings.keyboard_interactive => {
                            set.push(MethodKind::KeyboardInteractive)
                        }
                        _ => {}
                    }
                }
                if set.is_empty() {
                    tracing::info!(username, "the second login step this user needs is disabled on this server");
                    return self.reject();
                }
                Auth::Reject { proceed_with_methods: Some(set), partial_success: true }
            }
            Err(e) => {
                if credential.method() == LoginMethod::PublicKey {
                    self.key_refused = true;
                }
                tracing::debug!(username, reason = e.reason(), "login step refused");
                self.reject()
            }
        }
    }

    /// One round of a keyboard-interactive exchange run by the hook: starts it (no `response`),
    /// or passes the client's answers on, then asks the client the hook's next questions or ends
    /// the login with the hook's result.
    async fn hook_exchange(&mut self, target: &HookTarget, username: &str, response: Option<Response<'_>>) -> Auth {
        let (mut conversation, asked) = match (response, std::mem::replace(&mut self.kbd, KbdStage::Idle)) {
            (None, _) => {
                let Ok(user) = self.core.store.user(username).await else { return self.reject() };
                let ip = self.peer.ip().to_string();
                match KbdConversation::start(target, &self.core.runners, username, &ip, &user.password, self.conn.id())
                {
                    Ok(c) => (Box::new(c), None),
                    Err(e) => {
                        tracing::warn!(username, error = %e, "keyboard-interactive hook failed to start");
                        return self.reject();
                    }
                }
            }
            (Some(response), KbdStage::Hook { conversation, step }) => {
                let answers: Vec<String> = response.map(|b| String::from_utf8_lossy(&b).into_owned()).collect();
                (conversation, Some((step, answers)))
            }
            (Some(_), _) => return self.reject(),
        };
        if let Some((step, answers)) = asked {
            let reply = match step.check_password {
                0 => Some(answers),
                check => {
                    let answer = answers.first().map(String::as_str).unwrap_or_default();
                    self.server_check(username, check, answer).await.then(|| vec!["OK".to_owned()])
                }
            };
            let Some(reply) = reply else {
                tracing::info!(username, "keyboard-interactive: the answer checked by the server is wrong");
                return self.reject();
            };
            if let Err(e) = conversation.answer(reply).await {
                tracing::warn!(username, error = %e, "keyboard-interactive hook failed");
                return self.reject();
            }
        }
        let step = match conversation.next_step().await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(username, error = %e, "keyboard-interactive hook failed");
                return self.reject();
            }
        };
        match step.auth_result {
            1 => self.login(username, Credential::HookVerified).await,
            0 => {
                let prompts: Vec<(Cow<'static, str>, bool)> = step
                    .questions
                    .iter()
                    .enumerate()
                    .map(|(i, q)| (Cow::Owned(q.clone()), step.echos.get(i).copied().unwrap_or(false)))
                    .collect();
                let instructions = Cow::Owned(step.instruction.clone());
                self.kbd = KbdStage::Hook { conversation, step };
                Auth::Partial { name: "".into(), instructions, prompts: prompts.into() }
            }
            _ => {
                tracing::info!(username, "keyboard-interactive hook refused the login");
                self.reject()
            }
        }
    }

    /// The check a hook step leaves to the server: 1 = the user's password, 2 = a one-time
    /// passcode.
    async fn server_check(&self, username: &str, check: i32, answer: &str) -> bool {
        match check {
            1 => matches!(self.core.store.authenticate_user(username, answer).await, Ok(Some(_))),
            2 => match self.core.store.effective_user(username).await {
                Ok(user) => {
                    self.core.auth.verify_passcode(&user, LoginProtocol::Ssh, answer, wharf_store::now_ms()).is_ok()
                }
                Err(_) => false,
            },
            _ => false,
        }
    }

    /// True if the user exists and has TOTP enabled for SSH.
    async fn totp_for(&self, username: &str) -> bool {
        match self.core.store.effective_user(username).await {
            Ok(u) => wharf_core::auth::policy::totp_enabled_for(&u, LoginProtocol::Ssh),
            Err(_) => false,
        }
    }

    fn key_algorithm_allowed(&self, key: &RusshPublicKey) -> bool {
        let algo = key.algorithm();
        let allowed = &self.settings.public_key_algorithms;
        if algo.clone().is_rsa() {
            allowed.iter().any(|a| a == "ssh-rsa" || a == "rsa-sha2-256" || a == "rsa-sha2-512")
        } else {
            allowed.iter().any(|a| a == algo.as_str())
        }
    }
}

impl Drop for ConnectionHandler {
    fn drop(&mut self) {
        self.report_refused_key();
    }
}

impl russh::server::Handler for ConnectionHandler {
    type Error = russh::Error;

    async fn authentication_banner(&mut self) -> Result<Option<String>, Self::Error> {
        Ok(self.settings.banner.clone())
    }

    async fn auth_none(&mut self, _user: &str) -> Result<Auth, Self::Error> {
        Ok(self.reject())
    }

    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        if !self.settings.password_auth {
            return Ok(self.reject());
        }
        Ok(self.login(user, Credential::Password { password, keyboard_interactive: false }).await)
    }

    async fn auth_publickey_offered(&mut self, _user: &str, key: &RusshPublicKey) -> Result<Auth, Self::Error> {
        // Whether the key belongs to the user is decided once the client has proven it holds the
        // private key; answering here would tell a stranger which keys an account has.
        Ok(if self.key_algorithm_allowed(key) { Auth::Accept } else { self.reject() })
    }

    async fn auth_publickey(&mut self, user: &str, key: &RusshPublicKey) -> Result<Auth, Self::Error> {
        if !self.key_algorithm_allowed(key) {
            return Ok(self.reject());
        }
        Ok(self.login(user, Credential::PublicKey(key)).await)
    }

    async fn auth_openssh_certificate(&mut self, user: &str, cert: &RusshCertificate) -> Result<Auth, Self::Error> {
        Ok(self.login(user, Credential::Certificate(cert)).await)
    }

    async fn auth_keyboard_interactive<'a>(
        &'a mut self,
        user: &str,
        _submethods: &str,
        response: Option<Response<'a>>,
    ) -> Result<Auth, Self::Error> {
        if !self.settings.keyboard_interactive {
            return Ok(self.reject());
        }
        if let Some(target) = self.settings.kbd_hook.clone() {
            return Ok(self.hook_exchange(&target, user, response).await);
        }
        let Some(mut response) = response else {
            // After a public key, a user with TOTP for SSH gives only the passcode (as in SFTPGo).
            let code_only = self.done == [LoginMethod::PublicKey] && self.totp_for(user).await;
            self.kbd = if code_only { KbdStage::Code { password: None } } else { KbdStage::Password };
            return Ok(prompt(if code_only { CODE_PROMPT } else { PASSWORD_PROMPT }));
        };
        let answer = response.next().map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
        match std::mem::replace(&mut self.kbd, KbdStage::Idle) {
            KbdStage::Password => {
                // Ask for the passcode only once the password is known to be right, so that a
                // stranger learns nothing about the account's second factor.
                let needs_code = self.totp_for(user).await
                    && matches!(self.core.store.authenticate_user(user, &answer).await, Ok(Some(_)));
                if needs_code {
                    self.kbd = KbdStage::Code { password: Some(answer) };
                    return Ok(prompt(CODE_PROMPT));
                }
                let credential = Credential::Password { password: &answer, keyboard_interactive: true };
                Ok(self.login(user, credential).await)
            }
            KbdStage::Code { password: Some(password) } => {
                let credential = Credential::Password { password: &password, keyboard_interactive: true };
                Ok(self.login_with_passcode(user, credential, Some(&answer)).await)
            }
            KbdStage::Code { password: None } => Ok(self.login(user, Credential::Passcode(&answer)).await),
            KbdStage::Idle | KbdStage::Hook { .. } => Ok(self.reject()),
        }
    }

    async fn auth_succeeded(&mut self, _session: &mut SshSession) -> Result<(), Self::Error> {
        if let Some(u) = &self.user {
            tracing::info!(username = %u.username, ip = %self.peer.ip(), connection = self.conn.id(), "SSH login");
        }
        Ok(())
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        _session: &mut SshSession,
    ) -> Result<bool, Self::Error> {
        if self.user.is_none() || self.channels.len() >= MAX_PENDING_CHANNELS {
            return Ok(false);
        }
        self.channels.insert(channel.id(), channel);
        Ok(true)
    }

    async fn channel_close(&mut self, channel: ChannelId, _session: &mut SshSession) -> Result<(), Self::Error> {
        self.channels.remove(&channel);
        Ok(())
    }

    async fn subsystem_request(
        &mut self,
        id: ChannelId,
        name: &str,
        session: &mut SshSession,
    ) -> Result<(), Self::Error> {
        let (Some(user), true) = (self.user.clone(), name == "sftp") else {
            tracing::info!(subsystem = name, "subsystem refused");
            return refuse(session, id);
        };
        let Some(channel) = self.channels.remove(&id) else {
            return refuse(session, id);
        };
        let guard = match self.conn.open_session(user.max_sessions) {
            Ok(g) => g,
            Err(e) => {
                tracing::info!(username = %user.username, error = %e, "SFTP session refused");
                return refuse(session, id);
            }
        };
        let ctx = ConnCtx { id: self.conn.id().to_owned(), protocol: Protocol::Sftp, ip: self.peer.ip() };
        let file_session = match Box::pin(Session::new(user, ctx, self.core.sessions.clone())).await {
            Ok(s) => Arc::new(s),
            Err(e) => {
                tracing::warn!(error = %e, "cannot open the user's storage, SFTP session refused");
                return refuse(session, id);
            }
        };
        // The session holds the registry slot from now on: its transfers are listed, and the slot
        // is freed when the session and its last transfer are gone.
        let _ = file_session.attach(guard);
        self.conn.set_protocol(Protocol::Sftp);
        session.channel_success(id)?;
        let handle = session.handle();
        let conn = self.conn.clone();
        let opts = self.settings.sftp.clone();
        tokio::spawn(async move {
            let stream = channel.into_stream();
            let (reader, writer) = tokio::io::split(stream);
            let reader = pump(TouchingReader::new(reader, conn), WINDOW_SIZE as usize);
            let status = match wharf_sftp::serve(reader, writer, file_session, opts).await {
                Ok(_) => 0,
                Err(e) => {
                    tracing::info!(error = %e, "SFTP session ended with an error");
                    1
                }
            };
            let _ = handle.exit_status_request(id, status).await;
            let _ = handle.eof(id).await;
            let _ = handle.close(id).await;
        });
        Ok(())
    }

    async fn exec_request(&mut self, id: ChannelId, data: &[u8], session: &mut SshSession) -> Result<(), Self::Error> {
        let command = String::from_utf8_lossy(data);
        tracing::info!(command = %command, "SSH command refused: commands are not available yet");
        // Accepted so that the client shows the reason, then ended with a failure status.
        session.channel_success(id)?;
        session.extended_data(id, 1, format!("wharf: command not allowed: {command}\n").into_bytes())?;
        session.exit_status_request(id, 1)?;
        session.eof(id)?;
        session.close(id)
    }

    async fn shell_request(&mut self, id: ChannelId, session: &mut SshSession) -> Result<(), Self::Error> {
        session.channel_failure(id)
    }
}

/// Refuses a channel request and closes the channel: some clients (OpenSSH's multiplexing master)
/// wait for the server to close a channel whose request failed.
fn refuse(session: &mut SshSession, id: ChannelId) -> Result<(), russh::Error> {
    session.channel_failure(id)?;
    session.close(id)
}

/// Session channels a client may have opened without sending their request yet.
const MAX_PENDING_CHANNELS: usize = 16;
