# Two vxlans on ns1's socket list; only vx0 is moved to ns2. Destroying ns1 deletes both,
# vx1 as a device of ns1 and vx0 through the socket netns. Expected: ns1 gone, ns2 empty.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add vx0 type vxlan id 7 dstport 4789
ip -n ns1 link add vx1 type vxlan id 8 dstport 4790
ip -n ns1 link set vx0 netns ns2
ip netns del ns1
