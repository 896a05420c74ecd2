# An upper is moved ns1 -> ns2 -> ns3, then the lower's namespace is destroyed. Expected:
# both moves succeed; mv0 is removed from ns3 with its lower; ns2 and ns3 end empty.
ip netns add ns1
ip netns add ns2
ip netns add ns3
ip -n ns1 link add veth0 type veth peer name veth1
ip -n ns1 link add mv0 link veth0 type macvlan mode passthru
ip -n ns1 link set mv0 netns ns2
ip -n ns2 link set mv0 netns ns3
ip netns del ns1
