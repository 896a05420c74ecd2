# A macvlan created on a macvlan is attached to the real lower (macvlan_common_newlink
# follows vlan->lowerdev), so deleting the middle one leaves it in place.
# Expected: ns1 keeps veth0 and veth1, ns2 keeps mvb.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add veth0 type veth peer name veth1
ip -n ns1 link add mva link veth0 type macvlan mode bridge
ip -n ns1 link add mvb link mva type macvlan mode bridge
ip -n ns1 link set mvb netns ns2
ip -n ns1 link del mva
