# Two bareudp devices from ns1, one moved to ns2 and one to ns3; ns1 and ns3 are destroyed
# at once. Expected: both devices are removed; ns2 ends empty; ns1 and ns3 gone.
ip netns add ns1
ip netns add ns2
ip netns add ns3
ip -n ns1 link add bu0 type bareudp dstport 6635 ethertype ipv6
ip -n ns1 link add bu1 type bareudp dstport 6636 ethertype 0x8847
ip -n ns1 link set bu0 netns ns2
ip -n ns1 link set bu1 netns ns3
ip netns del ns1 &
ip netns del ns3 &
wait
