# Destroying the lower's namespace: cleanup_net() deletes veth0, and its uppers in ns2 and
# ns3 go in the same unregister batch. Expected: ns1 gone, ns2 and ns3 end empty.
ip netns add ns1
ip netns add ns2
ip netns add ns3
ip -n ns1 link add veth0 type veth peer name veth1
ip -n ns1 link add mv2 link veth0 type macvlan mode bridge
ip -n ns1 link set mv2 netns ns2
ip -n ns1 link add mv3 link veth0 type macvlan mode bridge
ip -n ns1 link set mv3 netns ns3
ip netns del ns1
