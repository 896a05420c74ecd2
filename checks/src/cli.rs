//! The `rtnl-check` command line: `check`, `replay`, `graph`, `outcomes`, `conform`.
//!
//! Exit status: 0 when every property held, 1 when a violation was found, 2 on bad input or a
//! bad command line.

pub use crate::check::{
    check_scenario, choose_explorer, load, load_all, print_json, CheckArgs, Format, Loaded, OutputFormat,
};
pub use crate::check::{GraphSummary, ModeResult, ScenarioResult};
use crate::error::{CliError, CmdResult, Verdict};
use crate::explore::modes;
use crate::launch::hand_over;
use crate::lockgraph::LockGraph;
use crate::protocol::{run_in, Frame, Request};
use crate::token::ReplayToken;
use clap::{Parser, Subcommand};
use rtnl_model::{Mode, Outcome, Property};
use serde::Serialize;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

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
        /// Also write the execution as a self-contained HTML page.
        #[arg(long)]
        html: Option<PathBuf>,
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
    /// Internal: the backend side of the launcher protocol (a request on stdin, frames on stdout).
    #[command(hide = true)]
    Frames,
}

/// How much of the space a passing run covered, worded alike in every format.
fn extent(s: &crate::explore::Stats) -> String {
    match (&s.bound, s.exhausted) {
        (Some(b), true) if b.starts_with(crate::explore::DPOR_NO_BOUND) || b.starts_with("--shortest") => {
            format!("exhausted, {b}")
        }
        (Some(b), true) => format!("exhausted within {b}"),
        (None, true) => "exhausted: every interleaving".into(),
        (Some(b), false) => format!("not exhaustive: {b}"),
        (None, false) => "not exhaustive".into(),
    }
}

