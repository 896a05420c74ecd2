//! Every crash the fuzz targets found (`fuzz/regressions/<target>/`, one file per input, as
//! libFuzzer writes them) and every seed (`fuzz/corpus/<target>/`) replayed through the
//! target's own check function, so a fixed crash stays fixed without cargo-fuzz or nightly.
//!
//! `parse_scenario` and `lock_graph` replay in the default build; `explore_schedule` needs
//! the model built for shuttle (`RUSTFLAGS="--cfg rtnl_shuttle"`), and its inputs also run
//! here on real threads as plain scenarios.

use std::fs;
use std::path::{Path, PathBuf};

use rtnl_checks::fuzzing;

const FUZZ: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fuzz");

/// The input files of `target`: regressions first, then seeds. READMEs and dotfiles are not
/// inputs.
fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for dir in ["regressions", "corpus"] {
        let dir = Path::new(FUZZ).join(dir).join(target);
        let Ok(entries) = fs::read_dir(&dir) else { continue };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .filter(|p| {
                p.file_name().and_then(|n| n.to_str()).is_some_and(|n| !n.starts_with('.') && !n.starts_with("README"))
            })
            .collect();
        files.sort();
        for f in files {
            let bytes = fs::read(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            out.push((f, bytes));
        }
    }
    out
}

/// Runs `check` on every input of `target`, naming the file that fails.
fn replay(target: &str, check: fn(&[u8])) -> usize {
    let inputs = inputs(target);
    for (path, bytes) in &inputs {
        if let Err(e) = std::panic::catch_unwind(|| check(bytes)) {
            let msg = e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()));
            panic!("{} fails: {}", path.display(), msg.unwrap_or_default());
        }
    }
    inputs.len()
}

#[test]
fn parse_scenario_inputs_replay() {
    assert!(replay("parse_scenario", fuzzing::check_parse) >= 3, "seeds missing");
}

#[test]
fn lock_graph_inputs_replay() {
    assert!(replay("lock_graph", fuzzing::check_lock_graph) >= 3, "seeds missing");
}

#[cfg(all(rtnl_shuttle, feature = "arbitrary"))]
#[test]
fn explore_schedule_inputs_replay() {
    assert!(replay("explore_schedule", fuzzing::check_schedule) >= 3, "seeds missing");
}

/// The topologies of the `explore_schedule` inputs, on real threads in both modes: no
/// violation, and the outcome one the reference predicts.
#[cfg(all(not(any(rtnl_loom, rtnl_shuttle)), feature = "arbitrary"))]
#[test]
fn explore_schedule_inputs_run_on_real_threads() {
    use arbitrary::{Arbitrary, Unstructured};
    use rtnl_checks::reference;
    use rtnl_checks::topology::{generated_config, Topology};
    use rtnl_model::Mode;

    let inputs = inputs("explore_schedule");
    assert!(inputs.len() >= 3, "seeds missing");
    for (path, bytes) in inputs {
        let mut u = Unstructured::new(&bytes);
        let _series = bool::arbitrary(&mut u);
        let Ok(topo) = Topology::arbitrary(&mut u) else { continue };
        let script = topo.script();
        let possible = reference::outcomes(script).unwrap_or_default();
        for mode in [Mode::PreSeries, Mode::Series] {
            let report = rtnl_model::execute(generated_config(mode), script);
            assert!(
                report.violations.is_empty(),
                "{} ({}): {:?}\n{topo:?}",
                path.display(),
                mode.name(),
                report.violations
            );
            assert!(
                possible.contains(&report.outcome),
                "{} ({}): {:?}\n{topo:?}",
                path.display(),
                mode.name(),
                report.outcome
            );
        }
    }
}
