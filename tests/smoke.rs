use blockpool::{PoolBox, PoolError, memory_pool};

#[memory_pool(count = 20)]
#[derive(Debug)]
pub struct Msg {
    pub id: u32,
    pub body: [u8; 60],
}

fn log_failure(_event: &blockpool::FailureEvent) {}

#[memory_pool(type = Msg, count = 4, align = 64, on_failure = log_failure)]
pub struct Urgent;

#[test]
fn smoke() -> Result<(), PoolError> {
    let mut m: PoolBox<MsgPool> = MsgPool::alloc(Msg {
        id: 1,
        body: [0; 60],
    })
    .map_err(|e| e.error())?;
    m.id = 2;
    assert_eq!(MsgPool::stats().used, 1);
    drop(m);
    assert_eq!(MsgPool::stats().used, 0);
    let u = Urgent::alloc(Msg {
        id: 3,
        body: [1; 60],
    })
    .unwrap();
    assert_eq!(PoolBox::as_ptr(&u).as_ptr() as usize % 64, 0);
    println!("{:?}", Urgent);
    Ok(())
}
