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
//!
//! Parts: [`suite`] (what runs), [`entry`] (one run's record), [`compare`] (`--check`),
//! [`report`] (REPORT.md, the table, JUnit).

use crate::check::{CheckArgs, ModeResult};
use crate::error::{self, CliError, CmdResult};
use crate::explore::{modes, Explorer};
use crate::launch::repo_root;
use crate::lockgraph::LockGraph;
use crate::protocol::{run_in, Request};
use clap::{Args, ValueEnum};
use rtnl_model::lockdep::LockEdge;
use rtnl_model::{AddrOrder, Mode};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

mod compare;
mod entry;
mod fnv;
mod report;
mod shards;
mod suite;

pub use compare::*;
pub use entry::*;
pub use report::*;
pub use suite::*;

/// `rtnl-check prove`.
#[derive(Args, Debug, Clone)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ProveArgs {
    #[command(subcommand)]
    pub cmd: Option<ProveCmd>,
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
    /// With --shard: also write this shard's runs to FILE, for `rtnl-check prove merge`.
    #[arg(long, value_name = "FILE", requires = "shard")]
    pub save: Option<PathBuf>,
    /// Runs at once, each in its own process. Counts and verdicts do not depend on it; times
    /// do, as the runs share the cores.
    #[arg(long, short = 'j', value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: u16,
    /// The directory of REPORT.md, proofs.json and the lock-order graphs [default: docs/proofs
    /// of the repository].
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// `rtnl-check prove merge`.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum ProveCmd {
    /// Join the shard files of `prove --shard K/N --save FILE` (one per shard, made by the same
    /// version from the same scenarios and options) into one report, as one `prove` run would
    /// have made it: written to docs/proofs (full suite), or compared with it (--check).
    Merge(MergeArgs),
}

/// `rtnl-check prove merge`.
#[derive(Args, Debug, Clone)]
pub struct MergeArgs {
    /// The shard files, one per shard, in any order.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Compare the merged runs with the committed proofs.json instead of writing.
    #[arg(long)]
    pub check: bool,
    #[arg(long, value_enum, default_value_t = ProveFormat::Text)]
    pub format: ProveFormat,
    /// The directory of REPORT.md, proofs.json and the lock-order graphs [default: docs/proofs].
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

/// Runs the subcommand.
pub fn run(a: &ProveArgs) -> CmdResult {
    if let Some(ProveCmd::Merge(m)) = &a.cmd {
        return shards::merge(m);
    }
    let suites = suites_of(a.quick);
    if a.shard.is_some() && !a.check && !a.quick && a.save.is_none() {
        return Err(CliError::Msg(
            "--shard runs part of the suite and writes no report: use it with --check, --quick or --save FILE".into(),
        ));
    }
    let all_planned = plan(suites).map_err(CliError::Msg)?;
    if let Some(f) = &a.save {
        // Refused before any run, not after minutes of them.
        shards::check_writable(f)?;
    }
    let indices: Vec<usize> = (0..all_planned.len()).filter(|i| a.shard.is_none_or(|s| s.has(*i))).collect();
    let planned: Vec<&Planned> = indices.iter().map(|&i| &all_planned[i]).collect();
    let start = std::time::Instant::now();
    let mut entries = Vec::new();
    let mut walls = Vec::new();
    let mut edges: Vec<(Suite, String, Vec<LockEdge>)> = Vec::new();
    let mut seconds: BTreeMap<String, f64> = BTreeMap::new();
    let bar = crate::progress::runs(planned.len() as u64);
    let done = std::sync::atomic::AtomicUsize::new(0);
    let report = |p: &Planned, e: &Entry| {
        let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        let line = format!(
            "[{n}/{}] {}: {}, {} executions{}, {:.2} s",
            planned.len(),
            e.label(),
            e.claim.text(),
            e.executions,
            if e.exhausted { " (exhausted)" } else { "" },
            e.seconds
        );
        crate::progress::eprintln_above(bar.as_ref(), &line);
        if let Some(b) = &bar {
            b.set_message(p.label());
            b.inc(1);
        }
    };
    for (p, (e, es, wall)) in planned.iter().zip(execute_all(&planned, usize::from(a.jobs), &report)) {
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
    if let (Some(path), Some(shard)) = (&a.save, a.shard) {
        shards::save(path, shard, a.quick, &all_planned, &indices, &file, &edges, &walls)?;
    }
    let how = Conclude { quick: a.quick, check: a.check, format: a.format, shard: a.shard, out: a.out.clone() };
    conclude(&how, suites, &all_planned, &file, &edges, &walls)
}

/// The suites `prove` runs: the quick one, or all three.
pub(crate) fn suites_of(quick: bool) -> &'static [Suite] {
    if quick {
        &[Suite::Quick]
    } else {
        &[Suite::Full, Suite::Calibration, Suite::Quick]
    }
}

/// What to do with the runs made (by `prove`, or by the shards `prove merge` joins).
pub(crate) struct Conclude {
    pub quick: bool,
    pub check: bool,
    pub format: ProveFormat,
    pub shard: Option<Shard>,
    pub out: Option<PathBuf>,
}

/// Prints the runs, then compares them with the committed proofs (`check`) or writes the
/// report (the full suites), and says what the runs established.
pub(crate) fn conclude(
    a: &Conclude,
    suites: &[Suite],
    all_planned: &[Planned],
    file: &ProofsFile,
    edges: &[(Suite, String, Vec<LockEdge>)],
    walls: &[f64],
) -> CmdResult {
    let broken = broken_proofs(&file.entries);
    // Canonical, so messages name it without `..`.
    let out_dir = a.out.clone().unwrap_or_else(|| repo_root().join("docs").join("proofs"));
    let out = std::fs::canonicalize(&out_dir).unwrap_or(out_dir);
    // A shard compares its own runs; shard 1 also owns committed runs no longer planned.
    let keep = |e: &Entry| match a.shard {
        None => true,
        Some(s) => all_planned.iter().position(|p| e.key() == p.key()).map_or(s.k == 1, |i| s.has(i)),
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
            print!("{}", render_junit(&file.entries, walls, &problems));
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
    if let Some(s) = a.shard {
        say(format!("(shard {s}: no report written; `rtnl-check prove merge` joins the shards' --save files)"));
    } else if a.quick {
        say("(quick suite: nothing written; `rtnl-check prove` writes docs/proofs)".into());
    } else if let Err(e) = write_artifacts(&out, file, edges) {
        return Err(CliError::Msg(e));
    } else {
        say(format!("wrote {}", out.display()));
    }
    if errors > 0 {
        return Err(CliError::NotRun { count: errors });
    }
    Ok(error::Verdict::violation_if(!broken.is_empty()))
}

/// Runs `planned` on `jobs` workers (each run is its own subprocess, so runs share nothing);
/// the results come back in the plan's order, whatever order they finished in.
fn execute_all(planned: &[&Planned], jobs: usize, report: &(dyn Fn(&Planned, &Entry) + Sync)) -> Vec<Executed> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::scope(|s| {
        for _ in 0..jobs.clamp(1, planned.len().max(1)) {
            let tx = tx.clone();
            let next = &next;
            s.spawn(move || loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(p) = planned.get(i) else { break };
                let r = execute(p);
                report(p, &r.0);
                let _ = tx.send((i, r));
            });
        }
    });
    drop(tx);
    let mut results: Vec<Option<Executed>> = planned.iter().map(|_| None).collect();
    for (i, r) in rx {
        results[i] = Some(r);
    }
    results.into_iter().map(|r| r.expect("every run executed")).collect()
}

