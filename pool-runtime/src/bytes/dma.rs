//! embedded-dma 0.2 (feature `embedded-dma`): checks, when the runtime builds, that its handles are DMA
//! buffers. There is nothing to implement: embedded-dma's blanket impls make every
//! `Deref + StableDeref + 'static` handle whose target is a word, a slice or an array of words (`u8`, `i8`,
//! `u16`, `i16`, `u32`, `i32`, `u64`, `i64`) a `ReadBuffer` (and, with `DerefMut`, a `WriteBuffer`), with the
//! target's address and length in words. `PoolBox` and `PoolRc` are `StableDeref` by P1 and S1, `PoolBytes`
//! by B8 (docs/safety.md). The functions below are never called; type-checking their bodies is the check,
//! so a change that breaks one of these fails the build with this feature (CI builds it).
#![allow(dead_code)]

use embedded_dma::{ReadBuffer, Word, WriteBuffer};

use crate::{BytePool, PoolBox, PoolBytes, PoolRc, StaticPool};

/// Compiles only for a buffer that DMA may read and write, in words of `W`.
fn read_write<B: ReadBuffer<Word = W> + WriteBuffer<Word = W>, W>() {}

/// Compiles only for a buffer that DMA may read, in words of `W`.
fn read_only<B: ReadBuffer<Word = W>, W>() {}

/// A byte buffer is a DMA buffer of bytes, both ways.
fn pool_bytes<P: BytePool>() {
    read_write::<PoolBytes<P>, u8>();
}

/// A `PoolBox` of an array of words, of one word, or of an array of arrays of words, both ways.
fn pool_box_of_words<W: Word, const N: usize, A, S, R>()
where
    A: StaticPool<Item = [W; N]>,
    S: StaticPool<Item = W>,
    R: StaticPool<Item = [[W; N]; N]>,
{
    read_write::<PoolBox<A>, W>();
    read_write::<PoolBox<S>, W>();
    read_write::<PoolBox<R>, W>();
}

/// A shared handle to an array of words: DMA may read it (a `PoolRc` gives no `&mut`).
fn pool_rc_of_words<W: Word, const N: usize, P: StaticPool<Item = [W; N]>>() {
    read_only::<PoolRc<P>, W>();
}
