# Mutant: ipvtap-no-dying.
# As ipvlan-del-upper-while-dying.sh with an ipvtap: deleting the lower veth0 marks ipvt2
# dying and hands it to ns2's queue through __ipvtap_dellink_ptr; a concurrent delete of ipvt2
# from ns2 (ipvtap_dellink) must see `dying` and leave it alone.
# ipvtap-no-dying: the second delete queues ipvt2 again (S4).
# Expected (faithful): ns1 and ns2 end empty; the upper's delete may fail with "Cannot find device".
ip netns add ns1
ip netns add ns2
ip -n ns1 link add veth0 type veth peer name veth1
ip -n ns2 link add ipvt2 link veth0 link-netns ns1 type ipvtap mode l2
ip -n ns1 link del veth0 &
ip -n ns2 link del ipvt2 &
wait
