//! The suites: which scenarios `prove` runs, under which explorer and bound, and `--shard`.

use super::*;

/// PCT: bug depth, seed, and schedules per run in each suite.
pub(super) const PCT_DEPTH: usize = 3;
pub(super) const PCT_SEED: u64 = 0;
pub(super) const PCT_FULL: usize = 2000;
pub(super) const PCT_QUICK: usize = 500;
/// A run that takes longer has hung or outgrown its bound: loom stops it, the run is then not
/// exhausted, and the comparison with the committed report fails.
pub(super) const MAX_SECONDS_FULL: u64 = 600;
pub(super) const MAX_SECONDS_QUICK: u64 = 120;
/// dpor: executions per run with no preemption bound. A run that exhausts the space within
/// them proves its scenario with no bound; one that does not says where it stopped. A count,
/// not a time, so that the gate compares like with like.
pub(super) const DPOR_FULL: u64 = 50_000;
pub(super) const DPOR_QUICK: u64 = 2_000;

/// `--shard K/N`: run K (1-based) of N.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Shard {
    pub k: usize,
    pub n: usize,
}

impl Shard {
    /// Whether the run at `index` of the plan is this shard's.
    pub fn has(self, index: usize) -> bool {
        index % self.n == self.k - 1
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

/// Parses `K/N` with 1 <= K <= N.
pub fn parse_shard(s: &str) -> Result<Shard, String> {
    let (k, n) = s.split_once('/').ok_or_else(|| format!("`{s}` is not K/N (e.g. 1/4)"))?;
    let num = |x: &str| x.trim().parse::<usize>().map_err(|_| format!("`{s}` is not K/N: `{x}` is not a number"));
    let (k, n) = (num(k)?, num(n)?);
    if n == 0 || k == 0 || k > n {
        return Err(format!("`{s}`: need 1 <= K <= N"));
    }
    Ok(Shard { k, n })
}

/// How loom explores a scenario in one suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loom {
    /// Every interleaving.
    Unbounded,
    /// Every interleaving with at most this many preemptions.
    Bound(usize),
    /// Not run under loom (too many threads, or not in this suite).
    No,
}

/// A scenario of the suite and the loom bounds of its two suites.
#[derive(Clone, Copy, Debug)]
pub struct ProofScenario {
    pub name: &'static str,
    /// Under checks/scenarios.
    pub dir: &'static str,
    pub full: Loom,
    pub quick: Loom,
    /// Why these bounds, for the report.
    pub why: &'static str,
}

/// The proof suite. Bounds: the largest that keeps the full suite within a few minutes on two
/// cores (`why` says what the next bound did when tried); a scenario with more threads than
/// loom allows is only sampled.
pub const SUITE: &[ProofScenario] = &[
    ProofScenario {
        name: "cover-letter",
        dir: "proofs",
        full: Loom::Bound(3),
        quick: Loom::Bound(2),
        why: "unbounded, the series mode did not exhaust within 60 s; bound 3 exhausts in seconds",
    },
    ProofScenario {
        name: "cover-letter-netns-del",
        dir: "proofs",
        full: Loom::Bound(2),
        quick: Loom::Bound(1),
        why: "bound 3 did not exhaust within 150 s in series mode",
    },
    ProofScenario {
        name: "tunnel-socket-netns",
        dir: "proofs",
        full: Loom::Unbounded,
        quick: Loom::Bound(3),
        why: "no concurrent commands: loom exhausts every interleaving, with no bound, in under a minute per mode",
    },
    ProofScenario {
        name: "bareudp-socket-netns-race",
        dir: "proofs",
        full: Loom::Bound(3),
        quick: Loom::Bound(2),
        why: "unbounded, neither mode exhausted within 60 s; bound 3 exhausts in seconds",
    },
    ProofScenario {
        name: "geneve-socket-netns-race",
        dir: "proofs",
        full: Loom::Bound(3),
        quick: Loom::Bound(2),
        why: "bareudp's race with an unconverted tunnel; as there, bound 3 exhausts in seconds",
    },
    ProofScenario {
        name: "veth-pair-race",
        dir: "proofs",
        full: Loom::Bound(2),
        quick: Loom::Bound(1),
        why: "three concurrent commands: bound 3 did not exhaust within 150 s in series mode",
    },
    ProofScenario {
        name: "ipvlan-lower-upper-netns-race",
        dir: "proofs",
        full: Loom::Bound(1),
        quick: Loom::Bound(1),
        why: "three concurrent commands, nine in all: bound 2 did not exhaust within 120 s in series mode",
    },
    ProofScenario {
        name: "veth-pair-race-move",
        dir: "proofs",
        full: Loom::No,
        quick: Loom::No,
        why: "four concurrent commands need six threads, more than loom's five: sampled only",
    },
];

/// Known findings, run at the full suite's usual bound to show what such a bound can miss: the
/// faithful model violates a property in these by design, so they are not proofs.
pub const CALIBRATION: &[ProofScenario] = &[
    ProofScenario {
        name: "a1-rebroadcast-drains-into-todo",
        dir: "findings",
        full: Loom::Bound(2),
        quick: Loom::No,
        why: "hazard A1, kernel-notes §7.4 minimal scenario 5",
    },
    ProofScenario {
        name: "a6-stacked-upper-behind-its-lower-work",
        dir: "findings",
        full: Loom::Bound(2),
        quick: Loom::No,
        why: "hazard A6, found by this model",
    },
];

/// The configuration a run explores beyond mode and bound: the re-broadcast passes
/// `netdev_wait_allrefs_any()` makes (issue 15 item 8) and the nets' address order, which
/// orders their locks (item 9). Every scenario runs in [`Setting::default`] under every
/// explorer, and once more per [`OTHER_SETTINGS`] entry under loom at the suite's bound (PCT
/// where loom cannot run it): in every mode in the full suite, in series mode in the quick one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Setting {
    pub rebroadcasts: u8,
    pub addr_order: AddrOrder,
}

