//! Bounded label values taken from requests: tool and prompt names from what the server
//! offers, protocol versions from the versions rmcp knows.

use std::sync::{Arc, PoisonError, RwLock};

use hashbrown::HashSet;
use rmcp::model::ProtocolVersion;

/// The label value for anything outside its bounded set: a method that is not in the MCP
/// method list, a tool the server does not offer, a prompt the server did not answer, or a
/// name beyond [`MAX_NAMES`]. The same value OpenTelemetry uses for an unknown HTTP method.
pub const OTHER: &str = "_OTHER";

/// At most this many distinct tool names, and as many prompt names, are kept as label
/// values per registry; further names are labelled [`OTHER`].
pub const MAX_NAMES: usize = 256;

/// Tool or prompt names admitted as label values so far.
#[derive(Default)]
pub(super) struct Names(RwLock<HashSet<Arc<str>>>);

impl Names {
    /// `name` if it was admitted before.
    pub(super) fn known(&self, name: &str) -> Option<Arc<str>> {
        let names = self.0.read().unwrap_or_else(PoisonError::into_inner);
        names.get(name).cloned()
    }

    /// Admits `name` if it is new and there is room, and returns it; `None` when full.
    pub(super) fn admit(&self, name: &str) -> Option<Arc<str>> {
        let mut names = self.0.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(known) = names.get(name) {
            return Some(known.clone());
        }
        if names.len() >= MAX_NAMES {
            return None;
        }
        let name: Arc<str> = Arc::from(name);
        names.insert(name.clone());
        Some(name)
    }
}

/// `version` as one of the protocol versions rmcp knows; `None` for any other string.
pub(super) fn known_version(version: &ProtocolVersion) -> Option<&'static str> {
    ProtocolVersion::KNOWN_VERSIONS
        .iter()
        .find(|known| known.as_str() == version.as_str())
        .map(ProtocolVersion::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_stop_at_the_bound() {
        let names = Names::default();
        for i in 0..MAX_NAMES {
            assert!(names.admit(&format!("tool_{i}")).is_some());
        }
        assert_eq!(names.admit("one_too_many"), None);
        assert_eq!(names.admit("tool_0").as_deref(), Some("tool_0"));
        assert_eq!(names.known("tool_7").as_deref(), Some("tool_7"));
        assert_eq!(names.known("one_too_many"), None);
    }

    #[test]
    fn unknown_versions_are_not_labels() {
        assert_eq!(
            known_version(&ProtocolVersion::V_2025_06_18),
            Some("2025-06-18")
        );
        let invented: ProtocolVersion = serde_json::from_str("\"1999-01-01\"").unwrap();
        assert_eq!(known_version(&invented), None);
    }
}
