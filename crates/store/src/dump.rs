//! Dumps (SFTPGo's backup format) out of and into the store.
//!
//! A load is all-or-nothing: every object is validated and prepared first, references are checked
//! against the dump and the store, and the whole change is written in one atomic batch. A dump with
//! one bad object changes nothing, and the error names that object.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use async_trait::async_trait;
use wharf_model::{ApiKey, BackupData, Configs, EventAction, EventRule, Folder, Group, Kind, Share, User};

use crate::backend::{BackendError, Write};
use crate::error::{StoreError, StoreResult};
use crate::store::{Store, kind_key};
use crate::stored::Stored;

/// Largest dump accepted from a file or a request (SFTPGo's limit).
pub const MAX_DUMP_FILE_SIZE: usize = 20 * 1024 * 1024;

/// What to do with objects that already exist (SFTPGo's `mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LoadMode {
    /// 0: add new objects, update existing ones.
    AddAndUpdate,
    /// 1: add new objects, leave existing ones alone.
    #[default]
    AddOnly,
    /// 2: like 0, and disconnect users that were updated (the caller does the disconnecting).
    AddUpdateDisconnect,
}

impl LoadMode {
    /// From SFTPGo's integer.
    pub fn from_int(mode: i64) -> StoreResult<Self> {
        match mode {
            0 => Ok(Self::AddAndUpdate),
            1 => Ok(Self::AddOnly),
            2 => Ok(Self::AddUpdateDisconnect),
            other => Err(StoreError::Dump(format!("invalid load mode {other}: expected 0, 1 or 2"))),
        }
    }
}

/// Which restored users and folders get their used quota recomputed (SFTPGo's `scan-quota`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ScanQuota {
    /// 0: keep the used quota found in the dump (new objects) or in the store (existing ones).
    #[default]
    None,
    /// 1: scan every restored user and folder.
    All,
    /// 2: scan only the users with quota limits (and, as in SFTPGo, every restored folder).
    WithLimits,
}

impl ScanQuota {
    /// From SFTPGo's integer.
    pub fn from_int(mode: i64) -> StoreResult<Self> {
        match mode {
            0 => Ok(Self::None),
            1 => Ok(Self::All),
            2 => Ok(Self::WithLimits),
            other => Err(StoreError::Dump(format!("invalid quota scan mode {other}: expected 0, 1 or 2"))),
        }
    }
}

/// Computes used quota (bytes, files) from storage.
#[async_trait]
pub trait QuotaScanner: Send + Sync + std::fmt::Debug {
    /// A user: the home and the virtual folders included in the user quota (mappings with quota
    /// -1/-1). The user is passed with its folder mappings filled in.
    async fn scan_user(&self, user: &User) -> Result<(i64, i64), String>;
    /// A folder.
    async fn scan_folder(&self, folder: &Folder) -> Result<(i64, i64), String>;
}

/// How to load a dump.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// What to do with existing objects.
    pub mode: LoadMode,
    /// Quota scans after loading.
    pub scan: ScanQuota,
    /// Needed when `scan` is not `None`.
    pub scanner: Option<Arc<dyn QuotaScanner>>,
}

/// What a load did, per kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// Objects added.
    pub added: BTreeMap<Kind, usize>,
    /// Objects updated.
    pub updated: BTreeMap<Kind, usize>,
    /// Existing objects left alone (mode 1).
    pub skipped: BTreeMap<Kind, usize>,
    /// Users updated (mode 2 disconnects them).
    pub updated_users: Vec<String>,
    /// Quota scans that failed (the load itself succeeded).
    pub scan_errors: Vec<String>,
}

struct Plan {
    writes: Vec<Write>,
    report: LoadReport,
    /// Every key the dump defines, per kind (to resolve references inside the dump).
    defined: HashSet<(Kind, String)>,
}

