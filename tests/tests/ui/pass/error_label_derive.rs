// `#[derive(ErrorLabel)]` on enums of every variant kind, generic enums, empty enums and
// structs.
use session_metrics::ErrorLabel;

#[derive(ErrorLabel)]
enum Mixed<T: Clone> {
    Unit,
    Tuple(#[allow(dead_code)] T, #[allow(dead_code)] u8),
    Struct {
        #[allow(dead_code)]
        field: T,
    },
    #[error_label("renamed")]
    Renamed,
}

#[derive(ErrorLabel)]
#[allow(dead_code)]
enum Never {}

#[derive(ErrorLabel)]
struct Plain;

#[derive(ErrorLabel)]
#[error_label("custom_struct")]
struct Custom {
    _x: u8,
}

fn main() {
    assert_eq!(Mixed::<u8>::Unit.error_label(), "Unit");
    assert_eq!(Mixed::Tuple(1u8, 2).error_label(), "Tuple");
    assert_eq!(Mixed::Struct { field: 1u8 }.error_label(), "Struct");
    assert_eq!(Mixed::<u8>::Renamed.error_label(), "renamed");
    assert_eq!(Plain.error_label(), "Plain");
    assert_eq!(Custom { _x: 0 }.error_label(), "custom_struct");
}
