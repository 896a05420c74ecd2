# Mutants: ipvlan-port-no-hold, ipvlan-event-upper-net, ipvlan-uninit-put-before-unlock,
# rebroadcast-without-net-lock (and the equivalent ipvlan-uninit-no-lower-lock and
# ipvlan-queue-before-unlink, the latter needing convert-adj-list-instance-lock).
# veth0 in ns1 is the lower of ipvl2 in ns2. Deleting veth0 hands ipvl2 to ns2's work, and the
# port's reference keeps veth0 allocated until ipvl2's ipvlan_uninit() runs there.
# ipvlan-port-no-hold: veth0 is freed first and ns2's work touches it in ipvlan_uninit (S1).
# ipvlan-event-upper-net: ipvl2 is unregistered on veth0's list without ns2's lock (S5).
# ipvlan-uninit-put-before-unlock: ns2's work drops its tmp reference on veth0 before unlocking
# veth0->lock, and the deleter frees veth0 while the lock is held (S1).
# rebroadcast-without-net-lock: the deleter waits for veth0 and re-broadcasts NETDEV_UNREGISTER
# under RTNL alone, without ns1's lock (S15).
# ipvlan-queue-before-unlink: in rtnl-free mode ns2's work unregisters ipvl2 while it is still
# linked to veth0 (S3, R7 in docs/rtnl-free.md).
# Expected (faithful): ns1 and ns2 end empty.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add veth0 type veth peer name veth1
ip -n ns2 link add ipvl2 link veth0 link-netns ns1 type ipvlan mode l2
ip -n ns1 link del veth0
