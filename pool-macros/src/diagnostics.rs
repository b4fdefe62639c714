//! Collects every error of one macro invocation so that they are all reported at once, and suggests the
//! accepted name a misspelled one was probably meant to be.

use proc_macro2::TokenStream;
use quote::ToTokens;
use std::fmt::Display;

/// The errors found so far in one invocation.
#[derive(Default)]
pub(crate) struct Errors {
    errors: Vec<syn::Error>,
}

impl Errors {
    /// Records an error spanning `tokens`.
    pub(crate) fn at(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.errors.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records an error already built.
    pub(crate) fn push(&mut self, error: syn::Error) {
        self.errors.push(error);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// One `compile_error!` per error, each at its own span.
    pub(crate) fn to_compile_errors(&self) -> TokenStream {
        self.errors
            .iter()
            .map(syn::Error::to_compile_error)
            .collect()
    }
}

impl Errors {
    /// How many errors were recorded; compare before and after a check to see whether it added any.
    pub(crate) fn len(&self) -> usize {
        self.errors.len()
    }
}

/// The accepted name that `written` is most likely a misspelling of: the closest one, if it is at most two
/// edits away (an edit inserts, deletes or replaces a character, or swaps two neighbours) and those edits
/// are at most a third of what was written, so that short unrelated words (`size`, `len`) suggest nothing.
/// On a tie, the first in `accepted`.
pub(crate) fn did_you_mean<'a>(written: &str, accepted: &[&'a str]) -> Option<&'a str> {
    let length = written.chars().count();
    accepted
        .iter()
        .map(|&name| (edit_distance(written, name), name))
        .filter(|&(distance, _)| distance > 0 && distance <= 2 && 3 * distance <= length)
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, name)| name)
}

/// Edits from `a` to `b`: insertions, deletions, replacements and swaps of two neighbouring characters
/// (the optimal string alignment distance).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // rows[i][j]: the distance between the first i characters of `a` and the first j of `b`.
    let mut rows = vec![vec![0; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let replace = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + replace);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::{did_you_mean, edit_distance};

    const OPTIONS: &[&str] = &[
        "count",
        "type",
        "name",
        "align",
        "max_size",
        "on_failure",
        "zeroize",
        "refcount",
        "link_section",
        "crate",
    ];

    #[test]
    fn edits_count_insertions_deletions_replacements_and_swaps() {
        assert_eq!(edit_distance("count", "count"), 0);
        assert_eq!(edit_distance("cout", "count"), 1);
        assert_eq!(edit_distance("counts", "count"), 1);
        assert_eq!(edit_distance("cound", "count"), 1);
        assert_eq!(edit_distance("coutn", "count"), 1);
        assert_eq!(edit_distance("", "count"), 5);
    }

    #[test]
    fn likely_misspellings_get_a_suggestion() {
        for (written, meant) in [
            ("cout", "count"),
            ("coutn", "count"),
            ("counts", "count"),
            ("allign", "align"),
            ("zeroise", "zeroize"),
            ("ref_count", "refcount"),
            ("max_sise", "max_size"),
            ("on_failur", "on_failure"),
            ("linksection", "link_section"),
            ("typ", "type"),
        ] {
            assert_eq!(did_you_mean(written, OPTIONS), Some(meant), "{written}");
        }
    }

    #[test]
    fn unrelated_or_exact_words_get_none() {
        for written in ["size", "len", "x", "capacity", "alignment_of", "count"] {
            assert_eq!(did_you_mean(written, OPTIONS), None, "{written}");
        }
    }
}
