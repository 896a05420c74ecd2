# Unloading ipvtap (loaded by the first ipvtap) while its lower is deleted: veth0's
# NETDEV_UNREGISTER hands ipvt2 to ns2's queue through __ipvtap_dellink_ptr, and
# rtnl_link_unregister(&ipvtap_link_ops) kills whatever ipvtap is not dying yet. ipvlan cannot
# go while ipvtap uses it.
# Expected: ipvt2 gone, veth0 and veth1 gone; "modprobe -r ipvlan" refused while ipvtap is
# loaded (EWOULDBLOCK), so it is whether it runs before or after the ipvtap unload.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add veth0 type veth peer name veth1
ip -n ns2 link add ipvt2 link veth0 link-netns ns1 type ipvtap mode l2
modprobe -r ipvlan
ip -n ns1 link del veth0 &
modprobe -r ipvtap &
wait
