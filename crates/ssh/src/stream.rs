//! Channel stream helpers.

use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt, DuplexStream, ReadBuf};
use wharf_core::registry::Connection;

/// Reads `input` (a channel's data) continuously into a pipe that holds up to `capacity` bytes, and
/// returns the pipe's reading end for the SFTP engine.
///
/// russh passes a channel's data to the channel through a bounded queue, and the connection's loop
/// waits while that queue is full, without reading anything else the client sends — its window
/// adjustments included. The SFTP engine stops reading when its requests in flight are at their
/// limit, and those requests wait for the client's window to send their replies. Read directly, a
/// client that keeps more requests outstanding than the engine runs at once and whose window the
/// replies fill (paramiko prefetches a whole file) deadlocks the connection. With the pipe, the
/// connection's loop keeps going while the engine catches up. `capacity` is the channel window:
/// what a server whose window follows what the application has read would hold per channel.
pub(crate) fn pump<R>(input: R, capacity: usize) -> DuplexStream
where
    R: AsyncRead + Unpin + Send + 'static,
{
    let (mut tx, rx) = tokio::io::duplex(capacity);
    tokio::spawn(async move {
        let mut input = input;
        // Ends with the channel's data (the pipe then ends too), or when the engine is gone.
        let mut buf: Vec<u8> = Vec::new();
        let mut want = 1024usize;
        loop {
            if buf.len() != want {
                buf = vec![0u8; want];
            }
            let n = match input.read(&mut buf).await {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) => {
                    tracing::debug!(error = %e, "channel input ended");
                    break;
                }
            };
            if tx.write_all(&buf[..n]).await.is_err() {
                break;
            }
            want = if n == want {
                (want * 2).min(64 * 1024)
            } else if n < want / 4 {
                1024
            } else {
                want
            };
        }
        let _ = tx.shutdown().await;
    });
    rx
}

/// A reader that marks the connection active whenever the client sends something, so that the
/// idle timeout counts from the client's last request.
#[derive(Debug)]
pub(crate) struct TouchingReader<R> {
    inner: R,
    conn: Connection,
}

impl<R> TouchingReader<R> {
    pub(crate) fn new(inner: R, conn: Connection) -> Self {
        Self { inner, conn }
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for TouchingReader<R> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let this = &mut *self;
        let poll = Pin::new(&mut this.inner).poll_read(cx, buf);
        if matches!(poll, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.conn.touch();
        }
        poll
    }
}
