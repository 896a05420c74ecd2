# Mutants: geneve-no-empty-check, geneve-no-lock (both with --variant followup-geneve).
# gnv0 lives in ns2, its socket in ns1 (link-netns). Destroying ns1 makes
# geneve_exit_rtnl_net() hand gnv0 to ns2's queue (list_del_init on geneve->next is the token).
# A user deleting gnv0 before ns2's work runs must see the token and leave it to the queue.
# geneve-no-empty-check: the delete queues gnv0 a second time (S4).
# geneve-no-lock: geneve_configure edits ns1's geneve_list without gn->lock (S16).
# Expected (faithful, with or without the variant): ns1 gone, ns2 empty; the delete may fail
# with "Cannot find device".
ip netns add ns1
ip netns add ns2
ip -n ns2 link add gnv0 link-netns ns1 type geneve id 1 remote 10.0.0.1
ip netns del ns1
ip -n ns2 link del gnv0
