//! Functions that draw warnings on purpose, each under `#[track_operation]`.
#![allow(missing_docs)]

use session_metrics::track_operation;

#[track_operation("lint", "unused")]
fn never_called() -> u32 {
    1
}

#[expect(dead_code)]
#[track_operation("lint", "expected_unused")]
fn expected_unused() {}

#[track_operation("lint", "no_await")]
pub async fn no_await() -> u32 {
    2
}

pub struct S {
    pub n: u32,
}

impl S {
    #[track_operation("lint", "unused_self")]
    pub fn unused_self(&self) -> u32 {
        3
    }
}

#[track_operation("lint", "must_use")]
pub fn must_use_candidate(x: u32) -> u32 {
    x + 1
}

#[track_operation("lint", "wraps")]
fn unnecessary_wraps(x: u32) -> Option<u32> {
    Some(x)
}

pub fn call_wraps() -> Option<u32> {
    unnecessary_wraps(1)
}

#[track_operation("lint", "lifetimes")]
pub fn needless_lifetimes<'a>(x: &'a str) -> &'a str {
    x
}

#[track_operation("lint", "by_value")]
pub fn needless_pass_by_value(v: Vec<u8>) -> usize {
    v.len()
}

#[track_operation("lint", "body")]
pub fn body_lints(x: u64) -> u32 {
    let unused = 5;
    let mut m = 1;
    x as u32 + m
}

#[track_operation("lint", "ret")]
pub fn needless_return(x: u32) -> u32 {
    return x;
}

#[track_operation("lint", "result")]
pub fn missing_errors_doc(s: &str) -> Result<u32, std::num::ParseIntError> {
    s.parse()
}

// Shapes beyond the lints above: the expansion of each must add no warning of its own.

#[track_operation("lint", "inner_attrs")]
pub fn inner_attributes(x: u32) -> u32 {
    #![allow(unused_variables)]
    let quiet = 1;
    x
}

#[track_operation("lint", "async_inner_attrs")]
pub async fn async_inner_attributes(x: u32) -> u32 {
    #![allow(unused_variables)]
    let quiet = 1;
    std::future::ready(x).await
}

#[track_operation("lint", "question_mark")]
pub fn question_mark(s: &str) -> Result<u32, std::num::ParseIntError> {
    let n: u32 = s.parse()?;
    if n == 0 {
        return Ok(1);
    }
    Ok(n)
}

#[track_operation("lint", "caller")]
#[track_caller]
pub fn caller_line(s: &str) -> Result<u32, std::num::ParseIntError> {
    let n: u32 = s.parse()?;
    if n == 0 {
        return Ok(std::panic::Location::caller().line());
    }
    Ok(n)
}

#[track_operation("lint", "caller_unit")]
#[track_caller]
pub fn caller_unit(flag: bool) {
    if flag {
        return;
    }
    let _ = std::panic::Location::caller();
}

#[track_operation("lint", "impl_future")]
pub fn impl_future(x: u32) -> impl Future<Output = u32> {
    async move { x }
}

#[track_operation("lint", "boxed")]
pub fn boxed(x: u32) -> std::pin::Pin<Box<dyn Future<Output = u32> + Send>> {
    Box::pin(async move { x })
}

#[track_operation("lint", "diverges")]
pub fn diverges() -> ! {
    panic!("diverges")
}

pub struct Flags {
    pub on: bool,
}

impl Flags {
    #[track_operation("lint", "enabled", enabled = self.on)]
    pub async fn when_enabled(&self, n: u32) -> Result<u32, String> {
        if n == 0 { Err("zero".to_owned()) } else { Ok(std::future::ready(n).await) }
    }
}

static OPS: session_metrics::OperationFamily =
    session_metrics::OperationFamily::new("lint_ops", &[0.1, 1.0]);

#[track_operation("lint", "family", family = OPS)]
pub fn in_family() -> Option<u8> {
    None
}

impl S {
    #[track_operation("lint", "unused_self_private")]
    fn helper(&self) -> u32 {
        4
    }

    pub fn uses_helper(&self) -> u32 {
        self.helper()
    }
}
