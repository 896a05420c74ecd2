# Three pairs from ns1 to ns2 and ns3; two namespaces are destroyed at once. Expected: every
# pair touching ns2 or ns3 is removed, so ns1 ends empty and ns2, ns3 are gone.
ip netns add ns1
ip netns add ns2
ip netns add ns3
ip -n ns1 link add va0 type veth peer name va1 netns ns2
ip -n ns1 link add vb0 type veth peer name vb1 netns ns3
ip -n ns1 link add vc0 type veth peer name vc1 netns ns2
ip netns del ns2 &
ip netns del ns3 &
wait
