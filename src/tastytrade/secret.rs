//! [`Secret`]: a string that must never be printed (refresh token, client secret, access and quote
//! tokens).
//!
//! `Debug` and `Display` both print `[redacted]`; the value is reached only through
//! [`Secret::expose`], at the one place that puts it on the wire. There is deliberately no
//! `Serialize`, so a secret cannot end up in a JSON document by accident.

use std::fmt;
use std::sync::Arc;

/// A secret string. Cheap to clone (shared, immutable).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    /// Wrap a secret value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(Arc::from(value.into()))
    }

    /// The secret value itself: only for putting it on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Replace every occurrence of this secret in `text` with `[redacted]` (for messages that
    /// echo something from a server, which could quote what it was sent).
    pub fn scrub(&self, text: &str) -> String {
        if self.0.len() < 4 {
            return text.to_string();
        }
        text.replace(&*self.0, REDACTED)
    }
}

/// What a secret prints as.
pub const REDACTED: &str = "[redacted]";

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Secret {
        Secret::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Secret {
        Secret::new(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_its_value() {
        let s = Secret::new("rt-very-secret");
        assert_eq!(format!("{s}"), "[redacted]");
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(format!("{:?}", Some(s.clone())), "Some([redacted])");
        assert_eq!(s.expose(), "rt-very-secret");
        assert_eq!(
            s.scrub("bad token rt-very-secret!"),
            "bad token [redacted]!"
        );
    }
}
