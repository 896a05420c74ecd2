# The lower is deleted while an upper's namespace is destroyed: the upper is queued for
# unregistration from two sides (the series' per-netns queue). Expected: ipvl2 unregistered
# exactly once; ns2 gone; ns1 and ns3 end empty.
ip netns add ns1
ip netns add ns2
ip netns add ns3
ip -n ns1 link add veth0 type veth peer name veth1
ip -n ns2 link add ipvl2 link veth0 link-netns ns1 type ipvlan mode l2
ip -n ns3 link add ipvl3 link veth0 link-netns ns1 type ipvlan mode l2
ip -n ns1 link del veth0 &
ip netns del ns2 &
wait
