//! The process-wide [`SessionMetrics`] that `#[track_operation]` records into.

use once_cell::sync::OnceCell;
use prometheus::Registry;

use crate::{Error, SessionMetrics, catalogue};

static GLOBAL: OnceCell<SessionMetrics> = OnceCell::new();

/// The global [`SessionMetrics`], created on first use unless [`init_metrics`] or
/// [`init_metrics_with_registry`] ran first.
///
/// The lazily created instance has its own fresh [`Registry`] and, with the `settings`
/// feature (on by default), follows [`Settings::load`](crate::settings::Settings::load): it
/// is [disabled](SessionMetrics::disabled) when `enable_prometheus_metrics` is false, and uses
/// the configured buckets and constant labels. Invalid settings disable it with a message on
/// stderr; load the settings yourself at start-up to handle that error.
///
/// ```
/// session_metrics::get_metrics().record_session_start("mahavishnu", "zsh");
/// let text = session_metrics::get_metrics().export_metrics();
/// assert!(text.contains("session_start_total"));
/// ```
pub fn get_metrics() -> &'static SessionMetrics {
    match GLOBAL.get() {
        Some(metrics) => metrics,
        None => create_default(),
    }
}

/// Creates the lazily initialised global, then the catalogue's zero-valued series in it (only
/// the thread whose initialiser ran does that; others may record meanwhile, which is harmless:
/// creating a series that exists leaves it as it is).
#[cold]
fn create_default() -> &'static SessionMetrics {
    let mut created = false;
    let metrics = GLOBAL.get_or_init(|| {
        created = true;
        default_metrics()
    });
    if created {
        // No caller to return it to: say it, and record as usual.
        if let Err(error) = catalogue::zero::check_objectives(metrics) {
            eprintln!("session-metrics: {error}");
        }
        catalogue::zero::materialise(metrics);
    }
    metrics
}

/// The lazily created global: from the settings (defaults, YAML file, `SESSION_BUDDY_*`
/// variables) when the `settings` feature is on.
fn default_metrics() -> SessionMetrics {
    #[cfg(feature = "settings")]
    let built = crate::settings::Settings::load()
        .map_err(|e| e.to_string())
        .and_then(|settings| {
            settings
                .build_metrics(Registry::new())
                .map_err(|e| e.to_string())
        });
    #[cfg(not(feature = "settings"))]
    let built = SessionMetrics::new(Registry::new()).map_err(|e| e.to_string());
    built.unwrap_or_else(|error| {
        // Recording must never panic, and there is no caller to return the error to: say it
        // once and record nothing. `Settings::load()` at start-up surfaces it as a value.
        eprintln!("session-metrics: metrics are disabled: {error}");
        SessionMetrics::disabled()
    })
}

/// Installs `metrics` as the global instance. Call it before anything records.
///
/// # Errors
/// [`Error::AlreadyInitialized`] if the global already exists; `metrics` is dropped.
/// [`Error::InvalidObjective`] if a catalogued operation's [`Objective`](crate::Objective)
/// does not fit `metrics` (a latency threshold that is not a bucket bound); nothing is
/// installed then.
///
/// Once installed, every catalogued operation has its series at 0 (see
/// [`operations`](crate::operations)).
///
/// ```
/// use session_metrics::{SessionMetrics, init_metrics, get_metrics};
///
/// let metrics = SessionMetrics::builder().const_label("service", "buddy").build(prometheus::Registry::new())?;
/// init_metrics(metrics)?;
/// assert!(init_metrics(SessionMetrics::disabled()).is_err());
/// get_metrics().record_session_start("c", "bash");
/// assert!(get_metrics().export_metrics().contains(r#"service="buddy""#));
/// # Ok::<(), session_metrics::Error>(())
/// ```
pub fn init_metrics(metrics: SessionMetrics) -> Result<&'static SessionMetrics, Error> {
    if GLOBAL.get().is_some() {
        return Err(Error::AlreadyInitialized);
    }
    catalogue::zero::check_objectives(&metrics)?;
    let metrics = GLOBAL
        .try_insert(metrics)
        .map_err(|_| Error::AlreadyInitialized)?;
    catalogue::zero::materialise(metrics);
    Ok(metrics)
}

/// Creates the global instance inside the application's own `registry`, so that
/// the application's collectors and ours are exported together.
///
/// # Errors
/// [`Error::AlreadyInitialized`] if the global already exists (nothing is registered then),
/// or [`Error::AlreadyRegistered`] if `registry` already holds one of our metric names.
pub fn init_metrics_with_registry(registry: Registry) -> Result<&'static SessionMetrics, Error> {
    if GLOBAL.get().is_some() {
        return Err(Error::AlreadyInitialized);
    }
    init_metrics(SessionMetrics::new(registry)?)
}
