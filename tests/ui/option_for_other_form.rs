use blockpool::memory_pool;

pub struct Msg {
    pub id: u32,
}

// `type` belongs on a unit struct only.
#[memory_pool(type = Msg, count = 4)]
pub struct Frame {
    pub len: u16,
}

// `name` belongs on form 1 only: this struct is the pool.
#[memory_pool(type = Msg, count = 4, name = RxPool)]
pub struct Urgent;

fn main() {
    let _: FramePool = FramePool;
    let _: Urgent = Urgent;
}
