//! The library layer under the commands: load a scenario, choose its explorer, run a check
//! in every mode and return typed results. `check`, `outcomes`, `graph`, `prove` and `mutants`
//! all stand on it; it knows nothing of how they print.

use crate::error::CliError;
use crate::explore::{explore, modes, Exploration, ExploreOptions, Explorer, Target};
use crate::scenario::parse_script;
use clap::{Args, ValueEnum};
use rtnl_model::script::Script;
use rtnl_model::{AddrOrder, Config, Mode, Outcome, Property};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Args, Debug, Clone, Serialize, Deserialize)]
pub struct CheckArgs {
    /// Scenario scripts (ip(8) commands); a directory stands for its `*.sh` files, sorted.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// loom, shuttle, pct, dpor or std; by default loom when the scenario is small enough, else pct.
    #[arg(long)]
    pub explorer: Option<Explorer>,
    /// pre-series, series, rtnl-free, both (pre-series and series) or all (the three).
    #[arg(long, default_value = "both")]
    pub mode: String,
    /// loom and dpor: preemption bound.
    #[arg(long)]
    pub preemptions: Option<usize>,
    /// loom and dpor: stop after this many executions.
    #[arg(long)]
    pub max_executions: Option<u64>,
    /// loom and dpor: stop after this many seconds.
    #[arg(long)]
    pub max_seconds: Option<u64>,
    /// shuttle, pct, std: executions to run.
    #[arg(long, default_value_t = 1000)]
    pub iterations: usize,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// pct: bug depth.
    #[arg(long, default_value_t = 3)]
    pub depth: usize,
    /// text or json; `check` also takes summary (one line per scenario and mode), `graph` dot
    /// and svg.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Show every model function in traces, not only the cover letter's probes.
    #[arg(long)]
    pub full_trace: bool,
    /// Print the trace of the first execution of each mode even when it passes.
    #[arg(long)]
    pub trace: bool,
    /// Inject a kernel bug from the catalogue (`rtnl-check mutants` lists them).
    #[arg(long)]
    pub mutant: Option<rtnl_model::Mutant>,
    /// `max_active` of rtnl_net_wq (1, as `create_workqueue()`; 2 models the fix for hazard A6).
    #[arg(long, default_value_t = 1)]
    pub wq_max_active: usize,
    /// CPUs of rtnl_net_wq (1 to 8): a pool each, a queuing thread's CPU chosen by the
    /// explorer. By default 2 under loom and dpor where an execution then fits loom's five
    /// threads, else 1, and the output says why.
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=MAX_CPUS as i64))]
    #[serde(default)]
    pub cpus: Option<u8>,
    /// Re-broadcasts of NETDEV_UNREGISTER while `netdev_wait_allrefs_any()` waits: 0 (every
    /// reference went within a second), 1 or 2. A hang found with 0 may be one that a
    /// re-broadcast would end.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(0..=2))]
    #[serde(default = "one_rebroadcast")]
    pub rebroadcasts: u8,
    /// A finding's fix or probe, an rtnl-free conversion, or a follow-up conversion (repeatable):
    /// fix-a1-rebroadcast-no-drain, fix-a6-wq-max-active, probe-a2-move-under-rtnl-only,
    /// fix-a7-unload-flush, probe-a7-patch7-kill-links-per-net (docs/findings.md),
    /// convert-net-todo-list, convert-adj-list-instance-lock (docs/rtnl-free.md),
    /// followup-vxcan, followup-geneve, followup-ip-tunnel (after the series; not in pre-series
    /// mode, which `both` and
    /// `all` then skip).
    #[arg(long = "variant")]
    pub variants: Vec<rtnl_model::variants::Variant>,
    /// The nets' address order, which orders their locks: ascending (each net above the ones
    /// created before it), descending, or all (both, each mode run once per order). init_net
    /// has the highest address in every order, as on x86-64.
    #[arg(long, value_enum, default_value_t = AddrOrders::Ascending)]
    #[serde(default)]
    pub addr_order: AddrOrders,
    /// dpor: look for the failure with the fewest preemptions, the one a reader takes in
    /// first: explore with preemption bound 0, then 1, 2, ... (up to --preemptions, if given)
    /// and stop at the first bound that fails. A bound that cuts nothing is the whole space.
    #[arg(long)]
    #[serde(default)]
    pub shortest: bool,
    /// dpor: explore each scenario on N threads sharing its exploration tree. Each claims the
    /// branches left to explore; which thread takes which depends on timing, so a class may
    /// run twice and the count can differ a little between runs (1: the deterministic search).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=256))]
    #[serde(default)]
    pub jobs: u16,
    /// Do not stop at a lock-order cycle: keep exploring for an execution that really
    /// deadlocks; the cycle still fails the check at the end if nothing else did.
    #[arg(long)]
    pub defer_lock_order: bool,
    /// `check`: also write each mode's failing (else first) execution as a self-contained HTML page.
    #[arg(long)]
    pub html: Option<PathBuf>,
    /// Set by `prove`, which draws its own bar over runs: the run's backend build inherits the
    /// terminal, and two bars on one line would garble each other.
    #[arg(skip)]
    #[serde(default)]
    pub no_progress: bool,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
