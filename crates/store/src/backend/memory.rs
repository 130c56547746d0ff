//! The in-memory engine: everything in process memory, lost at exit. Used by the `memory` driver
//! (optionally filled from a dump file at start) and as the reference engine in tests.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;

use super::{
    Backend, BackendError, BackendResult, CounterDelta, Counters, ListQuery, Record, Ref, SCHEMA_VERSION, Write,
    already_exists, conflict, not_found,
};

pub(crate) type Key = (String, String);

/// The keys a batch touched, each with the entry it had before.
#[derive(Debug, Default)]
pub(crate) struct Undo(Vec<(Key, Option<Entry>)>);

impl Undo {
    /// The touched keys, in order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &Key> {
        self.0.iter().map(|(k, _)| k)
    }
}

/// An entry as an on-disk engine serialises it.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct StoredEntry {
    id: i64,
    revision: i64,
    data: String,
    refs: Vec<(String, String)>,
    counters: [i64; 5],
}

#[derive(Debug, Clone)]
pub(crate) struct Entry {
    id: i64,
    revision: i64,
    data: String,
    refs: Vec<Ref>,
    counters: Counters,
}

#[derive(Debug, Default)]
pub(crate) struct Tables {
    objects: BTreeMap<Key, Entry>,
    /// (target kind, target name, referrer kind, referrer name)
    reverse: BTreeSet<(String, String, String, String)>,
}

impl Tables {
    fn record(name: &str, e: &Entry) -> Record {
        Record { name: name.to_owned(), id: e.id, revision: e.revision, data: e.data.clone(), counters: e.counters }
    }

    fn next_id(&self, kind: &str) -> i64 {
        self.objects
            .range((kind.to_owned(), String::new())..)
            .take_while(|((k, _), _)| k == kind)
            .map(|(_, e)| e.id)
            .max()
            .unwrap_or(0)
            + 1
    }

    fn unlink(&mut self, kind: &str, name: &str, refs: &[Ref]) {
        for r in refs {
            self.reverse.remove(&(r.kind.clone(), r.name.clone(), kind.to_owned(), name.to_owned()));
        }
    }

    fn link(&mut self, kind: &str, name: &str, refs: &[Ref]) {
        for r in refs {
            self.reverse.insert((r.kind.clone(), r.name.clone(), kind.to_owned(), name.to_owned()));
        }
    }

    /// Replaces the entry at `key` (None removes it), keeping the reverse index true, and returns the
    /// previous entry so that a failed batch can be rolled back.
    fn put(&mut self, key: Key, entry: Option<Entry>) -> Option<Entry> {
        let old = match &entry {
            Some(e) => self.objects.insert(key.clone(), e.clone()),
            None => self.objects.remove(&key),
        };
        if let Some(o) = &old {
            self.unlink(&key.0, &key.1, &o.refs);
        }
        if let Some(e) = &entry {
            self.link(&key.0, &key.1, &e.refs);
        }
        old
    }

    fn apply(&mut self, w: Write, ids: &mut Vec<i64>) -> BackendResult<(Key, Option<Entry>)> {
        match w {
            Write::Insert { kind, name, data, refs, counters } => {
                let key = (kind, name);
                if self.objects.contains_key(&key) {
                    return Err(already_exists(&key.0, &key.1));
                }
                let id = self.next_id(&key.0);
                ids.push(id);
                let old = self.put(key.clone(), Some(Entry { id, revision: 1, data, refs, counters }));
                Ok((key, old))
            }
            Write::Update { kind, name, revision, data, refs } => {
                let key = (kind, name);
                let cur = self.objects.get(&key).ok_or_else(|| not_found(&key.0, &key.1))?;
                if cur.revision != revision {
                    return Err(conflict(&key.0, &key.1));
                }
                let e = Entry { id: cur.id, revision: revision + 1, data, refs, counters: cur.counters };
                let old = self.put(key.clone(), Some(e));
                Ok((key, old))
            }
            Write::Delete { kind, name, revision } => {
                let key = (kind, name);
                let cur = self.objects.get(&key).ok_or_else(|| not_found(&key.0, &key.1))?;
                if revision.is_some_and(|r| r != cur.revision) {
                    return Err(conflict(&key.0, &key.1));
                }
                let old = self.put(key.clone(), None);
                Ok((key, old))
            }
            Write::SetCounters { kind, name, counters } => {
                let key = (kind, name);
                let mut e = self.objects.get(&key).cloned().ok_or_else(|| not_found(&key.0, &key.1))?;
                e.counters = counters;
                let old = self.put(key.clone(), Some(e));
                Ok((key, old))
            }
            Write::Require { kind, name } => {
                let key = (kind, name);
                let cur = self.objects.get(&key).cloned().ok_or_else(|| not_found(&key.0, &key.1))?;
                Ok((key, Some(cur)))
            }
            Write::RequireUnreferenced { kind, name } => {
                let start = (kind.clone(), name.clone(), String::new(), String::new());
                let referenced =
                    self.reverse.range(start..).next().is_some_and(|(tk, tn, _, _)| *tk == kind && *tn == name);
                if referenced {
                    return Err(conflict(&kind, &name));
                }
                // Nothing changes: undoing this step puts back what is there.
                let key = (kind, name);
                let cur = self.objects.get(&key).cloned();
                Ok((key, cur))
            }
        }
    }

