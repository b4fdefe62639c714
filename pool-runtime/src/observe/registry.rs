//! The registry of every pool in the program (feature `registry`): one entry per pool declared with
//! `#[memory_pool]` or in `pools!`, in any crate, gathered at link time into one linker section by
//! `linkme`'s distributed slice, with a stable 32-bit id for each.

use core::fmt;

use crate::arena::{ArenaPool, ArenaStats};
use crate::bytes::BytePool;
use crate::map::PoolKind;
use crate::pool::StaticPool;
use crate::raw::RawPool;
use crate::stats::PoolStats;

/// A pool's stable id: the 32-bit FNV-1a hash of its module path, `::` and its name, as in
/// `pool_id("firmware::radio", "FramePool")`. Computed at compile time for every pool; the same on every
/// build, target and compiler, since it depends only on where the pool is declared and what it is called.
/// (Two pools can share an id only by a hash collision; `Registry::by_id` then finds the first.)
///
/// ```
/// assert_eq!(blockpool::pool_id("app", "MsgPool"), blockpool::pool_id("app", "MsgPool"));
/// assert_ne!(blockpool::pool_id("app", "MsgPool"), blockpool::pool_id("app::radio", "MsgPool"));
/// ```
pub const fn pool_id(module_path: &str, name: &str) -> u32 {
    const BASIS: u32 = 0x811c_9dc5;
    let hash = fnv1a(BASIS, module_path.as_bytes());
    let hash = fnv1a(hash, b"::");
    fnv1a(hash, name.as_bytes())
}

/// FNV-1a over `bytes`, from `hash`.
const fn fnv1a(mut hash: u32, bytes: &[u8]) -> u32 {
    const PRIME: u32 = 0x0100_0193;
    let mut at = 0;
    while at < bytes.len() {
        hash ^= bytes[at] as u32;
        hash = hash.wrapping_mul(PRIME);
        at += 1;
    }
    hash
}

/// What every entry refers to on bare metal with the feature `registry` (G2): a symbol that only the linker
/// script `blockpool-registry.x` defines. The entries stay in flash only with that script; without it they
/// would sit in RAM with nothing to load them from, so every entry refers to the symbol and a program
/// that has any entry fails to link without the script, the symbol's name saying what is missing,
/// whichever way it reads the entries (review round 11: a guard in `registry()` alone could be bypassed
/// through the linker section's own static). Elsewhere it is empty.
#[derive(Clone, Copy)]
struct ScriptRef {
    #[cfg(all(feature = "registry", target_os = "none"))]
    _symbol: *const u8,
}

#[cfg(all(feature = "registry", target_os = "none"))]
unsafe extern "C" {
    static blockpool_registry_needs_linker_script__Tblockpool_registry_x: u8;
}

impl ScriptRef {
    const fn new() -> Self {
        Self {
            // Only the address: the relocation is what makes the linker resolve the symbol; it is never
            // read.
            #[cfg(all(feature = "registry", target_os = "none"))]
            _symbol: &raw const blockpool_registry_needs_linker_script__Tblockpool_registry_x,
        }
    }
}

// SAFETY: [G2] the pointer is never dereferenced (nothing reads the field); sharing it shares nothing.
unsafe impl Sync for ScriptRef {}
// SAFETY: [G2] as for `Sync`.
unsafe impl Send for ScriptRef {}

/// A pool's live counters, as its kind keeps them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryStats {
    /// A typed pool, or a byte pool (all its classes added up).
    Blocks(PoolStats),
    /// An arena.
    Arena(ArenaStats),
}

impl fmt::Display for EntryStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Blocks(stats) => fmt::Display::fmt(stats, f),
            Self::Arena(stats) => write!(
                f,
                "{}/{} bytes in the scope now, high water {}, {} scopes, {} failures",
                stats.used, stats.capacity, stats.high_water, stats.scopes, stats.failures
            ),
        }
    }
}

