# A vxcan pair spanning ns1 and ns2; deleting the end in ns1 removes the peer in ns2.
# Series: vxcan is unconverted (vxcan_dellink() before 703b31d21e52), so rtnl_delete_link()
# unregisters vxcan1 holding ns1's lock only: an S5 note naming the C, not a failure. With
# --variant followup-vxcan the peer goes to ns2's queue and work instead.
# Expected: ns1 and ns2 both end empty.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add vxcan0 type vxcan peer vxcan1 netns ns2
ip -n ns1 link del dev vxcan0
