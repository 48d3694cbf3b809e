//! `Settings`: defaults, YAML file < environment layering, error messages that name the
//! setting, its source and the bad value, and building metrics from settings.
//!
//! Every test passes its own environment list and its own temporary file to `load_from`, so
//! nothing touches the process environment and the tests can run in parallel.

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use session_metrics::settings::{
    DEFAULT_SETTINGS_FILE, MAX_METRICS_PATH_BYTES, Origin, PushgatewaySettings, Settings,
    SettingsError, SettingsWarning,
};
use session_metrics::{DEFAULT_EVENT_DURATION_BUCKETS, DEFAULT_SESSION_DURATION_BUCKETS};
use session_metrics_tests::Exposition;

/// A uniquely named file under the temp dir, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(contents: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "session-metrics-settings-{}-{n}.yaml",
            std::process::id()
        ));
        std::fs::write(&path, contents).unwrap();
        Self(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Loads from a temporary YAML file holding `yaml` and the variables `vars`.
fn load(yaml: &str, vars: &[(&str, &str)]) -> (Result<Settings, SettingsError>, TempFile) {
    let file = TempFile::new(yaml);
    (Settings::load_from(Some(file.path()), env(vars)), file)
}

fn load_env(vars: &[(&str, &str)]) -> Result<Settings, SettingsError> {
    load("", vars).0
}

/// The error message, checked to contain every one of `parts`.
#[track_caller]
fn assert_message(error: &SettingsError, parts: &[&str]) {
    let message = error.to_string();
    for part in parts {
        assert!(
            message.contains(part),
            "{part:?} missing from the message: {message}"
        );
    }
}

#[track_caller]
fn env_error(vars: &[(&str, &str)]) -> SettingsError {
    load_env(vars).expect_err("the variables should be refused")
}

/// The error for `yaml`, with the file's path as it appears in messages.
#[track_caller]
fn file_error(yaml: &str) -> (SettingsError, String) {
    let (result, file) = load(yaml, &[]);
    let error = result.expect_err("the file should be refused");
    (error, file.path().display().to_string())
}

// ---------------------------------------------------------------------------------------------
// Defaults and layering

#[test]
fn defaults_match_the_seed_and_keep_the_endpoint_on_loopback() {
    let s = Settings::default();
    assert!(s.enable_prometheus_metrics);
    assert_eq!(s.prometheus_metrics_port, 9090);
    assert_eq!(s.prometheus_metrics_path, "/metrics");
    assert_eq!(s.prometheus_metrics_bind, IpAddr::V4(Ipv4Addr::LOCALHOST));
    assert_eq!(s.socket_addr().to_string(), "127.0.0.1:9090");
    assert_eq!(s.event_duration_buckets, DEFAULT_EVENT_DURATION_BUCKETS);
    assert_eq!(s.session_duration_buckets, DEFAULT_SESSION_DURATION_BUCKETS);
    assert!(s.const_labels.is_empty());
    let push = &s.pushgateway;
    assert_eq!(push.url, None);
    assert!(!push.is_enabled());
    assert_eq!(push.job, "session-metrics");
    assert!(push.grouping.is_empty());
    assert_eq!(push.timeout, Duration::from_secs(10));
    assert_eq!(push.push_interval, Duration::from_secs(15));
    assert_eq!(push, &PushgatewaySettings::default());
    s.validate().unwrap();
}

#[test]
fn an_empty_file_and_no_variables_give_the_defaults() {
    assert_eq!(load_env(&[]).unwrap(), Settings::default());
    assert_eq!(
        load("# only a comment\n", &[]).0.unwrap(),
        Settings::default()
    );
    assert_eq!(load("~\n", &[]).0.unwrap(), Settings::default());
}

#[test]
fn a_missing_default_file_is_skipped() {
    // Tests run in the package directory, which has no settings file.
    assert!(!Path::new(DEFAULT_SETTINGS_FILE).exists());
    assert_eq!(
        Settings::load_from(None, Vec::new()).unwrap(),
        Settings::default()
    );
}

#[test]
fn the_shipped_settings_file_lists_every_key_at_its_default() {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(DEFAULT_SETTINGS_FILE);
    let settings = Settings::load_from(Some(&shipped), Vec::new()).unwrap();
    assert_eq!(settings, Settings::default());
    let text = std::fs::read_to_string(&shipped).unwrap();
    for key in [
        "enable_prometheus_metrics:",
        "prometheus_metrics_port:",
        "prometheus_metrics_path:",
        "prometheus_metrics_bind:",
        "prometheus_metrics_status_page:",
        "event_duration_buckets:",
        "session_duration_buckets:",
        "const_labels:",
        "pushgateway:",
        "  url:",
        "  job:",
        "  grouping:",
        "  timeout_seconds:",
        "  push_interval_seconds:",
    ] {
        assert!(
            text.contains(key),
            "{key} missing from {}",
            shipped.display()
        );
    }
}

#[test]
fn the_yaml_file_overrides_the_defaults() {
    let yaml = r#"
enable_prometheus_metrics: false
prometheus_metrics_port: 9100
prometheus_metrics_path: /custom/metrics
prometheus_metrics_bind: "::"
event_duration_buckets: [0.01, 0.1, 1]
session_duration_buckets: [30, 600]
const_labels:
  instance: buddy-1
  service: session-buddy
pushgateway:
  url: http://pushgateway:9091
  job: buddy
  grouping: {region: eu}
  timeout_seconds: 2.5
  push_interval_seconds: 60
"#;
    let s = load(yaml, &[]).0.unwrap();
    assert!(!s.enable_prometheus_metrics);
    assert_eq!(s.prometheus_metrics_port, 9100);
    assert_eq!(s.prometheus_metrics_path, "/custom/metrics");
    assert_eq!(s.socket_addr().to_string(), "[::]:9100");
    assert_eq!(s.event_duration_buckets, [0.01, 0.1, 1.0]);
    assert_eq!(s.session_duration_buckets, [30.0, 600.0]);
    assert_eq!(s.const_labels["instance"], "buddy-1");
    assert_eq!(s.const_labels["service"], "session-buddy");
    let push = &s.pushgateway;
    assert_eq!(push.url.as_deref(), Some("http://pushgateway:9091"));
    assert_eq!(push.job, "buddy");
    assert_eq!(push.grouping["region"], "eu");
    assert_eq!(push.timeout, Duration::from_millis(2500));
    assert_eq!(push.push_interval, Duration::from_secs(60));
}

#[test]
fn settings_left_empty_in_the_file_keep_their_defaults() {
    let yaml = "prometheus_metrics_port:\nconst_labels:\npushgateway:\n  url: null\n  job: ~\n";
    assert_eq!(load(yaml, &[]).0.unwrap(), Settings::default());
    assert_eq!(load("pushgateway:\n", &[]).0.unwrap(), Settings::default());
    // An empty unknown key is still a typo.
    let (e, _) = file_error("prometheus_metrics_prot:\n");
    assert!(matches!(e, SettingsError::UnknownKey { .. }), "{e}");
}

#[test]
fn a_partial_file_keeps_the_other_defaults() {
    let s = load("pushgateway:\n  job: buddy\n", &[]).0.unwrap();
    assert_eq!(s.pushgateway.job, "buddy");
    assert_eq!(s.pushgateway.timeout, Duration::from_secs(10));
    assert_eq!(s.prometheus_metrics_port, 9090);
}

#[test]
fn the_environment_overrides_the_file() {
    let yaml = "prometheus_metrics_port: 9100\nprometheus_metrics_path: /from-file\n\
                pushgateway:\n  url: http://file:9091\n  job: from-file\n";
    let s = load(
        yaml,
        &[
            ("SESSION_BUDDY_PROMETHEUS_METRICS_PORT", "9200"),
            ("SESSION_BUDDY_PUSHGATEWAY_JOB", "from-env"),
        ],
    )
    .0
    .unwrap();
    assert_eq!(s.prometheus_metrics_port, 9200);
    assert_eq!(s.prometheus_metrics_path, "/from-file");
    assert_eq!(s.pushgateway.job, "from-env");
    assert_eq!(s.pushgateway.url.as_deref(), Some("http://file:9091"));
}

#[test]
fn every_key_has_a_variable() {
    let s = load_env(&[
        ("SESSION_BUDDY_ENABLE_PROMETHEUS_METRICS", "false"),
        ("SESSION_BUDDY_PROMETHEUS_METRICS_PORT", "9100"),
        ("SESSION_BUDDY_PROMETHEUS_METRICS_PATH", "/m"),
        ("SESSION_BUDDY_PROMETHEUS_METRICS_BIND", "0.0.0.0"),
        ("SESSION_BUDDY_EVENT_DURATION_BUCKETS", "0.5, 1, 2.5"),
        ("SESSION_BUDDY_SESSION_DURATION_BUCKETS", "[60, 3600]"),
        (
            "SESSION_BUDDY_CONST_LABELS",
            "instance=buddy-1, service=session-buddy",
        ),
        ("SESSION_BUDDY_PUSHGATEWAY_URL", "http://push.example:9091"),
        ("SESSION_BUDDY_PUSHGATEWAY_JOB", "123"),
        ("SESSION_BUDDY_PUSHGATEWAY_GROUPING", r#"{shard = "3"}"#),
        ("SESSION_BUDDY_PUSHGATEWAY_TIMEOUT_SECONDS", "0.5"),
        ("SESSION_BUDDY_PUSHGATEWAY_PUSH_INTERVAL_SECONDS", "30"),
    ])
    .unwrap();
    assert!(!s.enable_prometheus_metrics);
    assert_eq!(s.socket_addr().to_string(), "0.0.0.0:9100");
    assert_eq!(s.prometheus_metrics_path, "/m");
    assert_eq!(s.event_duration_buckets, [0.5, 1.0, 2.5]);
    assert_eq!(s.session_duration_buckets, [60.0, 3600.0]);
    assert_eq!(s.const_labels.len(), 2);
    assert_eq!(s.const_labels["service"], "session-buddy");
    let push = &s.pushgateway;
    assert_eq!(push.url.as_deref(), Some("http://push.example:9091"));
    assert_eq!(push.job, "123", "text settings are taken verbatim");
    assert_eq!(push.grouping["shard"], "3");
    assert_eq!(push.timeout, Duration::from_millis(500));
    assert_eq!(push.push_interval, Duration::from_secs(30));
}

#[test]
fn booleans_accept_the_usual_spellings() {
    for (text, expected) in [
        ("0", false),
        ("no", false),
        ("OFF", false),
        ("1", true),
        ("yes", true),
    ] {
        let s = load_env(&[("SESSION_BUDDY_ENABLE_PROMETHEUS_METRICS", text)]).unwrap();
        assert_eq!(s.enable_prometheus_metrics, expected, "{text}");
    }
}

#[test]
fn variable_names_ignore_case() {
    let s = load_env(&[("session_buddy_prometheus_metrics_port", "9100")]).unwrap();
    assert_eq!(s.prometheus_metrics_port, 9100);
}

#[test]
fn maps_are_merged_entry_by_entry_across_layers() {
    let yaml = "const_labels: {instance: from-file, service: buddy}\n";
    let s = load(yaml, &[("SESSION_BUDDY_CONST_LABELS", "instance=from-env")])
        .0
        .unwrap();
    assert_eq!(s.const_labels["instance"], "from-env");
    assert_eq!(s.const_labels["service"], "buddy");
}

#[test]
fn an_empty_url_variable_turns_off_a_push_configured_in_the_file() {
    let yaml = "pushgateway:\n  url: http://file:9091\n";
    let s = load(yaml, &[("SESSION_BUDDY_PUSHGATEWAY_URL", "")])
        .0
        .unwrap();
    assert_eq!(s.pushgateway.url, None);
}

#[test]
fn other_session_buddy_variables_are_ignored_with_a_warning() {
    let s = load_env(&[
        ("SESSION_BUDDY_LOG_LEVEL", "debug"),
        ("SESSION_BUDDY_PROMETHEUS_METRICS_PROT", "not a port"),
        ("SESSION_BUDDY_PUSHGATEWAY", "whatever"),
        ("session_buddy_settings_fiel", "x.yaml"),
        ("SESSION_BUDDY_", "x"),
        ("PROMETHEUS_METRICS_PORT", "1"),
        ("HOME", "/root"),
    ])
    .unwrap();
    assert_eq!(s, Settings::default());
    let warned: Vec<(String, Option<String>)> = s
        .warnings()
        .iter()
        .map(|w| match w {
            SettingsWarning::UnknownVariable { name, suggestion } => {
                (name.clone(), suggestion.clone())
            }
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    let owned = |name: &str, guess: Option<&str>| (name.to_owned(), guess.map(str::to_owned));
    // Only our prefix is warned about; a suggestion only when the name is close to one.
    assert_eq!(
        warned,
        [
            owned("SESSION_BUDDY_LOG_LEVEL", None),
            owned(
                "SESSION_BUDDY_PROMETHEUS_METRICS_PROT",
                Some("SESSION_BUDDY_PROMETHEUS_METRICS_PORT")
            ),
            owned("SESSION_BUDDY_PUSHGATEWAY", None),
            owned(
                "session_buddy_settings_fiel",
                Some("SESSION_BUDDY_SETTINGS_FILE")
            ),
            owned("SESSION_BUDDY_", None),
        ]
    );
    assert_eq!(
        s.warnings()[1].to_string(),
        "environment variable SESSION_BUDDY_PROMETHEUS_METRICS_PROT is not a setting and is \
         ignored (did you mean SESSION_BUDDY_PROMETHEUS_METRICS_PORT?)"
    );
    assert!(
        load_env(&[("SESSION_BUDDY_PROMETHEUS_METRICS_PORT", "9100")])
            .unwrap()
            .warnings()
            .is_empty()
    );
}

#[test]
fn the_source_description_names_the_file_or_where_it_looked() {
    let file = TempFile::new("prometheus_metrics_port: 9101\n");
    let shown = std::path::absolute(file.path())
        .unwrap()
        .display()
        .to_string();
    let s = Settings::load_from(Some(file.path()), Vec::new()).unwrap();
    assert_eq!(
        s.source_description(),
        format!("settings: read {shown}; no SESSION_BUDDY_* setting variables")
    );
    assert_eq!(s.settings_file(), Some(file.path()));

    let var = [("SESSION_BUDDY_SETTINGS_FILE", file.path().to_str().unwrap())];
    let s = Settings::load_from(None, env(&var)).unwrap();
    assert!(
        s.source_description().starts_with(&format!(
            "settings: read {shown} (named by SESSION_BUDDY_SETTINGS_FILE)"
        )),
        "{}",
        s.source_description()
    );

    // Tests run in the package directory, which has no settings file. Variable names are
    // listed, never their values.
    let s = Settings::load_from(
        None,
        env(&[
            ("SESSION_BUDDY_PROMETHEUS_METRICS_PORT", "9100"),
            (
                "SESSION_BUDDY_PUSHGATEWAY_URL",
                "http://u:pw-secret@gw:9091",
            ),
        ]),
    )
    .unwrap();
    let looked = std::path::absolute(DEFAULT_SETTINGS_FILE).unwrap();
    assert_eq!(
        s.source_description(),
        format!(
            "settings: no settings file (SESSION_BUDDY_SETTINGS_FILE is not set and {} does \
             not exist); using the defaults; overridden by \
             SESSION_BUDDY_PROMETHEUS_METRICS_PORT, SESSION_BUDDY_PUSHGATEWAY_URL",
            looked.display()
        )
    );
    assert_eq!(s.settings_file(), None);
    assert!(
        Settings::default()
            .source_description()
            .contains("not loaded")
    );
}

#[test]
fn the_settings_file_variable_names_the_file_and_the_argument_wins() {
    let from_var = TempFile::new("prometheus_metrics_port: 9101\n");
    let var = [(
        "SESSION_BUDDY_SETTINGS_FILE",
        from_var.path().to_str().unwrap(),
    )];
    let s = Settings::load_from(None, env(&var)).unwrap();
    assert_eq!(s.prometheus_metrics_port, 9101);

    let from_arg = TempFile::new("prometheus_metrics_port: 9102\n");
    let s = Settings::load_from(Some(from_arg.path()), env(&var)).unwrap();
    assert_eq!(s.prometheus_metrics_port, 9102);
}

// ---------------------------------------------------------------------------------------------
// Errors: each names the setting, where the value came from, and the value

#[test]
fn a_port_that_is_not_a_number() {
    let e = env_error(&[("SESSION_BUDDY_PROMETHEUS_METRICS_PORT", "abc")]);
    assert_message(
        &e,
        &[
            "prometheus_metrics_port",
            "environment variable SESSION_BUDDY_PROMETHEUS_METRICS_PORT",
            r#""abc""#,
            "port number",
        ],
    );
    match e {
        SettingsError::InvalidValue {
            key, origin, value, ..
        } => {
            assert_eq!(key, "prometheus_metrics_port");
            assert_eq!(
                origin,
                Origin::Env("SESSION_BUDDY_PROMETHEUS_METRICS_PORT".into())
            );
            assert_eq!(value, r#""abc""#);
        }
        other => panic!("unexpected {other:?}"),
    }

    let (e, path) = file_error("prometheus_metrics_port: abc\n");
    assert_message(&e, &["prometheus_metrics_port", &path, r#""abc""#]);
}

#[test]
fn a_port_out_of_range() {
    let e = env_error(&[("SESSION_BUDDY_PROMETHEUS_METRICS_PORT", "70000")]);
    assert_message(
        &e,
        &[
            "prometheus_metrics_port",
            "SESSION_BUDDY_PROMETHEUS_METRICS_PORT",
            "70000",
            "from 0 to 65535",
        ],
    );
    let (e, path) = file_error("prometheus_metrics_port: 70000\n");
    assert_message(
        &e,
        &[
            "prometheus_metrics_port",
            &format!("settings file {path}"),
            "70000",
        ],
    );
    let (e, path) = file_error("prometheus_metrics_port: -1\n");
    assert_message(&e, &["prometheus_metrics_port", &path, "-1"]);
}

#[test]
fn a_path_without_a_leading_slash() {
    let e = env_error(&[("SESSION_BUDDY_PROMETHEUS_METRICS_PATH", "metrics")]);
    assert_message(
        &e,
        &[
            "prometheus_metrics_path",
            "environment variable SESSION_BUDDY_PROMETHEUS_METRICS_PATH",
            r#""metrics""#,
            "start with `/`",
        ],
    );
    let (e, path) = file_error("prometheus_metrics_path: metrics\n");
    assert_message(
        &e,
        &[
            "prometheus_metrics_path",
            &format!("settings file {path}"),
            r#""metrics""#,
        ],
    );
    let e = env_error(&[("SESSION_BUDDY_PROMETHEUS_METRICS_PATH", "/metrics?x=1")]);
    assert_message(&e, &["prometheus_metrics_path", "`?`"]);
}

#[test]
fn an_unknown_key_in_the_file_is_a_typo_with_a_suggestion() {
    let (e, path) = file_error("prometheus_metrics_prot: 9100\n");
    assert_message(
        &e,
        &[
            "unknown setting `prometheus_metrics_prot`",
            &format!("settings file {path}"),
            "did you mean `prometheus_metrics_port`?",
            "`enable_prometheus_metrics`",
            "`pushgateway`",
        ],
    );
    assert!(matches!(e, SettingsError::UnknownKey { .. }));

    let (e, path) = file_error("pushgateway:\n  jbo: x\n");
    assert_message(
        &e,
        &[
            "unknown setting `pushgateway.jbo`",
            &path,
            "did you mean `job`?",
            "`push_interval_seconds`",
        ],
    );
}

#[test]
fn bad_bucket_lists() {
    for (yaml, value, reason) in [
        ("event_duration_buckets: []\n", "[]", "empty"),
        (
            "event_duration_buckets: [0.5, 0.1]\n",
            "[0.5, 0.1]",
            "not strictly increasing",
        ),
        (
            "event_duration_buckets: [0.1, .nan]\n",
            "[0.1, NaN]",
            "not a finite number",
        ),
        ("event_duration_buckets: [0.1, .inf]\n", "inf", "finite"),
        (
            "event_duration_buckets: [0.1, fast]\n",
            r#""fast""#,
            "list of numbers",
        ),
        ("event_duration_buckets: 5\n", "5", "list of numbers"),
    ] {
        let (e, path) = file_error(yaml);
        assert_message(&e, &["event_duration_buckets", &path, value, reason]);
    }
    let e = env_error(&[("SESSION_BUDDY_SESSION_DURATION_BUCKETS", "600, 60")]);
    assert_message(
        &e,
        &[
            "session_duration_buckets",
            "environment variable SESSION_BUDDY_SESSION_DURATION_BUCKETS",
            r#""600, 60""#,
            "not strictly increasing",
        ],
    );
    let e = env_error(&[("SESSION_BUDDY_EVENT_DURATION_BUCKETS", "")]);
    assert_message(&e, &["event_duration_buckets", r#""""#, "empty"]);
    // figment reads `NaN` as text, so a variable cannot smuggle one in either.
    let e = env_error(&[("SESSION_BUDDY_EVENT_DURATION_BUCKETS", "0.1, NaN")]);
    assert_message(
        &e,
        &["event_duration_buckets", r#""0.1, NaN""#, "list of numbers"],
    );
}

#[test]
fn a_bad_bind_address() {
    let e = env_error(&[("SESSION_BUDDY_PROMETHEUS_METRICS_BIND", "localhost")]);
    assert_message(
        &e,
        &[
            "prometheus_metrics_bind",
            "environment variable SESSION_BUDDY_PROMETHEUS_METRICS_BIND",
            r#""localhost""#,
            "IP address",
        ],
    );
    let (e, path) = file_error("prometheus_metrics_bind: 300.1.1.1\n");
    assert_message(&e, &["prometheus_metrics_bind", &path, "300.1.1.1"]);
}

#[test]
fn a_bad_const_label_name() {
    let (e, path) = file_error("const_labels:\n  bad-name: x\n");
    assert_message(
        &e,
        &[
            "const_labels",
            &format!("settings file {path}"),
            r#""bad-name""#,
            "[a-zA-Z_]",
        ],
    );
    let e = env_error(&[("SESSION_BUDDY_CONST_LABELS", "le=1s")]);
    assert_message(
        &e,
        &[
            "const_labels",
            "SESSION_BUDDY_CONST_LABELS",
            r#""le=1s""#,
            "reserved",
        ],
    );
    let e = env_error(&[("SESSION_BUDDY_CONST_LABELS", "component_name=x")]);
    assert_message(&e, &["const_labels", "component_name", "already use"]);
}

#[test]
fn a_bad_label_from_the_environment_is_blamed_on_the_variable_not_the_file() {
    let yaml = "const_labels: {service: buddy}\n";
    let (result, _file) = load(yaml, &[("SESSION_BUDDY_CONST_LABELS", "__x=1")]);
    let e = result.unwrap_err();
    assert_message(
        &e,
        &[
            "const_labels",
            "environment variable SESSION_BUDDY_CONST_LABELS",
        ],
    );
}

#[test]
fn a_label_value_that_reads_as_a_number_must_be_quoted() {
    let e = env_error(&[("SESSION_BUDDY_CONST_LABELS", "shard=3")]);
    assert_message(
        &e,
        &[
            "const_labels",
            "SESSION_BUDDY_CONST_LABELS",
            "shard=3",
            "quote",
        ],
    );
}

#[test]
fn bad_pushgateway_settings() {
    let e = env_error(&[("SESSION_BUDDY_PUSHGATEWAY_URL", "ftp://push:9091")]);
    assert_message(
        &e,
        &[
            "pushgateway.url",
            "environment variable SESSION_BUDDY_PUSHGATEWAY_URL",
            r#""ftp://push:9091""#,
            "must start with http://",
        ],
    );
    let e = env_error(&[("SESSION_BUDDY_PUSHGATEWAY_URL", "https://push:9091")]);
    assert_message(&e, &["pushgateway.url", "https is not supported"]);
    let (e, path) = file_error("pushgateway:\n  url: http://\n");
    assert_message(&e, &["pushgateway.url", &path, "no host"]);
    let (e, path) = file_error("pushgateway:\n  job: ''\n");
    assert_message(&e, &["pushgateway.job", &path, r#""""#, "empty"]);
    let (e, path) = file_error("pushgateway:\n  grouping: {job: x}\n");
    assert_message(&e, &["pushgateway.grouping", &path, r#""job""#]);
    let (e, path) = file_error("pushgateway:\n  timeout_seconds: -1\n");
    assert_message(&e, &["pushgateway.timeout_seconds", &path, "-1", "seconds"]);
    let e = env_error(&[("SESSION_BUDDY_PUSHGATEWAY_PUSH_INTERVAL_SECONDS", "0")]);
    assert_message(
        &e,
        &[
            "pushgateway.push_interval_seconds",
            "SESSION_BUDDY_PUSHGATEWAY_PUSH_INTERVAL_SECONDS",
            r#""0""#,
            "more than 0",
        ],
    );
    let (e, path) = file_error("pushgateway: 5\n");
    assert_message(&e, &["`pushgateway`", &path, "map"]);
}

#[test]
fn a_password_in_the_pushgateway_url_stays_out_of_messages() {
    let e = env_error(&[(
        "SESSION_BUDDY_PUSHGATEWAY_URL",
        "ftp://user:s3cret@push:9091",
    )]);
    let message = e.to_string();
    assert!(!message.contains("s3cret"), "{message}");
    assert!(message.contains("user:***@push:9091"), "{message}");

    // A long password is hidden before the value is cut for the message.
    let long = format!("http://user:{}@push:99999", "p".repeat(300));
    let e = env_error(&[("SESSION_BUDDY_PUSHGATEWAY_URL", &long)]);
    assert!(!e.to_string().contains("ppp"), "{e}");
    let (e, _) = file_error(&format!("pushgateway:\n  url: '{long}'\n"));
    assert!(!e.to_string().contains("ppp"), "{e}");
    // The file's value shown by a type error of its section.
    for shape in [format!("[{long}]"), format!("{{a: [{long}]}}")] {
        let (e, _) = file_error(&format!("pushgateway:\n  url: {shape}\n"));
        assert!(!format!("{e} {e:?}").contains("ppp"), "{e}");
    }

    let s = load_env(&[(
        "SESSION_BUDDY_PUSHGATEWAY_URL",
        "http://user:s3cret@push:9091",
    )])
    .unwrap();
    assert_eq!(
        s.pushgateway.url.as_deref(),
        Some("http://user:s3cret@push:9091"),
        "the value itself is kept for sending"
    );
    let debug = format!("{s:?}");
    assert!(!debug.contains("s3cret"), "{debug}");
    assert!(debug.contains("http://user:***@push:9091"), "{debug}");
}

#[test]
fn a_pushgateway_port_above_65535_names_the_setting() {
    let e = env_error(&[("SESSION_BUDDY_PUSHGATEWAY_URL", "http://127.0.0.1:99999")]);
    assert_eq!(
        e.to_string(),
        "invalid setting `pushgateway.url` = \"http://127.0.0.1:99999\" from environment \
         variable SESSION_BUDDY_PUSHGATEWAY_URL: the port 99999 is out of range: a port is at \
         most 65535"
    );
    let (e, path) = file_error("pushgateway:\n  url: http://u:pw@[::1]:65536/x\n");
    assert_message(
        &e,
        &[
            "`pushgateway.url`",
            &format!("settings file {path}"),
            r#""http://u:***@[::1]:65536/x""#,
            "65536 is out of range",
        ],
    );
    let e = env_error(&[("SESSION_BUDDY_PUSHGATEWAY_URL", "http://gw:")]);
    assert_message(&e, &["pushgateway.url", "no port number"]);
    let e = env_error(&[("SESSION_BUDDY_PUSHGATEWAY_URL", "http://gw:0")]);
    assert_message(&e, &["pushgateway.url", "port 0"]);
    let s = load_env(&[("SESSION_BUDDY_PUSHGATEWAY_URL", "http://gw:65535")]).unwrap();
    assert_eq!(s.pushgateway.url.as_deref(), Some("http://gw:65535"));
}

#[test]
fn a_push_interval_shorter_than_the_timeout_is_refused() {
    let e = env_error(&[
        ("SESSION_BUDDY_PUSHGATEWAY_TIMEOUT_SECONDS", "10"),
        ("SESSION_BUDDY_PUSHGATEWAY_PUSH_INTERVAL_SECONDS", "2.5"),
    ]);
    assert_eq!(
        e.to_string(),
        "invalid setting `pushgateway.push_interval_seconds` = \"2.5\" from environment \
         variable SESSION_BUDDY_PUSHGATEWAY_PUSH_INTERVAL_SECONDS: must be at least \
         `pushgateway.timeout_seconds` (10 s), so that one push ends before the next begins; \
         raise the interval or lower the timeout"
    );
    // Raising only the timeout above the default interval (15 s) is caught too.
    let (e, _) = file_error("pushgateway:\n  timeout_seconds: 20\n");
    assert_message(
        &e,
        &[
            "pushgateway.push_interval_seconds",
            "the defaults or code",
            "(20 s)",
        ],
    );
    let s = load_env(&[
        ("SESSION_BUDDY_PUSHGATEWAY_TIMEOUT_SECONDS", "5"),
        ("SESSION_BUDDY_PUSHGATEWAY_PUSH_INTERVAL_SECONDS", "5"),
    ])
    .unwrap();
    assert_eq!(s.pushgateway.push_interval, Duration::from_secs(5));
}

#[test]
fn duplicate_label_names_in_a_variable_are_refused() {
    let e = env_error(&[("SESSION_BUDDY_CONST_LABELS", "a=b,a=c")]);
    assert_eq!(
        e.to_string(),
        "invalid setting `const_labels` = \"a=b,a=c\" from environment variable \
         SESSION_BUDDY_CONST_LABELS: `a` is given twice"
    );
    let e = env_error(&[(
        "SESSION_BUDDY_PUSHGATEWAY_GROUPING",
        r#"{instance = "x", "instance" = "y"}"#,
    )]);
    assert_message(
        &e,
        &[
            "pushgateway.grouping",
            "SESSION_BUDDY_PUSHGATEWAY_GROUPING",
            "`instance` is given twice",
        ],
    );
    // Commas inside quotes or brackets do not split entries.
    let s = load_env(&[("SESSION_BUDDY_CONST_LABELS", r#"a="x,a=y", b="[a=1,a=2]""#)]).unwrap();
    assert_eq!(s.const_labels["a"], "x,a=y");
    assert_eq!(s.const_labels["b"], "[a=1,a=2]");
    assert_eq!(s.const_labels.len(), 2);
}

#[cfg(unix)]
#[test]
fn a_value_that_is_not_utf8_is_an_error_naming_the_variable() {
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;

    let latin1 = || OsString::from_vec(b"/m\xe9trics".to_vec());
    let e = Settings::load_from_os(
        None,
        [(
            OsString::from("SESSION_BUDDY_PROMETHEUS_METRICS_PATH"),
            latin1(),
        )],
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid setting `prometheus_metrics_path` = \"/m\u{fffd}trics\" from environment \
         variable SESSION_BUDDY_PROMETHEUS_METRICS_PATH: the value is not valid UTF-8 (shown \
         with U+FFFD for the invalid bytes)"
    );
    // Not ours, or not a setting: no error (the latter is warned about by name).
    let s = Settings::load_from_os(
        None,
        [
            (OsString::from("OTHER"), latin1()),
            (OsString::from("SESSION_BUDDY_NOTE"), latin1()),
        ],
    )
    .unwrap();
    assert_eq!(s.warnings().len(), 1);
    // A settings file path need not be UTF-8.
    let dir = session_metrics_tests::prom::TempDir::new("settings-latin1");
    let mut name = dir.path().as_os_str().to_owned().into_vec();
    name.extend_from_slice(b"/caf\xe9.yaml");
    let file = std::path::PathBuf::from(OsString::from_vec(name));
    std::fs::write(&file, "prometheus_metrics_port: 9103\n").unwrap();
    let s = Settings::load_from_os(
        None,
        [(
            OsString::from("SESSION_BUDDY_SETTINGS_FILE"),
            file.clone().into_os_string(),
        )],
    )
    .unwrap();
    assert_eq!(s.prometheus_metrics_port, 9103);
    assert_eq!(s.settings_file(), Some(file.as_path()));
}

#[test]
fn metrics_paths_the_server_cannot_serve_are_refused() {
    let e = env_error(&[("SESSION_BUDDY_PROMETHEUS_METRICS_PATH", "/health")]);
    assert_eq!(
        e.to_string(),
        "invalid setting `prometheus_metrics_path` = \"/health\" from environment variable \
         SESSION_BUDDY_PROMETHEUS_METRICS_PATH: `/health` is the metrics server's health \
         route; choose another path"
    );
    let (e, path) = file_error("prometheus_metrics_path: /métriques\n");
    assert_message(
        &e,
        &[
            "`prometheus_metrics_path`",
            &path,
            r#""/métriques""#,
            "must be ASCII",
        ],
    );
    let long = format!("/{}", "m".repeat(MAX_METRICS_PATH_BYTES));
    let e = env_error(&[("SESSION_BUDDY_PROMETHEUS_METRICS_PATH", &long)]);
    assert_message(
        &e,
        &[
            "`prometheus_metrics_path`",
            "SESSION_BUDDY_PROMETHEUS_METRICS_PATH",
            "4097 bytes is longer than 4096 bytes",
            "header size limit",
        ],
    );
}

#[test]
fn the_longest_accepted_metrics_path_is_served() {
    let longest = format!("/{}", "m".repeat(MAX_METRICS_PATH_BYTES - 1));
    let s = load_env(&[
        ("SESSION_BUDDY_PROMETHEUS_METRICS_PATH", &longest),
        ("SESSION_BUDDY_PROMETHEUS_METRICS_PORT", "0"),
    ])
    .unwrap();
    let metrics: &'static _ = Box::leak(Box::new(
        s.build_metrics(prometheus::Registry::new()).unwrap(),
    ));
    metrics.record_session_start("long_path", "zsh");
    let server = session_metrics::http::BlockingMetricsServer::start(
        s.socket_addr(),
        metrics,
        session_metrics::http::ServerOptions::from_settings(&s),
    )
    .unwrap();
    let (status, body) =
        session_metrics_tests::prom::get(&format!("http://{}{longest}", server.local_addr()))
            .unwrap();
    assert_eq!(status, 200);
    assert!(body.contains(r#"component_name="long_path""#), "{body}");
}

#[test]
fn an_explicitly_named_file_that_cannot_be_read() {
    let missing = std::env::temp_dir().join(format!(
        "session-metrics-settings-{}-missing.yaml",
        std::process::id()
    ));
    let e = Settings::load_from(Some(&missing), Vec::new()).unwrap_err();
    assert_message(
        &e,
        &[
            "cannot read settings file",
            &missing.display().to_string(),
            "os error",
        ],
    );
    let not_found = |e: &SettingsError| {
        matches!(e, SettingsError::ReadFile { source, .. }
            if source.kind() == std::io::ErrorKind::NotFound)
    };
    assert!(not_found(&e), "{e:?}");
    assert!(std::error::Error::source(&e).is_some());

    // The same through the variable.
    let var = [("SESSION_BUDDY_SETTINGS_FILE", missing.to_str().unwrap())];
    let e = Settings::load_from(None, env(&var)).unwrap_err();
    assert_message(&e, &[&missing.display().to_string(), "os error"]);

    // A directory exists but cannot be read as a file.
    let dir = std::env::temp_dir();
    let e = Settings::load_from(Some(&dir), Vec::new()).unwrap_err();
    assert_message(
        &e,
        &[
            &format!("cannot read settings file {}", dir.display()),
            "not a regular file (it is a directory)",
        ],
    );
}

/// Loads with `path` as the settings file on another thread, so a hang fails the test
/// instead of blocking it (10 s is a hang guard, not a measurement).
fn load_guarded(path: &Path) -> Result<Settings, SettingsError> {
    let path = path.to_path_buf();
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = send.send(Settings::load_from(Some(&path), Vec::new()));
    });
    receive
        .recv_timeout(Duration::from_secs(10))
        .expect("loading hung on a file that is not a regular file")
}

#[cfg(unix)]
#[test]
fn a_fifo_or_device_as_settings_file_is_refused_without_hanging() {
    let fifo = std::env::temp_dir().join(format!(
        "session-metrics-settings-{}-fifo.yaml",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&fifo);
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let result = load_guarded(&fifo);
    let _ = std::fs::remove_file(&fifo);
    let e = result.unwrap_err();
    assert_message(
        &e,
        &[
            &fifo.display().to_string(),
            "not a regular file (it is a FIFO, socket or device)",
        ],
    );
    let e = load_guarded(Path::new("/dev/zero")).unwrap_err();
    assert_message(&e, &["/dev/zero", "not a regular file"]);
}

#[test]
fn malformed_yaml() {
    for yaml in [
        "prometheus_metrics_port: [9090\n",
        "pushgateway:\n  url: 'unterminated\n",
        "a: 1\na: 2\n",
        "\t- tab\n",
    ] {
        let (e, path) = file_error(yaml);
        assert!(matches!(e, SettingsError::Yaml { .. }), "{yaml:?}: {e}");
        assert_message(&e, &[&format!("settings file {path} is not valid YAML")]);
    }
    let (e, _) = file_error("prometheus_metrics_port: 1\nprometheus_metrics_port: 2\n");
    assert_message(
        &e,
        &["duplicate key `prometheus_metrics_port` at line 2, column 1"],
    );
    assert!(!e.to_string().contains("DuplicateKeyPolicy"), "{e}");
    let (e, _) = file_error("const_labels: {a: x, a: y}\n");
    assert_message(&e, &["duplicate key `a` at line 1"]);
    let (e, _) = file_error("- a\n- b\n");
    assert_message(&e, &["top level must be a map"]);
    let (e, _) = file_error("[9090\n");
    assert_message(&e, &["line 1"]);
}

#[test]
fn hostile_input_is_refused_without_panicking() {
    let deep = "[".repeat(100_000);
    for var in [
        "SESSION_BUDDY_PROMETHEUS_METRICS_PORT",
        "SESSION_BUDDY_EVENT_DURATION_BUCKETS",
        "SESSION_BUDDY_CONST_LABELS",
    ] {
        let e = env_error(&[(var, deep.as_str())]);
        assert_message(&e, &[var]);
    }
    let (e, _) = file_error(&format!("const_labels: {deep}\n"));
    assert!(matches!(e, SettingsError::Yaml { .. }), "{e}");
    let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n\
                c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n\
                e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n\
                g: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
    assert!(file_error(bomb).0.to_string().contains("settings file"));
    for junk in [
        "\u{0}",
        "\u{feff}: x",
        "? [a]\n: b\n",
        "!!binary aGVsbG8=",
        "*undefined",
    ] {
        let _ = load(junk, &[]).0;
    }
}

#[test]
fn validate_reports_values_set_in_code() {
    let mut s = Settings::default();
    s.session_duration_buckets = vec![];
    let e = s.validate().unwrap_err();
    assert_message(
        &e,
        &["session_duration_buckets", "the defaults or code", "empty"],
    );
    assert!(matches!(
        e,
        SettingsError::InvalidValue {
            origin: Origin::Code,
            ..
        }
    ));
}

// ---------------------------------------------------------------------------------------------
// Building metrics

#[test]
fn build_metrics_uses_the_buckets_and_const_labels() {
    let yaml = "event_duration_buckets: [0.01, 0.1]\nsession_duration_buckets: [60, 600]\n\
                const_labels: {instance: buddy-1, service: session-buddy}\n";
    let s = load(yaml, &[]).0.unwrap();
    let metrics = s.build_metrics(prometheus::Registry::new()).unwrap();
    assert!(metrics.is_enabled());
    metrics.record_mcp_event_success("c", "e", 0.05);
    metrics.record_session_end("c", "success", 120.0);
    let text = metrics.export_metrics();
    let exposition = Exposition::parse(&text);
    let consts = [("instance", "buddy-1"), ("service", "session-buddy")];
    let event = |le| {
        let mut labels = vec![("component_name", "c"), ("event_type", "e"), ("le", le)];
        labels.extend(consts);
        exposition.get("mcp_event_emit_duration_seconds_bucket", &labels)
    };
    assert_eq!(event("0.01"), Some(0.0));
    assert_eq!(event("0.1"), Some(1.0));
    assert_eq!(event("+Inf"), Some(1.0));
    assert_eq!(event("0.005"), None, "a default bucket leaked in:\n{text}");
    let session = |le| {
        let mut labels = vec![("component_name", "c"), ("le", le)];
        labels.extend(consts);
        exposition.get("session_duration_seconds_bucket", &labels)
    };
    assert_eq!(session("60"), Some(0.0));
    assert_eq!(session("600"), Some(1.0));
    assert_eq!(session("300"), None);
    let mut labels = vec![("component_name", "c"), ("status", "success")];
    labels.extend(consts);
    assert_eq!(exposition.get("session_end_total", &labels), Some(1.0));
}

#[test]
fn build_metrics_returns_disabled_metrics_when_disabled() {
    let s = load_env(&[("SESSION_BUDDY_ENABLE_PROMETHEUS_METRICS", "false")]).unwrap();
    let metrics = s.build_metrics(prometheus::Registry::new()).unwrap();
    assert!(!metrics.is_enabled());
    metrics.record_session_start("c", "zsh");
    assert_eq!(metrics.export_metrics(), "");
}

#[test]
fn build_metrics_reports_a_registry_conflict() {
    let registry = prometheus::Registry::new();
    let s = Settings::default();
    let _first = s.build_metrics(registry.clone()).unwrap();
    let e = s.build_metrics(registry).unwrap_err();
    assert!(
        matches!(&e, session_metrics::Error::AlreadyRegistered { metric, .. }
            if metric == "session_start_total"),
        "{e}"
    );
    assert_eq!(
        e.to_string(),
        "a collector named `session_start_total` is already registered in this registry"
    );
}

#[test]
fn a_clash_with_an_application_metric_names_that_metric() {
    let registry = prometheus::Registry::new();
    let theirs = prometheus::Histogram::with_opts(prometheus::HistogramOpts::new(
        "mcp_event_emit_duration_seconds",
        "the application's own histogram",
    ))
    .unwrap();
    registry.register(Box::new(theirs)).unwrap();
    let e = Settings::default().build_metrics(registry).unwrap_err();
    assert_eq!(
        e.to_string(),
        "a collector named `mcp_event_emit_duration_seconds` is already registered in this \
         registry"
    );
    assert!(std::error::Error::source(&e).is_some());
}
