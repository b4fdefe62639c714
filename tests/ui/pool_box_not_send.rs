use blockpool::memory_pool;
use std::rc::Rc;

#[memory_pool(count = 4)]
pub struct Shared {
    pub value: Rc<u8>,
}

fn main() {
    let boxed = SharedPool::alloc(Shared { value: Rc::new(1) }).unwrap();
    std::thread::spawn(move || {
        let _ = &boxed;
    });
}
