# The stacked case of hazard A7: ipvl0 in ns2 on veth0 in ns1; the lower is deleted while ipvlan
# is unloaded. The lower's NETDEV_UNREGISTER hands ipvl0 to ns2's queue, but the lower stays
# counted in dev_unreg_count until ipvlan_uninit() in ns2's work drops the port's reference on
# it, so rtnl_lock_unregistering_all() waits for that work; and ipvlan's exit then unregisters
# its notifier under every net's __rtnl_net_lock(), whose unlock drains. Expected: passes in
# pre-series and series; both nets end without ipvl0 and veth0.
# Mutant: unload-notifier-before-links: the notifier goes first, and veth0 is unregistered with
# ipvl0 still linked to it (S3).
ip netns add ns1
ip netns add ns2
ip -n ns1 link add veth0 type veth peer name veth1
ip -n ns2 link add ipvl0 link veth0 link-netns ns1 type ipvlan mode l2
ip -n ns1 link del veth0 &
modprobe -r ipvlan &
wait
