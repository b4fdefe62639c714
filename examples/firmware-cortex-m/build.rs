//! Picks the memory map of the QEMU machine that runs each target, and links with cortex-m-rt's `link.x`.

use std::{env, fs, path::PathBuf};

/// Target, QEMU machine, core. The machine is also the name of its memory map in `memory/`.
const MACHINES: &[(&str, &str, &str)] = &[
    ("thumbv7m-none-eabi", "lm3s6965evb", "Cortex-M3"),
    ("thumbv6m-none-eabi", "microbit", "Cortex-M0"),
    ("thumbv7em-none-eabihf", "mps2-an386", "Cortex-M4F"),
];

fn main() {
    let target = env::var("TARGET").expect("cargo sets TARGET");
    let Some(&(_, machine, core)) = MACHINES.iter().find(|(t, _, _)| *t == target) else {
        let known: Vec<&str> = MACHINES.iter().map(|(t, _, _)| *t).collect();
        panic!("no QEMU machine for target `{target}`; build for one of {known:?}");
    };

    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let memory = format!("memory/{machine}.x");
    fs::copy(&memory, out.join("memory.x")).expect("copy the memory map");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rustc-link-arg-bins=-Tlink.x");
    if env::var_os("CARGO_FEATURE_REGISTRY").is_some() {
        // blockpool's registry: the one line an application adds (the script comes with blockpool).
        println!("cargo:rustc-link-arg-bins=-Tblockpool-registry.x");
    }
    println!("cargo:rustc-env=FIRMWARE_MACHINE={machine}");
    println!("cargo:rustc-env=FIRMWARE_CORE={core}");
    println!("cargo:rerun-if-changed={memory}");
    println!("cargo:rerun-if-changed=build.rs");
}
