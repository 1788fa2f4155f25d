//! Links the `paperfig` binary as a position-dependent executable on Linux (glibc).
//!
//! The binary holds the whole TeX engine (~240 MB): as a PIE the dynamic loader applies
//! ~124,000 relative relocations at every start, touching ~700 pages of `.data.rel.ro`
//! before `main`, for every command, including a no-op `gen` and each call mdBook makes to
//! the preprocessor. Linked at a fixed address the relocations are resolved at link time:
//! `paperfig --version` faults in 296 pages instead of 1,033 and starts in about two
//! thirds of the time (measured with `perf stat`). The objects stay position independent;
//! only the final link changes, and only for the binary (tests and benches link as usual).
//! The cost is that the executable's own code is not placed at a random address (its
//! libraries, heap and stack still are).

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