/// One pool in the registry (`registry()`, feature `registry`): where it is declared, what it holds, and how to read it.
pub struct PoolEntry {
    name: &'static str,
    module_path: &'static str,
    kind: PoolKind,
    id: u32,
    block_size: usize,
    capacity: usize,
    stats: fn() -> EntryStats,
    dump: fn(&mut fmt::Formatter<'_>) -> fmt::Result,
    holders: fn(&mut fmt::Formatter<'_>) -> fmt::Result,
    raw: Option<&'static (dyn RawPool + Sync)>,
    _script: ScriptRef,
}

/// `N/M in use: .. at ..` for typed pool `P` (its sites with `track_callers`).
fn typed_holders<P: StaticPool>(f: &mut fmt::Formatter<'_>) -> fmt::Result {
    fmt::Display::fmt(&P::holder_sites(), f)
}

/// `N/M in use` for an arena (bytes of the scope now), or a byte pool's blocks.
fn counted(stats: EntryStats, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match stats {
        EntryStats::Blocks(stats) => write!(f, "{}/{} in use", stats.used, stats.capacity),
        EntryStats::Arena(stats) => write!(f, "{}/{} bytes in use", stats.used, stats.capacity),
    }
}

impl PoolEntry {
    /// The entry of typed pool `P` (the value of its pool type), declared in `module_path`.
    #[doc(hidden)]
    pub const fn typed<P: StaticPool + RawPool + Sync>(
        pool: &'static P,
        module_path: &'static str,
        shared: bool,
    ) -> Self {
        Self {
            name: P::NAME,
            module_path,
            kind: if shared {
                PoolKind::Shared
            } else {
                PoolKind::Typed
            },
            id: pool_id(module_path, P::NAME),
            block_size: core::mem::size_of::<P::Item>(),
            capacity: P::CAPACITY,
            stats: || EntryStats::Blocks(<P as StaticPool>::stats()),
            dump: crate::dump::fmt_pool::<P>,
            holders: typed_holders::<P>,
            raw: Some(pool),
            _script: ScriptRef::new(),
        }
    }

    /// The entry of fallback chain `P` (`chain = [..]`), declared in `module_path`: its capacity is its
    /// members' together, its counters theirs added up (the members have entries of their own).
    #[doc(hidden)]
    pub const fn chain<P: StaticPool + RawPool + Sync>(
        pool: &'static P,
        module_path: &'static str,
    ) -> Self {
        Self {
            kind: PoolKind::Chain,
            ..Self::typed(pool, module_path, false)
        }
    }

    /// The entry of byte pool `P`, declared in `module_path`: `block_size` is its largest class's, and
    /// `capacity` its blocks in all classes.
    #[doc(hidden)]
    pub const fn bytes<P: BytePool>(
        module_path: &'static str,
        largest_block: usize,
        blocks: usize,
    ) -> Self {
        Self {
            name: P::NAME,
            module_path,
            kind: PoolKind::Bytes,
            id: pool_id(module_path, P::NAME),
            block_size: largest_block,
            capacity: blocks,
            stats: || EntryStats::Blocks(<P as BytePool>::stats()),
            dump: crate::dump::fmt_byte_pool::<P>,
            holders: |f| fmt::Display::fmt(&<P as BytePool>::holder_sites(), f),
            raw: None,
            _script: ScriptRef::new(),
        }
    }

    /// The entry of arena `P` of `size` bytes, declared in `module_path`.
    #[doc(hidden)]
    pub const fn arena<P: ArenaPool>(module_path: &'static str, size: usize) -> Self {
        Self {
            name: P::NAME,
            module_path,
            kind: PoolKind::Arena,
            id: pool_id(module_path, P::NAME),
            block_size: size,
            capacity: 1,
            stats: || EntryStats::Arena(P::stats()),
            dump: crate::dump::fmt_arena::<P>,
            holders: |f| counted(EntryStats::Arena(P::stats()), f),
            raw: None,
            _script: ScriptRef::new(),
        }
    }

    /// The pool's name, as declared.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The module the pool is declared in (`module_path!()` there), crate name first.
    pub fn module_path(&self) -> &'static str {
        self.module_path
    }

    /// What kind of pool it is (a byte pool is [`PoolKind::Bytes`], all classes in one entry).
    pub fn kind(&self) -> PoolKind {
        self.kind
    }

    /// The stable id: [`pool_id`]`(module_path, name)`.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// Bytes per block: the item's size, a byte pool's largest block, an arena's size.
    pub fn block_size(&self) -> usize {
        self.block_size
    }

    /// Blocks in the pool (all classes of a byte pool; 1 for an arena).
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The pool's counters now.
    pub fn stats(&self) -> EntryStats {
        (self.stats)()
    }

    /// The pool as a [`RawPool`] (typed pools): its blocks, untyped, as a debug shell or C code sees them.
    pub fn raw(&self) -> Option<&'static (dyn RawPool + Sync)> {
        self.raw
    }

