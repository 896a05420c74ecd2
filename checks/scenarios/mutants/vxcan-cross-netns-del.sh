# Mutant: vxcan-peer-plain-queue (with --variant followup-vxcan).
# Deleting vxcan0 in ns1 hands its peer vxcan1 to ns2's queue and work, which unregister it
# under ns2's per-netns lock.
# vxcan-peer-plain-queue: vxcan1 goes on rtnl_delete_link()'s list and is unregistered by
# ip#N holding ns1's lock only; converted vxcan declares no exemption, so S5 fails.
# Expected (faithful): ns1 and ns2 end empty.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add vxcan0 type vxcan peer name vxcan1 netns ns2
ip -n ns1 link del vxcan0
