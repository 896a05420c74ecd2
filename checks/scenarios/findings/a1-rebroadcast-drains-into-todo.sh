# Hazard A1: veth0's deleter waits in netdev_wait_allrefs_any() for ipvl2 (in ns2's work) to
# put the ipvlan port's reference on veth0. Meanwhile ns4's command hands veth5 to ns1's queue.
# The wait's NETDEV_UNREGISTER re-broadcast takes __rtnl_net_lock(ns1) and __rtnl_net_unlock()
# drains ns1's queue, so veth5 lands on net_todo_list, and then __rtnl_unlock() (not
# rtnl_unlock()) fires WARN_ON(!list_empty(&net_todo_list)). veth5 is then freed by whichever
# thread runs netdev_run_todo() next.
ip netns add ns1
ip netns add ns2
ip netns add ns4
ip -n ns1 link add veth0 type veth peer name veth1
ip -n ns2 link add ipvl2 link veth0 link-netns ns1 type ipvlan mode l2
ip -n ns1 link add veth5 type veth peer name veth6 netns ns4
ip -n ns1 link del veth0 &
ip -n ns4 link del veth6 &
wait
