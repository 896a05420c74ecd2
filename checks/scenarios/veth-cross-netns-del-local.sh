# A veth pair spanning ns1 and ns2; deleting the end in ns1 removes the peer in ns2.
# Expected: ns1 and ns2 both end empty.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add veth0 type veth peer veth1 netns ns2
ip -n ns1 link del dev veth0
