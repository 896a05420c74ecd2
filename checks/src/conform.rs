//! Conformance: run a scenario on this machine's kernel with iproute2 and observe the
//! final state, so the model's predictions can be compared with what Linux really does.
//!
//! The runner never touches a namespace it did not create. Every netns of the script is
//! renamed to a private `rtnlmc-<pid>-<n>-NAME`, and commands that the script runs in the
//! initial namespace run in a private stand-in (`rtnlmc-<pid>-<n>-init`) instead, so a
//! scenario cannot disturb the host's own devices.
//!
//! # Cleanup
//! Every private namespace is deleted when the run ends: normally, on error and on panic (a
//! drop guard), and on SIGINT/SIGTERM, which are caught while a run is in progress so that
//! the guard can run before the signal is re-raised. SIGKILL cannot be caught: namespaces
//! of a killed run stay behind in /run/netns under the dead process's pid, and
//! [`reap_stale_namespaces`] removes them.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

use miette::Diagnostic;
use rtnl_model::script::{Command as ScriptCommand, LinkKind, Loc, Op, Release, Script, Step};
use serde::Deserialize;
use thiserror::Error;

/// Where iproute2 keeps named namespaces (its NETNS_RUN_DIR).
const NETNS_RUN_DIR: &str = "/var/run/netns";
/// Prefix of every namespace this runner creates.
pub const PRIVATE_PREFIX: &str = "rtnlmc-";
/// Key of the initial namespace's stand-in in [`Observation::state`], present only when the
/// stand-in holds devices: the same convention as the model's `machine::Outcome`, so the two
/// compare directly (a script netns named `init_net` would share the key there too).
pub const INIT_NETNS: &str = "init_net";
/// Longest part of a script's netns name kept in its private name (a file name is at most
/// 255 bytes; the counter keeps truncated names unique).
const NAME_KEEP: usize = 40;

/// Final state: netns name as written in the script -> its device names, sorted, without
/// `lo`. A namespace that no longer exists is absent.
pub type NetnsState = BTreeMap<String, Vec<String>>;

/// How to run and when to call the kernel's state settled.
#[derive(Clone, Debug)]
pub struct ConformOptions {
    /// The iproute2 `ip` binary.
    pub ip: PathBuf,
    /// Consecutive identical reads that count as settled.
    pub settle_reads: u32,
    /// Pause between reads.
    pub settle_interval: Duration,
    /// Give up settling (and report `settled: false`) after this long.
    pub settle_timeout: Duration,
}

impl Default for ConformOptions {
    fn default() -> Self {
        ConformOptions {
            ip: PathBuf::from("ip"),
            settle_reads: 5,
            settle_interval: Duration::from_millis(100),
            settle_timeout: Duration::from_secs(10),
        }
    }
}

/// What running a script on the kernel gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KernelRun {
    /// The script ran; here is what the kernel ended up with.
    Observed(Observation),
    /// The script needs something this kernel lacks (a device type), so it did not run.
    Skipped { reason: String },
}

impl KernelRun {
    /// The observed final state, unless the run was skipped.
    pub fn state(&self) -> Option<&NetnsState> {
        match self {
            KernelRun::Observed(o) => Some(&o.state),
            KernelRun::Skipped { .. } => None,
        }
    }
}

/// The outcome of a script that ran.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observation {
    /// Devices per namespace once the state held still.
    pub state: NetnsState,
    /// Every command in file order, with how the kernel answered it.
    pub commands: Vec<CommandOutcome>,
    /// False if the state was still changing when `settle_timeout` ran out.
    pub settled: bool,
    /// Script netns name -> the private name it ran under.
    pub private_names: BTreeMap<String, String>,
    /// The private namespace that stood in for the initial one.
    pub init_private: String,
}

/// One command as run and how it ended. A failing command is a legitimate outcome (the
/// kernel refusing something), not an error of the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandOutcome {
    pub loc: Loc,
    /// The command as written in the script.
    pub text: String,
    /// The arguments given to `ip`, with private namespace names.
    pub argv: Vec<String>,
    pub background: bool,
    /// Exit code; `None` if `ip` was killed by a signal.
    pub status: Option<i32>,
    pub stderr: String,
}

