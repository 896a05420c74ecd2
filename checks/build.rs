//! Fingerprints the sources of the model and of the checker, so that `prove merge` can refuse
//! shard files made by different versions (`RTNL_SOURCES_FINGERPRINT`).

use std::path::{Path, PathBuf};

include!("src/prove/fnv.rs");

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn main() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = here.parent().expect("checks/ is in the workspace");
    let inputs = ["model/src", "model/Cargo.toml", "checks/src", "checks/Cargo.toml", "Cargo.lock"];
    let mut all = Vec::new();
    for i in inputs {
        let p = root.join(i);
        println!("cargo:rerun-if-changed={}", p.display());
        if p.is_dir() {
            files(&p, &mut all);
        } else {
            all.push(p);
        }
    }
    all.sort();
    let mut h = FNV_START;
    for p in &all {
        let rel = p.strip_prefix(root).unwrap_or(p);
        h = fnv1a(h, rel.to_string_lossy().as_bytes());
        h = fnv1a(h, &std::fs::read(p).unwrap_or_default());
    }
    println!("cargo:rustc-env=RTNL_SOURCES_FINGERPRINT={h:016x}");
}
