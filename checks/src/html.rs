//! `--html FILE`: one execution per mode drawn as a self-contained page (inline CSS, JS and SVG,
//! no network): a lane per thread with its lock holds and waits, each device's life and
//! reference count, the failing step highlighted, the call stack of every step on click.
//!
//! The page is drawn from a re-run of the execution with the model's timeline recorded
//! (`Observed::timeline`): the failing one by its replay token, or the first one of a passing
//! mode. Explorations themselves never record it, so their counts and outputs do not change.
//!
//! The page reads `#run=N` (which run to show) and `#from=SEQ` (start drawing at that step) from
//! its URL, for links and for the screenshots in docs/img.

use crate::check::{choose_explorer, config, options, CheckArgs, Loaded, ScenarioResult};
use crate::explore::{first_timeline, replay_timeline, Exploration, Recorded, Target};
use crate::lockgraph::LockReport;
use crate::token::ReplayToken;
use rtnl_model::kernel::{Event, EventKind};
use rtnl_model::lockdep::Waiting;
use serde::{Deserialize, Serialize};
use std::path::Path;

const TEMPLATE: &str = include_str!("html_page.html");

/// One execution on the page.
#[derive(Debug, Serialize, Deserialize)]
pub struct Run {
    pub scenario: String,
    pub mode: String,
    pub explorer: String,
    /// "FAIL" or "PASS".
    pub verdict: String,
    /// Which execution this is ("failing execution 236", "first execution").
    pub what: String,
    pub property: Option<String>,
    pub message: Option<String>,
    pub token: Option<String>,
    pub events: Vec<Event>,
    pub blocked: Vec<Waiting>,
    /// The lock-order cycle, when that is the failure.
    pub cycle: Option<LockReport>,
    /// `seq` of the steps to highlight: the WARN or BUG, else where the blocked threads wait.
    pub failing: Vec<usize>,
}

impl Run {
    fn new(scenario: &str, mode: &str, explorer: &str, what: String, rec: Recorded) -> Run {
        let failure = rec.failure;
        let blocked = failure.as_ref().map(|f| f.blocked.clone()).unwrap_or_default();
        let failing = failing_steps(&rec.events, &blocked);
        Run {
            scenario: scenario.to_string(),
            mode: mode.to_string(),
            explorer: explorer.to_string(),
            verdict: if failure.is_some() { "FAIL" } else { "PASS" }.into(),
            what,
            property: failure.as_ref().map(|f| f.property.clone()),
            message: failure.as_ref().map(|f| f.message.clone()),
            token: failure.as_ref().map(|f| f.token.clone()).filter(|t| !t.is_empty()),
            events: rec.events,
            blocked,
            cycle: None,
            failing,
        }
    }
}

/// The first WARN or BUG; failing that, the last wait of each blocked thread.
fn failing_steps(events: &[Event], blocked: &[Waiting]) -> Vec<usize> {
    if let Some(e) = events.iter().find(|e| matches!(e.kind, EventKind::Warn | EventKind::Bug)) {
        return vec![e.seq];
    }
    blocked
        .iter()
        .filter_map(|b| {
            events
                .iter()
                .rev()
                .find(|e| e.thread == b.thread && matches!(e.kind, EventKind::WaitBegin | EventKind::LockWait))
                .map(|e| e.seq)
        })
        .collect()
}

/// The page's runs for one checked scenario: each failing mode's counterexample replayed, each
/// passing mode's first execution.
pub fn runs_of_check(l: &Loaded, a: &CheckArgs, r: &ScenarioResult, exs: &[Exploration]) -> Result<Vec<Run>, String> {
    let explorer = r.explorer.parse()?;
    let preemptions = if a.explorer.is_none() { choose_explorer(&l.script).1 } else { None };
    let opts = options(a, explorer, preemptions);
    let mut runs = Vec::new();
    for (m, ex) in r.modes.iter().zip(exs) {
        let failure = m.failure.as_ref();
        let rec = match failure.filter(|f| !f.token.is_empty()) {
            Some(f) => replay_timeline(&ReplayToken::decode(&f.token).map_err(|e| e.to_string())?)?,
            None => {
                let mode = m.mode.parse()?;
                let cpus = crate::check::cpus_for(&l.script, a, explorer).0;
                let cfg = config(a, mode, m.addr_order, cpus);
                let target = Target { script: l.script.clone(), source: l.source.clone(), cfg };
                first_timeline(&target, &opts)?
            }
        };
        let what = match failure {
            Some(f) if !f.token.is_empty() => format!("failing execution {} (replayed)", f.execution),
            Some(f) => format!("first execution; the lock-order cycle was first seen in execution {}", f.execution),
            None => "first execution".to_string(),
        };
        let mut run = Run::new(&r.scenario, &m.label(), &r.explorer, what, rec);
        if let Some(f) = failure.filter(|_| run.verdict == "PASS") {
            // A deferred lock-order report: the run itself passed, the graph did not.
            run.verdict = "FAIL".into();
            run.property = Some(f.property.clone());
            run.message = Some(f.message.clone());
        }
        run.cycle = ex.graph.reports().first().cloned();
        runs.push(run);
    }
    Ok(runs)
}

/// Replays `token` with the timeline recorded and writes its page to `path`; returns the
/// replay's result, as [`crate::explore::replay`] does.
pub fn replay_to(token: &ReplayToken, path: &Path) -> Result<Option<crate::explore::Failure>, String> {
    let rec = replay_timeline(token)?;
    let failure = rec.failure.clone();
    let what = match &failure {
        Some(f) => format!("execution {} replayed", f.execution),
        None => "replayed execution (it passed)".to_string(),
    };
    let run = Run::new(&token.scenario, token.cfg.mode.name(), token.explorer.name(), what, rec);
    write(path, &format!("rtnl-check replay: {}", token.scenario), &[run])?;
    Ok(failure)
}

/// Writes the page of `runs` to `path`.
pub fn write(path: &Path, title: &str, runs: &[Run]) -> Result<(), String> {
    std::fs::write(path, render(title, runs)).map_err(|e| format!("{}: {e}", path.display()))?;
    eprintln!("rtnl-check: wrote {}", path.display());
    Ok(())
}

/// The page: the template with the runs as JSON. `<` is escaped so no string in the data can
/// close the `<script>` element (`</script>`) or open a comment.
pub fn render(title: &str, runs: &[Run]) -> String {
    let data = serde_json::json!({ "title": title, "runs": runs, "traced": rtnl_model::kernel::TRACED });
    let json = serde_json::to_string(&data).expect("page data serializes").replace('<', "\\u003c");
    TEMPLATE.replace("{{TITLE}}", &escape(title)).replace("{{DATA}}", &json)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_string_in_the_data_closes_the_script_element() {
        let ev = Event {
            seq: 0,
            thread: "ip#1".into(),
            kind: EventKind::Note,
            func: "f".into(),
            dev: None,
            net: None,
            text: "</script><script>alert(1)</script>".into(),
            stack: Vec::new(),
        };
        let rec = Recorded { events: vec![ev], failure: None };
        let page = render("t</script>", &[Run::new("s", "series", "std", "first".into(), rec)]);
        assert_eq!(page.matches("</script>").count(), TEMPLATE.matches("</script>").count());
        assert!(page.contains("\\u003c/script>\\u003cscript>alert(1)"));
    }
}
