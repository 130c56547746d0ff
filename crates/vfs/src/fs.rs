//! The storage interface every backend implements (local, encrypted local, S3, GCS, Azure Blob,
//! SFTP), shaped so that an object store fits without pretending to be a POSIX filesystem: what a
//! backend cannot do is declared in its [`Capabilities`], and the session decides what to offer
//! (refuse, emulate, or ignore as `setstat_mode` says) instead of the backend faking it.
//!
//! Every path is a [`RelPath`] below the backend's root. Backends hold no policy: permissions,
//! quotas, patterns and hooks are the session's.

use std::fmt;
use std::time::SystemTime;

use async_trait::async_trait;
use bytes::Bytes;

use crate::error::{FsError, FsResult};
use crate::path::RelPath;

/// What a backend can do natively.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// Writes at arbitrary offsets (out-of-order SFTP writes, resume at an offset). Without it, a
    /// writer accepts only sequential writes from its start offset.
    pub random_write: bool,
    /// Files can be opened for reading and writing at once.
    pub read_write: bool,
    /// Appending to / resuming an existing file.
    pub resume: bool,
    /// Renaming a non-empty directory is one atomic operation.
    pub dir_rename: bool,
    /// Directories exist as such (object stores only have key prefixes).
    pub real_dirs: bool,
    /// Symbolic links.
    pub symlinks: bool,
    /// Hard links.
    pub hardlinks: bool,
    /// Permission bits (chmod).
    pub chmod: bool,
    /// Ownership (chown).
    pub chown: bool,
    /// Access and modification times can be set.
    pub chtimes: bool,
    /// Truncating a file to a size.
    pub truncate: bool,
    /// Filesystem statistics (statvfs).
    pub statvfs: bool,
    /// An upload may be written to a temporary name and renamed into place (atomic upload modes).
    /// Object stores commit uploads atomically by themselves and say false here.
    pub temp_rename: bool,
}

impl Capabilities {
    /// A POSIX filesystem: everything.
    pub const POSIX: Self = Self {
        random_write: true,
        read_write: true,
        resume: true,
        dir_rename: true,
        real_dirs: true,
        symlinks: true,
        hardlinks: true,
        chmod: true,
        chown: true,
        chtimes: true,
        truncate: true,
        statvfs: true,
        temp_rename: true,
    };

    /// An object store: whole-object, sequential writes; no links, modes, owners or real directories.
    pub const OBJECT_STORE: Self = Self {
        random_write: false,
        read_write: false,
        resume: false,
        dir_rename: false,
        real_dirs: false,
        symlinks: false,
        hardlinks: false,
        chmod: false,
        chown: false,
        chtimes: false,
        truncate: false,
        statvfs: false,
        temp_rename: false,
    };
}

/// What a directory entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A regular file (an object).
    File,
    /// A directory (a key prefix on object stores).
    Dir,
    /// A symbolic link (only from `lstat`/listing).
    Symlink,
}

/// File metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    /// What it is.
    pub kind: FileKind,
    /// Size in bytes (0 for directories on object stores).
    pub size: u64,
    /// Permission bits (`0o644`…); backends without modes report a fixed value.
    pub mode: u32,
    /// Owner (0 where unknown).
    pub uid: u32,
    /// Group (0 where unknown).
    pub gid: u32,
    /// Last modification.
    pub mtime: SystemTime,
    /// Last access (the modification time where unknown).
    pub atime: SystemTime,
}

impl Metadata {
    /// True for directories.
    pub fn is_dir(&self) -> bool {
        self.kind == FileKind::Dir
    }

    /// True for regular files.
    pub fn is_file(&self) -> bool {
        self.kind == FileKind::File
    }

    /// True for symbolic links.
    pub fn is_symlink(&self) -> bool {
        self.kind == FileKind::Symlink
    }
}

