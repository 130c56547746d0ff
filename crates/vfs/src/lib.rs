//! Wharf's storage layer: the [`Fs`] interface every backend implements, the backends, the path
//! rules, and the per-user mount table that maps virtual paths to backends.
//!
//! Nothing here decides policy (permissions, quotas, patterns, hooks): that is `wharf-core`'s
//! session, the only caller.
#![forbid(unsafe_code)]

pub mod digest;
pub mod error;
pub mod fs;
pub mod local;
pub mod mount;
pub mod objstore;
pub mod path;

pub use error::{FsError, FsResult};
pub use fs::{
    Capabilities, DirEntry, DirLister, FileKind, FileReader, FileWriter, Fs, HashAlgo, Metadata, StatVfs, WriteOptions,
};
pub use mount::{FolderMount, Mount, MountTable};
pub use path::{RelPath, clean_virtual};
