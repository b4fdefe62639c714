use blockpool::pools;

pub struct Msg {
    pub id: u32,
}

mod radio {
    #[blockpool::memory_pool(type = super::Msg, count = 4, align = 64)]
    pub struct Fast;
}

pools! {
    pub Slow(type = Msg, count = 16);
    pub Msgs(chain = [radio::Fast, Slow], align = 64);
}

fn main() {}
