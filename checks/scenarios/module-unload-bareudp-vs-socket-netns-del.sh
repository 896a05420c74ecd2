# bareudp unloaded while the net of bu0's socket is destroyed (bu0 was moved to ns2): the
# converted exit_rtnl hands bu0 to ns2's queue, but cleanup_net() holds pernet_ops_rwsem for
# read until default_device_exit_batch() has flushed rtnl_net_wq, and the unload takes it for
# write. Expected: passes in pre-series and series; ns2 ends empty.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add bu0 type bareudp dstport 6635 ethertype ipv4
ip -n ns1 link set bu0 netns ns2
ip netns del ns1 &
modprobe -r bareudp &
wait