impl CommandOutcome {
    pub fn success(&self) -> bool {
        self.status == Some(0)
    }
}

/// Why a run could not be carried out (as opposed to a command that failed).
#[derive(Debug, Error, Diagnostic)]
pub enum ConformError {
    #[error("conformance needs root to create network namespaces")]
    #[diagnostic(help("run as root, or in a user namespace with CAP_SYS_ADMIN"))]
    NotRoot,
    #[error("cannot run {program}: {source}")]
    Spawn {
        program: String,
        #[source]
        source: io::Error,
    },
    #[error("setting up private namespace {name} failed: {stderr}")]
    Setup { name: String, stderr: String },
    #[error("cannot read the devices of namespace {netns}: {detail}")]
    State { netns: String, detail: String },
    #[error("interrupted by signal {0}; private namespaces were removed")]
    Interrupted(i32),
    #[error(
        "line {line}: \"{text}\" is refused: unloading a module removes every {module} device in every \
         namespace of this machine, not only this script's; check the script with `rtnl-check check` instead"
    )]
    ModuleCommand { line: usize, text: String, module: String },
}

/// Refuses a script with a module statement (`modprobe -r`, `rmmod`): on a real machine it
/// deletes that kind's devices in every namespace, not only in the run's private ones. Checked
/// before anything else, root or not, so the answer is the same for everyone.
pub fn refuse_module_statements(script: &Script) -> Result<(), ConformError> {
    match script.first_module_statement() {
        Some(c) => {
            let Op::ModuleRemove { module, .. } = &c.op else { unreachable!("a module statement") };
            Err(ConformError::ModuleCommand { line: c.loc.line, text: c.text.clone(), module: module.clone() })
        }
        None => Ok(()),
    }
}

/// Runs `script` on this machine's kernel and returns what it ended with.
///
/// Foreground commands run one after another; background ones are spawned and joined at
/// the next `wait` (and at the end). Then the runner waits until namespace teardown, which
/// the kernel does asynchronously in cleanup_net(), has finished: first a barrier (a netns
/// destroyed after the script's is seen cleaned up), then until `opts.settle_reads`
/// consecutive reads agree.
pub fn run_on_kernel(script: &Script, opts: &ConformOptions) -> Result<KernelRun, ConformError> {
    refuse_module_statements(script)?;
    if let Some(reason) = holds_skip_reason(script) {
        return Ok(KernelRun::Skipped { reason });
    }
    if !is_root() {
        return Err(ConformError::NotRoot);
    }
    for kind in needed_kinds(script) {
        if let Err(why) = kind_supported(opts, kind)? {
            return Ok(KernelRun::Skipped { reason: format!("this kernel cannot create {kind} devices: {why}") });
        }
    }
    if uses_link_netns(script) {
        if let Err(why) = link_netns_supported(opts)? {
            return Ok(KernelRun::Skipped {
                reason: format!("this iproute2 cannot resolve `link DEV link-netns NS` (it looks DEV up in the command's own namespace): {why}"),
            });
        }
    }
    // Declared first so it is dropped last: a pending signal is re-raised only after the
    // run's namespaces are gone.
    let _armed = interrupt::arm();
    let mut run = Run::new(opts);
    run.init = run.create_private("init")?;
    for name in script_netns_names(script) {
        let private = run.private_name(&name);
        run.names.insert(name, private);
    }

    let mut commands = Vec::new();
    for step in &script.steps {
        interrupt::check()?;
        match step {
            Step::Run(cmd) => {
                let argv = run.argv(cmd);
                let output = run.ip_output(&argv)?;
                let stderr = stderr_text(&output);
                commands.push(outcome(cmd, argv, false, output.status.code(), stderr));
            }
            Step::Background(cmd) => {
                let argv = run.argv(cmd);
                let child = run.spawn_ip(&argv)?;
                run.children.push((commands.len(), child));
                // Status and stderr are filled in when the command is joined.
                commands.push(outcome(cmd, argv, true, None, String::new()));
            }
            Step::Wait(_) => run.join(&mut commands)?,
        }
    }
    run.join(&mut commands)?;

    run.cleanup_barrier()?;
    let (state, settled) = run.settle()?;
    Ok(KernelRun::Observed(Observation {
        state,
        commands,
        settled,
        private_names: run.names.clone(),
        init_private: run.init.clone(),
    }))
}

