# Mutants: exit-batch-nests-dying-nets.
# Two nets deleted one after the other: when cleanup_net() runs after the second put, both are
# in one batch, newest first (llist LIFO): ns2, then ns1. default_device_exit_batch() locks and
# unlocks each dying net in that order, never two at once. The deletes are sequential so the
# batch order is fixed; concurrent deletes would show both orders.
# exit-batch-nests-dying-nets: ns2's lock is still held when ns1's is taken, against
# rtnl_net_lock_cmp_fn()'s ascending order (S8).
# Expected (faithful): ns1 and ns2 are gone.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add veth0 type veth peer name veth1
ip -n ns2 link add veth2 type veth peer name veth3
ip netns del ns1
ip netns del ns2
