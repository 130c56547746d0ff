//! Paged listing of the in-memory store with S3's semantics, so tests exercise the same listing
//! path (and see directory markers the same way) as the cloud backends.

use std::borrow::Cow;
use std::sync::Arc;

use async_trait::async_trait;
use futures_util::TryStreamExt as _;
use object_store::list::{PaginatedListOptions, PaginatedListResult, PaginatedListStore};
use object_store::memory::InMemory;
use object_store::path::Path as ObjPath;
use object_store::{ListResult, ObjectStore};

/// [`PaginatedListStore`] over an [`InMemory`] store, behaving as S3's `ListObjectsV2`: keys are
/// matched by raw string prefix; with a delimiter, keys with a further delimiter roll up into common
/// prefixes (so `dir/` markers of subdirectories show as prefixes, and a listed directory's own
/// marker shows as an object); at most `max_keys` (default 1000) objects and prefixes per page, in
/// key order; keys come back through `Path::parse`, trailing `/` stripped, as the S3 client does.
#[derive(Debug, Clone)]
pub struct MemoryPages {
    store: Arc<InMemory>,
}

impl MemoryPages {
    /// Pages over `store`.
    pub fn new(store: Arc<InMemory>) -> Self {
        Self { store }
    }
}

/// Page tokens: the last key or common prefix returned.
const TOKEN_KEY: &str = "k:";
const TOKEN_PREFIX: &str = "p:";

#[async_trait]
impl PaginatedListStore for MemoryPages {
    async fn list_paginated(
        &self,
        prefix: Option<&str>,
        opts: PaginatedListOptions,
    ) -> object_store::Result<PaginatedListResult> {
        let prefix = prefix.unwrap_or("");
        let max = opts.max_keys.unwrap_or(1000).max(1);
        let delimiter: Option<Cow<'static, str>> = opts.delimiter;
        let (after, skip_below) = match opts.page_token.as_deref() {
            Some(t) if t.starts_with(TOKEN_PREFIX) => (Some(t[TOKEN_PREFIX.len()..].to_owned()), true),
            Some(t) => (Some(t.strip_prefix(TOKEN_KEY).unwrap_or(t).to_owned()), false),
            None => (opts.offset.clone(), false),
        };

        // Every key of the store, in key order (the store is small: it is a test double).
        let mut all: Vec<_> = self.store.list(None).try_collect().await?;
        all.sort_by(|a, b| a.location.as_ref().cmp(b.location.as_ref()));

        let mut result =
            ListResult { common_prefixes: Vec::new(), objects: Vec::new(), extensions: Default::default() };
        let mut count = 0usize;
        // The last item returned, as a page token.
        let mut last: Option<String> = None;
        let mut token = None;
        for meta in all {
            let key = meta.location.as_ref();
            if !key.starts_with(prefix) {
                continue;
            }
            if let Some(a) = &after
                && (key <= a.as_str() || (skip_below && key.starts_with(a.as_str())))
            {
                continue;
            }
            let rest = &key[prefix.len()..];
            let rolled = delimiter.as_deref().and_then(|d| rest.find(d).map(|i| &key[..prefix.len() + i + d.len()]));
            let item = match rolled {
                Some(cp) => format!("{TOKEN_PREFIX}{cp}"),
                None => format!("{TOKEN_KEY}{key}"),
            };
            if last.as_deref() == Some(item.as_str()) {
                continue;
            }
            if count == max {
                token = last;
                break;
            }
            count += 1;
            match rolled {
                Some(cp) => result.common_prefixes.push(ObjPath::parse(cp)?),
                None => {
                    let location = ObjPath::parse(key)?;
                    result.objects.push(object_store::ObjectMeta { location, ..meta.clone() });
                }
            }
            last = Some(item);
        }
        Ok(PaginatedListResult { result, page_token: token })
    }
}
