// Review round 3: the sealed traits could not be implemented outside the runtime, but their methods could
// be called through the hidden accessors, from safe code: `put_back` returned a block a `PoolBox` still
// owned, `refs` handed out the counter a `PoolRc` trusts, `ArenaCore::exit` ended a running scope and
// `ByteClass::free` freed a live buffer's block. Every method that changes what the handles rely on is an
// `unsafe fn` now; the read-only ones stay safe.
#![forbid(unsafe_code)]

use blockpool::__private::Storage;
use blockpool::{ArenaPool, BytePool, PoolBox, StaticPool, memory_pool, pools};

#[memory_pool(count = 2, refcount)]
pub struct Item(pub u64);

pools! {
    pub Bytes(classes = [(64, 2)]);
    pub Scratch(arena = 256);
}

fn main() {
    let a = ItemPool::alloc(Item(1)).ok().unwrap();
    let storage = <ItemPool as StaticPool>::__storage();
    let index = storage.index_of(PoolBox::as_ptr(&a));
    storage.put_back(index);
    let _ = storage.mark_free(index);
    let _ = storage.refs(index);
    storage.renew_generation(index);
    storage.mark_weak_issued(index); // review round 4: on a free block it broke `high_water`
    let _ = storage.ref_count(index); // read-only: safe

    let _ = Scratch::scope(|_| {
        Scratch::__storage().exit(0);
        Ok(())
    });

    let class = <Bytes as BytePool>::__classes()[0];
    class.free(0, false);
    // The marks of waiting tasks (Q5): pushing past a mark, marking with no task waiting, unmarking
    // while one waits.
    let _ = class.free_unless_marked(0);
    let _ = class.take_or_mark();
    class.unmark();
}
