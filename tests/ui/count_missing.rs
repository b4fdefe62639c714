use blockpool::memory_pool;

#[memory_pool(align = 8)]
pub struct Msg {
    pub id: u32,
}

fn main() {
    let _: MsgPool = MsgPool;
}
