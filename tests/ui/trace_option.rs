// `trace` takes the path of a `fn(&blockpool::TraceEvent)`, on typed and byte pools (a wrong signature is
// reported at the path); arenas take no trace hook, and a chain takes neither `trace` nor `track_callers`
// (review round 14).
use blockpool::{memory_pool, pools, FailureEvent};

fn wrong(_: &FailureEvent) {}

#[memory_pool(count = 4, trace = wrong)]
pub struct Mistyped(u32);

#[memory_pool(count = 4, trace = 42)]
pub struct NotAPath(u32);

pools! {
    pub Bytes(classes = [(32, 4)], trace = wrong);
    pub Scratch(arena = 256, trace = wrong);
    pub Member(type = u32, count = 2);
    pub Chained(chain = [Member], trace = wrong, track_callers);
}

fn main() {}