/// Deletes namespaces left by runs whose process no longer exists (a run killed with
/// SIGKILL cannot clean up after itself). Returns the names it removed. Only names of the
/// form `rtnlmc-<pid>-...` whose `<pid>` is not a live process are touched.
pub fn reap_stale_namespaces(opts: &ConformOptions) -> Result<Vec<String>, ConformError> {
    if !is_root() {
        return Err(ConformError::NotRoot);
    }
    let mut reaped = Vec::new();
    for name in list_netns() {
        let Some(pid) = name
            .strip_prefix(PRIVATE_PREFIX)
            .and_then(|rest| rest.split('-').next())
            .filter(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
        else {
            continue;
        };
        if !Path::new("/proc").join(pid).exists() {
            let output = ip_output(&opts.ip, ["netns", "del", name.as_str()])?;
            if output.status.success() {
                reaped.push(name);
            }
        }
    }
    Ok(reaped)
}

/// Whether the effective uid is 0, read from /proc/self/status (no libc needed).
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let uids = status.lines().find_map(|l| l.strip_prefix("Uid:"))?;
            uids.split_whitespace().nth(1).map(|euid| euid == "0")
        })
        .unwrap_or(false)
}

/// Names of /var/run/netns entries; an absent directory means no named namespaces.
fn list_netns() -> Vec<String> {
    std::fs::read_dir(NETNS_RUN_DIR)
        .map(|dir| dir.filter_map(|e| e.ok()?.file_name().into_string().ok()).collect())
        .unwrap_or_default()
}

fn netns_exists(name: &str) -> bool {
    Path::new(NETNS_RUN_DIR).join(name).exists()
}

/// Why a script with `netdev_hold` lines does not run here. An `until unregister` holder is a
/// packet socket bound to the device (dropped by `packet_notifier()`), which this runner, made of
/// ip(8) commands only, does not open; the other holders keep a reference past
/// NETDEV_UNREGISTER, which nothing in userspace can do on an unmodified kernel.
pub fn holds_skip_reason(script: &Script) -> Option<String> {
    let untils: Vec<Release> = script
        .commands()
        .filter_map(|c| match &c.op {
            Op::NetdevHold { until, .. } => Some(*until),
            _ => None,
        })
        .collect();
    if untils.is_empty() {
        None
    } else if untils.iter().all(|&u| u == Release::Unregister) {
        Some(
            "netdev_hold ... until unregister is an AF_PACKET socket bound to the device in its namespace; \
             this runner runs only ip(8) and does not open one"
                .into(),
        )
    } else {
        Some(
            "netdev_hold without `until unregister` keeps a reference past NETDEV_UNREGISTER; no userspace \
             object does that on an unmodified kernel (every holder must drop it on NETDEV_UNREGISTER: the \
             comment above netdev_wait_allrefs_any() in net/core/dev.c); this script needs a fault-injection \
             module"
                .into(),
        )
    }
}

/// Device types a script creates, each once, in a fixed order.
fn needed_kinds(script: &Script) -> Vec<&'static str> {
    let mut kinds: Vec<_> = script
        .commands()
        .filter_map(|c| match &c.op {
            Op::LinkAdd { kind, .. } => Some(kind.type_name()),
            _ => None,
        })
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    kinds
}

