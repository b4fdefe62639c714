// Review round 1: the runtime's `static_pool!` once took the name of a `static` declared elsewhere; a static
// whose type dereferences to a storage could then return a different storage on each call (two owners of
// one block). The macro now declares the static itself, of a type that must be one of the runtime's sealed
// storages, so nothing but a storage can stand there.
#![forbid(unsafe_code)]

use std::ops::Deref;

use blockpool::__private::{Align8, NoRefs, PoolConfig, PoolStorage};

type Storage = PoolStorage<String, Align8, NoRefs, 2>;
static A: Storage = PoolStorage::new();

pub struct Switch;

impl Deref for Switch {
    type Target = Storage;
    fn deref(&self) -> &Storage {
        &A
    }
}

pub struct Evil;

blockpool::__private::static_pool!(Evil, [] static SWITCH: Switch = Switch, "Evil", PoolConfig::DEFAULT);

fn main() {}
