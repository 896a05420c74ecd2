//! The checks behind the cargo-fuzz targets in `fuzz/`: each takes a fuzz input's bytes and
//! panics when a property fails, so a target is one call and a crash file replays as a test
//! (`tests/suite/fuzz_regress.rs`) through the very same function.
//!
//! - [`check_parse`]: the scenario parser never panics, every error is located inside the
//!   input with a consistent line and column, and every parsed command reparses alone.
//! - [`check_lock_graph`]: [`LockGraph`] against a brute-force cycle oracle.
//! - `check_schedule` (needs `--cfg rtnl_shuttle` and the `arbitrary` feature): a generated
//!   topology run once under shuttle with the fuzz bytes as scheduling choices, through the
//!   exploration harness's own per-execution body (end-state checks, lock-order graph).

use rtnl_model::lockdep::{LockClass, LockEdge, LockId, Site};

use crate::lockgraph::{LockGraph, LockReportKind};
use crate::scenario::{parse_script, ParseError};
use rtnl_model::script::{Script, Step};

/// Parses `data` (as UTF-8, lossily) and checks what the parser promises. Panics otherwise.
pub fn check_parse(data: &[u8]) {
    let source = String::from_utf8_lossy(data);
    match parse_script("fuzz", &source) {
        Ok(script) => assert_commands_consistent(&source, &script),
        Err(err) => assert_located(&source, &err),
    }
}

/// The span lies inside the source on character boundaries; line and column are the span
/// start's, computed independently here; the report renders.
fn assert_located(source: &str, err: &ParseError) {
    let span = err.span();
    assert!(span.start <= span.end && span.end <= source.len(), "span {span:?} outside {} bytes: {err}", source.len());
    assert!(source.is_char_boundary(span.start) && source.is_char_boundary(span.end), "span {span:?} splits a char");
    let before = &source[..span.start];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    assert_eq!((err.line(), err.col()), (line, col), "{err}");
    assert_eq!(err.source_text(), source);
    let mut out = String::new();
    let handler = miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor());
    assert!(handler.render_report(&mut out, err).is_ok(), "report does not render: {err}");
}

/// Every command's location points at its text, and that text alone parses to the same
/// command.
fn assert_commands_consistent(source: &str, script: &Script) {
    let lines: Vec<&str> = source.split('\n').collect();
    for cmd in script.commands() {
        let line = lines.get(cmd.loc.line.wrapping_sub(1)).unwrap_or_else(|| panic!("{cmd:?}: no such line"));
        let at: String = line.chars().skip(cmd.loc.col.saturating_sub(1)).collect();
        assert!(cmd.loc.col >= 1 && at.starts_with(&cmd.text), "{cmd:?} not at {at:?}");
        let again = parse_script("again", &cmd.text).unwrap_or_else(|e| panic!("{:?} alone: {e}", cmd.text));
        let [Step::Run(alone)] = again.steps.as_slice() else { panic!("{:?} alone: {:?}", cmd.text, again.steps) };
        assert_eq!((&alone.netns, &alone.op), (&cmd.netns, &cmd.op));
    }
}

/// Every lock class the model has, for decoding fuzz bytes.
const CLASSES: [LockClass; 11] = [
    LockClass::Rtnl,
    LockClass::RtnlNet,
    LockClass::IpvlanPnodes,
    LockClass::BareudpNet,
    LockClass::DevInstance,
    LockClass::DevUnregLock,
    LockClass::WqCompletion,
    LockClass::WqNetns,
    LockClass::WorkCompletion,
    LockClass::GeneveNet,
    LockClass::IpTunnelNet,
];
/// Instance keys per class.
const KEYS: u8 = 4;

/// A lock from one byte: the class modulo the class count, then the key.
fn lock_of(b: u8) -> (usize, u64) {
    let class = usize::from(b) % CLASSES.len();
    (class, u64::from(b / CLASSES.len() as u8 % KEYS))
}

fn lock_id((class, key): (usize, u64)) -> LockId {
    let c = CLASSES[class];
    LockId::new(c, key, format!("{}#{key}", c.lockdep_name()))
}

/// Whether `goal` is reachable from `start` over `edges` (plain DFS).
fn reaches(edges: &[(usize, usize)], start: usize, goal: usize) -> bool {
    let mut seen = [false; CLASSES.len()];
    let mut stack = vec![start];
    while let Some(n) = stack.pop() {
        if n == goal {
            return true;
        }
        if !std::mem::replace(&mut seen[n], true) {
            stack.extend(edges.iter().filter(|e| e.0 == n).map(|e| e.1));
        }
    }
    false
}

