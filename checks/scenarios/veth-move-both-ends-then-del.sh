# Both ends are moved out of the namespace they were created in, then one is deleted.
# Expected: the moves succeed; deleting veth1 in ns2 also removes veth0 in ns3; ns1, ns2
# and ns3 end empty.
ip netns add ns1
ip netns add ns2
ip netns add ns3
ip -n ns1 link add veth0 type veth peer name veth1
ip -n ns1 link set veth1 netns ns2
ip -n ns1 link set dev veth0 netns ns3
ip -n ns2 link del veth1
