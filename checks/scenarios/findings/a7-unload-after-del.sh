# Hazard A7 with the commands in order: `ip -n ns1 link del veth0` returns with veth1 handed to
# ns2->dev_unreg_head and ns2's rtnl_work queued, and `modprobe -r veth` starts before that work
# runs. veth1 is in no kill list and not in dev_unreg_count: rtnl_lock_unregistering_all() does
# not wait for it; veth_dellink(veth1) finds its xchg() token taken and skips it; veth_exit()
# returns and the module is freed; ns2's work then unregisters veth1 through the freed
# veth_link_ops and calls veth_dev_free() (S17). Series and rtnl-free fail; pre-series passes
# (both ends go on the deleter's list).
ip netns add ns1
ip netns add ns2
ip -n ns1 link add veth0 type veth peer name veth1 netns ns2
ip -n ns1 link del veth0
modprobe -r veth
