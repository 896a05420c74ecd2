# A chain across three namespaces: veth0 (ns2) -- veth1 (ns1) <- macvlan mv3 (ns3).
# Deleting veth0 in ns2 removes its peer veth1, whose upper mv3 in ns3 goes too.
# Expected: ns1, ns2 and ns3 end empty.
ip netns add ns1
ip netns add ns2
ip netns add ns3
ip -n ns1 link add veth1 type veth peer name veth0 netns ns2
ip -n ns1 link add mv3 link veth1 type macvlan mode bridge
ip -n ns1 link set mv3 netns ns3
ip -n ns2 link del veth0
