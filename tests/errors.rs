//! The error and report types as a caller sees them: `PoolError`'s messages and `Error` impl, `AllocError`
//! (Debug, Display, giving the value back, `?` conversion), `FailureEvent` and `PoolStats` formatting.

use std::collections::HashSet;
use std::error::Error;

use blockpool::{AllocError, FailureEvent, PoolError, PoolStats, memory_pool};
use static_assertions::assert_impl_all;

/// Deliberately neither `Debug` nor `Clone`: `AllocError` must not need either.
pub struct Opaque(pub u32);

#[memory_pool(type = Opaque, count = 1)]
pub struct OpaquePool;

#[memory_pool(type = u32, count = 1)]
pub struct QuestionMarkPool;

assert_impl_all!(PoolError: Error, Send, Sync, Copy, Eq, std::hash::Hash, std::fmt::Debug, std::fmt::Display);
assert_impl_all!(AllocError<Opaque>: Error, std::fmt::Debug, std::fmt::Display, Send, Sync);
assert_impl_all!(FailureEvent: Copy, Eq, std::fmt::Debug, std::fmt::Display);
assert_impl_all!(PoolStats: Copy, Eq, Default, std::fmt::Debug, std::fmt::Display);

/// Every variant there is today.
fn every_error() -> [PoolError; 10] {
    [
        PoolError::Exhausted,
        PoolError::ZeroSize,
        PoolError::TooLarge {
            requested: 300,
            capacity: 256,
        },
        PoolError::ForeignBlock,
        PoolError::NotBlockStart,
        PoolError::DoubleFree,
        PoolError::RefInUse,
        PoolError::RefOverflow,
        PoolError::Busy,
        PoolError::Corrupted,
    ]
}

#[test]
fn every_pool_error_has_its_own_message() {
    let messages: Vec<String> = every_error().iter().map(ToString::to_string).collect();
    for (error, message) in every_error().iter().zip(&messages) {
        assert!(!message.is_empty(), "{error:?} has an empty message");
        assert!(
            !message.ends_with('.') && !message.starts_with(char::is_uppercase),
            "{error:?}: `{message}`"
        );
    }
    let distinct: HashSet<&String> = messages.iter().collect();
    assert_eq!(
        distinct.len(),
        messages.len(),
        "two errors share a message: {messages:#?}"
    );
    let too_large = PoolError::TooLarge {
        requested: 300,
        capacity: 256,
    }
    .to_string();
    assert!(
        too_large.contains("300") && too_large.contains("256"),
        "{too_large}"
    );
    assert_eq!(
        PoolError::Exhausted.to_string(),
        "every block of the pool is in use"
    );
}

#[test]
fn pool_error_is_a_std_error() {
    let boxed: Box<dyn Error + Send + Sync> = Box::new(PoolError::DoubleFree);
    assert_eq!(boxed.to_string(), PoolError::DoubleFree.to_string());
    assert!(boxed.source().is_none());
    assert_eq!(
        boxed.downcast_ref::<PoolError>(),
        Some(&PoolError::DoubleFree)
    );
    let core_error: &dyn core::error::Error = &PoolError::Corrupted;
    assert_eq!(
        core_error.to_string(),
        "the pool's metadata is inconsistent"
    );
    let distinct: HashSet<PoolError> = every_error().into_iter().collect();
    assert_eq!(distinct.len(), 10);
}

#[test]
fn alloc_error_reports_without_the_value_and_gives_it_back() {
    let held = OpaquePool::alloc(Opaque(1)).expect("a free block"); // `AllocError` is `Debug` for any item
    let failed: AllocError<Opaque> = OpaquePool::alloc(Opaque(2))
        .err()
        .expect("the only block is taken");
    assert_eq!(failed.error(), PoolError::Exhausted);

    let debug = format!("{failed:?}");
    assert!(debug.starts_with("AllocError"), "{debug}");
    assert!(debug.contains("Exhausted"), "{debug}");
    assert_eq!(
        failed.to_string(),
        format!("allocation failed: {}", PoolError::Exhausted)
    );
    let as_error: &dyn Error = &failed;
    assert!(as_error.source().is_none());

    let (value, error) = failed.into_parts();
    assert_eq!((value.0, error), (2, PoolError::Exhausted));
    drop(held);
}

#[test]
fn alloc_error_converts_with_question_mark() {
    fn two() -> Result<u32, PoolError> {
        let first = QuestionMarkPool::alloc(1)?;
        let second = QuestionMarkPool::alloc(2)?; // fails: one block
        Ok(*first + *second)
    }
    assert_eq!(two(), Err(PoolError::Exhausted));
    <QuestionMarkPool as blockpool::StaticPool>::assert_empty();
    // The block is free again: the handles of `two` were dropped on the way out.
    let converted = QuestionMarkPool::alloc(3)
        .map(|held| *held)
        .map_err(PoolError::from);
    assert_eq!(converted, Ok(3));
}

#[test]
fn failure_event_and_stats_formatting() {
    let event = FailureEvent {
        pool: "RxPool",
        error: PoolError::Exhausted,
        holders: None,
    };
    assert_eq!(
        event.to_string(),
        "pool `RxPool`: every block of the pool is in use"
    );
    assert!(format!("{event:?}").contains("RxPool"));

    let stats = PoolStats {
        capacity: 8,
        used: 3,
        high_water: 5,
        allocs: 10,
        frees: 7,
        failures: 2,
    };
    assert_eq!(stats.free(), 5);
    assert_eq!(
        stats.to_string(),
        "3/8 used, high water 5, 10 allocs, 7 frees, 2 failures"
    );
    assert_eq!(PoolStats::default().free(), 0);
}
