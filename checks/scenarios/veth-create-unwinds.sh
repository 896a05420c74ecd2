# A veth pair whose second device cannot be registered: veth_newlink() registers the peer b
# in ns2 first, then fails on a, whose name is taken in ns1 (EEXIST), and unwinds with
# unregister_netdevice(b) under the same locks (err_register_dev), while ns2 is destroyed.
# The last line's peer a fails while the first a is still there (err_register_peer: freed
# unregistered); the netns deletion returns before its cleanup runs, so both happen.
# Expected: b never stays; ns1 ends empty (ns2's cleanup took c and its peer a after the last
# line failed) or with d and a (the last line ran after the cleanup).
ip netns add ns1
ip netns add ns2
ip -n ns1 link add a type veth peer name c netns ns2
ip -n ns1 link add a type veth peer name b netns ns2 &
ip netns del ns2 &
wait
ip -n ns1 link add d type veth peer name a
