//! The standard traits a handle forwards to its item (`Debug`, `Display`, comparisons, `Hash`), written
//! once for `PoolBox` and `PoolRc`.

/// Implements `AsRef`, `Debug`, `Display`, `PartialEq`, `Eq`, `PartialOrd`, `Ord` and `Hash` for
/// `$handle<P>` (with `P: $bound`) by forwarding to the item its `Deref` reaches.
macro_rules! forward_to_item {
    ($handle:ident, $bound:ident) => {
        impl<P: $bound> AsRef<P::Item> for $handle<P> {
            fn as_ref(&self) -> &P::Item {
                self
            }
        }

        impl<P: $bound> core::fmt::Debug for $handle<P>
        where
            P::Item: core::fmt::Debug,
        {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                core::fmt::Debug::fmt(&**self, f)
            }
        }

        impl<P: $bound> core::fmt::Display for $handle<P>
        where
            P::Item: core::fmt::Display,
        {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                core::fmt::Display::fmt(&**self, f)
            }
        }

        impl<P: $bound> PartialEq for $handle<P>
        where
            P::Item: PartialEq,
        {
            fn eq(&self, other: &Self) -> bool {
                **self == **other
            }
        }

        impl<P: $bound> Eq for $handle<P> where P::Item: Eq {}

        impl<P: $bound> PartialOrd for $handle<P>
        where
            P::Item: PartialOrd,
        {
            fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
                (**self).partial_cmp(&**other)
            }
        }

        impl<P: $bound> Ord for $handle<P>
        where
            P::Item: Ord,
        {
            fn cmp(&self, other: &Self) -> core::cmp::Ordering {
                (**self).cmp(&**other)
            }
        }

        impl<P: $bound> core::hash::Hash for $handle<P>
        where
            P::Item: core::hash::Hash,
        {
            fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
                (**self).hash(state);
            }
        }
    };
}

pub(crate) use forward_to_item;
