// Objectives: a ratio outside (0, 1) or a bad threshold fails the build where the `static` is
// declared; `objective =` must name an `Objective` and be given once.
use session_metrics::{Objective, OperationFamily, track_operation};

static ALWAYS: Objective = Objective::new("always").success_ratio(1.0);
static NEGATIVE: Objective = Objective::new("negative").latency(-0.25, 0.99);
static NOT_AN_OBJECTIVE: OperationFamily = OperationFamily::new("ui_objective", &[1.0]);
static FINE: Objective = Objective::new("fine").success_ratio(0.99);

#[track_operation("ui", "wrong_type", objective = NOT_AN_OBJECTIVE)]
fn wrong_type() {}

#[track_operation("ui", "twice", objective = FINE, objective = FINE)]
fn twice() {}

fn main() {
    let _ = (&ALWAYS, &NEGATIVE);
    wrong_type();
    twice();
}
