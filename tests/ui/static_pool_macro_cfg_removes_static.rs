// Review round 3: a `#[cfg]` among the attributes of `static_pool!` removed the static the macro declares,
// so the name it returns resolved to another `static`, one that dereferences to a storage and may return a
// different one on each call (two owners of one block). The macro checks, without coercion, that the name
// is a static of exactly the storage type.
#![forbid(unsafe_code)]

use std::ops::Deref;

use blockpool::__private::{Align8, NoRefs, PoolConfig, PoolStorage};

type S = PoolStorage<u64, Align8, NoRefs, 1>;

pub static A: S = S::new();

pub struct Switch;

impl Deref for Switch {
    type Target = S;
    fn deref(&self) -> &S {
        &A
    }
}

pub static STORE: Switch = Switch;

pub struct Evil;

blockpool::__private::static_pool!(Evil, [#[cfg(any())]] static STORE: S = S::new(), "Evil", PoolConfig::DEFAULT);

fn main() {}
