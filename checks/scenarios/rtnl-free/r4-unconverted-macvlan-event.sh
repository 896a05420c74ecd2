# rtnl-free R4: paths the series left unconverted unregister devices of other nets holding
# RTNL (or only the lower's net lock) but not those nets' locks. Deleting veth0 in ns1 makes
# macvlan_device_event unregister mv2, which lives in ns2, without ns2->rtnl_mutex (S5);
# with the global RTNL in rtnl_net_lock() that was safe, without it ns2's own users race it.
#   rtnl-check check checks/scenarios/rtnl-free/r4-unconverted-macvlan-event.sh --mode all \
#       --variant convert-net-todo-list --variant convert-adj-list-instance-lock
ip netns add ns1
ip netns add ns2
ip -n ns1 link add veth0 type veth peer name veth1
ip -n ns2 link add mv2 link veth0 link-netns ns1 type macvlan mode bridge
ip -n ns1 link del veth0
