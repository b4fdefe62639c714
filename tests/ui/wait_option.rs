// `wait` takes 1 to 255 as an integer literal, on typed and byte pools; arenas have no `wait` option.
use blockpool::{memory_pool, pools};

#[memory_pool(count = 4, wait = 0)]
pub struct Zero(u32);

#[memory_pool(count = 4, wait = 256)]
pub struct TooMany(u32);

#[memory_pool(count = 4, wait = SLOTS)]
pub struct Named(u32);

pools! {
    pub Bytes(classes = [(32, 4)], wait = 0);
    pub Scratch(arena = 256, wait = 2);
}

fn main() {}