/// Every netns name a script mentions, in order of first mention.
fn script_netns_names(script: &Script) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut note = |name: &Option<String>| {
        if let Some(name) = name {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
    };
    for cmd in script.commands() {
        note(&cmd.netns);
        match &cmd.op {
            Op::NetnsAdd { name } | Op::NetnsDel { name } => note(&Some(name.clone())),
            Op::LinkSetNetns { target, .. } => note(&Some(target.clone())),
            Op::LinkAdd { kind, .. } => match kind {
                LinkKind::Veth { peer_netns, .. }
                | LinkKind::Vxcan { peer_netns, .. }
                | LinkKind::Netkit { peer_netns, .. } => note(peer_netns),
                LinkKind::Ipvlan { link_netns, .. }
                | LinkKind::Ipvtap { link_netns, .. }
                | LinkKind::Macvlan { link_netns, .. }
                | LinkKind::Geneve { link_netns, .. }
                | LinkKind::Ipip { link_netns, .. } => note(link_netns),
                LinkKind::Bareudp { .. } | LinkKind::Vxlan { .. } => {}
            },
            Op::LinkDel { .. } | Op::NetdevHold { .. } | Op::NetdevPut { .. } | Op::ModuleRemove { .. } => {}
        }
    }
    names
}

/// The numeric form of an ethertype name, so the command does not depend on which names
/// the installed iproute2 knows.
fn ethertype_number(ethertype: &str) -> &str {
    match ethertype {
        "ip" | "ipv4" => "0x0800",
        "ipv6" => "0x86dd",
        "mpls_uc" => "0x8847",
        "mpls_mc" => "0x8848",
        number => number,
    }
}

/// Whether a command names its lower in another namespace with `link-netns`.
fn uses_link_netns(script: &Script) -> bool {
    script.commands().any(|c| match &c.op {
        Op::LinkAdd {
            kind:
                LinkKind::Ipvlan { link_netns: Some(n), .. }
                | LinkKind::Ipvtap { link_netns: Some(n), .. }
                | LinkKind::Macvlan { link_netns: Some(n), .. },
            ..
        } => c.netns.as_deref() != Some(n.as_str()),
        _ => false,
    })
}

/// Whether this iproute2 resolves `link DEV` in the `link-netns` namespace, probed once per
/// process with a macvlan on a veth of another scratch namespace.
fn link_netns_supported(opts: &ConformOptions) -> Result<Result<(), String>, ConformError> {
    static PROBE: OnceLock<Result<(), String>> = OnceLock::new();
    if let Some(known) = PROBE.get() {
        return Ok(known.clone());
    }
    let mut run = Run::new(opts);
    let a = run.create_private("probea")?;
    let b = run.create_private("probeb")?;
    let mut result = run.ip_status(&["-n", &a, "link", "add", "p0", "type", "veth", "peer", "name", "p1"])?;
    if result.is_ok() {
        result = run.ip_status(&["-n", &b, "link", "add", "m0", "link", "p0", "link-netns", &a, "type", "macvlan"])?;
    }
    let _ = PROBE.set(result.clone());
    Ok(result)
}

/// Whether this kernel can create `kind` devices, probed once per process by creating one
/// in a scratch namespace. `Ok(Err(why))` means it cannot.
fn kind_supported(opts: &ConformOptions, kind: &str) -> Result<Result<(), String>, ConformError> {
    const KINDS: [&str; 7] = ["veth", "ipvlan", "macvlan", "bareudp", "vxlan", "vxcan", "geneve"];
    static PROBES: [OnceLock<Result<(), String>>; KINDS.len()] = [const { OnceLock::new() }; KINDS.len()];
    let Some(slot) = KINDS.iter().position(|k| *k == kind).map(|i| &PROBES[i]) else {
        return Ok(Err(format!("unknown device type {kind}")));
    };
    if let Some(known) = slot.get() {
        return Ok(known.clone());
    }
    let mut run = Run::new(opts);
    let ns = run.create_private("probe")?;
    let lower = ["-n", &ns, "link", "add", "p0", "type", "veth", "peer", "name", "p1"];
    let args: Vec<&str> = match kind {
        "ipvlan" => vec!["link", "add", "p2", "link", "p0", "type", "ipvlan", "mode", "l2"],
        "macvlan" => vec!["link", "add", "p2", "link", "p0", "type", "macvlan"],
        "bareudp" => vec!["link", "add", "p2", "type", "bareudp", "dstport", "6635", "ethertype", "0x8847"],
        "vxlan" => vec!["link", "add", "p2", "type", "vxlan", "id", "1", "dstport", "4789"],
        "vxcan" => vec!["link", "add", "p2", "type", "vxcan", "peer", "name", "p3"],
        "geneve" => vec!["link", "add", "p2", "type", "geneve", "id", "1", "remote", "10.0.0.1"],
        _ => Vec::new(),
    };
    let mut result = run.ip_status(&lower)?;
    if result.is_ok() && !args.is_empty() {
        let argv: Vec<&str> = ["-n", ns.as_str()].into_iter().chain(args).collect();
        result = run.ip_status(&argv)?;
    }
    // Another thread may have probed meanwhile; both answers are the same.
    let _ = slot.set(result.clone());
    Ok(result)
}

