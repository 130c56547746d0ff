//! `sftpd.keyboard_interactive_auth_hook`: an external program or HTTP endpoint that runs the
//! SSH keyboard-interactive conversation, with SFTPGo's protocol.
//!
//! Each step of the hook is a JSON object `{"instruction", "questions", "echos", "check_password",
//! "auth_result"}`: `auth_result` 1 ends the login successfully, a negative value ends it in
//! failure, 0 asks the client `questions`. With `check_password` 1 the server checks the client's
//! single answer against the user's stored password (2: as a one-time passcode) instead of the
//! hook, and tells the hook `OK` when it matches; a wrong answer fails the login.
//!
//! - A program gets `SFTPGO_AUTHD_USERNAME`, `SFTPGO_AUTHD_IP` and `SFTPGO_AUTHD_PASSWORD` (the
//!   stored hash), writes one step per line on its standard output and reads the client's answers,
//!   one per line, on its standard input.
//! - An HTTP endpoint receives `POST {"request_id", "step", "username", "ip", "password",
//!   "answers", "questions"}` for each step (answers and questions of the previous step, `null` at
//!   step 1) and answers 200 with the next step.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{ChildStdin, ChildStdout};

use super::command::{InteractiveProgram, ProgramGuard};
use super::{HookError, HookKind, HookRunners, HookTarget, HttpRequest};

/// Longest line a program may write.
const MAX_LINE: usize = 64 * 1024;
/// Most steps of one conversation.
pub const MAX_STEPS: u32 = 32;
/// How long an HTTP conversation may last (a program's comes from `command`).
const HTTP_TIMEOUT: Duration = Duration::from_secs(60);

/// One step the hook asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct KbdStep {
    /// Text shown above the questions.
    pub instruction: String,
    /// The prompts.
    pub questions: Vec<String>,
    /// Whether each answer may be echoed.
    pub echos: Vec<bool>,
    /// 1: the server checks the single answer as the password; 2: as a one-time passcode.
    pub check_password: i32,
    /// 1: logged in; negative: refused; 0: go on.
    pub auth_result: i32,
}

#[derive(Debug, Serialize)]
struct HttpStepRequest<'a> {
    request_id: &'a str,
    step: u32,
    username: &'a str,
    ip: &'a str,
    password: &'a str,
    answers: Option<&'a [String]>,
    questions: Option<&'a [String]>,
}

/// One running conversation.
#[derive(Debug)]
pub struct KbdConversation {
    kind: Kind,
    steps: u32,
    deadline: tokio::time::Instant,
}

#[derive(Debug)]
enum Kind {
    Program(Box<ProgramConversation>),
    Http(Box<HttpConversation>),
}

#[derive(Debug)]
struct ProgramConversation {
    stdin: ChildStdin,
    lines: BufReader<ChildStdout>,
    timeout: Duration,
    _guard: ProgramGuard,
}

#[derive(Debug)]
struct HttpConversation {
    runners: HookRunners,
    url: url::Url,
    request_id: String,
    username: String,
    ip: String,
    password: String,
    answers: Option<Vec<String>>,
    questions: Option<Vec<String>>,
}

impl KbdConversation {
    /// Starts the hook for `username` logging in from `ip`, whose stored password hash is
    /// `password_hash` (empty if none).
    pub fn start(
        target: &HookTarget,
        runners: &HookRunners,
        username: &str,
        ip: &str,
        password_hash: &str,
        request_id: &str,
    ) -> Result<Self, HookError> {
        match target {
            HookTarget::Program(path) => {
                let vars = [
                    ("SFTPGO_AUTHD_USERNAME".to_owned(), username.to_owned()),
                    ("SFTPGO_AUTHD_IP".to_owned(), ip.to_owned()),
                    ("SFTPGO_AUTHD_PASSWORD".to_owned(), password_hash.to_owned()),
                ];
                let InteractiveProgram { stdin, stdout, timeout, guard } =
                    runners.command.spawn_interactive(HookKind::KeyboardInteractive, path, &vars)?;
                let deadline = tokio::time::Instant::now() + timeout;
                let kind = Kind::Program(Box::new(ProgramConversation {
                    stdin,
                    lines: BufReader::new(stdout),
                    timeout,
                    _guard: guard,
                }));
                Ok(Self { kind, steps: 0, deadline })
            }
            HookTarget::Http(url) => Ok(Self {
                kind: Kind::Http(Box::new(HttpConversation {
                    runners: runners.clone(),
                    url: url.clone(),
                    request_id: request_id.to_owned(),
                    username: username.to_owned(),
                    ip: ip.to_owned(),
                    password: password_hash.to_owned(),
                    answers: None,
                    questions: None,
                })),
                steps: 0,
                deadline: tokio::time::Instant::now() + HTTP_TIMEOUT,
            }),
        }
    }

