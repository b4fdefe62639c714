//! Byte-stream cursors over a `PoolBytes`: `PoolBytesWriter` fills a buffer from its start and
//! `PoolBytesReader` reads one from its start. Both implement `core::fmt::Write` or embedded-io's traits
//! (0.7 with the feature `embedded-io`, 0.6 with `embedded-io-06`: the same impls, written once in
//! `embedded_io_impls!`). Safe code only: they reach the bytes through `PoolBytes`'s `Deref`.

use core::fmt;

use crate::bytes::{BytePool, PoolBytes};

impl<P: BytePool> PoolBytes<P> {
    /// A writer that fills this buffer from its start, up to its length: with `write!` (it is a
    /// [`core::fmt::Write`]) or, with the feature `embedded-io` (or `embedded-io-06`), as an
    /// `embedded_io::Write`. [`PoolBytesWriter::into_bytes`] gives the buffer back, cut to what was
    /// written.
    ///
    /// The room is the buffer's length, [`alloc_bytes`](BytePool::alloc_bytes)'s `len` (its block may be
    /// larger: [`resize`](PoolBytes::resize) the buffer to [`capacity`](PoolBytes::capacity) first to use
    /// all of it).
    ///
    /// ```
    /// use core::fmt::Write;
    /// use blockpool::pools;
    ///
    /// pools! {
    ///     pub Lines(classes = [(64, 4)]);
    /// }
    ///
    /// fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     let mut line = Lines::alloc_bytes(64)?.into_writer();
    ///     write!(line, "t={} ms, {:.1} V", 1500, 3.3)?;
    ///     assert_eq!(line.written(), b"t=1500 ms, 3.3 V");
    ///     let line = line.into_bytes(); // a `PoolBytes` of the 16 bytes written
    ///     assert_eq!(line.len(), 16);
    ///     Ok(())
    /// }
    /// ```
    pub fn into_writer(self) -> PoolBytesWriter<P> {
        PoolBytesWriter {
            bytes: self,
            written: 0,
        }
    }

    /// A reader of this buffer's bytes, from its start to its length: with the feature `embedded-io` (or
    /// `embedded-io-06`), an `embedded_io::Read` and `BufRead` that reaches end-of-file (`Ok(0)`) after
    /// the last byte.
    ///
    /// ```
    /// use blockpool::{pools, PoolError};
    ///
    /// pools! {
    ///     pub Frames(classes = [(32, 2)]);
    /// }
    ///
    /// fn main() -> Result<(), PoolError> {
    ///     let mut frame = Frames::alloc_bytes(4)?;
    ///     frame.copy_from_slice(b"ping");
    ///     let reader = frame.into_reader();
    ///     assert_eq!(reader.remaining(), b"ping");
    ///     let frame = reader.into_inner(); // the whole buffer again
    ///     assert_eq!(&*frame, b"ping");
    ///     Ok(())
    /// }
    /// ```
    pub fn into_reader(self) -> PoolBytesReader<P> {
        PoolBytesReader {
            bytes: self,
            read: 0,
        }
    }
}

/// Fills a [`PoolBytes`] from its start and counts what it wrote; made by [`PoolBytes::into_writer`].
///
/// - [`core::fmt::Write`]: each `write_str` writes its whole string or, if the rest of the buffer is too
///   short, nothing and returns `Err(fmt::Error)`; so the bytes written are always whole strings (valid
///   UTF-8 when only `write!` wrote them).
/// - `embedded_io::Write` (feature `embedded-io` for 0.7, `embedded-io-06` for 0.6): `write` writes as
///   much as fits and, once the buffer is full, returns [`BufferFull`] (kind `WriteZero`) for a
///   non-empty `buf`, never `Ok(0)` (the trait's contract; its `write_all` panics on `Ok(0)`);
///   `write_all` writes all of `buf` or, if it does not fit, nothing; `flush` does nothing. Also
///   `WriteReady`, always ready.
///
/// No input panics.
pub struct PoolBytesWriter<P: BytePool> {
    bytes: PoolBytes<P>,
    /// Bytes written from the start: at most `bytes.len()`.
    written: usize,
}

impl<P: BytePool> PoolBytesWriter<P> {
    /// The bytes written so far.
    pub fn written(&self) -> &[u8] {
        self.bytes.get(..self.written).unwrap_or_default()
    }

    /// How many more bytes fit.
    pub fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.written)
    }

    /// Whether no more bytes fit.
    pub fn is_full(&self) -> bool {
        self.remaining() == 0
    }

    /// The buffer, cut to the bytes written (empty if none were; its block stays the same, so
    /// [`resize`](PoolBytes::resize) can lengthen it again).
    pub fn into_bytes(self) -> PoolBytes<P> {
        let mut bytes = self.bytes;
        bytes.truncate(self.written);
        bytes
    }

    /// The whole buffer, its length unchanged: the bytes written, then the ones that were there before.
    pub fn into_inner(self) -> PoolBytes<P> {
        self.bytes
    }

    /// Copies as much of `data` as fits after the bytes written; returns how much.
    fn put(&mut self, data: &[u8]) -> usize {
        let start = self.written;
        let Some(room) = self.bytes.get_mut(start..) else {
            return 0;
        };
        let count = data.len().min(room.len());
        if let (Some(to), Some(from)) = (room.get_mut(..count), data.get(..count)) {
            to.copy_from_slice(from);
            self.written = start + count;
            count
        } else {
            0
        }
    }

    /// Copies all of `data` if it fits, else nothing.
    fn put_all(&mut self, data: &[u8]) -> Result<(), BufferFull> {
        if data.len() > self.remaining() {
            return Err(BufferFull);
        }
        self.put(data);
        Ok(())
    }
}

