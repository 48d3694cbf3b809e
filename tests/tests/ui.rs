//! Compile-time behaviour of the macros: every supported shape compiles (and runs), and every
//! misuse fails with an error at the offending token (`.stderr` snapshots).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
