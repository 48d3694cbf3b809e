use session_metrics::track_operation;

#[track_operation("c", "e", error_level = "loud")]
fn bad_level() {}

#[track_operation("c", "e", enabled = true, enabled = false)]
fn enabled_twice() {}

#[track_operation("c", "e", family = "OPS")]
fn family_is_a_path() {}

fn main() {}
