//! One run's record in proofs.json: what was explored, what it claims, what held.

use super::*;

/// What identifies a run: suite, scenario, mode, explorer and setting.
pub type EntryKey<'a> = (Suite, &'a str, &'a str, &'static str, Setting);

/// What a run established.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Claim {
    /// loom explored every interleaving, or dpor one of each class of equivalent ones, and
    /// every property held.
    Proven,
    /// loom explored every interleaving within the preemption bound and every property held.
    ProvenWithinBound,
    /// Some schedules, all passing: evidence, not a proof.
    Sampled,
    /// dpor stopped at its execution budget before exhausting the space; none failed.
    Unfinished,
    /// A property failed.
    Violated,
    /// The run could not be made.
    Error,
}

impl Claim {
    pub fn text(self) -> &'static str {
        match self {
            Claim::Proven => "proven",
            Claim::ProvenWithinBound => "proven within bound",
            Claim::Sampled => "sampled",
            Claim::Unfinished => "not exhausted",
            Claim::Violated => "VIOLATED",
            Claim::Error => "ERROR",
        }
    }
}

/// A property's verdict in one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Held in every explored execution.
    Held,
    Violated,
    /// The run stopped at another property's violation first.
    NotEstablished,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureSummary {
    pub property: String,
    pub message: String,
    /// The 0-based execution that failed.
    pub execution: u64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphSize {
    pub classes: usize,
    pub edges: usize,
    pub acyclic: bool,
}

/// One (scenario, mode, explorer) run, as proofs.json holds it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub suite: Suite,
    pub scenario: String,
    pub file: String,
    pub mode: String,
    pub explorer: Explorer,
    /// loom: the preemption bound; null for an unbounded loom run and for PCT.
    pub preemptions: Option<usize>,
    /// pct: schedules sampled (with `depth` and `seed`); null for loom.
    pub schedules: Option<usize>,
    /// dpor: its execution budget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_executions: Option<u64>,
    pub depth: Option<usize>,
    pub seed: Option<u64>,
    /// Re-broadcasts and address order, when not `check`'s defaults.
    #[serde(default, skip_serializing_if = "Setting::is_default")]
    pub setting: Setting,
    /// What limited the run, as `check` says it.
    pub bound: String,
    pub executions: u64,
    /// Whether every schedule within the bound was explored (loom only).
    pub exhausted: bool,
    pub claim: Claim,
    /// Every property checked (`S4 exactly-once-unregistration`, ...) and its verdict.
    pub properties: BTreeMap<String, Verdict>,
    pub failure: Option<FailureSummary>,
    pub graph: GraphSize,
    /// Exploration time; not compared.
    pub seconds: f64,
    pub error: Option<String>,
    /// `rtnl_net_wq`'s CPUs and where the queuing threads ran, as `check` says it; absent with
    /// one CPU (older reports) and not compared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus: Option<String>,
}

impl Entry {
    /// `cover-letter series (loom, quick suite)`.
    pub fn label(&self) -> String {
        let setting = self.setting.suffix();
        format!("{}{setting} {} ({}, {} suite)", self.scenario, self.mode, self.explorer.name(), self.suite.name())
    }

    /// The scenario and its setting: `cover-letter [0 re-broadcasts]`.
    pub fn scenario_cell(&self) -> String {
        format!("{}{}", self.scenario, self.setting.suffix())
    }

    pub(super) fn key(&self) -> EntryKey<'_> {
        (self.suite, &self.scenario, &self.mode, self.explorer.name(), self.setting)
    }

    /// `preemption bound 2`, `every interleaving`, `2000 PCT schedules (depth 3, seed 0)`.
    pub fn bound_text(&self) -> String {
        match (self.explorer, self.preemptions, self.schedules) {
            (Explorer::Loom, Some(b), _) => format!("preemption bound {b}"),
            (Explorer::Loom, None, _) => "unbounded".into(),
            (Explorer::Dpor, None, _) if self.exhausted => "no bound".into(),
            (Explorer::Dpor, None, _) => format!("no bound, at most {} executions", self.max_executions.unwrap_or(0)),
            (_, _, Some(n)) => {
                format!("{n} PCT schedules (depth {}, seed {})", self.depth.unwrap_or(0), self.seed.unwrap_or(0))
            }
            _ => self.bound.clone(),
        }
    }

    pub(super) fn properties_held(&self) -> usize {
        self.properties.values().filter(|v| **v == Verdict::Held).count()
    }
}

