use blockpool::pools;

pub struct Msg {
    pub id: u32,
}

pools! {
    pub Scratch(arena = 64, fallback = Scratch);
    pub Odd(arena = 64, fallback = 3);
    pub Typed(type = Msg, count = 4, fallback = Scratch);
}

fn main() {}
