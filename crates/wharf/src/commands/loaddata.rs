//! Loading a dump at start (`serve --loaddata-from`, `initprovider --loaddata-from`).

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context as _, Result, bail};
use wharf_model::BackupData;
use wharf_store::dump::MAX_DUMP_FILE_SIZE;
use wharf_store::scan::LocalQuotaScanner;
use wharf_store::{Driver, LoadMode, LoadOptions, ScanQuota, Store};

/// Reads and loads a dump file; deletes it afterwards when `clean` is set.
pub async fn load_file(store: &Store, path: &Path, mode: u8, scan: u8, clean: bool) -> Result<()> {
    if !path.is_absolute() {
        bail!("--loaddata-from: {} must be an absolute path", path.display());
    }
    let meta = std::fs::metadata(path).with_context(|| format!("--loaddata-from: cannot read {}", path.display()))?;
    if meta.len() > MAX_DUMP_FILE_SIZE as u64 {
        bail!(
            "--loaddata-from: {} is {} bytes, more than the {} bytes accepted",
            path.display(),
            meta.len(),
            MAX_DUMP_FILE_SIZE
        );
    }
    let bytes = std::fs::read(path).with_context(|| format!("--loaddata-from: cannot read {}", path.display()))?;
    let data = BackupData::from_json(&bytes, MAX_DUMP_FILE_SIZE)
        .map_err(|e| anyhow::anyhow!("--loaddata-from: {}: {e}", path.display()))?;
    let opts = LoadOptions {
        mode: LoadMode::from_int(i64::from(mode))?,
        scan: ScanQuota::from_int(i64::from(scan))?,
        scanner: Some(Arc::new(LocalQuotaScanner)),
    };
    let report =
        store.load(data, &opts).await.map_err(|e| anyhow::anyhow!("--loaddata-from: {}: {e}", path.display()))?;
    let total = |m: &std::collections::BTreeMap<_, usize>| m.values().sum::<usize>();
    tracing::info!(
        file = %path.display(),
        added = total(&report.added),
        updated = total(&report.updated),
        skipped = total(&report.skipped),
        "dump loaded"
    );
    for e in &report.scan_errors {
        tracing::warn!("quota scan after load: {e}");
    }
    if clean {
        match std::fs::remove_file(path) {
            Ok(()) => tracing::info!(file = %path.display(), "dump file removed after loading (--loaddata-clean)"),
            Err(e) => tracing::warn!(file = %path.display(), error = %e, "cannot remove the dump file"),
        }
    }
    Ok(())
}

/// The memory provider loads its dump from `data_provider.name`, not from `--loaddata-from`.
pub fn refuse_for_memory(store: &Store) -> Result<()> {
    if store.driver() == Driver::Memory {
        bail!(
            "--loaddata-from is not supported with the memory provider: set data_provider.name to the dump file instead"
        );
    }
    Ok(())
}
