//! The compile-fail cases of a crate on edition 2018 (review round 27), with reviewed `.stderr` files.

#[test]
fn ui() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