/// One entry of a directory listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    /// The name (no `/`).
    pub name: String,
    /// Its metadata, as `lstat` gives it (symlinks are reported as links).
    pub metadata: Metadata,
}

/// Filesystem statistics (as in `statvfs(3)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatVfs {
    /// Block size.
    pub block_size: u64,
    /// Fragment size.
    pub fragment_size: u64,
    /// Total blocks.
    pub blocks: u64,
    /// Free blocks.
    pub blocks_free: u64,
    /// Free blocks for unprivileged users.
    pub blocks_avail: u64,
    /// Total inodes.
    pub files: u64,
    /// Free inodes.
    pub files_free: u64,
    /// Free inodes for unprivileged users.
    pub files_avail: u64,
    /// Longest name.
    pub name_max: u64,
}

/// How to open a file for writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WriteOptions {
    /// Create the file if it does not exist.
    pub create: bool,
    /// Fail if it exists.
    pub exclusive: bool,
    /// Cut the file to zero length when opening.
    pub truncate: bool,
    /// Also allow reads through the handle (needs [`Capabilities::read_write`]).
    pub read: bool,
    /// Where sequential writes start (the current size when resuming); ignored with random writes.
    pub start_offset: u64,
}

impl WriteOptions {
    /// Create or replace the whole file (an ordinary upload).
    pub fn replace() -> Self {
        Self { create: true, truncate: true, ..Self::default() }
    }
}

/// An open file being read. Reads may be issued concurrently (pipelined protocols).
#[async_trait]
pub trait FileReader: Send + Sync + fmt::Debug {
    /// Up to `len` bytes at `offset`; fewer only at the end of the file, empty past it.
    async fn read_at(&self, offset: u64, len: usize) -> FsResult<Bytes>;
    /// The size when the file was opened.
    fn size(&self) -> u64;
}

/// An open file being written.
#[async_trait]
pub trait FileWriter: Send + Sync + fmt::Debug {
    /// Writes `data` at `offset`. Without [`Capabilities::random_write`] the offset must be the end of
    /// what was written so far (from [`WriteOptions::start_offset`]), else `InvalidInput`.
    async fn write_at(&self, offset: u64, data: Bytes) -> FsResult<()>;
    /// Reads back (only if opened with [`WriteOptions::read`] on a backend that can).
    async fn read_at(&self, _offset: u64, _len: usize) -> FsResult<Bytes> {
        Err(FsError::unsupported("reading a file opened for writing"))
    }
    /// Commits the file (object stores complete the upload here) and returns its final size.
    async fn finish(self: Box<Self>) -> FsResult<u64>;
    /// Gives up: object stores discard the upload; files keep what was written (the session decides
    /// whether to remove the partial file).
    async fn abort(self: Box<Self>);
}

/// A directory being listed, in batches, so huge directories never sit in memory at once.
#[async_trait]
pub trait DirLister: Send + fmt::Debug {
    /// Up to `max` more entries; an empty batch means the end. `.` and `..` are never returned.
    async fn next_batch(&mut self, max: usize) -> FsResult<Vec<DirEntry>>;
}

/// Digest algorithms for SSH hash commands and FTP HASH.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlgo {
    /// MD5.
    Md5,
    /// SHA-1.
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-512.
    Sha512,
    /// CRC-32 (FTP XCRC).
    Crc32,
}

/// A storage backend. Calls are safe concurrently.
#[async_trait]
pub trait Fs: Send + Sync + fmt::Debug {
    /// A short name for logs ("local", "memory-object-store"…).
    fn name(&self) -> &'static str;
    /// What the backend can do natively.
    fn capabilities(&self) -> Capabilities;