/// A run's entry, its lock-order edges and its wall-clock seconds.
type Executed = (Entry, Vec<LockEdge>, f64);

/// Runs one planned check as a subprocess in its explorer's build; returns its entry, its
/// lock-order edges and the wall-clock seconds it took.
fn execute(p: &Planned) -> Executed {
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
            max_executions: None,
            depth: None,
            seed: None,
            setting: Setting::default(),
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
            cpus: None,
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
            max_executions: None,
            setting: Setting::default(),
        };
        let mode = |passed: bool, executions: u64, exhausted: bool, failure: Option<(&str, &str, u64)>| ModeResult {
            mode: "series".into(),
            addr_order: Default::default(),
            passed,
            stats: crate::explore::Stats { executions, exhausted, seconds: 0.1, ..Default::default() },
            properties_checked: vec!["S1 a".into(), "L5 b".into()],
            failure: failure.map(|(property, message, execution)| crate::explore::Failure {
                property: property.into(),
                kind: crate::explore::FailureKind::Deadlock,
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
                assert!(
                    runs.iter().any(|x| x.explorer == Explorer::Dpor && x.max_executions == Some(DPOR_QUICK)),
                    "{} {m}",
                    s.name
                );
                assert_eq!(runs.iter().any(|x| x.explorer == Explorer::Loom), s.quick != Loom::No, "{} {m}", s.name);
                // Each other setting once in series mode, and the check line names it.
                for setting in OTHER_SETTINGS {
                    let with: Vec<&&Planned> = runs.iter().filter(|x| x.setting == *setting).collect();
                    assert_eq!(with.len(), usize::from(*m == Mode::Series), "{} {m} {setting:?}", s.name);
                    let Some(with) = with.first() else { continue };
                    let line = with.check_args().join(" ");
                    assert!(
                        line.contains(&format!("--rebroadcasts {}", setting.rebroadcasts)) || setting.rebroadcasts == 1,
                        "{line}"
                    );
                    assert_eq!(
                        line.contains("--addr-order descending"),
                        setting.addr_order == AddrOrder::Descending,
                        "{line}"
                    );
                }
            }
        }
    }
}