    /// The hook's next step.
    pub async fn next_step(&mut self) -> Result<KbdStep, HookError> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return Err(protocol(format!("more than {MAX_STEPS} steps")));
        }
        let deadline = self.deadline;
        let step = match &mut self.kind {
            Kind::Program(p) => {
                let (lines, timeout) = (&mut p.lines, p.timeout);
                let line = tokio::time::timeout_at(deadline, read_line(lines)).await.map_err(|_| {
                    HookError::Timeout { hook: HookKind::KeyboardInteractive, target: "program".into(), timeout }
                })??;
                serde_json::from_str::<KbdStep>(&line).map_err(|e| protocol(format!("invalid step {line:?}: {e}")))?
            }
            Kind::Http(http) => {
                let body = serde_json::to_vec(&HttpStepRequest {
                    request_id: &http.request_id,
                    step: self.steps,
                    username: &http.username,
                    ip: &http.ip,
                    password: &http.password,
                    answers: http.answers.as_deref(),
                    questions: http.questions.as_deref(),
                })
                .map_err(|e| protocol(e.to_string()))?;
                let request =
                    HttpRequest::post_json(HookKind::KeyboardInteractive, http.url.clone(), body).read_body(true);
                let response = tokio::time::timeout_at(deadline, http.runners.http.send_expect(&request, &[200]))
                    .await
                    .map_err(|_| HookError::Timeout {
                        hook: HookKind::KeyboardInteractive,
                        target: http.url.to_string(),
                        timeout: HTTP_TIMEOUT,
                    })??;
                let step: KbdStep =
                    serde_json::from_slice(&response.body).map_err(|e| protocol(format!("invalid step: {e}")))?;
                http.questions = Some(step.questions.clone());
                step
            }
        };
        if step.auth_result == 0 && step.questions.is_empty() {
            return Err(protocol("a step with neither questions nor a result".into()));
        }
        if step.check_password != 0 && step.questions.len() != 1 {
            return Err(protocol("check_password needs exactly one question".into()));
        }
        Ok(step)
    }

    /// Gives the hook the client's answers (or `OK` after a check the server made).
    pub async fn answer(&mut self, answers: Vec<String>) -> Result<(), HookError> {
        match &mut self.kind {
            Kind::Program(p) => {
                let mut text = String::new();
                for a in &answers {
                    // One answer per line: a line break inside an answer would be a second answer.
                    text.push_str(&a.replace(['\n', '\r'], " "));
                    text.push('\n');
                }
                write_all(&mut p.stdin, text.as_bytes()).await
            }
            Kind::Http(http) => {
                http.answers = Some(answers);
                Ok(())
            }
        }
    }
}

async fn write_all(stdin: &mut ChildStdin, bytes: &[u8]) -> Result<(), HookError> {
    stdin.write_all(bytes).await.map_err(|source| HookError::Io {
        hook: HookKind::KeyboardInteractive,
        program: "keyboard-interactive hook".into(),
        source,
    })?;
    stdin.flush().await.map_err(|source| HookError::Io {
        hook: HookKind::KeyboardInteractive,
        program: "keyboard-interactive hook".into(),
        source,
    })
}

/// Reads one line of at most [`MAX_LINE`] bytes; the end of the output is an error.
async fn read_line(lines: &mut BufReader<ChildStdout>) -> Result<String, HookError> {
    let mut buf = Vec::new();
    loop {
        let chunk = lines.fill_buf().await.map_err(|source| HookError::Io {
            hook: HookKind::KeyboardInteractive,
            program: "keyboard-interactive hook".into(),
            source,
        })?;
        if chunk.is_empty() {
            return Err(protocol("the program ended the conversation without a result".into()));
        }
        let (take, done) = match chunk.iter().position(|b| *b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        buf.extend_from_slice(&chunk[..take]);
        lines.consume(take);
        if buf.len() > MAX_LINE {
            return Err(protocol(format!("a line longer than {MAX_LINE} bytes")));
        }
        if done {
            let line = String::from_utf8_lossy(&buf).trim().to_owned();
            if line.is_empty() {
                buf.clear();
                continue;
            }
            return Ok(line);
        }
    }
}

fn protocol(reason: String) -> HookError {
    HookError::InvalidHook { hook: HookKind::KeyboardInteractive, reason }
}
