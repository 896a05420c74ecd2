# Hazard A7, the race of issue 14: `ip -n ns1 link del veth0` has handed veth1 to
# ns2->dev_unreg_head when `modprobe -r veth` starts. veth1 is neither on a kill list nor in
# dev_unreg_count, so rtnl_lock_unregistering_all() does not wait for it, and its dellink is
# skipped (its exactly-once token is taken). If ns2's rtnl_work runs after veth_exit()
# returned, it calls into the freed module (S17). Series and rtnl-free fail; pre-series passes.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add veth0 type veth peer name veth1 netns ns2
ip -n ns1 link del veth0 &
modprobe -r veth &
wait
