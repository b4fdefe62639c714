use blockpool::pools;

pub struct Frame {
    pub data: [u8; 1024],
}

pools! {
    budget = 4 KiB;
    pub Frames(type = Frame, count = 4);
    pub Bytes(classes = [(64, 8), (256, 4)]);
    pub Scratch(arena = 1024);
}

fn main() {}
