//! Feeds the attribute and `pools!` parsers malformed input: truncated, mutated with stray tokens, huge
//! numbers, unicode, nested groups. Every input must come back as generated code or as `compile_error!`s,
//! never as a panic of the macro itself.

use proc_macro2::{TokenStream, TokenTree};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::str::FromStr;

const ITEM: &str = "pub struct Msg { pub id: u32, pub body: [u8; 60] }";
const POOL_STRUCT: &str = "pub struct Urgent;";

const VALID_ARGS: &[&str] = &[
    "count = 20",
    "count = 4, align = 64, on_failure = log_failure, zeroize, refcount = u8, max_size = 128",
    "count = QUEUE_DEPTH * 2, name = Other, link_section = unsafe(\".dma\"), crate = ::blockpool",
    "count = 16, c_name = unsafe(\"msg_pool\")",
];

const VALID_BLOCK: &str = "budget = 16 KiB; map = MAP; crate = ::blockpool;
    /// docs
    pub MsgPool(type = Msg, count = 20);
    pub FramePool(type = Frame, count = 8, refcount, zeroize);
    pub Bytes(classes = [(64, 32), (256, 8), (1024, 2)], align = 8, c_name = unsafe(\"byte_pool\"));
    pub Scratch(arena = 4096, fallback = Big);
    pub Big(arena = 8192);
    pub Msgs(chain = [MsgPool, crate::other::Pool], align = 8, on_failure = hook);";

/// Odd but well-formed const expressions: the macro passes them on and rustc judges them.
const ODD_ARGS: &[&str] = &[
    "count = [[[[[[[[1]]]]]]]]",
    "count = { { { } } }",
    "count = r#type",
    "max_size = !0",
];

/// Inputs that are wrong and must give an error.
const BAD_ARGS: &[&str] = &[
    "",
    "count",
    "count =",
    "count = ,",
    "count = 0",
    "count = 65536",
    "count = 99999999999999999999999999999999999999",
    "count = -1",
    "count = 1.5",
    "count = \"20\"",
    "count = 20,, zeroize",
    "count = 20 zeroize",
    "count = 20, count = 21",
    "count = 20, align = 3",
    "count = 20, align = 0",
    "count = 20, align = 99999999999999999999999",
    "count = 20, align = x",
    "count = 20, refcount = u64",
    "count = 20, refcount = (u8)",
    "count = 20, zeroize = true",
    "count = 20, on_failure = 5",
    "count = 20, link_section = unsafe(\"\")",
    "count = 20, c_name = \"msg_pool\"",
    "count = 20, c_name = unsafe(\"\")",
    "count = 20, c_name = unsafe(\"a b\")",
    "count = 20, c_name = unsafe(\"bp_x\")",
    "count = 20, c_name = unsafe(\"é\")",
    "count = 20, c_name = unsafe(1)",
    "count = 20, c_name",
    "count = 20, c_name = unsafe",
    "count = 20, name = a::b",
    "count = 20, é = 1",
    "count = 20, 日本 = 1",
    "(count = 20)",
    "count = 20; zeroize",
    "= 20",
    "::count = 20",
    "count::x = 20",
    "type = , count = 2",
    "type = 5, count = 2",
];

const BAD_BLOCKS: &[&str] = &[
    "budget = ;",
    "budget = 16 GiB;",
    "budget = 99999999999999999999999999 MiB;",
    "budget = 1 B; budget = 2 B;",
    "pub A(type = u8, count = 1)",
    "pub A type = u8;",
    "pub (type = u8, count = 1);",
    "pub A(type = u8, count = 1); pub A(type = u8, count = 1);",
    "pub B(classes = [(64, 1), (32, 1)]);",
    "pub B(classes = [(64, 0)]);",
    "pub B(classes = [(63, 1)]);",
    "pub B(classes = []);",
    "pub B(classes = [(64)]);",
    "pub B(classes = [(64, 1, 2)]);",
    "pub B(classes = 64);",
    "pub B(classes = [(64, 1)], arena = 5);",
    "pub C(arena = 0);",
    "pub C(arena = x);",
    "pub C(arena = 64, count = 3);",
    "pub C(arena = 64, fallback = C);",
    "pub C(arena = 64, fallback = [C]);",
    "pub C(arena = 64, fallback);",
    "pub D(type = u8, count = 1, fallback = C);",
    "pub H(chain = []);",
    "pub H(chain = [H]);",
    "pub H(chain = [J]); pub J(chain = [K]); pub K(chain = [H, J]);",
    "pub H(chain = [1, \"s\", <u8 as T>::P]);",
    "pub H(chain);",
    "pub H(chain = A, classes = [(8, 1)], arena = 3, count = 1, type = u8);",
    "pub H(chain = [A], align = 3);",
    "pub D(count = 3);",
    "unknown = 1;",
    "pub E(type = u8, count = 1); ;;",
    "pub G(type = u8, count = 1, name = H);",
    "pub 日本(type = u8, count = 0);",
    "pub I((((((((((((type = u8))))))))))));",
];

fn tokens(text: &str) -> TokenStream {
    TokenStream::from_str(text).expect("the corpus is lexically valid Rust")
}

/// Runs the macro on the input; fails the test if the macro panics.
fn expand(run: impl FnOnce() -> TokenStream, input: &str) -> String {
    match catch_unwind(AssertUnwindSafe(run)) {
        Ok(output) => output.to_string(),
        Err(_) => panic!("the macro panicked on input: {input}"),
    }
}

fn attribute(args: &str, item: &str) -> String {
    let input = format!("#[memory_pool({args})] {item}");
    expand(
        || crate::memory_pool_impl(tokens(args), tokens(item)),
        &input,
    )
}

fn block(input: &str) -> String {
    expand(|| crate::pools_impl(tokens(input)), input)
}

fn is_error(output: &str) -> bool {
    output.contains("compile_error")
}

#[test]
fn valid_inputs_generate_code_without_errors() {
    for args in VALID_ARGS {
        let output = attribute(args, ITEM);
        assert!(
            !is_error(&output),
            "unexpected error for `{args}`: {output}"
        );
    }
    let output = attribute("type = Msg, count = 2", POOL_STRUCT);
    assert!(!is_error(&output), "{output}");
    let output = block(VALID_BLOCK);
    assert!(!is_error(&output), "{output}");
}

#[test]
fn every_malformed_option_list_is_an_error() {
    for args in BAD_ARGS {
        assert!(
            is_error(&attribute(args, ITEM)),
            "no error for `#[memory_pool({args})]`"
        );
    }
    for args in ODD_ARGS {
        attribute(args, ITEM);
    }
    for item in [
        "fn f() {}",
        "trait T {}",
        "struct G<T>(T);",
        "static S: u8 = 0;",
        "mod m {}",
    ] {
        assert!(
            is_error(&attribute("count = 2", item)),
            "no error for an attribute on `{item}`"
        );
    }
}

#[test]
fn every_malformed_block_is_an_error() {
    for input in BAD_BLOCKS {
        assert!(
            is_error(&block(input)),
            "no error for `pools! {{ {input} }}`"
        );
    }
}

/// Every prefix of a valid input, cut at each token: either valid code or errors, never a panic.
#[test]
fn truncated_inputs_never_panic() {
    let mut cases = 0;
    for args in VALID_ARGS {
        for cut in prefixes(args) {
            attribute(&cut, ITEM);
            cases += 1;
        }
    }
    for cut in prefixes(VALID_BLOCK) {
        block(&cut);
        cases += 1;
    }
    for cut in prefixes(ITEM) {
        attribute("count = 2", &cut);
        cases += 1;
    }
    assert!(cases > 60, "only {cases} truncations were tried");
}

/// Valid inputs with tokens inserted, removed or swapped at pseudo-random places (a fixed seed, so a
/// failure reproduces): never a panic.
#[test]
fn mutated_inputs_never_panic() {
    let alphabet: Vec<TokenTree> = tokens(
        "= , ; : :: ( ) [ ] { } # ! < > - + * & 0 1 65535 65536 18446744073709551616 1e9 'a' \"s\" b'x' \
         type crate count align refcount classes arena chain fallback budget KiB Msg é 日本 _ r#type",
    )
    .into_iter()
    .collect();
    let mut rng = 0x2545_F491_4F6C_DD1D_u64;
    let mut next = move |bound: usize| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng % bound as u64) as usize
    };
    let rounds = if cfg!(miri) { 20 } else { 2000 };
    for round in 0..rounds {
        let base = if round % 2 == 0 {
            VALID_ARGS[round % VALID_ARGS.len()]
        } else {
            VALID_BLOCK
        };
        let mut trees: Vec<TokenTree> = tokens(base).into_iter().collect();
        for _ in 0..1 + next(3) {
            let at = next(trees.len() + 1);
            match next(3) {
                0 => trees.insert(at, alphabet[next(alphabet.len())].clone()),
                1 if at < trees.len() => {
                    trees.remove(at);
                }
                _ if at < trees.len() => trees[at] = alphabet[next(alphabet.len())].clone(),
                _ => trees.push(alphabet[next(alphabet.len())].clone()),
            }
        }
        let mutated: TokenStream = trees.into_iter().collect();
        let text = mutated.to_string();
        if round % 2 == 0 {
            attribute(&text, ITEM);
        } else {
            block(&text);
        }
    }
}

/// The input cut after each of its top-level tokens.
fn prefixes(text: &str) -> Vec<String> {
    let trees: Vec<TokenTree> = tokens(text).into_iter().collect();
    (0..trees.len())
        .map(|end| {
            trees[..end]
                .iter()
                .cloned()
                .collect::<TokenStream>()
                .to_string()
        })
        .collect()
}