impl Default for Setting {
    /// `check`'s defaults.
    fn default() -> Self {
        Setting { rebroadcasts: 1, addr_order: AddrOrder::Ascending }
    }
}

impl Setting {
    pub fn is_default(&self) -> bool {
        *self == Setting::default()
    }

    /// What differs from the default, as a label suffix: ` [0 re-broadcasts]`; empty for the default.
    pub fn suffix(&self) -> String {
        let mut parts = Vec::new();
        if self.rebroadcasts != Setting::default().rebroadcasts {
            parts.push(format!("{} re-broadcasts", self.rebroadcasts));
        }
        if self.addr_order != Setting::default().addr_order {
            parts.push(format!("{} addresses", self.addr_order));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!(" [{}]", parts.join(", "))
        }
    }
}

/// The settings explored besides the default: no re-broadcast (every reference went within a
/// second), two passes (a wait of two seconds or more), and descending net addresses.
pub const OTHER_SETTINGS: &[Setting] = &[
    Setting { rebroadcasts: 0, addr_order: AddrOrder::Ascending },
    Setting { rebroadcasts: 2, addr_order: AddrOrder::Ascending },
    Setting { rebroadcasts: 1, addr_order: AddrOrder::Descending },
];

/// Which suite an entry belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Suite {
    /// The proofs the report states.
    Full,
    /// What CI reruns and compares.
    Quick,
    /// Known findings under the same explorers; expected to fail.
    Calibration,
}

impl Suite {
    pub fn name(self) -> &'static str {
        match self {
            Suite::Full => "full",
            Suite::Quick => "quick",
            Suite::Calibration => "calibration",
        }
    }
}

/// One run to make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Planned {
    pub suite: Suite,
    pub scenario: &'static str,
    /// Relative to the repository root.
    pub file: String,
    pub mode: Mode,
    pub explorer: Explorer,
    /// loom: the preemption bound (`None`: unbounded).
    pub preemptions: Option<usize>,
    /// pct: schedules sampled.
    pub schedules: Option<usize>,
    /// dpor: executions at most.
    pub max_executions: Option<u64>,
    pub setting: Setting,
}

