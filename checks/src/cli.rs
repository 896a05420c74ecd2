//! The `rtnl-check` command line: `check`, `replay`, `graph`, `outcomes`, `conform`.
//!
//! Exit status: 0 when every property held, 1 when a violation was found, 2 on bad input or a
//! bad command line.

use crate::explore::{explore, modes, Exploration, ExploreOptions, Explorer, Target};
use crate::lockgraph::LockGraph;
use crate::scenario::parse_script;
use crate::token::ReplayToken;
use clap::{Args, Parser, Subcommand, ValueEnum};
use rtnl_model::script::Script;
use rtnl_model::{Config, Mode, Outcome, Property};
use serde::Serialize;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(name = "rtnl-check", version, about = "Model-check Linux netdev unregistration across network namespaces")]
pub struct Cli {
    #[command(subcommand)]
    pub cmd: Cmd,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Explore a scenario's interleavings and check every property in each execution.
    Check(CheckArgs),
    /// Reproduce a failing execution from its replay token.
    Replay {
        /// The token printed with a failure (`rtnl1:...`).
        token: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Print the lock-order graph of a scenario's explored executions.
    Graph(CheckArgs),
    /// Print every final state the model reaches for a scenario.
    Outcomes(CheckArgs),
    /// Run scenarios on this machine's kernel (needs root) and check that each final state is
    /// one the model predicts.
    Conform {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Run the faithful model and every injected kernel bug against their scenarios with every
    /// checker, and print the kill matrix.
    Mutants(crate::mutants::MutantsArgs),
    /// Run the proof suite (docs/proofs): every proof scenario in every mode under loom and
    /// PCT; write the report, or with --check compare with the committed one.
    Prove(crate::prove::ProveArgs),
}

#[derive(Args, Debug, Clone)]
pub struct CheckArgs {
    /// Scenario scripts (ip(8) commands).
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
    /// text or json (`graph` also takes dot and svg).
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
    /// A finding's fix or probe, or an rtnl-free conversion (repeatable):
    /// fix-a1-rebroadcast-no-drain, fix-a6-wq-max-active, probe-a2-move-under-rtnl-only
    /// (docs/findings.md), convert-net-todo-list, convert-adj-list-instance-lock (docs/rtnl-free.md).
    #[arg(long = "variant")]
    pub variants: Vec<rtnl_model::variants::Variant>,
    /// Do not stop at a lock-order cycle: keep exploring for an execution that really
    /// deadlocks; the cycle still fails the check at the end if nothing else did.
    #[arg(long)]
    pub defer_lock_order: bool,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// What `check`, `outcomes` and `graph` print: text or json; `graph` also dot or svg.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
    Dot,
    Svg,
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

/// The kernel configuration a check runs: the mode, and the variants chosen on the command line.
fn config(a: &CheckArgs, mode: Mode) -> Config {
    Config { mutant: a.mutant, wq_max_active: a.wq_max_active, variants: a.variants.clone(), ..Config::new(mode) }
}

fn options(a: &CheckArgs, explorer: Explorer, preemptions: Option<usize>) -> ExploreOptions {
    ExploreOptions {
        explorer,
        preemptions: a.preemptions.or(preemptions),
        max_executions: a.max_executions,
        max_duration: a.max_seconds.map(Duration::from_secs),
        iterations: a.iterations,
        seed: a.seed,
        depth: a.depth,
        progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
        defer_lock_order: a.defer_lock_order,
        ..ExploreOptions::default()
    }
}

/// One mode's result, as `--format json` prints it.
#[derive(Debug, Serialize)]
pub struct ModeResult {
    pub mode: String,
    pub passed: bool,
    pub stats: crate::explore::Stats,
    pub properties_checked: Vec<String>,
    pub failure: Option<crate::explore::Failure>,
    pub outcomes: Vec<Outcome>,
    pub outcomes_complete: bool,
    pub lock_graph: GraphSummary,
    pub unconverted: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct GraphSummary {
    pub classes: usize,
    pub edges: usize,
    pub acyclic: bool,
}

#[derive(Debug, Serialize)]
pub struct ScenarioResult {
    pub scenario: String,
    pub file: String,
    pub explorer: String,
    pub explorer_reason: String,
    pub modes: Vec<ModeResult>,
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
    for mode in modes(&a.mode)? {
        let target = Target { script: l.script.clone(), source: l.source.clone(), cfg: config(a, mode) };
        let ex = explore(&target, &opts)?;
        modes_out.push(ModeResult {
            mode: mode.name().into(),
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
        },
        explorations,
    ))
}

/// The text report of one scenario.
pub fn render_text(r: &ScenarioResult, full_trace: bool) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "scenario {} ({})", r.scenario, r.file);
    let _ = writeln!(o, "explorer: {} ({})", r.explorer, r.explorer_reason);
    for m in &r.modes {
        let s = &m.stats;
        let space = if m.failure.is_some() && !s.exhausted {
            "stopped at the first failure".to_string()
        } else if s.exhausted {
            match &s.bound {
                Some(b) => format!("exhausted within {b}"),
                None => "exhausted: every interleaving".into(),
            }
        } else {
            format!("not exhaustive: {}", s.bound.clone().unwrap_or_default())
        };
        let _ = writeln!(o, "\n== mode {}: {}", m.mode, if m.passed { "PASS" } else { "FAIL" });
        let _ = writeln!(
            o,
            "  executions {} ({space}); max steps {}; distinct lock orders {}; {:.2} s",
            s.executions, s.max_steps, s.distinct_lock_orders, s.seconds
        );
        let _ = writeln!(
            o,
            "  lock-order graph: {} classes, {} edges, {}",
            m.lock_graph.classes,
            m.lock_graph.edges,
            if m.lock_graph.acyclic { "acyclic" } else { "CYCLE" }
        );
        match &m.failure {
            None => {
                let _ =
                    writeln!(o, "  properties held in every execution: {}", Property::ALL.map(|p| p.id()).join(" "));
                let what = match (&s.bound, s.exhausted) {
                    (None, true) => "complete".to_string(),
                    (Some(b), true) => format!("complete within {b}"),
                    _ => "as sampled".to_string(),
                };
                let _ = writeln!(o, "  outcomes ({what}):");
                for out in &m.outcomes {
                    let _ = writeln!(o, "    {}", serde_json::to_string(out).unwrap_or_default());
                }
                for u in &m.unconverted {
                    let _ = writeln!(o, "  {u}");
                }
            }
            Some(f) => {
                let _ = writeln!(o, "  VIOLATION of {} in execution {}", f.property, f.execution);
                let _ = writeln!(o, "  {}", f.message);
                if let Some(l) = &f.lockdep {
                    let _ = writeln!(o, "{l}");
                }
                for b in &f.blocked {
                    let _ = writeln!(
                        o,
                        "  blocked: {} waits for {} holding [{}] at {}",
                        b.thread,
                        b.on,
                        b.holding.join(", "),
                        b.site
                    );
                }
                if !f.token.is_empty() {
                    let _ = writeln!(o, "  trace of the failing execution:");
                    for line in f.trace.lines() {
                        let _ = writeln!(o, "    {line}");
                    }
                    let _ = writeln!(o, "  replay: rtnl-check replay {}", f.token);
                }
                let _ = full_trace;
            }
        }
    }
    o
}

/// The sibling build of this binary for `backend`, which the CLI hands runs to.
fn sibling(backend: &str) -> Option<PathBuf> {
    let var = format!("RTNL_CHECK_{}_BIN", backend.to_uppercase());
    if let Some(p) = std::env::var_os(&var) {
        return Some(PathBuf::from(p));
    }
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(format!("target-{backend}"))
        .join("release")
        .join("rtnl-check");
    p.exists().then_some(p)
}

/// Runs this command line in the build for `backend`; returns its exit status.
fn delegate(backend: &str, args: &[String]) -> i32 {
    let Some(bin) = sibling(backend) else {
        eprintln!(
            "error: the {backend} build of rtnl-check is missing. Build every backend with `checks/rtnl-check --build`, \
             or this one with:\n  RUSTFLAGS='--cfg rtnl_{backend}' cargo build --release -p rtnl-checks --target-dir target-{backend}"
        );
        return 2;
    };
    match std::process::Command::new(&bin).args(args).status() {
        Ok(s) => s.code().unwrap_or(2),
        Err(e) => {
            eprintln!("error: cannot run {}: {e}", bin.display());
            2
        }
    }
}

/// The explorer a check would use, before loading (for delegation); `None` if a file fails to
/// load (the error is then reported by the run itself).
fn planned_explorer(a: &CheckArgs) -> Option<Explorer> {
    if let Some(e) = a.explorer {
        return Some(e);
    }
    let l = load(a.files.first()?).ok()?;
    Some(choose_explorer(&l.script).0)
}

/// Runs the CLI; returns the process exit status.
pub fn run(cli: Cli, raw_args: &[String]) -> i32 {
    let backend_needed = match &cli.cmd {
        Cmd::Check(a) | Cmd::Outcomes(a) | Cmd::Graph(a) => planned_explorer(a).map(Explorer::backend),
        Cmd::Replay { token, .. } => ReplayToken::decode(token).ok().map(|t| t.explorer.backend()),
        Cmd::Conform { .. } => None,
        Cmd::Mutants(_) | Cmd::Prove(_) => None,
    };
    if let Some(b) = backend_needed.filter(|b| *b != rtnl_model::sync::BACKEND) {
        return delegate(b, raw_args);
    }
    match cli.cmd {
        Cmd::Check(a) => cmd_check(&a),
        Cmd::Outcomes(a) => cmd_outcomes(&a),
        Cmd::Graph(g) => cmd_graph(&g),
        Cmd::Replay { token, format } => cmd_replay(&token, format),
        Cmd::Conform { files, format } => cmd_conform(&files, format),
        Cmd::Mutants(m) => crate::mutants::run(&m),
        Cmd::Prove(p) => crate::prove::run(&p),
    }
}

/// The model's outcomes for `file`, from `rtnl-check outcomes` (run in the build that can
/// explore it): the set, and whether it is complete.
fn model_outcomes(file: &Path) -> Result<(BTreeSet<Outcome>, bool), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = std::process::Command::new(exe)
        .arg("outcomes")
        .arg(file)
        .args(["--format", "json", "--mode", "both"])
        .output()
        .map_err(|e| format!("cannot run rtnl-check outcomes: {e}"))?;
    if out.status.code() == Some(2) {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    #[derive(serde::Deserialize)]
    struct Outs {
        outcomes: BTreeSet<Outcome>,
        complete: bool,
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().last().unwrap_or_default();
    let o: Outs = serde_json::from_str(line).map_err(|e| format!("unreadable outcomes ({e}): {text}"))?;
    Ok((o.outcomes, o.complete))
}

/// One script's conformance verdict, as `--format json` prints it.
#[derive(Debug, Serialize)]
pub struct ConformResult {
    pub file: String,
    /// `pass`, `fail` or `skip`.
    pub verdict: String,
    pub reason: Option<String>,
    pub observed: Option<Outcome>,
    pub model: Vec<Outcome>,
    pub model_complete: bool,
}

fn cmd_conform(files: &[PathBuf], format: Format) -> i32 {
    use crate::conform::{run_on_kernel, ConformError, ConformOptions, KernelRun};
    let Ok(all) = load_all(files) else { return 2 };
    let mut results = Vec::new();
    for l in &all {
        let file = l.path.display().to_string();
        let run = match run_on_kernel(&l.script, &ConformOptions::default()) {
            Ok(r) => r,
            Err(e @ ConformError::NotRoot) => {
                eprintln!("error: {e}: run `rtnl-check conform` as root (it creates and destroys its own namespaces)");
                return 2;
            }
            Err(e) => {
                eprintln!("error: {file}: {e}");
                return 2;
            }
        };
        let r = match run {
            KernelRun::Skipped { reason } => ConformResult {
                file,
                verdict: "skip".into(),
                reason: Some(reason),
                observed: None,
                model: Vec::new(),
                model_complete: false,
            },
            KernelRun::Observed(obs) => match model_outcomes(&l.path) {
                Err(e) => {
                    eprintln!("error: {file}: {e}");
                    return 2;
                }
                Ok((set, complete)) => {
                    let ok = set.contains(&obs.state);
                    let reason = (!ok).then(|| {
                        if complete {
                            "the kernel reached a state the model cannot reach".to_string()
                        } else {
                            "the kernel reached a state no explored schedule of the model reached".to_string()
                        }
                    });
                    ConformResult {
                        file,
                        verdict: if ok { "pass" } else { "fail" }.into(),
                        reason,
                        observed: Some(obs.state),
                        model: set.into_iter().collect(),
                        model_complete: complete,
                    }
                }
            },
        };
        if format == Format::Text {
            let obs = r.observed.as_ref().map(|o| serde_json::to_string(o).unwrap_or_default()).unwrap_or_default();
            let why = r.reason.as_deref().map(|w| format!(" ({w})")).unwrap_or_default();
            println!("{} {}: {obs}{why}", r.verdict.to_uppercase(), r.file);
            if r.verdict == "fail" {
                for m in &r.model {
                    println!("    model: {}", serde_json::to_string(m).unwrap_or_default());
                }
            }
        }
        results.push(r);
    }
    let failed = results.iter().filter(|r| r.verdict == "fail").count();
    if format == Format::Json {
        println!("{}", serde_json::to_string_pretty(&results).unwrap_or_default());
    } else {
        let n = |v: &str| results.iter().filter(|r| r.verdict == v).count();
        println!("{} passed, {} failed, {} skipped", n("pass"), failed, n("skip"));
    }
    i32::from(failed > 0)
}

fn load_all(files: &[PathBuf]) -> Result<Vec<Loaded>, i32> {
    let mut out = Vec::new();
    for f in files {
        match load(f) {
            Ok(l) => out.push(l),
            Err(e) => {
                eprintln!("{e}");
                return Err(2);
            }
        }
    }
    Ok(out)
}

/// `--format dot|svg` is for `graph` only.
fn text_or_json(a: &CheckArgs, cmd: &str) -> Result<(), i32> {
    match a.format {
        OutputFormat::Text | OutputFormat::Json => Ok(()),
        f => {
            eprintln!("error: `rtnl-check {cmd}` prints text or json; --format {f:?} is for `rtnl-check graph`");
            Err(2)
        }
    }
}

fn cmd_check(a: &CheckArgs) -> i32 {
    if let Err(code) = text_or_json(a, "check") {
        return code;
    }
    let Ok(all) = load_all(&a.files) else { return 2 };
    let mut failed = false;
    let mut json = Vec::new();
    for l in &all {
        match check_scenario(l, a) {
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
            Ok((r, exs)) => {
                failed |= r.modes.iter().any(|m| !m.passed);
                if a.format == OutputFormat::Json {
                    json.push(r);
                    continue;
                }
                print!("{}", render_text(&r, a.full_trace));
                if a.trace {
                    for (m, ex) in r.modes.iter().zip(&exs) {
                        if let Some(first) = &ex.first {
                            println!("\n-- trace of the first execution, mode {} --\n{}", m.mode, first.format_trace(a.full_trace));
                        }
                    }
                }
            }
        }
    }
    if a.format == OutputFormat::Json {
        println!("{}", serde_json::to_string_pretty(&json).unwrap_or_default());
    } else {
        println!("\nresult: {}", if failed { "FAIL" } else { "PASS" });
    }
    i32::from(failed)
}

/// `outcomes`: the set of final states, per mode and together.
fn cmd_outcomes(a: &CheckArgs) -> i32 {
    if let Err(code) = text_or_json(a, "outcomes") {
        return code;
    }
    let Ok(all) = load_all(&a.files) else { return 2 };
    let mut failed = false;
    for l in &all {
        let (r, _) = match check_scenario(l, a) {
            Ok(x) => x,
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
        };
        let mut set: BTreeSet<Outcome> = BTreeSet::new();
        let mut complete = true;
        for m in &r.modes {
            set.extend(m.outcomes.iter().cloned());
            complete &= m.outcomes_complete;
            failed |= !m.passed;
        }
        match a.format {
            OutputFormat::Json => {
                println!("{}", serde_json::json!({ "outcomes": set, "complete": complete, "explorer": r.explorer }));
            }
            _ => {
                println!(
                    "{}: {} outcome(s), {} ({})",
                    r.scenario,
                    set.len(),
                    if complete {
                        "complete: every interleaving explored"
                    } else {
                        "sampled: other outcomes may exist"
                    },
                    r.explorer
                );
                for m in &r.modes {
                    println!(
                        "  {}: {} outcome(s){}",
                        m.mode,
                        m.outcomes.len(),
                        if m.passed { "" } else { " (a property failed)" }
                    );
                }
                for o in &set {
                    println!("  {}", serde_json::to_string(o).unwrap_or_default());
                }
            }
        }
    }
    i32::from(failed)
}

fn cmd_graph(g: &CheckArgs) -> i32 {
    let Ok(all) = load_all(&g.files) else { return 2 };
    let mut graph = LockGraph::new();
    for l in &all {
        match check_scenario(l, g) {
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
            Ok((_, exs)) => {
                for ex in exs {
                    for e in ex.graph.class_edges() {
                        graph.add_edges(&e.examples);
                    }
                }
            }
        }
    }
    match g.format {
        OutputFormat::Text => print!("{}", graph.to_text()),
        OutputFormat::Json => {
            let edges: Vec<_> = graph
                .class_edges()
                .map(|e| {
                    let site = e.first().map(|f| (f.from_site.to_string(), f.to_site.to_string()));
                    serde_json::json!({
                        "from": e.from.lockdep_name(),
                        "to": e.to.lockdep_name(),
                        "instances": e.count,
                        "first_sites": site,
                    })
                })
                .collect();
            let out = serde_json::json!({ "acyclic": graph.is_acyclic(), "edges": edges });
            println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        }
        OutputFormat::Dot => print!("{}", graph.to_dot()),
        OutputFormat::Svg => match graph.to_svg() {
            Ok(s) => print!("{s}"),
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
        },
    }
    i32::from(!graph.is_acyclic())
}

fn cmd_replay(token: &str, format: Format) -> i32 {
    let t = match ReplayToken::decode(token) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{:?}", miette::Report::new(e));
            return 2;
        }
    };
    match crate::explore::replay(&t) {
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
        Ok(None) => {
            println!(
                "replay of {} ({}, {}) passed: the failure did not reproduce",
                t.scenario,
                t.explorer.name(),
                t.cfg.mode
            );
            0
        }
        Ok(Some(f)) => {
            if format == Format::Json {
                println!("{}", serde_json::to_string_pretty(&f).unwrap_or_default());
            } else {
                println!(
                    "replayed {} ({}, mode {}): VIOLATION of {}",
                    t.scenario,
                    t.explorer.name(),
                    t.cfg.mode,
                    f.property
                );
                println!("  {}", f.message);
                for b in &f.blocked {
                    println!("  blocked: {} waits for {} holding [{}]", b.thread, b.on, b.holding.join(", "));
                }
                print!("{}", f.trace);
            }
            1
        }
    }
}

/// The modes a `--mode` argument covers.
pub fn parse_modes(s: &str) -> Result<Vec<Mode>, String> {
    modes(s)
}
