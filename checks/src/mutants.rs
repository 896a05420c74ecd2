//! `rtnl-check mutants`: the kill matrix. Runs the faithful model and every mutant of
//! [`rtnl_model::mutants`] against the mutant's scenarios with every checker (loom with
//! preemption bound 2, shuttle random, shuttle PCT; the lock-order graph and the end-state checks
//! apply in each run) and reports which checker caught which mutant, after how many executions,
//! in what time, with the property named.
//!
//! Each run is this binary as a subprocess (`check --explorer E --mutant M --format json --mode
//! series FILE`), so a std build hands loom and shuttle runs to their builds as `check` always
//! does, and a run that hangs or crashes cannot take the matrix with it.
//!
//! One mutant, [`Mutant::DevNetToctou`], needs a thread no ip(8) command starts: a driver calling
//! `unregister_netdevice_notifier_dev_net()` without RTNL. [`probe`] races it against the last
//! background command of the mutant's scenario, under the same explorers.

#![allow(clippy::disallowed_types)] // Harness bookkeeping across executions, outside the model.

use crate::check::Format;
use crate::error::{CliError, CmdResult, Verdict};
use crate::explore::{quietly, Explorer};
use crate::launch::{hand_over, repo_root, run_self};
use crate::scenario::parse_script;
use clap::Args;
use indicatif::ProgressBar;
use rtnl_model::script::{Command, Op, Script, Step};
use rtnl_model::variants::Variant;
use rtnl_model::{Config, Machine, Mode, Mutant, Property, Report};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// `rtnl-check mutants`.
#[derive(Args, Debug, Clone)]
pub struct MutantsArgs {
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// A smoke run: 200 shuttle and PCT schedules per run instead of 1000.
    #[arg(long)]
    pub quick: bool,
    /// Only these mutants (repeatable); the faithful runs then cover only their scenarios.
    #[arg(long = "only", value_name = "MUTANT")]
    pub only: Vec<Mutant>,
    /// Run every check this many times and report the median time (a benchmark).
    #[arg(long, default_value_t = 1)]
    pub repeat: usize,
    /// The kernel to run the catalogue in: series (the catalogue's expectations), pre-series, or
    /// rtnl-free (with the two modelled conversions, so the faithful baseline is informative;
    /// docs/rtnl-free.md). Outside series the matrix is a report: a mutant counts as caught
    /// where its run fails and the faithful run passed or failed otherwise.
    #[arg(long, default_value = "series")]
    pub mode: Mode,
    /// The scenario directory the catalogue's paths are relative to [default: checks/scenarios
    /// of the repository].
    #[arg(long)]
    pub scenarios: Option<PathBuf>,
    /// Internal: run the driver probe on this scenario and print its result as `check` would.
    #[arg(long, hide = true)]
    pub probe: Option<PathBuf>,
    /// Internal: the probe's explorer.
    #[arg(long, hide = true)]
    pub explorer: Option<Explorer>,
    /// Internal: the probe's mutant.
    #[arg(long, hide = true)]
    pub mutant: Option<Mutant>,
}

impl MutantsArgs {
    /// The scenario directory.
    pub fn scenarios(&self) -> PathBuf {
        self.scenarios.clone().unwrap_or_else(|| repo_root().join("checks").join("scenarios"))
    }
}

/// A checker of the matrix: an explorer and its bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checker {
    Loom,
    Shuttle,
    Pct,
}

impl Checker {
    pub const ALL: [Checker; 3] = [Checker::Loom, Checker::Shuttle, Checker::Pct];

    pub fn name(self) -> &'static str {
        match self {
            Checker::Loom => "loom",
            Checker::Shuttle => "shuttle",
            Checker::Pct => "pct",
        }
    }

    pub fn explorer(self) -> Explorer {
        match self {
            Checker::Loom => Explorer::Loom,
            Checker::Shuttle => Explorer::Shuttle,
            Checker::Pct => Explorer::Pct,
        }
    }

    /// The bounds of `check` for this checker.
    fn bounds(self, quick: bool) -> Vec<String> {
        let iterations = if quick { "200" } else { "1000" };
        let v: &[&str] = match self {
            Checker::Loom => &["--preemptions", "2", "--max-seconds", "120"],
            Checker::Shuttle => &["--iterations", iterations],
            Checker::Pct => &["--iterations", iterations, "--depth", "3"],
        };
        v.iter().map(|s| s.to_string()).collect()
    }
}

