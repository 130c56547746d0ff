//! Open local files: positional reads and writes on the blocking pool, no lock per handle.

use std::fmt;
use std::fs::File;
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;

use super::blocking;
use crate::error::{FsError, FsResult};
use crate::fs::{FileReader, FileWriter};

/// Fails unless the open file is a regular file; returns its size.
pub(super) fn require_regular(file: &File) -> io::Result<u64> {
    let m = file.metadata()?;
    let ft = m.file_type();
    if ft.is_file() {
        Ok(m.len())
    } else if ft.is_dir() {
        Err(io::ErrorKind::IsADirectory.into())
    } else {
        Err(io::Error::new(io::ErrorKind::InvalidInput, "not a regular file"))
    }
}

/// True when both handles are the same file (same device and inode).
pub(super) fn same_file(a: &File, b: &File) -> io::Result<bool> {
    let (ma, mb) = (a.metadata()?, b.metadata()?);
    Ok(ma.dev() == mb.dev() && ma.ino() == mb.ino())
}

/// Smallest buffer step when a read runs past the size the file had when opened.
const GROW_STEP: usize = 64 * 1024;

/// Reads up to `len` bytes at `offset`, stopping early only at the end of the file. The buffer is
/// sized from `known_size` (the file's size when opened) so a read near the end allocates only what
/// is there; it grows if the file has grown since.
pub(super) fn read_at(file: &File, offset: u64, len: usize, known_size: u64) -> io::Result<Bytes> {
    if len == 0 {
        return Ok(Bytes::new());
    }
    let expected = usize::try_from(known_size.saturating_sub(offset)).unwrap_or(usize::MAX);
    let mut buf = vec![0u8; len.min(expected)];
    let mut filled = 0usize;
    loop {
        if filled == buf.len() {
            if filled == len {
                break;
            }
            let grown = len.min(filled.saturating_add(filled.max(GROW_STEP)));
            buf.resize(grown, 0);
        }
        let at = offset
            .checked_add(filled as u64)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "offset out of range"))?;
        match file.read_at(&mut buf[filled..], at) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf.truncate(filled);
    if buf.capacity() - filled > 4096 {
        buf.shrink_to_fit();
    }
    Ok(Bytes::from(buf))
}

/// A local file open for reading.
pub(crate) struct LocalReader {
    file: Arc<File>,
    size: u64,
}

impl LocalReader {
    pub(super) fn new(file: File, size: u64) -> Self {
        Self { file: Arc::new(file), size }
    }
}

impl fmt::Debug for LocalReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalReader").field("size", &self.size).finish()
    }
}

#[async_trait]
impl FileReader for LocalReader {
    async fn read_at(&self, offset: u64, len: usize) -> FsResult<Bytes> {
        let (file, size) = (Arc::clone(&self.file), self.size);
        blocking(move || read_at(&file, offset, len, size).map_err(|e| FsError::from_io(&e))).await
    }

    fn size(&self) -> u64 {
        self.size
    }
}

/// A local file open for writing (and reading, if asked).
pub(crate) struct LocalWriter {
    file: Arc<File>,
    readable: bool,
}

impl LocalWriter {
    pub(super) fn new(file: File, readable: bool) -> Self {
        Self { file: Arc::new(file), readable }
    }
}

impl fmt::Debug for LocalWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalWriter").field("readable", &self.readable).finish()
    }
}

#[async_trait]
impl FileWriter for LocalWriter {
    async fn write_at(&self, offset: u64, data: Bytes) -> FsResult<()> {
        let file = Arc::clone(&self.file);
        blocking(move || file.write_all_at(&data, offset).map_err(|e| FsError::from_io(&e))).await
    }

    async fn read_at(&self, offset: u64, len: usize) -> FsResult<Bytes> {
        if !self.readable {
            return Err(FsError::unsupported("reading a file opened only for writing"));
        }
        let file = Arc::clone(&self.file);
        blocking(move || {
            let size = file.metadata().map_err(|e| FsError::from_io(&e))?.len();
            read_at(&file, offset, len, size).map_err(|e| FsError::from_io(&e))
        })
        .await
    }

    async fn finish(self: Box<Self>) -> FsResult<u64> {
        let file = self.file;
        blocking(move || file.metadata().map(|m| m.len()).map_err(|e| FsError::from_io(&e))).await
    }

    async fn abort(self: Box<Self>) {}
}
