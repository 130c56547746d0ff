//! Streaming directory listings: the kernel's directory stream is read a batch at a time on the
//! blocking pool, so a huge directory never sits in memory at once.

use std::fmt;
use std::io;

use async_trait::async_trait;
use cap_std::fs::ReadDir;

use super::{blocking, meta};
use crate::error::{FsError, FsResult};
use crate::fs::{DirEntry, DirLister};

/// A local directory being listed.
pub(crate) struct LocalLister {
    /// `None` once the stream has ended (or while a batch is being read).
    iter: Option<ReadDir>,
}

impl LocalLister {
    pub(super) fn new(iter: ReadDir) -> Self {
        Self { iter: Some(iter) }
    }
}

impl fmt::Debug for LocalLister {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalLister").field("done", &self.iter.is_none()).finish()
    }
}

/// Reads up to `max` entries; `true` when the stream has ended.
fn read_batch(iter: &mut ReadDir, max: usize) -> io::Result<(Vec<DirEntry>, bool)> {
    let mut out = Vec::with_capacity(max.min(1024));
    while out.len() < max {
        let Some(entry) = iter.next() else { return Ok((out, true)) };
        let entry = entry?;
        // Names that are not UTF-8 cannot be expressed as virtual paths: they are not listed.
        let Ok(name) = entry.file_name().into_string() else {
            tracing::debug!("local listing: skipped an entry whose name is not UTF-8");
            continue;
        };
        // The entry's own metadata (`lstat`: a symlink is reported as a link).
        match entry.metadata() {
            Ok(m) => out.push(DirEntry { name, metadata: meta::from_cap(&m) }),
            // Removed between reading its name and its metadata.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok((out, false))
}

#[async_trait]
impl DirLister for LocalLister {
    async fn next_batch(&mut self, max: usize) -> FsResult<Vec<DirEntry>> {
        let Some(mut iter) = self.iter.take() else { return Ok(Vec::new()) };
        let max = max.max(1);
        let (iter, batch) = blocking(move || {
            let r = read_batch(&mut iter, max);
            Ok((iter, r))
        })
        .await?;
        let (entries, done) = batch.map_err(|e| FsError::from_io(&e))?;
        if !done {
            self.iter = Some(iter);
        }
        Ok(entries)
    }
}