pub enum Format {
    Text,
    Json,
}

/// What `check`, `outcomes` and `graph` print: text or json; `check` also summary, `graph` also
/// dot or svg.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
pub enum OutputFormat {
    Text,
    Json,
    /// One line per scenario and mode: verdict, executions, the first violation. No times, so
    /// a corpus run can be compared with a doc byte for byte.
    Summary,
    Dot,
    Svg,
}

fn one_rebroadcast() -> u8 {
    1
}

/// `--addr-order`: one [`AddrOrder`] or all of them.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
pub enum AddrOrders {
    #[default]
    Ascending,
    Descending,
    All,
}

impl AddrOrders {
    pub fn orders(self) -> Vec<AddrOrder> {
        match self {
            AddrOrders::Ascending => vec![AddrOrder::Ascending],
            AddrOrders::Descending => vec![AddrOrder::Descending],
            AddrOrders::All => AddrOrder::ALL.to_vec(),
        }
    }
}

/// `check`'s arguments alone, parsed from a `check FILE... OPTIONS` line (as `prove` plans them).
#[derive(clap::Parser, Debug)]
#[command(name = "rtnl-check")]
enum CheckLine {
    Check(CheckArgs),
}

impl CheckArgs {
    /// Parses `check FILE... OPTIONS`.
    pub fn parse_check_line(args: &[String]) -> Result<CheckArgs, clap::Error> {
        let argv = std::iter::once("rtnl-check".to_string()).chain(args.iter().cloned());
        let CheckLine::Check(a) = <CheckLine as clap::Parser>::try_parse_from(argv)?;
        Ok(a)
    }
}

/// A loaded scenario: its script and text.
#[derive(Debug)]
pub struct Loaded {
    pub path: PathBuf,
    pub script: Script,
    pub source: String,
}

/// Reads and parses a scenario; the error is a rendered, located diagnostic.
pub fn load(path: &Path) -> Result<Loaded, String> {
    let source = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "scenario".into());
    let script = parse_script(&name, &source).map_err(|e| format!("{:?}", miette::Report::new(e)))?;
    Ok(Loaded { path: path.to_path_buf(), script, source })
}

/// The explorer `check` uses when none is named, and why.
pub fn choose_explorer(script: &Script) -> (Explorer, Option<usize>, String) {
    let cmds = script.commands().count();
    let conc = crate::explore::concurrency(script);
    let threads = conc + 2;
    if threads > crate::explore::LOOM_MAX_THREADS {
        (
            Explorer::Pct,
            None,
            format!(
                "{conc} concurrent commands need {threads} threads, more than loom's {}: sampling with shuttle PCT",
                crate::explore::LOOM_MAX_THREADS
            ),
        )
    } else if conc <= 1 {
        (Explorer::Loom, Some(2), format!("no concurrent commands ({cmds} commands): loom, every interleaving of the kernel's threads within preemption bound 2"))
    } else if conc == 2 && cmds <= 12 {
        (
            Explorer::Loom,
            Some(2),
            format!("{conc} concurrent commands, {cmds} commands: small enough for loom with preemption bound 2"),
        )
    } else {
        (
            Explorer::Pct,
            None,
            format!("{conc} concurrent commands, {cmds} commands: too large for loom, sampling with shuttle PCT"),
        )
    }
}

/// The most CPUs `--cpus` takes: more than the queuing threads of any script change nothing.
pub const MAX_CPUS: u8 = 8;

/// The CPUs `--cpus` gives by default where loom's thread limit allows.
pub const DEFAULT_CPUS: usize = 2;

