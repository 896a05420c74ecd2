//! What the model observes of an execution, apart from the kernel's globals: the threads and
//! their model call stacks, the event trace, the lockdep recorder and the S14 locksets, the
//! recorded violations and how each ip(8) command ended.
//!
//! Plain std data in an [`Instr`] cell, so a harness can read it after a failed execution, when
//! the model's own objects (loom's among them) are gone. Writing it is never a schedule point.

use crate::lockdep::{Access, LockClass, LockHook, LockId, Locksets, Recorder, Site};
use crate::properties::{Property, Violation};
use crate::rtnetlink::Errno;
use crate::sync::{thread, Instr};
use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::panic::Location;

/// The functions every trace records: the cover letter's bpftrace probes and the per-netns
/// machinery around them.
pub const TRACED: &[&str] = &[
    "veth_dellink",
    "ipvlan_uninit",
    "ipvlan_link_delete",
    "ipvlan_device_event",
    "macvlan_dellink",
    "macvlan_device_event",
    "bareudp_dellink",
    "vxlan_dellink",
    "geneve_dellink",
    "free_netdev",
    "unregister_netdevice_queue_net",
    "rtnl_net_queue_work",
    "rtnl_net_work_func",
    "cleanup_net",
    "default_device_exit_batch",
    "ops_exit_rtnl_list",
    "__dev_change_net_namespace",
    "unregister_netdevice_move_net",
    "rtnl_net_flush_workqueue",
    "netdev_get_by_name",
    "holders_device_event",
    "netdev_put",
];

/// A frame of a model thread's call stack: a kernel function name.
pub type Frame = &'static str;

/// What a model thread is and where it is, for traces and reports.
#[derive(Clone, Debug, Default)]
pub struct ThreadState {
    pub name: String,
    pub stack: Vec<Frame>,
    /// The rtnl_net_wq pool a worker belongs to (its CPU), `None` for other threads.
    pub wq_pool: Option<(&'static str, usize)>,
    /// The ip(8) command this thread is running, shown at the bottom of its stacks.
    pub cmd: Option<String>,
    /// The name [`crate::kernel::Placement::Fixed`] knows this thread by, when it is not the
    /// script's main thread ([`crate::userspace::queuers`]).
    pub queuer: Option<String>,
}

/// The kind of a trace event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    /// A model function was entered.
    Call,
    /// A note from the model (a command's result, an unconverted path taken, ...).
    Note,
    /// A WARN fired (recorded, fails the execution at its end).
    Warn,
    /// A BUG fired (fails the execution at once).
    Bug,
    // The timeline: recorded only when `Observed::timeline` is set (an HTML replay), skipped by
    // text traces. `text` names the lock, the wait or the tracker; `dev` the device.
    /// About to block on the lock `text`.
    LockWait,
    LockAcquired,
    LockReleased,
    /// Blocked on something that is not a lock (`text`), until the next `WaitEnd`.
    WaitBegin,
    WaitEnd,
    /// `dev`'s `reg_state` became this.
    RegState(crate::netdevice::RegState),
    /// `dev`'s refcount after a `netdev_hold()` (`hold`) or `netdev_put()` of tracker `text`.
    Ref {
        count: usize,
        hold: bool,
    },
}

/// One step of an execution.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Event {
    pub seq: usize,
    pub thread: String,
    pub kind: EventKind,
    pub func: String,
    pub dev: Option<String>,
    pub net: Option<String>,
    pub text: String,
    /// The model call stack, innermost first, as bpftrace's `kstack()` prints it.
    pub stack: Vec<String>,
}

/// How one command ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CmdResult {
    pub line: usize,
    pub text: String,
    pub thread: String,
    pub result: Result<(), Errno>,
}

/// What the model observes of an execution: threads, trace, lockdep recorder, violations and
/// command results.
#[derive(Debug, Default)]
pub struct Observed {
    pub threads: HashMap<thread::ThreadId, ThreadState>,
    pub trace: Vec<Event>,
    pub violations: Vec<Violation>,
    pub recorder: Recorder,
    /// S14: candidate locksets of the shared state the model names.
    pub locksets: Locksets,
    /// How each ip(8) command ended.
    pub results: Vec<CmdResult>,
    /// Kernel-function calls made so far: the execution's length in steps.
    pub calls: usize,
    /// Record the timeline kinds of [`EventKind`] too (set by a harness that renders one).
    pub timeline: bool,
    /// The queuing threads whose CPU `queue_work()` asked for ([`crate::kernel::Placement`]).
    pub placed: std::collections::BTreeSet<String>,
    /// The most nets' `rtnl_work` items that ran at once (one per pool at most).
    pub works_running: usize,
}

impl Observed {
    pub fn thread_name(&self) -> String {
        self.threads.get(&thread::current_id()).map(|t| t.name.clone()).unwrap_or_else(|| "main".into())
    }

