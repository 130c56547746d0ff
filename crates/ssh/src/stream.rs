//! Channel stream helpers.

use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, ReadBuf};
use wharf_core::registry::Connection;

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