/// The text report of one scenario; an outcome that cannot be encoded is an error.
pub fn render_text(r: &ScenarioResult, full_trace: bool) -> Result<String, serde_json::Error> {
    let mut o = String::new();
    let _ = writeln!(o, "scenario {} ({})", r.scenario, r.file);
    let _ = writeln!(o, "explorer: {} ({})", r.explorer, r.explorer_reason);
    if let Some(n) = &r.cpus_note {
        let _ = writeln!(o, "cpus: {n}");
    }
    for sk in &r.skipped {
        let _ = writeln!(o, "\n== mode {}: SKIPPED ({})", sk.mode, sk.reason);
    }
    for m in &r.modes {
        let s = &m.stats;
        let space = match &s.bound {
            // --shortest: say which bound failed first, and how preempted the execution is.
            Some(b) if m.failure.is_some() && b.starts_with("--shortest") => {
                format!("stopped at the first failure; {}", b.split("; dpor:").next().unwrap_or(b))
            }
            _ if m.failure.is_some() && !s.exhausted => "stopped at the first failure".to_string(),
            _ => extent(s),
        };
        let _ = writeln!(o, "\n== mode {}: {}", m.label(), if m.passed { "PASS" } else { "FAIL" });
        let _ = writeln!(
            o,
            "  executions {} ({space}); max steps {}; distinct lock orders {}; {:.2} s",
            s.executions, s.max_steps, s.distinct_lock_orders, s.seconds
        );
        if let Some(c) = &s.cpus {
            let _ = writeln!(o, "  cpus: {c}");
        }
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
                    let _ = writeln!(o, "    {}", serde_json::to_string(out)?);
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
    Ok(o)
}

/// `--format summary`: per mode, the scenario's file, the mode, the verdict and the explorer,
/// then the failing execution and its violation, or how many executions passed and whether
/// they were every one within the bound.
pub fn render_summary(r: &ScenarioResult) -> String {
    let mut o = String::new();
    for sk in &r.skipped {
        let _ = writeln!(o, "{}  {}  SKIPPED  {}", r.file, sk.mode, sk.reason);
    }
    for m in &r.modes {
        let s = &m.stats;
        let how = match (&m.failure, &s.bound) {
            // A property check's message names its property; a deadlock's or a hang's does not.
            (Some(f), _) if f.message.starts_with('[') => format!("execution {}: {}", f.execution, f.message),
            (Some(f), _) => format!("execution {}: [{}] {}", f.execution, f.property, f.message),
            (None, _) => format!("{}, {}", crate::explore::executions(s.executions), extent(s)),
        };
        let verdict = if m.passed { "PASS" } else { "FAIL" };
        let _ = writeln!(o, "{}  {}  {verdict}  {}: {how}", r.file, m.label(), r.explorer);
    }
    o
}

/// Runs the CLI; `error::exit` maps the result to the exit status.
pub fn run(cli: Cli, raw_args: &[String]) -> CmdResult {
    match cli.cmd {
        Cmd::Check(a) => run_checks(&a, raw_args, "check", cmd_check),
        Cmd::Outcomes(a) | Cmd::Graph(a) if a.html.is_some() => {
            Err(CliError::Msg("--html draws executions: it is for `rtnl-check check` and `rtnl-check replay`".into()))
        }
        Cmd::Outcomes(a) => run_checks(&a, raw_args, "outcomes", cmd_outcomes),
        Cmd::Graph(g) => run_checks(&g, raw_args, "graph", cmd_graph),
        Cmd::Replay { token, format, html } => {
            let backend = ReplayToken::decode(&token).ok().map(|t| t.explorer.backend());
            match backend.filter(|b| *b != rtnl_model::sync::BACKEND) {
                Some(b) => hand_over(b, raw_args),
                None => cmd_replay(&token, format, html.as_deref()),
            }
        }
        Cmd::Conform { files, format } => cmd_conform(&files, format),
        Cmd::Mutants(m) => crate::mutants::run(&m),
        Cmd::Prove(p) => crate::prove::run(&p),
        Cmd::Frames => cmd_frames(),
    }
}

/// How `check`, `outcomes` and `graph` report the frames of their scenarios, in file order.
type Reporter = fn(&CheckArgs, &mut dyn Iterator<Item = Result<Frame, String>>) -> CmdResult;

/// Loads every file (refusing the call before any exploration if one is bad), then runs each
/// scenario in the build its explorer needs: all here, all handed to one other build, or, for
/// a mix, each build's share through the protocol, reported together in file order.
fn run_checks(a: &CheckArgs, raw_args: &[String], cmd: &str, report: Reporter) -> CmdResult {
    format_for(a, cmd)?;
    crate::check::modes_for(&a.mode, &a.variants).map_err(CliError::Msg)?;
    if a.shortest && a.explorer != Some(crate::explorer::Explorer::Dpor) {
        return Err(CliError::Msg("--shortest searches by preemption bound with dpor: add --explorer dpor".into()));
    }
    if a.jobs > 1 && a.explorer != Some(crate::explorer::Explorer::Dpor) {
        return Err(CliError::Msg("--jobs splits one dpor exploration across threads: add --explorer dpor".into()));
    }
    let a = &CheckArgs { files: crate::check::expand_dirs(&a.files)?, ..a.clone() };
    let all = load_all(&a.files)?;
    let needed: Vec<&str> =
        all.iter().map(|l| a.explorer.unwrap_or_else(|| choose_explorer(&l.script).0).backend()).collect();
    let mut backends: Vec<&str> = Vec::new();
    for b in &needed {
        if !backends.contains(b) {
            backends.push(b);
        }
    }
    let here = rtnl_model::sync::BACKEND;
    match backends[..] {
        [b] if b != here => return hand_over(b, raw_args),
        [_] | [] => return report(a, &mut all.iter().map(|l| Frame::check(l, a))),
        _ => {}
    }
    let mut slots: Vec<Option<Frame>> = all.iter().map(|_| None).collect();
    for b in backends {
        let share: Vec<usize> = (0..all.len()).filter(|&i| needed[i] == b).collect();
        let frames = if b == here {
            share.iter().map(|&i| Frame::check(&all[i], a)).collect()
        } else {
            let args = CheckArgs { files: share.iter().map(|&i| a.files[i].clone()).collect(), ..a.clone() };
            run_in(b, &Request { args })
        };
        match frames {
            Ok(fs) if fs.len() == share.len() => {
                for (i, f) in share.into_iter().zip(fs) {
                    slots[i] = Some(f);
                }
            }
            Ok(_) => {
                return Err(CliError::Msg(format!("the {b} build of rtnl-check returned fewer results than scenarios")))
            }
            Err(e) => return Err(CliError::Msg(e)),
        }
    }
    report(a, &mut slots.into_iter().map(|f| f.ok_or_else(|| "a scenario was not run".to_string())))
}

/// `frames` (hidden): the backend side of the protocol, answering the launcher's request.
fn cmd_frames() -> CmdResult {
    let request: Request = serde_json::from_reader(std::io::stdin().lock())
        .map_err(|e| CliError::Msg(format!("unreadable request on stdin: {e}")))?;
    let a = request.args;
    let all = load_all(&a.files)?;
    let mut failed = false;
    for l in &all {
        let explorer = a.explorer.unwrap_or_else(|| choose_explorer(&l.script).0);
        if !explorer.available() {
            return Err(CliError::Msg(format!(
                "{}: the {} explorer needs the {} build",
                l.path.display(),
                explorer.name(),
                explorer.backend()
            )));
        }
        let line = Frame::check(l, &a).and_then(|f| {
            failed |= f.result.modes.iter().any(|m| !m.passed);
            f.line().map_err(|e| format!("cannot encode the result: {e}"))
        });
        println!("{}", line.map_err(CliError::Msg)?);
    }
    Ok(Verdict::violation_if(failed))
}

/// The model's outcomes for `file`, from `rtnl-check outcomes` (run in the build that can
/// explore it): the set, and whether it is complete. On one CPU, the set the corpus has been
/// held to: every placement of a race's commands on two CPUs multiplies loom's search (minutes
/// per script instead of seconds).
fn model_outcomes(file: &Path) -> Result<(BTreeSet<Outcome>, bool), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = std::process::Command::new(exe)
        .arg("outcomes")
        .arg(file)
        .args(["--format", "json", "--mode", "both", "--cpus", "1"])
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

fn cmd_conform(files: &[PathBuf], format: Format) -> CmdResult {
    use crate::conform::{run_on_kernel, ConformError, ConformOptions, KernelRun};
    let all = load_all(&crate::check::expand_dirs(files)?)?;
    // Every script is vetted before the first one touches the machine.
    for l in &all {
        crate::conform::refuse_module_statements(&l.script)
            .map_err(|e| CliError::Msg(format!("conform: {}: {e}", l.path.display())))?;
    }
    let mut results = Vec::new();
    for l in &all {
        let file = l.path.display().to_string();
        let run = match run_on_kernel(&l.script, &ConformOptions::default()) {
            Ok(r) => r,
            Err(e @ ConformError::NotRoot) => {
                return Err(CliError::Msg(format!(
                    "{e}: run `rtnl-check conform` as root (it creates and destroys its own namespaces)"
                )))
            }
            Err(e) => return Err(CliError::Msg(format!("{file}: {e}"))),
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
                Err(e) => return Err(CliError::Msg(format!("{file}: {e}"))),
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
            let obs = r.observed.as_ref().map(serde_json::to_string).transpose()?.unwrap_or_default();
            let why = r.reason.as_deref().map(|w| format!(" ({w})")).unwrap_or_default();
            println!("{} {}: {obs}{why}", r.verdict.to_uppercase(), r.file);
            if r.verdict == "fail" {
                for m in &r.model {
                    println!("    model: {}", serde_json::to_string(m)?);
                }
            }
        }
        results.push(r);
    }
    let failed = results.iter().filter(|r| r.verdict == "fail").count();
    if format == Format::Json {
        print_json(&results)?;
    } else {
        let n = |v: &str| results.iter().filter(|r| r.verdict == v).count();
        println!("{} passed, {} failed, {} skipped", n("pass"), failed, n("skip"));
    }
    Ok(Verdict::violation_if(failed > 0))
}

/// `--format dot|svg` is for `graph` only.
/// Refuses, before any exploration, a `--format` the command does not print.
fn format_for(a: &CheckArgs, cmd: &str) -> Result<(), CliError> {
    use clap::ValueEnum;
    let (ok, takes) = match cmd {
        "check" => (
            matches!(a.format, OutputFormat::Text | OutputFormat::Json | OutputFormat::Summary),
            "text, json or summary",
        ),
        "graph" => (a.format != OutputFormat::Summary, "text, json, dot or svg"),
        _ => (matches!(a.format, OutputFormat::Text | OutputFormat::Json), "text or json"),
    };
    if ok {
        return Ok(());
    }
    let f = a.format.to_possible_value().map(|v| v.get_name().to_string()).unwrap_or_default();
    Err(CliError::Msg(format!("`rtnl-check {cmd}` prints {takes}, not --format {f}")))
}

fn cmd_check(a: &CheckArgs, frames: &mut dyn Iterator<Item = Result<Frame, String>>) -> CmdResult {
    let mut failed = false;
    let mut json = Vec::new();
    let mut pages = Vec::new();
    let mut names = Vec::new();
    for f in frames {
        let f = f.map_err(CliError::Msg)?;
        pages.extend(f.html_runs);
        let r = f.result;
        names.push(r.scenario.clone());
        failed |= r.modes.iter().any(|m| !m.passed);
        match a.format {
            OutputFormat::Json => {
                json.push(r);
                continue;
            }
            OutputFormat::Summary => {
                print!("{}", render_summary(&r));
                continue;
            }
            _ => {}
        }
        print!("{}", render_text(&r, a.full_trace)?);
        if a.trace {
            for (m, first) in r.modes.iter().zip(&f.first_traces) {
                if let Some(first) = first {
                    println!("\n-- trace of the first execution, mode {} --\n{}", m.label(), first);
                }
            }
        }
    }
    if a.format == OutputFormat::Json {
        print_json(&json)?;
    } else if a.format == OutputFormat::Summary {
        println!("result: {}", if failed { "FAIL" } else { "PASS" });
    } else {
        println!("\nresult: {}", if failed { "FAIL" } else { "PASS" });
    }
    if let Some(path) = &a.html {
        crate::html::write(path, &format!("rtnl-check check: {}", names.join(", ")), &pages)
            .map_err(|e| CliError::Msg(format!("--html: {e}")))?;
    }
    Ok(Verdict::violation_if(failed))
}

/// `outcomes`: the set of final states, per mode and together.
fn cmd_outcomes(a: &CheckArgs, frames: &mut dyn Iterator<Item = Result<Frame, String>>) -> CmdResult {
    let mut failed = false;
    for f in frames {
        let r = f.map_err(CliError::Msg)?.result;
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
                        m.label(),
                        m.outcomes.len(),
                        if m.passed { "" } else { " (a property failed)" }
                    );
                }
                for o in &set {
                    println!("  {}", serde_json::to_string(o)?);
                }
            }
        }
    }
    Ok(Verdict::violation_if(failed))
}

