# A veth pair spanning ns1 and ns2 (peer created straight into ns2); deleting the peer from
# ns2 removes the end in ns1 too (veth_dellink queues the peer in another netns).
# Expected: ns1 and ns2 both end empty.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add veth0 type veth peer name veth1 netns ns2
ip -n ns2 link del veth1
