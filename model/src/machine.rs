//! One execution: boot a kernel, run a script, let the workqueues settle, shut down, and
//! collect what happened.

use crate::kernel::{Config, Event, EventKind, Kernel, KernelRef, NetId, INIT_NET};
use crate::lockdep::{LockEdge, Waiting};
use crate::observe::CmdResult;
use crate::properties::{Property, Violation};
use crate::script::Script;
use crate::sync::{Aborted, Arc, ExecutionGuard, Hang};
use crate::workqueue::{flush_workqueue, join_workers, shutdown};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// What a user sees at the end: each namespace that still exists, with its devices sorted by
/// name (`lo` is not modelled). `init_net` appears only when it holds devices.
pub type Outcome = BTreeMap<String, Vec<String>>;

/// A booted kernel. Its workqueues' workers start with their first item
/// (`crate::workqueue::queue_work`).
#[derive(Debug)]
pub struct Machine {
    pub k: KernelRef,
    /// The std backend's hang monitor for this execution (nothing under loom and shuttle).
    guard: ExecutionGuard,
}

/// Everything one execution produced.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Report {
    pub outcome: Outcome,
    pub trace: Vec<Event>,
    /// Every WARN and BUG recorded, then every failed end-state check.
    pub violations: Vec<Violation>,
    pub lock_edges: Vec<LockEdge>,
    /// A hash of the sequence of lock acquisitions (thread, lock): equal orders, equal hashes.
    pub lock_order_hash: u64,
    /// Kernel-function calls in the execution.
    pub steps: usize,
    pub results: Vec<CmdResult>,
    /// The queuing threads whose CPU a `queue_work()` asked for ([`crate::kernel::Placement`]).
    #[serde(default)]
    pub placed: Vec<String>,
    /// The most nets' `rtnl_work` items that ran at once (more than 1 needs more than one CPU).
    #[serde(default)]
    pub works_running: usize,
}

impl Machine {
    /// Boots a kernel: `init_net`, the drivers (`do_initcalls`); the workqueues' workers start
    /// with their first item.
    pub fn boot(cfg: Config) -> Machine {
        let guard = crate::sync::execution_begin();
        let k = Arc::new(crate::drivers::do_initcalls(Kernel::new(cfg)));
        k.set_thread_name("main");
        let handle = k.clone();
        k.this.with(|t| *t = Some(handle));
        Machine { k, guard }
    }

    /// Runs `script`, then waits until no namespace cleanup or per-netns work is left.
    pub fn run(&self, script: &Script) {
        self.main(|| {
            crate::userspace::run_script(&self.k, script);
            self.settle();
        });
    }

    /// Runs `f` on the main thread. If the std backend's monitor aborts the execution (every
    /// thread blocked), `f` ends there and [`Machine::shutdown`] reports the hang.
    pub fn main(&self, f: impl FnOnce()) {
        unless_aborted(f);
    }

    /// Flushes `netns_wq` and `rtnl_net_wq` until both are idle: namespace destruction is
    /// asynchronous, and a cleanup can queue per-netns work and the reverse.
    pub fn settle(&self) {
        let k = &self.k;
        for _ in 0..8 {
            flush_workqueue(k, &k.netns_wq);
            flush_workqueue(k, &k.rtnl_net_wq);
            if k.netns_wq.idle() && k.rtnl_net_wq.idle() {
                break;
            }
        }
    }

    /// Stops the workers and collects the execution's report, with the end-state checks.
    pub fn shutdown(self) -> Report {
        let Machine { k, guard } = self;
        // A step or time bound may abort the execution here too; its workers unwind either way.
        unless_aborted(|| {
            shutdown(&k.rtnl_net_wq);
            shutdown(&k.netns_wq);
        });
        for joined in join_workers(&k.rtnl_net_wq).into_iter().chain(join_workers(&k.netns_wq)) {
            match joined {
                Err(e) if !e.is::<Aborted>() => std::panic::resume_unwind(e),
                _ => {}
            }
        }
        // The workers' handle on the kernel, a cycle until now.
        let handle = k.this.with(Option::take);
        drop(handle);
        if let Some(hang) = guard.hang() {
            k.obs(|s| {
                let v = hang_violation(&hang, &s.recorder.waiting());
                s.violations.push(v);
            });
        }
        let end = crate::invariants::check_end_state(&k);
        let outcome = outcome(&k);
        k.obs(|s| {
            let mut violations = s.violations.clone();
            violations.extend(end);
            Report {
                outcome,
                trace: s.trace.clone(),
                violations,
                lock_edges: s.recorder.edges.clone(),
                lock_order_hash: s.recorder.order_hash,
                steps: s.calls,
                results: s.results.clone(),
                placed: s.placed.iter().cloned().collect(),
                works_running: s.works_running,
            }
        })
    }
}

