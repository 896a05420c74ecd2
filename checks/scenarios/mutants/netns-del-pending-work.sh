# Mutants: no-flush-before-free, flush-not-woken.
# Deleting veth0 hands veth1 to ns2's work; ns2 is then destroyed. If cleanup_net() gets there
# before that work runs, the exit drains veth1 itself, and only the flush in
# default_device_exit_batch() keeps struct net ns2 alive until its still pending work is done.
# no-flush-before-free: ns2 is freed with its rtnl_work pending (S7), and the work then runs
# on freed memory. flush-not-woken: the work's end wakes no flusher, and cleanup_net()'s
# flush of rtnl_net_wq sleeps for ever (L5).
# Expected (faithful): ns1 empty, ns2 gone.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add veth0 type veth peer name veth1 netns ns2
ip -n ns1 link del veth0
ip netns del ns2
