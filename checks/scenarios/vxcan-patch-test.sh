# The test of 703b31d21e52 ("vxcan: Support per-netns device unregistration."): two pairs
# from ns1 into ns2, one deleted from ns2, then ns2 destroyed. With --variant followup-vxcan
# vxcan1 and vxcan3 in ns1 are handed to ns1's queue and freed by rtnl_net_work_func(ns1);
# unconverted (series) and pre-series, the deleting thread and cleanup_net() unregister them.
# Expected: ns2 is gone and ns1 ends empty.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add vxcan1 type vxcan peer name vxcan2 netns ns2
ip -n ns1 link add vxcan3 type vxcan peer name vxcan4 netns ns2
ip -n ns2 link del vxcan2
ip netns del ns2