/// Feeds `data`, two bytes an edge ("holding the first, acquired the second"), to a
/// [`LockGraph`] and checks every answer against brute force: a cycle is reported exactly by
/// the class dependency that closes it, with a chain of recorded dependencies; same-class
/// nesting is judged by key and reported once. Panics on a mismatch.
pub fn check_lock_graph(data: &[u8]) {
    let mut g = LockGraph::new();
    let mut edges: Vec<(usize, usize)> = Vec::new();
    let mut nest_reported = std::collections::HashSet::new();
    for (i, pair) in data.chunks_exact(2).enumerate() {
        let ((fc, fk), (tc, tk)) = (lock_of(pair[0]), lock_of(pair[1]));
        let site = |c: usize| Site { func: "f".into(), file: "model/src/x.rs".into(), line: c as u32 };
        let edge = LockEdge {
            from: lock_id((fc, fk)),
            from_site: site(fc),
            to: lock_id((tc, tk)),
            to_site: site(tc),
            thread: format!("t{i}"),
        };
        let report = g.add_edge(&edge);
        let expected = if fc == tc {
            let ordered = CLASSES[fc].nests_by_key();
            if ordered && fk < tk || !nest_reported.insert((fc, fk, tk)) {
                None
            } else if ordered && fk > tk {
                Some(LockReportKind::OrderWithinClass)
            } else {
                Some(LockReportKind::RecursiveLocking)
            }
        } else if edges.contains(&(fc, tc)) {
            None
        } else {
            let closes = reaches(&edges, tc, fc);
            edges.push((fc, tc));
            closes.then_some(LockReportKind::CircularDependency)
        };
        assert_eq!(report.as_ref().map(|r| r.kind), expected, "edge {i}: {edge:?}");
        if let Some(r) = report.filter(|r| r.kind == LockReportKind::CircularDependency) {
            let idx = |c: LockClass| CLASSES.iter().position(|&x| x == c).unwrap_or(usize::MAX);
            assert_eq!(r.classes.first().copied(), Some(CLASSES[tc]));
            assert_eq!(r.classes.last().copied(), Some(CLASSES[fc]));
            assert_eq!(r.existing.len() + 1, r.classes.len());
            for w in r.classes.windows(2) {
                assert!(edges.contains(&(idx(w[0]), idx(w[1]))), "chain link {w:?} was never recorded");
            }
            let _ = r.to_string();
        }
        let cyclic = edges.iter().any(|&(a, b)| reaches(&edges, b, a));
        assert_eq!(g.is_acyclic(), !cyclic, "edge {i}");
        assert_eq!(g.edge_count(), edges.len());
    }
    let _ = (g.to_text(), g.to_dot());
}

#[cfg(all(rtnl_shuttle, feature = "arbitrary"))]
pub use schedule::check_schedule;

#[cfg(all(rtnl_shuttle, feature = "arbitrary"))]
mod schedule {
    #![allow(clippy::disallowed_types)] // Harness bookkeeping, outside the model.

    use std::sync::{Arc, Mutex};

    use arbitrary::{Arbitrary, Unstructured};
    use rtnl_model::{Config, Mode};
    use shuttle::scheduler::{DataSource, RandomDataSource, Schedule, Scheduler, Task, TaskId};

    use crate::explore::backend_api::{body, quietly, Collector};
    use crate::explore::{Explorer, Target};
    use crate::scenario::parse_script;
    use crate::token::{self, ReplayToken};
    use crate::topology::{generated_config, Topology, SCRIPT_NAME};

    /// Scheduling steps before an execution counts as non-terminating.
    const MAX_STEPS: usize = 100_000;

    /// One execution whose scheduling choices are fuzz bytes: at each choice point the next
    /// byte picks a runnable task (modulo their count); once the bytes run out, the running
    /// task keeps running while it can. Every choice is recorded for a replay token.
    struct Choices {
        bytes: Vec<u8>,
        pos: usize,
        started: bool,
        random: RandomDataSource,
        steps: Arc<Mutex<Vec<Option<usize>>>>,
    }

    impl Scheduler for Choices {
        fn new_execution(&mut self) -> Option<Schedule> {
            if std::mem::replace(&mut self.started, true) {
                return None;
            }
            Some(Schedule::new(0))
        }

