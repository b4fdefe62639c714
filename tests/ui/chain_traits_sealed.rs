// The traits a chain's storage relies on cannot be implemented outside the runtime: a `SameItem` that
// called two item types the same, or a member list of one's own, would let a chain handle point at a block
// of another item type.
use core::ptr::NonNull;

use blockpool::__private::{Members, SameItem};

pub struct Msg;
pub struct Frame;

impl SameItem<Msg> for Frame {
    fn cast(block: NonNull<Frame>, token: ()) -> NonNull<Msg> {
        let _ = token;
        block.cast()
    }
}

pub struct MyList;

impl Members for MyList {}

fn main() {}
