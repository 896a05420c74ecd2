# Mutant: ipvlan-link-delete-no-unlink.
# ipvl2 in ns2 is the upper of veth0 in ns1; only the upper is deleted. __ipvlan_link_delete()
# must unlink it from veth0's adjacency lists before its unregistration reaches ndo_uninit:
# the mutant skips netdev_upper_dev_unlink(), and unregister_netdevice_many_notify() WARNs
# (netdev_has_any_lower_dev(ipvl2), S3); the lower's entry then keeps ipvl2 referenced.
# Expected (faithful): ipvl2 gone, veth0 and veth1 left in ns1.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add veth0 type veth peer name veth1
ip -n ns2 link add ipvl2 link veth0 link-netns ns1 type ipvlan mode l2
ip -n ns2 link del ipvl2
