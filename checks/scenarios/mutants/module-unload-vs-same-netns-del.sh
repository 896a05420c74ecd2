# Catalogue mutant unload-no-wait-unregistering: a veth pair inside ns1, deleted while veth is
# unloaded. Faithful, the deletion's devices are counted in dev_unreg_count from the end of its
# unregister_netdevice_many_notify() to the end of its netdev_run_todo(), and
# rtnl_lock_unregistering_all() waits for them: every veth_dev_free() runs before veth_exit()
# returns, in every mode (one net, nothing deferred). Mutated (rtnl_lock() alone), the unload
# passes while the deleter still frees its devices: veth_dev_free() in freed module text (S17).
ip netns add ns1
ip -n ns1 link add veth0 type veth peer name veth1
ip -n ns1 link del veth0 &
modprobe -r veth &
wait
