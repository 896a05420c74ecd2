//! `rtnl-check prove`: the proof suite behind docs/proofs. Each scenario of
//! checks/scenarios/proofs runs in every mode of [`Mode::ALL`], under loom (exhaustive, within a
//! preemption bound chosen per scenario, or unbounded) when its threads fit, and always under
//! shuttle PCT as well, which samples deep schedules that a small preemption bound excludes.
//! Every run records what was explored and what held; `prove` writes REPORT.md, proofs.json and
//! one lock-order graph per mode, and `prove --quick --check` (CI) reruns the quick suite and
//! fails when a verdict or an explored count differs from the committed proofs.json.
//!
//! Each run is a subprocess in the build its explorer needs, through the launcher protocol
//! ([`crate::protocol`]), so that a run that hangs or crashes cannot take the suite with it; its
//! frame carries the typed result and the lock-order edges the merged per-mode graphs need.

use crate::check::{CheckArgs, ModeResult};
use crate::error::{self, CliError, CmdResult};
use crate::explore::{modes, Explorer};
use crate::launch::repo_root;
use crate::lockgraph::LockGraph;
use crate::protocol::{run_in, Request};
use clap::{Args, ValueEnum};
use rtnl_model::lockdep::LockEdge;
use rtnl_model::Mode;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// PCT: bug depth, seed, and schedules per run in each suite.
const PCT_DEPTH: usize = 3;
const PCT_SEED: u64 = 0;
const PCT_FULL: usize = 2000;
const PCT_QUICK: usize = 500;
/// A run that takes longer has hung or outgrown its bound: loom stops it, the run is then not
/// exhausted, and the comparison with the committed report fails.
const MAX_SECONDS_FULL: u64 = 600;
const MAX_SECONDS_QUICK: u64 = 120;

/// `rtnl-check prove`.
#[derive(Args, Debug, Clone)]
pub struct ProveArgs {
    /// Only the quick suite (what CI runs: loom with smaller bounds, 500 PCT schedules). Without
    /// --check it prints its results and writes nothing: docs/proofs always holds both suites
    /// from one run of `rtnl-check prove`.
    #[arg(long)]
    pub quick: bool,
    /// Compare with the committed proofs.json instead of writing: exit 1 when a verdict, a bound
    /// or an explored count (executions, exhausted, lock-order graph size) differs. Times are
    /// not compared.
    #[arg(long)]
    pub check: bool,
    /// text: the result table; json: the entries and the differences; junit: JUnit XML for CI
    /// (one testcase per run, a failure where a proof broke or, with --check, differs).
    #[arg(long, value_enum, default_value_t = ProveFormat::Text)]
    pub format: ProveFormat,
    /// Only shard K of N (1-based): the runs whose index in the suite's fixed order is K-1
    /// modulo N, so that N CI jobs share the suite. With --check only those runs are compared
    /// with proofs.json (shard 1 also reports committed runs the suite no longer makes). Needs
    /// --check or --quick: a shard never writes docs/proofs.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<Shard>,
    /// The directory of REPORT.md, proofs.json and the lock-order graphs [default: docs/proofs
    /// of the repository].
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// What `prove` prints on stdout.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum ProveFormat {
    Text,
    Json,
    Junit,
}

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
}

impl Planned {
    /// As [`Entry::label`] says it.
    pub fn label(&self) -> String {
        format!("{} {} ({}, {} suite)", self.scenario, self.mode.name(), self.explorer.name(), self.suite.name())
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
        if self.explorer == Explorer::Loom {
            let limit = if self.suite == Suite::Quick { MAX_SECONDS_QUICK } else { MAX_SECONDS_FULL };
            a.extend(["--max-seconds".into(), limit.to_string()]);
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
                };
                match loom {
                    Loom::No => {}
                    Loom::Unbounded | Loom::Bound(_) => out.push(Planned {
                        explorer: Explorer::Loom,
                        preemptions: if let Loom::Bound(b) = loom { Some(b) } else { None },
                        schedules: None,
                        ..base.clone()
                    }),
                }
                out.push(base);
            }
        }
    }
    Ok(out)
}

/// What a run established.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Claim {
    /// loom explored every interleaving and every property held.
    Proven,
    /// loom explored every interleaving within the preemption bound and every property held.
    ProvenWithinBound,
    /// Some schedules, all passing: evidence, not a proof.
    Sampled,
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
    pub depth: Option<usize>,
    pub seed: Option<u64>,
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
}

impl Entry {
    /// `cover-letter series (loom, quick suite)`.
    pub fn label(&self) -> String {
        format!("{} {} ({}, {} suite)", self.scenario, self.mode, self.explorer.name(), self.suite.name())
    }

    fn key(&self) -> (Suite, &str, &str, &'static str) {
        (self.suite, &self.scenario, &self.mode, self.explorer.name())
    }

    /// `preemption bound 2`, `every interleaving`, `2000 PCT schedules (depth 3, seed 0)`.
    pub fn bound_text(&self) -> String {
        match (self.explorer, self.preemptions, self.schedules) {
            (Explorer::Loom, Some(b), _) => format!("preemption bound {b}"),
            (Explorer::Loom, None, _) => "unbounded".into(),
            (_, _, Some(n)) => {
                format!("{n} PCT schedules (depth {}, seed {})", self.depth.unwrap_or(0), self.seed.unwrap_or(0))
            }
            _ => self.bound.clone(),
        }
    }

