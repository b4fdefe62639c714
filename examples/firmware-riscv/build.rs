//! Gives riscv-rt the memory map of QEMU's `virt` machine (its `memory` feature includes `memory.x` in
//! `link.x`) and names the core of each target for the banner.

use std::{env, fs, path::PathBuf};

/// Target, and the core as the banner names it.
const CORES: &[(&str, &str)] = &[
    ("riscv32imac-unknown-none-elf", "RV32IMAC hart"),
    ("riscv32imc-unknown-none-elf", "RV32IMC hart"),
];

fn main() {
    let target = env::var("TARGET").expect("cargo sets TARGET");
    let Some(&(_, core)) = CORES.iter().find(|(t, _)| *t == target) else {
        let known: Vec<&str> = CORES.iter().map(|(t, _)| *t).collect();
        panic!("no QEMU run for target `{target}`; build for one of {known:?}");
    };

    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::copy("memory/virt.x", out.join("memory.x")).expect("copy the memory map");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rustc-link-arg-bins=-Tlink.x");
    println!("cargo:rustc-env=FIRMWARE_CORE={core}");
    println!("cargo:rerun-if-changed=memory/virt.x");
    println!("cargo:rerun-if-changed=build.rs");
}
