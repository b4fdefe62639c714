use blockpool::pools;

pub struct Msg {
    pub id: u32,
}

pools! {
    pub Scratch(arena = 64, fallback = Msgs);
    pub Msgs(type = Msg, count = 4);
}

fn main() {}
