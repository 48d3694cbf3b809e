//! One MCP session as the layer sees it: from its first request until the last clone of the
//! layer is dropped (rmcp drops the service when the session ends).

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use super::NetworkTransport;
use super::families::ServerFamilies;
use crate::PANIC_ERROR_TYPE;

pub(super) struct Session {
    families: Option<Arc<ServerFamilies>>,
    transport: &'static str,
    started: OnceLock<Instant>,
    version: OnceLock<&'static str>,
}

impl Session {
    pub(super) fn new(families: Option<Arc<ServerFamilies>>, transport: NetworkTransport) -> Self {
        Self {
            families,
            transport: transport.as_str(),
            started: OnceLock::new(),
            version: OnceLock::new(),
        }
    }

    /// Starts the session's clock at its first request.
    pub(super) fn begin(&self) {
        self.started.get_or_init(Instant::now);
    }

    /// The protocol version `initialize` negotiated, if it did.
    pub(super) fn version(&self) -> Option<&'static str> {
        self.version.get().copied()
    }

    pub(super) fn set_version(&self, version: &'static str) {
        let _ = self.version.set(version);
    }
}

/// A session that saw a request is recorded when it ends; `error_type="panic"` if it ends
/// because a panic unwinds through the server.
impl Drop for Session {
    fn drop(&mut self) {
        let (Some(families), Some(started)) = (&self.families, self.started.get()) else {
            return;
        };
        let error_type = if std::thread::panicking() {
            PANIC_ERROR_TYPE
        } else {
            ""
        };
        families
            .session
            .with(&[self.version().unwrap_or(""), self.transport, error_type])
            .observe(started.elapsed().as_secs_f64());
    }
}
