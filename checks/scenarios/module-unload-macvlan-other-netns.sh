# macvlan (unconverted) unloaded while the lower of mv0, in another net, is deleted: whichever
# comes first unregisters mv0 on its own list (macvlan_device_event() or the unload's batch).
# Expected: passes in pre-series and series; ns2 ends empty, ns1 with veth1 or empty.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add veth0 type veth peer name veth1
ip -n ns2 link add mv0 link veth0 link-netns ns1 type macvlan
ip -n ns1 link del veth0 &
modprobe -r macvlan &
wait