    /// The pool's `Debug` dump (as `{:?}` of the pool prints it), for a shell command.
    pub fn dump(&self) -> impl fmt::Debug + '_ {
        Dump(self.dump)
    }

    /// Who holds the pool's blocks, in one line: `2/8 in use: 2 at src/radio.rs:41:17` (the sites for
    /// typed and byte pools declared with `track_callers`, [`StaticPool::holder_sites`],
    /// [`BytePool::holder_sites`]).
    pub fn holders(&self) -> impl fmt::Display + '_ {
        Holders(self.holders)
    }

    /// Blocks in use now (an arena: bytes in use by the scope running now).
    pub fn in_use(&self) -> usize {
        match self.stats() {
            EntryStats::Blocks(stats) => stats.used,
            EntryStats::Arena(stats) => stats.used,
        }
    }
}

struct Holders(fn(&mut fmt::Formatter<'_>) -> fmt::Result);

impl fmt::Display for Holders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (self.0)(f)
    }
}

struct Dump(fn(&mut fmt::Formatter<'_>) -> fmt::Result);

impl fmt::Debug for Dump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (self.0)(f)
    }
}

impl fmt::Debug for PoolEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolEntry")
            .field("name", &self.name)
            .field("module_path", &self.module_path)
            .field("kind", &self.kind)
            .field("id", &format_args!("{:#010x}", self.id))
            .field("block_size", &self.block_size)
            .field("capacity", &self.capacity)
            .field("stats", &self.stats())
            .finish()
    }
}

/// One line: `0x1a2b3c4d  firmware::radio::FramePool  typed  64 B x 8  3/8 used, ...`.
impl fmt::Display for PoolEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:#010x}  {}::{}  {}  {} B x {}  {}",
            self.id,
            self.module_path,
            self.name,
            self.kind.as_str(),
            self.block_size,
            self.capacity,
            self.stats()
        )
    }
}

#[cfg(feature = "registry")]
pub use enabled::*;

// linkme gathers the entries with the linker: ELF targets (Linux, BSDs, Android, bare metal such as
// Cortex-M and RISC-V firmware), Mach-O (macOS, iOS) and illumos. Elsewhere the feature cannot work, and
// says so here rather than listing no pool.
#[cfg(all(
    feature = "registry",
    not(any(
        target_os = "none",
        target_os = "linux",
        target_os = "android",
        target_os = "fuchsia",
        target_os = "freebsd",
        target_os = "openbsd",
        target_os = "illumos",
        target_os = "macos",
        target_os = "ios",
        target_os = "tvos",
        target_os = "psp",
    ))
))]
compile_error!(
    "blockpool's `registry` feature gathers pools in a linker section, which this target does not \
     support (linkme: ELF and Mach-O targets only); turn the feature off here"
);

#[cfg(feature = "registry")]
mod enabled {
    use core::fmt;

    use super::PoolEntry;
    use crate::map::PoolKind;

    /// Every pool's entry, gathered by the linker. Not covered by semver; read it through [`registry`].
    #[doc(hidden)]
    #[linkme::distributed_slice]
    pub static POOLS: [PoolEntry];

    /// Every pool of the program (feature `registry`): typed pools, byte pools and arenas, from
    /// `#[memory_pool]` and `pools!`, in every crate linked in. In link order, which is not specified;
    /// look pools up by [`Registry::by_id`] or [`Registry::by_name`].
    ///
    /// ```
    /// use blockpool::{memory_pool, registry, PoolKind};
    ///
    /// #[memory_pool(count = 4)]
    /// pub struct Msg(u32);
    ///
    /// let entry = registry().by_name("MsgPool").unwrap();
    /// assert_eq!((entry.kind(), entry.capacity()), (PoolKind::Typed, 4));
    /// assert_eq!(entry.id(), blockpool::pool_id(module_path!(), "MsgPool"));
    /// let block = entry.raw().unwrap().alloc_raw().unwrap(); // through the entry, untyped
    /// assert_eq!(MsgPool::stats().used, 1);
    /// # // SAFETY: `block` came from `alloc_raw` of this pool and nothing refers into it.
    /// # unsafe { entry.raw().unwrap().free_raw(block).unwrap() };
    /// ```
    pub fn registry() -> Registry {
        Registry { pools: &POOLS }
    }

