# `modprobe -r veth` with a veth pair inside ns1: rtnl_link_unregister() finds veth0, whose
# veth_dellink() queues both ends on the unload's own list (same net), and its rtnl_unlock()
# frees both before veth_exit() returns. Expected in every mode but rtnl-free (where the
# unconverted unload fails S5): ns1 ends empty.
ip netns add ns1
ip -n ns1 link add veth0 type veth peer name veth1
modprobe -r veth
