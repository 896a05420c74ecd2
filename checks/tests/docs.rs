//! Docs that cannot drift. Every ```console block of README.md and docs/*.md is run (trycmd) and
//! its output compared, `[..]` standing for a time; every table that says which mutant is caught
//! by what is rewritten by `rtnl-check mutants --write-doc` and compared here with
//! `--check-doc`. Runs the std build, which hands loom and shuttle runs to their builds
//! (`checks/rtnl-check --build` first).

use std::path::Path;
use std::process::Command;

fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("checks/ has a parent")
}

#[test]
fn console_examples_print_what_the_docs_show() {
    // The docs run `checks/rtnl-check` (the building wrapper) from the repository root; here the
    // std build cargo just made stands in for it.
    std::env::set_current_dir(repo_root()).expect("cd to the repository root");
    trycmd::TestCases::new()
        .register_bin("checks/rtnl-check", std::path::PathBuf::from(env!("CARGO_BIN_EXE_rtnl-check")))
        .register_bin("rtnl-check", std::path::PathBuf::from(env!("CARGO_BIN_EXE_rtnl-check")))
        .case("README.md")
        .case("docs/*.md");
}

/// `rtnl-check mutants --mode MODE --check-doc DOC`: exit 0 when the doc's generated regions are
/// what this run prints, times aside.
fn check_doc(mode: &str, doc: &str) {
    let o = Command::new(env!("CARGO_BIN_EXE_rtnl-check"))
        .current_dir(repo_root())
        .args(["mutants", "--mode", mode, "--check-doc", doc])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn mutants_tables_are_what_the_command_measures() {
    check_doc("series", "docs/mutants.md");
}

#[test]
fn rtnl_free_mutants_matrix_is_what_the_command_measures() {
    check_doc("rtnl-free", "docs/rtnl-free.md");
}
