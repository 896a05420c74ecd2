# Mutant: lock-peer-net-directly.
# Two veth pairs span ns1 and ns2 in opposite directions; each is deleted from the netns of its
# first end. The series hands each peer to its own netns's work. A veth_dellink() that instead
# takes the peer netns's per-netns lock while holding its own nests ns1 -> ns2 for the first
# delete and ns2 -> ns1 for the second: an ABBA within &net->rtnl_mutex that the lock-order
# graph reports (S8), although RTNL serialises the two deletes.
# Expected (faithful): ns1 and ns2 end empty.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add veth0 type veth peer name veth1 netns ns2
ip -n ns2 link add veth2 type veth peer name veth3 netns ns1
ip -n ns1 link del veth0
ip -n ns2 link del veth2