impl<P: BytePool> fmt::Write for PoolBytesWriter<P> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.put_all(s.as_bytes()).map_err(|BufferFull| fmt::Error)
    }
}

impl<P: BytePool> fmt::Debug for PoolBytesWriter<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolBytesWriter")
            .field("written", &self.written())
            .field("remaining", &self.remaining())
            .finish()
    }
}

/// Reads a [`PoolBytes`] from its start to its length; made by [`PoolBytes::into_reader`].
///
/// With the feature `embedded-io` (0.7) or `embedded-io-06` (0.6): `embedded_io::Read` (copies as much
/// as fits, `Ok(0)` at the end: end-of-file), `BufRead` (`fill_buf` is the rest of the buffer; `consume`
/// past its end stops at the end) and `ReadReady` (always ready). The error type is
/// [`Infallible`](core::convert::Infallible). No input panics.
pub struct PoolBytesReader<P: BytePool> {
    bytes: PoolBytes<P>,
    /// Bytes read from the start: at most `bytes.len()`.
    read: usize,
}

impl<P: BytePool> PoolBytesReader<P> {
    /// The bytes not read yet.
    pub fn remaining(&self) -> &[u8] {
        self.bytes.get(self.read..).unwrap_or_default()
    }

    /// The whole buffer, including the bytes already read.
    pub fn into_inner(self) -> PoolBytes<P> {
        self.bytes
    }

    /// Copies as many unread bytes as fit into `buf`; returns how many.
    #[cfg_attr(
        not(any(feature = "embedded-io", feature = "embedded-io-06")),
        allow(dead_code)
    )]
    fn take(&mut self, buf: &mut [u8]) -> usize {
        let rest = self.remaining();
        let count = buf.len().min(rest.len());
        if let (Some(to), Some(from)) = (buf.get_mut(..count), rest.get(..count)) {
            to.copy_from_slice(from);
            self.read += count;
            count
        } else {
            0
        }
    }

    /// Marks `count` more bytes read, stopping at the end.
    #[cfg_attr(
        not(any(feature = "embedded-io", feature = "embedded-io-06")),
        allow(dead_code)
    )]
    fn skip(&mut self, count: usize) {
        self.read = self.read.saturating_add(count).min(self.bytes.len());
    }
}

impl<P: BytePool> fmt::Debug for PoolBytesReader<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolBytesReader")
            .field("remaining", &self.remaining())
            .finish()
    }
}

/// A [`PoolBytesWriter`] has no room for the bytes it was given. Its `embedded_io::Error` kind is
/// `WriteZero`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BufferFull;

impl fmt::Display for BufferFull {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the buffer is full")
    }
}

impl core::error::Error for BufferFull {}

/// embedded-io's traits for the writer and the reader, for the embedded-io crate at `$io` (0.7 and 0.6
/// have the same traits and contracts here; 0.7's `Error` also requires `core::error::Error`).
#[cfg(any(feature = "embedded-io", feature = "embedded-io-06"))]
macro_rules! embedded_io_impls {
    ($io:ident) => {
        impl $io::Error for BufferFull {
            fn kind(&self) -> $io::ErrorKind {
                $io::ErrorKind::WriteZero
            }
        }

        impl<P: BytePool> $io::ErrorType for PoolBytesWriter<P> {
            type Error = BufferFull;
        }

        impl<P: BytePool> $io::Write for PoolBytesWriter<P> {
            fn write(&mut self, buf: &[u8]) -> Result<usize, BufferFull> {
                match self.put(buf) {
                    // `Ok(0)` only for an empty `buf`: the trait forbids it otherwise.
                    0 if !buf.is_empty() => Err(BufferFull),
                    written => Ok(written),
                }
            }

            fn flush(&mut self) -> Result<(), BufferFull> {
                Ok(())
            }

            fn write_all(&mut self, buf: &[u8]) -> Result<(), BufferFull> {
                self.put_all(buf)
            }
        }

        impl<P: BytePool> $io::WriteReady for PoolBytesWriter<P> {
            fn write_ready(&mut self) -> Result<bool, BufferFull> {
                // `write` never blocks: it writes or returns `BufferFull` at once.
                Ok(true)
            }
        }

        impl<P: BytePool> $io::ErrorType for PoolBytesReader<P> {
            type Error = core::convert::Infallible;
        }

        impl<P: BytePool> $io::Read for PoolBytesReader<P> {
            fn read(&mut self, buf: &mut [u8]) -> Result<usize, core::convert::Infallible> {
                Ok(self.take(buf))
            }
        }

        impl<P: BytePool> $io::BufRead for PoolBytesReader<P> {
            fn fill_buf(&mut self) -> Result<&[u8], core::convert::Infallible> {
                Ok(self.remaining())
            }

            fn consume(&mut self, amt: usize) {
                self.skip(amt);
            }
        }

        impl<P: BytePool> $io::ReadReady for PoolBytesReader<P> {
            fn read_ready(&mut self) -> Result<bool, core::convert::Infallible> {
                Ok(true)
            }
        }
    };
}

#[cfg(feature = "embedded-io")]
embedded_io_impls!(embedded_io);
#[cfg(feature = "embedded-io-06")]
embedded_io_impls!(embedded_io_06);
