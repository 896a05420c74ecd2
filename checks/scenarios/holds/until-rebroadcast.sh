# Needs --rebroadcasts 1 or 2 (the default is 1). A protocol that took veth1 again after its
# first NETDEV_UNREGISTER drops it only when netdev_wait_allrefs_any() re-broadcasts the
# event: the reason the re-broadcast exists. With --rebroadcasts 0 (every reference went
# within a second) nothing drops it and the deletion waits for ever (L3): that run asks a
# question this holder cannot answer yes to.
# Expected (at >= 1 pass): both ends gone.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add veth0 type veth peer name veth1 netns ns2
netdev_hold -n ns2 veth1 dst0 until rebroadcast
ip -n ns1 link del veth0
