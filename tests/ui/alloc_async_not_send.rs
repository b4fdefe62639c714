// The future of `alloc_async` holds the value until it is in a block: a task that waits for a block for an
// `Rc` cannot be spawned onto another thread.
use std::rc::Rc;

use blockpool::memory_pool;

#[memory_pool(type = Rc<u32>, count = 1, wait = 1)]
pub struct Shared;

fn spawn<F: core::future::Future + Send + 'static>(_task: F) {}

fn main() {
    spawn(async {
        let _block = Shared::alloc_async(Rc::new(1)).await;
    });
}
