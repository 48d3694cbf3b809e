//! Success and failure of sync functions, each error-label kind, and panics.

use session_metrics::{ErrorLabel, track_operation};
use session_metrics_tests::Site;

#[derive(Debug, ErrorLabel)]
enum StoreError {
    Timeout,
    Io(#[allow(dead_code)] std::io::Error),
    Conflict {
        #[allow(dead_code)]
        key: String,
    },
    #[error_label("rate_limited")]
    TooManyRequests,
}

#[derive(Debug, ErrorLabel)]
#[error_label("bad_struct")]
struct StructError;

#[track_operation("outcomes", "derived")]
fn derived(which: u8) -> Result<u8, StoreError> {
    match which {
        0 => Ok(0),
        1 => Err(StoreError::Timeout),
        2 => Err(StoreError::Io(std::io::Error::other("x"))),
        3 => Err(StoreError::Conflict { key: "k".into() }),
        _ => Err(StoreError::TooManyRequests),
    }
}

#[test]
fn derived_enum_labels_use_variant_names_and_overrides() {
    for which in [0, 0, 1, 2, 3, 3, 4] {
        let _ = derived(which);
    }
    let site = Site::global("outcomes", "derived");
    assert_eq!(site.success, 2.0);
    assert_eq!(site.failed("Timeout"), 1.0);
    assert_eq!(site.failed("Io"), 1.0);
    assert_eq!(site.failed("Conflict"), 2.0);
    assert_eq!(site.failed("rate_limited"), 1.0);
    assert_eq!(site.failures.len(), 4);
    assert_eq!(site.count, 7.0);
}

#[track_operation(component = "outcomes", event_type = "struct_label")]
fn struct_error() -> Result<(), StructError> {
    Err(StructError)
}

#[test]
fn struct_label_attribute() {
    assert!(struct_error().is_err());
    assert_eq!(
        Site::global("outcomes", "struct_label").failed("bad_struct"),
        1.0
    );
}

#[track_operation("outcomes", "parse")]
fn parse(s: &str) -> Result<i64, std::num::ParseIntError> {
    let n: i64 = s.parse()?;
    Ok(n * 2)
}

#[test]
fn unlabelled_error_uses_short_type_name() {
    assert_eq!(parse("21"), Ok(42));
    assert!(parse("x").is_err());
    let site = Site::global("outcomes", "parse");
    assert_eq!(site.success, 1.0);
    assert_eq!(site.failed("ParseIntError"), 1.0);
}

#[track_operation("outcomes", "io_alias")]
fn open(path: &str) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

#[test]
fn io_result_alias_is_labelled_by_kind() {
    assert!(open("/definitely/not/here").is_err());
    assert_eq!(Site::global("outcomes", "io_alias").failed("NotFound"), 1.0);
}

struct Opaque;

#[track_operation("outcomes", "generic_err")]
fn generic_err<E>(e: E) -> Result<(), E> {
    Err(e)
}

#[test]
fn generic_error_type_is_labelled_at_its_concrete_type() {
    assert!(generic_err(Opaque).is_err());
    assert!(generic_err(StoreError::Timeout).is_err());
    let site = Site::global("outcomes", "generic_err");
    assert_eq!(site.failed("Opaque"), 1.0);
    // Inside a generic function `E: ErrorLabel` is unknown, so the type name is used.
    assert_eq!(site.failed("StoreError"), 1.0);
}

#[track_operation("outcomes", "bounded_generic")]
fn bounded_generic<E: ErrorLabel>(e: E) -> Result<(), E> {
    Err(e)
}

#[test]
fn bounded_generic_uses_error_label() {
    assert!(bounded_generic(StoreError::Timeout).is_err());
    assert_eq!(
        Site::global("outcomes", "bounded_generic").failed("Timeout"),
        1.0
    );
}

#[track_operation("outcomes", "plain")]
fn plain(x: u32) -> u32 {
    x + 1
}

#[track_operation("outcomes", "unit")]
fn unit() {}

#[test]
fn non_result_returns_are_success() {
    assert_eq!(plain(1), 2);
    unit();
    assert_eq!(Site::global("outcomes", "plain").success, 1.0);
    assert_eq!(Site::global("outcomes", "unit").success, 1.0);
}

#[track_operation("outcomes", "early")]
fn early(n: i32) -> Result<i32, StoreError> {
    if n < 0 {
        return Err(StoreError::Timeout);
    }
    if n == 0 {
        return Ok(0);
    }
    let half: i32 = "x".parse().map_err(|_| StoreError::TooManyRequests)?;
    Ok(half)
}

#[test]
fn early_return_and_question_mark_are_seen() {
    assert!(early(-1).is_err());
    assert_eq!(early(0).unwrap(), 0);
    assert!(early(1).is_err());
    let site = Site::global("outcomes", "early");
    assert_eq!(site.success, 1.0);
    assert_eq!(site.failed("Timeout"), 1.0);
    assert_eq!(site.failed("rate_limited"), 1.0);
}

#[derive(Debug, PartialEq)]
struct Payload(u32);

#[track_operation("outcomes", "panics")]
fn panics(fail: bool) -> u32 {
    if fail {
        std::panic::panic_any(Payload(7));
    }
    1
}

#[test]
fn panic_is_recorded_and_continues_with_the_same_payload() {
    let caught = std::panic::catch_unwind(|| panics(true)).unwrap_err();
    assert_eq!(caught.downcast_ref::<Payload>(), Some(&Payload(7)));
    assert_eq!(panics(false), 1);
    let site = Site::global("outcomes", "panics");
    assert_eq!(site.failed("panic"), 1.0);
    assert_eq!(site.success, 1.0);
    assert_eq!(site.count, 2.0);
}

#[track_operation("outcomes", "slow")]
fn slow() {
    std::thread::sleep(std::time::Duration::from_millis(30));
}

#[test]
fn duration_covers_the_body() {
    slow();
    let site = Site::global("outcomes", "slow");
    assert_eq!(site.count, 1.0);
    assert!(site.sum >= 0.030, "sum {} < 30 ms", site.sum);
}
