//! Sets `cfg(blockpool_llsc)` for the Cortex-M cores whose free list pops and pushes with LDREX/STREX.
//!
//! ARMv7-M, ARMv7E-M and ARMv8-M Mainline have the exclusive-access instructions and clear the local
//! exclusive monitor on every exception entry and return. Stable Rust cannot tell these cores apart from
//! ARMv8-M Baseline or ARMv6 by `cfg` (`target_feature = "v7"`, `"mclass"` and `"thumb2"` are unstable and
//! always false there), so the target name decides, as heapless and cortex-m decide it.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(blockpool_llsc)");
    println!("cargo::rerun-if-changed=build.rs");
    let target = std::env::var("TARGET").unwrap_or_default();
    if ["thumbv7m-", "thumbv7em-", "thumbv8m.main-"]
        .iter()
        .any(|core| target.starts_with(core))
    {
        println!("cargo::rustc-cfg=blockpool_llsc");
    }
}
