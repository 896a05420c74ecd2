//! What ip(8) does in the kernel for each command of a script: open the namespace it runs in
//! (a reference on it for the command's lifetime), send the netlink request, close.
//!
//! Commands run on the calling thread; a command ending in `&` runs on a thread of its own
//! until the next `wait`, as in a shell.

use crate::kernel::{Kernel, KernelRef, NetId, INIT_NET};
use crate::net_namespace::{copy_net_ns, maybe_get_net, put_net};
use crate::rtnetlink::NewLink;
use crate::rtnetlink::{rtnl_dellink, rtnl_newlink, rtnl_setlink, Errno};
use crate::script::{Command, LinkKind, Op, Script, Step};
use crate::sync::thread;

pub use crate::observe::CmdResult;

/// Opens `/run/netns/NAME`: a reference on the net, or `ENOENT` if no such name is mounted
/// (or its net is already on its way out).
fn open_netns(k: &Kernel, name: &str) -> Result<NetId, Errno> {
    let _mounts = k.netns_mounts.lock();
    let id = k.with(|s| s.netns_names.get(name).copied()).ok_or(Errno::ENOENT)?;
    if maybe_get_net(k, id) {
        Ok(id)
    } else {
        Err(Errno::ENOENT)
    }
}

/// The references a command holds on namespaces, put when it ends.
struct Opened<'k> {
    k: &'k Kernel,
    nets: Vec<NetId>,
}

impl Opened<'_> {
    fn open(&mut self, name: Option<&str>) -> Result<NetId, Errno> {
        match name {
            None => Ok(INIT_NET),
            Some(n) => {
                let id = open_netns(self.k, n)?;
                self.nets.push(id);
                Ok(id)
            }
        }
    }

    fn close(self) {
        for n in self.nets {
            put_net(self.k, n);
        }
    }
}

/// Runs one `ip` command on the current thread.
pub fn ip(k: &Kernel, cmd: &Command) -> Result<(), Errno> {
    let _f = k.enter("ip");
    k.obs(|s| s.threads.entry(thread::current_id()).or_default().cmd = Some(cmd.text.clone()));
    let mut opened = Opened { k, nets: Vec::new() };
    let res = run_op(k, cmd, &mut opened);
    opened.close();
    record_result(k, cmd, res)
}

/// Notes a command's result in the trace and the observed results, and ends the thread's
/// current command (`ip` lines and module statements alike).
fn record_result(k: &Kernel, cmd: &Command, res: Result<(), Errno>) -> Result<(), Errno> {
    let thread = k.thread_name();
    k.note(None, format!("{} -> {}", cmd.text, res.map_or_else(|e| e.to_string(), |()| "ok".into())));
    k.obs(|s| {
        s.threads.entry(thread::current_id()).or_default().cmd = None;
        s.results.push(CmdResult { line: cmd.loc.line, text: cmd.text.clone(), thread, result: res });
    });
    res
}

fn run_op(k: &Kernel, cmd: &Command, opened: &mut Opened<'_>) -> Result<(), Errno> {
    match &cmd.op {
        Op::NetnsAdd { name } => {
            let mounts = k.netns_mounts.lock();
            if k.with(|s| s.netns_names.contains_key(name)) {
                return Err(Errno::EEXIST);
            }
            drop(mounts);
            let id = copy_net_ns(k, name);
            k.with(|s| s.netns_names.insert(name.clone(), id));
            Ok(())
        }
        Op::NetnsDel { name } => {
            let mounts = k.netns_mounts.lock();
            let id = k.with(|s| s.netns_names.remove(name)).ok_or(Errno::ENOENT)?;
            drop(mounts);
            put_net(k, id);
            Ok(())
        }
        Op::LinkAdd { name, target, kind } => {
            let net = opened.open(cmd.netns.as_deref())?;
            // ip(8) opens `netns NS` while it parses, before the kind's arguments.
            let tgt_net = target.as_deref().map(|t| opened.open(Some(t))).transpose()?;
            let (link_net, peer_net) = match kind {
                LinkKind::Veth { peer_netns, .. }
                | LinkKind::Vxcan { peer_netns, .. }
                | LinkKind::Netkit { peer_netns, .. } => {
                    (None, Some(opened.open(peer_netns.as_deref()).map(Some)?.unwrap_or(net)))
                }
                LinkKind::Ipvlan { link_netns, .. }
                | LinkKind::Ipvtap { link_netns, .. }
                | LinkKind::Macvlan { link_netns, .. }
                | LinkKind::Geneve { link_netns, .. }
                | LinkKind::Ipip { link_netns, .. } => (
                    Some(match link_netns {
                        Some(n) => opened.open(Some(n))?,
                        None => net,
                    }),
                    None,
                ),
                LinkKind::Bareudp { .. } | LinkKind::Vxlan { .. } => (Some(net), None),
            };
            let peer_net = match kind {
                LinkKind::Veth { peer_netns: None, .. }
                | LinkKind::Vxcan { peer_netns: None, .. }
                | LinkKind::Netkit { peer_netns: None, .. } => Some(net),
                _ => peer_net,
            };
            rtnl_newlink(k, net, &NewLink { name: name.clone(), kind: kind.clone(), tgt_net, link_net, peer_net })
        }
        Op::LinkSetNetns { name, target } => {
            let net = opened.open(cmd.netns.as_deref())?;
            let tgt = opened.open(Some(target))?;
            rtnl_setlink(k, net, name, tgt)
        }
        Op::LinkDel { name } => {
            let net = opened.open(cmd.netns.as_deref())?;
            rtnl_dellink(k, net, name)
        }
        Op::NetdevHold { dev, tracker, until } => {
            let net = opened.open(cmd.netns.as_deref())?;
            crate::holders::netdev_hold_stmt(k, net, dev, tracker, *until, cmd.loc.line)
        }
        Op::NetdevPut { tracker } => crate::holders::netdev_put_stmt(k, tracker),
        Op::ModuleRemove { .. } => unreachable!("a module statement runs through modprobe()"),
    }
}

