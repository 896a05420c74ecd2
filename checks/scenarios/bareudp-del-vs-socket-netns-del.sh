# A moved bareudp is deleted from ns2 while its socket netns is destroyed; list_del_init on
# bareudp->next marks it queued so it is unregistered exactly once. Expected: ns1 gone,
# ns2 empty; the delete may fail with "Cannot find device".
ip netns add ns1
ip netns add ns2
ip -n ns1 link add bu0 type bareudp ethertype ipv4 dstport 6635
ip -n ns1 link set bu0 netns ns2
ip -n ns2 link del bu0 &
ip netns del ns1 &
wait