/// One run of one checker on one scenario.
#[derive(Clone, Debug, Serialize)]
pub struct Run {
    pub checker: String,
    pub scenario: String,
    pub passed: bool,
    /// The property that failed (`S5 per-netns-lock-at-unregistration`, ...).
    pub property: Option<String>,
    pub message: Option<String>,
    /// The lock-order graph found it (S8, with a lockdep report).
    pub lock_order_graph: bool,
    /// The failing violation came from the end-state checks.
    pub end_state: bool,
    /// Executions until the failure (or in all, when it passed).
    pub executions: u64,
    /// Exploration time (median over `--repeat`).
    pub seconds: f64,
    /// Wall-clock time of the whole `rtnl-check` process (median over `--repeat`), start-up and
    /// hand-over to the loom or shuttle build included.
    pub wall_seconds: f64,
    /// The run could not be made (a build missing, a file that does not parse, a crash).
    pub error: Option<String>,
}

/// One row of the matrix.
#[derive(Clone, Debug, Serialize)]
pub struct MutantRow {
    pub name: String,
    pub rationale: String,
    pub scenarios: Vec<String>,
    pub caught: bool,
    /// `loom`, `shuttle`, `pct`, and `lock-order graph` / `end-state checks` when those found it.
    pub caught_by: Vec<String>,
    /// The property named by the fastest catching run that breaks the expected one (else the
    /// fastest catching run's).
    pub property: Option<String>,
    pub executions: Option<u64>,
    pub seconds: Option<f64>,
    pub expected_property: Option<String>,
    /// Not observable while RTNL is global: expected to survive.
    pub equivalent: bool,
    pub function: String,
    pub undoes: Option<String>,
    pub runs: Vec<Run>,
}

impl MutantRow {
    /// Whether the row matches the catalogue: caught with the expected property, or an
    /// equivalent mutant that survived; and no run failed to run.
    pub fn as_expected(&self) -> bool {
        let runs_ok = self.runs.iter().all(|r| r.error.is_none());
        match &self.expected_property {
            None => runs_ok && !self.caught,
            Some(p) => {
                runs_ok
                    && self.caught
                    && self.runs.iter().any(|r| !r.passed && r.property.as_deref() == Some(p.as_str()))
            }
        }
    }
}

/// The whole matrix, as `--format json` prints it.
#[derive(Clone, Debug, Serialize)]
pub struct Matrix {
    pub mode: Mode,
    pub faithful_clean: bool,
    pub faithful: Vec<Run>,
    pub mutants: Vec<MutantRow>,
}

impl Matrix {
    /// Held when the faithful model passed everything and every mutant behaved as the
    /// catalogue says (caught with its property, or equivalent and not caught).
    pub fn verdict(&self) -> Verdict {
        if self.mode != Mode::Series {
            let errors =
                self.faithful.iter().chain(self.mutants.iter().flat_map(|r| &r.runs)).any(|r| r.error.is_some());
            return Verdict::violation_if(errors);
        }
        Verdict::violation_if(!self.faithful_clean || !self.mutants.iter().all(MutantRow::as_expected))
    }
}

/// Runs the subcommand.
pub fn run(a: &MutantsArgs) -> CmdResult {
    if let Some(file) = &a.probe {
        return run_probe_command(a, file);
    }
    let mutants: Vec<Mutant> = if a.only.is_empty() { Mutant::ALL.to_vec() } else { a.only.clone() };
    let m = matrix(&mutants, a);
    match a.format {
        Format::Json => crate::check::print_json(&m)?,
        Format::Text => print!("{}", render_text(&m)),
    }
    Ok(m.verdict())
}

/// Builds the matrix by running every check.
pub fn matrix(mutants: &[Mutant], a: &MutantsArgs) -> Matrix {
    let scenarios: BTreeSet<&str> = mutants.iter().flat_map(|m| m.scenarios().iter().copied()).collect();
    let probed = |s: &&str| mutants.iter().any(|m| m.needs_driver_probe() && m.scenarios().contains(s));
    let checkers = Checker::ALL.len();
    let total = scenarios.iter().map(|s| checkers * if probed(s) { 2 } else { 1 }).sum::<usize>()
        + mutants.iter().map(|m| checkers * m.scenarios().len()).sum::<usize>();
    let bar = crate::progress::runs(total as u64);
    let mut faithful = Vec::new();
    for s in &scenarios {
        let probe = probed(s);
        for c in Checker::ALL {
            faithful.push(run_check(a, c, s, None, false, bar.as_ref()));
            if probe {
                faithful.push(run_check(a, c, s, None, true, bar.as_ref()));
            }
        }
    }
    let faithful_clean = faithful.iter().all(|r| r.passed && r.error.is_none());
    let rows = mutants.iter().map(|&m| row(a, m, &faithful, bar.as_ref())).collect();
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    Matrix { mode: a.mode, faithful_clean, faithful, mutants: rows }
}

