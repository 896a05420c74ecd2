//! rtnl-model: an executable specification of network-device unregistration across network
//! namespaces in the Linux kernel, before and after the net-next series "net: Support
//! per-netns device unregistration" (Kuniyuki Iwashima, 2026-07).
//!
//! Each module models one C file and keeps its functions' names and step order; each function's
//! doc comment names the file and the commit it models (minuscat/net-next "MN", and
//! multipath-tcp/mptcp_net-next "MP", as in kernel-notes.md). The code runs on real threads,
//! under loom or under shuttle, through [`sync`].
//!
//! # Abstracted away
//! Data paths, qdiscs, XDP, kobjects, netlink notifications, RCU (a yield point), `lo` and
//! physical devices, tunnel fallback devices (`tunl0`), `pernet_ops_rwsem` (except with a module
//! statement, [`module`]), time (the 1 s re-broadcasts in `netdev_wait_allrefs_any()` are
//! `Config::rebroadcasts` passes, 0 to 2, each a locked section the explorers may delay), and
//! CPUs beyond `Config::wq_cpus` (`rtnl-check --cpus`: 2 under loom and dpor where loom's five
//! threads allow, else 1).

pub mod sync;

pub mod lockdep;
pub mod mutants;
pub(crate) mod observe;
pub mod properties;
pub mod script;

pub mod dev;
pub mod kernel;
pub(crate) mod lock_debug;
pub mod module;
pub(crate) mod net_namespace;
pub(crate) mod netdevice;
pub(crate) mod rtnetlink;
pub(crate) mod workqueue;

pub(crate) mod bareudp;
pub(crate) mod drivers;
pub(crate) mod geneve;
pub(crate) mod holders;
pub(crate) mod ipip;
pub(crate) mod ipvlan_main;
pub(crate) mod ipvtap;
pub(crate) mod macvlan;
pub(crate) mod netkit;
pub(crate) mod veth;
pub(crate) mod vxcan;
pub(crate) mod vxlan_core;

pub(crate) mod invariants;
pub mod machine;
pub mod probe_driver;
pub mod userspace;
pub mod variants;

pub use drivers::module_names;
pub use kernel::{AddrOrder, Config, Kernel, Mode, Placement};
pub use machine::{execute, Machine, Outcome, Report};
pub use mutants::Mutant;
pub use properties::{Property, Violation};
