# rtnl-free R2: a lower's adjacency lists are edited by uppers that live in other nets. ipvl2
# is unlinked from veth0 under ns2->rtnl_mutex alone, ipvl3 was linked under ns1 and ns3's
# locks: no lock is common to the edits (S14). Past R1 with its conversion:
#   rtnl-check check checks/scenarios/rtnl-free/r2-adj-list.sh --mode rtnl-free \
#       --variant convert-net-todo-list
ip netns add ns1
ip netns add ns2
ip netns add ns3
ip -n ns1 link add veth0 type veth peer name veth1
ip -n ns2 link add ipvl2 link veth0 link-netns ns1 type ipvlan mode l2
ip -n ns3 link add ipvl3 link veth0 link-netns ns1 type ipvlan mode l2
ip -n ns2 link del ipvl2
