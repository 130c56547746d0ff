//! Directory listings: delimiter listings of a key prefix, page by page where the store can.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use object_store::list::PaginatedListStore;
use object_store::path::Path as ObjPath;
use object_store::{ListResult, ObjectStore};

use super::{MAX_PAGE, dir_meta, file_meta, keys, list_page, map_err, to_time};
use crate::error::FsResult;
use crate::fs::{DirEntry, DirLister};

/// A directory listing of an object store.
pub struct ObjectLister {
    dir: ObjPath,
    source: Source,
    /// Entries fetched but not yet returned.
    pending: VecDeque<DirEntry>,
}

enum Source {
    /// One full delimiter listing, fetched on the first batch.
    Full { store: Arc<dyn ObjectStore>, fetched: bool },
    /// Page by page; `None` once the last page was read.
    Paged { pages: Arc<dyn PaginatedListStore>, token: Option<Option<String>> },
}

impl fmt::Debug for ObjectLister {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let paged = matches!(self.source, Source::Paged { .. });
        f.debug_struct("ObjectLister")
            .field("dir", &self.dir.as_ref())
            .field("paged", &paged)
            .field("pending", &self.pending.len())
            .finish()
    }
}

impl ObjectLister {
    /// Lists `dir` with one full delimiter listing (all of the directory's entries at once).
    pub(super) fn full(store: Arc<dyn ObjectStore>, dir: ObjPath) -> Self {
        Self { dir, source: Source::Full { store, fetched: false }, pending: VecDeque::new() }
    }

    /// Lists `dir` page by page.
    pub(super) fn paged(pages: Arc<dyn PaginatedListStore>, dir: ObjPath) -> Self {
        Self { dir, source: Source::Paged { pages, token: Some(None) }, pending: VecDeque::new() }
    }

    /// Entries not yet returned that sit in memory (bounded by a page in paged mode).
    pub fn buffered(&self) -> usize {
        self.pending.len()
    }
}

/// The entries of one listing result, in name order, without the directory's own marker. A name that
/// is both a marker object and a common prefix (the in-memory store reports both) appears once.
fn entries(dir: &ObjPath, result: ListResult) -> Vec<DirEntry> {
    let mut out: BTreeMap<(String, bool), DirEntry> = BTreeMap::new();
    for o in &result.objects {
        let Some(name) = keys::child_name(dir, &o.location) else { continue };
        let marker = o.location.as_ref().ends_with('/');
        let metadata = if marker { dir_meta(Some(to_time(o))) } else { file_meta(o) };
        out.insert((name.to_owned(), marker), DirEntry { name: name.to_owned(), metadata });
    }
    for p in &result.common_prefixes {
        let Some(name) = keys::child_name(dir, p) else { continue };
        out.entry((name.to_owned(), true))
            .or_insert_with(|| DirEntry { name: name.to_owned(), metadata: dir_meta(None) });
    }
    out.into_values().collect()
}

#[async_trait]
impl DirLister for ObjectLister {
    async fn next_batch(&mut self, max: usize) -> FsResult<Vec<DirEntry>> {
        let max = max.max(1);
        match &mut self.source {
            Source::Full { store, fetched } => {
                if !*fetched {
                    *fetched = true;
                    let prefix = (!self.dir.as_ref().is_empty()).then_some(&self.dir);
                    let result = store.list_with_delimiter(prefix).await.map_err(|e| map_err(e, "list"))?;
                    self.pending.extend(entries(&self.dir, result));
                }
            }
            Source::Paged { pages, token } => {
                while self.pending.len() < max {
                    let Some(current) = token.take() else { break };
                    let want = (max - self.pending.len()).min(MAX_PAGE);
                    let page = match list_page(pages.as_ref(), &self.dir, want, current.clone()).await {
                        Ok(page) => page,
                        Err(e) => {
                            // A later call may retry the same page.
                            *token = Some(current);
                            return Err(e);
                        }
                    };
                    *token = page.page_token.map(Some);
                    self.pending.extend(entries(&self.dir, page.result));
                }
            }
        }
        let n = max.min(self.pending.len());
        Ok(self.pending.drain(..n).collect())
    }
}
