//! The conformance runner against this machine's kernel: observed final states of a few
//! corpus scenarios, the refusal without root, and that no private namespace outlives a run.
//!
//! `cargo test -p rtnl-checks --test suite conform:: -- --ignored --nocapture` prints what the kernel
//! does with every corpus scenario.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use rtnl_checks::conform::{
    reap_stale_namespaces, run_on_kernel, ConformError, ConformOptions, KernelRun, NetnsState, Observation, INIT_NETNS,
    PRIVATE_PREFIX,
};
use rtnl_checks::scenario::{load_script, parse_script};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");
/// Set in the copy of this test binary that runs as an unprivileged user.
const AS_NOBODY: &str = "RTNL_CONFORM_TEST_AS_NOBODY";

fn is_root() -> bool {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let uids = s.lines().find_map(|l| l.strip_prefix("Uid:"))?;
            Some(uids.split_whitespace().nth(1)? == "0")
        })
        .unwrap_or(false)
}

fn state(entries: &[(&str, &[&str])]) -> NetnsState {
    entries.iter().map(|(ns, devs)| (ns.to_string(), devs.iter().map(|d| d.to_string()).collect())).collect()
}

fn run_corpus(name: &str) -> KernelRun {
    let path = Path::new(CORPUS).join(format!("{name}.sh"));
    let script = load_script(&path).unwrap_or_else(|e| panic!("{e}"));
    run_on_kernel(&script, &ConformOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn observed(name: &str) -> Observation {
    match run_corpus(name) {
        KernelRun::Observed(o) => {
            assert!(o.settled, "{name}: state did not settle: {o:?}");
            assert_no_leftovers(&o);
            o
        }
        KernelRun::Skipped { reason } => panic!("{name} skipped: {reason}"),
    }
}

fn assert_all_succeeded(o: &Observation) {
    for c in &o.commands {
        assert!(c.success(), "{} failed: {:?} {}", c.text, c.status, c.stderr);
    }
}

fn assert_no_leftovers(o: &Observation) {
    for private in o.private_names.values().chain([&o.init_private]) {
        assert!(!Path::new("/var/run/netns").join(private).exists(), "{private} survived the run");
    }
}

#[test]
fn not_root_gets_clear_error() {
    let script = parse_script("t", "ip netns add ns1\n").expect("parses");
    if !is_root() {
        let err = run_on_kernel(&script, &ConformOptions::default()).expect_err("needs root");
        assert!(matches!(err, ConformError::NotRoot));
        assert_eq!(err.to_string(), "conformance needs root to create network namespaces");
        return;
    }
    if std::env::var_os(AS_NOBODY).is_some() {
        panic!("setpriv did not drop root");
    }
    // As root, check the refusal by running this very test again as nobody.
    let exe = std::env::current_exe().expect("test binary path");
    let status = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(&exe)
        .args(["--exact", "conform::not_root_gets_clear_error", "--test-threads=1"])
        .env(AS_NOBODY, "1")
        .status();
    match status {
        Ok(status) => assert!(status.success(), "unprivileged run failed: {status}"),
        Err(e) => eprintln!("setpriv unavailable ({e}); unprivileged path not exercised"),
    }
}

#[test]
fn veth_peer_netns_destroyed_takes_local_end() {
    if !is_root() {
        return;
    }
    let o = observed("veth-peer-netns-destroyed");
    assert_all_succeeded(&o);
    assert_eq!(o.state, state(&[("ns1", &[])]));
}

#[test]
fn macvlan_upper_netns_destroyed_leaves_lower_and_other_upper() {
    if !is_root() {
        return;
    }
    let o = observed("macvlan-upper-netns-destroyed");
    assert_all_succeeded(&o);
    assert_eq!(o.state, state(&[("ns1", &["veth0", "veth1"]), ("ns3", &["mv3"])]));
}

#[test]
fn macvlan_lower_deleted_takes_uppers_in_other_netns() {
    if !is_root() {
        return;
    }
    let o = observed("macvlan-uppers-other-netns-del-lower");
    assert_all_succeeded(&o);
    assert_eq!(o.state, state(&[("ns1", &[]), ("ns2", &[]), ("ns3", &[])]));
}

#[test]
fn vxlan_moved_dies_with_socket_netns() {
    if !is_root() {
        return;
    }
    let o = observed("vxlan-moved-socket-netns-destroyed");
    assert_all_succeeded(&o);
    assert_eq!(o.state, state(&[("ns2", &[])]));
}

#[test]
fn failing_commands_are_recorded_not_fatal() {
    if !is_root() {
        return;
    }
    let o = observed("failing-commands");
    let failed: Vec<&str> = o.commands.iter().filter(|c| !c.success()).map(|c| c.text.as_str()).collect();
    assert_eq!(
        failed,
        [
            "ip -n ns1 link del nosuch0",
            "ip -n ns1 link set veth1 netns nosuchns",
            "ip -n ns1 link add veth0 type veth peer name veth2",
        ]
    );
    assert!(o.commands.iter().all(|c| c.success() || !c.stderr.is_empty()));
    assert_eq!(o.state, state(&[("ns1", &["veth0", "veth1"])]));
}

#[test]
fn initial_netns_is_a_private_stand_in() {
    if !is_root() {
        return;
    }
    let script = parse_script("init", "ip netns add ns1\nip link add veth0 type veth peer name veth1 netns ns1\n")
        .expect("parses");
    let run = run_on_kernel(&script, &ConformOptions::default()).expect("runs");
    let KernelRun::Observed(o) = run else { panic!("{run:?}") };
    assert_all_succeeded(&o);
    assert_eq!(o.state, state(&[(INIT_NETNS, &["veth0"]), ("ns1", &["veth1"])]));
    assert!(o.init_private.starts_with(PRIVATE_PREFIX));
    assert_no_leftovers(&o);
}

#[test]
fn background_commands_run_and_are_joined() {
    if !is_root() {
        return;
    }
    let o = observed("veth-concurrent-del-both-ends");
    assert_eq!(o.state, state(&[("ns1", &[]), ("ns2", &[])]));
    let background: Vec<_> = o.commands.iter().filter(|c| c.background).collect();
    assert_eq!(background.len(), 2);
    assert!(background.iter().any(|c| c.success()));
    assert!(background.iter().all(|c| c.status.is_some()));
}

#[test]
fn missing_device_type_is_skipped() {
    if !is_root() {
        return;
    }
    match run_corpus("ipvlan-uppers-moved-lower-netns-destroyed") {
        KernelRun::Skipped { reason } => assert!(reason.contains("ipvlan"), "{reason}"),
        // A kernel with CONFIG_IPVLAN runs it: the uppers die with the lower's netns.
        KernelRun::Observed(o) => assert_eq!(o.state, state(&[("ns2", &[]), ("ns3", &[])])),
    }
}

#[test]
fn run_that_errors_leaves_no_private_namespace() {
    if !is_root() {
        return;
    }
    // An `ip` that cannot show links makes the run fail after it created namespaces.
    let dir = std::env::temp_dir().join(format!("rtnl-conform-{}", std::process::id()));
    fs::create_dir_all(&dir).expect("temp dir");
    let wrapper: PathBuf = dir.join("ip");
    fs::write(&wrapper, "#!/bin/sh\ncase \"$*\" in *'-j link show'*) echo broken >&2; exit 1;; esac\nexec ip \"$@\"\n")
        .expect("write wrapper");
    let chmod = Command::new("chmod").arg("+x").arg(&wrapper).status();
    assert!(chmod.is_ok_and(|s| s.success()));
    let script = parse_script("leak", "ip netns add leakprobe\nip -n leakprobe link add v0 type veth peer name v1\n")
        .expect("parses");
    let opts = ConformOptions { ip: wrapper, ..ConformOptions::default() };
    let result = run_on_kernel(&script, &opts);
    let _ = fs::remove_dir_all(&dir);
    assert!(matches!(result, Err(ConformError::State { .. })), "{result:?}");
    let mine = format!("{PRIVATE_PREFIX}{}-", std::process::id());
    let leaked: Vec<String> = fs::read_dir("/var/run/netns")
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|n| n.starts_with(&mine) && n.ends_with("-leakprobe"))
                .collect()
        })
        .unwrap_or_default();
    assert!(leaked.is_empty(), "leaked {leaked:?}");
}

