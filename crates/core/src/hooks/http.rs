//! The HTTP client of hooks (`http` section).
//!
//! One HTTP/1.1 request per attempt, each bounded by `http.timeout` (connection, TLS handshake,
//! request and response included). Hooks marked retryable are tried again, up to `retry_max`
//! more times, after a transport error, HTTP 429 or a 5xx other than 501, waiting
//! `retry_wait_min` doubled on every retry and capped at `retry_wait_max` (a `Retry-After` in
//! seconds on 429/503 is honoured within that cap). Headers of `http.headers` are added when the
//! URL starts with their `url` (always when it is empty); credentials in the URL become a Basic
//! `Authorization` header. Response bodies are read only when asked for, and never beyond
//! [`MAX_RESPONSE`] bytes.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::header::{self, HeaderName, HeaderValue};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use url::{Host, Position, Url};
use wharf_config::HttpClientConfig;

use super::{HookError, HookKind, tls};

/// Most bytes of response body a hook may answer.
pub const MAX_RESPONSE: usize = 1024 * 1024;
/// Redirects followed at most. Go's client (and so SFTPGo) follows them; so do we.
const MAX_REDIRECTS: u32 = 10;
const USER_AGENT: &str = concat!("Wharf/", env!("CARGO_PKG_VERSION"));

/// One hook request.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    /// Which hook sends it.
    pub hook: HookKind,
    /// `GET` or `POST`.
    pub method: Method,
    /// The full URL, query included.
    pub url: Url,
    /// A JSON body (sent with `Content-Type: application/json`), if any.
    pub json_body: Option<Bytes>,
    /// Whether failed attempts are retried.
    pub retryable: bool,
    /// Whether the response body is read (bounded by [`MAX_RESPONSE`]); otherwise it is dropped.
    pub read_body: bool,
}

impl HttpRequest {
    /// A `GET` without body, not retried, body not read.
    pub fn get(hook: HookKind, url: Url) -> Self {
        Self { hook, method: Method::GET, url, json_body: None, retryable: false, read_body: false }
    }

    /// A `POST` of a JSON body, not retried, body not read.
    pub fn post_json(hook: HookKind, url: Url, body: impl Into<Bytes>) -> Self {
        Self { hook, method: Method::POST, url, json_body: Some(body.into()), retryable: false, read_body: false }
    }

    /// Sets whether failed attempts are retried.
    #[must_use]
    pub fn retryable(mut self, retryable: bool) -> Self {
        self.retryable = retryable;
        self
    }

    /// Sets whether the response body is read.
    #[must_use]
    pub fn read_body(mut self, read: bool) -> Self {
        self.read_body = read;
        self
    }
}

/// A hook's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// HTTP status code.
    pub status: u16,
    /// The body when it was asked for (at most [`MAX_RESPONSE`] bytes), else empty.
    pub body: Bytes,
    /// Attempts made.
    pub attempts: u32,
}

#[derive(Debug)]
struct ExtraHeader {
    url_prefix: String,
    name: HeaderName,
    value: HeaderValue,
}

struct Inner {
    timeout: Duration,
    wait_min: Duration,
    wait_max: Duration,
    retry_max: u32,
    headers: Vec<ExtraHeader>,
    tls: TlsConnector,
}

/// Sends hook requests as the `http` section says. Cheap to clone.
#[derive(Clone)]
pub struct HttpRunner {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for HttpRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpRunner")
            .field("timeout", &self.inner.timeout)
            .field("retry_max", &self.inner.retry_max)
            .finish_non_exhaustive()
    }
}

fn secs(value: i64, default: u64) -> Duration {
    Duration::from_secs(u64::try_from(value).ok().filter(|s| *s > 0).unwrap_or(default))
}

/// What a single attempt ended with.
enum Attempt {
    Done { status: StatusCode, retry_after: Option<Duration>, body: Bytes, location: Option<String> },
    Failed { reason: String, retry: bool },
    TimedOut,
    TooLarge,
}

/// The URL as shown in logs and errors: no credentials, query or fragment.
pub(crate) fn display_url(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_query(None);
    shown.set_fragment(None);
    shown.to_string()
}