    fn properties_held(&self) -> usize {
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

/// Runs the subcommand.
pub fn run(a: &ProveArgs) -> CmdResult {
    let suites: &[Suite] = if a.quick { &[Suite::Quick] } else { &[Suite::Full, Suite::Calibration, Suite::Quick] };
    if a.shard.is_some() && !a.check && !a.quick {
        return Err(CliError::Msg(
            "--shard runs part of the suite and writes nothing: use it with --check or --quick".into(),
        ));
    }
    let all_planned = plan(suites).map_err(CliError::Msg)?;
    let planned: Vec<&Planned> =
        all_planned.iter().enumerate().filter(|(i, _)| a.shard.is_none_or(|s| s.has(*i))).map(|(_, p)| p).collect();
    let start = std::time::Instant::now();
    let mut entries = Vec::new();
    let mut walls = Vec::new();
    let mut edges: Vec<(Suite, String, Vec<LockEdge>)> = Vec::new();
    let mut seconds: BTreeMap<String, f64> = BTreeMap::new();
    let bar = crate::progress::runs(planned.len() as u64);
    for (i, p) in planned.iter().enumerate() {
        if let Some(b) = &bar {
            b.set_message(p.label());
        }
        let (e, es, wall) = execute(p);
        let line = format!(
            "[{}/{}] {}: {}, {} executions{}, {:.2} s",
            i + 1,
            planned.len(),
            e.label(),
            e.claim.text(),
            e.executions,
            if e.exhausted { " (exhausted)" } else { "" },
            e.seconds
        );
        crate::progress::eprintln_above(bar.as_ref(), &line);
        if let Some(b) = &bar {
            b.inc(1);
        }
        *seconds.entry(p.suite.name().into()).or_default() += wall;
        edges.push((p.suite, e.mode.clone(), es));
        entries.push(e);
        walls.push(wall);
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    seconds.insert("total".into(), start.elapsed().as_secs_f64());
    let file = ProofsFile {
        generated_by: "rtnl-check prove".into(),
        modes: modes("all").unwrap_or_default().iter().map(|m| m.name().to_string()).collect(),
        seconds,
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        entries,
    };
    let broken = broken_proofs(&file.entries);
    // Canonical, so messages name it without `..`.
    let out_dir = a.out.clone().unwrap_or_else(|| repo_root().join("docs").join("proofs"));
    let out = std::fs::canonicalize(&out_dir).unwrap_or(out_dir);
    // A shard compares its own runs; shard 1 also owns committed runs no longer planned.
    let keep = |e: &Entry| match a.shard {
        None => true,
        Some(s) => all_planned
            .iter()
            .position(|p| e.key() == (p.suite, p.scenario, p.mode.name(), p.explorer.name()))
            .map_or(s.k == 1, |i| s.has(i)),
    };
    let mismatches =
        if a.check { check_against(&out.join("proofs.json"), &file.entries, suites, &keep) } else { Vec::new() };
    let junit = a.format == ProveFormat::Junit;
    // In JUnit mode stdout is the XML alone; the summary lines go to stderr.
    let say = |line: String| if junit { eprintln!("{line}") } else { println!("{line}") };
    match a.format {
        ProveFormat::Json => {
            let json = serde_json::json!({ "proofs": file, "mismatches": mismatches });
            crate::check::print_json(&json)?;
        }
        ProveFormat::Text => print!("{}", render_table(&file.entries)),
        ProveFormat::Junit => {
            let problems: Vec<String> = broken.iter().chain(&mismatches).cloned().collect();
            print!("{}", render_junit(&file.entries, &walls, &problems));
        }
    }
    let errors = file.entries.iter().filter(|e| e.claim == Claim::Error).count();
    for b in &broken {
        eprintln!("FAIL: {b}");
    }
    if a.check {
        for m in &mismatches {
            eprintln!("{m}");
        }
        if mismatches.is_empty() && broken.is_empty() {
            let shard = a.shard.map(|s| format!(" of shard {s}")).unwrap_or_default();
            say(format!("proof gate: {} runs{shard} match {}", file.entries.len(), out.join("proofs.json").display()));
            return Ok(error::Verdict::Held);
        }
        eprintln!(
            "proof gate FAILED: {} difference(s) from {}, {} broken proof(s)",
            mismatches.len(),
            out.join("proofs.json").display(),
            broken.len()
        );
        return Ok(error::Verdict::Violation);
    }
    if a.quick {
        say("(quick suite: nothing written; `rtnl-check prove` writes docs/proofs)".into());
    } else if let Err(e) = write_artifacts(&out, &file, &edges) {
        return Err(CliError::Msg(e));
    } else {
        say(format!("wrote {}", out.display()));
    }
    if errors > 0 {
        return Err(CliError::NotRun { count: errors });
    }
    Ok(error::Verdict::violation_if(!broken.is_empty()))
}

/// Runs one planned check as a subprocess in its explorer's build; returns its entry, its
/// lock-order edges and the wall-clock seconds it took.
fn execute(p: &Planned) -> (Entry, Vec<LockEdge>, f64) {
    let args = match CheckArgs::parse_check_line(&p.check_args()) {
        Ok(a) => CheckArgs { no_progress: true, ..a },
        Err(e) => return (entry_of(p, Err(e.to_string())), Vec::new(), 0.0),
    };
    let start = std::time::Instant::now();
    let frames = run_in(p.explorer.backend(), &Request { args });
    let wall = start.elapsed().as_secs_f64();
    let frame = match frames {
        Ok(fs) => fs.into_iter().next(),
        Err(e) => return (entry_of(p, Err(format!("rtnl-check {}: {e}", p.check_args().join(" ")))), Vec::new(), wall),
    };
    match frame.as_ref().and_then(|f| f.result.modes.first().map(|m| (f, m))) {
        Some((f, m)) => {
            // The first example of each class dependency rebuilds the class graph.
            let edges = f.class_edges.iter().flatten().filter_map(|c| c.first().cloned()).collect();
            (entry_of(p, Ok(m)), edges, wall)
        }
        None => (entry_of(p, Err("the result has no mode".into())), Vec::new(), wall),
    }
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
        depth: p.schedules.map(|_| PCT_DEPTH),
        seed: p.schedules.map(|_| PCT_SEED),
        bound: String::new(),
        executions: 0,
        exhausted: false,
        claim: Claim::Error,
        properties: BTreeMap::new(),
        failure: None,
        graph: GraphSize::default(),
        seconds: 0.0,
        error: None,
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
        (true, Explorer::Loom, true, None) => Claim::Proven,
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
fn existing_kernel(mode: &str) -> bool {
    Mode::BOTH.iter().any(|m| m.name() == mode)
}

/// Proof-suite runs in an existing kernel's mode that failed or could not run.
pub fn broken_proofs(entries: &[Entry]) -> Vec<String> {
    entries
        .iter()
        .filter(|e| e.suite != Suite::Calibration && existing_kernel(&e.mode))
        .filter_map(|e| match (&e.failure, &e.error) {
            (_, Some(err)) => Some(format!("{}: could not run: {err}", e.label())),
            (Some(f), _) => Some(format!(
                "{}: the faithful model violates {} in execution {}: {}",
                e.label(),
                f.property,
                f.execution,
                f.message
            )),
            _ => None,
        })
        .collect()
}

/// Compares this run's entries of `suites` with the committed file's; one message per difference.
/// Only the committed entries `keep` accepts are compared (a shard's).
pub fn check_against(path: &Path, now: &[Entry], suites: &[Suite], keep: &dyn Fn(&Entry) -> bool) -> Vec<String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => return vec![format!("{}: {e}: create it with `rtnl-check prove`", path.display())],
    };
    match serde_json::from_str::<ProofsFile>(&text) {
        Ok(f) => {
            let committed: Vec<Entry> = f.entries.into_iter().filter(|e| keep(e)).collect();
            compare(&committed, now, suites)
        }
        Err(e) => vec![format!("{}: unreadable ({e}): regenerate it with `rtnl-check prove`", path.display())],
    }
}

/// The differences between committed entries and this run's, for the entries of `suites`:
/// verdicts, bounds and explored counts; never times.
pub fn compare(committed: &[Entry], now: &[Entry], suites: &[Suite]) -> Vec<String> {
    const UPDATE: &str = "update docs/proofs with `rtnl-check prove`";
    let mut out = Vec::new();
    let old: BTreeMap<_, &Entry> =
        committed.iter().filter(|e| suites.contains(&e.suite)).map(|e| (e.key(), e)).collect();
    let new_keys: BTreeSet<_> = now.iter().map(Entry::key).collect();
    for n in now {
        let label = n.label();
        if let Some(err) = &n.error {
            out.push(format!("{label}: could not run: {err}"));
            continue;
        }
        let Some(o) = old.get(&n.key()) else {
            out.push(format!("{label}: not in the committed proofs.json: {UPDATE}"));
            continue;
        };
        let mut diff = |what: String, regress: bool| {
            let tail = if regress {
                "a verdict regressed: fix the model or the kernel change, or update docs/proofs with `rtnl-check prove` if intended"
            } else {
                UPDATE
            };
            out.push(format!("{label}: {what}: {tail}"));
        };
        if (o.preemptions, o.schedules, o.depth, o.seed) != (n.preemptions, n.schedules, n.depth, n.seed) {
            diff(format!("bound {} committed, {} now", o.bound_text(), n.bound_text()), false);
            continue;
        }
        if o.claim != n.claim {
            let regress = rank(n.claim) < rank(o.claim);
            diff(format!("{} committed, {} now", o.claim.text(), n.claim.text()), regress);
        }
        for (p, now) in &n.properties {
            match o.properties.get(p) {
                Some(v) if v == now => {}
                Some(v) => diff(
                    format!("{p}: {} committed, {} now", verdict_text(*v), verdict_text(*now)),
                    *now == Verdict::Violated || *v == Verdict::Held,
                ),
                None => diff(format!("{p}: not checked in the committed run"), false),
            }
        }
        for p in o.properties.keys().filter(|p| !n.properties.contains_key(*p)) {
            diff(format!("{p}: checked in the committed run, not now"), true);
        }
        if o.executions != n.executions {
            diff(format!("executions {} committed, {} now", o.executions, n.executions), false);
        }
        if o.exhausted != n.exhausted {
            let yn = |b: bool| if b { "exhausted" } else { "not exhausted" };
            diff(format!("{} committed, {} now", yn(o.exhausted), yn(n.exhausted)), o.exhausted);
        }
        if o.graph != n.graph {
            let g = |g: &GraphSize| {
                format!("{} classes/{} edges{}", g.classes, g.edges, if g.acyclic { "" } else { " with a CYCLE" })
            };
            diff(
                format!("lock-order graph {} committed, {} now", g(&o.graph), g(&n.graph)),
                o.graph.acyclic && !n.graph.acyclic,
            );
        }
    }
    for (k, o) in &old {
        if !new_keys.contains(k) {
            out.push(format!("{}: in the committed proofs.json but no longer run: {UPDATE}", o.label()));
        }
    }
    out
}

/// Strength of a claim, for telling a regression from an improvement.
fn rank(c: Claim) -> u8 {
    match c {
        Claim::Error => 0,
        Claim::Violated => 1,
        Claim::Sampled => 2,
        Claim::ProvenWithinBound => 3,
        Claim::Proven => 4,
    }
}

fn verdict_text(v: Verdict) -> &'static str {
    match v {
        Verdict::Held => "held",
        Verdict::Violated => "VIOLATED",
        Verdict::NotEstablished => "not established",
    }
}

/// `3/19 acyclic`.
fn graph_cell(g: &GraphSize) -> String {
    format!("{}/{} {}", g.classes, g.edges, if g.acyclic { "acyclic" } else { "CYCLE" })
}

/// The properties cell: `18/18 held`, `S14 VIOLATED`.
fn properties_cell(e: &Entry) -> String {
    match &e.failure {
        Some(f) => format!("{} VIOLATED", f.property.split(' ').next().unwrap_or_default()),
        None if e.error.is_some() => "-".into(),
        None => format!("{}/{} held", e.properties_held(), e.properties.len()),
    }
}

/// Escapes text for an XML attribute or element; characters XML 1.0 cannot hold become U+FFFD.
pub fn xml_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            // Kept as references so that attribute values keep their line breaks.
            '\n' => o.push_str("&#10;"),
            '\r' => o.push_str("&#13;"),
            '\t' => o.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => o.push('\u{FFFD}'),
            c => o.push(c),
        }
    }
    o
}

