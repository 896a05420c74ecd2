# Destroying one upper's namespace removes that upper only. Expected: ns2 gone; the lower
# pair stays in ns1 and mv3 stays in ns3.
ip netns add ns1
ip netns add ns2
ip netns add ns3
ip -n ns1 link add veth0 type veth peer name veth1
ip -n ns1 link add mv2 link veth0 type macvlan mode bridge
ip -n ns1 link set mv2 netns ns2
ip -n ns1 link add mv3 link veth0 type macvlan mode bridge
ip -n ns1 link set mv3 netns ns3
ip netns del ns2
