//! The attribute is invisible to the function it wraps: inner attributes keep applying, lints
//! and `#[expect]` behave as without it, generated names never meet the user's, and
//! `#[track_caller]` functions still see their caller. Every class is asserted by compiling
//! this file under `deny(warnings)` and by exact counts at run time.
#![deny(
    warnings,
    unfulfilled_lint_expectations,
    unused_qualifications,
    unused_results
)]

use std::panic::Location;

use session_metrics::{ErrorLabel, track_operation};
use session_metrics_tests::Site;

// ---- inner attributes ----------------------------------------------------------------------

#[track_operation("transparency", "inner_sync")]
fn inner_sync(x: u32) -> u32 {
    #![allow(unused_variables)]
    let unused = x;
    x + 1
}

#[track_operation("transparency", "inner_async")]
async fn inner_async(x: u32) -> u32 {
    #![allow(unused_variables)]
    //! Inner doc comments are inner attributes too.
    let unused = x;
    std::future::ready(x + 1).await
}

#[test]
fn inner_attributes_stay_at_the_top_of_the_body() {
    assert_eq!(inner_sync(1), 2);
    assert_eq!(futures::executor::block_on(inner_async(2)), 3);
    assert_eq!(Site::global("transparency", "inner_sync").success, 1.0);
    assert_eq!(Site::global("transparency", "inner_async").success, 1.0);
}

// ---- dead_code and #[expect] ---------------------------------------------------------------

// Fulfilled only if `dead_code` still fires on an unused annotated function (the crate
// denies unfulfilled expectations).
#[expect(dead_code)]
#[track_operation("transparency", "never_called")]
fn never_called() -> u32 {
    0
}

#[expect(dead_code)]
#[track_operation("transparency", "never_awaited")]
async fn never_awaited() {}

// ---- hygiene -------------------------------------------------------------------------------

// Statics with the names the expansion uses (or used) stay the body's.
static __SESSION_METRICS_SITE: u32 = 7;
static __SESSION_METRICS_CALL_SITE: u32 = 8;

#[allow(clippy::too_many_arguments, clippy::used_underscore_binding)]
#[track_operation("transparency", "hygiene", enabled = __sm_enabled)]
fn hygiene(
    __sm_guard: u32,
    __sm_site: u32,
    __sm_ret: u32,
    __sm_enabled: bool,
    __sm_span: u32,
    __sm_entered: u32,
    __sm_value: u32,
    __sm_out: u32,
) -> u32 {
    let __sm_residual = 1;
    let total = '__sm_body: {
        if __sm_guard > 1_000 {
            break '__sm_body 0;
        }
        __sm_guard + __sm_site + __sm_ret + __sm_span + __sm_entered
    };
    total
        + __sm_value
        + __sm_out
        + __sm_residual
        + __SESSION_METRICS_SITE
        + __SESSION_METRICS_CALL_SITE
}

#[allow(clippy::used_underscore_binding)]
#[track_operation("transparency", "hygiene_async")]
async fn hygiene_async(__sm_guard: u32, __sm_ret: u32, __sm_out: u32, __sm_site: u32) -> u32 {
    __sm_guard + __sm_ret + __sm_out + __sm_site + __SESSION_METRICS_SITE
}

#[allow(clippy::used_underscore_binding)]
#[track_operation("transparency", "hygiene_caller")]
#[track_caller]
fn hygiene_caller(__sm_guard: u32, __sm_value: Option<u32>, __sm_residual: u32) -> Option<u32> {
    let v = __sm_value?;
    Some(v + __sm_guard + __sm_residual + __SESSION_METRICS_CALL_SITE)
}

#[test]
fn generated_names_never_meet_the_users() {
    assert_eq!(
        hygiene(1, 2, 3, true, 4, 5, 6, 7),
        1 + 2 + 3 + 4 + 5 + 6 + 7 + 1 + 7 + 8
    );
    // `enabled` reads the user's `__sm_enabled`: false records nothing.
    assert_eq!(hygiene(0, 0, 0, false, 0, 0, 0, 0), 1 + 7 + 8);
    assert_eq!(Site::global("transparency", "hygiene").count, 1.0);
    assert_eq!(
        futures::executor::block_on(hygiene_async(1, 2, 3, 4)),
        1 + 2 + 3 + 4 + 7
    );
    assert_eq!(Site::global("transparency", "hygiene_async").success, 1.0);
    assert_eq!(hygiene_caller(1, Some(2), 3), Some(1 + 2 + 3 + 8));
    assert_eq!(hygiene_caller(1, None, 3), None);
    assert_eq!(Site::global("transparency", "hygiene_caller").success, 2.0);
}

