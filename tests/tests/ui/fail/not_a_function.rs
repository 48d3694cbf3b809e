use session_metrics::track_operation;

#[track_operation("c", "e")]
struct Config {
    port: u16,
}

#[track_operation("c", "e")]
mod inner {}

trait T {
    #[track_operation("c", "e")]
    fn no_body(&self);
}

fn main() {}