    /// The pools of the program: [`registry`]. `Display` prints one line per pool.
    #[derive(Clone, Copy)]
    pub struct Registry {
        pools: &'static [PoolEntry],
    }

    impl Registry {
        /// Every entry.
        pub fn iter(&self) -> core::slice::Iter<'static, PoolEntry> {
            self.pools.iter()
        }

        /// How many pools the program has.
        pub fn len(&self) -> usize {
            self.pools.len()
        }

        /// Whether the program has no pool.
        pub fn is_empty(&self) -> bool {
            self.pools.is_empty()
        }

        /// The pool with stable id `id` ([`pool_id`](super::pool_id)).
        pub fn by_id(&self, id: u32) -> Option<&'static PoolEntry> {
            self.pools.iter().find(|entry| entry.id() == id)
        }

        /// The first pool named `name` (as declared; pools in different modules may share a name), or,
        /// when `name` contains `::`, the pool whose module path and name it is (`"app::radio::FramePool"`).
        pub fn by_name(&self, name: &str) -> Option<&'static PoolEntry> {
            self.pools
                .iter()
                .find(|entry| match name.rsplit_once("::") {
                    Some((module, plain)) => entry.module_path() == module && entry.name() == plain,
                    None => entry.name() == name,
                })
        }
    }

    /// The pools of the program that have blocks in use now (an arena: a scope running), chains left out
    /// (their members have entries of their own). For tests: see [`assert_no_leaks`].
    pub fn leaks() -> impl Iterator<Item = &'static PoolEntry> {
        registry()
            .iter()
            .filter(|entry| entry.kind() != PoolKind::Chain && entry.in_use() > 0)
    }

    /// Panics if any pool of the program has a block in use, listing each such pool and who holds its
    /// blocks (the allocation sites of `track_callers` pools):
    ///
    /// ```text
    /// blocks still in use:
    ///   app::FramePool: 2/8 in use: 2 at src/radio.rs:41:17
    /// ```
    ///
    /// For the end of a test, or of a test binary whose tests share no pool with a test still running
    /// (tests run in parallel); [`StaticPool::assert_empty`](crate::StaticPool::assert_empty) checks one
    /// pool.
    #[track_caller]
    pub fn assert_no_leaks() {
        if leaks().next().is_some() {
            panic!("{}", Leaks);
        }
    }

    /// The message of [`assert_no_leaks`].
    struct Leaks;

    impl fmt::Display for Leaks {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("blocks still in use:")?;
            for entry in leaks() {
                write!(
                    f,
                    "\n  {}::{}: {}",
                    entry.module_path(),
                    entry.name(),
                    entry.holders()
                )?;
            }
            Ok(())
        }
    }

    impl IntoIterator for Registry {
        type Item = &'static PoolEntry;
        type IntoIter = core::slice::Iter<'static, PoolEntry>;

        fn into_iter(self) -> Self::IntoIter {
            self.pools.iter()
        }
    }

    impl fmt::Debug for Registry {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_list().entries(self.pools).finish()
        }
    }

    impl fmt::Display for Registry {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            for entry in self.pools {
                writeln!(f, "{entry}")?;
            }
            Ok(())
        }
    }
}

/// Registers pool entry `$entry` under the static name `$name` (feature `registry`; nothing without it).
#[cfg(feature = "registry")]
#[doc(hidden)]
#[macro_export]
macro_rules! __blockpool_register {
    ($name:ident, $entry:expr) => {
        #[$crate::__private::linkme::distributed_slice($crate::__private::POOLS)]
        #[linkme(crate = $crate::__private::linkme)]
        static $name: $crate::__private::PoolEntry = $entry;
    };
}

/// Registers pool entry `$entry` under the static name `$name` (feature `registry`; nothing without it).
#[cfg(not(feature = "registry"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __blockpool_register {
    ($name:ident, $entry:expr) => {};
}
