# The cover letter with a concurrent `ip netns del ns3`: ipvl3 may be deleted by its
# netns exit or handed to ns3 by veth0's NETDEV_UNREGISTER, whichever comes first.
ip netns add ns1
ip netns add ns2
ip netns add ns3
ip -n ns1 link add veth0 type veth peer veth1
ip -n ns2 link add ipvl2 link veth0 link-netns ns1 type ipvlan mode l2
ip -n ns3 link add ipvl3 link veth0 link-netns ns1 type ipvlan mode l2
ip -n ns1 link del veth0 &
ip netns del ns3 &
wait
