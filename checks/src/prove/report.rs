//! What `prove` writes and prints: REPORT.md, the table, JUnit XML, the lock-order graphs.

use super::*;

/// `3/19 acyclic`.
pub(super) fn graph_cell(g: &GraphSize) -> String {
    format!("{}/{} {}", g.classes, g.edges, if g.acyclic { "acyclic" } else { "CYCLE" })
}

/// The properties cell: `18/18 held`, `S14 VIOLATED`.
pub(super) fn properties_cell(e: &Entry) -> String {
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
        "{:<12} {:<52} {:<11} {:<8} {:<34} {:>10} {:<9} {:<20} {:<13} {:>8}",
        "suite", "scenario", "mode", "explorer", "bound", "executions", "exhausted", "claim", "lock graph", "seconds"
    );
    for e in entries {
        let _ = writeln!(
            o,
            "{:<12} {:<52} {:<11} {:<8} {:<34} {:>10} {:<9} {:<20} {:<13} {:>8.2}",
            e.suite.name(),
            e.scenario_cell(),
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
pub(super) fn write_artifacts(
    dir: &Path,
    f: &ProofsFile,
    edges: &[(Suite, String, Vec<LockEdge>)],
) -> Result<(), String> {
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
pub(super) fn scenario_comment(file: &str) -> String {
    let text = std::fs::read_to_string(repo_root().join(file)).unwrap_or_default();
    let lines: Vec<&str> =
        text.lines().take_while(|l| l.starts_with('#')).map(|l| l.trim_start_matches('#').trim()).collect();
    lines.join(" ")
}

/// What one entry establishes, in a sentence.
pub(super) fn statement(e: &Entry) -> String {
    match &e.cpus {
        Some(c) => format!("{} Run on {c}.", statement_of_run(e)),
        None => statement_of_run(e),
    }
}

fn statement_of_run(e: &Entry) -> String {
    let n = e.executions;
    let props = format!("all {} properties held in each", e.properties.len());
    let graph = format!(
        "lock-order graph {} classes, {} edges, {}",
        e.graph.classes,
        e.graph.edges,
        if e.graph.acyclic { "acyclic" } else { "WITH A CYCLE" }
    );
    match e.claim {
        Claim::Proven if e.explorer == Explorer::Dpor => format!("**proven, no bound**: dpor explored one execution of each class of equivalent interleavings ({n} executions, no preemption bound); {props}; {graph}."),
        Claim::Proven => format!("**proven**: loom explored every interleaving ({n} executions, no preemption bound); {props}; {graph}."),
        Claim::Unfinished => format!(
            "**not exhausted**: dpor stopped at its budget of {n} executions (no preemption bound) before exhausting the classes of interleavings; no violation in those; {graph}."
        ),
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

pub(super) fn summary_rows(o: &mut String, entries: &[&Entry]) {
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
            Claim::Proven | Claim::Sampled | Claim::Unfinished if calibration => "no violation found".into(),
            c => c.text().to_string(),
        };
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.2} s |",
            e.scenario_cell(),
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
         - **proven**: loom explored every interleaving of the model's threads for that scenario and mode, or dpor \
         (optimal dynamic partial order reduction, docs/dpor.md) one interleaving of each class of equivalent ones, \
         with no preemption bound, and every property held in every execution.\n\
         - **not exhausted** (dpor): dpor ran its budget of executions, with no preemption bound, without \
         exhausting the classes; none failed. Evidence, not a proof.\n\
         - **proven within preemption bound B**: loom explored every interleaving in which threads are preempted at \
         most B times (switches away from a thread that could have continued; blocking switches are free). A bug \
         that needs more preemptions is not excluded: see the calibration section.\n\
         - **sampled**: shuttle PCT (probabilistic concurrency testing, bug depth {PCT_DEPTH}, fixed seed {PCT_SEED}) \
         ran that many schedules and none failed. Evidence, not a proof. Every scenario is also sampled this way, \
         because PCT reaches schedules with more preemptions than the loom bound.\n\
         - **Settings**: every run uses `check`'s defaults (one re-broadcast pass while a device is still \
         referenced, ascending net addresses) unless its scenario is marked otherwise: {}; each of these runs once \
         per scenario and mode under loom at the suite's bound (PCT where loom cannot run the scenario; the quick \
         suite runs them in series mode only). A pass \
         takes locks, so it may come at any point of the wait; `[0 re-broadcasts]` is a wait that ends within the \
         second before the first pass.\n\
         - **Only these scenarios**: each is a fixed topology and set of concurrent `ip` commands; nothing is claimed \
         for other topologies, more threads, or other drivers.\n\
         - **Modes**: {}. pre-series and series are the kernels before and after the series; rtnl-free is a \
         hypothetical kernel without the global RTNL in the converted paths (docs/rtnl-free.md), where a violation \
         is a finding about what RTNL still protects, not a regression.\n",
        OTHER_SETTINGS.iter().map(|s| format!("`{}`", s.suffix().trim())).collect::<Vec<_>>().join(", "),
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
                let _ = writeln!(o, "  - {}{}: {}", e.explorer.name(), e.setting.suffix(), statement(e));
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