fn outcome(
    cmd: &ScriptCommand,
    argv: Vec<String>,
    background: bool,
    status: Option<i32>,
    stderr: String,
) -> CommandOutcome {
    CommandOutcome { loc: cmd.loc.clone(), text: cmd.text.clone(), argv, background, status, stderr }
}

/// What `ip` said on stderr, as text for reports.
fn stderr_text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).trim_end().to_owned()
}

fn ip_output<I, S>(ip: &Path, args: I) -> Result<Output, ConformError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    Command::new(ip)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|source| ConformError::Spawn { program: ip.display().to_string(), source })
}

/// One run's private namespaces and unfinished background commands; dropping it kills the
/// commands and deletes the namespaces, whatever way the run ends.
struct Run<'o> {
    opts: &'o ConformOptions,
    /// Script netns name -> private name. Every private name is unique to this run, so
    /// deleting whichever of them exist touches only namespaces this run made.
    names: BTreeMap<String, String>,
    /// The stand-in for the initial namespace (empty until created).
    init: String,
    /// Private namespaces made by the runner itself (stand-in, probe, barrier).
    own: Vec<String>,
    /// Background commands not yet joined, with their index in the command list.
    children: Vec<(usize, Child)>,
}

impl<'o> Run<'o> {
    fn new(opts: &'o ConformOptions) -> Self {
        Run { opts, names: BTreeMap::new(), init: String::new(), own: Vec::new(), children: Vec::new() }
    }

    /// A fresh private name for `name`: `rtnlmc-<pid>-<n>-NAME`, `n` unique in the process.
    fn private_name(&self, name: &str) -> String {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let mut keep = name.len().min(NAME_KEEP);
        while !name.is_char_boundary(keep) {
            keep -= 1;
        }
        format!("{PRIVATE_PREFIX}{}-{n}-{}", std::process::id(), &name[..keep])
    }

    /// Creates a private namespace for the runner's own use.
    fn create_private(&mut self, what: &str) -> Result<String, ConformError> {
        let name = self.private_name(what);
        let output = self.ip_output(&["netns", "add", name.as_str()])?;
        if !output.status.success() {
            return Err(ConformError::Setup { name, stderr: stderr_text(&output) });
        }
        self.own.push(name.clone());
        Ok(name)
    }

    /// The private name of a script netns, or of the initial namespace's stand-in for `None`.
    fn private(&self, name: Option<&str>) -> String {
        match name {
            // Every name of the script was mapped before the first command ran.
            Some(name) => self.names.get(name).cloned().unwrap_or_else(|| name.to_owned()),
            None => self.init.clone(),
        }
    }

