// Placing a static in a linker section is unsafe (`.init_array` runs its bytes before `main`), so the user
// must write `unsafe(..)`: the plain string of earlier versions is an error that says what to write.
use blockpool::{memory_pool, pools};

#[memory_pool(count = 4, link_section = ".init_array")]
pub struct Msg {
    pub id: u32,
}

pools! {
    pub Bytes(classes = [(64, 4)], link_section = ".init_array");
}

fn main() {}
