# A reference held late: a dst (or any object that ignores NETDEV_UNREGISTER) holds veth1,
# the peer in ns2, while ns1's command deletes the pair. ns2's work unregisters veth1 and
# waits in netdev_run_todo() with a live outside reference until another command drops it.
# Expected: both ends gone; every execution ends (the put wakes netdev_wait_allrefs_any()).
ip netns add ns1
ip netns add ns2
ip -n ns1 link add veth0 type veth peer name veth1 netns ns2
netdev_hold -n ns2 veth1 dst0
ip -n ns1 link del veth0 &
netdev_put dst0
wait
