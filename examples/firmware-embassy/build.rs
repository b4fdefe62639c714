//! Puts the memory map of QEMU's lm3s6965evb (the only machine this firmware runs on) where cortex-m-rt's
//! `link.x` finds it, and links with `link.x`.

use std::{env, fs, path::PathBuf};

const TARGET: &str = "thumbv7m-none-eabi";
const MEMORY: &str = "memory/lm3s6965evb.x";

fn main() {
    let target = env::var("TARGET").expect("cargo sets TARGET");
    assert!(
        target == TARGET,
        "this firmware runs on QEMU's lm3s6965evb (Cortex-M3): build it for {TARGET}, not `{target}`"
    );
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::copy(MEMORY, out.join("memory.x")).expect("copy the memory map");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rustc-link-arg-bins=-Tlink.x");
    println!("cargo:rerun-if-changed={MEMORY}");
    println!("cargo:rerun-if-changed=build.rs");
}
