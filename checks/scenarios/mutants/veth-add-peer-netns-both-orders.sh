# Mutant: nets-unsorted.
# Two newlinks whose peer netns sorts after the socket's netns in one and before it in the
# other. rtnl_nets_lock() must take the per-netns locks in rtnl_net_lock_cmp_fn() order;
# taking them in the caller's order nests ns2 -> ns1 in the first command (S8).
# Expected (faithful): both pairs exist, veth0 and veth3 in ns2, veth1 and veth2 in ns1.
ip netns add ns1
ip netns add ns2
ip -n ns2 link add veth0 type veth peer name veth1 netns ns1
ip -n ns1 link add veth2 type veth peer name veth3 netns ns2
