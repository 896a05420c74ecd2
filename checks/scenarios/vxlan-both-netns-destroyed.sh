# The socket netns and the device's netns of a moved vxlan are destroyed at once.
# Expected: both namespaces gone; vx0 is unregistered exactly once.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add vx0 type vxlan id 7 dstport 4789
ip -n ns1 link set vx0 netns ns2
ip netns del ns1 &
ip netns del ns2 &
wait
