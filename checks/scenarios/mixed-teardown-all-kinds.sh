# Every kind the kernel here has, spread over three namespaces, then two of them destroyed
# at once: a veth pair ns1-ns2, a macvlan on veth0 moved to ns3, a vxlan moved ns1 -> ns3.
# Expected: destroying ns1 and ns2 removes everything; ns3 ends empty.
ip netns add ns1
ip netns add ns2
ip netns add ns3
ip -n ns1 link add veth0 type veth peer name veth1 netns ns2
ip -n ns1 link add mv0 link veth0 type macvlan mode bridge
ip -n ns1 link set mv0 netns ns3
ip -n ns1 link add vx0 type vxlan id 100 dstport 4789
ip -n ns1 link set vx0 netns ns3
ip netns del ns1 &
ip netns del ns2 &
wait
