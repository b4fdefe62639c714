use blockpool::{PoolRc, memory_pool};
#[memory_pool(count = 8, refcount = u8)]
#[derive(Debug)]
pub struct Frame {
    pub seq: u32,
    pub data: [u8; 128],
}
#[memory_pool(count = 2)]
pub struct Plain(u8);
#[test]
fn shared() {
    let a: PoolRc<FramePool> = FramePool::alloc_shared(Frame {
        seq: 1,
        data: [0; 128],
    })
    .map_err(|e| e.error())
    .unwrap();
    let b = a.clone();
    assert_eq!(PoolRc::strong_count(&a), 2);
    let a = PoolRc::try_unwrap(a).unwrap_err();
    drop(b);
    let frame: Frame = PoolRc::try_unwrap(a).ok().unwrap();
    assert_eq!(frame.seq, 1);
    assert_eq!(FramePool::stats().used, 0);
    let _p = PlainPool::alloc(Plain(1));
}