/// JUnit XML of the runs: one testsuite per suite, one testcase per run (classname the scenario,
/// name its label, time its wall-clock seconds). A run that could not be made is an `<error>`;
/// one named by `problems` (broken proofs and differences from proofs.json, each starting with
/// its run's label) is a `<failure>`. Problems that name no run of this call (a committed run
/// no longer made) go in a last testcase, `proofs.json`.
pub fn render_junit(entries: &[Entry], walls: &[f64], problems: &[String]) -> String {
    struct Case {
        suite: Suite,
        classname: String,
        name: String,
        seconds: f64,
        error: Option<String>,
        failures: Vec<String>,
        out: String,
    }
    let mut claimed = vec![false; problems.len()];
    let mut cases: Vec<Case> = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let prefix = format!("{}: ", e.label());
        let mut failures = Vec::new();
        for (j, p) in problems.iter().enumerate() {
            if let Some(rest) = p.strip_prefix(&prefix) {
                claimed[j] = true;
                failures.push(rest.to_string());
            }
        }
        let out = format!(
            "{}: {}, {} executions{}",
            e.bound_text(),
            e.claim.text(),
            e.executions,
            if e.exhausted { " (exhausted)" } else { "" }
        );
        cases.push(Case {
            suite: e.suite,
            classname: e.scenario.clone(),
            name: e.label(),
            seconds: walls.get(i).copied().unwrap_or(e.seconds),
            error: e.error.clone(),
            failures,
            out,
        });
    }
    let rest: Vec<String> = problems.iter().zip(&claimed).filter(|(_, c)| !**c).map(|(p, _)| p.clone()).collect();
    if !rest.is_empty() {
        let suite = entries.last().map_or(Suite::Quick, |e| e.suite);
        cases.push(Case {
            suite,
            classname: "proofs.json".into(),
            name: "proofs.json".into(),
            seconds: 0.0,
            error: None,
            failures: rest,
            out: String::new(),
        });
    }
    let mut suites: Vec<Suite> = Vec::new();
    for c in &cases {
        if !suites.contains(&c.suite) {
            suites.push(c.suite);
        }
    }
    let count = |cs: &[&Case]| {
        let errors = cs.iter().filter(|c| c.error.is_some()).count();
        let failures = cs.iter().filter(|c| c.error.is_none() && !c.failures.is_empty()).count();
        (cs.len(), failures, errors, cs.iter().map(|c| c.seconds).sum::<f64>())
    };
    let all: Vec<&Case> = cases.iter().collect();
    let (tests, failures, errors, time) = count(&all);
    let mut o = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        o,
        "<testsuites name=\"rtnl-check prove\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{time:.3}\">"
    );
    for s in suites {
        let cs: Vec<&Case> = cases.iter().filter(|c| c.suite == s).collect();
        let (tests, failures, errors, time) = count(&cs);
        let _ = writeln!(
            o,
            "  <testsuite name=\"prove {} suite\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"0\" time=\"{time:.3}\">",
            s.name()
        );
        for c in cs {
            let _ = writeln!(
                o,
                "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\">",
                xml_escape(&c.classname),
                xml_escape(&c.name),
                c.seconds
            );
            if let Some(err) = &c.error {
                let _ = writeln!(
                    o,
                    "      <error message=\"could not run: {}\" type=\"error\">{}</error>",
                    xml_escape(err),
                    xml_escape(err)
                );
            } else if let Some(first) = c.failures.first() {
                let _ = writeln!(
                    o,
                    "      <failure message=\"{}\" type=\"failure\">{}</failure>",
                    xml_escape(first),
                    xml_escape(&c.failures.join("\n"))
                );
            }
            if !c.out.is_empty() {
                let _ = writeln!(o, "      <system-out>{}</system-out>", xml_escape(&c.out));
            }
            let _ = writeln!(o, "    </testcase>");
        }
        let _ = writeln!(o, "  </testsuite>");
    }
    let _ = writeln!(o, "</testsuites>");
    o
}

