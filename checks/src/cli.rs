//! The `rtnl-check` command line: `check`, `replay`, `graph`, `outcomes`, `conform`.
//!
//! Exit status: 0 when every property held, 1 when a violation was found, 2 on bad input or a
//! bad command line.

pub use crate::check::{check_scenario, choose_explorer, load, load_all, CheckArgs, Format, Loaded, OutputFormat};
pub use crate::check::{GraphSummary, ModeResult, ScenarioResult};
use crate::explore::{modes, Explorer};
use crate::lockgraph::LockGraph;
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
        return crate::launch::hand_over(b, raw_args);
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
                            println!(
                                "\n-- trace of the first execution, mode {} --\n{}",
                                m.mode,
                                first.format_trace(a.full_trace)
                            );
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
