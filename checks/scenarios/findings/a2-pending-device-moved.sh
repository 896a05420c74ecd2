# Hazard A2: deleting veth0 hands its peer veth1 to ns2's queue; a concurrent move takes veth1
# to ns3 while it is pending. unregister_netdevice_move_net() moves the entry to ns3's queue
# but queues no work for ns3. In the series the mover is rtnl_setlink(), whose
# rtnl_nets_unlock() ends with __rtnl_net_unlock(ns3), which drains it. The probe variant
# probe-a2-move-under-rtnl-only stands for a mover that holds RTNL alone.
ip netns add ns1
ip netns add ns2
ip netns add ns3
ip -n ns1 link add veth0 type veth peer name veth1 netns ns2
ip -n ns1 link del veth0 &
ip -n ns2 link set veth1 netns ns3 &
wait
