# Mutant: vxcan-leak-peer-ref (with --variant followup-vxcan).
# A vxcan pair inside ns1, created and deleted there.
# vxcan-leak-peer-ref: vxcan_dellink() forgets its second netdev_put(), so netdev_run_todo()
# waits for ever for vxcan0 ("unregister_netdevice: waiting for vxcan0 to become free", L3).
# Expected (faithful): ns1 ends empty.
ip netns add ns1
ip -n ns1 link add vxcan0 type vxcan peer name vxcan1
ip -n ns1 link del vxcan0