#[test]
fn stale_namespaces_of_dead_runs_are_reaped() {
    if !is_root() {
        return;
    }
    // A pid that no longer runs: a child that has exited and been waited for.
    let mut child = Command::new("true").spawn().expect("spawn true");
    let dead = child.id();
    child.wait().expect("wait true");
    let stale = format!("{PRIVATE_PREFIX}{dead}-0-stale");
    let added = Command::new("ip").args(["netns", "add", &stale]).status();
    assert!(added.is_ok_and(|s| s.success()));
    let reaped = reap_stale_namespaces(&ConformOptions::default()).expect("reap");
    assert!(reaped.contains(&stale), "{reaped:?}");
    assert!(!Path::new("/var/run/netns").join(&stale).exists());
}

/// Prints what the kernel does with every corpus scenario.
#[test]
#[ignore = "slow: runs the whole corpus on the kernel; use --ignored --nocapture"]
fn print_corpus_on_kernel() {
    assert!(is_root(), "needs root");
    let mut files: Vec<PathBuf> = fs::read_dir(CORPUS)
        .expect("corpus dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "sh"))
        .collect();
    files.sort();
    let mut summary = BTreeMap::new();
    for path in files {
        let script = load_script(&path).unwrap_or_else(|e| panic!("{e}"));
        if script.first_module_statement().is_some() {
            println!("== {}\n   refused: it unloads a module", script.name);
            continue;
        }
        let run = run_on_kernel(&script, &ConformOptions::default()).unwrap_or_else(|e| panic!("{}: {e}", script.name));
        println!("== {}", script.name);
        match &run {
            KernelRun::Skipped { reason } => println!("   skipped: {reason}"),
            KernelRun::Observed(o) => {
                for c in &o.commands {
                    let mark = if c.success() { "ok " } else { "ERR" };
                    let bg = if c.background { " &" } else { "" };
                    println!("   {mark} {}{bg}  {}", c.text, c.stderr);
                }
                println!("   state: {:?} settled: {}", o.state, o.settled);
                assert_no_leftovers(o);
            }
        }
        summary.insert(script.name.clone(), run.state().cloned());
    }
    assert!(!summary.is_empty());
}

/// Scripts with `netdev_hold` are skipped with the reason, never failed, root or not: an
/// `until unregister` holder needs an AF_PACKET socket this runner does not open, the others a
/// reference no unmodified kernel keeps past NETDEV_UNREGISTER.
#[test]
fn holds_are_skipped_with_their_reason() {
    let cases = [
        ("until-unregister", "AF_PACKET socket"),
        ("put-by-another-command", "fault-injection module"),
        ("until-rebroadcast", "fault-injection module"),
        ("leak", "fault-injection module"),
    ];
    for (name, why) in cases {
        match run_corpus(&format!("holds/{name}")) {
            KernelRun::Skipped { reason } => assert!(reason.contains(why), "{name}: {reason}"),
            other => panic!("{name} ran: {other:?}"),
        }
    }
    let plain = parse_script("t", "ip netns add ns1\n").expect("parses");
    assert_eq!(rtnl_checks::conform::holds_skip_reason(&plain), None);
}

/// A script with a module statement is refused before anything runs, root or not: unloading a
/// module deletes that kind's devices in every namespace of the machine.
#[test]
fn module_statements_are_refused_before_anything_runs() {
    let script =
        parse_script("t", "ip netns add ns1\nip -n ns1 link add v0 type veth peer v1\nmodprobe -r veth &\nwait\n")
            .expect("parses");
    let err = run_on_kernel(&script, &ConformOptions::default()).expect_err("refused");
    assert!(matches!(&err, ConformError::ModuleCommand { line: 3, module, .. } if module == "veth"), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.starts_with("line 3: \"modprobe -r veth\" is refused: unloading a module removes every veth device"),
        "{msg}"
    );
    assert!(msg.contains("rtnl-check check"), "{msg}");
}