/// The result table on stdout.
pub fn render_table(entries: &[Entry]) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{:<12} {:<40} {:<11} {:<8} {:<34} {:>10} {:<9} {:<20} {:<13} {:>8}",
        "suite", "scenario", "mode", "explorer", "bound", "executions", "exhausted", "claim", "lock graph", "seconds"
    );
    for e in entries {
        let _ = writeln!(
            o,
            "{:<12} {:<40} {:<11} {:<8} {:<34} {:>10} {:<9} {:<20} {:<13} {:>8.2}",
            e.suite.name(),
            e.scenario,
            e.mode,
            e.explorer.name(),
            e.bound_text(),
            e.executions,
            if e.exhausted { "yes" } else { "no" },
            if e.claim == Claim::Violated { properties_cell(e) } else { e.claim.text().to_string() },
            graph_cell(&e.graph),
            e.seconds
        );
    }
    o
}

/// Writes proofs.json, REPORT.md and the per-mode lock-order graphs.
fn write_artifacts(dir: &Path, f: &ProofsFile, edges: &[(Suite, String, Vec<LockEdge>)]) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).map_err(|e| format!("{}: {e}", p.display()))
    };
    let mut graphs = Vec::new();
    for mode in &f.modes {
        let mut g = LockGraph::new();
        for (_, _, es) in edges.iter().filter(|(s, m, _)| *s == Suite::Full && m == mode) {
            g.add_edges(es);
        }
        let svg = g.to_svg().map_err(|e| format!("lock-order graph of {mode}: {e}"))?;
        write(&format!("lock-order-{mode}.svg"), &svg)?;
        graphs.push((
            mode.clone(),
            GraphSize { classes: g.node_count(), edges: g.edge_count(), acyclic: g.is_acyclic() },
        ));
    }
    let json = serde_json::to_string_pretty(f).map_err(|e| e.to_string())?;
    write("proofs.json", &format!("{json}\n"))?;
    write("REPORT.md", &render_report(f, &graphs))
}

