use session_metrics::track_operation;

#[track_operation(42, "event")]
fn not_a_string() {}

#[track_operation("", "event")]
fn empty_component() {}

#[track_operation(component = "c", event_type = "")]
fn empty_event() {}

fn main() {}