    /// Metadata, following a final symlink.
    async fn stat(&self, path: &RelPath) -> FsResult<Metadata>;
    /// Metadata of the path itself (a final symlink is reported as a link).
    async fn lstat(&self, path: &RelPath) -> FsResult<Metadata>;
    /// Opens a file for reading.
    async fn open_read(&self, path: &RelPath) -> FsResult<Box<dyn FileReader>>;
    /// Opens a file for writing.
    async fn open_write(&self, path: &RelPath, opts: WriteOptions) -> FsResult<Box<dyn FileWriter>>;
    /// Lists a directory.
    async fn list(&self, path: &RelPath) -> FsResult<Box<dyn DirLister>>;
    /// Creates one directory (its parent must exist).
    async fn mkdir(&self, path: &RelPath) -> FsResult<()>;
    /// Renames a file or directory; an existing file at `to` is replaced.
    async fn rename(&self, from: &RelPath, to: &RelPath) -> FsResult<()>;
    /// Removes a file or a symlink.
    async fn remove(&self, path: &RelPath) -> FsResult<()>;
    /// Removes an empty directory.
    async fn rmdir(&self, path: &RelPath) -> FsResult<()>;
    /// Creates a symlink at `link` whose content is `target` (a path relative to the link's directory,
    /// checked by the session to stay inside the mount).
    async fn symlink(&self, _target: &str, _link: &RelPath) -> FsResult<()> {
        Err(FsError::unsupported("symbolic links"))
    }
    /// The content of a symlink.
    async fn readlink(&self, _path: &RelPath) -> FsResult<String> {
        Err(FsError::unsupported("symbolic links"))
    }
    /// Creates a hard link.
    async fn hardlink(&self, _existing: &RelPath, _link: &RelPath) -> FsResult<()> {
        Err(FsError::unsupported("hard links"))
    }
    /// Sets the permission bits.
    async fn set_mode(&self, _path: &RelPath, _mode: u32) -> FsResult<()> {
        Err(FsError::unsupported("chmod"))
    }
    /// Sets the owner.
    async fn set_owner(&self, _path: &RelPath, _uid: u32, _gid: u32) -> FsResult<()> {
        Err(FsError::unsupported("chown"))
    }
    /// Sets access and modification times.
    async fn set_times(&self, _path: &RelPath, _atime: SystemTime, _mtime: SystemTime) -> FsResult<()> {
        Err(FsError::unsupported("setting times"))
    }
    /// Truncates (or extends) a file to `size`.
    async fn truncate(&self, _path: &RelPath, _size: u64) -> FsResult<()> {
        Err(FsError::unsupported("truncate"))
    }
    /// Filesystem statistics.
    async fn statvfs(&self, _path: &RelPath) -> FsResult<StatVfs> {
        Err(FsError::unsupported("statvfs"))
    }
    /// Copies one file within the backend (server-side where the backend can).
    async fn copy_file(&self, from: &RelPath, to: &RelPath) -> FsResult<u64> {
        let reader = self.open_read(from).await?;
        let writer = self.open_write(to, WriteOptions::replace()).await?;
        let mut offset = 0u64;
        loop {
            let chunk = match reader.read_at(offset, COPY_CHUNK).await {
                Ok(c) => c,
                Err(e) => {
                    writer.abort().await;
                    return Err(e);
                }
            };
            if chunk.is_empty() {
                break;
            }
            let n = chunk.len() as u64;
            if let Err(e) = writer.write_at(offset, chunk).await {
                writer.abort().await;
                return Err(e);
            }
            offset += n;
        }
        writer.finish().await
    }
    /// A digest of a file's content, as lowercase hex.
    async fn hash(&self, path: &RelPath, algo: HashAlgo) -> FsResult<String> {
        let reader = self.open_read(path).await?;
        let mut h = crate::digest::Hasher::new(algo);
        let mut offset = 0u64;
        loop {
            let chunk = reader.read_at(offset, COPY_CHUNK).await?;
            if chunk.is_empty() {
                break;
            }
            offset += chunk.len() as u64;
            h.update(&chunk);
        }
        Ok(h.finish_hex())
    }
}

/// Chunk size of copies and hashes done through reads and writes.
pub const COPY_CHUNK: usize = 256 * 1024;
