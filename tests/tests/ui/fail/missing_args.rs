use session_metrics::track_operation;

#[track_operation]
fn none() {}

#[track_operation("only_component")]
fn one() {}

fn main() {}
