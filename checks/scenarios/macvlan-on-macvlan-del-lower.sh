# Both macvlans of a macvlan-on-macvlan stack hang off veth0, so deleting veth0 removes
# the one in ns1 and the one moved to ns2 in one batch. Expected: ns1 and ns2 end empty.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add veth0 type veth peer name veth1
ip -n ns1 link add mva link veth0 type macvlan mode bridge
ip -n ns1 link add mvb link mva type macvlan mode bridge
ip -n ns1 link set mvb netns ns2
ip -n ns1 link del veth0
