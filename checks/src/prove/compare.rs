//! `--check`: a run against the committed proofs.json, and proofs that no longer hold.

use super::*;

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
pub(super) fn rank(c: Claim) -> u8 {
    match c {
        Claim::Error => 0,
        Claim::Violated => 1,
        Claim::Sampled | Claim::Unfinished => 2,
        Claim::ProvenWithinBound => 3,
        Claim::Proven => 4,
    }
}

pub(super) fn verdict_text(v: Verdict) -> &'static str {
    match v {
        Verdict::Held => "held",
        Verdict::Violated => "VIOLATED",
        Verdict::NotEstablished => "not established",
    }
}