impl HttpRunner {
    /// Builds the client: timeouts, retries, extra headers and TLS settings (CA and client
    /// certificate paths are resolved against `config_dir`). Fails when a certificate or key
    /// cannot be loaded; headers with an invalid name or value are skipped with a warning.
    pub fn new(config: &HttpClientConfig, config_dir: &std::path::Path) -> Result<Self, HookError> {
        let tls = tls::client_config(config, config_dir)?;
        let mut headers = Vec::new();
        for (i, h) in config.headers.iter().enumerate() {
            match (HeaderName::try_from(h.key.as_str()), HeaderValue::try_from(h.value.as_str())) {
                (Ok(name), Ok(value)) => headers.push(ExtraHeader { url_prefix: h.url.clone(), name, value }),
                _ => tracing::warn!(index = i, "http.headers entry skipped: invalid header name or value"),
            }
        }
        Ok(Self {
            inner: Arc::new(Inner {
                timeout: secs(config.timeout, 20),
                wait_min: secs(config.retry_wait_min, 2),
                wait_max: secs(config.retry_wait_max, 30),
                retry_max: u32::try_from(config.retry_max).unwrap_or(0),
                headers,
                tls: TlsConnector::from(tls),
            }),
        })
    }

    /// Replaces the per-attempt timeout and the retry waits, which the configuration only gives
    /// in whole seconds (tests use shorter ones).
    #[must_use]
    pub fn with_timing(self, timeout: Duration, wait_min: Duration, wait_max: Duration) -> Self {
        let inner = &self.inner;
        Self {
            inner: Arc::new(Inner {
                timeout,
                wait_min,
                wait_max,
                retry_max: inner.retry_max,
                headers: inner
                    .headers
                    .iter()
                    .map(|h| ExtraHeader {
                        url_prefix: h.url_prefix.clone(),
                        name: h.name.clone(),
                        value: h.value.clone(),
                    })
                    .collect(),
                tls: inner.tls.clone(),
            }),
        }
    }

