// `c_name` takes a C identifier as a string literal, not in the C API's own `bp_` namespace; an arena has no
// C interface. Every mistake is reported in one compile.
use blockpool::{memory_pool, pools};

#[memory_pool(count = 4, c_name = unsafe("msg-pool"))]
pub struct Msg {
    pub id: u32,
}

#[memory_pool(count = 4, c_name = unsafe("1st_pool"))]
pub struct First(u32);

#[memory_pool(count = 4, c_name = unsafe(""))]
pub struct Empty(u32);

#[memory_pool(count = 4, c_name = unsafe(msg_pool))]
pub struct NotALiteral(u32);

pools! {
    pub Bytes(classes = [(64, 4)], c_name = unsafe("bp_alloc"));
    pub Scratch(arena = 1024, c_name = unsafe("scratch"));
}

fn main() {}
