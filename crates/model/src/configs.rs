//! Server settings stored in the data provider (dump key `configs`): extra SSH algorithms, SMTP,
//! ACME and branding.

use base64::Engine as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::secret::Secret;
use crate::serde_util::is_zero;

/// Legacy SSH algorithms enabled on top of the configuration file (`configs.sftpd`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SftpdConfigs {
    /// Host key algorithms.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub host_key_algos: Vec<String>,
    /// Public key algorithms.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub public_key_algos: Vec<String>,
    /// Key exchange algorithms.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kex_algorithms: Vec<String>,
    /// Ciphers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ciphers: Vec<String>,
    /// MACs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub macs: Vec<String>,
}

/// SMTP OAuth2 settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SmtpOAuth2 {
    /// 0 Google, 1 Microsoft.
    #[serde(skip_serializing_if = "is_zero")]
    pub provider: i64,
    /// Tenant (Microsoft).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub tenant: String,
    /// Client id.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub client_id: String,
    /// Client secret.
    #[serde(skip_serializing_if = "Secret::is_unset")]
    pub client_secret: Secret,
    /// Refresh token.
    #[serde(skip_serializing_if = "Secret::is_unset")]
    pub refresh_token: Secret,
}

/// SMTP settings (`configs.smtp`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SmtpConfigs {
    /// Server host (empty = not configured).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub host: String,
    /// Server port.
    #[serde(skip_serializing_if = "is_zero")]
    pub port: i64,
    /// Sender address.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub from: String,
    /// Auth user.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub user: String,
    /// Auth password.
    #[serde(skip_serializing_if = "Secret::is_unset")]
    pub password: Secret,
    /// 0 PLAIN, 1 LOGIN, 2 CRAM-MD5, 3 XOAUTH2.
    #[serde(skip_serializing_if = "is_zero")]
    pub auth_type: i64,
    /// 0 none, 1 TLS, 2 STARTTLS.
    #[serde(skip_serializing_if = "is_zero")]
    pub encryption: i64,
    /// HELO domain.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub domain: String,
    /// SMTP debug logging.
    #[serde(skip_serializing_if = "is_zero")]
    pub debug: i64,
    /// OAuth2 settings (auth type 3).
    pub oauth2: SmtpOAuth2,
}

/// HTTP-01 challenge settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AcmeHttp01Challenge {
    /// Listening port.
    pub port: i64,
}

/// ACME settings (`configs.acme`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AcmeConfigs {
    /// Certificate domain (empty = not configured).
    pub domain: String,
    /// Account email.
    pub email: String,
    /// HTTP-01 challenge.
    pub http01_challenge: AcmeHttp01Challenge,
    /// Bit mask of protocols using the certificate (1 HTTP, 2 FTP, 4 WebDAV).
    pub protocols: i64,
}

/// Branding of one web UI. `logo` and `favicon` are PNG bytes, base64 in JSON (null when empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BrandingConfig {
    /// Product name.
    pub name: String,
    /// Short name.
    pub short_name: String,
    /// Logo PNG.
    #[serde(with = "base64_bytes")]
    pub logo: Vec<u8>,
    /// Favicon PNG.
    #[serde(with = "base64_bytes")]
    pub favicon: Vec<u8>,
    /// Disclaimer link text.
    pub disclaimer_name: String,
    /// Disclaimer URL.
    pub disclaimer_url: String,
}

/// Branding of both web UIs (`configs.branding`; SFTPGo serializes the capitalized Go field names).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BrandingConfigs {
    /// WebAdmin.
    #[serde(rename = "WebAdmin")]
    pub web_admin: BrandingConfig,
    /// WebClient.
    #[serde(rename = "WebClient")]
    pub web_client: BrandingConfig,
}

/// The singleton configs object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Configs {
    /// SSH algorithms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sftpd: Option<SftpdConfigs>,
    /// SMTP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp: Option<SmtpConfigs>,
    /// ACME.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acme: Option<AcmeConfigs>,
    /// Branding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branding: Option<BrandingConfigs>,
    /// Last update, ms.
    #[serde(skip_serializing_if = "is_zero")]
    pub updated_at: i64,
}

impl Configs {
    /// The secrets held by the configs (SMTP password and OAuth2 credentials) with their paths.
    pub fn secrets_mut(&mut self) -> Vec<(&'static str, &mut Secret)> {
        match self.smtp.as_mut() {
            Some(smtp) => vec![
                ("smtp.password", &mut smtp.password),
                ("smtp.oauth2.client_secret", &mut smtp.oauth2.client_secret),
                ("smtp.oauth2.refresh_token", &mut smtp.oauth2.refresh_token),
            ],
            None => Vec::new(),
        }
    }
}

/// Go `[]byte` JSON form: standard base64 string, `null` for an empty slice.
mod base64_bytes {
    use super::*;

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        if bytes.is_empty() {
            s.serialize_none()
        } else {
            s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = Option::<String>::deserialize(d)?.unwrap_or_default();
        base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map_err(|e| serde::de::Error::custom(format!("invalid base64 data: {e}")))
    }
}
