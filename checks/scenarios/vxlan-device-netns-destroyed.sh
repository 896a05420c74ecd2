# The namespace a moved vxlan lives in (not its socket's) is destroyed: devices with
# rtnl_link_ops are deleted, not returned to init_net. Expected: ns2 gone, ns1 ends empty.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add vx0 type vxlan id 7 dstport 4789
ip -n ns1 link set vx0 netns ns2
ip netns del ns2
