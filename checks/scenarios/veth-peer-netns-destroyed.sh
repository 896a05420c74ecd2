# Destroying the peer's namespace: cleanup_net() deletes veth1 in ns2, and veth_dellink()
# takes veth0 in ns1 with it. Expected: ns2 is gone and ns1 ends empty (asynchronously).
ip netns add ns1
ip netns add ns2
ip -n ns1 link add veth0 type veth peer name veth1 netns ns2
ip netns del ns2
