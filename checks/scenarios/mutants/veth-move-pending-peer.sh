# Mutant: move-drops-pending.
# Deleting veth0 hands veth1 to ns3's queue while veth1 is being moved to ns2. If the move runs
# before ns3's work, unregister_netdevice_move_net() carries the pending entry along and the
# mover's unlock of ns2 unregisters veth1 under ns2's lock. ns2 sorts before ns3, so the mover
# unlocks ns2 first.
# move-drops-pending: the entry stays on ns3's queue and ns3's drain (the mover's, after it
# released ns2, or ns3's work) unregisters veth1 without ns2's lock (S5).
# Expected (faithful): every netns ends empty; the move may fail with "Cannot find device".
ip netns add ns1
ip netns add ns2
ip netns add ns3
ip -n ns1 link add veth0 type veth peer name veth1 netns ns3
ip -n ns1 link del veth0 &
ip -n ns3 link set veth1 netns ns2 &
wait