impl Store {
    /// Everything, as a dump (version 17). Password hashes and encrypted secrets are included, as
    /// in SFTPGo's dumps; keep the file private.
    pub async fn dump(&self) -> StoreResult<BackupData> {
        let mut users: Vec<User> = self.all().await?;
        for u in &mut users {
            *u = self.user(&u.username).await?;
        }
        let mut groups: Vec<Group> = self.all().await?;
        for g in &mut groups {
            *g = self.group(&g.name).await?;
        }
        let mut data = BackupData::new();
        data.users = users;
        data.groups = groups;
        data.folders = self.all().await?;
        data.admins = self.all().await?;
        data.api_keys = self.all().await?;
        data.shares = self.all().await?;
        data.event_actions = self.all().await?;
        data.event_rules = self.all().await?;
        data.roles = self.all().await?;
        data.ip_lists = self.all().await?;
        data.configs = self.find::<Configs>(wharf_model::CONFIGS_KEY).await?;
        Ok(data)
    }

    /// Loads a dump atomically (see the module docs), then runs the requested quota scans.
    pub async fn load(&self, data: BackupData, opts: &LoadOptions) -> StoreResult<LoadReport> {
        if opts.scan != ScanQuota::None && opts.scanner.is_none() {
            return Err(StoreError::Dump("a quota scan was requested but no scanner is available".into()));
        }
        let mut attempt = 0;
        let report = loop {
            attempt += 1;
            let plan = self.plan(&data, opts.mode).await?;
            match self.backend().write(plan.writes).await {
                Ok(_) => break plan.report,
                // Someone changed an object between planning and writing: plan again.
                Err(BackendError::Conflict { .. } | BackendError::AlreadyExists { .. }) if attempt < 5 => continue,
                Err(e) => return Err(StoreError::Dump(format!("the dump was not loaded: {e}"))),
            }
        };
        let mut report = report;
        if let (Some(scanner), true) = (&opts.scanner, opts.scan != ScanQuota::None) {
            self.scan_loaded(&data, opts.scan, scanner.as_ref(), &mut report).await;
        }
        Ok(report)
    }

    async fn scan_loaded(
        &self,
        data: &BackupData,
        scan: ScanQuota,
        scanner: &dyn QuotaScanner,
        report: &mut LoadReport,
    ) {
        for u in &data.users {
            if scan == ScanQuota::WithLimits && u.quota_size <= 0 && u.quota_files <= 0 {
                continue;
            }
            let username = self.stored_key(u);
            let result = match self.user(&username).await {
                Ok(user) => scanner.scan_user(&user).await,
                Err(e) => Err(e.to_string()),
            };
            match result {
                Ok((size, files)) => {
                    if let Err(e) = self.update_user_quota(&username, size, files, true).await {
                        report.scan_errors.push(format!("user {username:?}: {e}"));
                    }
                }
                Err(e) => report.scan_errors.push(format!("user {username:?}: {e}")),
            }
        }
        // As in SFTPGo, every restored folder is scanned in both modes: a folder has no limits of
        // its own (they belong to the mappings).
        for f in &data.folders {
            let name = self.stored_key(f);
            let result = match self.get::<Folder>(&name).await {
                Ok(folder) => scanner.scan_folder(&folder).await,
                Err(e) => Err(e.to_string()),
            };
            match result {
                Ok((size, files)) => {
                    if let Err(e) = self.update_folder_quota(&name, size, files, true).await {
                        report.scan_errors.push(format!("folder {name:?}: {e}"));
                    }
                }
                Err(e) => report.scan_errors.push(format!("folder {name:?}: {e}")),
            }
        }
    }

