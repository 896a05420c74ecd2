# Hazard A7, the plain case: a veth pair across ns1 and ns2, and `modprobe -r veth` alone.
# rtnl_link_unregister() visits ns1 first: veth_dellink(veth0) takes both xchg() tokens, queues
# veth0 on the unload's list and hands veth1 to ns2->dev_unreg_head (and ns2's rtnl_work);
# visiting ns2, veth_dellink(veth1) finds its token taken and does nothing. The unload's
# rtnl_unlock() frees veth0 and veth_exit() returns: nothing waits for ns2's work, which then
# unregisters veth1 through veth_link_ops and veth_dev_free() in the freed module (S17).
# Series and rtnl-free fail; pre-series unregisters both ends in one batch and passes.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add veth0 type veth peer name veth1 netns ns2
modprobe -r veth
