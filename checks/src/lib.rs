//! rtnl-checks: the checkers that turn rtnl-model into evidence: exploration under loom,
//! shuttle and real threads, the lock-order graph, the scenario language, conformance with the
//! real kernel, and the `rtnl-check` CLI.

#[cfg(any(rtnl_loom, rtnl_shuttle))]
mod backends;
pub mod cli;
pub mod conform;
pub mod dpor;
pub mod explore;
pub mod fuzzing;
pub mod lockgraph;
pub mod mutants;
pub mod prove;
pub mod reference;
pub mod scenario;
#[cfg(feature = "proptest")]
pub mod strategy;
pub mod token;
pub mod topology;