    async fn plan(&self, data: &BackupData, mode: LoadMode) -> StoreResult<Plan> {
        let mut plan = Plan { writes: Vec::new(), report: LoadReport::default(), defined: HashSet::new() };
        // Keys first, so references inside the dump resolve whatever the order within a kind.
        fn define<T: Stored>(store: &Store, plan: &mut Plan, items: &[T]) -> StoreResult<()> {
            for item in items {
                let key = store.stored_key(item);
                if !plan.defined.insert((T::KIND, key.clone())) {
                    return Err(StoreError::Dump(format!("{} {key:?} appears twice in the dump", T::KIND)));
                }
            }
            Ok(())
        }
        define(self, &mut plan, data.configs.as_slice())?;
        define(self, &mut plan, &data.ip_lists)?;
        define(self, &mut plan, &data.roles)?;
        define(self, &mut plan, &data.folders)?;
        define(self, &mut plan, &data.groups)?;
        define(self, &mut plan, &data.users)?;
        define(self, &mut plan, &data.admins)?;
        define(self, &mut plan, &data.api_keys)?;
        define(self, &mut plan, &data.shares)?;
        define(self, &mut plan, &data.event_actions)?;
        define(self, &mut plan, &data.event_rules)?;
        // As in SFTPGo, an API key without its (hashed) secret cannot be restored.
        if let Some(k) = data.api_keys.iter().find(|k| k.key.is_empty()) {
            return Err(StoreError::Dump(format!("API key {:?}: the key is empty, it cannot be restored", k.id)));
        }
        // Then every object, in SFTPGo's restore order.
        self.plan_kind(&mut plan, data.configs.as_slice(), mode).await?;
        self.plan_kind(&mut plan, &data.ip_lists, mode).await?;
        self.plan_kind(&mut plan, &data.roles, mode).await?;
        self.plan_kind(&mut plan, &data.folders, mode).await?;
        self.plan_kind(&mut plan, &data.groups, mode).await?;
        self.plan_kind(&mut plan, &data.users, mode).await?;
        self.plan_kind(&mut plan, &data.admins, mode).await?;
        self.plan_kind::<ApiKey>(&mut plan, &data.api_keys, mode).await?;
        self.plan_kind::<Share>(&mut plan, &data.shares, mode).await?;
        self.plan_kind::<EventAction>(&mut plan, &data.event_actions, mode).await?;
        self.plan_kind::<EventRule>(&mut plan, &data.event_rules, mode).await?;
        Ok(plan)
    }

    /// The key an object is stored under: naming rules may trim or lowercase names, IP list keys
    /// are normalised. Falls back to the key as given when the object does not validate (the error
    /// is reported when the object itself is prepared).
    fn stored_key<T: Stored>(&self, item: &T) -> String {
        let mut probe = item.clone();
        match probe.validate(&self.settings().validation) {
            Ok(()) => probe.key(),
            Err(_) => item.key(),
        }
    }

    async fn plan_kind<T: Stored>(&self, plan: &mut Plan, items: &[T], mode: LoadMode) -> StoreResult<()> {
        for item in items {
            let mut obj = item.clone();
            let key = self.stored_key(&obj);
            let existing = self.backend().get(kind_key(T::KIND), &key).await?;
            if existing.is_some() && mode == LoadMode::AddOnly {
                *plan.report.skipped.entry(T::KIND).or_default() += 1;
                continue;
            }
            let old: Option<T> = match &existing {
                Some(r) => Some(
                    serde_json::from_str(&r.data)
                        .map_err(|e| StoreError::Dump(format!("stored {} {key:?} is unreadable: {e}", T::KIND)))?,
                ),
                None => None,
            };
            self.prepare(&mut obj, old.as_ref(), true).await.map_err(|e| StoreError::Dump(e.to_string()))?;
            // The key may have been normalised (naming rules): keep the dump's identity consistent.
            let key = obj.key();
            for (kind, name) in obj.references() {
                if plan.defined.contains(&(kind, name.clone())) {
                    continue;
                }
                if self.backend().get(kind_key(kind), &name).await?.is_none() {
                    return Err(StoreError::Dump(format!(
                        "{} {key:?} refers to {kind} {name:?}, which is neither in the dump nor in the data provider",
                        T::KIND
                    )));
                }
            }
            let (data, refs, counters) = Self::encode(&obj)?;
            plan.writes.extend(Self::requirements(&obj));
            match existing {
                Some(r) => {
                    plan.writes.push(Write::Update {
                        kind: kind_key(T::KIND).into(),
                        name: key.clone(),
                        revision: r.revision,
                        data,
                        refs,
                    });
                    *plan.report.updated.entry(T::KIND).or_default() += 1;
                    if T::KIND == Kind::User {
                        plan.report.updated_users.push(key);
                    }
                }
                None => {
                    plan.writes.push(Write::Insert { kind: kind_key(T::KIND).into(), name: key, data, refs, counters });
                    *plan.report.added.entry(T::KIND).or_default() += 1;
                }
            }
        }
        Ok(())
    }
}