/// Runs one `modprobe -r MODULE` or `rmmod MODULE` on the current thread: `delete_module(2)`
/// ([`crate::module::delete_module`]). `-ENOENT` for a module that is not loaded, `-EBUSY`
/// while another unload of it runs.
pub fn modprobe(k: &Kernel, cmd: &Command) -> Result<(), Errno> {
    let Op::ModuleRemove { module, tool } = &cmd.op else { unreachable!("modprobe: {:?}", cmd.op) };
    let _f = k.enter(tool.program());
    k.obs(|s| s.threads.entry(thread::current_id()).or_default().cmd = Some(cmd.text.clone()));
    let by = format!("\"{}\" (line {})", cmd.text, cmd.loc.line);
    let res = crate::module::delete_module(k, module, by);
    record_result(k, cmd, res)
}

/// Runs a script's steps: foreground commands on this thread, background ones on threads of
/// their own, joined at `wait` and at the end. A background command followed directly by
/// `wait` (or the end) runs on this thread: the same concurrency with one thread fewer, which
/// loom's five-thread limit needs.
pub fn run_script(k: &KernelRef, script: &Script) {
    if script.first_module_statement().is_some() {
        crate::module::arm(k);
    }
    let mut running: Vec<thread::JoinHandle<()>> = Vec::new();
    let steps = &script.steps;
    for (i, step) in steps.iter().enumerate() {
        match step {
            Step::Run(cmd) => run_named(k, cmd),
            Step::Background(cmd) => {
                let last_before_wait = matches!(steps.get(i + 1), None | Some(Step::Wait(_)));
                if last_before_wait {
                    run_named(k, cmd);
                } else {
                    let k2 = k.clone();
                    let cmd = cmd.clone();
                    running.push(thread::spawn(move || {
                        let key = queuer_name(&cmd);
                        k2.obs(|s| s.threads.entry(thread::current_id()).or_default().queuer = Some(key));
                        run_named(&k2, &cmd)
                    }));
                }
            }
            Step::Wait(_) => join_all(k, &mut running),
        }
    }
    join_all(k, &mut running);
}

/// The threads of an execution of `script` that may call `queue_work()` on `rtnl_net_wq` from
/// outside its workers, by the names [`crate::kernel::Placement::Fixed`] uses: `main` (the
/// foreground commands, and a background one that [`run_script`] runs in place), each
/// background command's own thread (`ip#LINE`), and `netns_wq`'s worker (`cleanup_net()`).
pub fn queuers(script: &Script) -> Vec<String> {
    let mut v = vec!["main".to_string()];
    for (i, step) in script.steps.iter().enumerate() {
        if let Step::Background(cmd) = step {
            if !matches!(script.steps.get(i + 1), None | Some(Step::Wait(_))) {
                v.push(queuer_name(cmd));
            }
        }
    }
    v.push(NETNS_WORKER.to_string());
    v
}

/// `netns_wq`'s worker thread, as [`crate::workqueue::worker_thread`] names it.
pub const NETNS_WORKER: &str = "kworker/netns:0";

/// A background command's thread, named as it is while it runs its command.
fn queuer_name(cmd: &Command) -> String {
    match &cmd.op {
        Op::ModuleRemove { tool, .. } => format!("{}#{}", tool.program(), cmd.loc.line),
        _ => format!("ip#{}", cmd.loc.line),
    }
}

fn run_named(k: &Kernel, cmd: &Command) {
    if let Op::ModuleRemove { tool, .. } = &cmd.op {
        k.set_thread_name(format!("{}#{}", tool.program(), cmd.loc.line));
        let _ = modprobe(k, cmd);
    } else {
        k.set_thread_name(format!("ip#{}", cmd.loc.line));
        let _ = ip(k, cmd);
    }
    k.set_thread_name("main");
}

fn join_all(k: &Kernel, running: &mut Vec<thread::JoinHandle<()>>) {
    for h in running.drain(..) {
        k.will_wait("wait: a background ip command".into());
        if let Err(e) = h.join() {
            std::panic::resume_unwind(e);
        }
        k.done_waiting();
    }
}
