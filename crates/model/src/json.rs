//! Go-compatible JSON decoding: a size limit, `null` read as "absent", errors naming the field.
//!
//! Go's `encoding/json` leaves a field at its zero value when the input holds `null`, and SFTPGo
//! writes `null` for nil slices and maps. Serde would reject `null` for a `Vec` or a struct, so
//! [`from_slice`] removes `null` object members before decoding; every field has a default, which
//! gives Go's behaviour. Errors carry the JSON path of the offending value
//! (`users[2].filters.allowed_ip[0]`).

use serde::de::DeserializeOwned;
use serde_json::Value;

/// Why a JSON document could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JsonError {
    /// The input is larger than the allowed maximum.
    #[error("JSON input too large: {size} bytes, the limit is {max} bytes")]
    TooLarge {
        /// Input size.
        size: usize,
        /// Limit.
        max: usize,
    },
    /// The input is not well-formed JSON.
    #[error("invalid JSON at line {line} column {column}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// Parser message.
        message: String,
    },
    /// Well-formed JSON whose content does not fit the expected shape.
    #[error("invalid value at {path}: {message}")]
    Invalid {
        /// JSON path of the offending value (`.` for the document itself).
        path: String,
        /// What is wrong.
        message: String,
    },
}

impl JsonError {
    /// The JSON path of the offending value, when known.
    pub fn path(&self) -> Option<&str> {
        match self {
            JsonError::Invalid { path, .. } => Some(path),
            _ => None,
        }
    }
}

/// Parses `bytes` (at most `max_size` bytes) into a JSON value, without interpreting it.
pub fn parse_value(bytes: &[u8], max_size: usize) -> Result<Value, JsonError> {
    if bytes.len() > max_size {
        return Err(JsonError::TooLarge { size: bytes.len(), max: max_size });
    }
    serde_json::from_slice(bytes).map_err(|e| JsonError::Syntax {
        line: e.line(),
        column: e.column(),
        message: strip_position(&e.to_string()),
    })
}

/// Decodes `bytes` (at most `max_size` bytes) into `T` with Go's `null` semantics.
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8], max_size: usize) -> Result<T, JsonError> {
    from_value(parse_value(bytes, max_size)?)
}

/// Decodes an already parsed value into `T` with Go's `null` semantics.
pub fn from_value<T: DeserializeOwned>(mut value: Value) -> Result<T, JsonError> {
    strip_nulls(&mut value);
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        JsonError::Invalid { path, message: e.into_inner().to_string() }
    })
}

/// Removes every `null` member of every object in `value`, recursively (array elements are kept).
pub fn strip_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            for v in map.values_mut() {
                strip_nulls(v);
            }
        }
        Value::Array(items) => {
            for v in items {
                strip_nulls(v);
            }
        }
        _ => {}
    }
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(idx) => message[..idx].to_string(),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::User;

    #[test]
    fn nulls_behave_like_absent_fields() {
        let text = br#"{"username":"a","permissions":null,"public_keys":null,"filters":null,"uid":null}"#;
        let u: User = from_slice(text, 1024).unwrap();
        assert_eq!(u.username, "a");
        assert!(u.permissions.is_empty());
        assert_eq!(u.uid, 0);
    }

    #[test]
    fn errors_name_the_path() {
        let text = br#"{"username":"a","filters":{"allowed_ip":["ok", 3]}}"#;
        let err = from_slice::<User>(text, 1024).unwrap_err();
        assert_eq!(err.path(), Some("filters.allowed_ip[1]"));
        assert!(err.to_string().contains("invalid type: integer `3`"), "{err}");
    }

    #[test]
    fn size_limit_is_enforced() {
        let err = from_slice::<User>(b"{}", 1).unwrap_err();
        assert_eq!(err, JsonError::TooLarge { size: 2, max: 1 });
    }

    #[test]
    fn syntax_errors_have_positions() {
        let err = from_slice::<User>(b"{\n\"a\": }", 100).unwrap_err();
        match err {
            JsonError::Syntax { line, column, .. } => assert_eq!((line, column), (2, 6)),
            other => panic!("unexpected {other:?}"),
        }
    }
}
