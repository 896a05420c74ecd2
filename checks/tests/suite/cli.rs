//! The `rtnl-check` binary as a user runs it (std build, real threads): exit statuses, formats
//! and errors.

use crate::common::{rtnl_check, text};

#[test]
fn a_passing_scenario_exits_0() {
    let o = rtnl_check(&["check", "scenarios/cover-letter.sh", "--explorer", "std", "--iterations", "5"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("== mode series: PASS"));
}

#[test]
fn a_violation_exits_1_with_its_property_and_a_replay_token() {
    let o = rtnl_check(&[
        "check",
        "scenarios/mutants/ipvlan-lower-del-upper-other-netns.sh",
        "--explorer",
        "std",
        "--mode",
        "series",
        "--mutant",
        "ipvlan-event-upper-net",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("VIOLATION of S5 per-netns-lock-at-unregistration"), "{out}");
    assert!(out.contains("replay: rtnl-check replay rtnl1:"), "{out}");
}

#[test]
fn rtnl_free_mode_fails_where_rtnl_is_load_bearing() {
    let o = rtnl_check(&["check", "scenarios/rtnl-free/r1-net-todo-list.sh", "--explorer", "std", "--mode", "all"]);
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o.stdout);
    assert!(out.contains("== mode series: PASS") && out.contains("== mode rtnl-free: FAIL"), "{out}");
    assert!(out.contains("S14 common-lock-for-shared-state"), "{out}");
}

#[test]
fn bad_input_exits_2_with_its_location() {
    let dir = std::env::temp_dir().join(format!("rtnl-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let bad = dir.join("bad.sh");
    std::fs::write(&bad, "ip netns add ns1\nip -n ns1 link add veth0 type vexth peer name veth1\n").expect("write");
    let o = rtnl_check(&["check", bad.to_str().expect("utf-8 path"), "--explorer", "std"]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(err.contains("bad:2:31") && err.contains("unknown link type \"vexth\""), "{err}");
    let missing = rtnl_check(&["check", "no-such-file.sh"]);
    assert_eq!(missing.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A failure that shuttle finds (a deadlock, under each of its explorers) is reported once, by
/// rtnl-check: none of shuttle's own lines (its seed and replay advice, its deadlock hint)
/// reach a log.
#[test]
fn a_shuttle_failure_leaves_no_shuttle_chatter_on_stderr() {
    for explorer in ["shuttle", "pct", "dpor"] {
        let o = rtnl_check(&[
            "check",
            "scenarios/mutants/veth-same-netns.sh",
            "--mode",
            "series",
            "--mutant",
            "nets-no-dedup",
            "--explorer",
            explorer,
        ]);
        assert_eq!(o.status.code(), Some(1), "{explorer}: {}", text(&o.stderr));
        assert!(text(&o.stdout).contains("VIOLATION of L5 no-deadlock"), "{explorer}: {}", text(&o.stdout));
        let err = text(&o.stderr);
        assert!(!err.contains("seed") && !err.contains("SHUTTLE"), "{explorer}: {err}");
    }
}

/// `--jobs` splits a dpor search: with another explorer, or 0 threads, it exits 2 before
/// anything runs.
#[test]
fn jobs_needs_dpor_and_a_thread() {
    let cover = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/cover-letter.sh");
    let o = rtnl_check(&["check", cover, "--explorer", "pct", "--jobs", "2"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("--jobs splits one dpor exploration"), "{}", text(&o.stderr));
    let o = rtnl_check(&["check", cover, "--explorer", "dpor", "--jobs", "0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("--jobs"), "{}", text(&o.stderr));
    assert!(o.stdout.is_empty());
}

#[test]
fn a_follow_up_variant_needs_the_series() {
    let f = "scenarios/geneve-moved-socket-netns-destroyed.sh";
    let pre = rtnl_check(&["check", f, "--explorer", "std", "--mode", "pre-series", "--variant", "followup-geneve"]);
    assert_eq!(pre.status.code(), Some(2));
    let err = text(&pre.stderr);
    assert!(err.contains("follow-up conversions need the series' infrastructure"), "{err}");
    // both and all run the modes where the conversion exists, and say pre-series is skipped.
    let all = rtnl_check(&[
        "check",
        f,
        "--explorer",
        "std",
        "--iterations",
        "20",
        "--mode",
        "all",
        "--variant",
        "followup-geneve",
        "--variant",
        "convert-net-todo-list",
    ]);
    assert_eq!(all.status.code(), Some(0), "{}", text(&all.stderr));
    let out = text(&all.stdout);
    assert!(out.contains("== mode series: PASS") && out.contains("== mode rtnl-free: PASS"), "{out}");
    assert!(out.contains("== mode pre-series: SKIPPED") && !out.contains("== mode pre-series: PASS"), "{out}");
    // Its mutants do not apply before the series either.
    let m = rtnl_check(&["mutants", "--mode", "pre-series", "--quick", "--only", "geneve-no-lock"]);
    assert_eq!(m.status.code(), Some(0), "{}", text(&m.stderr));
    assert!(text(&m.stdout).contains("infrastructure): geneve-no-lock"), "{}", text(&m.stdout));
}

#[test]
fn formats_belong_to_their_commands() {
    let o = rtnl_check(&["check", "scenarios/cover-letter.sh", "--explorer", "std", "--format", "svg"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("prints text, json or summary, not --format svg"), "{}", text(&o.stderr));
    for cmd in ["outcomes", "graph"] {
        let o = rtnl_check(&[cmd, "scenarios/cover-letter.sh", "--explorer", "std", "--format", "summary"]);
        assert_eq!(o.status.code(), Some(2), "{cmd} --format summary");
        assert!(text(&o.stderr).contains("not --format summary"), "{}", text(&o.stderr));
    }

    let g = rtnl_check(&["graph", "scenarios/cover-letter.sh", "--explorer", "std", "--format", "json"]);
    assert_eq!(g.status.code(), Some(0), "{}", text(&g.stderr));
    let v: serde_json::Value = serde_json::from_slice(&g.stdout).expect("graph json");
    assert_eq!(v["acyclic"], true);
    assert!(v["edges"].as_array().is_some_and(|e| !e.is_empty()));

    let d = rtnl_check(&["graph", "scenarios/cover-letter.sh", "--explorer", "std", "--format", "dot"]);
    assert!(text(&d.stdout).starts_with("digraph lockdep {"));

    for cmd in ["graph", "outcomes"] {
        let h = rtnl_check(&[cmd, "scenarios/cover-letter.sh", "--explorer", "std", "--html", "x.html"]);
        assert_eq!(h.status.code(), Some(2), "{cmd} --html");
        assert!(text(&h.stderr).contains("--html draws executions"), "{}", text(&h.stderr));
    }
}

#[test]
fn outcomes_json_has_the_documented_shape() {
    let o = rtnl_check(&["outcomes", "scenarios/cover-letter.sh", "--explorer", "std", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("outcomes json");
    assert_eq!(v["outcomes"], serde_json::json!([{ "ns1": [], "ns2": [], "ns3": [] }]));
}

/// The JSON without times, the one field that varies between runs.
fn untimed(mut v: serde_json::Value) -> serde_json::Value {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                m.remove("seconds");
                m.values_mut().for_each(strip);
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut v);
    v
}

/// `--format summary` on a directory: one line per script (in name order) and mode, then the
/// result; shuttle's own stderr lines about a failing execution do not reach a piped stderr.
#[test]
fn a_directory_checks_its_scripts_in_order_one_summary_line_each() {
    let dir = "scenarios/rtnl-free";
    let o = rtnl_check(&[
        "check",
        dir,
        "--mode",
        "rtnl-free",
        "--explorer",
        "pct",
        "--iterations",
        "50",
        "--format",
        "summary",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let mut scripts: Vec<String> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/rtnl-free"))
        .expect("the rtnl-free corpus")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sh"))
        .collect();
    scripts.sort();
    let out = text(&o.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), scripts.len() + 1, "{out}");
    for (line, script) in lines.iter().zip(&scripts) {
        assert!(line.starts_with(&format!("{dir}/{script}  rtnl-free  ")), "{line}");
    }
    assert_eq!(lines.last(), Some(&"result: FAIL"));
    assert!(lines.iter().any(|l| l.contains("  FAIL  pct: execution ") && l.contains("[S14 ")), "{out}");
    assert!(!text(&o.stderr).contains("test panicked in task"), "{}", text(&o.stderr));
}

/// A hang's message does not name its property, as a property check's does; the summary line
/// names it all the same.
#[test]
fn a_summary_line_names_the_property_of_a_hang() {
    let a6 = "scenarios/findings/a6-stacked-upper-behind-its-lower-work.sh";
    let o = rtnl_check(&[
        "check",
        a6,
        "--mode",
        "series",
        "--explorer",
        "loom",
        "--max-executions",
        "50",
        "--format",
        "summary",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let want = "series  FAIL  loom: execution 0: [L3 all-refs-released] a reference is never put";
    assert!(text(&o.stdout).contains(want), "{}", text(&o.stdout));
}

#[test]
fn a_directory_without_scripts_exits_2() {
    let empty = std::env::temp_dir().join(format!("rtnl-check-empty-{}", std::process::id()));
    std::fs::create_dir_all(&empty).expect("a scratch directory");
    let o = rtnl_check(&["check", empty.to_str().expect("utf-8"), "--explorer", "std"]);
    let _ = std::fs::remove_dir(&empty);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("a directory with no *.sh scenario in it"), "{}", text(&o.stderr));
}

/// A PCT-sized and a loom-sized scenario in one call (issue 17): each runs in its own build
/// (needs `checks/rtnl-check --build`), reported in file order exactly as alone.
#[test]
fn one_call_mixes_scenarios_that_need_different_backends() {
    let pct = "scenarios/proofs/veth-pair-race.sh";
    let loom = "scenarios/vxlan-del.sh";
    let caps = ["--format", "json", "--mode", "series", "--max-executions", "20", "--iterations", "20"];
    let run = |files: &[&str]| {
        let args: Vec<&str> = ["check"].iter().chain(files).chain(&caps).copied().collect();
        let o = rtnl_check(&args);
        assert!(matches!(o.status.code(), Some(0 | 1)), "{:?}: {}", files, text(&o.stderr));
        untimed(serde_json::from_slice(&o.stdout).expect("JSON"))
    };
    let both = run(&[pct, loom]);
    let explorers: Vec<&str> = both.as_array().expect("array").iter().filter_map(|r| r["explorer"].as_str()).collect();
    assert_eq!(explorers, ["pct", "loom"]);
    assert_eq!(both[0], run(&[pct])[0]);
    assert_eq!(both[1], run(&[loom])[0]);
}

/// Every file is parsed before anything runs: a bad one refuses the whole call.
#[test]
fn a_bad_file_in_a_mixed_call_refuses_it_before_running() {
    let o = rtnl_check(&["check", "scenarios/proofs/veth-pair-race.sh", "scenarios/vxlan-del.sh", "no-such.sh"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty(), "{}", text(&o.stdout));
    assert!(text(&o.stderr).contains("no-such.sh"), "{}", text(&o.stderr));
}

/// The other half of the reference check (tests/suite/props.rs checks the model only reaches
/// outcomes the reference allows): on every scenario of the corpus, each outcome the reference
/// predicts for some order of the concurrent commands is one the model reaches with the
/// explorer `outcomes` chooses. An ordering the model cannot produce is a blind spot of the
/// explorers, and the kernel may well take it: the conformance stage once failed on
/// veth-move-into-dying-netns.sh because nothing let a background `ip link set ... netns NS`
/// open NS before the foreground `ip netns del NS` unmounted it.
#[test]
fn the_model_reaches_every_outcome_the_reference_predicts() {
    use rtnl_checks::reference;
    use std::collections::BTreeSet;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    for dir in ["scenarios", "scenarios/findings", "scenarios/mutants", "scenarios/proofs", "scenarios/rtnl-free"] {
        for e in std::fs::read_dir(root.join(dir)).expect("corpus dir").flatten() {
            if e.path().extension().is_some_and(|x| x == "sh") {
                files.push(e.path());
            }
        }
    }
    files.sort();
    let mut missed = Vec::new();
    let mut compared = 0;
    for path in &files {
        let script = rtnl_checks::scenario::load_script(path).expect("corpus parses");
        let Some(expected) = reference::outcomes(&script) else { continue };
        if expected.len() < 2 {
            continue;
        }
        let rel = path.strip_prefix(root).expect("under the crate").to_str().expect("utf-8");
        compared += 1;
        let o = rtnl_check(&["outcomes", "--format", "json", "--mode", "series", rel]);
        assert_eq!(o.status.code(), Some(0), "{rel}: {}", text(&o.stderr));
        let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        let reached: BTreeSet<reference::Outcome> =
            serde_json::from_value(json["outcomes"].clone()).expect("outcomes are namespace maps");
        for want in expected.difference(&reached) {
            missed.push(format!("{rel}: the reference predicts {want:?}, the model reached {reached:?}"));
        }
    }
    // Most of the corpus is written to have one outcome; the races are the point here.
    assert!(compared >= 1, "no corpus scenario has several predicted outcomes");
    assert!(missed.is_empty(), "outcomes no explored schedule reached:\n{}", missed.join("\n"));
}

/// `--max-executions N` stops loom after N executions, not at loom's next checkpoint (every
/// 20,000 executions), and a cut run is not called exhausted.
#[test]
fn loom_stops_at_max_executions() {
    let o = rtnl_check(&[
        "check",
        "scenarios/cover-letter-netns-del.sh",
        "--explorer",
        "loom",
        "--mode",
        "series",
        "--max-executions",
        "37",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let stats = &json[0]["modes"][0]["stats"];
    assert_eq!(stats["executions"], 37, "{stats}");
    assert_eq!(stats["exhausted"], false, "{stats}");
}

/// Progress bars are for terminals: piped stderr (CI logs, this harness) holds none.
fn no_progress_drawing(stderr: &str) {
    assert!(!stderr.contains('\r'), "carriage return on piped stderr: {stderr:?}");
    assert!(!stderr.contains("\u{1b}["), "terminal escape on piped stderr: {stderr:?}");
    assert!(!stderr.contains("ETA") && !stderr.contains('█'), "a progress bar on piped stderr: {stderr:?}");
}

fn testcases(xml: &str) -> Vec<(String, Option<String>)> {
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("JUnit is not XML ({e}): {xml}"));
    doc.descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .map(|n| {
            let failure = n.children().find(|c| c.has_tag_name("failure") || c.has_tag_name("error"));
            (
                n.attribute("name").unwrap_or_default().to_string(),
                failure.map(|f| f.attribute("message").unwrap_or_default().to_string()),
            )
        })
        .collect()
}

#[test]
fn prove_shard_prints_junit_with_a_testcase_per_run_and_no_progress_when_piped() {
    // The quick suite has 93 runs: shard 1/31 makes runs 0, 31 and 62.
    let o = rtnl_check(&["prove", "--quick", "--check", "--shard", "1/31", "--format", "junit"]);
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(o.status.code(), Some(0), "{err}");
    let cases = testcases(&out);
    assert_eq!(cases.len(), 3, "{out}");
    assert!(cases.iter().all(|(_, f)| f.is_none()), "{out}");
    assert!(cases[0].0.starts_with("cover-letter "), "{cases:?}");
    assert!(err.contains("proof gate: 3 runs of shard 1/31 match"), "{err}");
    no_progress_drawing(&err);
}

#[test]
fn prove_junit_shows_a_run_that_differs_from_the_committed_proofs_as_a_failure() {
    // A doctored copy of proofs.json: every quick run's count is off by one. Shard 1/93 makes the
    // first run only, and only it is compared.
    let dir = std::env::temp_dir().join(format!("rtnl-cli-junit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/proofs/proofs.json"))
        .expect("docs/proofs/proofs.json");
    let mut proofs: serde_json::Value = serde_json::from_str(&committed).expect("proofs.json");
    for e in proofs["entries"].as_array_mut().expect("entries") {
        if e["suite"] == "quick" {
            e["executions"] = (e["executions"].as_u64().expect("executions") + 1).into();
        }
    }
    std::fs::write(dir.join("proofs.json"), proofs.to_string()).expect("write");
    let out_dir = dir.to_str().expect("utf-8 path");
    let o = rtnl_check(&["prove", "--quick", "--check", "--shard", "1/93", "--out", out_dir, "--format", "junit"]);
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(o.status.code(), Some(1), "{err}");
    let cases = testcases(&out);
    assert_eq!(cases.len(), 1, "{out}");
    let failure = cases[0].1.as_deref().unwrap_or_else(|| panic!("no <failure>: {out}"));
    assert!(failure.starts_with("executions ") && failure.contains(" committed, "), "{failure}");
    assert!(out.contains("tests=\"1\" failures=\"1\" errors=\"0\""), "{out}");
    assert!(err.contains("proof gate FAILED: 1 difference(s)"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_shards_exit_2() {
    for bad in ["0/4", "5/4", "1/0", "a/4", "3"] {
        let o = rtnl_check(&["prove", "--quick", "--check", "--shard", bad]);
        assert_eq!(o.status.code(), Some(2), "{bad}");
        assert!(text(&o.stderr).contains("--shard"), "{bad}: {}", text(&o.stderr));
        assert!(o.stdout.is_empty(), "{bad}");
    }
    let o = rtnl_check(&["prove", "--shard", "1/4"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("use it with --check, --quick or --save FILE"), "{}", text(&o.stderr));
}

/// Shards saved by separate runs (one of them on two workers) and merged explore exactly what
/// one run does: the merge passes the gate against proofs.json, which one `prove` run wrote.
#[test]
fn saved_shards_merge_into_the_one_run_report_and_a_missing_one_is_refused() {
    let dir = std::env::temp_dir().join(format!("rtnl-cli-shards-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = |k: usize| dir.join(format!("shard-{k}.json")).to_str().expect("utf-8 path").to_string();
    for (k, jobs) in [(1, "2"), (2, "1")] {
        let shard = format!("{k}/2");
        let o = rtnl_check(&["prove", "--quick", "--shard", &shard, "--save", &file(k), "--jobs", jobs]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    }
    let o = rtnl_check(&["prove", "merge", &file(2), &file(1), "--check"]);
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(out.contains("proof gate: 93 runs match"), "{out}");
    let o = rtnl_check(&["prove", "merge", &file(1)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("error: missing shard(s) 2/2"), "{}", text(&o.stderr));
    std::fs::write(dir.join("bad.json"), "{}").expect("write");
    let o = rtnl_check(&["prove", "merge", &file(1), dir.join("bad.json").to_str().expect("path")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("bad.json: not a shard file"), "{}", text(&o.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn mutants_print_no_progress_when_piped() {
    let o = rtnl_check(&["mutants", "--quick", "--only", "veth-no-xchg", "--format", "json"]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", text(&o.stderr));
    no_progress_drawing(&text(&o.stderr));
    let m: serde_json::Value = serde_json::from_slice(&o.stdout).expect("the matrix as JSON");
    assert_eq!(m["mutants"].as_array().map(Vec::len), Some(1));
}

#[test]
fn a_check_handed_to_another_build_draws_no_progress_when_piped() {
    // The shuttle build inherits this piped stderr and decides for itself.
    let o = rtnl_check(&["check", "scenarios/cover-letter.sh", "--explorer", "pct", "--iterations", "50"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    no_progress_drawing(&text(&o.stderr));
}

/// A failure says what found it as data (`failure.kind`), which `mutants` reads instead of the
/// message: an end-state check, the lock-order graph, a reference loom sees never put.
#[test]
fn a_failure_carries_what_found_it() {
    for (mutant, scenario, kind) in [
        ("queue-net-no-work", "scenarios/mutants/veth-cross-netns-del.sh", "end-state"),
        ("nets-unsorted", "scenarios/mutants/veth-add-peer-netns-both-orders.sh", "lock-order"),
        ("leak-netdev-ref", "scenarios/mutants/veth-same-netns.sh", "refs-never-released"),
    ] {
        let o = rtnl_check(&[
            "check",
            scenario,
            "--explorer",
            "loom",
            "--mode",
            "series",
            "--max-executions",
            "100",
            "--mutant",
            mutant,
            "--format",
            "json",
        ]);
        assert_eq!(o.status.code(), Some(1), "{mutant}: {}", text(&o.stderr));
        let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        let failure = &json[0]["modes"][0]["failure"];
        assert_eq!(failure["kind"], kind, "{mutant}: {failure}");
    }
}

/// `mutants` reads the kind: the end-state and lock-order columns of its matrix.
#[test]
fn mutants_flag_end_state_and_lock_order_catches_from_the_kind() {
    let o = rtnl_check(&[
        "mutants",
        "--quick",
        "--only",
        "queue-net-no-work",
        "--only",
        "nets-unsorted",
        "--only",
        "leak-netdev-ref",
        "--format",
        "json",
    ]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", text(&o.stderr));
    let m: serde_json::Value = serde_json::from_slice(&o.stdout).expect("the matrix as JSON");
    let caught_by = |name: &str| {
        let row = m["mutants"].as_array().and_then(|rs| rs.iter().find(|r| r["name"] == name)).expect("row");
        assert!(row["runs"].as_array().expect("runs").iter().all(|r| r["error"].is_null()), "{row}");
        row["caught_by"]
            .as_array()
            .expect("caught_by")
            .iter()
            .map(|c| c.as_str().unwrap_or("").to_string())
            .collect::<Vec<_>>()
    };
    assert!(caught_by("queue-net-no-work").contains(&"end-state checks".to_string()));
    assert!(!caught_by("queue-net-no-work").contains(&"lock-order graph".to_string()));
    assert!(caught_by("nets-unsorted").contains(&"lock-order graph".to_string()));
    assert!(!caught_by("nets-unsorted").contains(&"end-state checks".to_string()));
    let leak = caught_by("leak-netdev-ref");
    assert!(!leak.contains(&"end-state checks".to_string()) && !leak.contains(&"lock-order graph".to_string()));
}

/// `--addr-order all` runs each mode once per address order and says which; a bad order exits
/// 2 before anything runs; a replay token carries a non-default order.
#[test]
fn address_orders_run_side_by_side_and_tokens_carry_them() {
    let s = "scenarios/veth-init-netns-peer-destroyed.sh";
    let o = rtnl_check(&[
        "check",
        s,
        "--explorer",
        "std",
        "--iterations",
        "2",
        "--addr-order",
        "all",
        "--format",
        "summary",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    for label in ["  series  PASS", "  series, descending addresses  PASS", "  pre-series, descending addresses  PASS"]
    {
        assert!(out.contains(label), "{label}: {out}");
    }
    let bad = rtnl_check(&["check", s, "--addr-order", "sideways"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("'sideways'"), "{}", text(&bad.stderr));
    let m = rtnl_check(&[
        "check",
        s,
        "--explorer",
        "shuttle",
        "--mode",
        "series",
        "--addr-order",
        "descending",
        "--mutant",
        "nets-sort-by-address",
    ]);
    assert_eq!(m.status.code(), Some(1), "{}", text(&m.stderr));
    let out = text(&m.stdout);
    assert!(out.contains("== mode series, descending addresses: FAIL"), "{out}");
    let token = out.lines().find_map(|l| l.trim().strip_prefix("replay: rtnl-check replay ")).expect("a replay token");
    let r = rtnl_check(&["replay", token]);
    assert!(text(&r.stdout).contains("S8 lock-order-acyclic"), "{}", text(&r.stdout));
}

/// A1 needs a wait long enough for a re-broadcast: with none the same schedules pass, with two
/// they still fail, and the token replays the count it ran with.
#[test]
fn rebroadcast_passes_qualify_a1_and_tokens_carry_them() {
    let a1 = |passes: &str| {
        rtnl_check(&[
            "check",
            "scenarios/findings/a1-rebroadcast-drains-into-todo.sh",
            "--mode",
            "series",
            "--explorer",
            "pct",
            "--iterations",
            "3000",
            "--seed",
            "0",
            "--rebroadcasts",
            passes,
        ])
    };
    let none = a1("0");
    assert_eq!(none.status.code(), Some(0), "{}", text(&none.stdout));
    let two = a1("2");
    assert_eq!(two.status.code(), Some(1), "{}", text(&two.stderr));
    let out = text(&two.stdout);
    assert!(out.contains("[S11 todo-empty-at-rtnl-unlock]"), "{out}");
    let token = out.lines().find_map(|l| l.trim().strip_prefix("replay: rtnl-check replay ")).expect("a replay token");
    let r = rtnl_check(&["replay", token]);
    assert!(text(&r.stdout).contains("VIOLATION of S11"), "{}", text(&r.stdout));
    let bad = a1("3");
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("--rebroadcasts"), "{}", text(&bad.stderr));
}

/// `rtnl-check check ... | head`: a reader that goes away ends the run quietly, as it ends any
/// Unix tool, not with a panic about a broken pipe.
#[test]
fn a_closed_pipe_ends_the_run_without_a_panic() {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_rtnl-check"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["check", "scenarios/cover-letter.sh", "--explorer", "std", "--iterations", "2", "--trace"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("waits");
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!out.status.success(), "it cannot have written its report: {:?}", out.status);
}

/// A follow-up conversion has no pre-series form: `--mode pre-series` with one is refused
/// (exit 2) before anything runs, and `both` runs series alone, saying why pre-series is not run.
#[test]
fn follow_up_variants_refuse_pre_series_and_skip_it_under_both() {
    let file = "scenarios/vxcan-cross-netns-del-local.sh";
    let base = ["check", file, "--explorer", "std", "--iterations", "5", "--variant", "followup-vxcan"];
    let pre = rtnl_check(&[&base[..], &["--mode", "pre-series"]].concat());
    assert_eq!(pre.status.code(), Some(2), "{}", text(&pre.stdout));
    let err = text(&pre.stderr);
    assert!(err.contains("follow-up conversions need the series' infrastructure (followup-vxcan)"), "{err}");
    assert!(text(&pre.stdout).is_empty(), "nothing runs: {}", text(&pre.stdout));

    let both = rtnl_check(&base);
    assert_eq!(both.status.code(), Some(0), "{}", text(&both.stderr));
    let out = text(&both.stdout);
    assert!(
        out.contains("== mode pre-series: SKIPPED (follow-up conversions need the series' infrastructure"),
        "{out}"
    );
    assert!(out.contains("== mode series: PASS") && !out.contains("== mode pre-series: PASS"), "{out}");
    let json = rtnl_check(&[&base[..], &["--mode", "all", "--format", "json"]].concat());
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    let modes: Vec<&str> =
        v[0]["modes"].as_array().expect("modes").iter().map(|m| m["mode"].as_str().unwrap_or("")).collect();
    assert_eq!(modes, ["series", "rtnl-free"]);
    assert_eq!(v[0]["skipped"][0]["mode"], "pre-series");
}

/// Unconverted vxcan (the series) unregisters its peer of another net under the caller's locks,
/// as the C does: S5 notes it with the C line. Converted (`followup-vxcan`) it declares no
/// exemption, so the same plain queueing of the peer fails S5.
#[test]
fn s5_exempts_unconverted_vxcan_and_still_catches_its_converted_regression() {
    let series =
        rtnl_check(&["check", "scenarios/vxcan-cross-netns-del-local.sh", "--explorer", "std", "--mode", "series"]);
    assert_eq!(series.status.code(), Some(0), "{}", text(&series.stderr));
    let out = text(&series.stdout);
    assert!(out.contains("unconverted path: rtnl_delete_link unregisters vxcan1 without ns2->rtnl_mutex"), "{out}");
    let mutated = rtnl_check(&[
        "check",
        "scenarios/mutants/vxcan-cross-netns-del.sh",
        "--explorer",
        "std",
        "--mode",
        "series",
        "--variant",
        "followup-vxcan",
        "--mutant",
        "vxcan-peer-plain-queue",
    ]);
    assert_eq!(mutated.status.code(), Some(1), "{}", text(&mutated.stderr));
    let out = text(&mutated.stdout);
    assert!(out.contains("ASSERT_RTNL_NET(ns2) failed: vxcan1 unregistered by rtnl_delete_link"), "{out}");
}

/// `mutants --mode pre-series` does not run a mutant of a follow-up conversion (it would be
/// refused): it lists it as not applicable.
#[test]
fn follow_up_mutants_are_not_applicable_in_pre_series() {
    let o = rtnl_check(&["mutants", "--mode", "pre-series", "--quick", "--only", "vxcan-no-xchg"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.contains(
            "not applicable in pre-series mode (follow-up conversions need the series' infrastructure): vxcan-no-xchg"
        ),
        "{out}"
    );
    assert!(!out.lines().any(|l| l.starts_with("vxcan-no-xchg ")), "{out}");
}

#[test]
fn tracker_errors_exit_2_with_their_location() {
    let dir = std::env::temp_dir().join(format!("rtnl-cli-trackers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let cases = [
        ("unknown", "ip netns add ns1\nnetdev_put dst0\n", "unknown:2:12", "unknown tracker \"dst0\""),
        (
            "reused",
            "netdev_hold veth0 dst0\nnetdev_hold veth1 dst0\n",
            "reused:2:19",
            "already used by the netdev_hold at line 1",
        ),
        ("early", "netdev_put dst0\nnetdev_hold veth0 dst0\n", "early:1:12", "before its netdev_hold at line 2"),
    ];
    for (name, source, at, message) in cases {
        let path = dir.join(format!("{name}.sh"));
        std::fs::write(&path, source).expect("write");
        let o = rtnl_check(&["check", path.to_str().expect("utf-8 path"), "--explorer", "std"]);
        assert_eq!(o.status.code(), Some(2), "{name}");
        let err = text(&o.stderr);
        assert!(err.contains(at) && err.contains(message), "{name}: {err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A reference that only `netdev_put` drops and that the script never puts is a leak (L3),
/// named by its tracker and line, even when the device stays registered.
#[test]
fn a_hold_never_put_fails_l3_naming_its_tracker() {
    let dir = std::env::temp_dir().join(format!("rtnl-cli-leak-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("kept.sh");
    std::fs::write(
        &path,
        "ip netns add ns1\nip -n ns1 link add veth0 type veth peer name veth1\nnetdev_hold -n ns1 veth1 dst0\n",
    )
    .expect("write");
    let o = rtnl_check(&["check", path.to_str().expect("utf-8 path"), "--mode", "series", "--format", "summary"]);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("L3 all-refs-released") && out.contains("netdev_hold dst0 (line 3) on veth1"), "{out}");
    let leak = rtnl_check(&["check", "scenarios/holds/leak.sh", "--mode", "series"]);
    let out = text(&leak.stdout);
    assert_eq!(leak.status.code(), Some(1), "{out}");
    assert!(out.contains("VIOLATION of L3") && out.contains("held by [netdev_hold dst0 (line 6)]"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `until rebroadcast` is released only by a re-broadcast: the scenario passes with one or two
/// passes and waits for ever (L3) with none.
#[test]
fn until_rebroadcast_needs_a_pass() {
    let f = "scenarios/holds/until-rebroadcast.sh";
    for (passes, code) in [("0", 1), ("1", 0), ("2", 0)] {
        let o = rtnl_check(&["check", f, "--mode", "series", "--rebroadcasts", passes, "--format", "summary"]);
        let out = text(&o.stdout);
        assert_eq!(o.status.code(), Some(code), "--rebroadcasts {passes}: {out}");
        if code == 1 {
            assert!(out.contains("L3 all-refs-released"), "{out}");
        }
    }
}
/// `conform` refuses a script with `modprobe -r`/`rmmod` (exit 2, the line and why) before it
/// runs any script of the call: nothing is printed for the good script named first.
#[test]
fn conform_refuses_module_statements_before_running_anything() {
    let o = rtnl_check(&["conform", "scenarios/veth-same-netns-del.sh", "scenarios/findings/a7-unload-alone.sh"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stdout).is_empty(), "a script ran: {}", text(&o.stdout));
    let err = text(&o.stderr);
    assert!(
        err.contains("a7-unload-alone.sh: line")
            && err.contains(
                "\"modprobe -r veth\" is refused: unloading a module removes every veth device in every namespace"
            ),
        "{err}"
    );
}

/// A module statement names a module the language knows; another is a located parse error.
#[test]
fn an_unknown_module_is_a_located_parse_error() {
    let dir = std::env::temp_dir().join(format!("rtnl-cli-mod-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let bad = dir.join("badmod.sh");
    std::fs::write(&bad, "ip netns add ns1\nmodprobe -r ip_gre &\nwait\n").expect("write");
    let o = rtnl_check(&["check", bad.to_str().expect("utf-8 path"), "--explorer", "std"]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(err.contains("badmod:2:13") && err.contains("unknown module \"ip_gre\""), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// S6 at the free of a net: a device still in another thread's `netdev_run_todo()` when its net
/// is freed is a trace note, not a failure, where nothing waits for it: before the series (veth1,
/// unregistered by the deleter of its peer) and on the series' unconverted macvlan path. PCT
/// reaches both windows; loom's DPOR does not, since no lock orders the free against the device.
#[test]
fn a_net_freed_under_an_unconverted_device_is_a_note() {
    let o = rtnl_check(&[
        "check",
        "scenarios/veth-del-vs-peer-netns-del.sh",
        "scenarios/macvlan-del-lower-vs-upper-netns-del.sh",
        "--mode",
        "both",
        "--explorer",
        "pct",
        "--iterations",
        "300",
    ]);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}{}", text(&o.stderr));
    for note in [
        "unconverted path (pre-series): struct net ns2 freed while veth1 is still in ip#7's netdev_run_todo()",
        "unconverted path (pre-series): struct net ns2 freed while mv2 is still in ip#11's netdev_run_todo()",
        "unconverted path: struct net ns2 freed while mv2 is still in ip#11's netdev_run_todo()",
    ] {
        assert!(out.contains(note), "{note:?} not in {out}");
    }
}

/// `--cpus`: 2 by default under loom and dpor where loom's five threads allow, else 1 with the
/// reason; a bad value, or more CPUs than loom's threads allow under loom, exits 2.
#[test]
fn cpus_default_to_two_where_loom_fits_and_bad_values_exit_2() {
    for bad in ["0", "9", "two"] {
        let o = rtnl_check(&["check", "scenarios/cover-letter.sh", "--cpus", bad]);
        assert_eq!(o.status.code(), Some(2), "--cpus {bad}");
        assert!(text(&o.stderr).contains("--cpus"), "{}", text(&o.stderr));
    }
    let race = "scenarios/proofs/veth-pair-race.sh";
    let o = rtnl_check(&["check", race, "--mode", "series", "--iterations", "5"]);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("cpus: 1 CPU, not the default 2: pct samples schedules"), "{out}");
    let o = rtnl_check(&["check", race, "--mode", "series", "--explorer", "dpor", "--max-executions", "5"]);
    let out = text(&o.stdout);
    assert!(out.contains("cpus: 1 CPU, not the default 2: with 2 an execution needs 6 threads"), "{out}");
    let o = rtnl_check(&["check", race, "--mode", "series", "--explorer", "loom", "--cpus", "2"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("needs 6 threads"), "{}", text(&o.stderr));
    let o = rtnl_check(&["check", "scenarios/cover-letter.sh", "--mode", "series"]);
    assert!(text(&o.stdout).contains("cpus: 2 CPUs, every queuing thread on cpu 0: only main"), "{}", text(&o.stdout));
}
