# Hazard A6, rescued: the A6 script, then ns3 is destroyed. The hang of A6 lasts until someone
# runs __rtnl_net_unlock(ns3), which drains ns3->dev_unreg_head on its own thread. ns3's
# destruction does so: if ipvl3 is already queued, ops_exit_rtnl_list()'s unlock of ns3
# unregisters it, its ipvlan_uninit() puts the port's reference on veth1 and ns2's work
# returns; if not yet, default_device_exit_batch() deletes ipvl3 first, and veth1 no longer
# waits for it. Expected: every schedule completes; ns1, ns2 end empty.
ip netns add ns1
ip netns add ns2
ip netns add ns3
ip -n ns1 link add veth0 type veth peer name veth1 netns ns2
ip -n ns3 link add ipvl3 link veth1 link-netns ns2 type ipvlan mode l2
ip -n ns1 link del veth0
ip netns del ns3
