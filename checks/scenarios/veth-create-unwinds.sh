# Two veth pairs that cannot be created whole. d's peer a is taken in ns1, so veth_newlink()
# fails on the peer before registering anything (err_register_peer: freed unregistered). The
# second a: veth_newlink() registers its peer b in ns2 first, then fails on a, whose name is
# taken in ns1 (EEXIST), and unwinds with unregister_netdevice(b) under the same locks
# (err_register_dev), while ns2 is destroyed (ns2 may already be gone: ENOENT).
# Expected: b never stays; ns2's cleanup takes c and its peer a, so ns1 ends empty.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add a type veth peer name c netns ns2
ip -n ns1 link add d type veth peer name a
ip -n ns1 link add a type veth peer name b netns ns2 &
ip netns del ns2 &
wait