    /// Applies a batch atomically. Returns the inserted ids and an undo log (the keys touched, each with
    /// its previous entry) that [`Tables::undo`] can replay if persisting the change fails.
    pub(crate) fn write(&mut self, batch: Vec<Write>) -> BackendResult<(Vec<i64>, Undo)> {
        let mut undo = Vec::with_capacity(batch.len());
        let mut ids = Vec::new();
        for w in batch {
            match self.apply(w, &mut ids) {
                Ok(u) => undo.push(u),
                Err(e) => {
                    self.undo(Undo(undo));
                    return Err(e);
                }
            }
        }
        Ok((ids, Undo(undo)))
    }

    /// Reverts a batch applied by [`Tables::write`].
    pub(crate) fn undo(&mut self, undo: Undo) {
        for (key, old) in undo.0.into_iter().rev() {
            self.put(key, old);
        }
    }

    /// The current entry at `key`, serialised for an on-disk engine (None when absent).
    pub(crate) fn stored(&self, key: &Key) -> Option<StoredEntry> {
        self.objects.get(key).map(|e| StoredEntry {
            id: e.id,
            revision: e.revision,
            data: e.data.clone(),
            refs: e.refs.iter().map(|r| (r.kind.clone(), r.name.clone())).collect(),
            counters: [
                e.counters.used_quota_size,
                e.counters.used_quota_files,
                e.counters.last_quota_update,
                e.counters.used_upload,
                e.counters.used_download,
            ],
        })
    }

    /// Restores an entry read from an on-disk engine.
    pub(crate) fn restore(&mut self, key: Key, s: StoredEntry) {
        let [a, b, c, d, e] = s.counters;
        let entry = Entry {
            id: s.id,
            revision: s.revision,
            data: s.data,
            refs: s.refs.into_iter().map(|(k, n)| Ref::new(k, n)).collect(),
            counters: Counters {
                used_quota_size: a,
                used_quota_files: b,
                last_quota_update: c,
                used_upload: d,
                used_download: e,
            },
        };
        self.put(key, Some(entry));
    }

    pub(crate) fn get(&self, kind: &str, name: &str) -> Option<Record> {
        self.objects.get(&(kind.to_owned(), name.to_owned())).map(|e| Self::record(name, e))
    }

    pub(crate) fn list(&self, kind: &str, q: ListQuery) -> Vec<Record> {
        let all = self
            .objects
            .range((kind.to_owned(), String::new())..)
            .take_while(|((k, _), _)| k == kind)
            .map(|((_, n), e)| Self::record(n, e));
        let limit = q.limit.map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX));
        let offset = usize::try_from(q.offset).unwrap_or(usize::MAX);
        if q.descending {
            all.collect::<Vec<_>>().into_iter().rev().skip(offset).take(limit).collect()
        } else {
            all.skip(offset).take(limit).collect()
        }
    }

    pub(crate) fn referrers(&self, kind: &str, target: &Ref) -> Vec<String> {
        let start = (target.kind.clone(), target.name.clone(), kind.to_owned(), String::new());
        self.reverse
            .range(start..)
            .take_while(|(tk, tn, k, _)| *tk == target.kind && *tn == target.name && k == kind)
            .map(|(_, _, _, n)| n.clone())
            .collect()
    }

    pub(crate) fn add_counters(&mut self, kind: &str, name: &str, delta: CounterDelta) -> BackendResult<Undo> {
        let key = (kind.to_owned(), name.to_owned());
        let e = self.objects.get_mut(&key).ok_or_else(|| not_found(kind, name))?;
        let old = e.clone();
        delta.apply(&mut e.counters);
        Ok(Undo(vec![(key, Some(old))]))
    }

    pub(crate) fn clear(&mut self) {
        *self = Self::default();
    }
}

/// The `memory` driver.
#[derive(Debug, Default)]
pub struct MemoryBackend {
    tables: Mutex<Tables>,
}

impl MemoryBackend {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Tables> {
        // A panic while holding the lock cannot leave a half-applied batch (writes roll back before
        // returning), so the data behind a poisoned lock is still consistent.
        self.tables.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl Backend for MemoryBackend {
    fn driver(&self) -> &'static str {
        "memory"
    }

    async fn schema_version(&self) -> BackendResult<Option<u32>> {
        Ok(Some(SCHEMA_VERSION))
    }

    async fn migrate(&self, target: u32) -> BackendResult<()> {
        if target == SCHEMA_VERSION {
            Ok(())
        } else {
            Err(BackendError::Unsupported("the memory provider has no schema to migrate".into()))
        }
    }

    async fn reset(&self) -> BackendResult<()> {
        self.lock().clear();
        Ok(())
    }

    async fn get(&self, kind: &str, name: &str) -> BackendResult<Option<Record>> {
        Ok(self.lock().get(kind, name))
    }

    async fn list(&self, kind: &str, query: ListQuery) -> BackendResult<Vec<Record>> {
        Ok(self.lock().list(kind, query))
    }

    async fn referrers(&self, kind: &str, target: &Ref) -> BackendResult<Vec<String>> {
        Ok(self.lock().referrers(kind, target))
    }

    async fn write(&self, batch: Vec<Write>) -> BackendResult<Vec<i64>> {
        self.lock().write(batch).map(|(ids, _)| ids)
    }

    async fn add_counters(&self, kind: &str, name: &str, delta: CounterDelta) -> BackendResult<()> {
        self.lock().add_counters(kind, name, delta).map(|_| ())
    }

    async fn close(&self) {}
}

impl MemoryBackend {
    /// Moves all data of `other` into this store, replacing what was here (used to swap in a freshly
    /// loaded dump only once it has loaded completely).
    pub fn replace_with(&self, other: &MemoryBackend) {
        let fresh = std::mem::take(&mut *other.lock());
        *self.lock() = fresh;
    }
}
