//! Helpers shared by the cross-crate tests: reading exact values back from the exposition.
//!
//! Empty in trybuild's ui fixture project, which is built without the dependencies it needs
//! (see `Cargo.toml`).
#![cfg(not(trybuild))]

use std::collections::BTreeMap;

pub mod mcp;
pub mod prom;
pub mod tools;

/// One parsed exposition: `(metric name, sorted label pairs)` → value.
#[derive(Debug, Default)]
pub struct Exposition {
    samples: BTreeMap<(String, Vec<(String, String)>), f64>,
}

impl Exposition {
    /// Parses the Prometheus text format; panics (failing the test) on malformed lines.
    pub fn parse(text: &str) -> Self {
        assert!(
            text.is_empty() || text.ends_with('\n'),
            "text must end in a newline"
        );
        let mut samples = BTreeMap::new();
        for line in text.lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let (series, value) = line.rsplit_once(' ').expect("sample line has a value");
            let value: f64 = match value {
                "+Inf" => f64::INFINITY,
                "-Inf" => f64::NEG_INFINITY,
                v => v
                    .parse()
                    .unwrap_or_else(|_| panic!("bad value in {line:?}")),
            };
            let (name, labels) = match series.split_once('{') {
                Some((name, rest)) => {
                    let body = rest.strip_suffix('}').expect("closing brace");
                    (name.to_owned(), parse_labels(body))
                }
                None => (series.to_owned(), Vec::new()),
            };
            let previous = samples.insert((name, labels), value);
            assert!(previous.is_none(), "duplicate series: {line}");
        }
        Self { samples }
    }

    /// The value of the series with exactly these labels (order does not matter).
    pub fn get(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let mut key: Vec<(String, String)> = labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        key.sort();
        self.samples.get(&(name.to_owned(), key)).copied()
    }

    /// Like [`get`](Self::get), treating a missing series as 0.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.get(name, labels).unwrap_or(0.0)
    }

    /// Every series of `name` whose labels include all of `labels`.
    pub fn matching(
        &self,
        name: &str,
        labels: &[(&str, &str)],
    ) -> Vec<(Vec<(String, String)>, f64)> {
        self.samples
            .iter()
            .filter(|((n, ls), _)| {
                n == name
                    && labels
                        .iter()
                        .all(|(k, v)| ls.iter().any(|(lk, lv)| lk == k && lv == v))
            })
            .map(|((_, ls), v)| (ls.clone(), *v))
            .collect()
    }
}

fn parse_labels(body: &str) -> Vec<(String, String)> {
    let mut labels = Vec::new();
    let mut chars = body.chars().peekable();
    loop {
        let name: String = chars.by_ref().take_while(|&c| c != '=').collect();
        if name.is_empty() {
            break;
        }
        assert_eq!(chars.next(), Some('"'), "label value must be quoted");
        let mut value = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some('n') => value.push('\n'),
                    Some(other) => value.push(other),
                    None => panic!("dangling escape"),
                },
                '"' => break,
                c => value.push(c),
            }
        }
        labels.push((name, value));
        if chars.peek() == Some(&',') {
            chars.next();
        }
    }
    labels.sort();
    labels
}

/// Exact readings of one `{component_name, event_type}` call site from the global metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// `mcp_event_emit_success_total`.
    pub success: f64,
    /// `mcp_event_emit_failure_total` by `error_type`.
    pub failures: BTreeMap<String, f64>,
    /// `mcp_event_emit_duration_seconds_count`.
    pub count: f64,
    /// `mcp_event_emit_duration_seconds_sum`.
    pub sum: f64,
}

impl Site {
    /// Reads the site's series out of `text`.
    pub fn read(text: &str, component: &str, event_type: &str) -> Self {
        let e = Exposition::parse(text);
        let labels = [("component_name", component), ("event_type", event_type)];
        let failures = e
            .matching("mcp_event_emit_failure_total", &labels)
            .into_iter()
            .map(|(ls, v)| {
                let error_type = ls
                    .into_iter()
                    .find(|(k, _)| k == "error_type")
                    .map(|(_, v)| v)
                    .expect("failure series has error_type");
                (error_type, v)
            })
            .collect();
        Site {
            success: e.value("mcp_event_emit_success_total", &labels),
            failures,
            count: e.value("mcp_event_emit_duration_seconds_count", &labels),
            sum: e.value("mcp_event_emit_duration_seconds_sum", &labels),
        }
    }

    /// Reads the site from the global metrics.
    pub fn global(component: &str, event_type: &str) -> Self {
        Self::read(
            &session_metrics::get_metrics().export_metrics(),
            component,
            event_type,
        )
    }

    /// The failure count for one `error_type` (0 if absent).
    pub fn failed(&self, error_type: &str) -> f64 {
        self.failures.get(error_type).copied().unwrap_or(0.0)
    }
}

/// `(trace_id, span_id)` of the exemplars in an OpenMetrics exposition, on the sample lines
/// that start with `{series}{` and contain `label` (e.g. `component_name="c"`). Panics if no
/// such line exists, so that "no exemplar" is never confused with "no series".
pub fn exemplars(text: &str, series: &str, label: &str) -> Vec<(String, String)> {
    let field = |exemplar: &str, name: &str| {
        let start = exemplar.find(&format!("{name}=\""))? + name.len() + 2;
        let len = exemplar[start..].find('"')?;
        Some(exemplar[start..start + len].to_owned())
    };
    let lines: Vec<&str> = text
        .lines()
        .filter(|line| line.starts_with(&format!("{series}{{")) && line.contains(label))
        .collect();
    assert!(
        !lines.is_empty(),
        "no {series} series with {label}:\n{text}"
    );
    lines
        .into_iter()
        .filter_map(|line| {
            let (_, exemplar) = line.split_once(" # {")?;
            Some((field(exemplar, "trace_id")?, field(exemplar, "span_id")?))
        })
        .collect()
}
