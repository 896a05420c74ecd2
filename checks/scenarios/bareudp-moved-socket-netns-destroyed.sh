# A bareudp device moved away from its socket netns dies with that netns (the pernet exit
# of the socket netns walks its bareudp_list; the series queues it per netns). Expected: ns1
# gone, ns2 ends empty. Needs CONFIG_BAREUDP.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add bu0 type bareudp dstport 6635 ethertype mpls_uc
ip -n ns1 link set bu0 netns ns2
ip netns del ns1
