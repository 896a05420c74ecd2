# Destroying the peer's namespace: cleanup_net() deletes vxcan1 in ns2, and vxcan_dellink()
# takes vxcan0 in ns1 with it. Series: unregister_netdevice_queue_many_net() leaves vxcan0 on
# default_device_exit_batch()'s list (an S5 note); with --variant followup-vxcan it goes to
# ns1's queue and work. Expected: ns2 is gone and ns1 ends empty (asynchronously).
ip netns add ns1
ip netns add ns2
ip -n ns1 link add vxcan0 type vxcan peer name vxcan1 netns ns2
ip netns del ns2
