//! How the lock-order graph scales: edges of a synthetic topology (N namespaces, D devices) taken
//! in the kernel's order, merged into a `LockGraph`, then checked for cycles.
//!
//! Run: `cargo run --release -p rtnl-checks --example lockgraph_bench`. A measurement to read, not
//! a timed test (timings on shared CI machines are noise).
//!
//! Each namespace is one "execution" recorded by the model's own `Recorder`, so the edges are the
//! ones the model would produce (one per held lock at each acquisition):
//! - set up the net's devices: `rtnl_mutex` -> `ns->rtnl_mutex` -> `pnodes_lock` -> `dev->lock`
//!   -> `ns->dev_unreg_lock`;
//! - move a device between two nets, both locks of each kind taken in ascending order (init_net
//!   first): with the next net, and with init_net.
//!
//! Instance edges collapse onto a handful of class nodes, so the graph's cost per edge must be a
//! hash lookup; time should grow linearly with the number of edges.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use rtnl_checks::lockgraph::LockGraph;
use rtnl_model::lockdep::{LockClass, LockEdge, LockId, Recorder, Site};

fn site(func: &str, line: u32) -> Site {
    Site { func: func.to_string().into(), file: "model/src/bench.rs".into(), line }
}

struct Sites {
    rtnl: Site,
    rtnl_net: Site,
    pnodes: Site,
    dev: Site,
    unreg: Site,
}

fn rtnl_net(net: u64) -> LockId {
    LockId::new(LockClass::RtnlNet, net, format!("ns{net}->rtnl_mutex"))
}

fn unreg(net: u64) -> LockId {
    LockId::new(LockClass::DevUnregLock, net, format!("ns{net}->dev_unreg_lock"))
}

/// Takes `locks` in order as `thread`, then releases them; the recorder notes the edges.
fn nest(rec: &mut Recorder, thread: &str, locks: &[(LockId, &Site)]) {
    for (lock, site) in locks {
        rec.will_acquire(thread, lock, site);
        rec.acquired(thread, lock, site);
    }
    for (lock, _) in locks.iter().rev() {
        rec.released(thread, lock);
    }
}

/// One execution per net; returns each execution's edges.
fn topology(nets: u64, devices: u64, s: &Sites) -> Vec<Vec<LockEdge>> {
    let rtnl = LockId::new(LockClass::Rtnl, 0, "rtnl_mutex");
    let per_net = devices / nets.max(1);
    let mut executions = Vec::new();
    for net in 0..nets {
        let mut rec = Recorder::default();
        let thread = format!("ip#{net}");
        for d in 0..per_net {
            let ifindex = net * per_net + d + 1;
            let port = ifindex / 10;
            nest(
                &mut rec,
                &thread,
                &[
                    (rtnl.clone(), &s.rtnl),
                    (rtnl_net(net), &s.rtnl_net),
                    (LockId::new(LockClass::IpvlanPnodes, port, format!("ipvl{port}->port->pnodes_lock")), &s.pnodes),
                    (LockId::new(LockClass::DevInstance, ifindex, format!("dev{ifindex}->lock")), &s.dev),
                    (unreg(net), &s.unreg),
                ],
            );
        }
        // dev_change_net_namespace()-like moves: both nets' locks, ascending, init_net first.
        for other in [net + 1, 0] {
            if other == net || other >= nets {
                continue;
            }
            let (lo, hi) = (net.min(other), net.max(other));
            nest(
                &mut rec,
                &thread,
                &[
                    (rtnl.clone(), &s.rtnl),
                    (rtnl_net(lo), &s.rtnl_net),
                    (rtnl_net(hi), &s.rtnl_net),
                    (unreg(lo), &s.unreg),
                    (unreg(hi), &s.unreg),
                ],
            );
        }
        executions.push(rec.edges);
    }
    executions
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() -> ExitCode {
    let s = Sites {
        rtnl: site("rtnl_lock", 10),
        rtnl_net: site("rtnl_net_lock", 20),
        pnodes: site("ipvlan_port_lock", 30),
        dev: site("netdev_lock", 40),
        unreg: site("unlist_netdevice", 50),
    };
    println!(
        "{:>7} {:>8} {:>9} {:>11} {:>10} {:>10} {:>8} {:>6} {:>7}",
        "nets", "devices", "edges", "record ms", "graph ms", "ns/edge", "acyc ms", "nodes", "reports"
    );
    let mut ok = true;
    for (nets, devices) in
        [(100, 1_000), (100, 10_000), (1_000, 1_000), (1_000, 10_000), (1_000, 100_000), (10_000, 100_000)]
    {
        let t = Instant::now();
        let executions = topology(nets, devices, &s);
        let record = t.elapsed();
        let edges: usize = executions.iter().map(Vec::len).sum();

        let t = Instant::now();
        let mut graph = LockGraph::new();
        let mut reports = 0;
        for exec in &executions {
            reports += graph.add_edges(exec).len();
        }
        let add = t.elapsed();
        let t = Instant::now();
        let acyclic = graph.is_acyclic();
        let check = t.elapsed();

        println!(
            "{nets:>7} {devices:>8} {edges:>9} {:>11.1} {:>10.2} {:>10.1} {:>8.3} {:>6} {reports:>7}",
            ms(record),
            ms(add),
            add.as_nanos() as f64 / edges.max(1) as f64,
            ms(check),
            graph.node_count(),
        );
        if !acyclic || reports != 0 {
            ok = false;
            for r in graph.reports().iter().take(3) {
                eprintln!("{r}\n");
            }
        }
        if (nets, devices) == (1_000, 10_000) && add + check >= Duration::from_secs(1) {
            eprintln!("goal missed: 1,000 nets + 10,000 devices took {:.1} ms (goal < 1 s)", ms(add + check));
            ok = false;
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
