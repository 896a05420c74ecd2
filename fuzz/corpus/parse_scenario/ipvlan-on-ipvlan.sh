# An ipvlan created on an ipvlan is attached to the real lower (ipvlan_link_new follows
# ipvlan->phy_dev), so deleting the middle one leaves it in place (needs CONFIG_IPVLAN).
# Expected: ns1 keeps veth0 and veth1, ns2 keeps ipvb.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add veth0 type veth peer name veth1
ip -n ns1 link add ipva link veth0 type ipvlan mode l2
ip -n ns1 link add ipvb link ipva type ipvlan mode l2
ip -n ns1 link set ipvb netns ns2
ip -n ns1 link del ipva
