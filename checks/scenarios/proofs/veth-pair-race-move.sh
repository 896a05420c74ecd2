# kernel-notes §7.4 minimal scenario 4 (hazard A2): the veth pair race of veth-pair-race.sh
# plus a move of veth1 from ns2 to ns3 while it may sit on ns2's dev_unreg_head (queued
# there by the ns1 delete of its peer). The language has no "move under RTNL only" action,
# so the move is ip(8)'s own `link set netns`, run as a fourth concurrent command.
ip netns add ns1
ip netns add ns2
ip netns add ns3
ip -n ns1 link add veth0 type veth peer name veth1 netns ns2
ip -n ns1 link del veth0 &
ip -n ns2 link set veth1 netns ns3 &
ip -n ns2 link del veth1 &
ip netns del ns2 &
wait
