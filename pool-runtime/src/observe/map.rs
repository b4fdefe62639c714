//! The memory map of a `pools!` block: what each pool costs, for printing at boot and for the compile-time
//! RAM budget.

use core::fmt;

/// What kind of pool a [`PoolInfo`] describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PoolKind {
    /// A pool of typed items (`type = T`).
    Typed,
    /// A pool of typed items with reference counters (`refcount`).
    Shared,
    /// One size class of a byte pool (`classes = [...]`).
    Bytes,
    /// An arena (`arena = N`).
    Arena,
    /// A fallback chain of other pools (`chain = [..]`): its blocks are its members', so its row counts
    /// only its own counter.
    Chain,
}

impl PoolKind {
    /// A short lowercase name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Typed => "typed",
            Self::Shared => "shared",
            Self::Bytes => "bytes",
            Self::Arena => "arena",
            Self::Chain => "chain",
        }
    }
}

/// One line of a memory map: a pool (or one class of a byte pool) and the static memory it takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PoolInfo {
    /// The pool's name.
    pub name: &'static str,
    /// What kind of pool it is.
    pub kind: PoolKind,
    /// Bytes per block (for an arena: its size).
    pub block_size: usize,
    /// Number of blocks (1 for an arena).
    pub count: usize,
    /// Bytes of static memory in all: blocks, metadata and counters.
    pub bytes: usize,
}

/// The memory map of a `pools!` block, generated as a `const` (`MEMORY_MAP` unless renamed with
/// `map = NAME;`). `Display` prints a table; iterate [`MemoryMap::pools`] for anything else.
///
/// It counts each pool's one mutable `static` (what the RAM budget is about). A byte pool also has a
/// read-only table of its classes, two words per class (a reference and its vtable pointer), which the
/// map leaves out: it is constant data, in flash on a statically linked firmware (`.rodata`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MemoryMap {
    /// One entry per pool, or per class of a byte pool, in declaration order.
    pub pools: &'static [PoolInfo],
}

impl MemoryMap {
    /// A map of `pools`.
    pub const fn new(pools: &'static [PoolInfo]) -> Self {
        Self { pools }
    }

    /// The static memory of all pools, in bytes; `usize::MAX` if the sum does not fit a `usize` (it never
    /// panics, also for rows built by hand; `Display` prints this total).
    pub const fn total_bytes(&self) -> usize {
        total_bytes(self.pools)
    }
}

impl fmt::Display for MemoryMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<20} {:<7} {:>10} {:>7} {:>10}",
            "pool", "kind", "block", "count", "bytes"
        )?;
        for pool in self.pools {
            writeln!(
                f,
                "{:<20} {:<7} {:>10} {:>7} {:>10}",
                pool.name,
                pool.kind.as_str(),
                pool.block_size,
                pool.count,
                pool.bytes
            )?;
        }
        write!(
            f,
            "{:<20} {:<7} {:>10} {:>7} {:>10}",
            "total",
            "",
            "",
            "",
            self.total_bytes()
        )
    }
}

/// The static memory of `pools`, in bytes (`usize::MAX` if the sum does not fit a `usize`, which only a
/// 16- or 32-bit target can see; [`total_bytes_u64`] is exact).
pub const fn total_bytes(pools: &[PoolInfo]) -> usize {
    let total = total_bytes_u64(pools);
    if total > usize::MAX as u64 {
        usize::MAX
    } else {
        total as usize
    }
}

/// The static memory of `pools`, in bytes, exact on every target (a sum of `usize`s never overflows a
/// `u64` for fewer than 2³² pools).
pub const fn total_bytes_u64(pools: &[PoolInfo]) -> u64 {
    let mut total: u64 = 0;
    let mut i = 0;
    while i < pools.len() {
        total = total.saturating_add(pools[i].bytes as u64);
        i += 1;
    }
    total
}

/// How many rows `parts` hold together (for the length of [`concat_rows`]'s array).
pub const fn rows_len(parts: &[&[PoolInfo]]) -> usize {
    let mut len = 0;
    let mut i = 0;
    while i < parts.len() {
        len += parts[i].len();
        i += 1;
    }
    len
}

/// The rows of `parts`, one after the other; `N` is [`rows_len`] of `parts`.
pub const fn concat_rows<const N: usize>(parts: &[&[PoolInfo]]) -> [PoolInfo; N] {
    const EMPTY: PoolInfo = PoolInfo {
        name: "",
        kind: PoolKind::Typed,
        block_size: 0,
        count: 0,
        bytes: 0,
    };
    let mut rows = [EMPTY; N];
    let mut next = 0;
    let mut part = 0;
    while part < parts.len() {
        let mut row = 0;
        while row < parts[part].len() && next < N {
            rows[next] = parts[part][row];
            next += 1;
            row += 1;
        }
        part += 1;
    }
    rows
}

