//! `ping`: asks a running Wharf's health-check endpoint whether it is up.

use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::cli::ConfigArgs;
use crate::flags::Context;
use crate::setup;

/// The address to probe: telemetry if enabled, else the first usable HTTP binding.
fn target(config: &wharf_config::Config) -> Result<(String, u16)> {
    let host = |a: &str| if a.is_empty() || a == "0.0.0.0" { "127.0.0.1".to_owned() } else { a.to_owned() };
    let t = &config.telemetry;
    if t.bind_port > 0 {
        if !t.certificate_file.is_empty() {
            bail!("ping: the telemetry server uses HTTPS, which ping does not support yet");
        }
        return Ok((host(&t.bind_address), t.bind_port));
    }
    for b in &config.httpd.bindings {
        if b.port == 0 || b.address.starts_with('/') {
            continue;
        }
        if b.enable_https {
            bail!("ping: the first HTTP binding uses HTTPS, which ping does not support yet");
        }
        return Ok((host(&b.address), b.port));
    }
    bail!("ping: neither telemetry nor an HTTP binding is enabled in the configuration")
}

/// Sends `GET /healthz` and returns the status code.
pub async fn get_healthz(host: &str, port: u16) -> Result<u16> {
    let addr = if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") };
    let mut stream = TcpStream::connect(&addr).await.with_context(|| format!("ping: cannot connect to {addr}"))?;
    let req = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nUser-Agent: wharf-ping\r\n\r\n");
    stream.write_all(req.as_bytes()).await.context("ping: sending the request")?;
    let mut buf = Vec::with_capacity(256);
    // The status line is all we need; read a bounded amount.
    let mut chunk = [0u8; 256];
    while buf.len() < 4096 && !buf.windows(2).any(|w| w == b"\r\n") {
        let n = stream.read(&mut chunk).await.context("ping: reading the response")?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let line = String::from_utf8_lossy(&buf);
    let status = line
        .split_whitespace()
        .nth(1)
        .filter(|_| line.starts_with("HTTP/"))
        .and_then(|s| s.parse::<u16>().ok())
        .with_context(|| format!("ping: {addr} did not answer with HTTP"))?;
    Ok(status)
}

pub async fn run(args: ConfigArgs) -> Result<()> {
    let ctx = Context::new(&args);
    let loaded = setup::load_config(&ctx)?;
    let (host, port) = target(&loaded.config)?;
    let status = tokio::time::timeout(Duration::from_secs(10), get_healthz(&host, port))
        .await
        .map_err(|_| anyhow::anyhow!("ping: no answer from {host}:{port} within 10 seconds"))??;
    if status != 200 {
        bail!("ping: {host}:{port}/healthz answered {status}");
    }
    println!("OK");
    Ok(())
}
