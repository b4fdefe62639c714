//! `PoolBytesWriter` and `PoolBytesReader`: `core::fmt::Write` (`write!`), and embedded-io's `Write`,
//! `WriteReady`, `Read`, `BufRead`, `ReadReady` in both versions blockpool supports (0.7 with the feature
//! `embedded-io`, 0.6 with `embedded-io-06`; switched on for the tests through the dev-dependency on
//! pool-runtime). Each trait's contract at the edges: a full buffer, an empty `buf`, end-of-file. Random
//! sequences of writes are checked against embedded-io's own `&mut [u8]` writer and never panic.
//!
//! Tests run in parallel, so each test has a pool of its own.

use core::fmt::Write as _;

use blockpool::{BufferFull, PoolBytesReader, PoolBytesWriter, pools};
use proptest::prelude::*;
use static_assertions::assert_impl_all;

pools! {
    pub Format(classes = [(32, 1)]);
    pub FormatFull(classes = [(16, 1)]);
    pub Room(classes = [(64, 1)]);
    pub Cut(classes = [(32, 1)]);
    pub Io07Write(classes = [(16, 1)]);
    pub Io07WriteAll(classes = [(16, 1)]);
    pub Io07Read(classes = [(16, 1)]);
    pub Io07ReadExact(classes = [(16, 1)]);
    pub Io07Driver(classes = [(64, 1)]);
    pub Io06Write(classes = [(16, 1)]);
    pub Io06WriteAll(classes = [(16, 1)]);
    pub Io06Read(classes = [(16, 1)]);
    pub Io06ReadExact(classes = [(16, 1)]);
    pub Io06Driver(classes = [(64, 1)]);
    pub Model(classes = [(64, 1)]);
    pub FmtModel(classes = [(64, 1)]);
    pub ReadModel(classes = [(64, 1)]);
}

// Like the `PoolBytes` inside them: a driver task on another thread or core can own one.
assert_impl_all!(PoolBytesWriter<Format>: Send, Sync);
assert_impl_all!(PoolBytesReader<Format>: Send, Sync);

#[test]
fn write_macro_fills_the_buffer_from_its_start() {
    let mut line = Format::alloc_bytes(32).unwrap().into_writer();
    assert_eq!(line.written(), b"");
    assert_eq!(line.remaining(), 32);
    let (name, value) = ("id", 0xbeef_u16);
    write!(line, "{name}-{value:04x}").unwrap();
    line.write_char('é').unwrap();
    assert_eq!(line.written(), "id-beefé".as_bytes());
    assert_eq!(line.remaining(), 32 - 9);
    let bytes = line.into_bytes();
    assert_eq!(&*bytes, "id-beefé".as_bytes());
    drop(bytes);
    assert_eq!(Format::stats().used, 0);
}

#[test]
fn a_string_that_does_not_fit_writes_nothing() {
    let mut line = FormatFull::alloc_bytes(16).unwrap().into_writer();
    write!(line, "0123456789").unwrap();
    // 10 + 7 > 16: `write!` fails, and the piece that did not fit is not written at all.
    let seven = "abcdefg";
    assert!(write!(line, "{seven}").is_err());
    assert_eq!(line.written(), b"0123456789");
    // A multi-byte character is never split.
    write!(line, "abcde").unwrap();
    assert!(line.write_char('é').is_err());
    line.write_char('!').unwrap();
    assert!(line.is_full());
    assert!(line.write_str("x").is_err());
    line.write_str("").unwrap(); // nothing to write always fits
    assert_eq!(line.written(), b"0123456789abcde!");
    assert!(std::str::from_utf8(line.written()).is_ok());
}

#[test]
fn the_room_is_the_length_not_the_block() {
    let mut bytes = Room::alloc_bytes(10).unwrap();
    assert_eq!(bytes.capacity(), 64);
    bytes.fill(b'.');
    let mut writer = bytes.into_writer();
    assert_eq!(writer.remaining(), 10);
    assert!(write!(writer, "{}", "x".repeat(11)).is_err());
    write!(writer, "abc").unwrap();
    // `into_inner` keeps the length: the bytes written, then those that were there.
    let mut bytes = writer.into_inner();
    assert_eq!(&*bytes, b"abc.......");
    // Resized to the block's capacity, the writer has the whole block.
    bytes.resize(bytes.capacity()).unwrap();
    assert_eq!(bytes.into_writer().remaining(), 64);
}

#[test]
fn into_bytes_cuts_to_what_was_written_and_resize_lengthens_again() {
    let writer = Cut::alloc_bytes(32).unwrap().into_writer();
    let mut empty = writer.into_bytes();
    assert!(empty.is_empty());
    assert_eq!(empty.capacity(), 32);
    empty.resize(4).unwrap();
    assert_eq!(&*empty, &[0; 4]); // new bytes are zero, as for every resize
    let mut writer = empty.into_writer();
    write!(writer, "ab").unwrap();
    assert_eq!(
        format!("{writer:?}"),
        "PoolBytesWriter { written: [97, 98], remaining: 2 }"
    );
    let reader = writer.into_bytes().into_reader();
    assert_eq!(
        format!("{reader:?}"),
        "PoolBytesReader { remaining: [97, 98] }"
    );
    assert_eq!(&*reader.into_inner(), b"ab");
}

