//! The explorers a check can run, and which model backend each needs: a leaf the harness,
//! the replay tokens and the commands all name.

use serde::{Deserialize, Serialize};

/// How interleavings are chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Explorer {
    /// loom: every interleaving (up to the preemption bound, if any).
    Loom,
    /// shuttle's random scheduler.
    Shuttle,
    /// shuttle's PCT scheduler (probabilistic concurrency testing, bug depth `depth`).
    Pct,
    /// Real threads: a smoke run, not an exploration.
    Std,
    /// Optimal DPOR (crate::dpor) on the shuttle runtime: exhaustive unless a preemption bound.
    Dpor,
}

impl Explorer {
    pub fn name(self) -> &'static str {
        match self {
            Explorer::Loom => "loom",
            Explorer::Shuttle => "shuttle",
            Explorer::Pct => "pct",
            Explorer::Std => "std",
            Explorer::Dpor => "dpor",
        }
    }

    /// The model backend this explorer runs on.
    pub fn backend(self) -> &'static str {
        match self {
            Explorer::Loom => "loom",
            Explorer::Shuttle | Explorer::Pct | Explorer::Dpor => "shuttle",
            Explorer::Std => "std",
        }
    }

    /// Whether this binary's model was built for this explorer.
    pub fn available(self) -> bool {
        self.backend() == rtnl_model::sync::BACKEND
    }
}

impl std::str::FromStr for Explorer {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "loom" => Ok(Explorer::Loom),
            "shuttle" | "random" => Ok(Explorer::Shuttle),
            "pct" => Ok(Explorer::Pct),
            "std" => Ok(Explorer::Std),
            "dpor" => Ok(Explorer::Dpor),
            _ => Err(format!("unknown explorer {s:?}: expected loom, shuttle, pct, dpor or std")),
        }
    }
}
