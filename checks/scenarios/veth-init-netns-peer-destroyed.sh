# Intentionally uses the initial namespace: a pair from init_net to ns1, then ns1 is
# destroyed. Expected: veth1 dies with ns1 and veth0 in init_net goes with it.
# (The conformance runner stands in a private namespace for init_net.)
# Mutant nets-sort-by-address: the newlink locks ns1 before init_net, which has the highest
# address, against rtnl_net_cmp_locks()'s "init_net first" (S8).
ip netns add ns1
ip link add veth0 type veth peer name veth1 netns ns1
ip netns del ns1