// ---- #[track_caller] -----------------------------------------------------------------------

#[derive(Debug, PartialEq, ErrorLabel)]
enum LookupError {
    Missing,
    Parse,
}

impl From<std::num::ParseIntError> for LookupError {
    fn from(_: std::num::ParseIntError) -> Self {
        Self::Parse
    }
}

#[track_operation("transparency", "caller")]
#[track_caller]
fn caller_line() -> u32 {
    Location::caller().line()
}

#[track_operation("transparency", "caller_result")]
#[track_caller]
fn lookup(key: &str) -> Result<(u32, u32), LookupError> {
    if key.is_empty() {
        return Err(LookupError::Missing);
    }
    let n: u32 = key.parse()?; // converted by `From`: labelled `Parse`
    Ok((n, Location::caller().line()))
}

#[track_operation("transparency", "caller_unwrap")]
#[track_caller]
fn must(value: Option<u32>) -> u32 {
    value.expect("a value")
}

macro_rules! bail {
    () => {
        return Err(LookupError::Missing)
    };
}

#[track_operation("transparency", "caller_macro")]
#[track_caller]
fn macro_exits(which: u8) -> Result<Vec<u32>, LookupError> {
    match which {
        // `?` in a macro's arguments is seen like any other.
        0 => Ok(vec!["1".parse::<u32>()?, "x".parse::<u32>()?]),
        // A `return` the macro writes itself is not: recorded as `early_return`.
        1 => bail!(),
        _ => Ok(Vec::new()),
    }
}

#[track_operation("transparency", "caller_future")]
#[track_caller]
fn caller_future(early: bool) -> impl Future<Output = u32> {
    let line = Location::caller().line();
    if early {
        return std::future::ready(0);
    }
    std::future::ready(line)
}

#[test]
fn track_caller_functions_see_their_caller() {
    let line = line!() + 1;
    assert_eq!(caller_line(), line);

    let line = line!() + 1;
    assert_eq!(lookup("5"), Ok((5, line)));
    assert_eq!(lookup(""), Err(LookupError::Missing));
    assert_eq!(lookup("x"), Err(LookupError::Parse));
    let site = Site::global("transparency", "caller_result");
    assert_eq!(
        (site.success, site.failed("Missing"), site.failed("Parse")),
        (1.0, 1.0, 1.0)
    );
    assert_eq!(site.count, 3.0);

    let line = line!() + 1;
    assert_eq!(futures::executor::block_on(caller_future(false)), line);
    assert_eq!(futures::executor::block_on(caller_future(true)), 0);
    assert_eq!(Site::global("transparency", "caller_future").success, 2.0);
}

#[test]
fn a_panic_in_a_track_caller_function_points_at_the_caller() {
    let (tx, rx) = std::sync::mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let location = info.location().map(|l| (l.file().to_owned(), l.line()));
        let _ = tx.lock().unwrap().send(location);
    }));
    let line = line!() + 1;
    let result = std::panic::catch_unwind(|| must(None));
    std::panic::set_hook(previous);
    assert!(result.is_err());
    assert_eq!(rx.recv().unwrap(), Some((file!().to_owned(), line)));
    assert_eq!(must(Some(3)), 3);
    let site = Site::global("transparency", "caller_unwrap");
    assert_eq!((site.success, site.failed("panic")), (1.0, 1.0));
}

#[test]
fn exits_inside_macros_of_track_caller_functions() {
    assert_eq!(macro_exits(0), Err(LookupError::Parse));
    assert_eq!(macro_exits(1), Err(LookupError::Missing));
    assert_eq!(macro_exits(2), Ok(Vec::new()));
    let site = Site::global("transparency", "caller_macro");
    assert_eq!(site.failed("Parse"), 1.0);
    assert_eq!(site.failed(session_metrics::EARLY_RETURN_ERROR_TYPE), 1.0);
    assert_eq!(site.success, 1.0);
    assert_eq!(site.count, 3.0);
}
