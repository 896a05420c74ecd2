# Mutants: nets-no-dedup, leak-netdev-ref.
# A veth pair inside ns1, created and deleted there.
# nets-no-dedup: the newlink adds ns1 twice (socket and peer netns) and locks it twice (L5).
# leak-netdev-ref: veth_dellink() forgets one netdev_put(), so netdev_run_todo() waits for
# ever for veth0 ("unregister_netdevice: waiting for veth0 to become free", L3).
# Expected (faithful): ns1 ends empty.
ip netns add ns1
ip -n ns1 link add veth0 type veth peer name veth1
ip -n ns1 link del veth0