/// Boots, runs `script` and shuts down: one whole execution.
pub fn execute(cfg: Config, script: &Script) -> Report {
    let m = Machine::boot(cfg);
    m.run(script);
    m.shutdown()
}

/// Runs `f`; an abort by the std backend's monitor ends it early (the guard reports it).
fn unless_aborted(f: impl FnOnce()) {
    if let Err(p) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        if !p.is::<Aborted>() {
            std::panic::resume_unwind(p);
        }
    }
}

/// The property a hang breaks, given who waits for what, and what to call it: L3 when
/// `netdev_run_todo()` waits for a reference that is never put, else L5.
pub fn hang_property(waiting: &[Waiting]) -> (Property, &'static str) {
    if waiting.iter().any(|w| w.on.starts_with("unregister_netdevice: waiting for")) {
        (Property::AllRefsReleased, "a reference is never put: netdev_run_todo() waits for ever")
    } else {
        (Property::NoDeadlock, "every thread is blocked")
    }
}

/// The violation of a hang the std monitor stopped, naming every blocked thread.
fn hang_violation(hang: &Hang, waiting: &[Waiting]) -> Violation {
    let who: Vec<String> = waiting
        .iter()
        .map(|w| format!("{} waits for \"{}\" holding [{}] at {}", w.thread, w.on, w.holding.join(", "), w.site))
        .collect();
    let (property, message) = match hang {
        Hang::Blocked(why) => {
            let (p, what) = hang_property(waiting);
            (p, format!("{what} ({why}): {}", who.join("; ")))
        }
        Hang::Bound(why) => (Property::AllRefsReleased, format!("step bound exceeded ({why}): {}", who.join("; "))),
    };
    let thread = waiting.first().map_or_else(|| "main".to_string(), |w| w.thread.clone());
    let stack = waiting.first().map(|w| vec![w.site.func.to_string()]).unwrap_or_default();
    Violation::new(property, message, thread, stack)
}

fn outcome(k: &Kernel) -> Outcome {
    k.with(|s| {
        let devs = |n: NetId| {
            let mut v: Vec<String> = s.nets[n].dev_base.iter().map(|&d| s.devs[d].name.clone()).collect();
            v.sort();
            v
        };
        let mut o: Outcome = s.netns_names.iter().map(|(name, &id)| (name.clone(), devs(id))).collect();
        let init = devs(INIT_NET);
        if !init.is_empty() {
            o.insert("init_net".into(), init);
        }
        o
    })
}

impl Report {
    /// The execution's trace; see [`format_trace`].
    pub fn format_trace(&self, all: bool) -> String {
        format_trace(&self.trace, all)
    }

    /// Events for `func` on `dev`, in order.
    pub fn calls<'a>(&'a self, func: &'a str, dev: &'a str) -> impl Iterator<Item = &'a Event> + 'a {
        self.trace.iter().filter(move |e| e.kind == EventKind::Call && e.func == func && e.dev.as_deref() == Some(dev))
    }
}

/// A trace in the cover letter's bpftrace shape: `THREAD: t | DEV: d | function`, then the model
/// stack, innermost first. `all` shows every call, not only [`TRACED`] ones; WARNs, BUGs and
/// unconverted-path notes are always shown.
pub fn format_trace(trace: &[Event], all: bool) -> String {
    {
        let mut out = String::new();
        for e in trace {
            let shown = match e.kind {
                EventKind::Call => all || crate::kernel::TRACED.contains(&e.func.as_str()),
                EventKind::Note => e.text.starts_with("unconverted") || all,
                EventKind::Warn | EventKind::Bug => true,
                _ => false,
            };
            if !shown {
                continue;
            }
            match e.kind {
                EventKind::Call => {
                    let dev = e.dev.as_deref().or(e.net.as_deref()).unwrap_or("-");
                    let _ = writeln!(out, "THREAD: {} | DEV: {} | {}", e.thread, dev, e.func);
                    for f in e.stack.iter().skip(1).take(6) {
                        let _ = writeln!(out, "        {f}");
                    }
                }
                _ => {
                    let _ = writeln!(out, "THREAD: {} | {}", e.thread, e.text);
                }
            }
        }
        out
    }
}
