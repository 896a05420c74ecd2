//! Replay tokens: everything needed to reproduce one failing execution exactly, in one string a
//! user can paste: the script's text, the kernel configuration, the explorer and the schedule.

use crate::explorer::Explorer;
use rtnl_model::Config;
use serde::{Deserialize, Serialize};

const PREFIX: &str = "rtnl1:";

/// The schedule of the failing execution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Schedule {
    /// loom explores deterministically: the same bounds reach the same execution again.
    Loom { preemptions: Option<usize>, max_branches: usize, execution: u64 },
    /// shuttle's schedule: the task chosen at each step (`None`: a random-value step), and the seed.
    Shuttle { seed: u64, steps: Vec<Option<usize>> },
    /// Real threads choose their own interleaving: replay re-runs and may not fail again.
    Std,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplayToken {
    pub scenario: String,
    pub script: String,
    pub cfg: Config,
    pub explorer: Explorer,
    pub schedule: Schedule,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum TokenError {
    #[error("not a replay token: it must start with {PREFIX:?}")]
    #[diagnostic(help("copy the whole token printed after `replay:` in a failure report"))]
    Prefix,
    #[error("corrupt replay token: {0}")]
    Corrupt(String),
}

impl ReplayToken {
    /// `rtnl1:` and the hex of the token's JSON.
    pub fn encode(&self) -> String {
        let json = serde_json::to_vec(self).expect("tokens serialize");
        let mut s = String::with_capacity(PREFIX.len() + 2 * json.len());
        s.push_str(PREFIX);
        for b in json {
            s.push_str(&format!("{b:02x}"));
        }
        s
    }

    pub fn decode(s: &str) -> Result<Self, TokenError> {
        let hex = s.trim().strip_prefix(PREFIX).ok_or(TokenError::Prefix)?;
        if hex.len() % 2 != 0 {
            return Err(TokenError::Corrupt("odd number of hex digits".into()));
        }
        let bytes = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16))
            .collect::<Result<Vec<u8>, _>>()
            .map_err(|e| TokenError::Corrupt(e.to_string()))?;
        serde_json::from_slice(&bytes).map_err(|e| TokenError::Corrupt(e.to_string()))
    }
}
