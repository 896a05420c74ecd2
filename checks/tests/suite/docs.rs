//! Docs that cannot drift. Every ```console block of README.md and docs/*.md is run (trycmd) and
//! its output compared, `[..]` standing for a time (tables of runs are `--format summary`
//! blocks); the mutant tables are rewritten by `rtnl-check mutants --write-doc` and compared
//! here with `--check-doc`; findings.md's hazard table must name real properties and tests. Runs the std build, which hands loom and shuttle runs to their builds
//! (`checks/rtnl-check --build` first).

use std::path::Path;
use std::process::Command;

fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("checks/ has a parent")
}

#[test]
fn console_examples_print_what_the_docs_show() {
    // The docs run `checks/rtnl-check` (the building wrapper) from the repository root; here the
    // std build cargo just made stands in for it. trycmd runs them in the process's directory,
    // so this is the one test that changes it: the others share the process and name every file
    // from CARGO_MANIFEST_DIR, or give their subprocesses a directory of their own.
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

/// docs/findings.md's summary table names, per hazard, the properties that decide it and the
/// tests that pin its verdict: every property must be one the model checks, and every
/// `FILE.rs::NAME` (`NAME…` for a prefix) a test function in checks/tests/suite/FILE.rs, so a renamed
/// or deleted pin fails here instead of leaving the doc pointing at nothing.
#[test]
fn findings_table_names_real_properties_and_tests() {
    let doc = std::fs::read_to_string(repo_root().join("docs/findings.md")).expect("docs/findings.md");
    let ids: Vec<&str> = rtnl_model::Property::ALL.iter().map(|p| p.id()).collect();
    let rows: Vec<&str> =
        doc.lines().skip_while(|l| !l.starts_with("| hazard |")).skip(2).take_while(|l| l.starts_with('|')).collect();
    assert!(rows.len() >= 6, "docs/findings.md: the hazard table is missing or short ({} rows)", rows.len());
    let mut pins = 0;
    for row in rows {
        let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
        assert_eq!(cells.len(), 4, "docs/findings.md: malformed row {row:?}");
        for p in cells[2].split([',', ' ']).filter(|p| !p.is_empty()) {
            assert!(ids.contains(&p), "docs/findings.md: {p:?} is not a property id ({row})");
        }
        for pin in cells[3].split('`').skip(1).step_by(2) {
            let Some((file, name)) = pin.split_once("::") else { continue };
            let src = std::fs::read_to_string(repo_root().join("checks/tests/suite").join(file))
                .unwrap_or_else(|e| panic!("docs/findings.md pins {pin:?}: checks/tests/suite/{file}: {e}"));
            let needle = format!("fn {}", name.trim_end_matches('…'));
            let found = if name.ends_with('…') { src.contains(&needle) } else { src.contains(&format!("{needle}(")) };
            assert!(found, "docs/findings.md pins {pin:?}, but checks/tests/suite/{file} has no such test");
            pins += 1;
        }
    }
    assert!(pins >= 5, "docs/findings.md: only {pins} pinned tests found");
}