/// Whether a failed mutant run is a catch: the faithful run of the same checker and scenario
/// passed, or failed with another property (it can fail outside series mode).
fn is_catch(r: &Run, faithful: &[Run]) -> bool {
    !r.passed
        && r.error.is_none()
        && !faithful
            .iter()
            .any(|f| f.checker == r.checker && f.scenario == r.scenario && !f.passed && f.property == r.property)
}

fn row(a: &MutantsArgs, m: Mutant, faithful: &[Run], bar: Option<&ProgressBar>) -> MutantRow {
    let mut runs = Vec::new();
    for s in m.scenarios() {
        for c in Checker::ALL {
            runs.push(run_check(a, c, s, Some(m), m.needs_driver_probe(), bar));
        }
    }
    let failed: Vec<&Run> = runs.iter().filter(|r| is_catch(r, faithful)).collect();
    let mut caught_by: Vec<String> = Vec::new();
    for c in Checker::ALL {
        if failed.iter().any(|r| r.checker == c.name()) {
            caught_by.push(c.name().into());
        }
    }
    if failed.iter().any(|r| r.lock_order_graph) {
        caught_by.push("lock-order graph".into());
    }
    if failed.iter().any(|r| r.end_state) {
        caught_by.push("end-state checks".into());
    }
    let expected = m.breaks().map(|p| p.to_string());
    let fastest = |with_expected: bool| {
        failed
            .iter()
            .filter(|r| !with_expected || r.property == expected)
            .min_by(|x, y| x.seconds.total_cmp(&y.seconds))
            .copied()
    };
    let best = fastest(true).or_else(|| fastest(false));
    MutantRow {
        name: m.name().into(),
        rationale: m.rationale().into(),
        scenarios: m.scenarios().iter().map(|s| s.to_string()).collect(),
        caught: !failed.is_empty(),
        caught_by,
        property: best.and_then(|r| r.property.clone()),
        executions: best.map(|r| r.executions),
        seconds: best.map(|r| r.seconds),
        expected_property: expected,
        equivalent: m.equivalent(),
        function: m.function().into(),
        undoes: m.undoes().map(str::to_string),
        runs,
    }
}

