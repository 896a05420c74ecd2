# The pair is created in ns1, then one end is moved to ns2 and ns1 is destroyed.
# Expected: ns1 is gone; veth1, moved to ns2, is removed with its peer, so ns2 ends empty.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add veth0 type veth peer name veth1
ip -n ns1 link set veth1 netns ns2
ip netns del ns1
