use blockpool::pools;

pools! {
    budget = 16 KiB;
    pub Frames type = u32, count = 4;
    pub Words(type = u64, count = 2)
    pub Bytes(classes = [(60, 8)]);
    heap = 4 KiB;
    pub Scratch(arena = 256, size = 3);
    budget = 8 GB;
    pub Good(type = u8, count = 1);
}

fn main() {}