#[test]
fn buffer_full_says_so() {
    assert_eq!(BufferFull.to_string(), "the buffer is full");
    let error: &dyn std::error::Error = &BufferFull;
    assert!(error.source().is_none());
}

/// The same tests for embedded-io 0.7 and 0.6: their traits and contracts agree here.
macro_rules! embedded_io_tests {
    (
        $version:ident,
        $io:ident,
        [$write_pool:ident, $write_all_pool:ident, $read_pool:ident, $read_exact_pool:ident, $driver_pool:ident]
    ) => {
        mod $version {
            use $io::{BufRead, ErrorKind, Read, ReadExactError, ReadReady, Write, WriteReady};
            use $io::{Error as _, ErrorType};

            // Not `super::*`: that would bring `core::fmt::Write` too, and `write!` would be ambiguous.
            use super::{$driver_pool, $read_exact_pool, $read_pool, $write_all_pool, $write_pool};
            use blockpool::{BufferFull, PoolBytesReader, PoolBytesWriter};

            // The writer's error is `BufferFull`, the reader's `Infallible`.
            static_assertions::assert_type_eq_all!(
                <PoolBytesWriter<$write_pool> as ErrorType>::Error,
                BufferFull
            );
            static_assertions::assert_type_eq_all!(
                <PoolBytesReader<$read_pool> as ErrorType>::Error,
                core::convert::Infallible
            );

            #[test]
            fn write_takes_what_fits_then_reports_write_zero() {
                let mut w = $write_pool::alloc_bytes(16).unwrap().into_writer();
                assert_eq!(w.write_ready(), Ok(true));
                assert_eq!(w.write(b"0123456789"), Ok(10));
                // Only 6 fit: a short write, as the trait allows.
                assert_eq!(w.write(b"abcdefgh"), Ok(6));
                assert!(w.is_full());
                // Full: an error of kind `WriteZero`, never `Ok(0)`, for a non-empty `buf`...
                assert_eq!(w.write(b"x"), Err(BufferFull));
                assert_eq!(BufferFull.kind(), ErrorKind::WriteZero);
                // ...and `Ok(0)` for an empty one, full or not.
                assert_eq!(w.write(b""), Ok(0));
                assert_eq!(w.write_all(b""), Ok(()));
                assert_eq!(w.flush(), Ok(()));
                assert_eq!(w.write_ready(), Ok(true));
                assert_eq!(w.written(), b"0123456789abcdef");
            }

            #[test]
            fn write_all_writes_everything_or_nothing() {
                let mut w = $write_all_pool::alloc_bytes(16).unwrap().into_writer();
                assert_eq!(w.write_all(b"0123456789"), Ok(()));
                assert_eq!(w.write_all(b"abcdefg"), Err(BufferFull));
                assert_eq!(w.written(), b"0123456789");
                assert_eq!(w.write_all(b"abcdef"), Ok(()));
                assert_eq!(w.written(), b"0123456789abcdef");
                // embedded-io's `write!` goes through `write_all`.
                assert!(write!(w, "{}", 1).is_err());
                let mut w = w.into_bytes();
                w.resize(16).unwrap();
                let mut w = w.into_writer();
                assert!(write!(w, "{}+{}={}", 2, 2, 4).is_ok());
                assert_eq!(w.written(), b"2+2=4");
            }

            #[test]
            fn read_copies_then_reaches_end_of_file() {
                let mut bytes = $read_pool::alloc_bytes(10).unwrap();
                bytes.copy_from_slice(b"0123456789");
                let mut r = bytes.into_reader();
                assert_eq!(r.read_ready(), Ok(true));
                let mut four = [0; 4];
                assert_eq!(r.read(&mut four), Ok(4));
                assert_eq!(&four, b"0123");
                assert_eq!(r.read(&mut []), Ok(0)); // an empty `buf` is not end-of-file
                assert_eq!(r.fill_buf(), Ok(&b"456789"[..]));
                r.consume(2);
                let mut big = [0; 16];
                assert_eq!(r.read(&mut big), Ok(4));
                assert_eq!(&big[..4], b"6789");
                assert_eq!(r.read(&mut big), Ok(0)); // end-of-file
                assert_eq!(r.fill_buf(), Ok(&b""[..]));
                r.consume(usize::MAX); // past the end: stays at the end
                assert_eq!(r.remaining(), b"");
                assert_eq!(r.read_ready(), Ok(true));
                assert_eq!(&*r.into_inner(), b"0123456789");
            }

            #[test]
            fn read_exact_and_unexpected_eof() {
                let mut bytes = $read_exact_pool::alloc_bytes(6).unwrap();
                bytes.copy_from_slice(b"abcdef");
                let mut r = bytes.into_reader();
                let mut three = [0; 3];
                assert_eq!(r.read_exact(&mut three), Ok(()));
                assert_eq!(&three, b"abc");
                let mut four = [0; 4];
                assert_eq!(r.read_exact(&mut four), Err(ReadExactError::UnexpectedEof));
            }

            /// A driver written against embedded-io only, as a HAL or protocol crate would be.
            fn send_command<W: Write>(out: &mut W, id: u8, payload: &[u8]) -> Result<(), W::Error> {
                out.write_all(b"AT+SEND=")?;
                out.write_all(&[b'0' + id, b','])?;
                out.write_all(payload)?;
                out.write_all(b"\r\n")?;
                out.flush()
            }

            /// A parser written against embedded-io only.
            fn read_line<R: BufRead>(input: &mut R, line: &mut [u8]) -> Result<usize, R::Error> {
                let mut len = 0;
                loop {
                    let available = input.fill_buf()?;
                    let Some(&byte) = available.first() else {
                        return Ok(len);
                    };
                    input.consume(1);
                    if byte == b'\n' || len == line.len() {
                        return Ok(len);
                    }
                    line[len] = byte;
                    len += 1;
                }
            }

            #[test]
            fn drivers_written_for_embedded_io_use_pool_buffers() {
                let mut out = $driver_pool::alloc_bytes(64).unwrap().into_writer();
                send_command(&mut out, 3, b"hello").unwrap();
                send_command(&mut out, 4, b"world").unwrap();
                let sent = out.into_bytes();
                assert_eq!(&*sent, b"AT+SEND=3,hello\r\nAT+SEND=4,world\r\n");

                let mut input = sent.into_reader();
                let mut line = [0; 32];
                let len = read_line(&mut input, &mut line).unwrap();
                assert_eq!(&line[..len], b"AT+SEND=3,hello\r");
                let len = read_line(&mut input, &mut line).unwrap();
                assert_eq!(&line[..len], b"AT+SEND=4,world\r");
                assert_eq!(read_line(&mut input, &mut line), Ok(0));

                let mut small = input.into_inner();
                small.resize(8).unwrap();
                let mut out = small.into_writer();
                assert_eq!(send_command(&mut out, 1, b"x"), Err(BufferFull));
                assert_eq!(out.written(), b"AT+SEND=");
            }
        }
    };
}

