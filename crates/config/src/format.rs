//! Configuration file formats and their parsers.

use std::path::Path;

use serde_json::Value;

use crate::error::Error;

/// A supported configuration file format, chosen by file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `.json`
    Json,
    /// `.yaml` or `.yml`
    Yaml,
    /// `.toml`
    Toml,
    /// `.hcl`
    Hcl,
    /// `.env`: `KEY=VALUE` lines whose keys are written like environment overrides.
    Env,
}

/// Extensions tried, in this order, when searching a directory for a configuration file.
pub const SEARCH_EXTENSIONS: &[&str] = &["json", "toml", "yaml", "yml", "hcl", "env"];

impl Format {
    /// Format of `path`, from its extension (case-insensitive); a file named `.env` is `Env`.
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = match path.extension() {
            Some(ext) => ext.to_str()?.to_ascii_lowercase(),
            None if path.file_name().and_then(|n| n.to_str()) == Some(".env") => "env".to_owned(),
            None => return None,
        };
        match ext.as_str() {
            "json" => Some(Self::Json),
            "yaml" | "yml" => Some(Self::Yaml),
            "toml" => Some(Self::Toml),
            "hcl" => Some(Self::Hcl),
            "env" => Some(Self::Env),
            _ => None,
        }
    }

    /// Human name used in messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Json => "JSON",
            Self::Yaml => "YAML",
            Self::Toml => "TOML",
            Self::Hcl => "HCL",
            Self::Env => "env file",
        }
    }

    /// Parses a structured format (everything but `Env`) into a value tree. Blank content is an
    /// empty configuration.
    pub(crate) fn parse_tree(self, text: &str, path: &Path) -> Result<Value, Error> {
        if text.trim().is_empty() {
            return Ok(Value::Null);
        }
        let syntax = |message: String| Error::Syntax { path: path.to_owned(), format: self.name(), message };
        match self {
            Self::Json => serde_json::from_str(text).map_err(|e| syntax(e.to_string())),
            Self::Yaml => serde_yaml_ng::from_str(text).map_err(|e| syntax(e.to_string())),
            Self::Toml => toml::from_str(text).map_err(|e| syntax(e.to_string().trim_end().to_owned())),
            Self::Hcl => hcl::from_str(text).map_err(|e| syntax(e.to_string())),
            Self::Env => Err(syntax("an env file is not a value tree".to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn formats_by_extension() {
        assert_eq!(Format::from_path(Path::new("/a/wharf.JSON")), Some(Format::Json));
        assert_eq!(Format::from_path(Path::new("sftpgo.yml")), Some(Format::Yaml));
        assert_eq!(Format::from_path(Path::new("x/.env")), Some(Format::Env));
        assert_eq!(Format::from_path(Path::new("sftpgo.properties")), None);
        assert_eq!(Format::from_path(Path::new("sftpgo")), None);
    }

    #[test]
    fn hcl_blocks_and_attributes() {
        let text = r#"
common {
  idle_timeout = 5
}
sftpd = {
  bindings = [{ port = 2222, address = "127.0.0.1" }]
}
"#;
        let value = Format::Hcl.parse_tree(text, Path::new("c.hcl")).unwrap();
        assert_eq!(value["sftpd"]["bindings"][0]["port"], json!(2222));
        // Whatever shape the block takes, the normaliser accepts objects and one-element lists.
        let common = &value["common"];
        let idle = common.get("idle_timeout").or_else(|| common.get(0).and_then(|c| c.get("idle_timeout")));
        assert_eq!(idle, Some(&json!(5)));
    }

    #[test]
    fn syntax_errors_name_file_and_format() {
        let err = Format::Yaml.parse_tree("a: [", Path::new("/etc/wharf/wharf.yaml")).unwrap_err();
        let message = err.to_string();
        assert!(message.starts_with("/etc/wharf/wharf.yaml: invalid YAML"), "{message}");
    }
}
