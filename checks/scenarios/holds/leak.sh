# A reference that is never put (a buggy protocol): the deletion of the pair waits for ever in
# netdev_run_todo() for veth1 ("unregister_netdevice: waiting for veth1 to become free").
# Expected: FAIL, L3 all-refs-released, naming the tracker and its line.
ip netns add ns1
ip -n ns1 link add veth0 type veth peer name veth1
netdev_hold -n ns1 veth1 dst0
ip -n ns1 link del veth0
