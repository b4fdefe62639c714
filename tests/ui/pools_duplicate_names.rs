use blockpool::pools;

pools! {
    pub Frames(type = u32, count = 4);
    pub Bytes(classes = [(64, 8)]);
    pub Frames(arena = 128);
    pub Bytes(type = u8, count = 1);
}

fn main() {}