embedded_io_tests!(
    io_07,
    embedded_io,
    [Io07Write, Io07WriteAll, Io07Read, Io07ReadExact, Io07Driver]
);
embedded_io_tests!(
    io_06,
    embedded_io_06,
    [Io06Write, Io06WriteAll, Io06Read, Io06ReadExact, Io06Driver]
);

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: if cfg!(miri) { 4 } else { 256 },
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    /// Any sequence of `write` / `write_all` calls does what embedded-io's own writer into a `&mut [u8]` of
    /// the same length does (same results, same bytes), and never panics.
    #[test]
    fn writes_match_embedded_io_slice_writer(
        len in 1usize..=64,
        calls in prop::collection::vec((any::<bool>(), prop::collection::vec(any::<u8>(), 0..24)), 0..12),
    ) {
        use embedded_io::Write;
        let mut writer = Model::alloc_bytes(len).unwrap().into_writer();
        let mut model_buf = vec![0u8; len];
        let mut model: &mut [u8] = &mut model_buf;
        for (all, data) in &calls {
            if *all {
                prop_assert_eq!(writer.write_all(data).is_ok(), model.write_all(data).is_ok());
            } else {
                prop_assert_eq!(writer.write(data).ok(), model.write(data).ok());
            }
        }
        let written = len - model.len();
        prop_assert_eq!(writer.written(), &model_buf[..written]);
        prop_assert_eq!(writer.remaining(), len - written);
    }

    /// Any sequence of `write_str` calls writes exactly the strings that fit whole, in order.
    #[test]
    fn write_str_writes_whole_strings(
        len in 1usize..=64,
        strings in prop::collection::vec(".{0,12}", 0..12),
    ) {
        let mut writer = FmtModel::alloc_bytes(len).unwrap().into_writer();
        let mut expected = String::new();
        for s in &strings {
            let fits = expected.len() + s.len() <= len;
            prop_assert_eq!(writer.write_str(s).is_ok(), fits);
            if fits {
                expected.push_str(s);
            }
        }
        prop_assert_eq!(writer.written(), expected.as_bytes());
    }

    /// Any sequence of reads and consumes returns the buffer's bytes in order, then end-of-file.
    #[test]
    fn reads_return_the_bytes_in_order(
        data in prop::collection::vec(any::<u8>(), 1..=64),
        steps in prop::collection::vec((any::<bool>(), 0usize..80), 0..16),
    ) {
        use embedded_io::{BufRead, Read};
        let mut bytes = ReadModel::alloc_bytes(data.len()).unwrap();
        bytes.copy_from_slice(&data);
        let mut reader = bytes.into_reader();
        let mut position = 0;
        for (consume, n) in steps {
            if consume {
                reader.consume(n);
                position = (position + n).min(data.len());
            } else {
                let mut buf = vec![0; n];
                let got = reader.read(&mut buf).unwrap();
                prop_assert_eq!(got, n.min(data.len() - position));
                prop_assert_eq!(&buf[..got], &data[position..position + got]);
                position += got;
            }
            prop_assert_eq!(reader.remaining(), &data[position..]);
        }
    }
}
