//! The `pushgateway` section: [`PushgatewaySettings`], its defaults, and its durations
//! written as numbers of seconds.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Settings for pushing the metrics to a Prometheus Pushgateway: the YAML section
/// `pushgateway` and the `SESSION_BUDDY_PUSHGATEWAY_*` variables.
///
/// ```
/// use std::time::Duration;
/// use session_metrics::settings::Settings;
///
/// let env = [("SESSION_BUDDY_PUSHGATEWAY_URL", "http://pushgateway:9091")];
/// let settings = Settings::load_from(None, env.map(|(k, v)| (k.to_owned(), v.to_owned())))?;
/// let push = &settings.pushgateway;
/// assert!(push.is_enabled());
/// assert_eq!(push.job, "session-metrics");
/// assert_eq!(push.push_interval, Duration::from_secs(15));
/// # Ok::<(), session_metrics::settings::SettingsError>(())
/// ```
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct PushgatewaySettings {
    /// Base URL of the Pushgateway, `http://` (https is not supported), e.g.
    /// `http://pushgateway:9091`; the port, if given, from 1 to 65535. A user and password
    /// (`http://user:secret@host:9091`, percent-encoded) are sent as HTTP Basic auth and
    /// shown as `user:***` in messages and `Debug`.
    /// `None` (the default): do not push; an empty variable turns off a URL set in the file.
    pub url: Option<String>,
    /// The `job` label of the pushed group; not empty. Default `session-metrics`.
    pub job: String,
    /// Further labels identifying the pushed group, e.g. `instance`. Default none.
    pub grouping: BTreeMap<String, String>,
    /// Time limit of one push request; key `timeout_seconds`, a number of seconds. Default 10 s.
    #[serde(rename = "timeout_seconds", with = "seconds")]
    pub timeout: Duration,
    /// Time between two pushes; key `push_interval_seconds`, a number of seconds, at least
    /// the timeout. Default 15 s.
    #[serde(rename = "push_interval_seconds", with = "seconds")]
    pub push_interval: Duration,
}

impl Default for PushgatewaySettings {
    fn default() -> Self {
        Self {
            url: None,
            job: "session-metrics".to_owned(),
            grouping: BTreeMap::new(),
            timeout: Duration::from_secs(10),
            push_interval: Duration::from_secs(15),
        }
    }
}

/// The URL's password is shown as `***`.
impl fmt::Debug for PushgatewaySettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PushgatewaySettings")
            .field("url", &self.url.as_deref().map(super::url::redact_userinfo))
            .field("job", &self.job)
            .field("grouping", &self.grouping)
            .field("timeout", &self.timeout)
            .field("push_interval", &self.push_interval)
            .finish()
    }
}

impl PushgatewaySettings {
    /// Whether a Pushgateway URL is configured.
    ///
    /// ```
    /// let push = session_metrics::settings::PushgatewaySettings::default();
    /// assert!(!push.is_enabled());
    /// ```
    pub fn is_enabled(&self) -> bool {
        self.url.is_some()
    }
}

/// `Duration` as a number of seconds, the way the settings file writes it.
mod seconds {
    use std::time::Duration;

    use serde::de::{Error, Unexpected};
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let secs = f64::deserialize(d)?;
        // try_from_secs_f64 rejects negative, NaN and overflowing values without panicking.
        Duration::try_from_secs_f64(secs)
            .map_err(|_| D::Error::invalid_value(Unexpected::Float(secs), &"a number of seconds"))
    }
}
