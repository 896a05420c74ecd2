# A vxlan goes ns1 -> ns2 -> ns1, then ns2 is destroyed: the device is no longer there.
# Expected: ns2 gone; vx0 stays in ns1.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add vx0 type vxlan id 7 dstport 4789
ip -n ns1 link set vx0 netns ns2
ip -n ns2 link set vx0 netns ns1
ip netns del ns2
