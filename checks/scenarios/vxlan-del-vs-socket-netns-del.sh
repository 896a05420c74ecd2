# A moved vxlan is deleted from ns2 while its socket netns ns1 is destroyed: the explicit
# delete and cleanup_net() race for the same device. Expected: unregistered exactly once;
# ns1 gone, ns2 empty; the delete may fail with "Cannot find device".
ip netns add ns1
ip netns add ns2
ip -n ns1 link add vx0 type vxlan id 7 dstport 4789
ip -n ns1 link set vx0 netns ns2
ip -n ns2 link del vx0 &
ip netns del ns1 &
wait