/// Runs one check `repeat` times as a subprocess; the median time is reported. `bar` counts
/// it and names it while it runs.
fn run_check(
    a: &MutantsArgs,
    c: Checker,
    scenario: &str,
    mutant: Option<Mutant>,
    probe: bool,
    bar: Option<&ProgressBar>,
) -> Run {
    if let Some(b) = bar {
        let what = mutant.map_or("faithful model".to_string(), |m| m.name().to_string());
        b.set_message(format!("{what} on {scenario}{} ({})", if probe { ", driver probe" } else { "" }, c.name()));
    }
    let file = a.scenarios().join(scenario);
    let mut args: Vec<String> =
        if probe { vec!["mutants".into(), "--probe".into(), file.display().to_string()] } else { vec!["check".into()] };
    args.extend(["--explorer".into(), c.explorer().name().into()]);
    if probe {
        if a.quick {
            args.push("--quick".into());
        }
    } else {
        args.extend(c.bounds(a.quick));
        args.extend(["--format".into(), "json".into(), "--mode".into(), a.mode.name().into()]);
        if a.mode == Mode::RtnlFree {
            for v in [Variant::ConvertNetTodoList, Variant::ConvertAdjListInstanceLock] {
                args.extend(["--variant".into(), v.name().into()]);
            }
        }
    }
    if let Some(m) = mutant {
        args.extend(["--mutant".into(), m.name().into()]);
    }
    if !probe {
        args.push(file.display().to_string());
    }
    let name = if probe { format!("{scenario} (driver probe)") } else { scenario.to_string() };
    let mut runs: Vec<Run> = (0..a.repeat.max(1)).map(|_| subprocess(c, &name, &args)).collect();
    let median = |f: fn(&Run) -> f64| {
        let mut v: Vec<f64> = runs.iter().map(f).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (seconds, wall_seconds) = (median(|r| r.seconds), median(|r| r.wall_seconds));
    let mut r = runs.swap_remove(0);
    r.seconds = seconds;
    r.wall_seconds = wall_seconds;
    if let Some(b) = bar {
        b.inc(1);
    }
    r
}

fn subprocess(c: Checker, scenario: &str, args: &[String]) -> Run {
    let mut run = Run {
        checker: c.name().into(),
        scenario: scenario.into(),
        passed: false,
        property: None,
        message: None,
        lock_order_graph: false,
        end_state: false,
        executions: 0,
        seconds: 0.0,
        wall_seconds: 0.0,
        error: None,
    };
    let out = match run_self(args) {
        Ok((o, wall)) => {
            run.wall_seconds = wall;
            o
        }
        Err(e) => {
            run.error = Some(e);
            return run;
        }
    };
    // shuttle prints its failing schedule on stdout before the JSON; the JSON starts at a "[" line.
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json = stdout.find("\n[\n").map_or(&*stdout, |i| &stdout[i + 1..]);
    let parsed: Option<Value> = serde_json::from_str(json).ok();
    let mode = parsed.as_ref().and_then(|v| v.get(0)).and_then(|s| s.get("modes")).and_then(|m| m.get(0));
    let Some(mode) = mode else {
        let err = String::from_utf8_lossy(&out.stderr);
        run.error = Some(format!(
            "rtnl-check {} exited with {:?}: {}",
            args.join(" "),
            out.status.code(),
            err.lines().next().unwrap_or("no JSON on stdout")
        ));
        return run;
    };
    run.passed = mode.get("passed").and_then(Value::as_bool).unwrap_or(false);
    let stats = mode.get("stats");
    run.executions = stats.and_then(|s| s.get("executions")).and_then(Value::as_u64).unwrap_or(0);
    run.seconds = stats.and_then(|s| s.get("seconds")).and_then(Value::as_f64).unwrap_or(0.0);
    if let Some(f) = mode.get("failure").filter(|f| !f.is_null()) {
        let text = |k: &str| f.get(k).and_then(Value::as_str).map(str::to_string);
        run.property = text("property");
        run.message = text("message");
        run.lock_order_graph = f.get("lockdep").is_some_and(|l| !l.is_null())
            || run.property.as_deref() == Some(&Property::LockOrder.to_string());
        run.end_state = run.message.as_deref().is_some_and(|m| m.contains("(thread end-state"));
    }
    run
}

/// The text matrix.
pub fn render_text(m: &Matrix) -> String {
    let mut o = String::new();
    let faithful_runs = m.faithful.len();
    let bad: Vec<&Run> = m.faithful.iter().filter(|r| !r.passed || r.error.is_some()).collect();
    let _ = writeln!(
        o,
        "faithful model: {} ({faithful_runs} runs: every scenario below under loom, shuttle and pct, {} mode{})",
        if m.faithful_clean { "clean" } else { "FAILED" },
        m.mode,
        if m.mode == Mode::RtnlFree { " with convert-net-todo-list and convert-adj-list-instance-lock" } else { "" }
    );
    for r in bad {
        let why = r.error.clone().or_else(|| r.message.clone()).unwrap_or_default();
        let _ = writeln!(o, "  {} on {}: {why}", r.checker, r.scenario);
    }
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "{:<28} {:<16} {:<16} {:<16} {:<6} {:<9} property",
        "mutant", "loom", "shuttle", "pct", "graph", "end-state"
    );
    for row in &m.mutants {
        let cell = |c: Checker| {
            let rs: Vec<&Run> = row.runs.iter().filter(|r| r.checker == c.name()).collect();
            if rs.iter().any(|r| r.error.is_some()) {
                return "error".to_string();
            }
            match rs.iter().filter(|r| !r.passed).min_by(|x, y| x.seconds.total_cmp(&y.seconds)) {
                Some(r) => format!("{} ex {}", r.executions, duration(r.seconds)),
                None => "-".into(),
            }
        };
        let flag = |s: &str| if row.caught_by.iter().any(|c| c == s) { "yes" } else { "-" };
        let property = match (&row.property, row.equivalent) {
            (Some(p), true) => format!("{p} (equivalent while RTNL is global)"),
            (Some(p), false) => p.clone(),
            (None, true) => "survives: equivalent while RTNL is global".into(),
            (None, false) => "SURVIVED".into(),
        };
        let mark = if m.mode != Mode::Series || row.as_expected() { "" } else { "  <- not as the catalogue says" };
        let _ = writeln!(
            o,
            "{:<28} {:<16} {:<16} {:<16} {:<6} {:<9} {property}{mark}",
            row.name,
            cell(Checker::Loom),
            cell(Checker::Shuttle),
            cell(Checker::Pct),
            flag("lock-order graph"),
            flag("end-state checks"),
        );
    }
    let caught = m.mutants.iter().filter(|r| r.caught).count();
    let equivalent = m.mutants.iter().filter(|r| r.equivalent).count();
    let mut secs: Vec<f64> = m.mutants.iter().filter_map(|r| r.seconds).collect();
    secs.sort_by(f64::total_cmp);
    let median = secs.get(secs.len() / 2).copied().unwrap_or(0.0);
    let _ = writeln!(
        o,
        "\n{caught} of {} mutants caught ({equivalent} equivalent while RTNL is global); fastest catch per mutant: \
         median {}, max {}",
        m.mutants.len(),
        duration(median),
        duration(secs.last().copied().unwrap_or(0.0))
    );
    let _ = writeln!(o, "result: {}", if m.verdict() == Verdict::Held { "PASS" } else { "FAIL" });
    o
}

