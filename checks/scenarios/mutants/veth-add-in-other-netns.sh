# Mutant: newlink-no-target-net.
# A veth created from ns1 directly in ns2 (`netns ns2` before `type`), its peer left in ns1:
# rtnl_newlink() locks ns1 (the socket's and the peer's net) and ns2 (the target), and
# registers veth0 in ns2. The mutant forgets the target: veth0 goes on ns2's device lists
# without ns2->rtnl_mutex (S16). Then ns2 is deleted, which hands veth1 to ns1's work.
# Expected (faithful): veth1 in ns1 is deleted with its peer; ns1 ends empty.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add veth0 netns ns2 type veth peer name veth1
ip netns del ns2
