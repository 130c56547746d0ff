//! [`Store`]: the data provider every part of Wharf talks to.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use wharf_model::{Folder, Group, Kind, User, ValidationContext, VirtualFolder};
use wharf_secrets::kms::Kms;
use wharf_secrets::password::{HashAlgo, VerifiedCache};

use crate::backend::memory::MemoryBackend;
use crate::backend::{
    Backend, BackendError, CounterDelta, ListQuery, MIN_SCHEMA_VERSION, Record, Ref, SCHEMA_VERSION, Write,
};
use crate::error::{StoreError, StoreResult};
use crate::open::{Driver, ProviderTarget};
use crate::stored::{OnDelete, Stored};

/// Attempts of a read-modify-write cycle that lost a race before giving up.
const MAX_RETRIES: usize = 8;

/// The current time in ms since the epoch.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// A change of used quota (bytes and files), stamped now.
fn quota_delta(size: i64, files: i64, reset: bool) -> CounterDelta {
    CounterDelta { quota_size: size, quota_files: files, reset_quota: reset, now_ms: now_ms(), ..Default::default() }
}

/// The table key of a kind in the engines.
pub(crate) fn kind_key(kind: Kind) -> &'static str {
    kind.object_type()
}

/// How the store treats what it saves.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Hash for new passwords.
    pub hashing: HashAlgo,
    /// Validation rules (naming rules, default home base, TOTP config names…).
    pub validation: ValidationContext,
    /// `update_mode`: 0 migrates the schema automatically at start, 1 requires `initprovider`.
    pub update_mode: i64,
    /// `password_caching`: remember successful password checks (see [`wharf_secrets::password::VerifiedCache`]).
    pub password_caching: bool,
}

/// Outcome of [`Store::init`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitOutcome {
    /// The schema was already current.
    UpToDate,
    /// The schema was created (from nothing) or upgraded from the given version.
    Migrated {
        /// The version found (None = empty database).
        from: Option<u32>,
        /// The version now.
        to: u32,
    },
}

#[derive(Debug)]
struct Inner {
    backend: Arc<dyn Backend>,
    /// Set for the memory driver, to reload its dump file.
    memory: Option<(Arc<MemoryBackend>, Option<PathBuf>)>,
    driver: Driver,
    kms: Kms,
    settings: Settings,
    /// Successful password checks, when `password_caching` is on.
    verified: Option<VerifiedCache>,
}

/// Accounts whose verified password is remembered at most (the cache is cleared when full).
const PASSWORD_CACHE_ENTRIES: usize = 10_000;

fn verified_cache(settings: &Settings) -> Option<VerifiedCache> {
    settings.password_caching.then(|| VerifiedCache::new(PASSWORD_CACHE_ENTRIES))
}

/// The data provider: typed access to every object kind over any engine. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

impl Store {
    /// A store over an engine.
    pub fn new(backend: Arc<dyn Backend>, driver: Driver, kms: Kms, settings: Settings) -> Self {
        let verified = verified_cache(&settings);
        Self { inner: Arc::new(Inner { backend, memory: None, driver, kms, settings, verified }) }
    }

    /// Connects to the configured provider. For the memory driver the dump file, if any, is loaded
    /// (a broken dump is an error). The schema of other drivers is not touched: see [`Store::init`]
    /// and [`Store::check_schema`].
    pub async fn open(target: &ProviderTarget, kms: Kms, settings: Settings) -> StoreResult<Self> {
        if target.driver == Driver::Memory {
            let mem = Arc::new(MemoryBackend::new());
            let store = Self {
                inner: Arc::new(Inner {
                    backend: mem.clone(),
                    memory: Some((mem, target.path.clone())),
                    driver: Driver::Memory,
                    kms,
                    verified: verified_cache(&settings),
                    settings,
                }),
            };
            store.reload_memory_dump().await?;
            return Ok(store);
        }
        let backend = target.connect().await?;
        Ok(Self::new(backend, target.driver, kms, settings))
    }

