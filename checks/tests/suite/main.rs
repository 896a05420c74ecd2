//! The integration tests: one binary, whose modules depend on the model's backend.
//!
//! - std (`cargo test --release --workspace --target-dir target-std`): the CLI, the docs, the
//!   parser, the lock graph, property tests on real threads, conformance with the kernel;
//! - loom (`RUSTFLAGS="--cfg rtnl_loom" cargo test --release -p rtnl-checks --target-dir
//!   target-loom --test suite`): the corpus exhaustively within preemption bounds, rtnl-free
//!   mode, the mutant kills;
//! - shuttle (`RUSTFLAGS="--cfg rtnl_shuttle" ... --target-dir target-shuttle --test suite`):
//!   random and PCT schedules, the property tests under shuttle, dpor, the fuzz inputs, the
//!   mutant kills.
//!
//! One module runs alone with a filter: `cargo test ... --test suite cli::`. One binary per
//! backend instead of one per file: each test binary links the whole model and checker again.

// Real threads (the std backend).
#[cfg(not(any(rtnl_loom, rtnl_shuttle)))]
mod cli;
#[cfg(not(any(rtnl_loom, rtnl_shuttle)))]
mod common;
#[cfg(not(any(rtnl_loom, rtnl_shuttle)))]
mod conform;
#[cfg(not(any(rtnl_loom, rtnl_shuttle)))]
mod docs;
#[cfg(not(any(rtnl_loom, rtnl_shuttle)))]
mod html;
#[cfg(not(any(rtnl_loom, rtnl_shuttle)))]
mod lockgraph;
#[cfg(not(any(rtnl_loom, rtnl_shuttle)))]
mod model_std;
#[cfg(not(any(rtnl_loom, rtnl_shuttle)))]
mod model_units;
#[cfg(not(any(rtnl_loom, rtnl_shuttle)))]
mod mutants_doc;
#[cfg(not(any(rtnl_loom, rtnl_shuttle)))]
mod props;
#[cfg(not(any(rtnl_loom, rtnl_shuttle)))]
mod scenario_parse;

// loom.
#[cfg(rtnl_loom)]
mod loom;
#[cfg(rtnl_loom)]
mod rtnl_free;

// shuttle.
#[cfg(rtnl_shuttle)]
mod dpor;
#[cfg(rtnl_shuttle)]
mod shuttle;
#[cfg(rtnl_shuttle)]
mod shuttle_props;

// Every backend, each with its own part.
mod fuzz_regress;
mod mutants_kill;
