use session_metrics::track_operation;

#[track_operation("c", "e")]
const fn answer() -> u32 {
    42
}

fn main() {}