    /// The engine underneath.
    pub fn backend(&self) -> &Arc<dyn Backend> {
        &self.inner.backend
    }

    /// The configured driver.
    pub fn driver(&self) -> Driver {
        self.inner.driver
    }

    /// The secrets engine.
    pub fn kms(&self) -> &Kms {
        &self.inner.kms
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// The cache of verified passwords, when enabled.
    pub(crate) fn verified(&self) -> Option<&VerifiedCache> {
        self.inner.verified.as_ref()
    }

    /// (Re)loads the memory driver's dump file, replacing the data only if the whole file loads.
    /// Other drivers: nothing to do.
    pub async fn reload_memory_dump(&self) -> StoreResult<()> {
        let Some((live, path)) = &self.inner.memory else { return Ok(()) };
        let Some(path) = path else { return Ok(()) };
        let bytes = tokio::fs::read(path)
            .await
            .map_err(|e| StoreError::Dump(format!("cannot read the memory provider dump {}: {e}", path.display())))?;
        let data = wharf_model::BackupData::from_json(&bytes, crate::dump::MAX_DUMP_FILE_SIZE)
            .map_err(|e| StoreError::Dump(format!("{}: {e}", path.display())))?;
        let fresh = Arc::new(MemoryBackend::new());
        let staging = Self::new(fresh.clone(), Driver::Memory, self.inner.kms.clone(), self.inner.settings.clone());
        staging
            .load(data, &crate::dump::LoadOptions::default())
            .await
            .map_err(|e| StoreError::Dump(format!("{}: {e}", path.display())))?;
        live.replace_with(&fresh);
        tracing::info!(path = %path.display(), "memory provider loaded from dump");
        Ok(())
    }

    // ---- schema ----

    /// Creates or upgrades the schema to the current version.
    pub async fn init(&self) -> StoreResult<InitOutcome> {
        let found = self.inner.backend.schema_version().await?;
        if found == Some(SCHEMA_VERSION) {
            return Ok(InitOutcome::UpToDate);
        }
        if let Some(v) = found.filter(|v| *v > SCHEMA_VERSION) {
            return Err(StoreError::Schema(format!(
                "the data provider schema is at version {v}, newer than this Wharf supports ({SCHEMA_VERSION})"
            )));
        }
        self.inner.backend.migrate(SCHEMA_VERSION).await?;
        Ok(InitOutcome::Migrated { from: found, to: SCHEMA_VERSION })
    }

    /// Fails unless the schema is at the current version (used when `update_mode` is 1).
    pub async fn check_schema(&self) -> StoreResult<()> {
        match self.inner.backend.schema_version().await? {
            Some(v) if v == SCHEMA_VERSION => Ok(()),
            Some(v) => Err(StoreError::Schema(format!(
                "the data provider schema is at version {v} but this Wharf needs version {SCHEMA_VERSION}: \
                 run `wharf initprovider`"
            ))),
            None => Err(StoreError::Schema("the data provider is not initialised: run `wharf initprovider`".into())),
        }
    }

    /// Migrates the schema down to `version`.
    pub async fn revert(&self, version: u32) -> StoreResult<()> {
        if self.inner.driver == Driver::Memory {
            return Err(StoreError::Unsupported("the memory provider has no schema to revert".into()));
        }
        if !(MIN_SCHEMA_VERSION..SCHEMA_VERSION).contains(&version) {
            return Err(StoreError::Schema(format!(
                "--to-version {version}: this Wharf can revert to versions {MIN_SCHEMA_VERSION} to {}",
                SCHEMA_VERSION - 1
            )));
        }
        match self.inner.backend.schema_version().await? {
            None => Err(StoreError::Schema("the data provider is not initialised".into())),
            Some(v) if v < version => {
                Err(StoreError::Schema(format!("the schema is at version {v}, already older than {version}")))
            }
            Some(_) => Ok(self.inner.backend.migrate(version).await?),
        }
    }

    /// Drops every table and all data.
    pub async fn reset(&self) -> StoreResult<()> {
        if self.inner.driver == Driver::Memory {
            return Err(StoreError::Unsupported("the memory provider cannot be reset: it keeps nothing".into()));
        }
        Ok(self.inner.backend.reset().await?)
    }

    // ---- reading ----

    fn decode<T: Stored>(record: Record) -> StoreResult<T> {
        let mut obj: T = serde_json::from_str(&record.data).map_err(|e| {
            StoreError::Backend(BackendError::Database(format!(
                "stored {} {:?} is unreadable: {e}",
                T::KIND,
                record.name
            )))
        })?;
        obj.set_id(record.id);
        obj.put_counters(&record.counters);
        Ok(obj)
    }

    async fn record<T: Stored>(&self, key: &str) -> StoreResult<Option<Record>> {
        Ok(self.inner.backend.get(kind_key(T::KIND), key).await?)
    }

    /// One object as stored (virtual folder mappings are not filled in: see [`Store::user`]).
    pub async fn find<T: Stored>(&self, key: &str) -> StoreResult<Option<T>> {
        self.record::<T>(key).await?.map(Self::decode).transpose()
    }

    /// One object, or [`StoreError::NotFound`].
    pub async fn get<T: Stored>(&self, key: &str) -> StoreResult<T> {
        self.find(key).await?.ok_or_else(|| StoreError::NotFound { kind: T::KIND, name: key.to_owned() })
    }

    /// A page of objects of one kind, ordered by key.
    pub async fn list<T: Stored>(&self, query: ListQuery) -> StoreResult<Vec<T>> {
        let records = self.inner.backend.list(kind_key(T::KIND), query).await?;
        records.into_iter().map(Self::decode).collect()
    }

    /// Keys of the objects of kind `of` that point to `(kind, key)`.
    pub async fn referrers(&self, of: Kind, kind: Kind, key: &str) -> StoreResult<Vec<String>> {
        Ok(self.inner.backend.referrers(kind_key(of), &Ref::new(kind_key(kind), key)).await?)
    }

    /// Fills in each mapping's folder details (mapped path, filesystem, usage) from the folder objects.
    async fn hydrate_folders(&self, mappings: &mut [VirtualFolder]) -> StoreResult<()> {
        for m in mappings {
            if let Some(f) = self.find::<Folder>(&m.name).await? {
                m.id = f.id;
                m.mapped_path = f.mapped_path;
                m.description = f.description;
                m.used_quota_size = f.used_quota_size;
                m.used_quota_files = f.used_quota_files;
                m.last_quota_update = f.last_quota_update;
                m.filesystem = f.filesystem;
            }
        }
        Ok(())
    }

    /// A user with its virtual folders filled in, as the API and dumps show it.
    pub async fn user(&self, username: &str) -> StoreResult<User> {
        let mut u: User = self.get(username).await?;
        self.hydrate_folders(&mut u.virtual_folders).await?;
        Ok(u)
    }

    /// A user with the settings of its groups applied (primary, secondary and membership rules, see
    /// `wharf_model::inherit`): what logins and file operations go by.
    pub async fn effective_user(&self, username: &str) -> StoreResult<User> {
        let user = self.user(username).await?;
        let mut groups = Vec::with_capacity(user.groups.len());
        for g in &user.groups {
            groups.push(self.group(&g.name).await?);
        }
        Ok(user.with_group_settings(&groups))
    }

    /// A group with its virtual folders filled in.
    pub async fn group(&self, name: &str) -> StoreResult<Group> {
        let mut g: Group = self.get(name).await?;
        self.hydrate_folders(&mut g.virtual_folders).await?;
        Ok(g)
    }

    /// Every object of a kind, as stored (see [`Store::user`] for filled-in folder mappings).
    pub(crate) async fn all<T: Stored>(&self) -> StoreResult<Vec<T>> {
        self.list(ListQuery::default()).await
    }

    // ---- writing ----

    /// Validates, hashes and encrypts an object for saving. `old` is the stored version (update).
    pub(crate) async fn prepare<T: Stored>(&self, obj: &mut T, old: Option<&T>, restore: bool) -> StoreResult<()> {
        match old {
            Some(old) => obj.keep_from(old, restore),
            None if !restore => obj.clear_usage(),
            None => {}
        }
        if restore {
            // A dump is history: shares that expired since it was written are still restored.
            let ctx = ValidationContext { now_ms: None, ..self.inner.settings.validation.clone() };
            obj.validate(&ctx)?;
        } else {
            obj.validate(&self.inner.settings.validation)?;
        }
        let now = now_ms();
        obj.stamp(now, old, restore);
        // Hash plain credentials (off the async threads: bcrypt and argon2 are slow on purpose).
        let mut plain = Vec::new();
        for (i, (slot, any_user_format)) in obj.credentials_mut().into_iter().enumerate() {
            let is_hash = if any_user_format {
                wharf_model::hashes::is_user_password_hash(slot)
            } else {
                wharf_model::hashes::is_internal_hash(slot)
            };
            if !slot.is_empty() && !is_hash {
                plain.push((i, std::mem::take(slot)));
            }
        }
        if !plain.is_empty() {
            let algo = self.inner.settings.hashing;
            let hashed = tokio::task::spawn_blocking(move || {
                plain
                    .into_iter()
                    .map(|(i, p)| wharf_secrets::password::hash(&p, &algo).map(|h| (i, h)))
                    .collect::<Result<Vec<_>, _>>()
            })
            .await
            .map_err(|e| StoreError::Invalid(format!("password hashing failed: {e}")))?
            .map_err(|e| StoreError::Invalid(format!("password hashing failed: {e}")))?;
            let mut slots = obj.credentials_mut();
            for (i, h) in hashed {
                if let Some((slot, _)) = slots.get_mut(i) {
                    **slot = h;
                }
            }
            obj.password_hashed(now);
        }
        let (kind, key) = (T::KIND, obj.key());
        let kms = &self.inner.kms;
        let (ad, secrets) = obj.secrets_mut();
        for (path, secret) in secrets {
            if secret.is_redacted() {
                return Err(StoreError::Invalid(format!(
                    "{kind} {key:?}: {path}: a redacted secret cannot be saved, send the value with status \"Plain\""
                )));
            }
            if secret.status == wharf_model::SecretStatus::Plain {
                kms.encrypt(secret, &ad).map_err(|e| StoreError::Secret(format!("{kind} {key:?}: {path}: {e}")))?;
            }
        }
        Ok(())
    }

    /// The document, references and counters of a prepared object.
    pub(crate) fn encode<T: Stored>(obj: &T) -> StoreResult<(String, Vec<Ref>, crate::backend::Counters)> {
        let mut copy = obj.clone();
        let counters = copy.take_counters();
        copy.set_id(0);
        let refs = obj.references().into_iter().map(|(k, n)| Ref::new(kind_key(k), n)).collect();
        let data = serde_json::to_string(&copy)
            .map_err(|e| StoreError::Invalid(format!("{} {:?}: cannot encode: {e}", T::KIND, obj.key())))?;
        Ok((data, refs, counters))
    }

    pub(crate) fn requirements<T: Stored>(obj: &T) -> Vec<Write> {
        obj.references()
            .into_iter()
            .filter(|(k, n)| !(*k == T::KIND && *n == obj.key()))
            .map(|(k, n)| Write::Require { kind: kind_key(k).into(), name: n })
            .collect()
    }

    fn map_write_error(e: BackendError) -> StoreError {
        let kind_of = |k: &str| Kind::RESTORE_ORDER.into_iter().find(|kind| kind_key(*kind) == k);
        match e {
            BackendError::NotFound { kind, name } => match kind_of(&kind) {
                Some(kind) => StoreError::NotFound { kind, name },
                None => StoreError::Backend(BackendError::NotFound { kind, name }),
            },
            BackendError::AlreadyExists { kind, name } => match kind_of(&kind) {
                Some(kind) => StoreError::AlreadyExists { kind, name },
                None => StoreError::Backend(BackendError::AlreadyExists { kind, name }),
            },
            other => other.into(),
        }
    }

    /// Adds a new object (validated, passwords hashed, secrets encrypted) and returns it as stored.
    /// Usage counters start at zero.
    pub async fn add<T: Stored>(&self, mut obj: T) -> StoreResult<T> {
        self.prepare(&mut obj, None, false).await?;
        obj.take_counters();
        let (data, refs, counters) = Self::encode(&obj)?;
        let mut batch = Self::requirements(&obj);
        batch.push(Write::Insert { kind: kind_key(T::KIND).into(), name: obj.key(), data, refs, counters });
        let ids = self.inner.backend.write(batch).await.map_err(Self::map_write_error)?;
        if let Some(id) = ids.first() {
            obj.set_id(*id);
        }
        Ok(obj)
    }

    /// Replaces an existing object (same key). Fields the input leaves empty that the server manages
    /// (password, redacted secrets, usage timestamps) keep their stored values; counters are untouched.
    pub async fn update<T: Stored>(&self, obj: T) -> StoreResult<T> {
        let key = obj.key();
        for _ in 0..MAX_RETRIES {
            let record = self
                .record::<T>(&key)
                .await?
                .ok_or_else(|| StoreError::NotFound { kind: T::KIND, name: key.clone() })?;
            let revision = record.revision;
            let old: T = Self::decode(record)?;
            let mut new = obj.clone();
            self.prepare(&mut new, Some(&old), false).await?;
            let (data, refs, _) = Self::encode(&new)?;
            let mut batch = Self::requirements(&new);
            batch.push(Write::Update { kind: kind_key(T::KIND).into(), name: key.clone(), revision, data, refs });
            match self.inner.backend.write(batch).await {
                Ok(_) => {
                    new.set_id(old.id());
                    new.put_counters(&old.clone().take_counters());
                    return Ok(new);
                }
                Err(BackendError::Conflict { .. }) => continue,
                Err(e) => return Err(Self::map_write_error(e)),
            }
        }
        Err(StoreError::Busy { kind: T::KIND, name: key })
    }

    /// Changes one stored object with `f` (read, modify, write, retried on concurrent changes; `f`
    /// returns false to leave the object alone), without validation: for server-side bookkeeping such
    /// as re-hashing a password, last login or first-transfer times. Counters are not touched.
    pub async fn modify<T: Stored>(&self, key: &str, f: impl Fn(&mut T) -> bool) -> StoreResult<()> {
        for _ in 0..MAX_RETRIES {
            let Some(record) = self.record::<T>(key).await? else {
                return Err(StoreError::NotFound { kind: T::KIND, name: key.to_owned() });
            };
            let revision = record.revision;
            let mut obj: T = Self::decode(record)?;
            if !f(&mut obj) {
                return Ok(());
            }
            let (data, refs, _) = Self::encode(&obj)?;
            let w = Write::Update { kind: kind_key(T::KIND).into(), name: key.to_owned(), revision, data, refs };
            match self.inner.backend.write(vec![w]).await {
                Ok(_) => return Ok(()),
                Err(BackendError::Conflict { .. }) => continue,
                Err(e) => return Err(Self::map_write_error(e)),
            }
        }
        Err(StoreError::Busy { kind: T::KIND, name: key.to_owned() })
    }

    /// Deletes an object. Objects pointing to it are deleted with it, detached from it, or make the
    /// deletion fail, depending on their kind (e.g. a user's shares go with the user; users lose a
    /// deleted folder's mapping; a group still used by users cannot be deleted).
    pub async fn delete<T: Stored>(&self, key: &str) -> StoreResult<()> {
        for _ in 0..MAX_RETRIES {
            let Some(record) = self.record::<T>(key).await? else {
                return Err(StoreError::NotFound { kind: T::KIND, name: key.to_owned() });
            };
            let mut batch = Vec::new();
            for (kind, policy) in T::referrers() {
                let names = self.referrers(*kind, T::KIND, key).await?;
                if names.is_empty() {
                    continue;
                }
                match policy {
                    OnDelete::Refuse => {
                        let by = format!("{} {}", kind.display_name(), names.join(", "));
                        return Err(StoreError::Referenced { kind: T::KIND, name: key.to_owned(), by });
                    }
                    OnDelete::Cascade => batch.extend(names.into_iter().map(|n| Write::Delete {
                        kind: kind_key(*kind).into(),
                        name: n,
                        revision: None,
                    })),
                    OnDelete::Detach => {
                        for n in names {
                            batch.push(self.detach_write(*kind, &n, T::KIND, key).await?);
                        }
                    }
                }
            }
            batch.push(Write::Delete {
                kind: kind_key(T::KIND).into(),
                name: key.to_owned(),
                revision: Some(record.revision),
            });
            // An object that started to point to this one since the referrers were read would be
            // left dangling: the batch then fails with a conflict and the deletion starts over.
            batch.push(Write::RequireUnreferenced { kind: kind_key(T::KIND).into(), name: key.to_owned() });
            match self.inner.backend.write(batch).await {
                Ok(_) => return Ok(()),
                Err(BackendError::Conflict { .. }) => continue,
                Err(e) => return Err(Self::map_write_error(e)),
            }
        }
        Err(StoreError::Busy { kind: T::KIND, name: key.to_owned() })
    }

    async fn detach_write(&self, of: Kind, name: &str, target: Kind, target_key: &str) -> StoreResult<Write> {
        macro_rules! detach {
            ($t:ty) => {{
                let record = self
                    .record::<$t>(name)
                    .await?
                    .ok_or_else(|| StoreError::NotFound { kind: of, name: name.to_owned() })?;
                let revision = record.revision;
                let mut obj: $t = Self::decode(record)?;
                obj.detach(target, target_key);
                let (data, refs, _) = Self::encode(&obj)?;
                Ok(Write::Update { kind: kind_key(of).into(), name: name.to_owned(), revision, data, refs })
            }};
        }
        match of {
            Kind::User => detach!(User),
            Kind::Group => detach!(Group),
            Kind::Admin => detach!(wharf_model::Admin),
            other => Err(StoreError::Unsupported(format!("cannot detach references held by {other}"))),
        }
    }

    // ---- counters ----

    async fn add_counters(&self, kind: Kind, key: &str, delta: CounterDelta) -> StoreResult<()> {
        self.inner.backend.add_counters(kind_key(kind), key, delta).await.map_err(Self::map_write_error)
    }

    /// Adds to (or, with `reset`, sets) a user's used quota. Concurrent calls never lose counts.
    pub async fn update_user_quota(&self, username: &str, size: i64, files: i64, reset: bool) -> StoreResult<()> {
        self.add_counters(Kind::User, username, quota_delta(size, files, reset)).await
    }

    /// Adds to (or sets) a folder's used quota.
    pub async fn update_folder_quota(&self, name: &str, size: i64, files: i64, reset: bool) -> StoreResult<()> {
        self.add_counters(Kind::Folder, name, quota_delta(size, files, reset)).await
    }

    /// Adds to (or sets) a user's transferred bytes (transfer quota).
    pub async fn update_transfer_quota(
        &self,
        username: &str,
        upload: i64,
        download: i64,
        reset: bool,
    ) -> StoreResult<()> {
        let d = CounterDelta { upload, download, reset_transfer: reset, now_ms: now_ms(), ..Default::default() };
        self.add_counters(Kind::User, username, d).await
    }

    /// Counts objects of every kind (for logs and tests).
    pub async fn counts(&self) -> StoreResult<BTreeMap<Kind, usize>> {
        let mut out = BTreeMap::new();
        for kind in Kind::RESTORE_ORDER {
            let n = self.inner.backend.list(kind_key(kind), ListQuery::default()).await?.len();
            out.insert(kind, n);
        }
        Ok(out)
    }
}