/// A message built at compile time (const panics can only print a `&str`).
pub struct ConstText {
    bytes: [u8; 2048],
    len: usize,
}

impl ConstText {
    const fn new() -> Self {
        Self {
            bytes: [0; 2048],
            len: 0,
        }
    }

    const fn push_str(mut self, text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() && self.len < self.bytes.len() {
            self.bytes[self.len] = bytes[i];
            self.len += 1;
            i += 1;
        }
        self
    }

    const fn push_number(mut self, mut n: u64) -> Self {
        let mut digits = [0u8; 20];
        let mut count = 0;
        loop {
            digits[count] = b'0' + (n % 10) as u8;
            count += 1;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        while count > 0 && self.len < self.bytes.len() {
            count -= 1;
            self.bytes[self.len] = digits[count];
            self.len += 1;
        }
        self
    }

    /// The text. Truncation can only cut after a whole ASCII character, so this is always valid UTF-8
    /// unless a pool name with non-ASCII characters was cut; then it is shortened to the valid part.
    pub const fn as_str(&self) -> &str {
        let (mut text, _) = self.bytes.split_at(self.len);
        loop {
            match core::str::from_utf8(text) {
                Ok(valid) => return valid,
                Err(error) => text = text.split_at(error.valid_up_to()).0,
            }
        }
    }
}

/// The compile error of an exceeded `budget`: the total, the budget, and every pool's bytes.
pub const fn budget_report(pools: &[PoolInfo], budget: u64, written: &str) -> ConstText {
    let mut text = ConstText::new()
        .push_str("the pools! block needs ")
        .push_number(total_bytes_u64(pools))
        .push_str(" bytes of static memory, over its budget of ")
        .push_number(budget)
        .push_str(" bytes (")
        .push_str(written)
        .push_str("):");
    let mut i = 0;
    while i < pools.len() {
        text = text
            .push_str("\n    ")
            .push_str(pools[i].name)
            .push_str(" (")
            .push_str(pools[i].kind.as_str())
            .push_str(", ")
            .push_number(pools[i].count as u64)
            .push_str(" x ")
            .push_number(pools[i].block_size as u64)
            .push_str(" B): ")
            .push_number(pools[i].bytes as u64)
            .push_str(" bytes");
        i += 1;
    }
    text.push_str("\nshrink or remove pools, or raise `budget`")
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    const POOLS: &[PoolInfo] = &[
        PoolInfo {
            name: "MsgPool",
            kind: PoolKind::Typed,
            block_size: 64,
            count: 20,
            bytes: 1384,
        },
        PoolInfo {
            name: "Scratch",
            kind: PoolKind::Arena,
            block_size: 4096,
            count: 1,
            bytes: 4112,
        },
    ];

    #[test]
    fn the_budget_report_lists_every_pool_and_the_total() {
        let report = budget_report(POOLS, 4096, "4 KiB");
        let text = report.as_str();
        assert!(text.starts_with("the pools! block needs 5496 bytes of static memory, over its budget of 4096 bytes (4 KiB)"));
        assert!(text.contains("MsgPool (typed, 20 x 64 B): 1384 bytes"));
        assert!(text.contains("Scratch (arena, 1 x 4096 B): 4112 bytes"));
        assert_eq!(MemoryMap::new(POOLS).total_bytes(), 5496);
    }

    #[test]
    fn totals_past_usize_are_exact_in_u64_and_saturate_in_usize() {
        // Past `usize::MAX` on a 32-bit target (Miri runs these tests on one); exact on 64-bit.
        let big = u32::MAX as usize;
        let huge = [PoolInfo {
            bytes: big,
            ..POOLS[0]
        }; 3];
        let exact = 3 * u64::from(u32::MAX);
        assert_eq!(total_bytes_u64(&huge), exact);
        let expected = usize::try_from(exact).unwrap_or(usize::MAX);
        assert_eq!(total_bytes(&huge), expected, "no overflow panic in a const");
        let report = budget_report(&huge, 1 << 32, "4 GiB");
        assert!(
            report
                .as_str()
                .contains(&std::format!("needs {exact} bytes"))
        );
    }

    #[test]
    fn numbers_print_in_decimal() {
        assert_eq!(ConstText::new().push_number(0).as_str(), "0");
        assert_eq!(
            ConstText::new().push_number(1_234_567_890).as_str(),
            "1234567890"
        );
    }
}
