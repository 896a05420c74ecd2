# kernel-notes §7.4 minimal scenario 3: a bareudp device in ns2 whose UDP socket lives in
# ns1 (created in ns1, then moved). Concurrently: destroy ns1 and delete the device from
# ns2. The device is unregistered exactly once, and nothing is left behind in ns2.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add bu0 type bareudp dstport 6635 ethertype ipv4
ip -n ns1 link set bu0 netns ns2
ip netns del ns1 &
ip -n ns2 link del bu0 &
wait
