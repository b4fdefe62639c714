// Awaiting `alloc_bytes_async` on a byte pool without `wait` is one error, at the call, saying to add it;
// using the result adds none.
use blockpool::pools;

pools! {
    pub Frames(classes = [(64, 4)]);
}

async fn receive() -> usize {
    let frame = Frames::alloc_bytes_async(10).await.unwrap();
    frame.len()
}

fn main() {
    let _ = receive();
}
