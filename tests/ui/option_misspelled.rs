use blockpool::{memory_pool, pools};

#[memory_pool(count = 4, allign = 64)]
pub struct Msg {
    pub id: u32,
}

pub struct Frame {
    pub seq: u32,
}

pools! {
    budjet = 16 KiB;
    pub FramePool(type = Frame, count = 4, zeroise);
    pub Bytes(classes = [(64, 4)], ref_count);
}

fn main() {}
