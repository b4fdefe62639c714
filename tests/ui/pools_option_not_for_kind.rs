use blockpool::pools;

pools! {
    pub Bytes(classes = [(64, 8)], count = 4, type = u8, max_size = 64);
    pub Scratch(arena = 256, refcount, count = 1);
    pub Both(classes = [(64, 1)], arena = 64);
    pub Named(type = u8, count = 1, name = Other, crate = ::blockpool);
}

fn main() {}
