use blockpool::{pools, PoolRc};

pools! {
    pub Big(type = u8, count = 40000, refcount = u8);
    pub Bigger(type = u8, count = 40000, refcount = u8);
    pub Both(chain = [Big, Bigger]);
}

fn main() {
    let shared: PoolRc<Both> = Both::alloc_shared(1).unwrap();
    let _weak = PoolRc::downgrade(&shared);
}
