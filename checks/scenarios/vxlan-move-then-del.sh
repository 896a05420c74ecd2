# A vxlan is moved away from its socket's netns and deleted there; destroying the socket
# netns afterwards finds nothing left to delete. Expected: ns2 ends empty, ns1 gone.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add vx0 type vxlan id 7 dstport 4789
ip -n ns1 link set vx0 netns ns2
ip -n ns2 link del vx0
ip netns del ns1