    /// The wait before retry number `retry` (0 for the first retry).
    fn backoff(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(wait) = retry_after {
            return wait.min(self.inner.wait_max);
        }
        let factor = 1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX);
        self.inner.wait_min.saturating_mul(factor).min(self.inner.wait_max)
    }

    /// Sends `request` and returns the answer, whatever its status, unless a retryable request
    /// ran out of attempts (then the last failure is the error).
    pub async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, HookError> {
        let hook = request.hook;
        let shown = display_url(&request.url);
        let attempts_allowed = if request.retryable { self.inner.retry_max.saturating_add(1) } else { 1 };
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let outcome = self.follow(request).await;
            let (retry, retry_after, failure) = match outcome {
                Attempt::Done { status, retry_after, body, .. } => {
                    let code = status.as_u16();
                    let retry_status = code == 429 || (code >= 500 && code != 501);
                    if !(request.retryable && retry_status) {
                        return Ok(HttpResponse { status: code, body, attempts: attempt });
                    }
                    let wait = if code == 429 || code == 503 { retry_after } else { None };
                    (true, wait, HookError::HttpStatus { hook, url: shown.clone(), status: code, attempts: attempt })
                }
                Attempt::Failed { reason, retry } => {
                    (retry, None, HookError::Http { hook, url: shown.clone(), reason, attempts: attempt })
                }
                Attempt::TimedOut => {
                    (true, None, HookError::Timeout { hook, target: shown.clone(), timeout: self.inner.timeout })
                }
                Attempt::TooLarge => {
                    return Err(HookError::ResponseTooLarge { hook, url: shown, limit: MAX_RESPONSE });
                }
            };
            if !retry || attempt >= attempts_allowed {
                tracing::warn!(hook = %hook, url = %shown, attempts = attempt, error = %failure, "HTTP hook failed");
                return Err(failure);
            }
            let wait = self.backoff(attempt - 1, retry_after);
            tracing::debug!(hook = %hook, url = %shown, attempt, ?wait, error = %failure, "HTTP hook attempt failed; retrying");
            tokio::time::sleep(wait).await;
        }
    }

    /// Sends `request` and fails unless the answer has one of the `ok` statuses.
    pub async fn send_expect(&self, request: &HttpRequest, ok: &[u16]) -> Result<HttpResponse, HookError> {
        let response = self.send(request).await?;
        if ok.contains(&response.status) {
            Ok(response)
        } else {
            Err(HookError::HttpStatus {
                hook: request.hook,
                url: display_url(&request.url),
                status: response.status,
                attempts: response.attempts,
            })
        }
    }

    /// One attempt, following redirects like Go's client: 301/302/303 turn a `POST` into a
    /// `GET` without body, 307/308 repeat the request as it was. Credentials and configured
    /// headers are computed for each URL; the whole chain shares one timeout.
    async fn follow(&self, request: &HttpRequest) -> Attempt {
        let work = async {
            let mut method = request.method.clone();
            let mut body = request.json_body.clone();
            let mut url = request.url.clone();
            let mut redirects = 0;
            loop {
                let outcome = self.exchange(&method, &url, body.as_ref(), request.read_body).await;
                let Attempt::Done { status, location: Some(location), .. } = &outcome else {
                    return outcome;
                };
                let code = status.as_u16();
                if !matches!(code, 301 | 302 | 303 | 307 | 308) {
                    return outcome;
                }
                redirects += 1;
                if redirects > MAX_REDIRECTS {
                    return Attempt::Failed {
                        reason: format!("stopped after {MAX_REDIRECTS} redirects"),
                        retry: false,
                    };
                }
                let Ok(next) = url.join(location) else {
                    return Attempt::Failed { reason: "redirect to an invalid location".to_owned(), retry: false };
                };
                if next.scheme() != "http" && next.scheme() != "https" {
                    return Attempt::Failed { reason: "redirect to a non-HTTP location".to_owned(), retry: false };
                }
                if matches!(code, 301..=303) && method != Method::GET && method != Method::HEAD {
                    method = Method::GET;
                    body = None;
                }
                url = next;
            }
        };
        match tokio::time::timeout(self.inner.timeout, work).await {
            Ok(outcome) => outcome,
            Err(_) => Attempt::TimedOut,
        }
    }

    fn build(&self, method: &Method, url: &Url, body: Option<&Bytes>) -> Result<Request<Full<Bytes>>, String> {
        let host = url.host_str().ok_or("the URL has no host")?;
        let host_header = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        let target = &url[Position::BeforePath..Position::AfterQuery];
        let target = if target.is_empty() { "/" } else { target };
        let mut builder = Request::builder()
            .method(method.clone())
            .uri(target)
            .header(header::HOST, host_header)
            .header(header::USER_AGENT, USER_AGENT);
        if !url.username().is_empty() || url.password().is_some() {
            let decode = |s: &str| percent_decode(s);
            let user = decode(url.username());
            let password = url.password().map(decode).unwrap_or_default();
            let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            builder = builder.header(header::AUTHORIZATION, format!("Basic {token}"));
        }
        if body.is_some() {
            builder = builder.header(header::CONTENT_TYPE, "application/json");
        }
        // Prefixes are matched against the URL without its credentials, so that an admin writes
        // the address as it is, not with the user and password of the hook.
        let mut bare = url.clone();
        let _ = bare.set_username("");
        let _ = bare.set_password(None);
        for h in &self.inner.headers {
            if h.url_prefix.is_empty() || bare.as_str().starts_with(&h.url_prefix) {
                builder = builder.header(h.name.clone(), h.value.clone());
            }
        }
        builder.body(Full::new(body.cloned().unwrap_or_default())).map_err(|e| format!("cannot build the request: {e}"))
    }

    /// Connects, sends one request and reads the answer.
    async fn exchange(&self, method: &Method, url: &Url, body: Option<&Bytes>, read_body: bool) -> Attempt {
        let request = match self.build(method, url, body) {
            Ok(r) => r,
            Err(reason) => return Attempt::Failed { reason, retry: false },
        };
        let Some(port) = url.port_or_known_default() else {
            return Attempt::Failed { reason: "the URL has no port".to_owned(), retry: false };
        };
        let (tcp, server_name) = match url.host() {
            Some(Host::Domain(d)) => (TcpStream::connect((d, port)).await, ServerName::try_from(d.to_owned()).ok()),
            Some(Host::Ipv4(ip)) => (TcpStream::connect((ip, port)).await, Some(ServerName::IpAddress(ip.into()))),
            Some(Host::Ipv6(ip)) => (TcpStream::connect((ip, port)).await, Some(ServerName::IpAddress(ip.into()))),
            None => return Attempt::Failed { reason: "the URL has no host".to_owned(), retry: false },
        };
        let tcp = match tcp {
            Ok(t) => t,
            Err(e) => return Attempt::Failed { reason: format!("cannot connect: {e}"), retry: true },
        };
        let _ = tcp.set_nodelay(true);
        if url.scheme() == "https" {
            let Some(name) = server_name else {
                return Attempt::Failed { reason: "the host is not a valid TLS server name".to_owned(), retry: false };
            };
            match self.inner.tls.connect(name, tcp).await {
                Ok(stream) => exchange_on(stream, request, read_body).await,
                // A certificate the client does not trust will not become trusted by retrying.
                Err(e) => {
                    let retry = !e.to_string().contains("certificate");
                    Attempt::Failed { reason: format!("TLS handshake failed: {e}"), retry }
                }
            }
        } else {
            exchange_on(tcp, request, read_body).await
        }
    }
}

