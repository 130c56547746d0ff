//! From configuration to running parts: loading the config, the KMS, and opening the data provider.

use anyhow::{Context as _, Result, anyhow};
use wharf_config::{Config, LoadOptions, Loaded};
use wharf_model::ValidationContext;
use wharf_model::names::NamingRules;
use wharf_secrets::kms::{Kms, KmsConfig};
use wharf_secrets::password::HashAlgo;
use wharf_store::{InitOutcome, ProviderTarget, Settings, Store};

use crate::flags::Context;

/// Loads the configuration; `env.d` was already merged into `ctx.env`.
pub fn load_config(ctx: &Context) -> Result<Loaded> {
    let mut opts = LoadOptions::new(&ctx.config_dir, ctx.env.clone());
    opts.read_env_dir = false;
    if let Some(file) = &ctx.config_file {
        opts = opts.with_config_file(file);
    }
    let loaded = Config::load(opts).map_err(|e| anyhow!("configuration: {e}"))?;
    for w in &ctx.env_warnings {
        tracing::warn!("{w}");
    }
    for w in &loaded.warnings {
        tracing::warn!("configuration: {w}");
    }
    Ok(loaded)
}

/// The KMS configured under `kms.secrets`.
pub fn kms(loaded: &Loaded) -> Result<Kms> {
    let s = &loaded.config.kms.secrets;
    let file = match loaded.resolve_path(&s.master_key_path) {
        Some(path) => Some(
            std::fs::read(&path)
                .with_context(|| format!("kms.secrets.master_key_path: cannot read {}", path.display()))?,
        ),
        None => None,
    };
    Kms::new(KmsConfig::from_parts(&s.url, &s.master_key, file.as_deref())).map_err(|e| anyhow!("kms.secrets: {e}"))
}

/// How the store hashes, validates and migrates, from `data_provider` and related sections.
pub fn settings(config: &Config) -> Result<Settings> {
    let dp = &config.data_provider;
    let h = &dp.password_hashing;
    let hashing = match h.algo.as_str() {
        "" | "bcrypt" => HashAlgo::Bcrypt { cost: u32::try_from(h.bcrypt_options.cost).unwrap_or(10) },
        "argon2id" => HashAlgo::Argon2id {
            memory_kib: h.argon2_options.memory,
            iterations: h.argon2_options.iterations,
            parallelism: u32::from(h.argon2_options.parallelism),
        },
        other => return Err(anyhow!("data_provider.password_hashing.algo: unknown algorithm {other:?}")),
    };
    let validation = ValidationContext {
        naming_rules: NamingRules(u32::try_from(dp.naming_rules).unwrap_or(5)),
        totp_config_names: Some(config.mfa.totp.iter().map(|t| t.name.clone()).collect()),
        allowed_action_commands: Some(config.common.event_manager.enabled_commands.clone()),
        is_shared: dp.is_shared == 1,
        external_auth: !dp.external_auth_hook.is_empty() || config.plugins.iter().any(|p| p.plugin_type == "auth"),
        users_base_dir: dp.users_base_dir.clone(),
        ..ValidationContext::default()
    };
    Ok(Settings { hashing, validation, update_mode: dp.update_mode, password_caching: dp.password_caching })
}

/// Connects to the data provider (the schema is not touched).
pub async fn open_store(loaded: &Loaded) -> Result<Store> {
    let target = ProviderTarget::from_config(&loaded.config.data_provider, &loaded.config_dir)?;
    let store = Store::open(&target, kms(loaded)?, settings(&loaded.config)?)
        .await
        .with_context(|| format!("data provider ({})", loaded.config.data_provider.driver))?;
    Ok(store)
}

/// Creates or upgrades the schema and says what happened.
pub async fn init_schema(store: &Store) -> Result<InitOutcome> {
    let outcome = store.init().await.context("data provider schema")?;
    match outcome {
        InitOutcome::UpToDate => tracing::info!(driver = ?store.driver(), "the data provider is up to date"),
        InitOutcome::Migrated { from, to } => {
            tracing::info!(driver = ?store.driver(), from = ?from, to, "data provider schema initialised")
        }
    }
    Ok(outcome)
}
