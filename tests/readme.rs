//! The README's Rust snippets are whole programs: each has its own `fn main`, so the doc test that runs it
//! (`ReadmeDoctests` in `src/lib.rs`) compiles it as it stands, exactly as a user's `src/main.rs` would be,
//! rather than wrapped in a `main` that rustdoc adds. Hidden doc-test lines (`# ...`) would show up on the
//! rendered page, so there are none. One error idiom: plain `?`.

const README: &str = include_str!("../README.md");

/// The ```rust blocks of the README, with the line number of each opening fence.
fn rust_blocks() -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (number, line) in README.lines().enumerate() {
        match &mut current {
            None if line.trim_start() == "```rust" => current = Some((number + 1, String::new())),
            None => {}
            Some(_) if line.trim_start() == "```" => blocks.push(current.take().unwrap()),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    assert!(current.is_none(), "README.md: an unclosed ```rust block");
    blocks
}

#[test]
fn every_readme_snippet_is_a_whole_program() {
    let blocks = rust_blocks();
    assert!(
        blocks.len() >= 4,
        "README.md: expected its Rust snippets, found {}",
        blocks.len()
    );
    for (line, text) in blocks {
        assert!(
            text.contains("\nfn main()"),
            "README.md:{line}: the snippet has no `fn main`"
        );
        assert!(
            !text.lines().any(|l| l.starts_with("# ") || l == "#"),
            "README.md:{line}: hidden doc-test lines would show on the page"
        );
        assert!(
            !text.contains(".map_err("),
            "README.md:{line}: use plain `?`"
        );
        assert!(!text.contains("```"), "README.md:{line}");
    }
}

#[test]
fn every_rust_fence_is_plain_rust() {
    // `rust,ignore` or `rust,no_run` would let a snippet drift from the API unnoticed.
    for (number, line) in README.lines().enumerate() {
        let fence = line.trim_start();
        assert!(
            !fence.starts_with("```rust,") && !fence.starts_with("```rs"),
            "README.md:{}: only plain ```rust blocks, run as doc tests",
            number + 1
        );
    }
}
