use session_metrics::track_operation;

#[track_operation("c", "e", metric = "x")]
fn unknown() {}

#[track_operation(component = "c", component = "d", event_type = "e")]
fn duplicated() {}

#[track_operation("c", "e", component = "d")]
fn positional_and_named() {}

#[track_operation("c", "e", "extra")]
fn too_many() {}

fn main() {}
