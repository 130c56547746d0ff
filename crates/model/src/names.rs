//! Object names: SFTPGo's `naming_rules` normalisation and the character rules.

/// Usernames that can never be used: they identify the actor of internal operations in hooks.
pub const RESERVED_USERNAMES: [&str; 2] = ["__self__", "__system__"];

/// Longest accepted name, in bytes.
pub const MAX_NAME_LEN: usize = 255;

/// The `data_provider.naming_rules` bit mask.
///
/// - 1: any UTF-8 character is allowed in names (otherwise only `a-z A-Z 0-9 - _ . ~`),
/// - 2: names are converted to lowercase,
/// - 4: leading and trailing white space is trimmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NamingRules(pub u32);

impl Default for NamingRules {
    /// SFTPGo's default: 5 (any UTF-8, trim spaces).
    fn default() -> Self {
        NamingRules(5)
    }
}

impl NamingRules {
    /// True if bit 1 (any UTF-8 character) is set.
    pub fn allows_unicode(self) -> bool {
        self.0 & 1 != 0
    }

    /// Applies the conversion bits (lowercase, trim) to a name.
    pub fn normalize(self, name: &str) -> String {
        let mut out = if self.0 & 2 != 0 { name.to_lowercase() } else { name.to_string() };
        if self.0 & 4 != 0 {
            out = out.trim().to_string();
        }
        out
    }

    /// Checks a (normalised) name: not empty, at most [`MAX_NAME_LEN`] bytes, no control
    /// characters or path separators, not `.`/`..`, and only `[a-zA-Z0-9-_.~]` unless bit 1 is set.
    /// The error is a message suitable for a validation error.
    pub fn check(self, name: &str) -> Result<(), String> {
        if name.is_empty() {
            return Err("is mandatory".to_string());
        }
        if name.len() > MAX_NAME_LEN {
            return Err(format!("is too long ({} bytes, the maximum is {MAX_NAME_LEN})", name.len()));
        }
        if name == "." || name == ".." {
            return Err(format!("{name:?} is not a valid name"));
        }
        if let Some(c) = name.chars().find(|c| c.is_control() || *c == '/' || *c == '\\') {
            return Err(format!("{name:?} contains the invalid character {c:?}"));
        }
        if !self.allows_unicode() && !name.chars().all(is_portable_name_char) {
            return Err(format!("{name:?} is not valid, the following characters are allowed: a-zA-Z0-9-_.~"));
        }
        Ok(())
    }
}

/// The characters allowed in names when `naming_rules` bit 1 is not set.
pub fn is_portable_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~')
}

/// True for the reserved usernames.
pub fn is_reserved_username(name: &str) -> bool {
    RESERVED_USERNAMES.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_follows_the_bits() {
        assert_eq!(NamingRules(0).normalize(" Al ice "), " Al ice ");
        assert_eq!(NamingRules(1).normalize(" Al "), " Al ");
        assert_eq!(NamingRules(2).normalize(" Al "), " al ");
        assert_eq!(NamingRules(4).normalize(" Al "), "Al");
        assert_eq!(NamingRules(6).normalize(" ÀL "), "àl");
        assert_eq!(NamingRules::default().normalize(" Bob "), "Bob");
    }

    #[test]
    fn charset_depends_on_bit_one() {
        assert!(NamingRules(0).check("alice-1_2.3~").is_ok());
        let err = NamingRules(0).check("alice smith").unwrap_err();
        assert_eq!(err, "\"alice smith\" is not valid, the following characters are allowed: a-zA-Z0-9-_.~");
        assert!(NamingRules(1).check("alice smith").is_ok());
        assert!(NamingRules(1).check("jürgen").is_ok());
        assert!(NamingRules(0).check("jürgen").is_err());
    }

    #[test]
    fn unsafe_names_are_always_rejected() {
        for bad in ["", ".", "..", "a/b", "a\\b", "a\nb", "a\u{0}b"] {
            assert!(NamingRules(1).check(bad).is_err(), "{bad:?}");
        }
        assert!(NamingRules(1).check(&"x".repeat(256)).is_err());
        assert!(NamingRules(1).check(&"x".repeat(255)).is_ok());
    }

    #[test]
    fn reserved() {
        assert!(is_reserved_username("__self__"));
        assert!(is_reserved_username("__system__"));
        assert!(!is_reserved_username("self"));
    }
}
