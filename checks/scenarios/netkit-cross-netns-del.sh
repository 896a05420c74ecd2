# netkit, the paired device the series leaves unconverted: nk1 in ns2 is the peer of nk0 in
# ns1. Deleting nk0 queues nk1 on the deleter's list, which unregisters it holding ns1's lock
# only (S5 note: netkit_del_link() is unconverted), racing ns2's destruction, whose
# default_device_exit_batch() deletes nk1 and with it nk0, left on its list for the final
# unregister_netdevice_many() under RTNL alone.
# Expected: both gone; ns1 ends empty.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add nk0 type netkit peer name nk1 netns ns2
ip -n ns1 link del nk0 &
ip netns del ns2 &
wait
