use blockpool::pools;

pools! {
    pub Frames(count = 4);
    pub Empty();
    pub Aligned(count = 2, align = 64, zeroize);
    pub Uncounted(type = u8);
}

fn main() {}