/// The CPUs a check of `script` with `explorer` runs with: `--cpus`, else [`DEFAULT_CPUS`] for
/// loom and dpor where an execution with that many fits loom's thread limit, else 1, with the
/// reason. loom and dpor run the all-on-CPU-0 placement first, which is the one-CPU run, so the
/// default moves their counts only where two threads queue work; the sampling explorers would
/// draw a CPU at every `queue_work()` and change every sampled schedule, so they keep one CPU
/// unless asked.
pub fn cpus_for(script: &Script, a: &CheckArgs, explorer: Explorer) -> (usize, Option<String>) {
    if let Some(n) = a.cpus {
        return (usize::from(n), None);
    }
    if !matches!(explorer, Explorer::Loom | Explorer::Dpor) {
        let why = format!(
            "1 CPU, not the default {DEFAULT_CPUS}: {} samples schedules, and a CPU drawn at every queue_work() would change each of them; --cpus {DEFAULT_CPUS} asks for it",
            explorer.name()
        );
        return (1, Some(why));
    }
    let probe = Target {
        script: script.clone(),
        source: String::new(),
        cfg: Config { wq_cpus: DEFAULT_CPUS, ..config(a, Mode::Series, AddrOrder::default(), 1) },
    };
    let needed = crate::explore::threads_needed(&probe);
    if needed <= crate::explore::LOOM_MAX_THREADS {
        return (DEFAULT_CPUS, None);
    }
    let why = format!(
        "1 CPU, not the default {DEFAULT_CPUS}: with {DEFAULT_CPUS} an execution needs {needed} threads ({} concurrent commands, {} kernel workers), more than loom's {}; --cpus {DEFAULT_CPUS} asks for them",
        crate::explore::concurrency(script),
        needed - crate::explore::concurrency(script),
        crate::explore::LOOM_MAX_THREADS
    );
    (1, Some(why))
}

/// The kernel configuration a check runs: the mode, and the variants chosen on the command line.
pub(crate) fn config(a: &CheckArgs, mode: Mode, addr_order: AddrOrder, cpus: usize) -> Config {
    Config {
        mutant: a.mutant,
        wq_cpus: cpus,
        wq_max_active: a.wq_max_active,
        rebroadcasts: a.rebroadcasts,
        variants: a.variants.clone(),
        addr_order,
        ..Config::new(mode)
    }
}

pub(crate) fn options(a: &CheckArgs, explorer: Explorer, preemptions: Option<usize>) -> ExploreOptions {
    ExploreOptions {
        explorer,
        preemptions: a.preemptions.or(preemptions),
        max_executions: a.max_executions,
        max_duration: a.max_seconds.map(Duration::from_secs),
        iterations: a.iterations,
        seed: a.seed,
        depth: a.depth,
        progress: !a.no_progress && crate::progress::wanted(),
        defer_lock_order: a.defer_lock_order,
        shortest: a.shortest,
        jobs: usize::from(a.jobs.max(1)),
        ..ExploreOptions::default()
    }
}

/// One mode's result, as `--format json` prints it.
#[derive(Debug, Serialize, Deserialize)]
pub struct ModeResult {
    pub mode: String,
    /// Printed only when it is not the default, so older results read the same.
    #[serde(default, skip_serializing_if = "AddrOrder::is_default")]
    pub addr_order: AddrOrder,
    pub passed: bool,
    pub stats: crate::explore::Stats,
    pub properties_checked: Vec<String>,
    pub failure: Option<crate::explore::Failure>,
    pub outcomes: Vec<Outcome>,
    pub outcomes_complete: bool,
    pub lock_graph: GraphSummary,
    pub unconverted: Vec<String>,
}

