# A vxlan's UDP socket lives in the netns it was created in (ns1); after the device is
# moved to ns2, destroying ns1 must still delete it (vxlan's pernet exit walks the
# socket netns's vxlan_list). Expected: ns1 gone, ns2 ends empty.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add vx0 type vxlan id 7 dstport 4789
ip -n ns1 link set vx0 netns ns2
ip netns del ns1
