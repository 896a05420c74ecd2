# The socket netns and the device's netns of a moved vxlan are destroyed at once.
# Mutant: ops-exit-rtnl-no-split. When both die in one cleanup batch, ns1's exit_rtnl queues
# vx0, which lives in ns2, a net of the same batch: without the per-netns split of
# ops_exit_rtnl_list() vx0 is unregistered by the final unregister_netdevice_many() without
# ns2's lock (S5).
# Expected: both namespaces gone; vx0 is unregistered exactly once.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add vx0 type vxlan id 7 dstport 4789
ip -n ns1 link set vx0 netns ns2
ip netns del ns1 &
ip netns del ns2 &
wait
