use blockpool::pools;

pub struct Msg {
    pub id: u32,
}

pools! {
    pub Fast(type = Msg, count = 4, refcount = u8);
    pub Slow(type = Msg, count = 4);
    pub Msgs(chain = [Fast, Slow]);
}

fn main() {
    let _ = Msgs::alloc_shared(Msg { id: 1 });
}
