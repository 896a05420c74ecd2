# An ipip tunnel created from ns1 directly in ns2 (`netns ns2`): the device lives in ns2, the
# tunnel in ns1's hash (its link net, rtnl_newlink_link_net()). ns1's destruction takes it:
# unconverted, on the exit's list for the final unregister_netdevice_many() under RTNL only
# (S5 note); converted (--variant followup-ip-tunnel), through ns2's queue. A second tunnel
# with the same addresses in ns1's hash is refused (EEXIST) while the first exists.
# Expected: ns2 ends empty. Needs CONFIG_NET_IPIP.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add ipip1 netns ns2 type ipip remote 10.0.0.1 local 10.0.0.2
ip -n ns1 link add ipip2 type ipip remote 10.0.0.1 local 10.0.0.2
ip netns del ns1
