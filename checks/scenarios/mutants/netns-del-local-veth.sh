# Mutants: flush-under-rtnl, exit-batch-no-split.
# Destroying a netns runs default_device_exit_batch(), which flushes rtnl_net_wq after
# rtnl_unlock(). Nothing is queued here, so a flush under RTNL does not deadlock; it is the
# call itself that breaks S9.
# exit-batch-no-split: without the per-netns split veth0 is unregistered by the final
# unregister_netdevice_many() under RTNL only, without ns1's lock (S5).
# Expected (faithful): ns1 is gone.
ip netns add ns1
ip -n ns1 link add veth0 type veth peer name veth1
ip netns del ns1
