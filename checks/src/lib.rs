//! rtnl-checks: the checkers that turn rtnl-model into evidence: exploration under loom,
//! shuttle and real threads, the lock-order graph, the scenario language, conformance with the
//! real kernel, and the `rtnl-check` CLI.

pub mod check;
pub mod cli;
pub mod conform;
pub mod dpor;
pub mod error;
pub mod explore;
pub mod explorer;
pub mod fuzzing;
pub mod html;
pub mod launch;
#[cfg(test)]
mod layering;
pub mod lockgraph;
pub mod mutants;
pub mod progress;
pub mod protocol;
pub mod prove;
pub mod reference;
pub mod scenario;
#[cfg(feature = "proptest")]
pub mod strategy;
pub mod token;
pub mod topology;
