//! Uploads: sequential writes collected into fixed-size parts of a multipart upload, so a writer
//! holds at most one part in memory whatever the file size. Nothing is visible before `finish`.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use object_store::path::Path as ObjPath;
use object_store::{MultipartUpload, ObjectStore, ObjectStoreExt as _, PutPayload};
use tokio::sync::Mutex;

use super::map_err;
use crate::error::{FsError, FsResult};
use crate::fs::FileWriter;

/// An object being uploaded.
///
/// Files smaller than one part are sent with a single PUT at `finish`; larger ones start a multipart
/// upload when the first part is full and send each part as it fills (one part in flight, so memory
/// stays at one part). `abort` cancels the multipart upload: the object never appears and an
/// existing object of the same name is left as it was.
pub struct ObjectWriter {
    store: Arc<dyn ObjectStore>,
    location: ObjPath,
    part_size: usize,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Bytes not yet sent (less than one part).
    buf: Vec<u8>,
    /// Bytes accepted so far (the only offset the next write may use).
    written: u64,
    upload: Option<Box<dyn MultipartUpload>>,
    parts: usize,
    /// Largest buffer capacity seen, for the memory bound.
    peak: usize,
    /// A part failed: the upload can only be aborted.
    failed: bool,
}

impl fmt::Debug for ObjectWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObjectWriter")
            .field("location", &self.location.as_ref())
            .field("part_size", &self.part_size)
            .finish()
    }
}

impl ObjectWriter {
    pub(super) fn new(store: Arc<dyn ObjectStore>, location: ObjPath, part_size: usize) -> Self {
        Self { store, location, part_size, state: Mutex::new(State::default()) }
    }

    /// Bytes held in memory now.
    pub async fn buffered(&self) -> usize {
        self.state.lock().await.buf.capacity()
    }

    /// The most bytes ever held in memory (buffer capacity): never more than the part size.
    pub async fn peak_buffered(&self) -> usize {
        self.state.lock().await.peak
    }

    /// Parts sent so far.
    pub async fn parts_sent(&self) -> usize {
        self.state.lock().await.parts
    }

    /// Sends the full buffer as the next part, starting the multipart upload if needed.
    async fn send_part(&self, st: &mut State) -> FsResult<()> {
        if st.upload.is_none() {
            let upload = self.store.put_multipart(&self.location).await.map_err(|e| {
                st.failed = true;
                map_err(e, "upload")
            })?;
            st.upload = Some(upload);
        }
        let part = Bytes::from(std::mem::take(&mut st.buf));
        let Some(upload) = st.upload.as_mut() else {
            return Err(FsError::failure("upload not started"));
        };
        if let Err(e) = upload.put_part(PutPayload::from(part)).await {
            st.failed = true;
            return Err(map_err(e, "upload"));
        }
        st.parts += 1;
        Ok(())
    }
}

/// Grows `buf` for `additional` more bytes without ever exceeding `cap` (the part size), doubling
/// below it so small files stay small.
fn grow(buf: &mut Vec<u8>, additional: usize, cap: usize) {
    let needed = buf.len() + additional;
    if needed > buf.capacity() {
        let target = needed.max(buf.capacity().saturating_mul(2).min(cap));
        buf.reserve_exact(target - buf.len());
    }
}

#[async_trait]
impl FileWriter for ObjectWriter {
    async fn write_at(&self, offset: u64, data: Bytes) -> FsResult<()> {
        let mut st = self.state.lock().await;
        if st.failed {
            return Err(FsError::failure("the upload failed; it can only be aborted"));
        }
        if offset != st.written {
            return Err(FsError::invalid(format!(
                "object stores take sequential writes only: expected offset {}, got {offset}",
                st.written
            )));
        }
        let mut rest = &data[..];
        while !rest.is_empty() {
            let room = self.part_size - st.buf.len();
            let take = room.min(rest.len());
            if st.upload.is_some() {
                // A large file: take the whole part at once instead of growing through copies.
                let missing = self.part_size - st.buf.len();
                st.buf.reserve_exact(missing);
            } else {
                grow(&mut st.buf, take, self.part_size);
            }
            st.buf.extend_from_slice(&rest[..take]);
            st.peak = st.peak.max(st.buf.capacity());
            st.written += take as u64;
            rest = &rest[take..];
            if st.buf.len() == self.part_size {
                self.send_part(&mut st).await?;
            }
        }
        Ok(())
    }

    async fn finish(self: Box<Self>) -> FsResult<u64> {
        let mut st = self.state.into_inner();
        if st.failed {
            if let Some(mut upload) = st.upload.take()
                && let Err(e) = upload.abort().await
            {
                tracing::warn!(error = %e, "aborting a failed multipart upload");
            }
            return Err(FsError::failure("the upload failed"));
        }
        let written = st.written;
        let Some(mut upload) = st.upload.take() else {
            let body = PutPayload::from(Bytes::from(std::mem::take(&mut st.buf)));
            self.store.put(&self.location, body).await.map_err(|e| map_err(e, "upload"))?;
            return Ok(written);
        };
        let result = async {
            if !st.buf.is_empty() {
                let last = Bytes::from(std::mem::take(&mut st.buf));
                upload.put_part(PutPayload::from(last)).await?;
            }
            upload.complete().await
        }
        .await;
        if let Err(e) = result {
            if let Err(e) = upload.abort().await {
                tracing::warn!(error = %e, "aborting a multipart upload that failed to complete");
            }
            return Err(map_err(e, "upload"));
        }
        Ok(written)
    }

    async fn abort(self: Box<Self>) {
        let mut st = self.state.into_inner();
        if let Some(mut upload) = st.upload.take()
            && let Err(e) = upload.abort().await
        {
            tracing::warn!(error = %e, "aborting a multipart upload");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::grow;

    #[test]
    fn growth_is_capped_at_the_part_size() {
        let mut buf = Vec::new();
        grow(&mut buf, 10, 100);
        assert!(buf.capacity() >= 10 && buf.capacity() <= 100);
        buf.extend_from_slice(&[0; 10]);
        grow(&mut buf, 80, 100);
        assert!(buf.capacity() >= 90 && buf.capacity() <= 100);
        buf.extend_from_slice(&[0; 80]);
        grow(&mut buf, 10, 100);
        assert_eq!(buf.capacity(), 100);
    }
}
