// Exporting a symbol is unsafe (two symbols of one name are undefined behaviour), so `c_name` must be written
// `c_name = unsafe("..")`, as `link_section` is; the plain string is an error that says what to write.
use blockpool::{memory_pool, pools};

#[memory_pool(count = 4, c_name = "msg_pool")]
pub struct Msg {
    pub id: u32,
}

pools! {
    pub Bytes(classes = [(64, 4)], c_name = "byte_pool");
}

fn main() {}
