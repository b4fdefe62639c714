use blockpool::pools;

pub struct Msg {
    pub id: u32,
}

pub struct Frame {
    pub data: [u8; 64],
}

pools! {
    pub Fast(type = Msg, count = 4);
    pub Frames(type = Frame, count = 4);
    pub Msgs(chain = [Fast, Frames]);
}

fn main() {}
