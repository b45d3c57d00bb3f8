//! Thread (session) identifiers.
//!
//! New threads get a UUID v7, whose leading timestamp makes ids sort by creation
//! time; any UUID is accepted when reading, because older sessions used v4.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

/// The id of one thread (a conversation, a session): `019a...-...` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ThreadId(Uuid);

impl ThreadId {
    /// A fresh, time-ordered id.
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }

    pub fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl Default for ThreadId {
    fn default() -> Self {
        Self::new()
    }
}

impl From<Uuid> for ThreadId {
    fn from(value: Uuid) -> Self {
        Self(value)
    }
}

impl fmt::Display for ThreadId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

/// The string was not a UUID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadIdParseError(String);

impl fmt::Display for ThreadIdParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not a thread id (expected a UUID)", self.0)
    }
}

impl std::error::Error for ThreadIdParseError {}

impl FromStr for ThreadId {
    type Err = ThreadIdParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s.trim())
            .map(Self)
            .map_err(|_| ThreadIdParseError(s.to_string()))
    }
}

impl Serialize for ThreadId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ThreadId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_are_v7_and_round_trip() {
        let id = ThreadId::new();
        assert_eq!(id.as_uuid().get_version_num(), 7);
        let json = serde_json::to_string(&id).unwrap();
        let back: ThreadId = serde_json::from_str(&json).unwrap();
        assert_eq!(back, id);
    }

    #[test]
    fn ids_sort_by_creation() {
        let a = ThreadId::new();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = ThreadId::new();
        assert!(a.to_string() < b.to_string());
    }

    #[test]
    fn rejects_garbage() {
        let err = "not-a-uuid".parse::<ThreadId>().unwrap_err();
        assert!(err.to_string().contains("not-a-uuid"));
    }
}