/// Decodes `%XX` escapes of URL credentials (invalid escapes are kept as they are).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

async fn exchange_on<S>(stream: S, request: Request<Full<Bytes>>, read_body: bool) -> Attempt
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let handshake = hyper::client::conn::http1::Builder::new()
        .title_case_headers(true)
        .handshake::<_, Full<Bytes>>(TokioIo::new(stream))
        .await;
    let (mut sender, connection) = match handshake {
        Ok(parts) => parts,
        Err(e) => return Attempt::Failed { reason: format!("HTTP handshake failed: {e}"), retry: true },
    };
    let driver = tokio::spawn(connection);
    let outcome = async {
        let response = match sender.send_request(request).await {
            Ok(r) => r,
            Err(e) => return Attempt::Failed { reason: format!("HTTP exchange failed: {e}"), retry: true },
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let location = if matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308) {
            response.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).map(str::to_owned)
        } else {
            None
        };
        let mut body = Bytes::new();
        if read_body && location.is_none() {
            match Limited::new(response.into_body(), MAX_RESPONSE).collect().await {
                Ok(collected) => body = collected.to_bytes(),
                Err(e) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => return Attempt::TooLarge,
                Err(e) => return Attempt::Failed { reason: format!("cannot read the response: {e}"), retry: true },
            }
        }
        Attempt::Done { status, retry_after, body, location }
    }
    .await;
    driver.abort();
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runner(retry_max: i64) -> HttpRunner {
        let cfg = HttpClientConfig { retry_max, ..HttpClientConfig::default() };
        HttpRunner::new(&cfg, std::path::Path::new("/")).unwrap()
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let r = runner(3).with_timing(Duration::from_secs(1), Duration::from_millis(100), Duration::from_millis(350));
        let waits: Vec<u128> = (0..5).map(|i| r.backoff(i, None).as_millis()).collect();
        assert_eq!(waits, [100, 200, 350, 350, 350]);
        assert_eq!(r.backoff(0, Some(Duration::from_secs(9))), Duration::from_millis(350));
        assert_eq!(r.backoff(40, None), Duration::from_millis(350));
    }

    #[test]
    fn defaults_come_from_the_config() {
        let r = runner(3);
        assert_eq!(r.inner.timeout, Duration::from_secs(20));
        assert_eq!(r.inner.wait_min, Duration::from_secs(2));
        assert_eq!(r.inner.wait_max, Duration::from_secs(30));
        assert_eq!(r.inner.retry_max, 3);
    }

    #[test]
    fn shown_urls_hide_credentials_and_query() {
        let url = Url::parse("https://user:secret@h.example:8443/hook?token=abc#frag").unwrap();
        assert_eq!(display_url(&url), "https://h.example:8443/hook");
    }

    #[test]
    fn request_lines_and_headers() {
        let cfg = HttpClientConfig {
            headers: vec![
                wharf_config::HttpHeader { key: "X-All".into(), value: "1".into(), url: String::new() },
                wharf_config::HttpHeader {
                    key: "X-Some".into(),
                    value: "2".into(),
                    url: "http://a.example:81/x".into(),
                },
                wharf_config::HttpHeader { key: "bad header".into(), value: "3".into(), url: String::new() },
            ],
            ..HttpClientConfig::default()
        };
        let r = HttpRunner::new(&cfg, std::path::Path::new("/")).unwrap();
        let url = Url::parse("http://us%40er:p%3Ass@a.example:81/x/y?q=1").unwrap();
        let req = r.build(&Method::POST, &url, Some(&Bytes::from_static(b"{}"))).unwrap();
        assert_eq!(req.uri(), "/x/y?q=1");
        let h = req.headers();
        assert_eq!(h["host"], "a.example:81");
        assert_eq!(h["x-all"], "1");
        assert_eq!(h["x-some"], "2");
        assert_eq!(h["content-type"], "application/json");
        let token = base64::engine::general_purpose::STANDARD.encode("us@er:p:ss");
        assert_eq!(h["authorization"], format!("Basic {token}").as_str());
        assert_eq!(h.len(), 6);
        let other = Url::parse("http://b.example/").unwrap();
        let req = r.build(&Method::GET, &other, None).unwrap();
        assert_eq!(req.uri(), "/");
        assert!(req.headers().get("x-some").is_none());
        assert!(req.headers().get("content-type").is_none());
        assert_eq!(req.headers()["host"], "b.example");
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b%zz%4"), "a b%zz%4");
    }
}