/// proofs.json.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProofsFile {
    pub generated_by: String,
    pub modes: Vec<String>,
    /// Wall-clock seconds of each suite's runs, and of the whole `prove` run.
    pub seconds: BTreeMap<String, f64>,
    /// Cores of the machine that made it.
    pub cores: usize,
    pub entries: Vec<Entry>,
}

/// The entry of a run from its mode result (or the error that stopped it).
pub fn entry_of(p: &Planned, mode: Result<&ModeResult, String>) -> Entry {
    let mut e = Entry {
        suite: p.suite,
        scenario: p.scenario.into(),
        file: p.file.clone(),
        mode: p.mode.name().into(),
        explorer: p.explorer,
        preemptions: p.preemptions,
        schedules: p.schedules,
        max_executions: p.max_executions,
        depth: p.schedules.map(|_| PCT_DEPTH),
        seed: p.schedules.map(|_| PCT_SEED),
        setting: p.setting,
        bound: String::new(),
        executions: 0,
        exhausted: false,
        claim: Claim::Error,
        properties: BTreeMap::new(),
        failure: None,
        graph: GraphSize::default(),
        seconds: 0.0,
        error: None,
        cpus: None,
    };
    let m = match mode {
        Ok(m) => m,
        Err(err) => {
            e.error = Some(err);
            return e;
        }
    };
    e.executions = m.stats.executions;
    e.exhausted = m.stats.exhausted;
    e.seconds = m.stats.seconds;
    e.cpus = m.stats.cpus.clone();
    e.bound = m.stats.bound.clone().unwrap_or_else(|| "none: every interleaving".to_string());
    let g = &m.lock_graph;
    e.graph = GraphSize { classes: g.classes, edges: g.edges, acyclic: g.acyclic };
    e.failure = m.failure.as_ref().map(|f| FailureSummary {
        property: f.property.clone(),
        message: f.message.clone(),
        execution: f.execution,
    });
    let failed = e.failure.as_ref().map(|f| f.property.clone());
    let mut names: Vec<String> = m.properties_checked.clone();
    if let Some(f) = failed.as_ref().filter(|f| !names.contains(f)) {
        names.push(f.clone()); // "model panic"
    }
    e.properties = names
        .into_iter()
        .map(|property| {
            let verdict = match &failed {
                None => Verdict::Held,
                Some(f) if *f == property => Verdict::Violated,
                Some(_) => Verdict::NotEstablished,
            };
            (property, verdict)
        })
        .collect();
    let passed = m.passed;
    e.claim = match (passed, p.explorer, e.exhausted, p.preemptions) {
        (false, ..) => Claim::Violated,
        (true, Explorer::Loom | Explorer::Dpor, true, None) => Claim::Proven,
        (true, Explorer::Dpor, false, _) => Claim::Unfinished,
        (true, Explorer::Loom, true, Some(_)) => Claim::ProvenWithinBound,
        _ => Claim::Sampled,
    };
    if e.properties.is_empty() && e.claim != Claim::Violated {
        e.claim = Claim::Error;
        e.error = Some("the result names no property checked".into());
    }
    e
}

/// Whether a mode is a kernel that exists (before or after the series), where a failure of the
/// faithful model breaks a proof; rtnl-free is a hypothetical kernel whose failures are findings.
pub(super) fn existing_kernel(mode: &str) -> bool {
    Mode::BOTH.iter().any(|m| m.name() == mode)
}