        fn next_task(&mut self, runnable: &[&Task], current: Option<TaskId>, _is_yielding: bool) -> Option<TaskId> {
            let byte = self.bytes.get(self.pos).copied();
            self.pos += 1;
            let first = runnable.first()?.id();
            let t = match byte {
                Some(b) => runnable[usize::from(b) % runnable.len()].id(),
                None => current.filter(|c| runnable.iter().any(|t| t.id() == *c)).unwrap_or(first),
            };
            self.steps.lock().unwrap_or_else(|p| p.into_inner()).push(Some(usize::from(t)));
            Some(t)
        }

        fn next_u64(&mut self) -> u64 {
            // The same values a replay draws from its seed (0).
            self.steps.lock().unwrap_or_else(|p| p.into_inner()).push(None);
            self.random.next_u64()
        }
    }

    /// `RTNL_FUZZ_MUTANT=NAME` runs a mutant of the model (`Config::mutant`, by its kebab-case
    /// name), to see how fast the fuzzer finds an injected bug.
    fn with_mutant(cfg: Config) -> Config {
        let Some(name) = std::env::var("RTNL_FUZZ_MUTANT").ok().filter(|n| !n.is_empty()) else { return cfg };
        let mut v = serde_json::to_value(&cfg).unwrap_or_default();
        v["mutant"] = serde_json::Value::String(name.clone());
        let cfg: Config = serde_json::from_value(v).unwrap_or_else(|e| panic!("RTNL_FUZZ_MUTANT={name}: {e}"));
        let applied = serde_json::to_value(&cfg).is_ok_and(|v| v["mutant"] == name.as_str());
        assert!(applied, "RTNL_FUZZ_MUTANT={name}: this model has no such mutant");
        cfg
    }

    fn config() -> shuttle::Config {
        crate::explore::backends::shuttle_config(MAX_STEPS)
    }

    /// Decodes a mode (one byte) and a [`Topology`] from the front of `data`, and runs it once
    /// under shuttle with the remaining bytes as scheduling choices, in the kernel
    /// configuration of [`generated_config`] (without hazards A6 and A1: the faithful
    /// configuration hangs or WARNs on those shapes at once). Panics with the property, the script and a
    /// replay token when the execution fails.
    pub fn check_schedule(data: &[u8]) {
        let mut u = Unstructured::new(data);
        let series = bool::arbitrary(&mut u).unwrap_or(false);
        let Ok(topology) = Topology::arbitrary(&mut u) else { return };
        let choices = u.take_rest().to_vec();
        // The source a crash prints and its replay token carries, which must reparse to the
        // very script that ran.
        let source = topology.to_script();
        let script = topology.script().clone();
        match parse_script(SCRIPT_NAME, &source) {
            Ok(parsed) => assert_eq!(parsed, script, "the printed script parses to other commands:\n{source}"),
            Err(e) => panic!("the printed script does not parse: {e}\n{source}"),
        }
        let mode = if series { Mode::Series } else { Mode::PreSeries };
        let target = Arc::new(Target { script, source, cfg: with_mutant(generated_config(mode)) });
        let steps = Arc::new(Mutex::new(Vec::new()));
        let scheduler = Choices {
            bytes: choices,
            pos: 0,
            started: false,
            random: RandomDataSource::initialize(0),
            steps: steps.clone(),
        };
        let col = Arc::new(Mutex::new(Collector::default()));
        let (t, c) = (target.clone(), col.clone());
        let runner = shuttle::Runner::new(scheduler, config());
        let Some(msg) = quietly(move || {
            runner.run(move || body(&t, &c));
        }) else {
            return;
        };
        let steps = steps.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let token = ReplayToken {
            scenario: SCRIPT_NAME.into(),
            script: target.source.clone(),
            cfg: target.cfg.clone(),
            explorer: Explorer::Shuttle,
            schedule: token::Schedule::Shuttle { seed: 0, steps },
        };
        let detail = match crate::explore::replay(&token) {
            Ok(Some(f)) => format!("[{}] {}\n{}", f.property, f.message, f.trace),
            Ok(None) => format!("{msg}\n(the replay passed: the schedule did not reproduce)"),
            Err(e) => format!("{msg}\n(replay failed: {e})"),
        };
        panic!(
            "explore_schedule: {} execution failed: {detail}\nscript:\n{}\nreplay: rtnl-check replay {}",
            mode.name(),
            target.source,
            token.encode()
        );
    }
}
