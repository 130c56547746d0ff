//! Printing the effective configuration without its secrets.

use crate::error::Error;
use crate::sections::Config;

/// Replacement text for a secret that is set (empty values stay empty, so one can still see that
/// nothing is configured).
pub const REDACTED: &str = "[redacted]";

fn mask(value: &mut String) {
    if !value.is_empty() {
        *value = REDACTED.to_owned();
    }
}

/// Writes `value` for `{:?}` as `Name {json}` with the fields at `secrets` masked. Paths are
/// dotted; `*` stands for every element of a list. Logging a configuration section therefore
/// never prints a password.
pub(crate) fn debug_masked<T: serde::Serialize>(
    f: &mut std::fmt::Formatter<'_>,
    name: &str,
    value: &T,
    secrets: &[&str],
) -> std::fmt::Result {
    let mut tree = serde_json::to_value(value).map_err(|_| std::fmt::Error)?;
    for path in secrets {
        let segments: Vec<&str> = path.split('.').collect();
        mask_at(&mut tree, &segments);
    }
    write!(f, "{name} {tree}")
}

fn mask_at(node: &mut serde_json::Value, path: &[&str]) {
    match path.split_first() {
        None => {
            if let serde_json::Value::String(s) = node {
                mask(s);
            }
        }
        Some((&"*", rest)) => {
            if let serde_json::Value::Array(items) = node {
                items.iter_mut().for_each(|item| mask_at(item, rest));
            }
        }
        Some((seg, rest)) => {
            if let Some(child) = node.get_mut(*seg) {
                mask_at(child, rest);
            }
        }
    }
}

/// Hides the password of `scheme://user:password@host/...` URLs.
fn mask_url_password(value: &mut String) {
    let Some(scheme_end) = value.find("://") else {
        return;
    };
    let authority_start = scheme_end + 3;
    let authority_end = value[authority_start..].find(['/', '?', '#']).map_or(value.len(), |i| authority_start + i);
    let Some(at) = value[authority_start..authority_end].rfind('@') else {
        return;
    };
    let userinfo = &value[authority_start..authority_start + at];
    if let Some(colon) = userinfo.find(':') {
        let start = authority_start + colon + 1;
        let end = authority_start + at;
        value.replace_range(start..end, REDACTED);
    }
}

impl Config {
    /// A copy with passwords, secrets, master keys and tokens replaced by [`REDACTED`], and
    /// passwords embedded in hook URLs hidden.
    pub fn redacted(&self) -> Config {
        let mut c = self.clone();
        mask(&mut c.data_provider.password);
        mask(&mut c.data_provider.connection_string);
        mask(&mut c.httpd.signing_passphrase);
        mask(&mut c.httpd.setup.installation_code);
        for binding in &mut c.httpd.bindings {
            mask(&mut binding.oidc.client_secret);
        }
        for header in &mut c.http.headers {
            mask(&mut header.value);
        }
        mask(&mut c.kms.secrets.master_key);
        mask(&mut c.smtp.password);
        mask(&mut c.smtp.oauth2.client_secret);
        mask(&mut c.smtp.oauth2.refresh_token);
        for hook in [
            &mut c.common.actions.hook,
            &mut c.common.startup_hook,
            &mut c.common.post_connect_hook,
            &mut c.common.post_disconnect_hook,
            &mut c.sftpd.keyboard_interactive_auth_hook,
            &mut c.data_provider.actions.hook,
            &mut c.data_provider.external_auth_hook,
            &mut c.data_provider.pre_login_hook,
            &mut c.data_provider.post_login_hook,
            &mut c.data_provider.check_password_hook,
        ] {
            mask_url_password(hook);
        }
        c
    }

    /// The configuration as pretty-printed JSON in SFTPGo's key layout, with secrets masked (see
    /// [`Config::redacted`]); meant for showing the effective configuration.
    pub fn to_json_pretty(&self) -> Result<String, Error> {
        serde_json::to_string_pretty(&self.redacted()).map_err(|e| Error::Serialize(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_secrets() {
        let mut c = Config::default();
        c.data_provider.password = "dbpw".to_owned();
        c.httpd.signing_passphrase = "signpw".to_owned();
        c.httpd.setup.installation_code = "codepw".to_owned();
        c.httpd.bindings[0].oidc.client_secret = "oidcpw".to_owned();
        c.http.headers.push(crate::HttpHeader {
            key: "Authorization".to_owned(),
            value: "tokenpw".to_owned(),
            url: String::new(),
        });
        c.kms.secrets.master_key = "masterpw".to_owned();
        c.smtp.password = "smtppw".to_owned();
        c.smtp.oauth2.refresh_token = "refreshpw".to_owned();
        let shown = format!("{c:?}");
        for secret in ["dbpw", "signpw", "codepw", "oidcpw", "tokenpw", "masterpw", "smtppw", "refreshpw"] {
            assert!(!shown.contains(secret), "{secret} visible in Debug output");
        }
        assert!(shown.contains("Authorization"));
        for secret in ["dbpw", "signpw", "oidcpw", "smtppw"] {
            assert!(!format!("{:?}", c.redacted()).contains(secret));
        }
    }

    #[test]
    fn url_passwords() {
        let mut s = "https://user:pw@example.com/hook?a=b".to_owned();
        mask_url_password(&mut s);
        assert_eq!(s, "https://user:[redacted]@example.com/hook?a=b");
        let mut s = "https://user@example.com/x@y".to_owned();
        mask_url_password(&mut s);
        assert_eq!(s, "https://user@example.com/x@y");
        let mut s = "/usr/local/bin/hook".to_owned();
        mask_url_password(&mut s);
        assert_eq!(s, "/usr/local/bin/hook");
    }

    #[test]
    fn secrets_are_masked_and_empty_values_kept() {
        let mut c = Config::default();
        c.data_provider.password = "dbpw".to_owned();
        c.kms.secrets.master_key = "mk".to_owned();
        c.smtp.password = "smtppw".to_owned();
        c.httpd.bindings[0].oidc.client_secret = "oidcsecret".to_owned();
        c.common.post_connect_hook = "http://a:hookpw@h/".to_owned();
        let json = c.to_json_pretty().unwrap();
        for secret in ["dbpw", "\"mk\"", "smtppw", "oidcsecret", "hookpw"] {
            assert!(!json.contains(secret), "{secret} leaked");
        }
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["data_provider"]["password"], REDACTED);
        assert_eq!(value["httpd"]["signing_passphrase"], "");
        // The original is untouched.
        assert_eq!(c.data_provider.password, "dbpw");
    }
}