    pub(crate) fn current_func(&self) -> &'static str {
        self.threads.get(&thread::current_id()).and_then(|t| t.stack.last().copied()).unwrap_or("?")
    }

    pub fn stack(&self) -> Vec<String> {
        let Some(t) = self.threads.get(&thread::current_id()) else { return Vec::new() };
        let mut v: Vec<String> = t.stack.iter().rev().map(|f| f.to_string()).collect();
        if let Some(cmd) = &t.cmd {
            v.push(cmd.clone());
        }
        v
    }

    pub fn push_event(&mut self, kind: EventKind, dev: Option<String>, net: Option<String>, text: String) {
        let ev = Event {
            seq: self.trace.len(),
            thread: self.thread_name(),
            kind,
            func: self.current_func().to_string(),
            dev,
            net,
            text,
            stack: self.stack(),
        };
        self.trace.push(ev);
    }

    /// Whether the current thread holds `class` for `key` (`None`: any instance).
    pub fn holds(&self, class: LockClass, key: Option<u64>) -> bool {
        let name = self.threads.get(&thread::current_id()).map_or("main", |t| t.name.as_str());
        self.recorder.holds(name, class, key)
    }

    /// The names of the locks the current thread holds, in acquisition order.
    pub fn held_lock_names(&self) -> Vec<String> {
        self.recorder.held_by(&self.thread_name())
    }

    /// Enters `func` on this thread's model call stack; traced, it is also an event.
    pub(crate) fn enter(&mut self, func: Frame, traced: bool, dev: Option<String>, net: Option<String>) {
        self.threads.entry(thread::current_id()).or_default().stack.push(func);
        self.calls += 1;
        if traced {
            self.push_event(EventKind::Call, dev, net, String::new());
        }
    }

    /// Pops this thread's innermost frame.
    pub(crate) fn leave(&mut self) {
        if let Some(t) = self.threads.get_mut(&thread::current_id()) {
            t.stack.pop();
        }
    }

    pub(crate) fn set_thread_name(&mut self, name: String) {
        self.threads.entry(thread::current_id()).or_default().name = name;
    }

    /// A WARN or BUG on `property`: an event and a recorded violation.
    pub(crate) fn violation(&mut self, kind: EventKind, property: Property, text: String) -> Violation {
        let tag = if kind == EventKind::Bug { "BUG" } else { "WARNING" };
        self.push_event(kind, None, None, format!("{tag} [{}]: {text}", property.id()));
        let v = Violation::new(property, text, self.thread_name(), self.stack());
        self.violations.push(v.clone());
        v
    }

    /// The current thread is about to block on `on`, which is not a lock.
    pub(crate) fn will_wait(&mut self, on: String, loc: &'static Location<'static>) {
        let site = site_of(self, loc);
        let t = self.thread_name();
        if self.timeline {
            self.push_event(EventKind::WaitBegin, None, None, on.clone());
        }
        self.recorder.will_wait(&t, on, &site);
    }

    pub(crate) fn done_waiting(&mut self) {
        let t = self.thread_name();
        self.recorder.done_waiting(&t);
        if self.timeline {
            self.push_event(EventKind::WaitEnd, None, None, String::new());
        }
    }

    /// S14: an access to shared state `what` narrows its candidate lockset to the locks this
    /// thread holds; a violation when it becomes empty.
    pub(crate) fn access(&mut self, what: &str) {
        // Names are copied only for an access the lockset keeps or reports (a hot path).
        let (thread, func) = match self.threads.get(&thread::current_id()) {
            Some(t) => (t.name.as_str(), t.stack.last().copied().unwrap_or("?")),
            None => ("main", "?"),
        };
        let recorder = &self.recorder;
        let ids = recorder.held_lock_ids(thread);
        let access = || Access {
            thread: thread.to_string(),
            func: func.to_string(),
            held: recorder.held_locks(thread).into_iter().map(|h| h.2).collect(),
        };
        if let Some((a, b)) = self.locksets.access(what, thread, ids, access) {
            let text = format!("no lock protects {what}: accessed by {a} and by {b}");
            self.push_event(EventKind::Warn, None, None, format!("WARNING [S14]: {text}"));
            let v = Violation::new(Property::CommonLockForSharedState, text, self.thread_name(), self.stack());
            self.violations.push(v);
        }
    }

    /// The current thread's name and the recorder, borrowed together (no name clone on the
    /// hot path of every lock operation).
    fn thread_and_recorder(&mut self) -> (&str, &mut Recorder) {
        let name = self.threads.get(&thread::current_id()).map_or("main", |t| t.name.as_str());
        (name, &mut self.recorder)
    }
}

fn site_of(s: &Observed, loc: &'static Location<'static>) -> Site {
    Site { func: Cow::Borrowed(s.current_func()), file: Cow::Borrowed(loc.file()), line: loc.line() }
}

/// The hook every kernel lock calls: it feeds the lockdep recorder of [`Observed`].
pub(crate) struct LockdepHook(pub(crate) Instr<Observed>);

impl LockHook for LockdepHook {
    fn will_acquire(&self, lock: &LockId, loc: &'static Location<'static>) {
        self.0.with(|s| {
            let site = site_of(s, loc);
            let (t, r) = s.thread_and_recorder();
            r.will_acquire(t, lock, &site);
            if s.timeline {
                s.push_event(EventKind::LockWait, None, None, lock.name.clone());
            }
        });
    }
    fn acquired(&self, lock: &LockId, loc: &'static Location<'static>) {
        self.0.with(|s| {
            let site = site_of(s, loc);
            let (t, r) = s.thread_and_recorder();
            r.acquired(t, lock, &site);
            if s.timeline {
                s.push_event(EventKind::LockAcquired, None, None, lock.name.clone());
            }
        });
    }
    fn released(&self, lock: &LockId) {
        self.0.with(|s| {
            let (t, r) = s.thread_and_recorder();
            r.released(t, lock);
            if s.timeline {
                s.push_event(EventKind::LockReleased, None, None, lock.name.clone());
            }
        });
    }
}