/// The leading `#` comment of a scenario file, as one paragraph.
fn scenario_comment(file: &str) -> String {
    let text = std::fs::read_to_string(repo_root().join(file)).unwrap_or_default();
    let lines: Vec<&str> =
        text.lines().take_while(|l| l.starts_with('#')).map(|l| l.trim_start_matches('#').trim()).collect();
    lines.join(" ")
}

/// What one entry establishes, in a sentence.
fn statement(e: &Entry) -> String {
    let n = e.executions;
    let props = format!("all {} properties held in each", e.properties.len());
    let graph = format!(
        "lock-order graph {} classes, {} edges, {}",
        e.graph.classes,
        e.graph.edges,
        if e.graph.acyclic { "acyclic" } else { "WITH A CYCLE" }
    );
    match e.claim {
        Claim::Proven => format!("**proven**: loom explored every interleaving ({n} executions, no preemption bound); {props}; {graph}."),
        Claim::ProvenWithinBound => format!(
            "**proven within preemption bound {}**: loom explored every interleaving with at most {} preemptions ({n} executions); {props}; {graph}. Schedules with more preemptions were not explored.",
            e.preemptions.unwrap_or(0),
            e.preemptions.unwrap_or(0)
        ),
        Claim::Sampled if e.explorer == Explorer::Loom => format!(
            "**sampled only**: loom stopped after {n} executions without exhausting the space ({}); no violation in those; {graph}.",
            e.bound
        ),
        Claim::Sampled => format!(
            "**sampled, not proven**: shuttle PCT ran {n} schedules (bug depth {}, seed {}) with no violation; {graph}.",
            e.depth.unwrap_or(0),
            e.seed.unwrap_or(0)
        ),
        Claim::Violated => {
            let f = e.failure.clone().unwrap_or(FailureSummary { property: "?".into(), message: String::new(), execution: 0 });
            format!(
                "**VIOLATED** under {} ({}): {} in execution {}: {}",
                e.explorer.name(),
                e.bound_text(),
                f.property,
                f.execution,
                f.message.lines().next().unwrap_or_default()
            )
        }
        Claim::Error => format!("**not run**: {}", e.error.clone().unwrap_or_default()),
    }
}

fn summary_rows(o: &mut String, entries: &[&Entry]) {
    let _ = writeln!(o, "| scenario | mode | explorer | bound | executions | exhausted | result | properties | lock-order graph (classes/edges) | time |");
    let _ = writeln!(o, "|---|---|---|---|---:|---|---|---|---|---:|");
    for e in entries {
        // A known finding that passes is a bound's blind spot, not a proof.
        let calibration = e.suite == Suite::Calibration;
        let result = match e.claim {
            Claim::ProvenWithinBound if calibration => {
                format!("no violation within bound {}", e.preemptions.unwrap_or(0))
            }
            Claim::ProvenWithinBound => format!("proven within bound {}", e.preemptions.unwrap_or(0)),
            Claim::Proven | Claim::Sampled if calibration => "no violation found".into(),
            c => c.text().to_string(),
        };
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.2} s |",
            e.scenario,
            e.mode,
            e.explorer.name(),
            e.bound_text(),
            e.executions,
            if e.exhausted { "yes" } else { "no" },
            result,
            properties_cell(e),
            graph_cell(&e.graph),
            e.seconds
        );
    }
}