    /// The `ip` arguments for a script command, with private names. Built from the parsed
    /// command rather than its text, so every namespace reference is mapped.
    fn argv(&self, cmd: &ScriptCommand) -> Vec<String> {
        let mut argv: Vec<String> = Vec::new();
        let mut push = |words: &[&str]| argv.extend(words.iter().map(|w| (*w).to_owned()));
        let ns = self.private(cmd.netns.as_deref());
        match &cmd.op {
            Op::NetnsAdd { name } => push(&["netns", "add", &self.private(Some(name))]),
            Op::NetnsDel { name } => push(&["netns", "del", &self.private(Some(name))]),
            Op::LinkSetNetns { name, target } => {
                push(&["-n", &ns, "link", "set", "dev", name, "netns", &self.private(Some(target))])
            }
            Op::LinkDel { name } => push(&["-n", &ns, "link", "del", "dev", name]),
            // Never run: holds_skip_reason() skips such scripts.
            Op::NetdevHold { .. } | Op::NetdevPut { .. } => {}
            Op::ModuleRemove { .. } => {
                unreachable!("run_on_kernel() refuses module statements before running anything")
            }
            Op::LinkAdd { name, target, kind } => {
                push(&["-n", &ns, "link", "add", "name", name]);
                if let Some(t) = target {
                    push(&["netns", &self.private(Some(t))]);
                }
                match kind {
                    LinkKind::Veth { peer, peer_netns }
                    | LinkKind::Vxcan { peer, peer_netns }
                    | LinkKind::Netkit { peer, peer_netns } => {
                        push(&["type", kind.type_name(), "peer", "name", peer]);
                        if let Some(pns) = peer_netns {
                            push(&["netns", &self.private(Some(pns))]);
                        }
                    }
                    LinkKind::Ipvlan { link, link_netns, mode }
                    | LinkKind::Ipvtap { link, link_netns, mode }
                    | LinkKind::Macvlan { link, link_netns, mode } => {
                        push(&["link", link]);
                        if let Some(lns) = link_netns {
                            push(&["link-netns", &self.private(Some(lns))]);
                        }
                        push(&["type", kind.type_name()]);
                        if let Some(mode) = mode {
                            push(&["mode", mode]);
                        }
                    }
                    LinkKind::Bareudp { dstport, ethertype } => push(&[
                        "type",
                        "bareudp",
                        "dstport",
                        &dstport.to_string(),
                        "ethertype",
                        ethertype_number(ethertype),
                    ]),
                    LinkKind::Vxlan { id, dstport } => {
                        push(&["type", "vxlan", "id", &id.to_string(), "dstport", &dstport.to_string()])
                    }
                    LinkKind::Geneve { id, remote: [a, b, c, d], dstport, link_netns } => {
                        if let Some(lns) = link_netns {
                            push(&["link-netns", &self.private(Some(lns))]);
                        }
                        let remote = format!("{a}.{b}.{c}.{d}");
                        push(&["type", "geneve", "id", &id.to_string(), "remote", &remote]);
                        push(&["dstport", &dstport.to_string()]);
                    }
                    LinkKind::Ipip { remote: [a, b, c, d], local: [e, f, g, h], link_netns } => {
                        if let Some(lns) = link_netns {
                            push(&["link-netns", &self.private(Some(lns))]);
                        }
                        let (remote, local) = (format!("{a}.{b}.{c}.{d}"), format!("{e}.{f}.{g}.{h}"));
                        push(&["type", "ipip", "remote", &remote, "local", &local]);
                    }
                }
            }
        }
        argv
    }

    fn ip_output<S: AsRef<OsStr>>(&self, args: &[S]) -> Result<Output, ConformError> {
        ip_output(&self.opts.ip, args)
    }

    /// Runs `ip` and turns a failure into `Err(stderr)`.
    fn ip_status<S: AsRef<OsStr>>(&self, args: &[S]) -> Result<Result<(), String>, ConformError> {
        let out = self.ip_output(args)?;
        Ok(if out.status.success() { Ok(()) } else { Err(stderr_text(&out)) })
    }