impl Planned {
    /// As [`Entry::label`] says it.
    pub fn label(&self) -> String {
        let (scenario, setting) = (self.scenario, self.setting.suffix());
        format!("{scenario}{setting} {} ({}, {} suite)", self.mode.name(), self.explorer.name(), self.suite.name())
    }

    /// As [`Entry::key`] says it.
    pub fn key(&self) -> EntryKey<'_> {
        (self.suite, self.scenario, self.mode.name(), self.explorer.name(), self.setting)
    }

    /// The `check` arguments of this run.
    pub fn check_args(&self) -> Vec<String> {
        let file = repo_root().join(&self.file).display().to_string();
        let mut a: Vec<String> = vec!["check".into(), file, "--explorer".into(), self.explorer.name().into()];
        a.extend(["--mode".into(), self.mode.name().into(), "--format".into(), "json".into()]);
        if let Some(p) = self.preemptions {
            a.extend(["--preemptions".into(), p.to_string()]);
        }
        if let Some(n) = self.schedules {
            a.extend(["--iterations".into(), n.to_string(), "--depth".into(), PCT_DEPTH.to_string()]);
            a.extend(["--seed".into(), PCT_SEED.to_string()]);
        }
        if let Some(n) = self.max_executions {
            a.extend(["--max-executions".into(), n.to_string()]);
        }
        if self.setting.rebroadcasts != Setting::default().rebroadcasts {
            a.extend(["--rebroadcasts".into(), self.setting.rebroadcasts.to_string()]);
        }
        if self.setting.addr_order != Setting::default().addr_order {
            a.extend(["--addr-order".into(), self.setting.addr_order.name().into()]);
        }
        if self.explorer == Explorer::Loom {
            let limit = if self.suite == Suite::Quick { MAX_SECONDS_QUICK } else { MAX_SECONDS_FULL };
            a.extend(["--max-seconds".into(), limit.to_string()]);
        }
        // The calibration shows what a preemption bound misses; every placement of A1's three
        // queuing threads would not finish within the time limit.
        if self.suite == Suite::Calibration {
            a.extend(["--cpus".into(), "1".into()]);
        }
        a
    }
}

/// The runs of `suites`, in every mode `modes("all")` names.
pub fn plan(suites: &[Suite]) -> Result<Vec<Planned>, String> {
    let all_modes = modes("all")?;
    let mut out = Vec::new();
    for &suite in suites {
        let table = if suite == Suite::Calibration { CALIBRATION } else { SUITE };
        for s in table {
            let loom = if suite == Suite::Quick { s.quick } else { s.full };
            let schedules = if suite == Suite::Quick { PCT_QUICK } else { PCT_FULL };
            let file = format!("checks/scenarios/{}/{}.sh", s.dir, s.name);
            for &mode in &all_modes {
                let base = Planned {
                    suite,
                    scenario: s.name,
                    file: file.clone(),
                    mode,
                    explorer: Explorer::Pct,
                    preemptions: None,
                    schedules: Some(schedules),
                    max_executions: None,
                    setting: Setting::default(),
                };
                // The scenario under loom at this suite's bound, in `setting`, where loom runs it.
                let loom_run = |setting| match loom {
                    Loom::No => None,
                    Loom::Unbounded | Loom::Bound(_) => Some(Planned {
                        explorer: Explorer::Loom,
                        preemptions: if let Loom::Bound(b) = loom { Some(b) } else { None },
                        schedules: None,
                        setting,
                        ..base.clone()
                    }),
                };
                out.extend(loom_run(Setting::default()));
                out.push(Planned {
                    explorer: Explorer::Dpor,
                    schedules: None,
                    max_executions: Some(if suite == Suite::Quick { DPOR_QUICK } else { DPOR_FULL }),
                    ..base.clone()
                });
                // The other settings once each: under loom at this suite's bound where it runs;
                // the quick suite (CI) only in series mode, the kernel under review.
                if suite == Suite::Full || (suite == Suite::Quick && mode == Mode::Series) {
                    for &setting in OTHER_SETTINGS {
                        out.push(loom_run(setting).unwrap_or_else(|| Planned { setting, ..base.clone() }));
                    }
                }
                out.push(base);
            }
        }
    }
    Ok(out)
}
