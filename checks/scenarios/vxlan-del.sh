# Plain vxlan deletion in its own namespace. Expected: ns1 ends empty.
ip netns add ns1
ip -n ns1 link add vx0 type vxlan dstport 4789 id 42
ip -n ns1 link del vx0
