# vxcan unloaded with a pair across ns1 and ns2. Unconverted (the series), vxcan_dellink()
# queues both ends on the unload's list. With followup-vxcan (703b31d21e52) the peer goes to
# ns2's queue and the unload does not wait for it: hazard A7 again (checked in findings/).
# Expected: passes in pre-series and series.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add vxcan0 type vxcan peer name vxcan1 netns ns2
modprobe -r vxcan