/// `0.4 ms`, `12 ms`, `1.07 s`.
fn duration(secs: f64) -> String {
    if secs < 0.01 {
        format!("{:.1} ms", secs * 1e3)
    } else if secs < 1.0 {
        format!("{:.0} ms", secs * 1e3)
    } else {
        format!("{secs:.2} s")
    }
}

// --- The driver probe ---------------------------------------------------------------------

/// A scenario split for the driver probe: the steps before the race, the command the driver
/// races, and the device and netns the driver acts on.
#[derive(Clone, Debug)]
pub struct ProbeScript {
    pub setup: Script,
    pub race: Command,
    pub dev: String,
    pub netns: String,
}

impl ProbeScript {
    /// The probe's reading of a scenario: its last step before the final `wait` must be one
    /// background `ip -n NS link set DEV netns NS2`; the driver acts on DEV in NS.
    pub fn parse(name: &str, source: &str) -> Result<ProbeScript, String> {
        let script = parse_script(name, source).map_err(|e| e.to_string())?;
        let mut steps = script.steps.clone();
        while matches!(steps.last(), Some(Step::Wait(_))) {
            steps.pop();
        }
        let Some(Step::Background(race)) = steps.pop() else {
            return Err(format!("{name}: the driver probe races the last background command; there is none"));
        };
        let (Op::LinkSetNetns { name: dev, .. }, Some(netns)) = (&race.op, &race.netns) else {
            return Err(format!(
                "{name}: the driver probe races `ip -n NS link set DEV netns NS2 &`, not {:?}",
                race.text
            ));
        };
        if steps.iter().any(|s| matches!(s, Step::Background(_))) {
            return Err(format!("{name}: only the raced command may run in the background"));
        }
        Ok(ProbeScript {
            dev: dev.clone(),
            netns: netns.clone(),
            race: race.clone(),
            setup: Script { name: script.name.clone(), steps },
        })
    }
}

/// One execution of the probe: the setup, then the raced command on a thread of its own while
/// this thread, a driver, calls `unregister_netdevice_notifier_dev_net()` on the device.
pub fn probe_body(cfg: &Config, p: &ProbeScript) -> Report {
    use rtnl_model::sync::thread;
    let m = Machine::boot(cfg.clone());
    rtnl_model::userspace::run_script(&m.k, &p.setup);
    let net = m.k.with(|s| s.netns_names.get(&p.netns).copied());
    let dev = net.and_then(|n| m.k.dev_get_by_name(n, &p.dev));
    let (k2, race) = (m.k.clone(), p.race.clone());
    let mover = thread::spawn(move || {
        k2.set_thread_name(format!("ip#{}", race.loc.line));
        let _ = rtnl_model::userspace::ip(&k2, &race);
    });
    if let Some(dev) = dev {
        m.k.set_thread_name("driver");
        rtnl_model::dev::unregister_netdevice_notifier_dev_net(&m.k, dev);
    }
    if let Err(e) = mover.join() {
        std::panic::resume_unwind(e);
    }
    m.settle();
    m.shutdown()
}

/// What the probe found.
#[derive(Clone, Debug, Serialize)]
pub struct ProbeOutcome {
    pub passed: bool,
    pub property: Option<String>,
    pub message: Option<String>,
    pub executions: u64,
    pub seconds: f64,
}

