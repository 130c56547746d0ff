//! A small macro for closed integer enums that travel as JSON numbers (SFTPGo's Go `int` enums).
//!
//! Unknown integers are rejected with a message that names the enum and lists the accepted values,
//! instead of being silently kept as an out-of-range number.

/// Defines a `#[repr(i32)]`-like enum whose JSON form is its integer value.
///
/// Generated items: the enum, `as_i64`, `from_i64`, `TryFrom<i64>`, `Display` (the integer) and
/// serde impls. `$what` is the human name used in error messages ("filesystem provider").
macro_rules! int_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident ($what:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $value:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The integer used in JSON.
            pub fn as_i64(self) -> i64 {
                match self { $($name::$variant => $value),+ }
            }

            /// The variant for an integer, if it is one of the accepted values.
            pub fn from_i64(value: i64) -> Option<Self> {
                match value { $($value => Some($name::$variant),)+ _ => None }
            }

            /// Human-readable list of accepted values, for error messages.
            pub fn accepted() -> String {
                let values: Vec<String> = Self::ALL.iter().map(|v| v.as_i64().to_string()).collect();
                values.join(", ")
            }
        }

        impl TryFrom<i64> for $name {
            type Error = String;
            fn try_from(value: i64) -> Result<Self, String> {
                Self::from_i64(value).ok_or_else(|| {
                    format!("invalid {} {}, accepted values: {}", $what, value, Self::accepted())
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.as_i64())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_i64(self.as_i64())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let value = <i64 as serde::Deserialize>::deserialize(d)?;
                Self::try_from(value).map_err(serde::de::Error::custom)
            }
        }
    };
}

pub(crate) use int_enum;