/// REPORT.md.
pub fn render_report(f: &ProofsFile, graphs: &[(String, GraphSize)]) -> String {
    let mut o = String::new();
    let of = |s: Suite| f.entries.iter().filter(move |e| e.suite == s).collect::<Vec<&Entry>>();
    let (full, quick, calibration) = (of(Suite::Full), of(Suite::Quick), of(Suite::Calibration));
    let secs = |k: &str| f.seconds.get(k).copied().unwrap_or(0.0);
    let mut properties: Vec<&String> = full.first().map(|e| e.properties.keys().collect()).unwrap_or_default();
    // kernel-notes order: S1..S14, then L1..
    properties.sort_by_key(|p| {
        let id = p.split(' ').next().unwrap_or_default();
        (!id.starts_with('S'), id.get(1..).and_then(|n| n.parse::<u32>().ok()).unwrap_or(u32::MAX))
    });
    let properties: Vec<&str> = properties.into_iter().map(String::as_str).collect();
    let _ = writeln!(o, "# Deadlock-freedom proofs\n");
    let _ = writeln!(
        o,
        "Generated by `checks/rtnl-check prove` from the scenarios in checks/scenarios/proofs; do not edit by hand. \
         The same run wrote [proofs.json](proofs.json) (machine-readable, one entry per scenario, mode and explorer) \
         and the lock-order graphs below. CI runs `checks/rtnl-check prove --quick --check`, which reruns the quick \
         suite and fails when a verdict, a bound or an explored count (executions, exhausted, lock-order graph size) \
         differs from proofs.json; a change to the model that moves them must regenerate this directory in the same change.\n"
    );
    let _ = writeln!(o, "## What these results are, and what they are not\n");
    let _ = writeln!(
        o,
        "- **A sequentially consistent protocol model.** The model is an executable abstraction of the kernel's \
         unregistration protocol (locks, lists, reference counts, work items, the state machine); loom and shuttle \
         interleave its threads at lock, atomic and wait operations, each of which is atomic and sequentially \
         consistent. Memory ordering (weak memory, compiler or CPU reordering, C11 data races on plain fields) is out \
         of scope, as are code paths the model does not contain.\n\
         - **proven**: loom explored every interleaving of the model's threads for that scenario and mode, and every \
         property held in every execution.\n\
         - **proven within preemption bound B**: loom explored every interleaving in which threads are preempted at \
         most B times (switches away from a thread that could have continued; blocking switches are free). A bug \
         that needs more preemptions is not excluded: see the calibration section.\n\
         - **sampled**: shuttle PCT (probabilistic concurrency testing, bug depth {PCT_DEPTH}, fixed seed {PCT_SEED}) \
         ran that many schedules and none failed. Evidence, not a proof. Every scenario is also sampled this way, \
         because PCT reaches schedules with more preemptions than the loom bound.\n\
         - **Only these scenarios**: each is a fixed topology and set of concurrent `ip` commands; nothing is claimed \
         for other topologies, more threads, or other drivers.\n\
         - **Modes**: {}. pre-series and series are the kernels before and after the series; rtnl-free is a \
         hypothetical kernel without the global RTNL in the converted paths (docs/rtnl-free.md), where a violation \
         is a finding about what RTNL still protects, not a regression.\n",
        f.modes.join(", ")
    );
    let _ = writeln!(
        o,
        "Properties checked in every execution (kernel-notes §7; S8 is the lockdep-style lock-order graph merged \
         across all executions of a run, L5 is loom's or shuttle's detection of a state where no thread can run): {}.\n",
        properties.join(", ")
    );
    let _ = writeln!(o, "## Full suite\n");
    summary_rows(&mut o, &full);
    let _ = writeln!(o, "\n## Per scenario\n");
    let _ = writeln!(
        o,
        "Each scenario says why its loom bound is what it is: what the next bound did when the suite was \
         designed, on two cores. Every bullet states exactly what its run explored.\n"
    );
    for s in SUITE {
        let es: Vec<&&Entry> = full.iter().filter(|e| e.scenario == s.name).collect();
        let Some(first) = es.first() else { continue };
        let _ = writeln!(o, "### {}\n", s.name);
        let _ = writeln!(o, "[{}](../../{}): {}\n", first.file, first.file, scenario_comment(&first.file));
        let bound = match s.full {
            Loom::Unbounded => "none, every interleaving".to_string(),
            Loom::Bound(b) => format!("{b} preemptions"),
            Loom::No => "not run under loom".to_string(),
        };
        let _ = writeln!(o, "Loom bound: {bound} ({}).\n", s.why);
        for mode in &f.modes {
            let _ = writeln!(o, "- {mode}:");
            for e in es.iter().filter(|e| &e.mode == mode) {
                let _ = writeln!(o, "  - {}: {}", e.explorer.name(), statement(e));
            }
        }
        o.push('\n');
    }
    let _ = writeln!(o, "## Calibration: known findings under the same explorers\n");
    let _ = writeln!(
        o,
        "These scenarios are not proofs: the faithful model violates a property in them by design \
         (checks/scenarios/findings). They are run with loom at the suite's common bound and with PCT to show what \
         each explorer finds there; a finding that loom passes within its bound while PCT fails it needs more \
         preemptions than the bound allows.\n"
    );
    summary_rows(&mut o, &calibration);
    for s in CALIBRATION {
        let _ = writeln!(
            o,
            "\n- {} ({}): {}",
            s.name,
            s.why,
            scenario_comment(&format!("checks/scenarios/{}/{}.sh", s.dir, s.name))
        );
    }
    let _ = writeln!(o, "\n## Lock-order graphs\n");
    let _ = writeln!(o, "One graph per mode, merged over every run of the full suite in that mode:\n");
    for (mode, g) in graphs {
        let _ = writeln!(
            o,
            "- [{mode}](lock-order-{mode}.svg): {} classes, {} edges, {}",
            g.classes,
            g.edges,
            if g.acyclic { "acyclic" } else { "WITH A CYCLE" }
        );
    }
    let _ = writeln!(o, "\n## Quick suite (CI)\n");
    let _ = writeln!(o, "What `prove --quick --check` reruns and compares with this report.\n");
    summary_rows(&mut o, &quick);
    let _ = writeln!(o, "\n## Time\n");
    let _ = writeln!(
        o,
        "This run took {:.0} s in all on {} cores: full suite {:.0} s, calibration {:.0} s, quick suite {:.0} s \
         (wall-clock per run, process start-up included; the table's times are exploration times).",
        secs("total"),
        f.cores,
        secs("full"),
        secs("calibration"),
        secs("quick")
    );
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(scenario: &str, mode: &str, executions: u64, violated: Option<&str>) -> Entry {
        let props = ["S4 exactly-once-unregistration", "S8 lock-order", "L5 no-deadlock"];
        Entry {
            suite: Suite::Quick,
            scenario: scenario.into(),
            file: format!("checks/scenarios/proofs/{scenario}.sh"),
            mode: mode.into(),
            explorer: Explorer::Loom,
            preemptions: Some(1),
            schedules: None,
            depth: None,
            seed: None,
            bound: "preemption bound 1".into(),
            executions,
            exhausted: violated.is_none(),
            claim: if violated.is_some() { Claim::Violated } else { Claim::ProvenWithinBound },
            properties: props
                .iter()
                .map(|p| {
                    let verdict = match violated {
                        None => Verdict::Held,
                        Some(v) if v == *p => Verdict::Violated,
                        Some(_) => Verdict::NotEstablished,
                    };
                    (p.to_string(), verdict)
                })
                .collect(),
            failure: violated.map(|p| FailureSummary { property: p.into(), message: "boom".into(), execution: 3 }),
            graph: GraphSize { classes: 7, edges: 19, acyclic: true },
            seconds: 0.5,
            error: None,
        }
    }

    fn committed() -> Vec<Entry> {
        vec![entry("cover-letter", "pre-series", 126, None), entry("cover-letter", "series", 1604, None)]
    }

    #[test]
    fn identical_runs_pass_and_times_are_not_compared() {
        let mut now = committed();
        now[1].seconds = 99.0;
        assert_eq!(compare(&committed(), &now, &[Suite::Quick]), Vec::<String>::new());
    }

    #[test]
    fn drifted_count_fails_with_the_diff() {
        let mut now = committed();
        now[1].executions = 1610;
        let d = compare(&committed(), &now, &[Suite::Quick]);
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(
            d[0].starts_with("cover-letter series (loom, quick suite): executions 1604 committed, 1610 now"),
            "{}",
            d[0]
        );
        assert!(d[0].ends_with("update docs/proofs with `rtnl-check prove`"), "{}", d[0]);
        now = committed();
        now[0].exhausted = false;
        let d = compare(&committed(), &now, &[Suite::Quick]);
        assert!(d.iter().any(|m| m.contains("exhausted committed, not exhausted now")), "{d:?}");
        now = committed();
        now[0].graph.edges = 20;
        let d = compare(&committed(), &now, &[Suite::Quick]);
        assert!(
            d.iter().any(|m| m.contains("lock-order graph 7 classes/19 edges committed, 7 classes/20 edges now")),
            "{d:?}"
        );
    }

    #[test]
    fn regressed_verdict_fails_and_says_so() {
        let mut now = committed();
        now[1] = entry("cover-letter", "series", 4, Some("S4 exactly-once-unregistration"));
        let d = compare(&committed(), &now, &[Suite::Quick]);
        assert!(
            d.iter().any(|m| m.contains("proven within bound committed, VIOLATED now") && m.contains("regressed")),
            "{d:?}"
        );
        assert!(d.iter().any(|m| m.contains("S4 exactly-once-unregistration: held committed, VIOLATED now")), "{d:?}");
        assert!(d.iter().any(|m| m.contains("executions 1604 committed, 4 now")), "{d:?}");
        // A committed violation does not make a broken proof pass the gate.
        assert_eq!(compare(&now, &now, &[Suite::Quick]), Vec::<String>::new());
        assert_eq!(broken_proofs(&now).len(), 1);
        assert!(broken_proofs(&now)[0].contains("violates S4"), "{:?}", broken_proofs(&now));
    }

    #[test]
    fn missing_extra_and_rebounded_entries_fail() {
        let now = vec![committed()[0].clone(), entry("veth-pair-race", "series", 10, None)];
        let d = compare(&committed(), &now, &[Suite::Quick]);
        assert!(
            d.iter().any(|m| m.starts_with("veth-pair-race series") && m.contains("not in the committed")),
            "{d:?}"
        );
        assert!(d.iter().any(|m| m.starts_with("cover-letter series") && m.contains("no longer run")), "{d:?}");
        let mut now = committed();
        now[0].preemptions = Some(2);
        let d = compare(&committed(), &now, &[Suite::Quick]);
        assert!(d.iter().any(|m| m.contains("bound preemption bound 1 committed, preemption bound 2 now")), "{d:?}");
        // Entries of suites not rerun are not compared.
        let mut full = committed();
        full[0].suite = Suite::Full;
        assert!(compare(&full, &committed()[1..], &[Suite::Quick]).is_empty());
    }

    #[test]
    fn the_gate_reads_the_committed_file() {
        let dir = std::env::temp_dir().join(format!("rtnl-prove-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("proofs.json");
        let file = ProofsFile {
            generated_by: "test".into(),
            modes: vec!["pre-series".into(), "series".into()],
            seconds: BTreeMap::new(),
            cores: 2,
            entries: committed(),
        };
        std::fs::write(&path, serde_json::to_string(&file).expect("json")).expect("write");
        assert!(check_against(&path, &committed(), &[Suite::Quick], &|_| true).is_empty());
        let mut now = committed();
        now[1].executions += 1;
        assert_eq!(check_against(&path, &now, &[Suite::Quick], &|_| true).len(), 1);
        std::fs::write(&path, "{").expect("write");
        assert!(check_against(&path, &now, &[Suite::Quick], &|_| true)[0].contains("unreadable"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn entries_are_read_from_mode_results() {
        let p = Planned {
            suite: Suite::Full,
            scenario: "x",
            file: "checks/scenarios/proofs/x.sh".into(),
            mode: Mode::Series,
            explorer: Explorer::Loom,
            preemptions: None,
            schedules: None,
        };
        let mode = |passed: bool, executions: u64, exhausted: bool, failure: Option<(&str, &str, u64)>| ModeResult {
            mode: "series".into(),
            passed,
            stats: crate::explore::Stats { executions, exhausted, seconds: 0.1, ..Default::default() },
            properties_checked: vec!["S1 a".into(), "L5 b".into()],
            failure: failure.map(|(property, message, execution)| crate::explore::Failure {
                property: property.into(),
                message: message.into(),
                execution,
                blocked: Vec::new(),
                trace: String::new(),
                token: String::new(),
                lockdep: None,
            }),
            outcomes: Vec::new(),
            outcomes_complete: false,
            lock_graph: crate::check::GraphSummary { classes: 3, edges: 2, acyclic: true },
            unconverted: Vec::new(),
        };
        let pass = mode(true, 12, true, None);
        let e = entry_of(&p, Ok(&pass));
        assert_eq!((e.claim, e.executions, e.properties_held()), (Claim::Proven, 12, 2));
        let fail = mode(false, 5, false, Some(("L5 b", "stuck", 4)));
        let e = entry_of(&p, Ok(&fail));
        assert_eq!(e.claim, Claim::Violated);
        assert_eq!(e.properties["S1 a"], Verdict::NotEstablished);
        assert_eq!(e.properties["L5 b"], Verdict::Violated);
        assert_eq!(entry_of(&p, Err("no build".into())).claim, Claim::Error);
    }

    /// A scenario added to checks/scenarios/proofs joins the suite (and so the report and the gate).
    #[test]
    fn every_proof_scenario_is_in_the_suite() {
        let dir = repo_root().join("checks/scenarios/proofs");
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .expect("checks/scenarios/proofs")
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(".sh")).map(str::to_string))
            .collect();
        files.sort();
        let mut suite: Vec<String> = SUITE.iter().map(|s| s.name.to_string()).collect();
        suite.sort();
        assert_eq!(files, suite, "checks/scenarios/proofs and prove::SUITE differ");
        for s in CALIBRATION {
            assert!(repo_root().join(format!("checks/scenarios/{}/{}.sh", s.dir, s.name)).exists(), "{}", s.name);
        }
    }

    #[test]
    fn shards_split_the_plan_and_bad_ones_are_refused() {
        assert_eq!(parse_shard("2/4"), Ok(Shard { k: 2, n: 4 }));
        for bad in ["0/4", "5/4", "1/0", "x/4", "4", "", "1/4/2", "-1/4"] {
            assert!(parse_shard(bad).is_err(), "{bad}");
        }
        let n = plan(&[Suite::Quick]).expect("plan").len();
        let mut seen = vec![0; n];
        for k in 1..=4 {
            let s = Shard { k, n: 4 };
            for (i, c) in seen.iter_mut().enumerate() {
                *c += usize::from(s.has(i));
            }
        }
        assert!(seen.iter().all(|&c| c == 1), "every run in exactly one shard: {seen:?}");
    }

    #[test]
    fn junit_has_a_testcase_per_run_and_a_failure_per_broken_one() {
        let mut now = committed();
        now[1] = entry("cover-letter", "series", 4, Some("S4 exactly-once-unregistration"));
        now[0].error = Some("the loom build <missing> & gone".into());
        let mut problems = broken_proofs(&now);
        problems.push("gone series (loom, quick suite): in the committed proofs.json but no longer run".into());
        let x = render_junit(&now, &[1.0, 2.5], &problems);
        assert!(x.starts_with("<?xml"), "{x}");
        assert_eq!(x.matches("<testcase ").count(), 3, "{x}");
        assert!(x.contains("tests=\"3\" failures=\"2\" errors=\"1\" time=\"3.500\""), "{x}");
        assert!(x.contains("<error message=\"could not run: the loom build &lt;missing&gt; &amp; gone\""), "{x}");
        assert!(x.contains("<failure message=\"the faithful model violates S4"), "{x}");
        assert!(x.contains("classname=\"proofs.json\""), "{x}");
        assert_eq!(xml_escape("a\"b'\n\u{1}"), "a&quot;b&apos;&#10;\u{FFFD}");
    }

    #[test]
    fn plan_covers_every_mode_and_samples_every_scenario() {
        let p = plan(&[Suite::Quick]).expect("plan");
        let modes = modes("all").expect("modes");
        for s in SUITE {
            for m in &modes {
                let runs: Vec<&Planned> = p.iter().filter(|x| x.scenario == s.name && x.mode == *m).collect();
                assert!(runs.iter().any(|x| x.explorer == Explorer::Pct), "{} {m}", s.name);
                assert_eq!(runs.iter().any(|x| x.explorer == Explorer::Loom), s.quick != Loom::No, "{} {m}", s.name);
            }
        }
    }
}
