//! The DPOR explorer on the model. Run with
//! `RUSTFLAGS="--cfg rtnl_shuttle" cargo test --release -p rtnl-checks --target-dir target-shuttle --test dpor`.
//!
//! Until the sync facade reports each step's operation (crate::dpor::report), every schedule
//! point is dependent with every other: the exploration is sound but not reduced, so these runs
//! use a preemption bound of 1 to stay short.

#[cfg(rtnl_shuttle)]
mod tests {
    use rtnl_checks::cli::load;
    use rtnl_checks::explore::{explore, ExploreOptions, Explorer, Target};
    use rtnl_model::{Config, Mode, Mutant, Outcome};
    use std::collections::BTreeSet;
    use std::path::Path;

    const COVER: &str = "scenarios/proofs/cover-letter.sh";

    fn target(path: &str, cfg: Config) -> Target {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
        let l = load(&p).unwrap_or_else(|e| panic!("{e}"));
        Target { script: l.script, source: l.source, cfg }
    }

    fn dpor(cfg: Config) -> rtnl_checks::explore::Exploration {
        let opts = ExploreOptions { explorer: Explorer::Dpor, preemptions: Some(1), ..ExploreOptions::default() };
        explore(&target(COVER, cfg), &opts).expect("shuttle build")
    }

    /// loom's outcomes on the cover letter, pinned in checks/golden (every device gone).
    fn loom_outcomes() -> BTreeSet<Outcome> {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("golden/outcomes/proofs/cover-letter.json");
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(p).expect("golden file")).expect("json");
        assert_eq!(v["output"]["explorer"], "loom");
        serde_json::from_value(v["output"]["outcomes"].clone()).expect("outcomes")
    }

    #[test]
    fn dpor_cover_letter_series_reaches_loom_outcomes() {
        let ex = dpor(Config::new(Mode::Series));
        assert!(ex.passed(), "{:#?}", ex.failure);
        assert_eq!(ex.outcomes, loom_outcomes());
        assert_eq!(ex.stats.executions, 3916, "the state space or the explorer changed");
        assert!(!ex.stats.exhausted, "a preemption bound is never exhaustive under dpor");
    }

    #[test]
    fn dpor_catches_mutants_on_the_cover_letter() {
        for m in
            ["work-without-rtnl", "work-skips-run-todo", "no-drain-on-unlock", "queue-net-no-work", "leak-netdev-ref"]
        {
            let mutant: Mutant = m.parse().expect("a catalogue mutant");
            let ex = dpor(Config { mutant: Some(mutant), ..Config::new(Mode::Series) });
            let f = ex.failure.unwrap_or_else(|| panic!("{m} survived dpor"));
            assert!(!f.token.is_empty(), "{m}: a failure keeps its replay token");
        }
    }
}