impl ModeResult {
    /// The mode, and the address order where it is not the default: `series, descending addresses`.
    pub fn label(&self) -> String {
        if self.addr_order.is_default() {
            self.mode.clone()
        } else {
            format!("{}, {} addresses", self.mode, self.addr_order)
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub struct GraphSummary {
    pub classes: usize,
    pub edges: usize,
    pub acyclic: bool,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ScenarioResult {
    pub scenario: String,
    pub file: String,
    pub explorer: String,
    pub explorer_reason: String,
    pub modes: Vec<ModeResult>,
    /// Why the run has fewer CPUs than the default, when it has (`cpus_for`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus_note: Option<String>,
    /// Modes `--mode` named that were not run, each with its reason (a follow-up variant has
    /// no pre-series form). Printed only when there is one, so older results read the same.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<SkippedMode>,
}

/// A mode named by `--mode` and not run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SkippedMode {
    pub mode: String,
    pub reason: String,
}

/// The modes `--mode` names that can run with `variants`, and those skipped with their reason.
/// A follow-up conversion needs the series' infrastructure (`unregister_netdevice_queue_net()`,
/// the per-netns locks): asked for alone, pre-series is an error; within `both` or `all` it is
/// skipped and said so.
pub fn modes_for(
    arg: &str,
    variants: &[rtnl_model::variants::Variant],
) -> Result<(Vec<Mode>, Vec<SkippedMode>), String> {
    let ms = modes(arg)?;
    let followups: Vec<&str> = variants.iter().filter(|v| v.is_followup()).map(|v| v.name()).collect();
    if followups.is_empty() || !ms.contains(&Mode::PreSeries) {
        return Ok((ms, Vec::new()));
    }
    let why = format!("follow-up conversions need the series' infrastructure ({})", followups.join(", "));
    if ms == [Mode::PreSeries] {
        return Err(format!(
            "--mode pre-series with --variant {}: {why}; use --mode series",
            followups.join(" --variant ")
        ));
    }
    let run = ms.into_iter().filter(|&m| m != Mode::PreSeries).collect();
    Ok((run, vec![SkippedMode { mode: Mode::PreSeries.name().into(), reason: why }]))
}

/// Explores one scenario in each mode.
pub fn check_scenario(l: &Loaded, a: &CheckArgs) -> Result<(ScenarioResult, Vec<Exploration>), String> {
    let (auto, pre, reason) = choose_explorer(&l.script);
    let (explorer, preemptions, reason) = match a.explorer {
        Some(e) => (e, None, "chosen on the command line".to_string()),
        None => (auto, pre, reason),
    };
    let opts = options(a, explorer, preemptions);
    let mut modes_out = Vec::new();
    let mut explorations = Vec::new();
    let (ms, skipped) = modes_for(&a.mode, &a.variants)?;
    let runs: Vec<(Mode, AddrOrder)> =
        a.addr_order.orders().into_iter().flat_map(|o| ms.iter().map(move |&m| (m, o))).collect();
    let (cpus, cpus_note) = cpus_for(&l.script, a, explorer);
    for (mode, addr_order) in runs {
        let target =
            Target { script: l.script.clone(), source: l.source.clone(), cfg: config(a, mode, addr_order, cpus) };
        let ex = explore(&target, &opts)?;
        modes_out.push(ModeResult {
            mode: mode.name().into(),
            addr_order,
            passed: ex.passed(),
            stats: ex.stats.clone(),
            properties_checked: Property::ALL.iter().map(|p| p.to_string()).collect(),
            failure: ex.failure.clone(),
            outcomes: ex.outcomes.iter().cloned().collect(),
            outcomes_complete: ex.stats.exhausted && ex.stats.bound.is_none(),
            lock_graph: GraphSummary {
                classes: ex.graph.node_count(),
                edges: ex.graph.edge_count(),
                acyclic: ex.graph.is_acyclic(),
            },
            unconverted: ex.unconverted.iter().cloned().collect(),
        });
        explorations.push(ex);
    }
    Ok((
        ScenarioResult {
            scenario: l.script.name.clone(),
            file: l.path.display().to_string(),
            explorer: explorer.name().into(),
            explorer_reason: reason,
            modes: modes_out,
            cpus_note,
            skipped,
        },
        explorations,
    ))
}

/// The scenario files named on a command line, a directory standing for its `*.sh` files in
/// name order (not its subdirectories). A directory without any is an error, never a silent
/// empty run.
pub fn expand_dirs(paths: &[PathBuf]) -> Result<Vec<PathBuf>, CliError> {
    let mut files = Vec::new();
    for p in paths {
        if !p.is_dir() {
            files.push(p.clone());
            continue;
        }
        let entries = std::fs::read_dir(p).map_err(|e| CliError::Msg(format!("{}: {e}", p.display())))?;
        let mut scripts = Vec::new();
        for e in entries {
            let path = e.map_err(|e| CliError::Msg(format!("{}: {e}", p.display())))?.path();
            if path.is_file() && path.extension().is_some_and(|x| x == "sh") {
                scripts.push(path);
            }
        }
        if scripts.is_empty() {
            return Err(CliError::Msg(format!("{}: a directory with no *.sh scenario in it", p.display())));
        }
        scripts.sort();
        files.extend(scripts);
    }
    Ok(files)
}

/// Loads every file, or returns the first one's error.
pub fn load_all(files: &[PathBuf]) -> Result<Vec<Loaded>, CliError> {
    files.iter().map(|f| load(f).map_err(CliError::Rendered)).collect()
}

/// Prints pretty JSON; a value that cannot be encoded is an error (exit 2), never an empty line.
pub fn print_json(v: &impl Serialize) -> Result<(), CliError> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}
