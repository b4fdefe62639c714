//! Sets `cfg(blockpool_llsc)` for the Cortex-M cores whose free list pops and pushes with LDREX/STREX.
//!
//! ARMv7-M, ARMv7E-M and ARMv8-M Mainline have the exclusive-access instructions and clear the local
//! exclusive monitor on every exception entry and return. Stable Rust cannot tell these cores apart from
//! ARMv8-M Baseline or ARMv6 by `cfg` (`target_feature = "v7"`, `"mclass"` and `"thumb2"` are unstable and
//! always false there), so the target name decides, as heapless and cortex-m decide it.
//!
//! With the feature `registry` on a bare-metal target, it also puts `blockpool-registry.x` on the linker's
//! search path: the linker-script lines that keep the registry's entries in flash (see `REGISTRY_SCRIPT`).

/// The registry's section (linkme's `linkme_POOLS`) is writable, as linkme declares a `static mut` in it,
/// so without these lines the linker places it after `.data`, in RAM, with nothing in flash to load it
/// from: the entries would be garbage after a reset on a real chip. This places it in flash after
/// `.rodata`, for cortex-m-rt's `link.x` (region `FLASH`); `riscv-rt` names the region `REGION_RODATA`.
const REGISTRY_SCRIPT: &str = "/* blockpool's registry (feature `registry`): its entries stay in flash. Link with
   -Tblockpool-registry.x after -Tlink.x (cortex-m-rt). */
SECTIONS
{
  linkme_POOLS : ALIGN(4)
  {
    KEEP(*(linkme_POOLS))
  } > FLASH
}
INSERT AFTER .rodata;
/* What blockpool's registry() refers to on bare metal: without this script the link fails, naming it. */
blockpool_registry_needs_linker_script__Tblockpool_registry_x = ADDR(linkme_POOLS);
";

fn main() {
    println!("cargo::rustc-check-cfg=cfg(blockpool_llsc)");
    if std::env::var_os("CARGO_FEATURE_REGISTRY").is_some()
        && std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("none")
    {
        let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
        std::fs::write(out.join("blockpool-registry.x"), REGISTRY_SCRIPT)
            .expect("write blockpool-registry.x");
        println!("cargo::rustc-link-search={}", out.display());
    }
    println!("cargo::rerun-if-changed=build.rs");
    let target = std::env::var("TARGET").unwrap_or_default();
    if ["thumbv7m-", "thumbv7em-", "thumbv8m.main-"]
        .iter()
        .any(|core| target.starts_with(core))
    {
        println!("cargo::rustc-cfg=blockpool_llsc");
    }
}
