//! CORS settings, shared by `webdavd.cors` and `httpd.cors`.

use serde::{Deserialize, Serialize};

/// Cross-origin resource sharing options (disabled by default).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CorsConfig {
    /// Whether CORS handling is active.
    pub enabled: bool,
    /// Allowed origins.
    pub allowed_origins: Vec<String>,
    /// Allowed methods.
    pub allowed_methods: Vec<String>,
    /// Allowed request headers.
    pub allowed_headers: Vec<String>,
    /// Response headers exposed to scripts.
    pub exposed_headers: Vec<String>,
    /// Allow credentials.
    pub allow_credentials: bool,
    /// Preflight cache duration in seconds.
    pub max_age: i64,
    /// Pass preflight requests on to the handlers.
    pub options_passthrough: bool,
    /// Status code for successful preflight requests (0 = 204).
    pub options_success_status: i64,
    /// Answer private network access preflights.
    pub allow_private_network: bool,
}
