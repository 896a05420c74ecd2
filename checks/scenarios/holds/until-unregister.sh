# A packet socket bound to veth1 in ns2: packet_notifier() drops its reference at the first
# NETDEV_UNREGISTER, which ns2's per-netns work delivers while the deletion from ns1 and the
# destruction of ns2 race.
# Expected: both ends and ns2 gone; the socket's reference never holds up netdev_run_todo().
ip netns add ns1
ip netns add ns2
ip -n ns1 link add veth0 type veth peer name veth1 netns ns2
netdev_hold -n ns2 veth1 sk0 until unregister
ip -n ns1 link del veth0 &
ip netns del ns2
wait
