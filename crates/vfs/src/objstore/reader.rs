//! Reads served by ranged GETs, with a bounded read-ahead buffer for sequential readers.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use async_trait::async_trait;
use bytes::Bytes;
use object_store::path::Path as ObjPath;
use object_store::{GetOptions, GetRange, ObjectMeta, ObjectStore};
use tokio::sync::Mutex;

use super::map_err;
use crate::error::FsResult;
use crate::fs::FileReader;

/// An object open for reading. Every GET is conditional on the ETag seen at open, so a file replaced
/// while it is read fails the read instead of mixing two versions.
pub struct ObjectReader {
    store: Arc<dyn ObjectStore>,
    location: ObjPath,
    size: u64,
    e_tag: Option<String>,
    read_ahead: usize,
    /// The last block fetched ahead: its start offset and bytes.
    cache: Mutex<(u64, Bytes)>,
    fetches: AtomicU64,
    peak_buffered: AtomicUsize,
}

impl fmt::Debug for ObjectReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObjectReader")
            .field("location", &self.location.as_ref())
            .field("size", &self.size)
            .field("read_ahead", &self.read_ahead)
            .finish()
    }
}

impl ObjectReader {
    pub(super) fn new(store: Arc<dyn ObjectStore>, meta: ObjectMeta, read_ahead: usize) -> Self {
        Self {
            store,
            location: meta.location,
            size: meta.size,
            e_tag: meta.e_tag,
            read_ahead,
            cache: Mutex::new((0, Bytes::new())),
            fetches: AtomicU64::new(0),
            peak_buffered: AtomicUsize::new(0),
        }
    }

    /// How many ranged GETs were issued so far.
    pub fn fetches(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// The most bytes the read-ahead buffer ever held (at most the read-ahead size).
    pub fn peak_buffered(&self) -> usize {
        self.peak_buffered.load(Ordering::Relaxed)
    }

    async fn fetch(&self, range: Range<u64>) -> FsResult<Bytes> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let opts =
            GetOptions { range: Some(GetRange::Bounded(range)), if_match: self.e_tag.clone(), ..GetOptions::default() };
        let got = self.store.get_opts(&self.location, opts).await.map_err(|e| map_err(e, "read"))?;
        got.bytes().await.map_err(|e| map_err(e, "read"))
    }
}

#[async_trait]
impl FileReader for ObjectReader {
    async fn read_at(&self, offset: u64, len: usize) -> FsResult<Bytes> {
        if len == 0 || offset >= self.size {
            return Ok(Bytes::new());
        }
        let end = offset.saturating_add(len as u64).min(self.size);
        // Large reads go straight to the store: buffering would not save a request.
        if (end - offset) as usize >= self.read_ahead {
            return self.fetch(offset..end).await;
        }
        // Concurrent sequential reads (pipelined clients) wait here for the block being fetched.
        let mut cache = self.cache.lock().await;
        let (start, data) = (cache.0, &cache.1);
        let cached_end = start + data.len() as u64;
        if offset >= start && end <= cached_end {
            let from = (offset - start) as usize;
            return Ok(data.slice(from..from + (end - offset) as usize));
        }
        // A first read, or one at or shortly after the buffered block, starts a new block; anything
        // else is a random access, fetched alone without disturbing the buffer.
        let sequential = data.is_empty() || (offset >= start && offset <= cached_end + self.read_ahead as u64);
        if !sequential {
            drop(cache);
            return self.fetch(offset..end).await;
        }
        let block_end = offset.saturating_add(self.read_ahead as u64).min(self.size).max(end);
        let block = self.fetch(offset..block_end).await?;
        let n = ((end - offset) as usize).min(block.len());
        let out = block.slice(..n);
        self.peak_buffered.fetch_max(block.len(), Ordering::Relaxed);
        *cache = (offset, block);
        Ok(out)
    }

    fn size(&self) -> u64 {
        self.size
    }
}
