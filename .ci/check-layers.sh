#!/usr/bin/env bash
# The model's core imports no driver: drivers register their ops at boot (model/src/drivers.rs)
# and the core calls them only through those ops, as the kernel does. A core module that names
# a driver module (a path such as crate::veth, veth::..., or a `use crate::{..., veth}` list)
# fails this check. DRIVERS is the one list of driver modules; add a new driver here.
set -euo pipefail
cd "$(dirname "$0")/.."
DRIVERS=(veth vxcan netkit ipvlan_main ipvtap macvlan bareudp vxlan_core geneve ipip)
CORE=(model/src/sync model/src/lockdep.rs model/src/kernel.rs model/src/observe.rs model/src/netdevice.rs
      model/src/dev.rs model/src/lock_debug.rs model/src/rtnetlink.rs model/src/net_namespace.rs model/src/workqueue.rs
      model/src/module.rs)
alt=$(IFS='|'; echo "${DRIVERS[*]}")
files=()
for c in "${CORE[@]}"; do
    [ -e "$c" ] && files+=("$c")
done
# Comments may name drivers (the C they model does); code may not.
hits=$(grep -rnE --include='*.rs' "(crate|super)::($alt)\b|\b($alt)::|use crate::\{[^}]*\b($alt)\b" "${files[@]}" \
    | grep -vE '^[^:]+:[0-9]+:\s*//' || true)
if [ -n "$hits" ]; then
    echo "a core module of the model names a driver (register ops in the driver's init instead):" >&2
    echo "$hits" >&2
    exit 1
fi
# Nor may the core's code keep a driver's data: an identifier such as `bareudp_list` or
# `veth_peer` in a core struct belongs behind net_generic() or in the driver's private data.
# String literals (trace probe names) and comments are not code.
prefixes="veth|vxcan|netkit|ipvlan|ipvtap|macvlan|bareudp|vxlan|geneve|ipip|ip_tunnel"
state=$(for f in $(find "${files[@]}" -name '*.rs'); do
    sed -E 's#//.*$##; s#"([^"\\]|\\.)*"#""#g' "$f" | grep -nE "\b($prefixes)_[a-z_]+\b" | sed "s#^#$f:#"
done || true)
if [ -n "$state" ]; then
    echo "a core module of the model holds a driver's data (use net_generic() or the driver's priv):" >&2
    echo "$state" >&2
    exit 1
fi
echo "check-layers: the model's core (${#files[@]} modules) names no driver (${DRIVERS[*]}) and holds none of their data"
