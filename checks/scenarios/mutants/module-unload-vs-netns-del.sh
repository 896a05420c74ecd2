# Mutant: unload-no-pernet-rwsem.
# ns1's destruction races the unload of veth. cleanup_net() holds pernet_ops_rwsem for read
# from before ns1 leaves net_namespace_list until its devices are gone, and
# rtnl_link_unregister() takes it for write, so one waits for the other. Without the rwsem the
# unload's for_each_net() skips the dying ns1, the module is freed, and ns1's
# default_device_exit_batch() then calls veth_dellink() in freed module memory (S17).
# Expected (faithful): ns1 gone with its pair; the unload succeeds.
ip netns add ns1
ip -n ns1 link add veth0 type veth peer name veth1
ip netns del ns1 &
modprobe -r veth &
wait
