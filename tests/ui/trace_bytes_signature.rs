// A byte pool's `trace` hook with the wrong signature is reported at the path the user wrote.
use blockpool::{pools, FailureEvent};

fn wrong(_: &FailureEvent) {}

pools! {
    pub Bytes(classes = [(32, 4)], trace = wrong, track_callers);
}

fn main() {}
