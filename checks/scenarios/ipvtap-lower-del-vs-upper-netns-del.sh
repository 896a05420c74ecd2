# ipvtap (patch 14): an ipvtap and an ipvlan of two other nets share the port of veth0 in ns1.
# Deleting veth0 hands ipvt2 to ns2's queue through __ipvtap_dellink_ptr and ipvl3 to ns3's
# through __ipvlan_link_delete(), racing the destruction of ns2, whose exit deletes ipvt2
# with ipvtap_dellink() unless it is already dying.
# Expected: every device gone; ns1 and ns3 end empty.
ip netns add ns1
ip netns add ns2
ip netns add ns3
ip -n ns1 link add veth0 type veth peer name veth1
ip -n ns2 link add ipvt2 link veth0 link-netns ns1 type ipvtap mode l2
ip -n ns3 link add ipvl3 link veth0 link-netns ns1 type ipvlan mode l2
ip -n ns1 link del veth0 &
ip netns del ns2 &
wait