    fn spawn_ip(&self, args: &[String]) -> Result<Child, ConformError> {
        Command::new(&self.opts.ip)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| ConformError::Spawn { program: self.opts.ip.display().to_string(), source })
    }

    /// Waits for every background command and records how each ended.
    fn join(&mut self, commands: &mut [CommandOutcome]) -> Result<(), ConformError> {
        // Popped one at a time so that on error the rest stay in the guard, to be killed.
        while let Some((index, child)) = self.children.pop() {
            let output = child
                .wait_with_output()
                .map_err(|source| ConformError::Spawn { program: self.opts.ip.display().to_string(), source })?;
            if let Some(slot) = commands.get_mut(index) {
                slot.status = output.status.code();
                slot.stderr = stderr_text(&output);
            }
        }
        Ok(())
    }

    /// Waits until the kernel has finished destroying the namespaces the script deleted.
    ///
    /// cleanup_net() runs on the ordered `netns` workqueue and takes every net queued so
    /// far, so once a namespace destroyed *after* the script's has been cleaned up, theirs
    /// have been too. That is observable: a veth peer in a namespace that survives
    /// disappears when the other end's namespace is cleaned up. Gives up quietly at the
    /// settle timeout; [`Run::settle`] still reads until stable.
    fn cleanup_barrier(&mut self) -> Result<(), ConformError> {
        let keep = self.create_private("bar0")?;
        let doomed = self.create_private("bar1")?;
        let setup: [&str; 12] =
            ["-n", &keep, "link", "add", "b0", "type", "veth", "peer", "name", "b1", "netns", &doomed];
        if self.ip_status(&setup)?.is_err() || self.ip_status(&["netns", "del", &doomed])?.is_err() {
            return Ok(());
        }
        let start = Instant::now();
        while start.elapsed() < self.opts.settle_timeout {
            interrupt::check()?;
            if read_devices(&self.opts.ip, &keep)?.is_empty() {
                break;
            }
            thread::sleep(Duration::from_millis(10));
        }
        Ok(())
    }

    /// Reads the script's namespaces until `settle_reads` consecutive reads agree.
    fn settle(&self) -> Result<(NetnsState, bool), ConformError> {
        let mut last = self.read_state()?;
        let mut stable = 1;
        let start = Instant::now();
        while stable < self.opts.settle_reads {
            if start.elapsed() >= self.opts.settle_timeout {
                return Ok((last, false));
            }
            thread::sleep(self.opts.settle_interval);
            interrupt::check()?;
            let now = self.read_state()?;
            if now == last {
                stable += 1;
            } else {
                stable = 1;
                last = now;
            }
        }
        Ok((last, true))
    }

    fn read_state(&self) -> Result<NetnsState, ConformError> {
        let mut state = NetnsState::new();
        for (name, private) in &self.names {
            if netns_exists(private) {
                state.insert(name.clone(), read_devices(&self.opts.ip, private)?);
            }
        }
        let init = read_devices(&self.opts.ip, &self.init)?;
        if !init.is_empty() {
            state.insert(INIT_NETNS.to_owned(), init);
        }
        Ok(state)
    }
}

impl Drop for Run<'_> {
    fn drop(&mut self) {
        for (_, child) in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        let names = self.names.values().chain(&self.own);
        for name in names.filter(|n| netns_exists(n)) {
            // Best effort: nothing more can be done about a failure inside drop.
            let _ = ip_output(&self.opts.ip, ["netns", "del", name.as_str()]);
        }
    }
}

/// Fallback tunnels a tunnel module creates in every namespace while it is loaded
/// (`ip_tunnel_init_net()`, unless `net.core.fb_tunnels_only_for_init_net` says otherwise);
/// the model has none (docs/kernel-map.md, ipip), so they are not part of the state compared.
const FALLBACK_TUNNELS: &[&str] = &["tunl0", "gre0", "gretap0", "erspan0", "ip_vti0", "sit0", "ip6tnl0", "ip6gre0"];

/// Device names of a namespace, sorted, without `lo` and fallback tunnels, from `ip -j link
/// show`. JSON gives `ifname` without the `@peer` suffix of the text output (a device name may
/// contain `@`).
fn read_devices(ip: &Path, netns: &str) -> Result<Vec<String>, ConformError> {
    #[derive(Deserialize)]
    struct Link {
        ifname: String,
    }
    let output = ip_output(ip, ["-n", netns, "-j", "link", "show"])?;
    let fail = |detail: String| ConformError::State { netns: netns.to_owned(), detail };
    if !output.status.success() {
        return Err(fail(stderr_text(&output)));
    }
    let links: Vec<Link> = serde_json::from_slice(&output.stdout).map_err(|e| fail(e.to_string()))?;
    let mut names: Vec<String> =
        links.into_iter().map(|l| l.ifname).filter(|n| n != "lo" && !FALLBACK_TUNNELS.contains(&n.as_str())).collect();
    names.sort();
    Ok(names)
}