fn cmd_graph(g: &CheckArgs, frames: &mut dyn Iterator<Item = Result<Frame, String>>) -> CmdResult {
    let mut graph = LockGraph::new();
    for f in frames {
        for examples in f.map_err(CliError::Msg)?.class_edges.iter().flatten() {
            graph.add_edges(examples);
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
            print_json(&out)?;
        }
        OutputFormat::Dot => print!("{}", graph.to_dot()),
        OutputFormat::Svg => print!("{}", graph.to_svg().map_err(|e| CliError::Msg(e.to_string()))?),
        OutputFormat::Summary => return Err(CliError::Msg("`rtnl-check graph` does not print a summary".into())),
    }
    Ok(Verdict::violation_if(!graph.is_acyclic()))
}

fn cmd_replay(token: &str, format: Format, html: Option<&Path>) -> CmdResult {
    let t = ReplayToken::decode(token).map_err(|e| CliError::Diagnostic(miette::Report::new(e)))?;
    let result = match html {
        Some(path) => crate::html::replay_to(&t, path),
        None => crate::explore::replay(&t),
    };
    match result {
        Err(e) => Err(CliError::Msg(e)),
        Ok(None) => {
            println!(
                "replay of {} ({}, {}) passed: the failure did not reproduce",
                t.scenario,
                t.explorer.name(),
                t.cfg.mode
            );
            Ok(Verdict::Held)
        }
        Ok(Some(f)) => {
            if format == Format::Json {
                print_json(&f)?;
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
            Ok(Verdict::Violation)
        }
    }
}

/// The modes a `--mode` argument covers.
pub fn parse_modes(s: &str) -> Result<Vec<Mode>, String> {
    modes(s)
}