/// Runs the probe under `explorer` (this binary's backend): loom with preemption bound 2,
/// shuttle random or PCT for `iterations` schedules, or real threads.
pub fn probe(p: &ProbeScript, mutant: Option<Mutant>, explorer: Explorer, iterations: usize) -> ProbeOutcome {
    let cfg = Config { mutant, ..Config::new(Mode::Series) };
    let executions = Arc::new(AtomicU64::new(0));
    let found: Arc<Mutex<Option<(String, String)>>> = Arc::new(Mutex::new(None));
    let body = {
        let (p, executions, found) = (p.clone(), executions.clone(), found.clone());
        move || {
            executions.fetch_add(1, Ordering::SeqCst);
            let report = probe_body(&cfg, &p);
            if let Some(v) = report.violations.first() {
                *found.lock().unwrap_or_else(|e| e.into_inner()) = Some((v.property.to_string(), v.to_string()));
                panic!("property violated: {v}");
            }
        }
    };
    let start = Instant::now();
    let panic = run_probe_body(explorer, iterations, body);
    let seconds = start.elapsed().as_secs_f64();
    let found = found.lock().unwrap_or_else(|e| e.into_inner()).take();
    let (property, message) = match (panic, found) {
        (None, _) => (None, None),
        (Some(_), Some((p, m))) => (Some(p), Some(m)),
        (Some(msg), None) => {
            let p = if msg.contains("deadlock") { Property::NoDeadlock.to_string() } else { "model panic".into() };
            (Some(p), Some(msg.lines().next().unwrap_or_default().to_string()))
        }
    };
    ProbeOutcome {
        passed: property.is_none(),
        property,
        message,
        executions: executions.load(Ordering::SeqCst),
        seconds,
    }
}

#[allow(unused_variables)]
fn run_probe_body(explorer: Explorer, iterations: usize, body: impl Fn() + Send + Sync + 'static) -> Option<String> {
    match explorer {
        #[cfg(rtnl_loom)]
        Explorer::Loom => {
            let mut b = loom::model::Builder::new();
            b.preemption_bound = Some(2);
            b.max_branches = 20_000;
            quietly(move || b.check(body))
        }
        #[cfg(rtnl_shuttle)]
        Explorer::Shuttle | Explorer::Pct => {
            use shuttle::scheduler::{PctScheduler, RandomScheduler, Scheduler};
            let sched: Box<dyn Scheduler + Send> = if explorer == Explorer::Pct {
                Box::new(PctScheduler::new_from_seed(0, 3, iterations))
            } else {
                Box::new(RandomScheduler::new_from_seed(0, iterations))
            };
            let mut config = shuttle::Config::new();
            config.stack_size = 1 << 20;
            config.max_steps = shuttle::MaxSteps::FailAfter(200_000);
            config.failure_persistence = shuttle::FailurePersistence::None;
            config.silence_warnings = true;
            let runner = shuttle::Runner::new(sched, config);
            quietly(move || {
                runner.run(body);
            })
        }
        _ => {
            for _ in 0..iterations.max(1) {
                if let Some(p) = quietly(&body) {
                    return Some(p);
                }
            }
            None
        }
    }
}

/// `mutants --probe FILE`: runs in the build of `--explorer` (handing itself over to it if this
/// is another build) and prints the result in `check --format json`'s shape.
fn run_probe_command(a: &MutantsArgs, file: &Path) -> CmdResult {
    let explorer = a.explorer.unwrap_or(Explorer::Loom);
    if !explorer.available() {
        let args: Vec<String> = std::env::args().skip(1).collect();
        return hand_over(explorer.backend(), &args);
    }
    let source = std::fs::read_to_string(file).map_err(|e| CliError::Msg(format!("{}: {e}", file.display())))?;
    let name = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let p = ProbeScript::parse(&name, &source).map_err(CliError::Msg)?;
    let iterations = match explorer {
        Explorer::Loom => 0,
        Explorer::Std => 20,
        _ if a.quick => 200,
        _ => 1000,
    };
    let out = probe(&p, a.mutant, explorer, iterations);
    let failure = out.property.as_ref().map(|p| serde_json::json!({ "property": p, "message": out.message }));
    let json = serde_json::json!([{
        "scenario": name,
        "file": file.display().to_string(),
        "explorer": explorer.name(),
        "driver_probe": "unregister_netdevice_notifier_dev_net",
        "modes": [{
            "mode": "series",
            "passed": out.passed,
            "stats": { "executions": out.executions, "seconds": out.seconds },
            "failure": failure,
        }],
    }]);
    crate::check::print_json(&json)?;
    Ok(Verdict::violation_if(!out.passed))
}
