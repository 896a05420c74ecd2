# rtnl-free R5 (hazard A4 without RTNL): veth_dellink() hands the peer to the queue of a net it
# holds neither a reference nor a lock on. Under RTNL, ns2's exit (default_device_exit_batch)
# cannot run between the xchg() token and the queueing; without it, ns2 is torn down in that
# window: veth1 is left in a freed net (S6) and the queueing touches the freed net (S1).
#   rtnl-check check checks/scenarios/rtnl-free/r5-veth-peer-netns-exit.sh --mode all \
#       --variant convert-net-todo-list --variant convert-adj-list-instance-lock
ip netns add ns1
ip netns add ns2
ip -n ns1 link add veth0 type veth peer name veth1 netns ns2
ip -n ns1 link del veth0 &
ip netns del ns2 &
wait