/// SIGINT/SIGTERM while a run is in progress: the handler only records the signal; the run
/// notices it between steps, unwinds through its drop guard, and the signal is re-raised
/// with its previous disposition once the last concurrent run is over.
///
/// Best effort: the handler is installed with `signal(2)` through std's libc (no extra
/// dependency), and two runs starting and ending at the same instant may briefly leave the
/// default disposition in place.
mod interrupt {
    use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};

    use super::ConformError;

    static PENDING: AtomicI32 = AtomicI32::new(0);
    static ACTIVE: AtomicUsize = AtomicUsize::new(0);

    /// Fails with [`ConformError::Interrupted`] once a caught signal is pending.
    pub(super) fn check() -> Result<(), ConformError> {
        match PENDING.load(Ordering::SeqCst) {
            0 => Ok(()),
            sig => Err(ConformError::Interrupted(sig)),
        }
    }

    /// While alive, SIGINT and SIGTERM are caught instead of killing the process.
    #[derive(Debug)]
    pub(super) struct Armed(());

    pub(super) fn arm() -> Armed {
        if ACTIVE.fetch_add(1, Ordering::SeqCst) == 0 {
            sys::install();
        }
        Armed(())
    }

    impl Drop for Armed {
        fn drop(&mut self) {
            if ACTIVE.fetch_sub(1, Ordering::SeqCst) == 1 {
                sys::restore();
                let sig = PENDING.swap(0, Ordering::SeqCst);
                if sig != 0 {
                    sys::raise_signal(sig);
                }
            }
        }
    }

    #[cfg(target_os = "linux")]
    mod sys {
        use std::ffi::c_int;
        use std::sync::atomic::{AtomicUsize, Ordering};

        use super::PENDING;

        const SIGINT: c_int = 2;
        const SIGTERM: c_int = 15;
        const SIGNALS: [c_int; 2] = [SIGINT, SIGTERM];
        const SIG_IGN: usize = 1;
        const SIG_ERR: usize = usize::MAX;
        /// Dispositions replaced by `install`, restored by `restore`.
        static PREVIOUS: [AtomicUsize; 2] = [AtomicUsize::new(0), AtomicUsize::new(0)];

        extern "C" {
            fn signal(signum: c_int, handler: usize) -> usize;
            fn raise(sig: c_int) -> c_int;
        }

        /// Async-signal-safe: one atomic store.
        extern "C" fn on_signal(sig: c_int) {
            PENDING.store(sig, Ordering::SeqCst);
        }

        pub(super) fn install() {
            let handler = on_signal as extern "C" fn(c_int) as usize;
            for (sig, previous) in SIGNALS.into_iter().zip(&PREVIOUS) {
                // SAFETY: `on_signal` is an `extern "C" fn(c_int)` that only stores to an
                // atomic, which is async-signal-safe.
                let old = unsafe { signal(sig, handler) };
                if old == SIG_IGN {
                    // Keep an ignored signal ignored (e.g. under nohup).
                    // SAFETY: restoring the disposition signal() just returned.
                    unsafe { signal(sig, old) };
                }
                previous.store(if old == SIG_ERR { 0 } else { old }, Ordering::SeqCst);
            }
        }

        pub(super) fn restore() {
            for (sig, previous) in SIGNALS.into_iter().zip(&PREVIOUS) {
                // SAFETY: `previous` holds a disposition signal() returned (or SIG_DFL).
                unsafe { signal(sig, previous.load(Ordering::SeqCst)) };
            }
        }

        pub(super) fn raise_signal(sig: c_int) {
            // SAFETY: raise() has no memory-safety preconditions.
            unsafe { raise(sig) };
        }
    }

    #[cfg(not(target_os = "linux"))]
    mod sys {
        pub(super) fn install() {}
        pub(super) fn restore() {}
        pub(super) fn raise_signal(_sig: i32) {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_names_are_unique_and_bounded() {
        let opts = ConformOptions::default();
        let run = Run::new(&opts);
        let long = "é".repeat(200);
        let a = run.private_name(&long);
        let b = run.private_name(&long);
        assert_ne!(a, b);
        assert!(a.len() < 100 && a.starts_with(PRIVATE_PREFIX));
    }

    #[test]
    fn ethertypes_become_numbers() {
        assert_eq!(ethertype_number("ipv4"), "0x0800");
        assert_eq!(ethertype_number("0x1234"), "0x1234");
    }
}
