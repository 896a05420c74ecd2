# Mutants: bareudp-no-empty-check, bareudp-no-lock.
# bu0's socket lives in ns1, the device in ns2. Destroying ns1 makes bareudp_exit_rtnl_net()
# hand bu0 to ns2's queue (list_del_init on bareudp->next is the token). A user deleting bu0
# before ns2's work runs must see the token and leave it to the queue.
# bareudp-no-empty-check: the delete queues bu0 a second time (S4).
# bareudp-no-lock: bareudp_newlink edits ns1's bareudp_list without bn->lock (S16).
# Expected (faithful): ns1 gone, ns2 empty; the delete may fail with "Cannot find device".
ip netns add ns1
ip netns add ns2
ip -n ns1 link add bu0 type bareudp dstport 6635 ethertype ipv4
ip -n ns1 link set bu0 netns ns2
ip netns del ns1
ip -n ns2 link del bu0
