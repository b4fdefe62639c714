//! The bound of `alloc_zeroed`: a sealed trait implemented for every [`Zeroable`] type, whose only purpose
//! is the compile error a missing impl gives, which names the fix instead of bytemuck's trait path.

use bytemuck::Zeroable;

mod sealed {
    pub trait Sealed {}
    impl<T: super::Zeroable> Sealed for T {}
}

/// Items that `alloc_zeroed` can build: every type whose all-zero bytes are a valid value, that is every
/// [`Zeroable`] type (bytemuck's trait, re-exported as `blockpool::Zeroable` together with its derive).
///
/// Sealed: implemented for all `T: Zeroable` and for nothing else, so that a missing `Zeroable` impl is
/// one error that says how to add it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be allocated zero-filled: it does not implement `blockpool::Zeroable`",
    label = "`alloc_zeroed` needs all-zero bytes to be a valid `{Self}`",
    note = "derive it on the item, `#[derive(blockpool::Zeroable)]` with `#[bytemuck(crate = \"blockpool\")]` \
            (every field must be `Zeroable`: integers, floats, `bool`, arrays, raw pointers, `Option<NonZero*>`), \
            or build the item with `alloc` or `alloc_uninit` instead"
)]
pub trait ZeroableItem: sealed::Sealed + Zeroable {}

// Not recommended in errors: the error is then about `ZeroableItem` and its message, not a list of the
// types that implement `Zeroable`.
#[diagnostic::do_not_recommend]
impl<T: Zeroable> ZeroableItem for T {}
