//! Picks the memory map of the QEMU machine that runs each target, and links with cortex-m-rt's `link.x`;
//! with the `mixed-c` feature, compiles the C driver of the mixed C and Rust firmware.

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
    // FIRMWARE_WITHOUT_REGISTRY_SCRIPT=1 leaves the line out: CI checks that the link then fails, naming the
    // script (review round 11: entries in RAM with nothing to load them from must not link).
    println!("cargo:rerun-if-env-changed=FIRMWARE_WITHOUT_REGISTRY_SCRIPT");
    if env::var_os("CARGO_FEATURE_REGISTRY").is_some()
        && env::var_os("FIRMWARE_WITHOUT_REGISTRY_SCRIPT").is_none()
    {
        // blockpool's registry: the one line an application adds (the script comes with blockpool).
        println!("cargo:rustc-link-arg-bins=-Tblockpool-registry.x");
    }
    if env::var_os("CARGO_FEATURE_DEFMT_TRACE").is_some() {
        // defmt's linker script, for the program that logs with defmt.
        println!("cargo:rustc-link-arg-bin=defmt-trace=-Tdefmt.x");
    }
    println!("cargo:rustc-env=FIRMWARE_MACHINE={machine}");
    println!("cargo:rustc-env=FIRMWARE_CORE={core}");
    println!("cargo:rerun-if-changed={memory}");
    if env::var_os("CARGO_FEATURE_MIXED_C").is_some() {
        // The C driver of src/mixed_c.rs, against the committed header; the C compiler is the target's
        // (arm-none-eabi-gcc, which cc picks for thumb targets), freestanding and warning-free.
        cc::Build::new()
            .file("c/frame_driver.c")
            .include("../../include")
            .std("c99")
            .flag("-ffreestanding")
            .flag("-Wall")
            .flag("-Wextra")
            .flag("-pedantic")
            .warnings_into_errors(true)
            .opt_level_str("s")
            .compile("frame_driver");
        println!("cargo:rerun-if-changed=c/frame_driver.c");
        println!("cargo:rerun-if-changed=../../include/blockpool.h");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
