//! The boot path of the drivers: each driver's `module_init`, in the order the model boots them
//! (`do_initcalls()`, init/main.c). A driver registers its `rtnl_link_ops`
//! ([`crate::rtnetlink::rtnl_link_register`]), its netdevice notifier
//! ([`crate::dev::register_netdevice_notifier`]) and its pernet ops
//! ([`crate::net_namespace::register_pernet_subsys`]); the core then reaches it only through
//! them. This module and the drivers import the core; the core imports no driver
//! (`.ci/check-layers.sh`).

use crate::kernel::Kernel;
use crate::module::ThisModule;
use crate::{bareudp, geneve, ipip, ipvlan_main, ipvtap, macvlan, netkit, veth, vxcan, vxlan_core};

/// The drivers' `module_init` functions, in boot order. The order is visible: the notifier
/// chain calls ipvlan before macvlan, and `ops_exit_rtnl_list()` (last registered first) runs
/// geneve (a `late_initcall`), then vxlan, then bareudp.
pub const INITCALLS: &[fn(&mut Kernel)] = &[
    veth::veth_init,
    ipvlan_main::ipvlan_init_module,
    ipvtap::ipvtap_init,
    macvlan::macvlan_init_module,
    bareudp::bareudp_init_module,
    vxlan_core::vxlan_init_module,
    vxcan::vxcan_init,
    netkit::netkit_init,
    geneve::geneve_init_module,
    ipip::ipip_init,
];

/// The loadable modules and their `module_exit` functions, one per link type (each module is
/// named as its type): what `modprobe -r KIND` unloads ([`crate::module::delete_module`]).
pub const MODULES: &[ThisModule] = &[
    ThisModule { name: "veth", exit: veth::veth_exit, depends: &[], loaded_at_boot: true },
    ThisModule { name: "ipvlan", exit: ipvlan_main::ipvlan_cleanup_module, depends: &[], loaded_at_boot: true },
    ThisModule { name: "ipvtap", exit: ipvtap::ipvtap_exit, depends: &["ipvlan"], loaded_at_boot: false },
    ThisModule { name: "macvlan", exit: macvlan::macvlan_cleanup_module, depends: &[], loaded_at_boot: true },
    ThisModule { name: "bareudp", exit: bareudp::bareudp_cleanup_module, depends: &[], loaded_at_boot: true },
    ThisModule { name: "vxlan", exit: vxlan_core::vxlan_cleanup_module, depends: &[], loaded_at_boot: true },
    ThisModule { name: "vxcan", exit: vxcan::vxcan_exit, depends: &[], loaded_at_boot: true },
    ThisModule { name: "geneve", exit: geneve::geneve_cleanup_module, depends: &[], loaded_at_boot: true },
    ThisModule { name: "ipip", exit: ipip::ipip_fini, depends: &[], loaded_at_boot: true },
];

/// The names of the loadable modules, which a module statement may name.
pub fn module_names() -> Vec<&'static str> {
    MODULES.iter().map(|m| m.name).collect()
}

/// `do_initcalls()`: init/main.c. Runs the core's debug notifier's `subsys_initcall`, then every
/// driver's `module_init`, on a kernel that has `init_net` and no device, before it is shared.
pub fn do_initcalls(mut k: Kernel) -> Kernel {
    crate::lock_debug::rtnl_net_debug_init(&mut k);
    for initcall in INITCALLS {
        initcall(&mut k);
    }
    // The scenario's outside references, a protocol's notifier after the drivers'.
    crate::holders::holders_init(&mut k);
    k.ops.modules = MODULES.to_vec();
    k
}
