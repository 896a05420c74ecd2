//! What a scenario asks the kernel to do: the ip(8) commands of a script, as plain data.
//!
//! The parser (in `rtnl-checks`) produces these; [`crate::userspace`] runs them against a
//! [`crate::Kernel`]. Names are the user's names: the model resolves them the way the kernel
//! does (a device name is looked up in the namespace the command runs in), so a command that
//! names something missing fails the way `ip` fails instead of being rejected up front.

use serde::{Deserialize, Serialize};

/// Where a command came from in its script, for messages that point at it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Loc {
    /// 1-based line.
    pub line: usize,
    /// 1-based column of the command's first character.
    pub col: usize,
}

/// A whole scenario: its name (file stem) and its steps in order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Script {
    pub name: String,
    pub steps: Vec<Step>,
}

/// One line of a script.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step {
    /// A command run to completion before the next line starts.
    Run(Command),
    /// A command ending in `&`: it runs concurrently with what follows until the next `wait`.
    Background(Command),
    /// `wait`: every background command started so far finishes before the next line.
    Wait(Loc),
}

/// One command (`ip`, `modprobe -r` or `rmmod`) with the namespace it runs in (`ip -n NS`),
/// `None` for the initial one and for module statements.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Command {
    pub loc: Loc,
    /// The command as written, for traces and messages.
    pub text: String,
    pub netns: Option<String>,
    pub op: Op,
}

/// The ip(8) operations the language covers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// `ip netns add NAME`
    NetnsAdd { name: String },
    /// `ip netns del NAME`
    NetnsDel { name: String },
    /// `ip link add NAME [netns NS] ...`: `target` is the namespace the device is created in
    /// (`IFLA_NET_NS_FD`), else the command's own.
    LinkAdd {
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target: Option<String>,
        kind: LinkKind,
    },
    /// `ip link set NAME netns NS`
    LinkSetNetns { name: String, target: String },
    /// `ip link del NAME`
    LinkDel { name: String },
    /// `netdev_hold [-n NS] DEV TRACKER [until unregister|rebroadcast]`: an outside reference on
    /// DEV, as a socket or a dst takes one, named TRACKER (see [`crate::holders`]).
    NetdevHold { dev: String, tracker: String, until: Release },
    /// `netdev_put TRACKER`: drops the reference `netdev_hold ... TRACKER` took.
    NetdevPut { tracker: String },
    /// `modprobe -r MODULE` or `rmmod MODULE`: unloads a driver's module, deleting its devices
    /// in every namespace ([`crate::module`]). Not per namespace: its command has no `-n`.
    ModuleRemove { module: String, tool: UnloadTool },
}

/// When a `netdev_hold` reference goes, besides an explicit `netdev_put`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Release {
    /// Only by `netdev_put TRACKER` (a holder that ignores the notifier: the classic leak if
    /// the script never puts it).
    Put,
    /// `until unregister`: at the first NETDEV_UNREGISTER of the device (a packet socket's
    /// `packet_notifier()`), a netns move included.
    Unregister,
    /// `until rebroadcast`: at a NETDEV_UNREGISTER delivered once the device is UNREGISTERED,
    /// which only `netdev_wait_allrefs_any()`'s re-broadcast sends (a protocol that re-took it).
    Rebroadcast,
}

impl Release {
    /// The `until ...` words, empty for [`Release::Put`].
    pub fn until_text(self) -> &'static str {
        match self {
            Release::Put => "",
            Release::Unregister => " until unregister",
            Release::Rebroadcast => " until rebroadcast",
        }
    }
}

/// The tool of a module statement. Both end in `delete_module(2)`; they differ in messages
/// only, which the model does not print.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UnloadTool {
    /// `modprobe -r MODULE`
    ModprobeR,
    /// `rmmod MODULE`
    Rmmod,
}

impl UnloadTool {
    /// The command as written before the module's name.
    pub fn command(self) -> &'static str {
        match self {
            UnloadTool::ModprobeR => "modprobe -r",
            UnloadTool::Rmmod => "rmmod",
        }
    }

    /// The program's name, for thread names (`modprobe#5`).
    pub fn program(self) -> &'static str {
        match self {
            UnloadTool::ModprobeR => "modprobe",
            UnloadTool::Rmmod => "rmmod",
        }
    }
}

impl Op {
    /// Whether this is a module statement (`modprobe -r`, `rmmod`), which changes the whole
    /// machine rather than one namespace.
    pub fn is_module_statement(&self) -> bool {
        matches!(self, Op::ModuleRemove { .. })
    }
}

/// `GENEVE_UDP_PORT` (include/net/geneve.h): a geneve's `dstport` when none is given.
pub const GENEVE_UDP_PORT: u16 = 6081;

/// The `type ...` part of `ip link add`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkKind {
    /// `type veth peer [name] PEER [netns NS]`
    Veth { peer: String, peer_netns: Option<String> },
    /// `link DEV [link-netns NS] type ipvlan [mode M]`
    Ipvlan { link: String, link_netns: Option<String>, mode: Option<String> },
    /// `link DEV [link-netns NS] type ipvtap [mode M]`: an ipvlan with a tap character device
    /// (drivers/net/ipvlan/ipvtap.c), its own module
    Ipvtap { link: String, link_netns: Option<String>, mode: Option<String> },
    /// `link DEV [link-netns NS] type macvlan [mode M]`
    Macvlan { link: String, link_netns: Option<String>, mode: Option<String> },
    /// `type bareudp dstport P ethertype T`
    Bareudp { dstport: u16, ethertype: String },
    /// `type vxlan id N dstport P`
    Vxlan { id: u32, dstport: u16 },
    /// `type netkit peer [name] PEER [netns NS]` (built in, L3 mode)
    Netkit { peer: String, peer_netns: Option<String> },
    /// `type vxcan peer [name] PEER [netns NS]`
    Vxcan { peer: String, peer_netns: Option<String> },
    /// `[link-netns NS] type geneve id N remote A.B.C.D [dstport P]` (P defaults to 6081)
    Geneve { id: u32, remote: [u8; 4], dstport: u16, link_netns: Option<String> },
    /// `[link-netns NS] type ipip [remote A.B.C.D] [local A.B.C.D]` (0.0.0.0 when not given)
    Ipip { remote: [u8; 4], local: [u8; 4], link_netns: Option<String> },
}

impl LinkKind {
    /// The `type` keyword, as ip(8) spells it.
    pub fn type_name(&self) -> &'static str {
        match self {
            LinkKind::Veth { .. } => "veth",
            LinkKind::Ipvlan { .. } => "ipvlan",
            LinkKind::Ipvtap { .. } => "ipvtap",
            LinkKind::Macvlan { .. } => "macvlan",
            LinkKind::Bareudp { .. } => "bareudp",
            LinkKind::Vxlan { .. } => "vxlan",
            LinkKind::Vxcan { .. } => "vxcan",
            LinkKind::Netkit { .. } => "netkit",
            LinkKind::Geneve { .. } => "geneve",
            LinkKind::Ipip { .. } => "ipip",
        }
    }
}

impl Script {
    /// The first module statement of the script, if any (`conform` refuses such scripts).
    pub fn first_module_statement(&self) -> Option<&Command> {
        self.commands().find(|c| c.op.is_module_statement())
    }

    /// Every command of the script, in file order.
    pub fn commands(&self) -> impl Iterator<Item = &Command> {
        self.steps.iter().filter_map(|s| match s {
            Step::Run(c) | Step::Background(c) => Some(c),
            Step::Wait(_) => None,
        })
    }
}
